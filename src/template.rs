//! Blank facts files and a JSON Schema of facts files, derived from a rule set's
//! declarations: every fact with its Chinese label, its type and unit, the years the
//! rules' windows need at an evaluation date, and the clauses that read it.
//!
//! Nothing here knows the Shanghai facts: the facts, records, categories and units are
//! those the rule files declare, the years those [`crate::generate::Generator`] finds in
//! the rules' windows, and a fact's uses are found by walking each decision's rules.

use crate::ir::*;
use chrono::NaiveDate;
use serde_json::{json, Map, Value as J};
use std::collections::HashSet;

/// One fact, described for people.
#[derive(Debug, Clone, PartialEq)]
pub struct FactDoc {
    pub name: String,
    pub label: Option<String>,
    pub ty: Ty,
    /// The type in words: (English, Chinese).
    pub kind: (String, String),
    /// The unit a bare number is in (`亿元`), for numbers.
    pub unit: Option<String>,
    /// Where the rules read it: `第六条（二）`, or a decision's label or name.
    pub used_by: Vec<String>,
}

/// What a template is made from.
#[derive(Debug, Clone)]
pub struct Template {
    pub as_of: NaiveDate,
    /// The years every series is asked for (the rules' windows at `as_of`).
    pub years: Vec<i32>,
    pub facts: Vec<FactDoc>,
}

