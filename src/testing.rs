//! `policy test`: case files written by policy staff, and rule coverage.
//!
//! A case file (YAML, TOML or JSON; see `policies/cases/README.md`) holds one case or a
//! list of cases. A case gives the facts (inline, or a path to a facts file), the
//! evaluation date and the expected value of any decisions it is about:
//!
//! ```yaml
//! as_of: 2025-06-30                        # the default for the cases below
//! facts: facts/eligible.json               # inside the case file's or the rule set's folder
//! cases:
//!   - name: 产值刚好30亿元
//!     with: {output_value: {"2022": 30}}   # changes to the facts; null removes
//!     expect: {article6.clause2: true}
//! ```
//!
//! This module reads case files, builds the facts of each case, compares decisions
//! and keeps coverage; the CLI reads the files and prints. Nothing here does IO.
//!
//! Coverage counts, for every rule, the cases that saw it met, not met, undetermined
//! and not applicable. A case counts for a rule only if it pins a decision that
//! depends on the rule (the rule's clause, or a decision built from that clause):
//! a rule that merely happened to be evaluated was not tested.

use crate::diag::Lang;
use crate::diag::{Diag, Sources, Text};
use crate::eval::{DecisionResult, Evaluation, Outcome, Status};
use crate::facts::raw::{self, Format, Key, Raw, RawKind};
use crate::ir::{DecisionId, DecisionKind, Expr, ExprKind, Program, Ty};
use crate::render::{human::check_line_for, json};
use crate::syntax::ast::{RuleKind, Span};
use chrono::NaiveDate;
use std::fmt::Write as _;

/// Where a case's facts come from.
#[derive(Debug, Clone)]
pub enum FactsSpec {
    /// A mapping in the case file.
    Inline(Raw),
    /// A facts file, relative to the case file's folder.
    Path { path: String, span: Span },
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub decision: DecisionId,
    /// The expected value as text: `true`, `lapsed`, `2027-06-30`, `undetermined`, `not_applicable`.
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub span: Span,
    pub as_of: NaiveDate,
    pub facts: Option<FactsSpec>,
    /// Changes merged into the facts (a mapping; `null` removes an entry).
    pub with: Option<Raw>,
    pub expect: Vec<Expect>,
}

/// The result of one expectation.
#[derive(Debug, Clone)]
pub struct Compared {
    pub decision: DecisionId,
    pub expected: String,
    pub actual: String,
    pub span: Span,
}

impl Compared {
    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }
}

/// The keys of a case (and of a case file's top level). `note` is free text.
const KNOWN_KEYS: [&str; 7] = ["name", "as_of", "facts", "with", "expect", "note", "cases"];

const STATUS_WORDS: [&str; 2] = ["undetermined", "not_applicable"];

fn sp(file: u32, s: raw::Span) -> Span {
    Span::new(file, s.start, s.end)
}

fn syntax_diag(file: u32, e: raw::SyntaxError) -> Diag {
    let mut d = Diag::error("policy::test::syntax", e.message).at(sp(file, e.span));
    d = d.help(e.help.map(|h| *h).unwrap_or_else(|| {
        Text::from((
            "fix the case file's syntax; the place is marked",
            "请修正案例文件的语法；出错位置已标出",
        ))
    }));
    if let Some(r) = e.related {
        d = d.related(sp(file, r), ("first given here", "首次出现于此"));
    }
    d
}

fn field<'r>(entries: &'r [(Key, Raw)], name: &str) -> Option<&'r Raw> {
    entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v)
}

