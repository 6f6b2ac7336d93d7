//! The JSON decisions of `docs/facts.md`, with the full explanation under each.
//!
//! The document is written straight to the serializer ([`to_pretty`]), member by member in
//! a fixed order, without first building a tree of JSON values: for one check that tree
//! was most of the time spent on the output. [`render`] gives the same document as a
//! tree, for code that reads it.

use super::*;
use crate::eval::{Check, RuleResult, Shown, Value};
use crate::ir::{Ty, UNIT_ONE};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as J;

/// The whole decisions object, pretty-printed, with a final newline.
pub fn to_pretty(r: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&Doc(r)).unwrap_or_default();
    out.push('\n');
    out
}

/// The whole decisions object, as a tree: the same members as [`to_pretty`] writes.
pub fn render(r: &Report) -> J {
    serde_json::to_value(Doc(r)).unwrap_or(J::Null)
}

/// A shown value: `{"value", "unit"?, "label"?}`.
struct ShownJ<'a>(&'a Shown);

impl Serialize for ShownJ<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("value", &x.value)?;
        if !x.unit.is_empty() {
            m.serialize_entry("unit", &x.unit)?;
        }
        if let Some(l) = &x.label {
            m.serialize_entry("label", l)?;
        }
        m.end()
    }
}

/// A shown value, or `null`.
fn shown(x: Option<&Shown>) -> Option<ShownJ<'_>> {
    x.map(ShownJ)
}

/// A place in the rule files: `{"file", "line", "column"}`.
struct PlaceJ<'a, 'r>(&'a Report<'r>, Span);

impl Serialize for PlaceJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (file, line, column) = self.0.place(self.1);
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("file", &file)?;
        m.serialize_entry("line", &line)?;
        m.serialize_entry("column", &column)?;
        m.end()
    }
}

/// The bindings in force at a check, as an object: a name bound twice (a variable of an
/// inner quantifier named as an outer one) stands once, where it first stood, with the
/// innermost value.
struct BindingsJ<'a>(&'a [(String, String)]);

impl Serialize for BindingsJ<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.0;
        let mut m = s.serialize_map(None)?;
        for (i, (k, _)) in b.iter().enumerate() {
            if b.iter().take(i).any(|(e, _)| e == k) {
                continue;
            }
            let last = b.iter().rev().find(|(e, _)| e == k).map_or("", |(_, v)| v);
            m.serialize_entry(k, last)?;
        }
        m.end()
    }
}

/// One comparison (or a value that was read) of an explanation.
struct CheckJ<'a, 'r>(&'a Report<'r>, &'a Check);

impl Serialize for CheckJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, c) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("expression", &r.text(c.span))?;
        // A yes/no fact or a decision that was read, not a comparison.
        let read = c.right.is_none() && c.op == crate::syntax::ast::BinOp::Eq;
        m.serialize_entry("kind", if read { "value" } else { "comparison" })?;
        if !c.bindings.is_empty() {
            m.serialize_entry("bindings", &BindingsJ(&c.bindings))?;
        }
        if read {
            m.serialize_entry("value", &shown(c.left.as_ref()))?;
        } else {
            m.serialize_entry("left", &shown(c.left.as_ref()))?;
            m.serialize_entry("op", c.op.symbol())?;
            m.serialize_entry("right", &shown(c.right.as_ref()))?;
            m.serialize_entry("holds", &c.holds)?;
            if let Some(x) = &c.margin {
                m.serialize_entry("margin", &ShownJ(x))?;
            }
        }
        m.serialize_entry("source", &PlaceJ(r, c.span))?;
        m.end()
    }
}

/// A sequence of what `.0` gives, each item written as it comes.
struct Each<F>(F);