/// The facts a rule set declares, described, for evaluation on `as_of`.
pub fn describe(program: &Program, as_of: NaiveDate) -> Template {
    let years = crate::generate::Generator::new(program, as_of)
        .years()
        .to_vec();
    let used = uses(program);
    let facts = program
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| FactDoc {
            name: f.name.clone(),
            label: f.label.clone(),
            ty: f.ty.clone(),
            kind: kind(program, &f.ty),
            unit: unit_of(program, &f.ty),
            used_by: used.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    Template {
        as_of,
        years,
        facts,
    }
}

/// The unit name of a number type (none for a plain number).
pub fn unit_of(program: &Program, ty: &Ty) -> Option<String> {
    match ty.strip_none() {
        Ty::Num(u) | Ty::Count(u) => program
            .units
            .get(*u)
            .map(|u| u.name.clone())
            .filter(|n| !n.is_empty()),
        Ty::Series(inner) => unit_of(program, inner),
        _ => None,
    }
}

/// A type in words, (English, Chinese).
pub fn kind(program: &Program, ty: &Ty) -> (String, String) {
    let with_unit = |en: &str, zh: &str| match unit_of(program, ty) {
        Some(u) => (format!("{en} in {u}"), format!("{zh}（{u}）")),
        None => (en.to_string(), zh.to_string()),
    };
    match ty {
        Ty::Bool => ("yes/no".into(), "是/否".into()),
        Ty::Num(_) => with_unit("number", "数值"),
        Ty::Count(_) => with_unit("whole number", "整数"),
        Ty::Date => ("date YYYY-MM-DD".into(), "日期 YYYY-MM-DD".into()),
        Ty::Text => ("text".into(), "文本".into()),
        Ty::Enum(e) => {
            let vs = program
                .enums
                .get(*e)
                .map(|d| {
                    d.variants
                        .iter()
                        .map(|(n, l)| match l {
                            Some(l) => format!("{l}({n})"),
                            None => n.clone(),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            (
                format!("one of: {}", vs.join(", ")),
                format!("类别之一：{}", vs.join("、")),
            )
        }
        Ty::Record(r) => {
            let name = program
                .records
                .get(*r)
                .map(|d| d.label.clone().unwrap_or_else(|| d.name.clone()))
                .unwrap_or_default();
            (format!("a record ({name})"), format!("记录（{name}）"))
        }
        Ty::List(inner) => {
            let (en, zh) = kind(program, inner);
            (format!("a list, each {en}"), format!("列表，每项为{zh}"))
        }
        Ty::Series(inner) => {
            let (en, zh) = kind(program, inner);
            (format!("{en}, by year"), format!("按年份的{zh}"))
        }
        Ty::OrNone(inner) => {
            let (en, zh) = kind(program, inner);
            (format!("{en}, or none"), format!("{zh}，或无"))
        }
        Ty::Duration | Ty::MonthDay | Ty::NoneLit | Ty::Error => ("a value".into(), "值".into()),
    }
}

/// For each fact, the places of the decisions whose rules read it (directly, or through
/// definitions and functions), in the order of the rule files.
pub fn uses(program: &Program) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new(); program.facts.len()];
    for d in &program.decisions {
        let mut w = Walk {
            p: program,
            facts: HashSet::new(),
            slots: HashSet::new(),
            bodies: HashSet::new(),
            visits: 0,
        };
        let article = program.articles.get(d.article);
        let place = match (&d.kind, article) {
            (DecisionKind::Clause(ci), Some(a)) => {
                if let Some(c) = a.clauses.get(*ci) {
                    for r in &c.rules {
                        if let Some(e) = &r.when {
                            w.expr(e);
                        }
                        w.expr(&r.body);
                    }
                    if let Some(e) = &c.applies {
                        w.expr(e);
                    }
                    a.clause_place(c)
                } else {
                    d.name.clone()
                }
            }
            (DecisionKind::Expr(e), a) => {
                w.expr(e);
                match (a, &d.label) {
                    (_, Some(l)) => l.clone(),
                    (Some(a), None) => format!("{} {}", a.heading(), d.name),
                    (None, None) => d.name.clone(),
                }
            }
            (DecisionKind::Clause(_), None) => d.name.clone(),
        };
        if let Some(a) = article.and_then(|a| a.applies.as_ref()) {
            w.expr(a);
        }
        let mut found: Vec<FactId> = w.facts.into_iter().collect();
        found.sort_unstable();
        for f in found {
            if let Some(list) = out.get_mut(f) {
                if !list.contains(&place) {
                    list.push(place.clone());
                }
            }
        }
    }
    out
}

/// The most expression nodes walked for one decision.
const MAX_VISITS: usize = 200_000;

struct Walk<'p> {
    p: &'p Program,
    facts: HashSet<FactId>,
    slots: HashSet<SlotId>,
    /// Shared function bodies already walked (the program is a DAG).
    bodies: HashSet<*const Expr>,
    visits: usize,
}

impl<'p> Walk<'p> {
    fn expr(&mut self, e: &'p Expr) {
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return;
        }
        use ExprKind as K;
        match &e.kind {
            K::Fact(f) => {
                self.facts.insert(*f);
            }
            K::Slot(s) => {
                if self.slots.insert(*s) {
                    if let Some(slot) = self.p.slots.get(*s) {
                        self.expr(&slot.body);
                    }
                }
            }
            K::Inline { args, body, .. } => {
                args.iter().for_each(|x| self.expr(x));
                if self.bodies.insert(std::sync::Arc::as_ptr(body)) {
                    self.expr(body);
                }
            }
            _ => e.each_child(&mut |c| self.expr(c)),
        }
    }
}

/// A blank value of a type for a JSON template: `null`, or for a series each year with
/// `null`.
fn blank(t: &Template, ty: &Ty) -> J {
    match ty {
        Ty::Series(_) => J::Object(t.years.iter().map(|y| (y.to_string(), J::Null)).collect()),
        _ => J::Null,
    }
}

/// A blank JSON facts file: every fact `null` (not given), each series with the years
/// the rules need. JSON has no comments: `policy schema` carries the descriptions.
pub fn json(t: &Template) -> String {
    let obj: Map<String, J> = t
        .facts
        .iter()
        .map(|f| (f.name.clone(), blank(t, &f.ty)))
        .collect();
    serde_json::to_string_pretty(&J::Object(obj)).unwrap_or_default() + "\n"
}

fn yaml_key(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if plain && !s.is_empty() {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// A blank YAML facts file: each fact with its label, type, unit and uses as comments.
pub fn yaml(program: &Program, t: &Template) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# 事实模板 · facts template — {}\n# 评估日期 evaluation date: {}（近年窗口按此日期确定 · the years of the windows follow from it）\n# 留空即“未知”：依赖它的判定为“无法判定”。列表写 [] 表示“没有”。\n# Blank means unknown; for a list, [] means none.\n\n",
        program.header.title, t.as_of
    ));
    for f in &t.facts {
        let label = f.label.as_deref().unwrap_or("");
        out.push_str(&format!("# {label} · {}", f.kind.1));
        if !f.used_by.is_empty() {
            out.push_str(&format!(" · 用于 {}", f.used_by.join("、")));
        }
        out.push('\n');
        match &f.ty {
            Ty::Series(_) => {
                out.push_str(&format!("{}:\n", yaml_key(&f.name)));
                for y in &t.years {
                    out.push_str(&format!("  \"{y}\":\n"));
                }
            }
            Ty::List(inner) => {
                out.push_str(&format!("{}:\n", yaml_key(&f.name)));
                if let Ty::Record(r) = inner.as_ref() {
                    if let Some(def) = program.records.get(*r) {
                        out.push_str("#  - ");
                        let mut first = true;
                        for fd in &def.fields {
                            if !first {
                                out.push_str("#    ");
                            }
                            first = false;
                            let opt = if fd.optional || fd.or_none {
                                "，可空"
                            } else {
                                ""
                            };
                            out.push_str(&format!(
                                "{}:   # {} · {}{opt}\n",
                                yaml_key(&fd.name),
                                fd.label.as_deref().unwrap_or(""),
                                kind(program, &fd.ty).1
                            ));
                        }
                    }
                }
            }
            _ => out.push_str(&format!("{}:\n", yaml_key(&f.name))),
        }
        out.push('\n');
    }
    out
}

fn described(title: Option<&str>, description: String, schema: J) -> J {
    let mut m = Map::new();
    if let Some(t) = title {
        m.insert("title".into(), J::String(t.to_string()));
    }
    m.insert("description".into(), J::String(description));
    if let J::Object(s) = schema {
        m.extend(s);
    }
    J::Object(m)
}

