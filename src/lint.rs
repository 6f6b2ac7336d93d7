//! Consistency checks that catch a reviser's slips: warnings, never errors.
//!
//! A rule file says the same thing twice — in words (a rule's title, a clause's
//! `text`, a parameter's `source`) and in logic (the comparison). When the measures
//! change, a reviser may change one and forget the other. These checks compare the two:
//!
//! - `policy::lint::number_disagrees`: a quantity written in words (`30亿元`, `50%`,
//!   `10%以上`) that no comparison of the rule (or parameter, or clause) uses, while it
//!   compares with another quantity of the same kind;
//! - `policy::lint::strictness_disagrees`: 以上/以下/不少于/不超过/不低于/以内 (the number
//!   itself included) or 高于/低于/超过/不足/不满/多于/少于 (excluded) beside a number whose
//!   comparison says the other;
//! - `policy::lint::unused_clause`: a clause that no decision of its article uses (a new
//!   ground left out of `revoke = any(…)`);
//! - `policy::lint::untested_phrase`: a phrase of a clause's `text` that no rule tests
//!   and no `not assessed` declaration leaves to the reviewers (see [`phrases`]);
//! - `policy::lint::stale_not_assessed`: a `not assessed` phrase that the clause's text
//!   does not contain (the text was revised, the declaration was not).
//!
//! They read the syntax trees only: a name is a parameter if a parameter of that name is
//! declared, and units are compared through the rule set's `dimension` declarations.

use crate::check::ParsedFile;
use crate::diag::Diag;
use crate::syntax::ast::{self, BinOp, ExprKind, Span};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// A quantity made canonical: its value in the base unit of its dimension. `dim` is
/// `None` for a bare number, which may stand for any unit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Qty {
    value: Decimal,
    dim: Option<usize>,
}

impl Qty {
    /// Whether the two could be the same quantity written two ways.
    fn same_kind(&self, other: &Qty) -> bool {
        self.dim.is_none() || other.dim.is_none() || self.dim == other.dim
    }
    fn equals(&self, other: &Qty) -> bool {
        self.same_kind(other) && self.value == other.value
    }
}

/// A comparison with a threshold, written with the threshold on the right:
/// `x >= 30 亿元` is (`Ge`, 30亿元).
#[derive(Debug, Clone)]
struct Threshold {
    op: BinOp,
    qty: Qty,
    /// For messages: the value, and the parameter that holds it (`产值下限 = 30 亿元`).
    text: String,
    /// The threshold as the rule writes it (`产值下限`, `30 亿元`).
    written: String,
}

/// A quantity written in words, with the word beside it that says how to compare.
#[derive(Debug, Clone)]
struct Mention {
    qty: Qty,
    /// `30亿元`
    text: String,
    span: Span,
    /// The comparison the words ask for (`以上` → `Ge`), if a word says so.
    word: Option<(&'static str, BinOp)>,
    /// The number with its word, as written (`30亿元以上`, `高于70%`).
    phrase: String,
}

/// The dimensionless "dimension" of `%` and bare numbers with a unit of one.
const PLAIN: usize = usize::MAX;

struct Units {
    /// Unit name → (dimension, size in the dimension's base unit).
    by_name: HashMap<String, (usize, Decimal)>,
    /// Unit names, longest first, for reading units in words.
    names: Vec<String>,
}

impl Units {
    fn new(files: &[ParsedFile]) -> Self {
        let mut by_name: HashMap<String, (usize, Decimal)> = HashMap::new();
        let mut dim_index = 0usize;
        for f in files {
            for item in &f.ast.items {
                let ast::Item::Dimension(d) = item else {
                    continue;
                };
                let mut base: Option<String> = None;
                for u in &d.units {
                    let scale = match &u.of {
                        None if base.is_none() => Decimal::ONE,
                        None => u.factor,
                        Some(of) => match by_name.get(&of.name) {
                            Some((_, s)) => match s.checked_mul(u.factor) {
                                Some(x) => x,
                                None => continue,
                            },
                            None => continue,
                        },
                    };
                    if base.is_none() {
                        base = Some(u.name.name.clone());
                    }
                    by_name.insert(u.name.name.clone(), (dim_index, scale));
                }
                dim_index += 1;
            }
        }
        by_name.insert("%".into(), (PLAIN, Decimal::new(1, 2)));
        by_name.insert("％".into(), (PLAIN, Decimal::new(1, 2)));
        let mut names: Vec<String> = by_name.keys().cloned().collect();
        names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Units { by_name, names }
    }