impl<F, I> Serialize for Each<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// The JSON form of a decision's value.
pub fn value(program: &Program, v: &Value, ty: &Ty) -> J {
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Date(d) => J::String(d.to_string()),
        Value::Enum(i) => J::String(
            program
                .variant_name(ty, *i)
                .map(str::to_string)
                .unwrap_or_else(|| i.to_string()),
        ),
        Value::Num(_) | Value::Ratio(_) => J::String(number_text(program, v, ty)),
        // A compound growth is an exact root: shown rounded, marked `≈`, in its unit.
        Value::Growth {
            first,
            last,
            n,
            scale,
        } => {
            let unit = ty
                .unit()
                .filter(|u| *u != UNIT_ONE)
                .and_then(|u| program.units.get(u))
                .map(|u| u.name.as_str())
                .unwrap_or_default();
            match crate::eval::approx_growth(*first, *last, *n, *scale) {
                Some(g) => J::String(format!("≈{}{unit}", g.round_dp(4).normalize())),
                None => J::Null,
            }
        }
        Value::Text(t) => J::String(t.to_string()),
        Value::None => J::Null,
        other => J::String(format!("{other:?}")),
    }
}

/// What an unknown lacked: `missing_detail` and `reasons`, each when there is any.
fn why<M: SerializeMap>(w: &crate::eval::Why, m: &mut M) -> Result<(), M::Error> {
    if !w.details.is_empty() {
        m.serialize_entry("missing_detail", &w.details)?;
    }
    if !w.reasons.is_empty() {
        m.serialize_entry("reasons", &w.reasons)?;
    }
    Ok(())
}

/// One rule of a clause, with its checks.
struct RuleJ<'a, 'r>(&'a Report<'r>, &'a crate::ir::RuleDef, &'a RuleResult);

impl Serialize for RuleJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, def, res) = (self.0, self.1, self.2);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("title", &def.title)?;
        let kind = if def.kind == RuleKind::Guideline {
            "guideline"
        } else {
            "rule"
        };
        m.serialize_entry("kind", kind)?;
        m.serialize_entry("outcome", res.outcome.as_str())?;
        m.serialize_entry("missing", &r.missing_names(&res.why))?;
        why(&res.why, &mut m)?;
        m.serialize_entry("checks", &Each(|| res.checks.iter().map(|c| CheckJ(r, c))))?;
        if res.checks_truncated > 0 {
            m.serialize_entry("checks_not_shown", &res.checks_truncated)?;
        }
        let interps: Vec<&str> = def
            .annotations
            .iter()
            .filter_map(|a| r.program.annotations.get(*a))
            .filter(|a| a.kind == AnnotKind::Interpretation)
            .map(|a| a.text.as_str())
            .collect();
        if !interps.is_empty() {
            m.serialize_entry("interpretations", &interps)?;
        }
        m.serialize_entry("source", &PlaceJ(r, def.span))?;
        m.end()
    }
}

/// A clause's point left to the reviewers: `{"text", "reason"}`.
struct TextReason<'a>(&'a str, &'a str);

impl Serialize for TextReason<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("text", self.0)?;
        m.serialize_entry("reason", self.1)?;
        m.end()
    }
}

/// A decision's explanation: where it stands, its rules or checks, what it relied on.
struct ExplanationJ<'a, 'r>(
    &'a Report<'r>,
    usize,
    &'a crate::ir::DecisionDef,
    &'a DecisionResult,
);

