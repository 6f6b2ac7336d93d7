//! `policy diff`: what a revision of the rule files changes.
//!
//! Two parts, both pure (the CLI reads the files and prints):
//! - [`structural`] compares the syntax trees of two rule sets: articles, clauses,
//!   rules, parameters, definitions, decisions and facts added, removed or changed,
//!   each placed by article and clause. It needs no facts.
//! - [`cluster`] compares the evaluations of one cluster under both rule sets: which
//!   decisions moved, and for a clause, which rules moved, with the test each applied
//!   (`>= 30亿元` → `>= 40亿元`) and the comparisons made, old beside new.
//!
//! Rules have no names, so a rule of the new clause is matched with the rule of the
//! old clause that has the same title, else with the unmatched rule at the same
//! position (titles often quote the threshold, and change with it).

use crate::diag::Lang;
use crate::diag::Sources;
use crate::eval::{Check, Evaluation, Outcome, Value};
use crate::fmt::flat;
use crate::ir::{DecisionKind, Program, RuleDef};
use crate::render::human::check_line_for;
use crate::syntax::ast::{self, Annotation, ArticleItem, ClauseItem, Item};
use crate::testing::actual_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One structural change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructChange {
    pub change: Change,
    /// `article`, `clause`, `rule`, `guideline`, `parameter`, `definition`, `decision`,
    /// `fact`, `enum`, `record`, `dimension`, `policy`, `chapter`, `annex`, `item`,
    /// `not assessed`.
    pub kind: &'static str,
    /// The article's or annex's key ([`ast::Article::key`]); see [`crate::numeral::place`].
    pub article: Option<u32>,
    pub clause: Option<u32>,
    /// The name, or a rule's title (the new one when it changed).
    pub name: String,
    /// A rule's old title, when it changed.
    pub old_name: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One entry of a rule set's inventory.
#[derive(Debug, Clone)]
struct Entry {
    kind: &'static str,
    article: Option<u32>,
    clause: Option<u32>,
    name: String,
    /// What is shown: the value, body or type.
    shown: String,
    /// Everything compared: `shown` and the labels and annotations.
    full: String,
    /// Rules are matched by title, then by position in their clause.
    is_rule: bool,
    position: usize,
}

fn annotations_text(list: &[Annotation]) -> String {
    list.iter()
        .map(|a| match a {
            Annotation::Source(s) => format!("source {}", s.value),
            Annotation::Interpretation(s) => format!("interpretation {}", s.value),
            Annotation::Assumption(s) => format!("assumption {}", s.value),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn label(l: &Option<ast::Str>) -> String {
    l.as_ref().map(|s| s.value.clone()).unwrap_or_default()
}

fn type_text(t: &Option<ast::TypeExpr>) -> String {
    t.as_ref()
        .map(|t| format!(": {}", crate::fmt::type_text(t)))
        .unwrap_or_default()
}

struct Inventory {
    entries: Vec<Entry>,
}

impl Inventory {
    fn push(
        &mut self,
        kind: &'static str,
        at: (Option<u32>, Option<u32>),
        name: String,
        shown: String,
        extra: String,
    ) {
        let full = format!("{shown}\n{extra}");
        self.entries.push(Entry {
            kind,
            article: at.0,
            clause: at.1,
            name,
            shown,
            full,
            is_rule: false,
            position: 0,
        });
    }

    fn parameter(&mut self, at: (Option<u32>, Option<u32>), p: &ast::Parameter) {
        self.push(
            "parameter",
            at,
            p.name.name.clone(),
            format!("{}{}", value_text(p), type_text(&p.ty)),
            format!("{}\n{}", label(&p.label), annotations_text(&p.annotations)),
        );
    }

    fn definition(&mut self, at: (Option<u32>, Option<u32>), d: &ast::Definition) {
        let params = d
            .params
            .as_ref()
            .map(|ps| {
                let list: Vec<String> = ps
                    .iter()
                    .map(|p| format!("{}: {}", p.name.name, crate::fmt::type_text(&p.ty)))
                    .collect();
                format!("({})", list.join(", "))
            })
            .unwrap_or_default();
        self.push(
            "definition",
            at,
            d.name.name.clone(),
            format!("{params}{} = {}", type_text(&d.ty), flat(&d.body)),
            format!("{}\n{}", label(&d.label), annotations_text(&d.annotations)),
        );
    }

    fn rule(&mut self, at: (Option<u32>, Option<u32>), r: &ast::RuleDecl, position: usize) {
        let when = r
            .when
            .as_ref()
            .map(|w| format!("when {}: ", flat(w)))
            .unwrap_or_default();
        let kind = match r.kind {
            ast::RuleKind::Rule => "rule",
            ast::RuleKind::Guideline => "guideline",
        };
        self.push(
            kind,
            at,
            r.title.value.clone(),
            format!("{}{when}{}", dating_text(&r.dated), flat(&r.body)),
            annotations_text(&r.annotations),
        );
        if let Some(e) = self.entries.last_mut() {
            e.is_rule = true;
            e.position = position;
        }
    }

    /// The measures' words an article or clause quotes (`text "…"`), numbered in order.
    fn text(&mut self, at: (Option<u32>, Option<u32>), t: &ast::Str, n: usize) {
        self.push("text", at, n.to_string(), t.value.clone(), String::new());
    }

    fn of(files: &[ast::File]) -> Inventory {
        let mut inv = Inventory {
            entries: Vec::new(),
        };
        for f in files {
            for item in &f.items {
                inv.item(item);
            }
        }
        inv
    }

    fn item(&mut self, item: &Item) {
        let top = (None, None);
        match item {
            Item::Policy(h) => {
                let shown = format!(
                    "{} {} {} {} {}",
                    h.title.value,
                    h.document.as_ref().map(|d| d.value.as_str()).unwrap_or(""),
                    h.issued_by.as_ref().map(|d| d.value.as_str()).unwrap_or(""),
                    h.issued_on.as_ref().map(|d| d.text.as_str()).unwrap_or(""),
                    h.in_force.as_ref().map(in_force_text).unwrap_or_default()
                );
                self.push("policy", top, "policy".into(), shown, String::new());
                for v in &h.versions {
                    let shown = format!(
                        "{} {} {} {}",
                        v.document.as_ref().map(|d| d.value.as_str()).unwrap_or(""),
                        v.issued_by.as_ref().map(|d| d.value.as_str()).unwrap_or(""),
                        v.issued_on.as_ref().map(|d| d.text.as_str()).unwrap_or(""),
                        v.in_force.as_ref().map(in_force_text).unwrap_or_default()
                    );
                    self.push("version", top, v.name.value.clone(), shown, String::new());
                }
            }
            Item::Dimension(d) => {
                let units: Vec<String> = d
                    .units
                    .iter()
                    .map(|u| match &u.of {
                        Some(of) => format!("{} = {} {}", u.name.name, u.factor, of.name),
                        None => u.name.name.clone(),
                    })
                    .collect();
                self.push(
                    "dimension",
                    top,
                    d.name.name.clone(),
                    units.join(", "),
                    label(&d.label),
                );
            }
            Item::Enum(e) => {
                let vs: Vec<String> = e.variants.iter().map(|v| v.name.name.clone()).collect();
                let labels: Vec<String> = e.variants.iter().map(|v| label(&v.label)).collect();
                self.push(
                    "enum",
                    top,
                    e.name.name.clone(),
                    format!(
                        "{}{}",
                        if e.ordered { "ordered " } else { "" },
                        vs.join(", ")
                    ),
                    format!("{}\n{}", label(&e.label), labels.join(",")),
                );
            }
            Item::Record(r) => {
                let fs: Vec<String> = r
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name.name, crate::fmt::type_text(&f.ty)))
                    .collect();
                self.push(
                    "record",
                    top,
                    r.name.name.clone(),
                    fs.join(", "),
                    label(&r.label),
                );
            }
            Item::Fact(f) => self.push(
                "fact",
                top,
                f.name.name.clone(),
                crate::fmt::type_text(&f.ty),
                label(&f.label),
            ),
            Item::Parameter(p) => self.parameter(top, p),
            Item::Definition(d) => self.definition(top, d),
            Item::Article(a) => self.article(a),
            Item::Chapter(c) => self.push(
                "chapter",
                top,
                format!("chapter {}", c.number.text),
                label(&c.title),
                String::new(),
            ),
        }
    }

    fn article(&mut self, a: &ast::Article) {
        let at = (Some(a.key()), None);
        let what = match a.kind {
            ast::PartKind::Article => "article",
            ast::PartKind::Annex => "annex",
        };
        let style = a
            .item_style
            .as_ref()
            .map(|s| format!(" items {}", s.value))
            .unwrap_or_default();
        let applies = a
            .applies
            .as_ref()
            .map(|e| format!(" applies when {}", flat(e)))
            .unwrap_or_default();
        self.push(
            what,
            at,
            if a.number == 0 && what == "annex" {
                what.to_string()
            } else {
                format!("{what} {}", a.number)
            },
            format!(
                "{}{style}{}{applies}",
                label(&a.title),
                dating_after(&a.dated)
            ),
            String::new(),
        );
        let mut rules = 0;
        let mut texts = 0;
        for it in &a.items {
            match it {
                ArticleItem::Text(t) => {
                    texts += 1;
                    self.text(at, t, texts);
                }
                ArticleItem::Parameter(p) => self.parameter(at, p),
                ArticleItem::Definition(d) => self.definition(at, d),
                ArticleItem::Decision(d) => self.push(
                    "decision",
                    at,
                    d.name.name.clone(),
                    format!(
                        "{}{}{}",
                        dating_text(&d.dated),
                        flat(&d.body),
                        type_text(&d.ty)
                    ),
                    format!("{}\n{}", label(&d.label), annotations_text(&d.annotations)),
                ),
                ArticleItem::Rule(r) => {
                    self.rule(at, r, rules);
                    rules += 1;
                }
                ArticleItem::Clause(c) => {
                    let cat = (Some(a.key()), Some(c.number));
                    let (ckind, cname) = match &c.numeral {
                        Some(n) => ("item", format!("item {}", n.text)),
                        None => ("clause", format!("clause {}", c.number)),
                    };
                    let applies = c
                        .applies
                        .as_ref()
                        .map(|e| format!(" applies when {}", flat(e)))
                        .unwrap_or_default();
                    let alias = c
                        .alias
                        .as_ref()
                        .map(|x| format!(" as {}", x.name))
                        .unwrap_or_default();
                    self.push(
                        ckind,
                        cat,
                        cname,
                        format!(
                            "{}{alias}{}{applies}",
                            label(&c.title),
                            dating_after(&c.dated)
                        ),
                        String::new(),
                    );
                    let mut n = 0;
                    let mut texts = 0;
                    for ci in &c.items {
                        match ci {
                            ClauseItem::Text(t) => {
                                texts += 1;
                                self.text(cat, t, texts);
                            }
                            ClauseItem::Parameter(p) => self.parameter(cat, p),
                            ClauseItem::Definition(d) => self.definition(cat, d),
                            ClauseItem::Rule(r) => {
                                self.rule(cat, r, n);
                                n += 1;
                            }
                            ClauseItem::NotAssessed(x) => self.push(
                                "not assessed",
                                cat,
                                x.phrase.value.clone(),
                                x.reason.value.clone(),
                                String::new(),
                            ),
                        }
                    }
                }
            }
        }
    }
}

fn same_place(a: &Entry, b: &Entry) -> bool {
    a.article == b.article && a.clause == b.clause
}

/// The part of two texts that differs, with a little context on each side and `…` where
/// text was left out: (`…均在30亿元以上…`, `…均在40亿元以上…`). Texts that differ
/// throughout are returned whole.
pub fn excerpt(old: &str, new: &str) -> (String, String) {
    const CONTEXT: usize = 8;
    let o: Vec<char> = old.chars().collect();
    let n: Vec<char> = new.chars().collect();
    let prefix = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let max_suffix = o.len().min(n.len()) - prefix;
    let suffix = o
        .iter()
        .rev()
        .zip(n.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let start = prefix.saturating_sub(CONTEXT);
    let cut = |v: &[char]| -> String {
        let end = (v.len() - suffix + CONTEXT).min(v.len());
        let mut s = String::new();
        if start > 0 {
            s.push('…');
        }
        s.extend(v.get(start..end).unwrap_or(&[]));
        if end < v.len() {
            s.push('…');
        }
        s
    };
    (cut(&o), cut(&n))
}

/// The structural changes from `old` to `new` (each a rule set's parsed files),
/// in the order of the new rule set, removals at their old place.
pub fn structural(old: &[ast::File], new: &[ast::File]) -> Vec<StructChange> {
    let old = Inventory::of(old).entries;
    let new = Inventory::of(new).entries;
    let mut matched_old = vec![false; old.len()];
    let mut pair: Vec<Option<usize>> = vec![None; new.len()];
    // Same kind, place and name (a rule's title).
    for (ni, n) in new.iter().enumerate() {
        let hit = old.iter().enumerate().position(|(oi, o)| {
            !matched_old.get(oi).copied().unwrap_or(true)
                && o.kind == n.kind
                && same_place(o, n)
                && o.name == n.name
        });
        if let Some(oi) = hit {
            if let Some(m) = matched_old.get_mut(oi) {
                *m = true;
            }
            if let Some(p) = pair.get_mut(ni) {
                *p = Some(oi);
            }
        }
    }
    // Rules left over: by position in the clause.
    for (ni, n) in new.iter().enumerate() {
        if !n.is_rule || pair.get(ni).copied().flatten().is_some() {
            continue;
        }
        let hit = old.iter().enumerate().position(|(oi, o)| {
            !matched_old.get(oi).copied().unwrap_or(true)
                && o.is_rule
                && same_place(o, n)
                && o.position == n.position
        });
        if let Some(oi) = hit {
            if let Some(m) = matched_old.get_mut(oi) {
                *m = true;
            }
            if let Some(p) = pair.get_mut(ni) {
                *p = Some(oi);
            }
        }
    }
    let mut out = Vec::new();
    for (ni, n) in new.iter().enumerate() {
        match pair.get(ni).copied().flatten().and_then(|oi| old.get(oi)) {
            None => out.push(StructChange {
                change: Change::Added,
                kind: n.kind,
                article: n.article,
                clause: n.clause,
                name: n.name.clone(),
                old_name: None,
                old: None,
                new: Some(n.shown.clone()),
            }),
            Some(o) if o.full != n.full || o.name != n.name || o.kind != n.kind => {
                let (old_v, new_v) = if o.shown != n.shown {
                    (o.shown.clone(), n.shown.clone())
                } else {
                    (o.full.trim().to_string(), n.full.trim().to_string())
                };
                out.push(StructChange {
                    change: Change::Changed,
                    kind: n.kind,
                    article: n.article,
                    clause: n.clause,
                    name: n.name.clone(),
                    old_name: (o.name != n.name).then(|| o.name.clone()),
                    old: Some(old_v),
                    new: Some(new_v),
                })
            }
            Some(_) => {}
        }
    }
    for (oi, o) in old.iter().enumerate() {
        if !matched_old.get(oi).copied().unwrap_or(true) {
            out.push(StructChange {
                change: Change::Removed,
                kind: o.kind,
                article: o.article,
                clause: o.clause,
                name: o.name.clone(),
                old_name: None,
                old: Some(o.shown.clone()),
                new: None,
            });
        }
    }
    out
}

// ── impact on one cluster ──

/// A rule whose outcome differs between the two rule sets.
#[derive(Debug, Clone)]
pub struct RuleMove {
    pub article: u32,
    pub clause: u32,
    pub old_title: String,
    pub new_title: String,
    pub old: Outcome,
    pub new: Outcome,
    /// The test the rule applied, from its first comparison: `>= 30亿元`.
    pub old_test: Option<String>,
    pub new_test: Option<String>,
    pub old_checks: Vec<String>,
    pub new_checks: Vec<String>,
}

/// A decision whose value differs.
#[derive(Debug, Clone)]
pub struct DecisionMove {
    pub name: String,
    /// As a case file writes it: `true`, `lapsed`, `undetermined`, `not_applicable`;
    /// `absent` when the decision is not in that rule set.
    pub old: String,
    pub new: String,
    pub rules: Vec<RuleMove>,
}

/// One side of a comparison: a rule set, its evaluation of the cluster, its sources.
pub struct Side<'a> {
    pub program: &'a Program,
    pub evaluation: &'a Evaluation,
}

fn test_of(checks: &[Check]) -> Option<String> {
    checks.iter().find_map(|c| {
        let r = c.right.as_ref()?;
        let shown = match &r.label {
            Some(l) => format!("{} ({l})", r.value),
            None => format!("{}{}", r.value, r.unit),
        };
        Some(format!("{} {shown}", c.op.symbol()))
    })
}

fn check_lines(sources: &Sources, checks: &[Check], lang: Lang, p: &Program) -> Vec<String> {
    checks
        .iter()
        .map(|c| {
            let text = sources
                .text(c.span.file)
                .get(c.span.range())
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            check_line_for(c, Some(&text), lang, Some(p))
        })
        .collect()
}

/// Pair the rules of an old and a new clause: by title, then by position.
fn pair_rules(old: &[RuleDef], new: &[RuleDef]) -> Vec<(usize, usize)> {
    let mut used = vec![false; old.len()];
    let mut out: Vec<Option<usize>> = new
        .iter()
        .map(|n| {
            let hit = old
                .iter()
                .enumerate()
                .position(|(i, o)| o.title == n.title && !used.get(i).copied().unwrap_or(true));
            if let Some(i) = hit {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            hit
        })
        .collect();
    for (ni, slot) in out.iter_mut().enumerate() {
        if slot.is_none() && !used.get(ni).copied().unwrap_or(true) {
            if let Some(u) = used.get_mut(ni) {
                *u = true;
            }
            *slot = Some(ni);
        }
    }
    out.into_iter()
        .enumerate()
        .filter_map(|(ni, o)| o.map(|oi| (oi, ni)))
        .collect()
}

fn clause_rules(p: &Program, id: usize) -> Option<(u32, u32, &[RuleDef])> {
    let d = p.decisions.get(id)?;
    let DecisionKind::Clause(ci) = d.kind else {
        return None;
    };
    let a = p.articles.get(d.article)?;
    let c = a.clauses.get(ci)?;
    Some((a.key(), c.number, &c.rules))
}

/// The decisions of one cluster that differ between two rule sets, by the new rule
/// set's order (then decisions only the old one has).
pub fn cluster(old: &Side, new: &Side, sources: &Sources) -> Vec<DecisionMove> {
    cluster_in(old, new, sources, Lang::En)
}

/// [`cluster`] with the comparisons written in `lang`.
pub fn cluster_in(old: &Side, new: &Side, sources: &Sources, lang: Lang) -> Vec<DecisionMove> {
    let mut out = Vec::new();
    let text = |s: &Side, id: usize| {
        s.evaluation
            .decisions
            .get(id)
            .map(|r| actual_text(s.program, id, r))
            .unwrap_or_else(|| "absent".into())
    };
    for (nid, nd) in new.program.decisions.iter().enumerate() {
        let oid = old.program.decisions.iter().position(|d| d.name == nd.name);
        let new_v = text(new, nid);
        let old_v = oid.map_or_else(|| "absent".to_string(), |o| text(old, o));
        if old_v == new_v {
            continue;
        }
        let mut rules = Vec::new();
        if let (Some(oid), Some((article, clause, nrules))) = (oid, clause_rules(new.program, nid))
        {
            let orules = clause_rules(old.program, oid).map_or(&[][..], |x| x.2);
            let ores = old.evaluation.decisions.get(oid);
            let nres = new.evaluation.decisions.get(nid);
            for (oi, ni) in pair_rules(orules, nrules) {
                let (Some(or), Some(nr)) = (
                    ores.and_then(|r| r.rules.get(oi)),
                    nres.and_then(|r| r.rules.get(ni)),
                ) else {
                    continue;
                };
                if or.outcome == nr.outcome {
                    continue;
                }
                rules.push(RuleMove {
                    article,
                    clause,
                    old_title: orules.get(oi).map(|r| r.title.clone()).unwrap_or_default(),
                    new_title: nrules.get(ni).map(|r| r.title.clone()).unwrap_or_default(),
                    old: or.outcome,
                    new: nr.outcome,
                    old_test: test_of(&or.checks),
                    new_test: test_of(&nr.checks),
                    old_checks: check_lines(sources, &or.checks, lang, old.program),
                    new_checks: check_lines(sources, &nr.checks, lang, new.program),
                });
            }
        }
        out.push(DecisionMove {
            name: nd.name.clone(),
            old: old_v,
            new: new_v,
            rules,
        });
    }
    for (oid, od) in old.program.decisions.iter().enumerate() {
        if !new.program.decisions.iter().any(|d| d.name == od.name) {
            out.push(DecisionMove {
                name: od.name.clone(),
                old: text(old, oid),
                new: "absent".into(),
                rules: Vec::new(),
            });
        }
    }
    out
}

/// A cluster's name from its facts, for the report.
pub fn cluster_name(p: &Program, facts: &crate::eval::Facts) -> Option<String> {
    let id = p.facts.iter().position(|f| f.name == "cluster.name")?;
    match facts.values.get(id)? {
        Some(Value::Text(t)) => Some(t.to_string()),
        _ => None,
    }
}

/// When a dated item is in force, as its head says it: `[version "旧"] ` or
/// `[in_force from 2025-01-01] ` (empty for an item of every date).
fn dating_text(d: &Option<ast::Dating>) -> String {
    match d {
        None => String::new(),
        Some(ast::Dating::Version(n)) => format!("[version \"{}\"] ", n.value),
        Some(ast::Dating::Period(f)) => match &f.until {
            Some(u) => format!("[in_force {} to {}] ", f.from.text, u.text),
            None => format!("[in_force from {}] ", f.from.text),
        },
    }
}

/// The same after a title: ` [version "旧"]`.
fn dating_after(d: &Option<ast::Dating>) -> String {
    match dating_text(d).trim_end() {
        "" => String::new(),
        t => format!(" {t}"),
    }
}

/// A parameter's value, or its values by date or version with their sources
/// (`from 2023-03-01: 20 亿元 source "…"; from 2024-02-22: 30 亿元 …`).
fn value_text(p: &ast::Parameter) -> String {
    if p.dated.is_empty() {
        return flat(&p.value);
    }
    p.dated
        .iter()
        .map(|v| {
            let when = match &v.when {
                ast::Dating::Period(f) => format!("from {}", f.from.text),
                ast::Dating::Version(n) => format!("version \"{}\"", n.value),
            };
            let notes = annotations_text(&v.annotations);
            if notes.is_empty() {
                format!("{when}: {}", flat(&v.value))
            } else {
                format!("{when}: {} {notes}", flat(&v.value))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `in force A to B` or `in force from A`, with its source.
fn in_force_text(f: &ast::InForce) -> String {
    let period = match &f.until {
        Some(b) => format!("in force {} to {}", f.from.text, b.text),
        None => format!("in force from {}", f.from.text),
    };
    match &f.source {
        Some(s) => format!("{period} source \"{}\"", s.value),
        None => period,
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpt_shows_the_changed_words_in_context() {
        let (o, n) = excerpt(
            "占地面积一般不超过100平方公里，近三年产值均在30亿元以上，中小企业产值占集群总产值50%以上。",
            "占地面积一般不超过100平方公里，近三年产值均在40亿元以上，中小企业产值占集群总产值50%以上。",
        );
        assert_eq!(o, "…，近三年产值均在30亿元以上，中小…");
        assert_eq!(n, "…，近三年产值均在40亿元以上，中小…");
    }

    #[test]
    fn excerpt_of_short_or_wholly_different_texts_is_whole() {
        assert_eq!(excerpt("甲", "乙"), ("甲".to_string(), "乙".to_string()));
        assert_eq!(excerpt("", "新"), (String::new(), "新".to_string()));
        assert_eq!(
            excerpt("abc", "abc"),
            ("abc".to_string(), "abc".to_string())
        );
    }

    use super::*;

    fn parse(s: &str) -> Vec<ast::File> {
        vec![crate::syntax::parse_file(0, s).unwrap()]
    }

    #[test]
    fn threshold_change_and_retitled_rule() {
        let old = parse("article 6 \"a\" {\n clause 2 \"c\" {\n parameter 下限 = 30 亿元\n rule \"30亿元以上\": x >= 下限\n rule \"y\": y\n }\n}\n");
        let new = parse("article 6 \"a\" {\n clause 2 \"c\" {\n parameter 下限 = 40 亿元\n rule \"40亿元以上\": x >= 下限\n }\n decision d = true\n}\n");
        let ch = structural(&old, &new);
        let summary: Vec<String> = ch
            .iter()
            .map(|c| {
                format!(
                    "{} {} {:?} {:?} {} {:?}→{:?}",
                    c.change.as_str(),
                    c.kind,
                    c.article,
                    c.clause,
                    c.name,
                    c.old,
                    c.new
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                "changed parameter Some(6) Some(2) 下限 Some(\"30 亿元\")→Some(\"40 亿元\")",
                "changed rule Some(6) Some(2) 40亿元以上 Some(\"x >= 下限\")→Some(\"x >= 下限\")",
                "added decision Some(6) None d None→Some(\"true\")",
                "removed rule Some(6) Some(2) y Some(\"y\")→None",
            ]
        );
        assert_eq!(
            ch.get(1).and_then(|c| c.old_name.clone()),
            Some("30亿元以上".into())
        );
    }
}