    fn qty(&self, value: Decimal, unit: Option<&str>) -> Option<Qty> {
        match unit {
            None => Some(Qty { value, dim: None }),
            Some(u) => {
                let (dim, scale) = self.by_name.get(u)?;
                Some(Qty {
                    value: value.checked_mul(*scale)?.normalize(),
                    dim: Some(*dim),
                })
            }
        }
    }
}

/// Words that say how a number is compared, as they stand after it (`30亿元以上`)…
const AFTER: &[(&str, BinOp)] = &[
    ("及以上", BinOp::Ge),
    ("以上", BinOp::Ge),
    ("及以下", BinOp::Le),
    ("以下", BinOp::Le),
    ("以内", BinOp::Le),
];

/// …and before it (`高于70%`), longest first so that 不超过 is not read as 超过.
const BEFORE: &[(&str, BinOp)] = &[
    ("不超过", BinOp::Le),
    ("不高于", BinOp::Le),
    ("不多于", BinOp::Le),
    ("不大于", BinOp::Le),
    ("不低于", BinOp::Ge),
    ("不少于", BinOp::Ge),
    ("不小于", BinOp::Ge),
    ("不足", BinOp::Lt),
    ("不满", BinOp::Lt),
    ("超过", BinOp::Gt),
    ("高于", BinOp::Gt),
    ("多于", BinOp::Gt),
    ("大于", BinOp::Gt),
    ("低于", BinOp::Lt),
    ("少于", BinOp::Lt),
    ("小于", BinOp::Lt),
];

fn inclusive(op: BinOp) -> bool {
    matches!(op, BinOp::Ge | BinOp::Le)
}

/// The place of `value[range]` inside the string literal `s`, when the literal is
/// written without escapes; else the whole literal.
fn span_in(s: &ast::Str, text: &str, range: std::ops::Range<usize>) -> Span {
    let raw = text
        .get(s.span.range())
        .and_then(|t| t.strip_prefix('"'))
        .and_then(|t| t.strip_suffix('"'));
    if raw == Some(s.value.as_str()) {
        let start = s.span.start as usize + 1;
        Span::new(s.span.file, start + range.start, start + range.end)
    } else {
        s.span
    }
}

/// Every quantity with a unit written in `s`.
fn mentions(units: &Units, s: &ast::Str, file_text: &str) -> Vec<Mention> {
    let v = s.value.as_str();
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let Some(rest) = v.get(i..) else { break };
        let starts_number = rest.starts_with(|c: char| c.is_ascii_digit())
            && !v
                .get(..i)
                .is_some_and(|b| b.ends_with(|c: char| c.is_ascii_digit() || c == '.'));
        if !starts_number {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let digits = rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map_or(rest.len(), |(k, _)| k);
        let number = rest.get(..digits).unwrap_or("").trim_end_matches('.');
        let after_number = rest.get(number.len()..).unwrap_or("");
        let unit = units
            .names
            .iter()
            .find(|u| after_number.starts_with(u.as_str()));
        let (Some(unit), Ok(value)) = (unit, number.parse::<Decimal>()) else {
            i += number.len().max(1);
            continue;
        };
        let end = i + number.len() + unit.len();
        let after = v.get(end..).unwrap_or("");
        let before = v.get(..i).unwrap_or("");
        let text = v.get(i..end).unwrap_or("").to_string();
        let (word, phrase) = match AFTER.iter().find(|(w, _)| after.starts_with(w)) {
            Some(&(w, op)) => (Some((w, op)), format!("{text}{w}")),
            None => match BEFORE.iter().find(|(w, _)| before.ends_with(w)) {
                Some(&(w, op)) => (Some((w, op)), format!("{w}{text}")),
                None => (None, text.clone()),
            },
        };
        if let Some(qty) = units.qty(value, Some(unit)) {
            out.push(Mention {
                qty,
                text,
                span: span_in(s, file_text, i..end),
                word,
                phrase,
            });
        }
        i = end;
    }
    out
}

/// Parameters by name, with the value each stands for.
struct Params<'a> {
    by_name: HashMap<&'a str, &'a ast::Parameter>,
}