impl Serialize for ExplanationJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, id, d, res) = (self.0, self.1, self.2, self.3);
        let p = r.program;
        let mut e = s.serialize_map(None)?;
        if let Some(l) = &d.label {
            e.serialize_entry("label", l)?;
        }
        let article = p.articles.get(d.article);
        let annex = article.is_some_and(|a| a.kind == crate::syntax::ast::PartKind::Annex);
        if let Some(a) = article {
            // An unnumbered annex (附件) has no number: null.
            let number = if annex && a.number == 0 {
                None
            } else {
                Some(a.number)
            };
            e.serialize_entry(if annex { "annex" } else { "article" }, &number)?;
            if !matches!(d.kind, DecisionKind::Clause(_)) {
                e.serialize_entry("heading", &a.heading())?;
            }
            if let Some(c) = &a.chapter {
                e.serialize_entry("chapter", &c.heading())?;
            }
        }
        match &d.kind {
            DecisionKind::Clause(ci) => {
                if let Some((a, c)) = article.and_then(|a| Some((a, a.clauses.get(*ci)?))) {
                    e.serialize_entry(if annex { "item" } else { "clause" }, &c.number)?;
                    e.serialize_entry("heading", &a.clause_place(c))?;
                    let not_assessed = || {
                        c.not_assessed
                            .iter()
                            .map(|n| TextReason(&n.text, &n.reason))
                    };
                    e.serialize_entry("not_assessed", &Each(not_assessed))?;
                    let outcome = res.outcome();
                    e.serialize_entry("outcome", outcome.as_str())?;
                    let rules = || {
                        c.rules
                            .iter()
                            .zip(&res.rules)
                            .map(|(rd, rr)| RuleJ(r, rd, rr))
                    };
                    e.serialize_entry("rules", &Each(rules))?;
                }
            }
            DecisionKind::Expr(_) => {
                e.serialize_entry("checks", &Each(|| res.checks.iter().map(|c| CheckJ(r, c))))?;
            }
        }
        why(&res.why, &mut e)?;
        e.serialize_entry(
            "interpretations",
            &r.annotations_of(id, AnnotKind::Interpretation),
        )?;
        e.serialize_entry("assumptions", &r.annotations_of(id, AnnotKind::Assumption))?;
        e.serialize_entry("source", &PlaceJ(r, d.span))?;
        e.end()
    }
}

/// One decision: `{"value", "status", "missing", "explanation"}`.
struct DecisionJ<'a, 'r>(
    &'a Report<'r>,
    usize,
    &'a crate::ir::DecisionDef,
    &'a DecisionResult,
);

impl Serialize for DecisionJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, id, d, res) = (self.0, self.1, self.2, self.3);
        let mut m = s.serialize_map(Some(4))?;
        let v = match (&res.status, &res.value) {
            (Status::Decided, Some(v)) => value(r.program, v, &d.ty),
            _ => J::Null,
        };
        m.serialize_entry("value", &v)?;
        m.serialize_entry("status", res.status.as_str())?;
        m.serialize_entry("missing", &r.missing_names(&res.why))?;
        m.serialize_entry("explanation", &ExplanationJ(r, id, d, res))?;
        m.end()
    }
}

/// Every decision that has a result, by name, in the rule set's order.
struct DecisionsJ<'a, 'r>(&'a Report<'r>);

impl Serialize for DecisionsJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        for (id, d) in r.program.decisions.iter().enumerate() {
            let Some(res) = r.result(id) else { continue };
            m.serialize_entry(&d.name, &DecisionJ(r, id, d, res))?;
        }
        m.end()
    }
}

/// A guideline not met, or another warning of the evaluation.
struct RuleWarningJ<'a, 'r>(&'a Report<'r>, &'a RuleWarning);

impl Serialize for RuleWarningJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, w) = (self.0, self.1);
        let (a, c) = if w.annex {
            ("annex", "item")
        } else {
            ("article", "clause")
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(a, &w.article)?;
        m.serialize_entry(c, &w.clause)?;
        m.serialize_entry("heading", &w.heading)?;
        m.serialize_entry("rule", &w.rule)?;
        m.serialize_entry("message", &w.message)?;
        m.serialize_entry("code", "policy::eval::guideline_not_met")?;
        m.serialize_entry("source", &PlaceJ(r, w.span))?;
        m.end()
    }
}

/// A warning about the facts (an unknown fact or field).
struct FactWarningJ<'a, 'r>(&'a Report<'r>, &'a Diag);

impl Serialize for FactWarningJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, d) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("article", &())?;
        m.serialize_entry("clause", &())?;
        m.serialize_entry("message", &d.message.en)?;
        m.serialize_entry("code", d.code)?;
        if let Some(sp) = d.span {
            m.serialize_entry("source", &PlaceJ(r, sp))?;
        }
        m.end()
    }
}