fn scalar_text(r: &Raw) -> Option<String> {
    match &r.kind {
        RawKind::Bool(b) => Some(b.to_string()),
        RawKind::Number(n) => Some(n.clone()),
        RawKind::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Read a case file against a rule set: names and values are checked here, so a
/// typo in a decision name is an error with a suggestion, never a silent pass.
/// Read a case file. Each case's expectations name decisions of the program in force
/// on its `as_of` (of the latest program when the date is outside every version: the
/// case is then reported as out of force when it runs).
pub fn parse_cases(
    rules: &crate::RuleSet,
    format: Format,
    text: &str,
    file: u32,
) -> Result<Vec<Case>, Vec<Diag>> {
    let tree = raw::parse(format, text).map_err(|es| {
        es.into_iter()
            .map(|e| syntax_diag(file, e))
            .collect::<Vec<_>>()
    })?;
    let RawKind::Object(top) = &tree.kind else {
        return Ok(Vec::new());
    };
    let mut errors = Vec::new();
    let file_as_of = field(top, "as_of");
    let file_facts = field(top, "facts");
    let mut out = Vec::new();
    if field(top, "cases").is_some() {
        for (k, _) in top {
            if !KNOWN_KEYS.contains(&k.name.as_str()) {
                errors.push(unknown_key(file, k));
            }
        }
    }
    let list: Vec<&Raw> = match field(top, "cases") {
        Some(Raw {
            kind: RawKind::Array(items),
            ..
        }) => items.iter().collect(),
        Some(other) => {
            errors.push(
                Diag::error(
                    "policy::test::shape",
                    ("`cases` should be a list of cases", "`cases` 应为案例列表"),
                )
                .at(sp(file, other.span))
                .help((
                    "write each case as a list item starting with `- name:`",
                    "每个案例写作一个以 `- name:` 开头的列表项",
                )),
            );
            Vec::new()
        }
        None => vec![&tree],
    };
    for (i, c) in list.into_iter().enumerate() {
        match case(rules, c, i, file, file_as_of, file_facts) {
            Ok(c) => out.push(c),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn unknown_key(file: u32, k: &Key) -> Diag {
    Diag::error(
        "policy::test::unknown_key",
        (format!("unknown key `{}` in a case file", k.name), format!("案例文件中有未知的键 `{}`", k.name)),
    )
    .at(sp(file, k.span))
    .help(("a case has `name`, `as_of`, `facts`, `with` and `expect`; a file may list them under `cases`", "案例包含 `name`、`as_of`、`facts`、`with` 和 `expect`；一个文件可将多个案例列在 `cases` 之下"))
}

fn case(
    rules: &crate::RuleSet,
    c: &Raw,
    index: usize,
    file: u32,
    file_as_of: Option<&Raw>,
    file_facts: Option<&Raw>,
) -> Result<Case, Vec<Diag>> {
    let RawKind::Object(entries) = &c.kind else {
        return Err(vec![Diag::error(
            "policy::test::shape",
            ("a case should be a mapping", "案例应为键值映射"),
        )
        .at(sp(file, c.span))
        .help((
            "give the case's `name`, `as_of`, `facts` and `expect`",
            "请写明案例的 `name`、`as_of`、`facts` 和 `expect`",
        ))]);
    };
    let mut errors = Vec::new();
    for (k, _) in entries {
        if !KNOWN_KEYS.contains(&k.name.as_str()) {
            errors.push(unknown_key(file, k));
        }
    }
    let name = field(entries, "name")
        .and_then(scalar_text)
        .unwrap_or_else(|| format!("case {}", index + 1));
    let as_of_raw = field(entries, "as_of").or(file_as_of);
    let as_of = match as_of_raw {
        None => {
            errors.push(
                Diag::error(
                    "policy::test::no_date",
                    (
                        format!("case `{name}` has no evaluation date"),
                        format!("案例 `{name}` 没有评估日期"),
                    ),
                )
                .at(sp(file, c.span))
                .help((
                    "add `as_of: YYYY-MM-DD` to the case, or once at the top of the file",
                    "在案例中加上 `as_of: YYYY-MM-DD`，或在文件开头统一写一次",
                )),
            );
            None
        }
        Some(r) => {
            let d = scalar_text(r).and_then(|t| crate::facts::parse_date(t.trim()));
            if d.is_none() {
                errors.push(
                    Diag::error(
                        "policy::test::bad_date",
                        ("`as_of` is not a date", "`as_of` 不是日期"),
                    )
                    .at(sp(file, r.span))
                    .help((
                        "write the evaluation date as YYYY-MM-DD",
                        "评估日期请写作 YYYY-MM-DD",
                    )),
                );
            }
            d
        }
    };
    let facts = match field(entries, "facts").or(file_facts) {
        None => None,
        Some(r) => match &r.kind {
            RawKind::Object(_) => Some(FactsSpec::Inline(r.clone())),
            RawKind::String(p) => Some(FactsSpec::Path {
                path: p.clone(),
                span: sp(file, r.span),
            }),
            _ => {
                errors.push(
                    Diag::error(
                        "policy::test::shape",
                        (
                            "`facts` should be a mapping of facts or the path of a facts file",
                            "`facts` 应为事实的键值映射，或事实文件的路径",
                        ),
                    )
                    .at(sp(file, r.span))
                    .help((
                        "write the facts below `facts:`, or `facts: path/to/facts.json`",
                        "在 `facts:` 下写出各项事实，或写作 `facts: path/to/facts.json`",
                    )),
                );
                None
            }
        },
    };
    let with = match field(entries, "with") {
        Some(r) if matches!(r.kind, RawKind::Object(_)) => Some(r.clone()),
        Some(r) => {
            errors.push(
                Diag::error(
                    "policy::test::shape",
                    (
                        "`with` should be a mapping of facts",
                        "`with` 应为事实的键值映射",
                    ),
                )
                .at(sp(file, r.span))
                .help((
                    "write the facts to change below `with:`; `null` removes a fact",
                    "在 `with:` 下写出要改变的事实；写 `null` 即删去该事实",
                )),
            );
            None
        }
        None => None,
    };
    let program = rules.at_or_latest(as_of);
    let mut expect = Vec::new();
    match field(entries, "expect") {
        Some(Raw {
            kind: RawKind::Object(es),
            ..
        }) if !es.is_empty() => {
            for (k, v) in es {
                match expectation(program, file, k, v) {
                    Ok(e) => expect.push(e),
                    Err(d) => errors.push(*d),
                }
            }
        }
        other => errors.push(
            Diag::error(
                "policy::test::no_expect",
                (format!("case `{name}` expects nothing"), format!("案例 `{name}` 没有任何预期")),
            )
            .at(sp(file, other.map_or(c.span, |o| o.span)))
            .help(("list the decisions the case is about under `expect:`, e.g. `article6.clause2: true`", "在 `expect:` 下列出案例涉及的判定，例如 `article6.clause2: true`")),
        ),
    }
    match (errors.is_empty(), as_of) {
        (true, Some(as_of)) => Ok(Case {
            name,
            span: sp(file, c.span),
            as_of,
            facts,
            with,
            expect,
        }),
        _ => Err(errors),
    }
}

fn expectation(program: &Program, file: u32, k: &Key, v: &Raw) -> Result<Expect, Box<Diag>> {
    let Some(id) = program.decisions.iter().position(|d| d.name == k.name) else {
        let names = program.decisions.iter().map(|d| d.name.as_str());
        let help = match crate::check::suggest(&k.name, names) {
            Some(s) => Text::from((format!("did you mean `{s}`?"), format!("是否应为 `{s}`？"))),
            None => Text::from((
                "the decisions are listed by `policy check --format json`",
                "`policy check --format json` 会列出所有判定",
            )),
        };
        return Err(Box::new(
            Diag::error(
                "policy::test::unknown_decision",
                (
                    format!("unknown decision `{}`", k.name),
                    format!("未知的判定 `{}`", k.name),
                ),
            )
            .at(sp(file, k.span))
            .help(help),
        ));
    };
    let value = scalar_text(v).unwrap_or_default();
    let allowed = allowed_values(program, id);
    let ok = STATUS_WORDS.contains(&value.as_str())
        || match &allowed {
            Some(list) => list.contains(&value),
            None => !value.is_empty(),
        };
    if !ok {
        let mut all: Vec<String> = allowed.unwrap_or_default();
        all.extend(STATUS_WORDS.iter().map(|s| s.to_string()));
        return Err(Box::new(
            Diag::error(
                "policy::test::bad_value",
                (
                    format!("`{value}` is not a value of `{}`", k.name),
                    format!("`{value}` 不是 `{}` 的取值", k.name),
                ),
            )
            .at(sp(file, v.span))
            .help((
                format!("expect one of {}", all.join(", ")),
                format!("预期值应为以下之一：{}", all.join(", ")),
            )),
        ));
    }
    Ok(Expect {
        decision: id,
        value,
        span: sp(file, v.span),
    })
}

/// The values a decision can take, when they are few.
fn allowed_values(program: &Program, id: DecisionId) -> Option<Vec<String>> {
    match &program.decisions.get(id)?.ty {
        Ty::Bool => Some(vec!["true".into(), "false".into()]),
        Ty::Enum(e) => Some(
            program
                .enums
                .get(*e)?
                .variants
                .iter()
                .map(|(n, _)| n.clone())
                .collect(),
        ),
        _ => None,
    }
}

/// The facts of a case as JSON text: `base` with `with` merged in. Numbers keep
/// their exact digits.
pub fn facts_json(base: Option<&Raw>, with: Option<&Raw>) -> String {
    let mut tree = base.cloned().unwrap_or(Raw {
        kind: RawKind::Object(Vec::new()),
        span: raw::Span { start: 0, end: 0 },
    });
    if let Some(w) = with {
        merge(&mut tree, w);
    }
    let mut out = String::new();
    write_json(&tree, 0, &mut out);
    out.push('\n');
    out
}

/// Merge `w` into `base`: mappings key by key (a dotted key reaches into a nested
/// mapping), `null` removes the entry, anything else replaces.
fn merge(base: &mut Raw, w: &Raw) {
    let (RawKind::Object(b), RawKind::Object(ws)) = (&mut base.kind, &w.kind) else {
        *base = w.clone();
        return;
    };
    for (k, v) in ws {
        merge_entry(b, &k.name, k, v);
    }
}

fn merge_entry(b: &mut Vec<(Key, Raw)>, name: &str, key: &Key, v: &Raw) {
    if let Some(pos) = b.iter().position(|(bk, _)| bk.name == name) {
        if matches!(v.kind, RawKind::Null) {
            b.remove(pos);
        } else if let Some((_, bv)) = b.get_mut(pos) {
            if matches!(
                (&bv.kind, &v.kind),
                (RawKind::Object(_), RawKind::Object(_))
            ) {
                merge(bv, v);
            } else {
                *bv = v.clone();
            }
        }
        return;
    }
    if let Some((head, rest)) = name.split_once('.') {
        if let Some((_, bv)) = b.iter_mut().find(|(bk, _)| bk.name == head) {
            if let RawKind::Object(inner) = &mut bv.kind {
                merge_entry(inner, rest, key, v);
                return;
            }
        }
    }
    if !matches!(v.kind, RawKind::Null) {
        b.push((
            Key {
                name: name.to_string(),
                span: key.span,
            },
            v.clone(),
        ));
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn write_json(r: &Raw, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth + 1);
    let end_pad = "  ".repeat(depth);
    match &r.kind {
        RawKind::Null => out.push_str("null"),
        RawKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        RawKind::Number(n) => out.push_str(n),
        RawKind::String(s) => out.push_str(&json_string(s)),
        RawKind::Array(xs) if xs.is_empty() => out.push_str("[]"),
        RawKind::Object(xs) if xs.is_empty() => out.push_str("{}"),
        RawKind::Array(xs) => {
            out.push_str("[\n");
            for (i, x) in xs.iter().enumerate() {
                out.push_str(&pad);
                write_json(x, depth + 1, out);
                out.push_str(if i + 1 < xs.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end_pad);
            out.push(']');
        }
        RawKind::Object(xs) => {
            out.push_str("{\n");
            for (i, (k, x)) in xs.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&json_string(&k.name));
                out.push_str(": ");
                write_json(x, depth + 1, out);
                out.push_str(if i + 1 < xs.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end_pad);
            out.push('}');
        }
    }
}

/// A decision's result as the text a case file writes.
pub fn actual_text(program: &Program, id: DecisionId, r: &DecisionResult) -> String {
    match (r.status, &r.value) {
        (Status::NotApplicable, _) => "not_applicable".into(),
        (Status::Decided, Some(v)) => {
            let ty = program
                .decisions
                .get(id)
                .map(|d| &d.ty)
                .unwrap_or(&Ty::Error);
            match json::value(program, v, ty) {
                serde_json::Value::String(s) => s,
                j => j.to_string(),
            }
        }
        _ => "undetermined".into(),
    }
}

/// Compare a case's expectations with an evaluation.
pub fn compare(program: &Program, evaluation: &Evaluation, case: &Case) -> Vec<Compared> {
    case.expect
        .iter()
        .map(|e| Compared {
            decision: e.decision,
            expected: e.value.clone(),
            actual: evaluation
                .decisions
                .get(e.decision)
                .map(|r| actual_text(program, e.decision, r))
                .unwrap_or_default(),
            span: e.span,
        })
        .collect()
}

fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Met => "✓",
        Outcome::NotMet => "✗",
        Outcome::Undetermined => "?",
        Outcome::NotApplicable => "–",
    }
}

fn span_text(sources: &Sources, span: Span) -> String {
    sources
        .text(span.file)
        .get(span.range())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn place(sources: &Sources, span: Span) -> String {
    let (line, _) = sources.line_col(span.file, span.start as usize);
    format!("{}:{line}", sources.name(span.file))
}

fn missing(program: &Program, r: &crate::eval::Why, lang: Lang) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let (missing_word, because, sep) = if zh {
        ("缺少：", "原因：", "、")
    } else {
        ("missing: ", "because: ", ", ")
    };
    let mut out = Vec::new();
    if !r.details.is_empty() {
        out.push(format!("{missing_word}{}", r.details.join(sep)));
    } else if !r.missing.is_empty() {
        let mut names: Vec<String> = r
            .missing
            .iter()
            .filter_map(|f| program.facts.get(*f))
            .map(|f| match (&f.label, zh) {
                (Some(l), true) => format!("{l} [{}]", f.name),
                _ => f.name.clone(),
            })
            .collect();
        names.sort();
        names.dedup();
        out.push(format!("{missing_word}{}", names.join(sep)));
    }
    for reason in &r.reasons {
        out.push(format!("{because}{reason}"));
    }
    out
}

/// A decision as a person reads it: under Chinese its label (a clause by its heading
/// and title) with the id in brackets, `（一）依法合规经营 [article6.clause1]`; in
/// English its id.
pub fn decision_name(program: &Program, id: DecisionId, lang: Lang) -> String {
    let Some(d) = program.decisions.get(id) else {
        return "?".into();
    };
    if lang == Lang::En {
        return d.name.clone();
    }
    let label = match d.kind {
        DecisionKind::Clause(ci) => program.articles.get(d.article).and_then(|a| {
            let c = a.clauses.get(ci)?;
            Some(format!(
                "{}{}",
                a.clause_heading(c),
                c.title.as_deref().unwrap_or_default()
            ))
        }),
        DecisionKind::Expr(_) => d.label.clone(),
    };
    match label {
        Some(l) if !l.is_empty() => format!("{l} [{}]", d.name),
        _ => d.name.clone(),
    }
}

/// A value of a case file (`true`, `undetermined`, a category's name) as a person
/// reads it: under Chinese 是、否、无法判定、不适用, a category by its label.
pub fn value_words(program: &Program, id: DecisionId, value: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return value.to_string();
    }
    match value {
        "true" => "是".into(),
        "false" => "否".into(),
        "undetermined" => "无法判定".into(),
        "not_applicable" => "不适用".into(),
        _ => program
            .decisions
            .get(id)
            .and_then(|d| match d.ty {
                crate::ir::Ty::Enum(e) => program.enums.get(e),
                _ => None,
            })
            .and_then(|e| e.variants.iter().find(|(n, _)| n == value))
            .and_then(|(_, l)| l.clone())
            .unwrap_or_else(|| value.to_string()),
    }
}

/// The explanation of a decision's actual result, one line per entry: each rule of a
/// clause with its outcome and comparisons, or the comparisons of a decision.
pub fn explain(
    program: &Program,
    sources: &Sources,
    evaluation: &Evaluation,
    id: DecisionId,
) -> Vec<String> {
    explain_in(program, sources, evaluation, id, Lang::En)
}

/// [`explain`] in `lang`.
pub fn explain_in(
    program: &Program,
    sources: &Sources,
    evaluation: &Evaluation,
    id: DecisionId,
    lang: Lang,
) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let (Some(d), Some(r)) = (program.decisions.get(id), evaluation.decisions.get(id)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if r.status == Status::NotApplicable && r.rules.is_empty() {
        out.push(if zh {
            "不适用：本条或本款不适用于此集群".into()
        } else {
            "not applicable: the article or clause does not apply to this cluster".into()
        });
        return out;
    }
    match &d.kind {
        DecisionKind::Clause(ci) => {
            let rules = program
                .articles
                .get(d.article)
                .and_then(|a| a.clauses.get(*ci))
                .map(|c| c.rules.as_slice())
                .unwrap_or(&[]);
            for (rule, rr) in rules.iter().zip(&r.rules) {
                let kind = match (rule.kind == RuleKind::Guideline, zh) {
                    (true, false) => " (guideline)",
                    (true, true) => "（指引）",
                    _ => "",
                };
                out.push(format!(
                    "{} {}{kind}  {}",
                    outcome_mark(rr.outcome),
                    rule.title,
                    place(sources, rule.span)
                ));
                if rr.outcome == Outcome::NotApplicable {
                    continue;
                }
                for c in &rr.checks {
                    out.push(format!(
                        "    {}",
                        check_line_for(c, Some(&span_text(sources, c.span)), lang, Some(program))
                    ));
                }
                if rr.outcome == Outcome::Undetermined {
                    out.extend(
                        missing(program, &rr.why, lang)
                            .into_iter()
                            .map(|l| format!("    {l}")),
                    );
                }
            }
        }
        DecisionKind::Expr(_) => {
            for c in &r.checks {
                out.push(check_line_for(
                    c,
                    Some(&span_text(sources, c.span)),
                    lang,
                    Some(program),
                ));
            }
            if r.status == Status::Undetermined {
                out.extend(missing(program, &r.why, lang));
            }
            let defined = if zh { "定义于" } else { "defined at" };
            out.push(format!("{defined} {}", place(sources, d.span)));
        }
    }
    out
}

// ── coverage ──

/// How often the cases saw one rule in each outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    pub met: usize,
    pub not_met: usize,
    pub undetermined: usize,
    pub not_applicable: usize,
}

impl Seen {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Met => self.met += 1,
            Outcome::NotMet => self.not_met += 1,
            Outcome::Undetermined => self.undetermined += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
        }
    }
    pub fn exercised(&self) -> bool {
        self.met + self.not_met + self.undetermined + self.not_applicable > 0
    }
    /// Seen both met and not met.
    pub fn both_ways(&self) -> bool {
        self.met > 0 && self.not_met > 0
    }
}