impl<'a> Params<'a> {
    /// The quantity an expression stands for, when it is a literal or a parameter
    /// (possibly through other parameters) that is one.
    fn resolve(&self, units: &Units, e: &'a ast::Expr, depth: usize) -> Option<(Qty, String)> {
        self.resolve_written(units, e, depth)
            .map(|(q, text, _)| (q, text))
    }

    /// As [`Params::resolve`], with the expression as written.
    fn resolve_written(
        &self,
        units: &Units,
        e: &'a ast::Expr,
        depth: usize,
    ) -> Option<(Qty, String, String)> {
        let (q, text) = self.resolve_inner(units, e, depth)?;
        let written = match &e.kind {
            ExprKind::Path(parts) => parts
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            _ => text.clone(),
        };
        Some((q, text, written))
    }

    fn resolve_inner(
        &self,
        units: &Units,
        e: &'a ast::Expr,
        depth: usize,
    ) -> Option<(Qty, String)> {
        if depth > 8 {
            return None;
        }
        match &e.kind {
            ExprKind::Quantity { value, text, unit } => {
                let u = unit.as_ref().map(|u| u.name.as_str());
                let q = units.qty(*value, u)?;
                let shown = match u {
                    Some("%") => format!("{text}%"),
                    Some(u) => format!("{text} {u}"),
                    None => text.clone(),
                };
                Some((q, shown))
            }
            ExprKind::Paren(x) => self.resolve_inner(units, x, depth + 1),
            ExprKind::Path(parts) if parts.len() == 1 => {
                let name = parts.first()?.name.as_str();
                let p = self.by_name.get(name)?;
                let (q, shown) = self.resolve_inner(units, &p.value, depth + 1)?;
                Some((q, format!("{name} = {shown}")))
            }
            _ => None,
        }
    }
}

/// The comparisons with a threshold in `e`, and which parameters they use.
fn thresholds<'a>(
    units: &Units,
    params: &Params<'a>,
    e: &'a ast::Expr,
    out: &mut Vec<Threshold>,
    used: &mut Vec<(&'a str, BinOp)>,
    depth: usize,
) {
    if depth > 200 {
        return;
    }
    let param_name = |x: &'a ast::Expr| match &x.kind {
        ExprKind::Path(p) if p.len() == 1 => p.first().map(|i| i.name.as_str()),
        _ => None,
    };
    if let ExprKind::Binary(op, l, r) = &e.kind {
        if op.is_comparison() {
            if let Some((qty, text, written)) = params.resolve_written(units, r, 0) {
                out.push(Threshold {
                    op: *op,
                    qty,
                    text,
                    written,
                });
                if let Some(n) = param_name(r) {
                    used.push((n, *op));
                }
            } else if let Some((qty, text, written)) = params.resolve_written(units, l, 0) {
                out.push(Threshold {
                    op: op.flipped(),
                    qty,
                    text,
                    written,
                });
                if let Some(n) = param_name(l) {
                    used.push((n, op.flipped()));
                }
            }
        }
    }
    for child in children(e) {
        thresholds(units, params, child, out, used, depth + 1);
    }
}

fn children(e: &ast::Expr) -> Vec<&ast::Expr> {
    match &e.kind {
        ExprKind::List(xs) => xs.iter().collect(),
        ExprKind::Call(_, xs) => xs.iter().collect(),
        ExprKind::Field(x, _) | ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Paren(x) => {
            vec![x]
        }
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::If(a, b, c) => vec![a, b, c],
        ExprKind::Quantifier {
            over, filter, body, ..
        }
        | ExprKind::Aggregate {
            over, filter, body, ..
        } => {
            let mut v: Vec<&ast::Expr> = vec![over, body];
            v.extend(filter.as_deref());
            v
        }
        ExprKind::Count { over, filter, .. } => {
            let mut v: Vec<&ast::Expr> = vec![over];
            v.extend(filter.as_deref());
            v
        }
        ExprKind::Pick {
            over, filter, key, ..
        } => {
            let mut v: Vec<&ast::Expr> = vec![over, key];
            v.extend(filter.as_deref());
            v
        }
        _ => Vec::new(),
    }
}