/// A number in the declared unit, or a text with its unit (`"28.4亿元"`).
const QUANTITY_TEXT: &str = r"^\s*[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\s*[^\s0-9.,，]*\s*$";

/// The JSON Schema of a value of type `ty`.
fn ty_schema(program: &Program, ty: &Ty) -> J {
    match ty {
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Num(_) | Ty::Count(_) => {
            let number = if matches!(ty, Ty::Count(_)) {
                "integer"
            } else {
                "number"
            };
            let unit = unit_of(program, ty);
            let text = match &unit {
                Some(u) => format!("a number in {u}, or a text with its unit such as \"12{u}\" · 以{u}为单位的数值，或带单位的文本"),
                None => "a number · 数值".into(),
            };
            json!({"anyOf": [
                {"type": number},
                {"type": "string", "pattern": QUANTITY_TEXT}
            ], "description": text})
        }
        Ty::Date => {
            json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
        }
        Ty::Text => json!({"type": "string"}),
        Ty::Enum(e) => {
            let mut any = Vec::new();
            if let Some(d) = program.enums.get(*e) {
                for (n, l) in &d.variants {
                    any.push(json!({"const": n, "title": l.clone().unwrap_or_else(|| n.clone())}));
                    if let Some(l) = l {
                        any.push(json!({"const": l, "title": l}));
                    }
                }
            }
            json!({"type": "string", "anyOf": any})
        }
        Ty::Record(r) => {
            let Some(def) = program.records.get(*r) else {
                return json!({"type": "object"});
            };
            let mut props = Map::new();
            let mut required = Vec::new();
            for f in &def.fields {
                let inner = ty_schema(program, &f.ty);
                let nullable = f.optional || f.or_none;
                let s = if nullable {
                    json!({"anyOf": [inner, {"type": "null"}]})
                } else {
                    inner
                };
                let desc = kind(program, &f.ty);
                props.insert(
                    f.name.clone(),
                    described(f.label.as_deref(), format!("{} · {}", desc.1, desc.0), s),
                );
                if !nullable {
                    required.push(J::String(f.name.clone()));
                }
            }
            let mut s = Map::new();
            s.insert("type".into(), json!("object"));
            s.insert("properties".into(), J::Object(props));
            s.insert("additionalProperties".into(), J::Bool(false));
            if !required.is_empty() {
                s.insert("required".into(), J::Array(required));
            }
            if let Some(l) = &def.label {
                s.insert("title".into(), J::String(l.clone()));
            }
            J::Object(s)
        }
        Ty::List(inner) => json!({"type": "array", "items": ty_schema(program, inner)}),
        Ty::Series(inner) => json!({
            "type": "object",
            "propertyNames": {"pattern": "^\\s*[0-9]{4}\\s*$"},
            "additionalProperties": {"anyOf": [ty_schema(program, inner), {"type": "null"}]}
        }),
        Ty::OrNone(inner) => json!({"anyOf": [ty_schema(program, inner), {"type": "null"}]}),
        Ty::Duration | Ty::MonthDay | Ty::NoneLit | Ty::Error => json!({}),
    }
}

/// The JSON Schema (2020-12) of the facts files of a rule set: every fact may be `null`
/// or absent (unknown); titles are the Chinese labels. Dotted facts (`cluster.name`)
/// may also be nested (`{"cluster": {"name": …}}`). A name not declared is refused,
/// which the command line only warns about: an editor then marks a misspelt fact.
pub fn schema(program: &Program, t: &Template) -> J {
    let mut props = Map::new();
    let mut groups: Vec<(String, Map<String, J>)> = Vec::new();
    for f in &t.facts {
        let mut desc = format!("{} · {}", f.kind.1, f.kind.0);
        if !f.used_by.is_empty() {
            desc.push_str(&format!(" · 用于 used by {}", f.used_by.join("、")));
        }
        if matches!(f.ty, Ty::Series(_)) && !t.years.is_empty() {
            let ys: Vec<String> = t.years.iter().map(i32::to_string).collect();
            desc.push_str(&format!(" · 年份 years {}", ys.join(", ")));
        }
        let s = described(
            f.label.as_deref(),
            desc,
            json!({"anyOf": [ty_schema(program, &f.ty), {"type": "null"}]}),
        );
        if let Some((group, rest)) = f.name.split_once('.') {
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, m)) => {
                    m.insert(rest.to_string(), s.clone());
                }
                None => {
                    let mut m = Map::new();
                    m.insert(rest.to_string(), s.clone());
                    groups.push((group.to_string(), m));
                }
            }
        }
        props.insert(f.name.clone(), s);
    }
    for (g, m) in groups {
        if props.contains_key(&g) {
            continue;
        }
        props.insert(
            g,
            json!({"anyOf": [{"type": "object", "properties": m, "additionalProperties": false}, {"type": "null"}]}),
        );
    }
    props.insert("$schema".into(), json!({"type": "string"}));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{} · 事实文件 facts file", program.header.title),
        "description": "One cluster's facts. Every fact may be absent or null (unknown). 每项事实均可省略或为 null（未知）。",
        "type": "object",
        "properties": props,
        "additionalProperties": false
    })
}