/// A rule's place in the measures.
#[derive(Debug, Clone)]
pub struct RuleRef {
    /// The article's or annex's key ([`crate::ir::ArticleDef::key`]).
    pub article: u32,
    pub article_title: String,
    pub clause: u32,
    pub clause_title: String,
    /// As the document names them: `第六条`, `（二）`, and the clause in a sentence,
    /// `第六条第（二）项` (`附件1 三、` in an annex).
    pub article_heading: String,
    pub clause_heading: String,
    pub place: String,
    pub title: String,
    pub guideline: bool,
    pub span: Span,
    /// The clause decision the rule belongs to.
    pub decision: DecisionId,
    pub index: usize,
}

/// Rule coverage of a set of cases.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub rules: Vec<(RuleRef, Seen)>,
    /// For each decision: the values seen in cases that pin it (or a decision using it).
    pub values: Vec<Vec<(String, usize)>>,
    /// For each decision, the decisions it depends on (itself included).
    depends: Vec<Vec<bool>>,
    pub cases: usize,
}

impl Coverage {
    pub fn new(program: &Program) -> Self {
        let mut rules = Vec::new();
        for a in &program.articles {
            for c in &a.clauses {
                for (i, r) in c.rules.iter().enumerate() {
                    rules.push((
                        RuleRef {
                            article: a.key(),
                            article_title: a.title.clone().unwrap_or_default(),
                            clause: c.number,
                            clause_title: c.title.clone().unwrap_or_default(),
                            article_heading: a.heading(),
                            clause_heading: a.clause_heading(c),
                            place: match a.kind {
                                crate::syntax::ast::PartKind::Article => {
                                    format!("{}第{}项", a.heading(), a.clause_heading(c))
                                }
                                crate::syntax::ast::PartKind::Annex => a.clause_place(c),
                            },
                            title: r.title.clone(),
                            guideline: r.kind == RuleKind::Guideline,
                            span: r.span,
                            decision: c.decision,
                            index: i,
                        },
                        Seen::default(),
                    ));
                }
            }
        }
        Coverage {
            rules,
            values: vec![Vec::new(); program.decisions.len()],
            depends: dependencies(program),
            cases: 0,
        }
    }

