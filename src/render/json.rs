//! The JSON decisions of `docs/facts.md`, with the full explanation under each.

use super::*;
use crate::eval::{Check, RuleResult, Shown, Value};
use crate::ir::{Ty, UNIT_ONE};
use serde_json::{json, Map, Value as J};

fn shown(s: &Shown) -> J {
    let mut m = Map::new();
    m.insert("value".into(), J::String(s.value.clone()));
    if !s.unit.is_empty() {
        m.insert("unit".into(), J::String(s.unit.clone()));
    }
    if let Some(l) = &s.label {
        m.insert("label".into(), J::String(l.clone()));
    }
    J::Object(m)
}

fn place(r: &Report, span: Span) -> J {
    let (file, line, column) = r.place(span);
    json!({"file": file, "line": line, "column": column})
}

fn check(r: &Report, c: &Check) -> J {
    let mut m = Map::new();
    m.insert("expression".into(), J::String(r.text(c.span)));
    if c.right.is_none() && c.op == crate::syntax::ast::BinOp::Eq {
        // A yes/no fact or a decision that was read, not a comparison.
        m.insert("kind".into(), J::String("value".into()));
        if !c.bindings.is_empty() {
            let mut b = Map::new();
            for (k, v) in &c.bindings {
                b.insert(k.clone(), J::String(v.clone()));
            }
            m.insert("bindings".into(), J::Object(b));
        }
        m.insert(
            "value".into(),
            c.left.as_ref().map(shown).unwrap_or(J::Null),
        );
        m.insert("source".into(), place(r, c.span));
        return J::Object(m);
    }
    m.insert("kind".into(), J::String("comparison".into()));
    if !c.bindings.is_empty() {
        let mut b = Map::new();
        for (k, v) in &c.bindings {
            b.insert(k.clone(), J::String(v.clone()));
        }
        m.insert("bindings".into(), J::Object(b));
    }
    m.insert("left".into(), c.left.as_ref().map(shown).unwrap_or(J::Null));
    m.insert("op".into(), J::String(c.op.symbol().into()));
    m.insert(
        "right".into(),
        c.right.as_ref().map(shown).unwrap_or(J::Null),
    );
    m.insert("holds".into(), c.holds.map(J::Bool).unwrap_or(J::Null));
    if let Some(x) = &c.margin {
        m.insert("margin".into(), shown(x));
    }
    m.insert("source".into(), place(r, c.span));
    J::Object(m)
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

fn why(w: &crate::eval::Why, m: &mut Map<String, J>) {
    if !w.details.is_empty() {
        m.insert("missing_detail".into(), json!(w.details));
    }
    if !w.reasons.is_empty() {
        m.insert("reasons".into(), json!(w.reasons));
    }
}

fn rule(r: &Report, def: &crate::ir::RuleDef, res: &RuleResult) -> J {
    let mut m = Map::new();
    m.insert("title".into(), J::String(def.title.clone()));
    m.insert(
        "kind".into(),
        J::String(
            if def.kind == RuleKind::Guideline {
                "guideline"
            } else {
                "rule"
            }
            .into(),
        ),
    );
    m.insert("outcome".into(), J::String(res.outcome.as_str().into()));
    m.insert("missing".into(), json!(r.missing_names(&res.why)));
    why(&res.why, &mut m);
    m.insert(
        "checks".into(),
        J::Array(res.checks.iter().map(|c| check(r, c)).collect()),
    );
    if res.checks_truncated > 0 {
        m.insert("checks_not_shown".into(), json!(res.checks_truncated));
    }
    let interps: Vec<String> = def
        .annotations
        .iter()
        .filter_map(|a| r.program.annotations.get(*a))
        .filter(|a| a.kind == AnnotKind::Interpretation)
        .map(|a| a.text.clone())
        .collect();
    if !interps.is_empty() {
        m.insert("interpretations".into(), json!(interps));
    }
    m.insert("source".into(), place(r, def.span));
    J::Object(m)
}

/// The whole decisions object.
pub fn render(r: &Report) -> J {
    let p = r.program;
    let mut decisions = Map::new();
    for (id, d) in p.decisions.iter().enumerate() {
        let Some(res) = r.result(id) else { continue };
        let mut e = Map::new();
        if let Some(l) = &d.label {
            e.insert("label".into(), J::String(l.clone()));
        }
        let article = p.articles.get(d.article);
        let annex = article.is_some_and(|a| a.kind == crate::syntax::ast::PartKind::Annex);
        if let Some(a) = article {
            // An unnumbered annex (附件) has no number: null.
            e.insert(
                if annex { "annex" } else { "article" }.into(),
                if annex && a.number == 0 {
                    J::Null
                } else {
                    json!(a.number)
                },
            );
            if !matches!(d.kind, DecisionKind::Clause(_)) {
                e.insert("heading".into(), J::String(a.heading()));
            }
            if let Some(c) = &a.chapter {
                e.insert("chapter".into(), J::String(c.heading()));
            }
        }
        match &d.kind {
            DecisionKind::Clause(ci) => {
                if let Some((a, c)) = article.and_then(|a| Some((a, a.clauses.get(*ci)?))) {
                    e.insert(
                        if annex { "item" } else { "clause" }.into(),
                        json!(c.number),
                    );
                    e.insert("heading".into(), J::String(a.clause_place(c)));
                    e.insert(
                        "not_assessed".into(),
                        J::Array(
                            c.not_assessed
                                .iter()
                                .map(|n| json!({"text": n.text, "reason": n.reason}))
                                .collect(),
                        ),
                    );
                    let outcome = match (res.status, res.value.as_ref()) {
                        (Status::NotApplicable, _) => Outcome::NotApplicable,
                        (_, Some(Value::Bool(true))) => Outcome::Met,
                        (_, Some(_)) => Outcome::NotMet,
                        _ => Outcome::Undetermined,
                    };
                    e.insert("outcome".into(), J::String(outcome.as_str().into()));
                    e.insert(
                        "rules".into(),
                        J::Array(
                            c.rules
                                .iter()
                                .zip(&res.rules)
                                .map(|(rd, rr)| rule(r, rd, rr))
                                .collect(),
                        ),
                    );
                }
            }
            DecisionKind::Expr(_) => {
                e.insert(
                    "checks".into(),
                    J::Array(res.checks.iter().map(|c| check(r, c)).collect()),
                );
            }
        }
        why(&res.why, &mut e);
        e.insert(
            "interpretations".into(),
            json!(r.annotations_of(id, AnnotKind::Interpretation)),
        );
        e.insert(
            "assumptions".into(),
            json!(r.annotations_of(id, AnnotKind::Assumption)),
        );
        e.insert("source".into(), place(r, d.span));
        let v = match (&res.status, &res.value) {
            (Status::Decided, Some(v)) => value(p, v, &d.ty),
            _ => J::Null,
        };
        let mut out = Map::new();
        out.insert("value".into(), v);
        out.insert("status".into(), J::String(res.status.as_str().into()));
        out.insert("missing".into(), json!(r.missing_names(&res.why)));
        out.insert("explanation".into(), J::Object(e));
        decisions.insert(d.name.clone(), J::Object(out));
    }
    let mut warnings: Vec<J> = r
        .rule_warnings()
        .into_iter()
        .map(|w| {
            let (a, c) = if w.annex {
                ("annex", "item")
            } else {
                ("article", "clause")
            };
            let mut m = Map::new();
            m.insert(a.into(), json!(w.article));
            m.insert(c.into(), json!(w.clause));
            m.insert("heading".into(), J::String(w.heading.clone()));
            m.insert("rule".into(), J::String(w.rule.clone()));
            m.insert("message".into(), J::String(w.message.clone()));
            m.insert(
                "code".into(),
                J::String("policy::eval::guideline_not_met".into()),
            );
            m.insert("source".into(), place(r, w.span));
            J::Object(m)
        })
        .collect();
    for d in r.fact_warnings {
        let mut m = Map::new();
        m.insert("article".into(), J::Null);
        m.insert("clause".into(), J::Null);
        m.insert("message".into(), J::String(d.message.en.clone()));
        m.insert("code".into(), J::String(d.code.into()));
        if let Some(s) = d.span {
            m.insert("source".into(), place(r, s));
        }
        warnings.push(J::Object(m));
    }
    let h = &p.header;
    let mut policy = Map::new();
    policy.insert("title".into(), J::String(h.title.clone()));
    if let Some(d) = &h.document {
        policy.insert("document".into(), J::String(d.clone()));
    }
    if let Some(a) = h.in_force.from {
        policy.insert("in_force_from".into(), J::String(a.to_string()));
        policy.insert(
            "in_force_until".into(),
            h.in_force
                .until
                .map_or(J::Null, |b| J::String(b.to_string())),
        );
    }
    if let Some(name) = &h.version {
        // Only a rule set holding named versions says which one applied.
        let mut v = Map::new();
        v.insert("name".into(), J::String(name.clone()));
        let text = |x: &Option<String>| x.clone().map_or(J::Null, J::String);
        let date = |x: Option<chrono::NaiveDate>| x.map_or(J::Null, |d| J::String(d.to_string()));
        v.insert("document".into(), text(&h.document));
        v.insert("issued_by".into(), text(&h.issued_by));
        v.insert("issued_on".into(), date(h.issued_on));
        v.insert("in_force_from".into(), date(h.in_force.from));
        v.insert("in_force_until".into(), date(h.in_force.until));
        policy.insert("version".into(), J::Object(v));
    }
    // Parameters with values by date or version: the value in force, and its words.
    let dated: Vec<J> = p
        .slots
        .iter()
        .filter_map(|s| {
            let d = s.dated.as_ref()?;
            Some(json!({
                "name": s.name,
                "value": d.value,
                "from": d.from.map(|f| f.to_string()),
                "version": d.version,
                "source": d.source,
            }))
        })
        .collect();
    if !dated.is_empty() {
        policy.insert("dated_parameters".into(), J::Array(dated));
    }
    let mut top = Map::new();
    top.insert("as_of".into(), J::String(r.evaluation.as_of.to_string()));
    top.insert("policy".into(), J::Object(policy));
    top.insert("decisions".into(), J::Object(decisions));
    top.insert("warnings".into(), J::Array(warnings));
    top.insert("assumptions".into(), json!(r.assumptions()));
    J::Object(top)
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
