//! One cluster's results as a row of plain data: what the XLSX workbook and the HTML
//! batch page show. Built from an [`Evaluation`] with explanations, in the reader's
//! language, so that a batch run can build rows on its worker threads and hand them, as
//! one JSON line each, to the single thread that writes the file.
//!
//! Everything here is derived from the rule set's declarations and the evaluation: the
//! decisions in the order of the rule files, the comparisons against a threshold the
//! rules state (a number, date or parameter) as margins. Numbers stay the exact texts of
//! the JSON output; whoever shows them decides how (see [`Num`]).

use super::human::{check_text, outcome_word, value_words};
use super::*;
use crate::diag::Lang;
use crate::eval::{Check, Side, Value};
use crate::ir::Ty;
use crate::syntax::ast::BinOp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How a decision came out, as a report colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    NotMet,
    Undetermined,
    NotApplicable,
    /// Decided, with a value that is not yes/no (a date, a category).
    Value,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Met,
        Verdict::NotMet,
        Verdict::Undetermined,
        Verdict::NotApplicable,
        Verdict::Value,
    ];

    /// The glossary's word (满足 / 不满足 / 无法判定 / 不适用; 已判定 for a value).
    pub fn word(self, lang: Lang) -> &'static str {
        match self {
            Verdict::Met => outcome_word(Outcome::Met, lang),
            Verdict::NotMet => outcome_word(Outcome::NotMet, lang),
            Verdict::Undetermined => outcome_word(Outcome::Undetermined, lang),
            Verdict::NotApplicable => outcome_word(Outcome::NotApplicable, lang),
            Verdict::Value => match lang {
                Lang::En => "decided",
                Lang::Zh => "已判定",
            },
        }
    }

    /// The stable name (`met`, `not_met`, …), as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not_met",
            Verdict::Undetermined => "undetermined",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Value => "decided",
        }
    }
}

/// A decision of the rule set, as a column: its id, its label and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub id: String,
    /// The label a person reads: the clause's heading and title, or the decision's label.
    pub title: String,
}

/// The decisions of `program`, in the order of the rule files.
pub fn columns(program: &Program) -> Vec<Column> {
    program
        .decisions
        .iter()
        .map(|d| Column {
            id: d.name.clone(),
            title: decision_title(program, d),
        })
        .collect()
}

fn decision_title(p: &Program, d: &crate::ir::DecisionDef) -> String {
    if let DecisionKind::Clause(ci) = d.kind {
        if let Some((a, c)) = p
            .articles
            .get(d.article)
            .and_then(|a| Some((a, a.clauses.get(ci)?)))
        {
            let title = c.title.as_deref().unwrap_or_default();
            return format!("{}{title}", a.clause_place(c));
        }
    }
    let heading = p
        .articles
        .get(d.article)
        .map(|a| a.heading())
        .unwrap_or_default();
    match &d.label {
        Some(l) if heading.is_empty() => l.clone(),
        Some(l) => format!("{heading} {l}"),
        None => d.name.clone(),
    }
}

/// One decision of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub verdict: Verdict,
    /// The value in words (是 / 否, a date, a category's label); empty when undecided.
    pub value: String,
    /// Why it is not met or undetermined, in words: the rules not met, the comparisons that
    /// failed, the reasons other than missing facts.
    pub reason: String,
    /// The facts whose absence left it undetermined (names, as in the JSON output).
    pub missing: Vec<String>,
}

/// A comparison against a threshold the rules state: one cluster, one rule, one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Margin {
    /// The decision's index among [`columns`].
    pub decision: usize,
    /// The rule's title (a clause's rule) or the decision's label.
    pub rule: String,
    /// The expression compared, as written in the rule file.
    pub expression: String,
    /// The values of the quantifier variables (the year): `2022`.
    pub year: String,
    pub op: String,
    /// Value, threshold and gap (`value − threshold`) as the JSON output writes them.
    pub value: String,
    pub threshold: String,
    pub gap: String,
    /// The unit of value and threshold; of the gap, [`Margin::gap_unit`].
    pub unit: String,
    pub gap_unit: String,
    pub holds: Option<bool>,
    /// `rule file:line`.
    pub place: String,
}

impl Margin {
    /// The gap relative to the threshold (`-0.0533` for 28.40 against 30), when both are
    /// exact numbers and the threshold is not zero.
    pub fn relative(&self) -> Option<Decimal> {
        let gap = Num::parse(&self.gap).exact()?;
        let th = Num::parse(&self.threshold).exact()?;
        if th.is_zero() {
            return None;
        }
        gap.checked_div(th.abs())
    }

    /// What identifies the threshold across clusters: rule, expression, threshold.
    pub fn key(&self) -> (usize, &str, &str, &str, &str) {
        (
            self.decision,
            self.rule.as_str(),
            self.expression.as_str(),
            self.threshold.as_str(),
            self.unit.as_str(),
        )
    }
}