fn op_words(op: BinOp) -> &'static str {
    match op {
        BinOp::Ge => "`>=` (the number itself included)",
        BinOp::Gt => "`>` (the number itself excluded)",
        BinOp::Le => "`<=` (the number itself included)",
        BinOp::Lt => "`<` (the number itself excluded)",
        _ => "another comparison",
    }
}

fn op_words_zh(op: BinOp) -> &'static str {
    match op {
        BinOp::Ge => "`>=`（包含本数）",
        BinOp::Gt => "`>`（不含本数）",
        BinOp::Le => "`<=`（包含本数）",
        BinOp::Lt => "`<`（不含本数）",
        _ => "其他比较",
    }
}

/// The checks for words `m` (a title, a source or a clause text) against the
/// comparisons `ts` that should say the same. `what` names the words.
fn compare_words(ms: &[Mention], ts: &[Threshold], what: &str, against: &str, out: &mut Vec<Diag>) {
    for m in ms {
        let same_kind: Vec<&Threshold> = ts.iter().filter(|t| t.qty.same_kind(&m.qty)).collect();
        if same_kind.is_empty() {
            continue;
        }
        let matching: Vec<&&Threshold> =
            same_kind.iter().filter(|t| t.qty.equals(&m.qty)).collect();
        if matching.is_empty() {
            let mut compared: Vec<&str> = Vec::new();
            for t in &same_kind {
                if !compared.contains(&t.text.as_str()) {
                    compared.push(t.text.as_str());
                }
            }
            out.push(
                Diag::warning(
                    "policy::lint::number_disagrees",
                    (format!("{what} says {} but {against} {}", m.text, compared.join(", ")), format!("{}写的是 {}，但{}是 {}", crate::diag::zh_term(what), m.text, crate::diag::zh_term(against), compared.join("、"))),
                )
                .at(m.span)
                .label(("not the value compared", "并非比较所用的值"))
                .help((format!(
                    "make the words and the value agree: if {} is right, write it in the words; if the words are right, change the value to {}",
                    compared.join(" or "),
                    m.text
                ), format!("请使文字与数值一致：若 {} 正确，请在文字中写明；若文字正确，请将数值改为 {}", compared.join(" 或 "), m.text))),
            );
            continue;
        }
        let Some((word, wanted)) = m.word else {
            continue;
        };
        if matching.iter().any(|t| t.op == wanted) {
            continue;
        }
        let Some(t) = matching.first() else { continue };
        // Only strictness (or direction) disagreements: `=`/`!=` say nothing here.
        if !matches!(t.op, BinOp::Ge | BinOp::Gt | BinOp::Le | BinOp::Lt) {
            continue;
        }
        let hint = if inclusive(wanted) {
            "includes the number itself"
        } else {
            "excludes the number itself"
        };
        out.push(
            Diag::warning(
                "policy::lint::strictness_disagrees",
                (format!(
                    "{what} says “{}” ({word} {hint}) but the rule tests {}",
                    m.phrase,
                    op_words(t.op)
                ), format!("{}写的是“{}”（“{word}”{}），但规则检验的是{}", crate::diag::zh_term(what), m.phrase, if inclusive(wanted) { "包含本数" } else { "不含本数" }, op_words_zh(t.op))),
            )
            .at(m.span)
            .label((format!("{word} means {}", op_words(wanted)), format!("“{word}”意为{}", op_words_zh(wanted))))
            .help((format!(
                "以上、以下、以内、不少于、不低于、不超过 include the number (`>=`, `<=`); 高于、低于、超过、不足、不满 exclude it (`>`, `<`): write `{} {}`, or change the words",
                wanted.symbol(),
                t.written
            ), format!("以上、以下、以内、不少于、不低于、不超过包含本数（`>=`、`<=`）；高于、低于、超过、不足、不满不含本数（`>`、`<`）：请写作 `{} {}`，或修改文字", wanted.symbol(), t.written))),
        );
    }
}

/// A clause's rules, parameters and texts, wherever they stand.
struct ClauseParts<'a> {
    texts: Vec<&'a ast::Str>,
    rules: Vec<&'a ast::RuleDecl>,
    params: Vec<&'a ast::Parameter>,
}