    /// Record a case that pinned `pinned` decisions.
    pub fn record(&mut self, program: &Program, evaluation: &Evaluation, pinned: &[DecisionId]) {
        self.cases += 1;
        let n = program.decisions.len();
        let mut tested = vec![false; n];
        for &p in pinned {
            if let Some(deps) = self.depends.get(p) {
                for (i, d) in deps.iter().enumerate() {
                    if *d {
                        if let Some(t) = tested.get_mut(i) {
                            *t = true;
                        }
                    }
                }
            }
        }
        for (rule, seen) in &mut self.rules {
            if !tested.get(rule.decision).copied().unwrap_or(false) {
                continue;
            }
            if let Some(rr) = evaluation
                .decisions
                .get(rule.decision)
                .and_then(|r| r.rules.get(rule.index))
            {
                seen.add(rr.outcome);
            } else if let Some(r) = evaluation.decisions.get(rule.decision) {
                if r.status == Status::NotApplicable {
                    seen.add(Outcome::NotApplicable);
                }
            }
        }
        for (id, t) in tested.iter().enumerate() {
            if !*t {
                continue;
            }
            let Some(r) = evaluation.decisions.get(id) else {
                continue;
            };
            let text = actual_text(program, id, r);
            if let Some(vs) = self.values.get_mut(id) {
                match vs.iter_mut().find(|(v, _)| *v == text) {
                    Some((_, c)) => *c += 1,
                    None => vs.push((text, 1)),
                }
            }
        }
    }