/// The evaluation's warnings, then the facts'.
struct WarningsJ<'a, 'r>(&'a Report<'r>);

impl Serialize for WarningsJ<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut q = s.serialize_seq(None)?;
        for w in r.rule_warnings() {
            q.serialize_element(&RuleWarningJ(r, &w))?;
        }
        for d in r.fact_warnings {
            q.serialize_element(&FactWarningJ(r, d))?;
        }
        q.end()
    }
}

/// The named version of the rule set that applied.
struct VersionJ<'a>(&'a crate::ir::Header, &'a str);

impl Serialize for VersionJ<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (h, name) = (self.0, self.1);
        let date = |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string());
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", name)?;
        m.serialize_entry("document", &h.document)?;
        m.serialize_entry("issued_by", &h.issued_by)?;
        m.serialize_entry("issued_on", &date(h.issued_on))?;
        m.serialize_entry("in_force_from", &date(h.in_force.from))?;
        m.serialize_entry("in_force_until", &date(h.in_force.until))?;
        m.end()
    }
}

/// A parameter with values by date or version: the value in force, and its words.
struct DatedJ<'a>(&'a str, &'a crate::ir::DatedFrom);

impl Serialize for DatedJ<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (name, d) = (self.0, self.1);
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("name", name)?;
        m.serialize_entry("value", &d.value)?;
        m.serialize_entry("from", &d.from.map(|f| f.to_string()))?;
        m.serialize_entry("version", &d.version)?;
        m.serialize_entry("source", &d.source)?;
        m.end()
    }
}

/// The rule set: its title, document, time in force, version and dated parameters.
struct PolicyJ<'a>(&'a Program);

impl Serialize for PolicyJ<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let h = &p.header;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("title", &h.title)?;
        if let Some(d) = &h.document {
            m.serialize_entry("document", d)?;
        }
        if let Some(a) = h.in_force.from {
            m.serialize_entry("in_force_from", &a.to_string())?;
            m.serialize_entry("in_force_until", &h.in_force.until.map(|b| b.to_string()))?;
        }
        if let Some(name) = &h.version {
            // Only a rule set holding named versions says which one applied.
            m.serialize_entry("version", &VersionJ(h, name))?;
        }
        if p.slots.iter().any(|s| s.dated.is_some()) {
            let dated = || {
                p.slots
                    .iter()
                    .filter_map(|s| Some(DatedJ(&s.name, s.dated.as_ref()?)))
            };
            m.serialize_entry("dated_parameters", &Each(dated))?;
        }
        m.end()
    }
}

/// The whole decisions object.
struct Doc<'a, 'r>(&'a Report<'r>);

impl Serialize for Doc<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("as_of", &r.evaluation.as_of.to_string())?;
        m.serialize_entry("policy", &PolicyJ(r.program))?;
        m.serialize_entry("decisions", &DecisionsJ(r))?;
        m.serialize_entry("warnings", &WarningsJ(r))?;
        m.serialize_entry("assumptions", &r.assumptions())?;
        m.end()
    }
}

/// A number as the decisions show it: its value (a quotient that is not an exact decimal
/// rounded and marked `≈`) and the unit of its type, `"12.5%"`, `"30亿元"`.
pub fn number_text(program: &Program, v: &Value, ty: &Ty) -> String {
    let n = match v {
        Value::Ratio(f) => crate::eval::show_frac(*f),
        other => other
            .as_frac()
            .map(|f| f.num.to_string())
            .unwrap_or_default(),
    };
    let unit = ty
        .unit()
        .filter(|u| *u != UNIT_ONE)
        .and_then(|u| program.units.get(u))
        .map(|u| u.name.as_str())
        .unwrap_or_default();
    format!("{n}{unit}")
}