fn clause_parts(items: &[ast::ClauseItem]) -> ClauseParts<'_> {
    let mut p = ClauseParts {
        texts: Vec::new(),
        rules: Vec::new(),
        params: Vec::new(),
    };
    for i in items {
        match i {
            ast::ClauseItem::Text(s) => p.texts.push(s),
            ast::ClauseItem::Rule(r) => p.rules.push(r),
            ast::ClauseItem::Parameter(x) => p.params.push(x),
            ast::ClauseItem::Definition(_) | ast::ClauseItem::NotAssessed(_) => {}
        }
    }
    p
}

/// All consistency warnings of a rule set.
pub fn lint(files: &[ParsedFile]) -> Vec<Diag> {
    let units = Units::new(files);
    let mut params = Params {
        by_name: HashMap::new(),
    };
    for f in files {
        for item in &f.ast.items {
            match item {
                ast::Item::Parameter(p) => {
                    params.by_name.insert(p.name.name.as_str(), p);
                }
                ast::Item::Article(a) => {
                    for ai in &a.items {
                        match ai {
                            ast::ArticleItem::Parameter(p) => {
                                params.by_name.insert(p.name.name.as_str(), p);
                            }
                            ast::ArticleItem::Clause(c) => {
                                for ci in &c.items {
                                    if let ast::ClauseItem::Parameter(p) = ci {
                                        params.by_name.insert(p.name.name.as_str(), p);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    // How each parameter is compared, anywhere in the rule set.
    let mut param_ops: HashMap<&str, Vec<BinOp>> = HashMap::new();
    let mut by_rule: Vec<(&ast::RuleDecl, Vec<Threshold>, &str)> = Vec::new();
    for f in files {
        for item in &f.ast.items {
            let ast::Item::Article(a) = item else {
                continue;
            };
            let mut rules: Vec<&ast::RuleDecl> = Vec::new();
            for ai in &a.items {
                match ai {
                    ast::ArticleItem::Rule(r) => rules.push(r),
                    ast::ArticleItem::Clause(c) => rules.extend(clause_parts(&c.items).rules),
                    _ => {}
                }
            }
            for r in rules {
                let mut ts = Vec::new();
                let mut used = Vec::new();
                thresholds(&units, &params, &r.body, &mut ts, &mut used, 0);
                for (n, op) in used {
                    param_ops.entry(n).or_default().push(op);
                }
                by_rule.push((r, ts, f.text));
            }
        }
    }
    // Rule titles against their own comparisons.
    for (r, ts, text) in &by_rule {
        let ms = mentions(&units, &r.title, text);
        let what = format!("the title of rule \"{}\"", r.title.value);
        compare_words(&ms, ts, &what, "the rule compares with", &mut out);
    }
    // Parameters' sources against their value and how they are compared.
    let mut seen: HashSet<*const ast::Parameter> = HashSet::new();
    for f in files {
        for p in params.by_name.values() {
            if p.span.file != f.file || !seen.insert(*p as *const _) {
                continue;
            }
            let Some((qty, shown)) = params.resolve(&units, &p.value, 0) else {
                continue;
            };
            let ops = param_ops.get(p.name.name.as_str());
            let ts: Vec<Threshold> = match ops {
                Some(ops) if !ops.is_empty() => ops
                    .iter()
                    .map(|op| Threshold {
                        op: *op,
                        qty,
                        text: shown.clone(),
                        written: p.name.name.clone(),
                    })
                    .collect(),
                // Not compared anywhere: only the value can be checked. `Eq` is ignored
                // by the strictness check.
                _ => vec![Threshold {
                    op: BinOp::Eq,
                    qty,
                    text: shown.clone(),
                    written: p.name.name.clone(),
                }],
            };
            for a in &p.annotations {
                if let ast::Annotation::Source(s) = a {
                    let ms = mentions(&units, s, f.text);
                    let what = format!("the source of parameter `{}`", p.name.name);
                    compare_words(&ms, &ts, &what, "the parameter is", &mut out);
                }
            }
        }
    }
    // Clause texts against every comparison of the clause, and clauses no decision uses.
    for f in files {
        for item in &f.ast.items {
            let ast::Item::Article(a) = item else {
                continue;
            };
            for ai in &a.items {
                let ast::ArticleItem::Clause(c) = ai else {
                    continue;
                };
                let parts = clause_parts(&c.items);
                let mut ts = Vec::new();
                let mut used = Vec::new();
                for r in &parts.rules {
                    thresholds(&units, &params, &r.body, &mut ts, &mut used, 0);
                }
                for p in &parts.params {
                    if let Some((qty, text)) = params.resolve(&units, &p.value, 0) {
                        ts.push(Threshold {
                            op: BinOp::Eq,
                            qty,
                            text: format!("{} = {text}", p.name.name),
                            written: p.name.name.clone(),
                        });
                    }
                }
                for s in &parts.texts {
                    let ms = mentions(&units, s, f.text);
                    let what = format!("the text of {}", clause_place(a, c));
                    compare_words(&ms, &ts, &what, "its rules compare with", &mut out);
                }
                untested_phrases(a, c, f.text, &mut out);
            }
            unused_clauses(a, &mut out);
        }
    }
    out
}

/// Clauses of an article with decisions that no decision of the article uses.
fn unused_clauses(a: &ast::Article, out: &mut Vec<Diag>) {
    let decisions: Vec<&ast::Decision> = a
        .items
        .iter()
        .filter_map(|i| match i {
            ast::ArticleItem::Decision(d) => Some(d),
            _ => None,
        })
        .collect();
    if decisions.is_empty() {
        return;
    }
    let mut refs: HashSet<String> = HashSet::new();
    let mut numbers: HashSet<u32> = HashSet::new();
    let mut stack: Vec<&ast::Expr> = decisions.iter().map(|d| &d.body).collect();
    let mut budget = 100_000usize;
    while let Some(e) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            return;
        }
        match &e.kind {
            ExprKind::ClauseRef(n) => {
                numbers.insert(*n);
            }
            ExprKind::ItemRef(n) => {
                numbers.extend(n.value());
            }
            ExprKind::Path(parts) => {
                if let Some(last) = parts.last() {
                    refs.insert(last.name.clone());
                }
            }
            _ => {}
        }
        stack.extend(children(e));
    }
    let names: Vec<String> = decisions
        .iter()
        .map(|d| format!("`{}`", d.name.name))
        .collect();
    for ai in &a.items {
        let ast::ArticleItem::Clause(c) = ai else {
            continue;
        };
        let own = match (&c.alias, &c.numeral) {
            (Some(x), _) => x.name.clone(),
            (None, Some(_)) => format!("item{}", c.number),
            (None, None) => format!("clause{}", c.number),
        };
        if numbers.contains(&c.number) || refs.contains(&own) {
            continue;
        }
        let (what, reference) = match &c.numeral {
            Some(n) => ("item", format!("item {}", n.text)),
            None => ("clause", format!("clause {}", c.number)),
        };
        out.push(
            Diag::warning(
                "policy::lint::unused_clause",
                (
                    format!(
                        "{} is not used by any decision of the {}",
                        clause_place(a, c),
                        match a.kind {
                            ast::PartKind::Article => "article",
                            ast::PartKind::Annex => "annex",
                        }
                    ),
                    format!(
                        "{}未被本{}的任何判定使用",
                        crate::diag::zh_term(&clause_place(a, c)),
                        match a.kind {
                            ast::PartKind::Article => "条",
                            ast::PartKind::Annex => "附件",
                        }
                    ),
                ),
            )
            .at(c.number_span)
            .label((
                format!("no decision uses this {what}"),
                format!("没有判定使用此{}", if what == "item" { "项" } else { "款" }),
            ))
            .help((
                format!(
                "add `{reference}` to {} (for example `all(…)` or `any(…)`), or remove the {what}",
                names.join(", ")
            ),
                format!(
                    "请将 `{reference}` 加入 {}（例如 `all(…)` 或 `any(…)`），或删除此{}",
                    names.join("、"),
                    if what == "item" { "项" } else { "款" }
                ),
            )),
        );
    }
}

/// The phrases of a clause text: the text split at `，；。：` (and their ASCII forms),
/// each with its byte range in the text, whitespace trimmed, empty pieces dropped.
pub fn phrases(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut push = |from: usize, to: usize| {
        if let Some(p) = text.get(from..to) {
            let trimmed = p.trim();
            if !trimmed.is_empty() {
                let lead = p.len() - p.trim_start().len();
                out.push((from + lead..from + lead + trimmed.len(), trimmed));
            }
        }
    };
    for (i, c) in text.char_indices() {
        if matches!(c, '，' | '；' | '。' | '：' | ',' | ';' | ':') {
            push(start, i);
            start = i + c.len_utf8();
        }
    }
    push(start, text.len());
    out
}

/// Text with every whitespace character removed, for comparing phrases.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a phrase of a clause's text is tested by one of its rules (it occurs in
/// the rule's title or `source`) or declared `not assessed`: the texts to search.
pub fn coverage(c: &ast::Clause) -> Vec<String> {
    let mut out = Vec::new();
    for i in &c.items {
        match i {
            ast::ClauseItem::Rule(r) => {
                out.push(squeeze(&r.title.value));
                for a in &r.annotations {
                    if let ast::Annotation::Source(s) = a {
                        out.push(squeeze(&s.value));
                    }
                }
            }
            ast::ClauseItem::NotAssessed(n) => out.push(squeeze(&n.phrase.value)),
            _ => {}
        }
    }
    out
}

/// `clause 2 of article 6`, `item 三 of annex 1`.
fn clause_place(a: &ast::Article, c: &ast::Clause) -> String {
    match &c.numeral {
        Some(n) => format!("item {} of {}", n.text, ast::part_name(a.key())),
        None => format!("clause {} of {}", c.number, ast::part_name(a.key())),
    }
}

/// Phrases of a clause's text that no rule tests and no `not assessed` declares.
fn untested_phrases(a: &ast::Article, c: &ast::Clause, file_text: &str, out: &mut Vec<Diag>) {
    let covered = coverage(c);
    let place = clause_place(a, c);
    let whole: String = c
        .items
        .iter()
        .filter_map(|i| match i {
            ast::ClauseItem::Text(t) => Some(squeeze(&t.value)),
            _ => None,
        })
        .collect();
    for item in &c.items {
        let ast::ClauseItem::NotAssessed(n) = item else {
            continue;
        };
        if !whole.contains(&squeeze(&n.phrase.value)) {
            out.push(
                Diag::warning(
                    "policy::lint::stale_not_assessed",
                    (format!(
                        "“{}” is declared not assessed, but the text of {place} does not say it",
                        n.phrase.value
                    ), format!("已声明“{}”留待评审，但{}的条文中没有这段文字", n.phrase.value, crate::diag::zh_term(&place))),
                )
                .at(n.phrase.span)
                .label(("the clause's text does not hold these words", "条文中没有这段文字"))
                .help(("copy the words exactly from the clause's `text` (a revised text may have changed them), or remove the declaration", "请从本款的 `text`（条文）中照原样复制文字（条文修订后可能已改动），或删除此声明")),
            );
        }
    }
    for item in &c.items {
        let ast::ClauseItem::Text(t) = item else {
            continue;
        };
        for (range, phrase) in phrases(&t.value) {
            let key = squeeze(phrase);
            if covered.iter().any(|h| h.contains(&key)) {
                continue;
            }
            out.push(
                Diag::warning(
                    "policy::lint::untested_phrase",
                    (format!("no rule of {place} tests “{phrase}”"), format!("{}中没有规则检验“{phrase}”", crate::diag::zh_term(&place))),
                )
                .at(span_in(t, file_text, range))
                .label(("no rule tests these words, and they are not declared not assessed", "规则未检验此句，也未声明留待评审"))
                .help((format!(
                    "if a rule tests it, quote it in that rule's title or add `source \"{phrase}\"` below the rule; \
                     if it is judged outside the rules, declare it in the clause: \
                     `not assessed \"{phrase}\" because \"…\"`"
                ), format!("如有规则检验此句，请在该规则的标题中引用，或在规则下加上 `source \"{phrase}\"`（中文关键字：`原文`）；如此句在规则之外评判，请在本款中声明：`not assessed \"{phrase}\" because \"…\"`（中文关键字：`不 留待评审`…`理由`）"))),
            );
        }
    }
}

#[cfg(test)]
mod phrase_tests {
    use super::phrases;

    #[test]
    fn split_at_chinese_and_ascii_punctuation() {
        let text = "集群能源消费结构合理， 资源利用效率较高；已建立机制。属于：x, y";
        let got: Vec<&str> = phrases(text).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            got,
            [
                "集群能源消费结构合理",
                "资源利用效率较高",
                "已建立机制",
                "属于",
                "x",
                "y"
            ]
        );
        for (r, p) in phrases(text) {
            assert_eq!(&text[r], p);
        }
        assert!(phrases("。，").is_empty());
    }
}