/// A number as the JSON output writes it, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    /// `28.40`: exactly this decimal.
    Exact(Decimal),
    /// `≈0.1235`: a value rounded for display (a share, a growth rate).
    Approx(Decimal),
    /// A date (`2025-04-11`).
    Date(chrono::NaiveDate),
    /// Anything else: a range of an aggregate with unknown elements (`2…3`, `≥11`), a word.
    Other,
}

impl Num {
    pub fn parse(s: &str) -> Num {
        if let Some(rest) = s.strip_prefix('≈') {
            return Decimal::from_str(rest).map_or(Num::Other, Num::Approx);
        }
        if let Ok(d) = Decimal::from_str(s) {
            return Num::Exact(d);
        }
        match crate::facts::parse_date(s) {
            Some(d) => Num::Date(d),
            None => Num::Other,
        }
    }

    pub fn exact(self) -> Option<Decimal> {
        match self {
            Num::Exact(d) => Some(d),
            _ => None,
        }
    }

    /// The number, exact or rounded.
    pub fn decimal(self) -> Option<Decimal> {
        match self {
            Num::Exact(d) | Num::Approx(d) => Some(d),
            _ => None,
        }
    }
}

/// One cluster's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRow {
    /// The cluster's name (the `cluster.name` fact, when the rule set has one and it is
    /// given), else where it came from.
    pub name: String,
    /// Where it came from: a file, `file:12` (a JSON line), `file:8 (row 7)`.
    pub source: String,
    /// One per [`columns`] entry.
    pub cells: Vec<Cell>,
    pub margins: Vec<Margin>,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub source: String,
    pub problems: Vec<RefusedProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedProblem {
    pub code: String,
    pub message: String,
    /// `line 3, column 7`, `column output_value.2022`, or empty.
    pub place: String,
}

/// What one record of a batch became: a line of the stream from the workers to the writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    Cluster(ClusterRow),
    Refused(Refused),
}

/// The outcome of a decision, as the JSON output derives it.
pub fn verdict(res: &crate::eval::DecisionResult) -> Verdict {
    match (res.status, res.value.as_ref()) {
        (Status::NotApplicable, _) => Verdict::NotApplicable,
        (Status::Decided, Some(Value::Bool(true))) => Verdict::Met,
        (Status::Decided, Some(Value::Bool(false))) => Verdict::NotMet,
        (Status::Decided, Some(_)) => Verdict::Value,
        _ => Verdict::Undetermined,
    }
}

fn missing_reason(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => ("not met: ", "undetermined: "),
        Lang::Zh => ("不满足：", "无法判定："),
    }
}

/// The row of one evaluated cluster (evaluated with explanations, or the margins and
/// reasons are empty).
pub fn cluster_row(r: &Report, name: String, source: String, lang: Lang) -> ClusterRow {
    let p = r.program;
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    let mut cells = Vec::with_capacity(p.decisions.len());
    let mut margins = Vec::new();
    for (id, d) in p.decisions.iter().enumerate() {
        let Some(res) = r.result(id) else {
            cells.push(Cell {
                verdict: Verdict::Undetermined,
                value: String::new(),
                reason: String::new(),
                missing: Vec::new(),
            });
            continue;
        };
        let v = verdict(res);
        let value = match (&res.status, &res.value) {
            (Status::Decided, Some(val)) => value_words(p, val, &d.ty, lang),
            _ => String::new(),
        };
        let mut reasons: Vec<String> = Vec::new();
        let (not_met, undetermined) = missing_reason(lang);
        let clause_rules = match d.kind {
            DecisionKind::Clause(ci) => p
                .articles
                .get(d.article)
                .and_then(|a| a.clauses.get(ci))
                .map(|c| c.rules.as_slice()),
            DecisionKind::Expr(_) => None,
        };
        if let Some(rules) = clause_rules {
            for (rd, rr) in rules.iter().zip(&res.rules) {
                let is_rule = rd.kind != crate::syntax::ast::RuleKind::Guideline;
                match rr.outcome {
                    Outcome::NotMet if is_rule && v == Verdict::NotMet => {
                        reasons.push(format!("{not_met}{}", rd.title));
                    }
                    Outcome::Undetermined if is_rule && v == Verdict::Undetermined => {
                        reasons.push(format!("{undetermined}{}", rd.title));
                    }
                    _ => {}
                }
                for c in &rr.checks {
                    if let Some(m) = margin(r, id, &rd.title, c) {
                        margins.push(m);
                    }
                }
            }
        } else {
            let title = d.label.clone().unwrap_or_else(|| d.name.clone());
            for c in &res.checks {
                if v == Verdict::NotMet && c.holds == Some(false) && reasons.len() < 3 {
                    reasons.push(check_text(p, c, &r.text(c.span), lang));
                }
                if let Some(m) = margin(r, id, &title, c) {
                    margins.push(m);
                }
            }
        }
        if v == Verdict::Undetermined {
            reasons.extend(
                res.why
                    .reasons
                    .iter()
                    .map(|x| super::reasons::in_lang(x, lang).into_owned()),
            );
        }
        cells.push(Cell {
            verdict: v,
            value,
            reason: reasons.join(sep),
            missing: r.missing_names(&res.why),
        });
    }
    ClusterRow {
        name,
        source,
        cells,
        margins,
    }
}

