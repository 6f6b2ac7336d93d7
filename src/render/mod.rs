//! Output: the human report and the JSON decisions of `docs/facts.md`.
//!
//! Both read the same [`Evaluation`]; neither evaluates anything.

pub mod html;
pub mod human;
pub mod json;
pub mod printable;
pub mod reasons;
pub mod rows;
pub mod xlsx;

pub use printable::{printable, printable_lines};

use crate::diag::{Diag, Sources};
use crate::eval::{DecisionResult, Evaluation, Outcome, Status};
use crate::ir::{AnnotKind, DecisionKind, Program};
use crate::syntax::ast::{RuleKind, Span};

/// Everything a renderer needs.
pub struct Report<'a> {
    pub program: &'a Program,
    pub evaluation: &'a Evaluation,
    pub sources: &'a Sources,
    /// Warnings about the facts file (unknown facts and fields).
    pub fact_warnings: &'a [Diag],
}

/// A guideline that was not met, or another warning raised by evaluation.
pub struct RuleWarning {
    pub article: u32,
    pub clause: Option<u32>,
    /// Where it stands, as the document names it: `第六条（二）`, `附件1 三、`.
    pub heading: String,
    /// In an annex: `article` and `clause` are the annex's and the item's numbers.
    pub annex: bool,
    pub rule: String,
    pub message: String,
    /// The comparison that was not met.
    pub check: Option<crate::eval::Check>,
    pub span: Span,
}

impl<'a> Report<'a> {
    /// `file:line` of a span.
    pub fn place(&self, span: Span) -> (String, usize, usize) {
        let (line, col) = self.sources.line_col(span.file, span.start as usize);
        (self.sources.name(span.file).to_string(), line, col)
    }

    pub fn text(&self, span: Span) -> String {
        self.sources
            .text(span.file)
            .get(span.range())
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    pub fn result(&self, id: usize) -> Option<&'a DecisionResult> {
        self.evaluation.decisions.get(id)
    }

    /// Guidelines not met: warnings for the reviewers, never failures.
    pub fn rule_warnings(&self) -> Vec<RuleWarning> {
        let mut out = Vec::new();
        for (id, d) in self.program.decisions.iter().enumerate() {
            let DecisionKind::Clause(ci) = d.kind else {
                continue;
            };
            let Some(article) = self.program.articles.get(d.article) else {
                continue;
            };
            let Some(clause) = article.clauses.get(ci) else {
                continue;
            };
            let Some(res) = self.result(id) else { continue };
            for (rule, rr) in clause.rules.iter().zip(&res.rules) {
                if rule.kind == RuleKind::Guideline && rr.outcome == Outcome::NotMet {
                    let check = rr.checks.iter().find(|c| c.holds == Some(false)).cloned();
                    let detail = check
                        .as_ref()
                        .map(|c| format!(": {}", human::check_line(c)))
                        .unwrap_or_default();
                    out.push(RuleWarning {
                        article: article.number,
                        clause: Some(clause.number),
                        heading: article.clause_place(clause),
                        annex: article.kind == crate::syntax::ast::PartKind::Annex,
                        rule: rule.title.clone(),
                        message: format!(
                            "guideline not met: {}{detail}; the reviewers should give the reason",
                            rule.title
                        ),
                        check,
                        span: rule.span,
                    });
                }
            }
        }
        out
    }

    /// Interpretations and assumptions a decision relied on, as texts.
    pub fn annotations_of(&self, id: usize, kind: AnnotKind) -> Vec<String> {
        let Some(d) = self.program.decisions.get(id) else {
            return Vec::new();
        };
        d.annotations
            .iter()
            .filter_map(|a| self.program.annotations.get(*a))
            .filter(|a| a.kind == kind)
            .map(|a| a.text.clone())
            .collect()
    }

    /// Assumptions used by any decision that was evaluated (not merely not applicable).
    pub fn assumptions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (id, _) in self.program.decisions.iter().enumerate() {
            if self
                .result(id)
                .is_some_and(|r| r.status != Status::NotApplicable)
            {
                for a in self.annotations_of(id, AnnotKind::Assumption) {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// The names of the facts whose absence made a result undetermined, sorted.
    pub fn missing_names(&self, why: &crate::eval::Why) -> Vec<String> {
        let mut v: Vec<String> = why
            .missing
            .iter()
            .filter_map(|f| self.program.facts.get(*f))
            .map(|f| f.name.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Chinese numerals for article numbers (1–999).
pub fn chinese_number(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let d = |i: u32| D.get(i as usize).copied().unwrap_or("");
    match n {
        0..=9 => d(n).to_string(),
        10..=19 => format!("十{}", if n.is_multiple_of(10) { "" } else { d(n % 10) }),
        20..=99 => format!(
            "{}十{}",
            d(n / 10),
            if n.is_multiple_of(10) { "" } else { d(n % 10) }
        ),
        100..=999 => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", d(rest)),
                10..=19 => format!("一{}", chinese_number(rest)),
                _ => chinese_number(rest),
            };
            format!("{}百{tail}", d(n / 100))
        }
        _ => n.to_string(),
    }
}