    pub fn complete(&self) -> bool {
        self.rules.iter().all(|(_, s)| s.both_ways())
    }

    /// The coverage report, in the measures' terms.
    pub fn render(&self, program: &Program, sources: &Sources) -> String {
        self.render_in(program, sources, Lang::En)
    }

    /// [`render`](Self::render) in `lang`.
    pub fn render_in(&self, program: &Program, sources: &Sources, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let w = |en: &'static str, cn: &'static str| if zh { cn } else { en };
        let mut o = String::new();
        if zh {
            let _ = writeln!(
                o,
                "覆盖情况：{} 条规则，{} 个案例（案例计入其所预期判定的规则）",
                self.rules.len(),
                self.cases
            );
        } else {
            let _ = writeln!(
                o,
                "Coverage: {} rules, {} cases (a case counts for the rules of the decisions it pins)",
                self.rules.len(),
                self.cases
            );
        }
        let mut last_article = None;
        let mut last_clause = None;
        for (r, s) in &self.rules {
            if last_article != Some(r.article) {
                let _ = writeln!(o, "\n{} {}", r.article_heading, r.article_title);
                last_article = Some(r.article);
                last_clause = None;
            }
            if last_clause != Some(r.clause) {
                let _ = writeln!(o, "  {}{}", r.clause_heading, r.clause_title);
                last_clause = Some(r.clause);
            }
            let mark = if s.both_ways() {
                "✓"
            } else if s.exercised() {
                "!"
            } else {
                "✗"
            };
            let kind = if r.guideline {
                w(" (guideline)", "（指引）")
            } else {
                ""
            };
            let _ = writeln!(
                o,
                "    {mark} {}{kind}  {}",
                r.title,
                place(sources, r.span)
            );
            if zh {
                let _ = writeln!(
                    o,
                    "        满足 {} · 不满足 {} · 无法判定 {} · 不适用 {}",
                    s.met, s.not_met, s.undetermined, s.not_applicable
                );
            } else {
                let _ = writeln!(
                    o,
                    "        met {} · not met {} · undetermined {} · not applicable {}",
                    s.met, s.not_met, s.undetermined, s.not_applicable
                );
            }
        }
        o.push('\n');
        let _ = writeln!(o, "{}", w("Decisions: values seen", "判定：案例中出现的值"));
        for (id, _) in program.decisions.iter().enumerate() {
            let vs = self.values.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let shown = if vs.is_empty() {
                w("no case pins it", "没有案例预期此判定").to_string()
            } else {
                vs.iter()
                    .map(|(v, n)| format!("{} ×{n}", value_words(program, id, v, lang)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            };
            let colon = w(": ", "：");
            let _ = writeln!(o, "  {}{colon}{shown}", decision_name(program, id, lang));
        }
        let unexercised: Vec<&RuleRef> = self
            .rules
            .iter()
            .filter(|(_, s)| !s.exercised())
            .map(|(r, _)| r)
            .collect();
        let one_way: Vec<(&RuleRef, &Seen)> = self
            .rules
            .iter()
            .filter(|(_, s)| s.exercised() && !s.both_ways())
            .map(|(r, s)| (r, s))
            .collect();
        if !unexercised.is_empty() {
            let _ = writeln!(
                o,
                "\n{}",
                w("Rules no case exercises", "没有案例检验的规则")
            );
            for r in &unexercised {
                let _ = writeln!(o, "  ✗ {} {}  {}", r.place, r.title, place(sources, r.span));
            }
        }
        if !one_way.is_empty() {
            let _ = writeln!(
                o,
                "\n{}",
                w("Rules seen only one way", "只出现一种结果的规则")
            );
            for (r, s) in &one_way {
                let never = match (s.met > 0, s.not_met > 0) {
                    (false, true) => w("never met", "从未满足"),
                    (true, false) => w("never not met", "从未不满足"),
                    _ => w("neither met nor not met", "既未满足也未不满足"),
                };
                let colon = w(": ", "：");
                let _ = writeln!(
                    o,
                    "  ! {} {}{colon}{never}  {}",
                    r.place,
                    r.title,
                    place(sources, r.span)
                );
            }
        }
        let both = self.rules.iter().filter(|(_, s)| s.both_ways()).count();
        if zh {
            let _ = writeln!(
                o,
                "\n{} 条规则中，{both} 条既出现过满足也出现过不满足；{} 条未经检验",
                self.rules.len(),
                unexercised.len()
            );
        } else {
            let _ = writeln!(
                o,
                "\n{both} of {} rules seen both met and not met; {} not exercised",
                self.rules.len(),
                unexercised.len()
            );
        }
        o
    }
}

/// For each decision, which decisions it depends on (itself included), transitively.
fn dependencies(program: &Program) -> Vec<Vec<bool>> {
    let n = program.decisions.len();
    let direct: Vec<Vec<DecisionId>> = program
        .decisions
        .iter()
        .map(|d| {
            let mut out = Vec::new();
            let mut seen_slots = vec![false; program.slots.len()];
            let mut seen_bodies = std::collections::HashSet::new();
            let mut visit = |e: &Expr, out: &mut Vec<DecisionId>| {
                refs(program, e, out, &mut seen_slots, &mut seen_bodies);
            };
            match &d.kind {
                DecisionKind::Expr(e) => visit(e, &mut out),
                DecisionKind::Clause(ci) => {
                    if let Some(a) = program.articles.get(d.article) {
                        if let Some(e) = &a.applies {
                            visit(e, &mut out);
                        }
                        if let Some(c) = a.clauses.get(*ci) {
                            if let Some(e) = &c.applies {
                                visit(e, &mut out);
                            }
                            for r in &c.rules {
                                visit(&r.body, &mut out);
                                if let Some(w) = &r.when {
                                    visit(w, &mut out);
                                }
                            }
                        }
                    }
                }
            }
            out
        })
        .collect();
    (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            let mut stack = vec![start];
            while let Some(d) = stack.pop() {
                match seen.get_mut(d) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                if let Some(next) = direct.get(d) {
                    stack.extend(next.iter().copied());
                }
            }
            seen
        })
        .collect()
}

/// `bodies`: the shared function bodies already walked (the program is a DAG).
fn refs(
    program: &Program,
    e: &Expr,
    out: &mut Vec<DecisionId>,
    slots: &mut Vec<bool>,
    bodies: &mut std::collections::HashSet<*const Expr>,
) {
    if let ExprKind::Slot(s) = &e.kind {
        if let Some(seen) = slots.get_mut(*s) {
            if !*seen {
                *seen = true;
                if let Some(slot) = program.slots.get(*s) {
                    refs(program, &slot.body, out, slots, bodies);
                }
            }
        }
        return;
    }
    if let ExprKind::Inline { args, body, .. } = &e.kind {
        for a in args {
            refs(program, a, out, slots, bodies);
        }
        if bodies.insert(std::sync::Arc::as_ptr(body)) {
            refs(program, body, out, slots, bodies);
        }
        return;
    }
    let mut go = |x: &Expr, out: &mut Vec<DecisionId>| refs(program, x, out, slots, bodies);
    match &e.kind {
        ExprKind::Decision(id) => out.push(*id),
        ExprKind::List(xs) | ExprKind::Call(_, xs) => {
            for x in xs {
                go(x, out);
            }
        }
        ExprKind::Field(x, _) | ExprKind::Convert(x, _) | ExprKind::Not(x) | ExprKind::Neg(x) => {
            go(x, out)
        }
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            go(a, out);
            go(b, out);
        }
        ExprKind::If(a, b, c) => {
            go(a, out);
            go(b, out);
            go(c, out);
        }
        ExprKind::Quantifier {
            over, filter, body, ..
        }
        | ExprKind::Aggregate {
            over, filter, body, ..
        } => {
            go(over, out);
            if let Some(f) = filter {
                go(f, out);
            }
            go(body, out);
        }
        ExprKind::Pick {
            over, filter, key, ..
        } => {
            go(over, out);
            if let Some(f) = filter {
                go(f, out);
            }
            go(key, out);
        }
        ExprKind::Count { over, filter, .. } => {
            go(over, out);
            if let Some(f) = filter {
                go(f, out);
            }
        }
        _ => {}
    }
}