/// The margin of a comparison against a threshold the rules state, if `c` is one.
fn margin(r: &Report, decision: usize, rule: &str, c: &Check) -> Option<Margin> {
    if !matches!(c.op, BinOp::Ge | BinOp::Gt | BinOp::Le | BinOp::Lt) {
        return None;
    }
    if c.sides.1 != Side::Stated || c.sides.0 == Side::Today {
        return None;
    }
    let right = c.right.as_ref()?;
    let left = c.left.as_ref();
    let (file, line, _) = r.place(c.span);
    Some(Margin {
        decision,
        rule: rule.to_string(),
        expression: r.text(c.span),
        year: c
            .bindings
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        op: c.op.symbol().to_string(),
        value: left.map(|l| l.value.clone()).unwrap_or_default(),
        threshold: right.value.clone(),
        gap: c
            .margin
            .as_ref()
            .map(|m| m.value.clone())
            .unwrap_or_default(),
        unit: right.unit.clone(),
        gap_unit: c
            .margin
            .as_ref()
            .map(|m| m.unit.clone())
            .unwrap_or_default(),
        holds: c.holds,
        place: format!("{file}:{line}"),
    })
}

/// A fact's or decision's name as a person reads it: under Chinese its label with the name
/// after it (`产值（output_value）`), under English the name.
pub fn fact_name(p: &Program, name: &str, lang: Lang) -> String {
    if lang == Lang::Zh {
        if let Some(l) = p
            .facts
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.label.as_ref())
        {
            return format!("{l}（{name}）");
        }
    }
    name.to_string()
}

/// The fact that names a cluster in a report: the first text fact called `name` or
/// `….name` (`cluster.name`, `company.name`), if the rule set declares one.
pub fn name_fact(p: &Program) -> Option<usize> {
    p.facts
        .iter()
        .position(|f| f.ty == Ty::Text && (f.name == "name" || f.name.ends_with(".name")))
}

/// The cluster's name from its facts, if given.
pub fn name_of(p: &Program, facts: &crate::eval::Facts) -> Option<String> {
    match facts.values.get(name_fact(p)?)? {
        Some(Value::Text(t)) => Some(t.to_string()),
        _ => None,
    }
}

/// Is `ty` (or its element) a date?
pub fn is_date(ty: &Ty) -> bool {
    match ty {
        Ty::Date => true,
        Ty::OrNone(t) => is_date(t),
        _ => false,
    }
}

/// A fingerprint of a rule set: SHA-256 over the name and text of every file read, in the
/// order read (the files of a folder are read sorted by name), as 64 hex digits. The same
/// rule files give the same fingerprint on every machine; any change gives another.
pub fn fingerprint(sources: &crate::diag::Sources, files: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in 0..files.min(sources.len()) {
        let Ok(id) = u32::try_from(f) else { break };
        let name = sources.name(id).as_bytes();
        let text = sources.text(id).as_bytes();
        h.update((name.len() as u64).to_le_bytes());
        h.update(name);
        h.update((text.len() as u64).to_le_bytes());
        h.update(text);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a refused record's problem is, in words.
pub fn problem_place(p: &crate::batch::Problem, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(l) = p.line {
        parts.push(match lang {
            Lang::En => format!("line {l}"),
            Lang::Zh => format!("第{l}行"),
        });
    }
    if let Some(c) = p.column {
        parts.push(match lang {
            Lang::En => format!("column {c}"),
            Lang::Zh => format!("第{c}列"),
        });
    }
    if let Some(f) = &p.field {
        parts.push(match lang {
            Lang::En => format!("column `{f}`"),
            Lang::Zh => format!("列“{f}”"),
        });
    }
    parts.join(if lang == Lang::Zh { "，" } else { ", " })
}

/// The refused record as a line.
pub fn refused(source: String, problems: &[crate::batch::Problem], lang: Lang) -> Refused {
    Refused {
        source,
        problems: problems
            .iter()
            .filter(|p| !p.warning)
            .map(|p| RefusedProblem {
                code: p.code.to_string(),
                message: p.message.get(lang).to_string(),
                place: problem_place(p, lang),
            })
            .collect(),
    }
}
