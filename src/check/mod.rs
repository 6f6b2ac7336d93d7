//! The checker: from syntax trees to a [`Program`], before any facts are read.
//!
//! It resolves every name to an index (with "did you mean" when it cannot), gives
//! every expression a type and a unit, inserts explicit conversions between units of
//! one dimension, refuses to mix dimensions, and records which interpretations and
//! assumptions each decision relies on. All errors of all files are collected.
//!
//! User functions (`definition f(x: T) = …`) are checked at each call with the
//! argument types of that call and inlined, so a parameter typed `number` accepts any
//! unit and the result keeps the caller's units.

pub mod units;

use crate::diag::{Diag, Text};
use crate::ir::*;
use crate::syntax::ast::{self, BinOp, ExprKind as AK, Span};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use units::UnitTable;

/// A rule file: its index in the sources (spans carry it), its text and its tree.
pub struct ParsedFile<'a> {
    pub file: u32,
    pub text: &'a str,
    pub ast: &'a ast::File,
}

/// Check a rule set. On success the program and its warnings; on failure all diagnostics.
pub fn check(files: &[ParsedFile]) -> Result<(Program, Vec<Diag>), Vec<Diag>> {
    let mut c = Checker::new(files);
    c.run();
    let errors = c.diags.iter().any(|d| d.is_error());
    if errors {
        return Err(c.diags);
    }
    let diags = std::mem::take(&mut c.diags);
    Ok((c.finish(), diags))
}

const ANY_UNIT: UnitId = usize::MAX;
const MAX_EXPR_DEPTH: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    Busy,
    Done,
}

struct SlotDecl<'a> {
    kind: SlotKind,
    name: String,
    label: Option<String>,
    ty: Option<&'a ast::TypeExpr>,
    body: &'a ast::Expr,
    annotations: &'a [ast::Annotation],
    span: Span,
    article: Option<u32>,
}

struct DecisionDecl<'a> {
    body: Option<&'a ast::Expr>,
    ty: Option<&'a ast::TypeExpr>,
    annotations: &'a [ast::Annotation],
    article_no: u32,
}

struct Checker<'a> {
    files: &'a [ParsedFile<'a>],
    diags: Vec<Diag>,
    header: Option<Header>,
    units: UnitTable,
    enums: Vec<EnumDef>,
    enum_names: HashMap<String, EnumId>,
    records: Vec<RecordDef>,
    record_names: HashMap<String, RecordId>,
    facts: Vec<FactDef>,
    fact_names: crate::ir::NameIndex,
    fact_used: Vec<bool>,
    slot_decls: Vec<SlotDecl<'a>>,
    slot_names: HashMap<String, SlotId>,
    slot_state: Vec<State>,
    slots: Vec<Option<Slot>>,
    slot_used: Vec<bool>,
    /// Interpretations and assumptions a slot relies on, transitively.
    slot_annots: Vec<BTreeSet<AnnotId>>,
    functions: HashMap<String, (&'a ast::Definition, Option<u32>)>,
    fn_stack: Vec<String>,
    fn_annots: HashMap<String, Vec<AnnotId>>,
    /// Checked bodies of user functions, one per (function, argument types, stack
    /// depth, article): every call with the same key shares the body, so the program
    /// is a graph whose size grows with the rule text, not with the number of paths
    /// through it. With the interpretations and decisions the body uses.
    fn_bodies: HashMap<String, FnBody>,
    /// Parameters and definitions named while checking (for `FnBody::slots`).
    named_slots: BTreeSet<SlotId>,
    annotations: Vec<Annot>,
    articles: Vec<ArticleDef>,
    decision_decls: Vec<DecisionDecl<'a>>,
    decisions: Vec<DecisionDef>,
    decision_names: HashMap<String, DecisionId>,
    decision_state: Vec<State>,
    decision_annots: Vec<BTreeSet<AnnotId>>,
    // Context of the expression being checked.
    scope: Vec<(String, Ty)>,
    article: Option<u32>,
    used: BTreeSet<AnnotId>,
    used_dec: BTreeSet<DecisionId>,
    slot_dec: Vec<BTreeSet<DecisionId>>,
    decision_deps: Vec<BTreeSet<DecisionId>>,
    /// Clause decisions: the clause number.
    clause_of: HashMap<DecisionId, u32>,
    /// The chapter of each article, by article key (`chapter` items).
    chapter_of: HashMap<u32, ChapterDef>,
    depth: usize,
    /// Whether the expression being checked was already reported as nested too deeply.
    too_deep_noted: bool,
}

/// A checked function body shared between calls (see `Checker::fn_bodies`).
#[derive(Clone)]
pub(crate) struct FnBody {
    body: std::sync::Arc<Expr>,
    /// Whether the body calls or loops ([`Expr::loops`]), for every call that shares it.
    loops: bool,
    used: BTreeSet<AnnotId>,
    used_dec: BTreeSet<DecisionId>,
    /// The parameters and definitions it names: a call that reuses the body checks
    /// them again for cycles (`definition s = f(1)` with `f` naming `s`).
    slots: BTreeSet<SlotId>,
}

/// The saved expression context of [`Checker::enter`].
pub(crate) struct Saved {
    scope: Vec<(String, Ty)>,
    article: Option<u32>,
    used: BTreeSet<AnnotId>,
    used_dec: BTreeSet<DecisionId>,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Closest names to `name` among `candidates`, for "did you mean".
pub fn suggest<'s>(name: &str, candidates: impl Iterator<Item = &'s str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c.is_empty() {
            continue;
        }
        let score =
            strsim::normalized_levenshtein(name, c).max(strsim::jaro_winkler(name, c) - 0.1);
        if score >= 0.6 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

impl<'a> Checker<'a> {
    fn new(files: &'a [ParsedFile<'a>]) -> Self {
        Checker {
            files,
            diags: Vec::new(),
            header: None,
            units: UnitTable::default(),
            enums: Vec::new(),
            enum_names: HashMap::new(),
            records: Vec::new(),
            record_names: HashMap::new(),
            facts: Vec::new(),
            fact_names: crate::ir::NameIndex::default(),
            fact_used: Vec::new(),
            slot_decls: Vec::new(),
            slot_names: HashMap::new(),
            slot_state: Vec::new(),
            slots: Vec::new(),
            slot_used: Vec::new(),
            slot_annots: Vec::new(),
            functions: HashMap::new(),
            fn_stack: Vec::new(),
            fn_annots: HashMap::new(),
            fn_bodies: HashMap::new(),
            named_slots: BTreeSet::new(),
            annotations: Vec::new(),
            articles: Vec::new(),
            decision_decls: Vec::new(),
            decisions: Vec::new(),
            decision_names: HashMap::new(),
            decision_state: Vec::new(),
            decision_annots: Vec::new(),
            scope: Vec::new(),
            article: None,
            used: BTreeSet::new(),
            used_dec: BTreeSet::new(),
            slot_dec: Vec::new(),
            decision_deps: Vec::new(),
            clause_of: HashMap::new(),
            chapter_of: HashMap::new(),
            depth: 0,
            too_deep_noted: false,
        }
    }

    fn err(&mut self, d: Diag) {
        self.diags.push(d);
    }

    fn text_of(&self, span: Span) -> String {
        self.files
            .iter()
            .find(|f| f.file == span.file)
            .and_then(|f| f.text.get(span.range()))
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    /// Every global name, for suggestions.
    fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.fact_names.keys().cloned().collect();
        v.extend(self.slot_names.keys().cloned());
        v.extend(self.functions.keys().cloned());
        v.extend(self.decision_names.keys().cloned());
        v.extend(self.scope.iter().map(|(n, _)| n.clone()));
        v.sort();
        v
    }

    fn duplicate(&mut self, what: &str, name: &str, span: Span, first: Option<Span>) {
        let mut d = Diag::error(
            "policy::check::duplicate",
            (
                format!("{what} `{name}` is declared twice"),
                format!("{} `{name}` 重复声明", crate::diag::zh_term(what)),
            ),
        )
        .at(span)
        .label(("declared again here", "在此再次声明"))
        .help((
            "give each a different name, or remove one",
            "请为二者取不同的名称，或删去其一",
        ));
        if let Some(f) = first {
            d = d.related(f, ("first declared here", "首次声明于此"));
        }
        self.err(d);
    }

    // ── declarations ────────────────────────────────────────────────────────

    fn run(&mut self) {
        let files = self.files;
        // Pass 1: header, units, enums, records.
        for f in files {
            for item in &f.ast.items {
                match item {
                    ast::Item::Policy(h) => self.header_decl(h),
                    ast::Item::Dimension(d) => self.dimension(d),
                    ast::Item::Enum(e) => self.enum_decl(e),
                    _ => {}
                }
            }
        }
        for f in files {
            for item in &f.ast.items {
                if let ast::Item::Record(r) = item {
                    self.record_name(r);
                }
            }
        }
        for f in files {
            for item in &f.ast.items {
                if let ast::Item::Record(r) = item {
                    self.record_fields(r);
                }
            }
        }
        // Pass 2: facts, parameters, definitions (names only), decisions (names only).
        for f in files {
            for item in &f.ast.items {
                match item {
                    ast::Item::Fact(fd) => self.fact_decl(fd),
                    ast::Item::Parameter(p) => self.param_decl(p, None),
                    ast::Item::Definition(d) => self.def_decl(d, None),
                    _ => {}
                }
            }
        }
        let mut arts: Vec<&'a ast::Article> = files
            .iter()
            .flat_map(|f| f.ast.items.iter())
            .filter_map(|i| match i {
                ast::Item::Article(a) => Some(a),
                _ => None,
            })
            .collect();
        self.chapters(files);
        arts.sort_by_key(|a| a.key());
        let mut seen: HashMap<u32, Span> = HashMap::new();
        for a in &arts {
            if let Some(first) = seen.get(&a.key()).copied() {
                match a.kind {
                    ast::PartKind::Article => {
                        self.duplicate("article", &a.number.to_string(), a.number_span, Some(first))
                    }
                    ast::PartKind::Annex if a.number == 0 => self.err(
                        Diag::error(
                            "policy::check::duplicate",
                            ("the rule set has two annexes without a number", "规则集中有两个未编号的附件"),
                        )
                        .at(a.span)
                        .label(("declared again here", "在此再次声明"))
                        .related(first, ("first declared here", "首次声明于此"))
                        .help(("number the annexes (`annex 1 \"…\"`, `annex 2 \"…\"`) as the document does", "请像文件原文那样为附件编号（`annex 1 \"…\"`、`annex 2 \"…\"`；中文关键字写作 `附件1 \"…\"`）")),
                    ),
                    ast::PartKind::Annex => {
                        self.duplicate("annex", &a.number.to_string(), a.number_span, Some(first))
                    }
                }
                continue;
            }
            seen.insert(a.key(), a.number_span);
            self.article_decls(a, seen.len() - 1);
        }
        if self.header.is_none() {
            let span = files
                .first()
                .map(|f| Span::new(f.file, 0, 0))
                .unwrap_or_default();
            self.err(
                Diag::error(
                    "policy::check::no_header",
                    ("the rule set has no `policy` header", "规则集中没有 `policy`（政策）文件头"),
                )
                .at(span)
                .help(("add a `policy \"title\" { document \"…\" in_force YYYY-MM-DD to YYYY-MM-DD }` block to one rule file", "请在某个规则文件中加上 `policy \"标题\" { document \"…\" in_force YYYY-MM-DD to YYYY-MM-DD }`（中文关键字：`政策 \"标题\" { 文号 \"…\" 施行 YYYY-MM-DD 至 YYYY-MM-DD }`）")),
            );
        }
        // Pass 3: check every slot, article and decision.
        for i in 0..self.slot_decls.len() {
            self.ensure_slot(i);
        }
        for a in &arts {
            if self.articles.iter().any(|x| x.key() == a.key()) {
                continue;
            }
            let art = self.article(a);
            self.articles.push(art);
        }
        for i in 0..self.decisions.len() {
            self.ensure_decision(i);
        }
        self.cycles_through_conditions_and_clauses();
        // Functions never called are still checked once, with their declared types.
        let fns: Vec<(String, &'a ast::Definition, Option<u32>)> = self
            .functions
            .iter()
            .map(|(k, (d, a))| (k.clone(), *d, *a))
            .collect();
        let mut fns = fns;
        fns.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, d, art) in fns {
            self.check_function_alone(d, art);
        }
        self.unused_warnings();
    }

    fn header_decl(&mut self, h: &ast::PolicyHeader) {
        if let Some(prev) = &self.header {
            let first = prev.span;
            self.err(
                Diag::error(
                    "policy::check::duplicate",
                    (
                        "the rule set has two `policy` headers",
                        "规则集中有两个 `policy`（政策）文件头",
                    ),
                )
                .at(h.span)
                .related(first, ("first header", "第一个文件头"))
                .help((
                    "keep one `policy` block in the whole folder",
                    "整个文件夹只保留一个 `policy`（政策）块",
                )),
            );
            return;
        }
        let (versions, diags) = versions::versions(h);
        self.diags.extend(diags);
        let first = versions.first().cloned();
        self.header = Some(Header {
            title: h.title.value.clone(),
            version: first.as_ref().and_then(|v| v.name.clone()),
            document: first.as_ref().and_then(|v| v.document.clone()),
            issued_by: first.as_ref().and_then(|v| v.issued_by.clone()),
            issued_on: first.as_ref().and_then(|v| v.issued_on),
            in_force: first.as_ref().map_or(Period::ALWAYS, |v| v.in_force),
            in_force_source: first.as_ref().and_then(|v| v.in_force_source.clone()),
            applies: first.as_ref().map_or(Period::ALWAYS, |v| v.in_force),
            // The block; `versions::check_versions` points it at the applied version.
            span: h.span,
            versions,
        });
    }

    fn dimension(&mut self, d: &ast::Dimension) {
        let base = self.units.base_dims.len();
        self.units.base_dims.push(d.name.name.clone());
        self.units.bare_dims.push(d.bare_numbers);
        let mut base_unit: Option<UnitId> = None;
        for u in &d.units {
            if self.units.find(&u.name.name).is_some() {
                self.duplicate("unit", &u.name.name, u.name.span, None);
                continue;
            }
            if is_duration_unit(&u.name.name) {
                self.err(
                    Diag::error(
                        "policy::check::reserved_unit",
                        (
                            format!("`{}` is a unit of time and cannot be declared", u.name.name),
                            format!("`{}` 是时间单位，不能声明", u.name.name),
                        ),
                    )
                    .at(u.name.span)
                    .help((
                        "durations (years, months, days) are built in",
                        "期限单位（年、月、日）已内置",
                    )),
                );
                continue;
            }
            let scale = match (&u.of, base_unit) {
                (None, None) => Decimal::ONE,
                (None, Some(_)) => {
                    self.err(
                        Diag::error(
                            "policy::check::bad_unit",
                            (
                                format!("unit `{}` needs its size in another unit", u.name.name),
                                format!("单位 `{}` 须以另一单位给出大小", u.name.name),
                            ),
                        )
                        .at(u.span)
                        .help((
                            format!(
                            "only the first unit of a dimension stands alone; write `{} = N {}`",
                            u.name.name,
                            base_unit
                                .and_then(|b| self.units.get(b))
                                .map(|x| x.name.clone())
                                .unwrap_or_default()
                        ),
                            format!(
                                "仅量纲的第一个单位可单独声明；请写作 `{} = N {}`",
                                u.name.name,
                                base_unit
                                    .and_then(|b| self.units.get(b))
                                    .map(|x| x.name.clone())
                                    .unwrap_or_default()
                            ),
                        )),
                    );
                    continue;
                }
                (Some(of), _) => {
                    let Some(of_id) = self
                        .units
                        .find(&of.name)
                        .filter(|id| self.units.dim(*id) == vec![(base, 1)])
                    else {
                        let names: Vec<String> =
                            self.units.units.iter().map(|u| u.name.clone()).collect();
                        let mut diag = Diag::error(
                            "policy::check::unknown_unit",
                            (
                                format!(
                                    "unit `{}` is not an earlier unit of dimension `{}`",
                                    of.name, d.name.name
                                ),
                                format!(
                                    "单位 `{}` 不是量纲 `{}` 中在前声明的单位",
                                    of.name, d.name.name
                                ),
                            ),
                        )
                        .at(of.span);
                        if let Some(s) = suggest(&of.name, names.iter().map(|s| s.as_str())) {
                            diag = diag.help((
                                format!("did you mean `{s}`?"),
                                format!("是否应为 `{s}`？"),
                            ));
                        } else {
                            diag = diag.help((
                                "declare the unit it refers to first",
                                "请先声明它所引用的单位",
                            ));
                        }
                        self.err(diag);
                        continue;
                    };
                    if u.factor <= Decimal::ZERO {
                        self.err(
                            Diag::error(
                                "policy::check::bad_unit",
                                ("a unit's size must be positive", "单位的大小必须为正数"),
                            )
                            .at(u.factor_span)
                            .help((
                                "write how many of the other unit make one of this unit",
                                "请写明多少个另一单位合为一个此单位",
                            )),
                        );
                        continue;
                    }
                    match self.units.scale(of_id).checked_mul(u.factor) {
                        Some(s) => s,
                        None => {
                            self.err(
                                Diag::error(
                                    "policy::check::overflow",
                                    ("the unit is too large", "单位过大"),
                                )
                                .at(u.factor_span)
                                .help(("use a smaller factor", "请使用较小的倍数")),
                            );
                            continue;
                        }
                    }
                }
            };
            self.units.units.push(Unit {
                name: u.name.name.clone(),
                dim: vec![(base, 1)],
                scale,
            });
            if base_unit.is_none() {
                base_unit = Some(self.units.units.len() - 1);
            }
        }
    }

    fn enum_decl(&mut self, e: &ast::EnumDecl) {
        if self.enum_names.contains_key(&e.name.name) {
            self.duplicate("enumeration", &e.name.name, e.name.span, None);
            return;
        }
        let mut variants: Vec<(String, Option<String>)> = Vec::new();
        for v in &e.variants {
            if variants.iter().any(|(n, _)| *n == v.name.name) {
                self.duplicate("variant", &v.name.name, v.name.span, None);
                continue;
            }
            variants.push((
                v.name.name.clone(),
                v.label.as_ref().map(|l| l.value.clone()),
            ));
        }
        self.enum_names
            .insert(e.name.name.clone(), self.enums.len());
        self.enums.push(EnumDef {
            name: e.name.name.clone(),
            label: e.label.as_ref().map(|l| l.value.clone()),
            ordered: e.ordered,
            variants,
        });
    }

    fn record_name(&mut self, r: &ast::RecordDecl) {
        if self.record_names.contains_key(&r.name.name)
            || self.enum_names.contains_key(&r.name.name)
        {
            self.duplicate("type", &r.name.name, r.name.span, None);
            return;
        }
        self.record_names
            .insert(r.name.name.clone(), self.records.len());
        self.records.push(RecordDef {
            name: r.name.name.clone(),
            label: r.label.as_ref().map(|l| l.value.clone()),
            fields: Vec::new(),
        });
    }

    fn record_fields(&mut self, r: &ast::RecordDecl) {
        let Some(&id) = self.record_names.get(&r.name.name) else {
            return;
        };
        if self.records.get(id).is_some_and(|x| !x.fields.is_empty()) {
            return;
        }
        let mut fields = Vec::new();
        for f in &r.fields {
            if fields.iter().any(|x: &FieldDef| x.name == f.name.name) {
                self.duplicate("field", &f.name.name, f.name.span, None);
                continue;
            }
            let ty = self.resolve_type(&f.ty, false);
            if let Ty::Record(inner) = ty.strip_none() {
                if *inner == id {
                    self.err(
                        Diag::error(
                            "policy::check::recursive_type",
                            (
                                format!("record `{}` contains itself", r.name.name),
                                format!("记录 `{}` 包含自身", r.name.name),
                            ),
                        )
                        .at(f.ty.span)
                        .help((
                            "a record field cannot have the record's own type",
                            "记录的字段不能是记录本身的类型",
                        )),
                    );
                    continue;
                }
            }
            fields.push(FieldDef {
                name: f.name.name.clone(),
                label: f.label.as_ref().map(|l| l.value.clone()),
                ty,
                optional: f.ty.optional,
                or_none: f.ty.or_none,
            });
        }
        if let Some(rec) = self.records.get_mut(id) {
            rec.fields = fields;
        }
    }

    /// Resolve a written type. `param` allows `number` to stand for any unit.
    fn resolve_type(&mut self, t: &ast::TypeExpr, param: bool) -> Ty {
        let base = self.resolve_base(&t.base, param);
        if t.or_none {
            Ty::OrNone(Box::new(base))
        } else {
            base
        }
    }

    fn resolve_base(&mut self, b: &ast::BaseType, param: bool) -> Ty {
        match b {
            ast::BaseType::List(i) => Ty::List(Box::new(self.resolve_base(i, param))),
            ast::BaseType::Series(i) => Ty::Series(Box::new(self.resolve_base(i, param))),
            ast::BaseType::Text => Ty::Text,
            ast::BaseType::Count(None) => Ty::Count(UNIT_ONE),
            ast::BaseType::Count(Some(u)) => match self.unit_term(u) {
                Some(id) => Ty::Count(id),
                None => Ty::Error,
            },
            ast::BaseType::Named(u) => {
                if u.rest.is_empty() {
                    let n = u.first.name.as_str();
                    match n {
                        "bool" => return Ty::Bool,
                        "date" => return Ty::Date,
                        "year" => return Ty::Count(UNIT_ONE),
                        "duration" => return Ty::Duration,
                        "number" => return Ty::Num(if param { ANY_UNIT } else { UNIT_ONE }),
                        _ => {}
                    }
                    if let Some(&e) = self.enum_names.get(n) {
                        return Ty::Enum(e);
                    }
                    if let Some(&r) = self.record_names.get(n) {
                        return Ty::Record(r);
                    }
                }
                match self.unit_term(u) {
                    Some(id) => Ty::Num(id),
                    None => Ty::Error,
                }
            }
        }
    }

    fn unit_named(&mut self, id: &ast::Ident) -> Option<UnitId> {
        if let Some(u) = self.units.find(&id.name) {
            return Some(u);
        }
        let mut names: Vec<String> = self.units.units.iter().map(|u| u.name.clone()).collect();
        names.extend(["bool", "date", "text", "year", "number", "duration"].map(String::from));
        names.extend(self.enum_names.keys().cloned());
        names.extend(self.record_names.keys().cloned());
        let mut d = Diag::error(
            "policy::check::unknown_unit",
            (
                format!("unknown unit or type `{}`", id.name),
                format!("未知的单位或类型 `{}`", id.name),
            ),
        )
        .at(id.span)
        .label(("not declared", "未声明"));
        d = match suggest(&id.name, names.iter().map(|s| s.as_str())) {
            Some(s) => d.help((format!("did you mean `{s}`?"), format!("是否应为 `{s}`？"))),
            None => d.help((
                "declare it in a `dimension`, an `enum` or a `record`",
                "请在 `dimension`（量纲）、`enum`（分类）或 `record`（记录）中声明",
            )),
        };
        self.err(d);
        None
    }

    fn unit_term(&mut self, u: &ast::UnitTerm) -> Option<UnitId> {
        let mut acc = self.unit_named(&u.first)?;
        for (op, name) in &u.rest {
            let next = self.unit_named(name)?;
            acc = self.units.product(acc, next, *op == ast::UnitOp::Div)?;
        }
        Some(acc)
    }

    fn fact_decl(&mut self, f: &ast::FactDecl) {
        if let Some(&first) = self.fact_names.get(&f.name.name) {
            let fs = self.facts.get(first).map(|x| x.span);
            self.duplicate("fact", &f.name.name, f.name.span, fs);
            return;
        }
        let ty = self.resolve_type(&f.ty, false);
        self.fact_names
            .insert(f.name.name.clone(), self.facts.len());
        self.fact_used.push(false);
        self.facts.push(FactDef {
            name: f.name.name.clone(),
            label: f.label.as_ref().map(|l| l.value.clone()),
            ty,
            span: f.name.span,
        });
    }

    fn name_taken(&self, name: &str) -> Option<Span> {
        if let Some(&i) = self.slot_names.get(name) {
            return self.slot_decls.get(i).map(|d| d.span);
        }
        if let Some((d, _)) = self.functions.get(name) {
            return Some(d.name.span);
        }
        if let Some(&i) = self.fact_names.get(name) {
            return self.facts.get(i).map(|f| f.span);
        }
        None
    }

    fn param_decl(&mut self, p: &'a ast::Parameter, article: Option<u32>) {
        if let Some(first) = self.name_taken(&p.name.name) {
            self.duplicate("name", &p.name.name, p.name.span, Some(first));
            return;
        }
        self.slot_names
            .insert(p.name.name.clone(), self.slot_decls.len());
        self.slot_decls.push(SlotDecl {
            kind: SlotKind::Parameter,
            name: p.name.name.clone(),
            label: p.label.as_ref().map(|l| l.value.clone()),
            ty: p.ty.as_ref(),
            body: &p.value,
            annotations: &p.annotations,
            span: p.name.span,
            article,
        });
        self.push_slot_state();
    }

    fn push_slot_state(&mut self) {
        self.slot_state.push(State::Todo);
        self.slots.push(None);
        self.slot_used.push(false);
        self.slot_annots.push(BTreeSet::new());
        self.slot_dec.push(BTreeSet::new());
    }

    fn def_decl(&mut self, d: &'a ast::Definition, article: Option<u32>) {
        if let Some(first) = self.name_taken(&d.name.name) {
            self.duplicate("name", &d.name.name, d.name.span, Some(first));
            return;
        }
        if d.params.is_some() {
            self.functions.insert(d.name.name.clone(), (d, article));
            return;
        }
        self.slot_names
            .insert(d.name.name.clone(), self.slot_decls.len());
        self.slot_decls.push(SlotDecl {
            kind: SlotKind::Definition,
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            ty: d.ty.as_ref(),
            body: &d.body,
            annotations: &d.annotations,
            span: d.name.span,
            article,
        });
        self.push_slot_state();
    }

    fn add_decision(&mut self, name: String, def: DecisionDef, decl: DecisionDecl<'a>, span: Span) {
        if let Some(&first) = self.decision_names.get(&name) {
            let fs = self.decisions.get(first).map(|d| d.span);
            self.duplicate("decision", &name, span, fs);
            return;
        }
        self.decision_names.insert(name, self.decisions.len());
        self.decisions.push(def);
        self.decision_decls.push(decl);
        self.decision_state.push(State::Todo);
        self.decision_annots.push(BTreeSet::new());
        self.decision_deps.push(BTreeSet::new());
    }

    /// Register an article's names: its parameters, definitions and decisions.
    fn article_decls(&mut self, a: &'a ast::Article, art_index: usize) {
        let mut clauses_seen: Vec<u32> = Vec::new();
        for item in &a.items {
            if let ast::ArticleItem::Clause(c) = item {
                // A repeated clause number is reported once, when the article is checked.
                if clauses_seen.contains(&c.number) {
                    continue;
                }
                clauses_seen.push(c.number);
            }
            match item {
                ast::ArticleItem::Parameter(p) => self.param_decl(p, Some(a.key())),
                ast::ArticleItem::Definition(d) => self.def_decl(d, Some(a.key())),
                ast::ArticleItem::Clause(c) => {
                    for ci in &c.items {
                        match ci {
                            ast::ClauseItem::Parameter(p) => self.param_decl(p, Some(a.key())),
                            ast::ClauseItem::Definition(d) => self.def_decl(d, Some(a.key())),
                            _ => {}
                        }
                    }
                    let name = format!("{}.{}", ast::part_prefix(a.key()), clause_short(c));
                    if !self.decision_names.contains_key(&name) {
                        self.clause_of.insert(self.decisions.len(), c.number);
                    }
                    let def = DecisionDef {
                        name: name.clone(),
                        label: c.title.as_ref().map(|t| t.value.clone()),
                        article: art_index,
                        kind: DecisionKind::Clause(usize::MAX),
                        ty: Ty::Bool,
                        span: c.span,
                        annotations: Vec::new(),
                    };
                    self.add_decision(
                        name,
                        def,
                        DecisionDecl {
                            body: None,
                            ty: None,
                            annotations: &[],
                            article_no: a.key(),
                        },
                        c.number_span,
                    );
                }
                ast::ArticleItem::Decision(d) => {
                    let name = format!("{}.{}", ast::part_prefix(a.key()), d.name.name);
                    let def = DecisionDef {
                        name: name.clone(),
                        label: d.label.as_ref().map(|t| t.value.clone()),
                        article: art_index,
                        kind: DecisionKind::Expr(placeholder(d.span)),
                        ty: Ty::Error,
                        span: d.span,
                        annotations: Vec::new(),
                    };
                    self.add_decision(
                        name,
                        def,
                        DecisionDecl {
                            body: Some(&d.body),
                            ty: d.ty.as_ref(),
                            annotations: &d.annotations,
                            article_no: a.key(),
                        },
                        d.name.span,
                    );
                }
                _ => {}
            }
        }
    }

    // ── annotations ─────────────────────────────────────────────────────────

    fn record_annotations(&mut self, owner: &str, anns: &[ast::Annotation]) -> Vec<AnnotId> {
        let mut ids = Vec::new();
        for a in anns {
            let (kind, s) = match a {
                ast::Annotation::Source(s) => (AnnotKind::Source, s),
                ast::Annotation::Interpretation(s) => (AnnotKind::Interpretation, s),
                ast::Annotation::Assumption(s) => (AnnotKind::Assumption, s),
            };
            self.annotations.push(Annot {
                kind,
                text: s.value.clone(),
                owner: owner.to_string(),
                span: s.span,
            });
            ids.push(self.annotations.len() - 1);
        }
        ids
    }

    fn relied_on(&self, ids: &[AnnotId]) -> std::vec::IntoIter<AnnotId> {
        ids.iter()
            .copied()
            .filter(|i| {
                self.annotations
                    .get(*i)
                    .is_some_and(|a| a.kind != AnnotKind::Source)
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    // ── slots and decisions, on demand ─────────────────────────────────────

    fn ensure_slot(&mut self, id: SlotId) -> Ty {
        match self.slot_state.get(id).copied() {
            Some(State::Done) => {
                return self
                    .slots
                    .get(id)
                    .and_then(|s| s.as_ref())
                    .map(|s| s.ty.clone())
                    .unwrap_or(Ty::Error)
            }
            Some(State::Busy) => {
                let (name, span) = self
                    .slot_decls
                    .get(id)
                    .map(|d| (d.name.clone(), d.span))
                    .unwrap_or_default();
                self.err(
                    Diag::error(
                        "policy::check::cycle",
                        (format!("`{name}` is defined in terms of itself"), format!("`{name}` 的定义引用了自身")),
                    )
                    .at(span)
                    .help(("break the cycle: a definition cannot use itself, directly or through others", "请打破循环：定义不能直接或间接地引用自身")),
                );
                return Ty::Error;
            }
            Some(State::Todo) => {}
            None => return Ty::Error,
        }
        if let Some(s) = self.slot_state.get_mut(id) {
            *s = State::Busy;
        }
        let Some(decl) = self.slot_decls.get(id) else {
            return Ty::Error;
        };
        let (body, tyann, anns, name, label, kind, span, article) = (
            decl.body,
            decl.ty,
            decl.annotations,
            decl.name.clone(),
            decl.label.clone(),
            decl.kind,
            decl.span,
            decl.article,
        );
        let saved = self.enter(article);
        let mut e = self.expr(body);
        if let Some(t) = tyann {
            let want = self.resolve_type(t, false);
            e = self.coerce(e, &want, body.span);
        }
        let own = self.record_annotations(&name, anns);
        let (mut used, used_dec) = self.leave_all(saved);
        used.extend(self.relied_on(&own).collect::<Vec<_>>());
        if let Some(s) = self.slot_dec.get_mut(id) {
            *s = used_dec;
        }
        let ty = e.ty.clone();
        if let Some(s) = self.slots.get_mut(id) {
            *s = Some(Slot {
                name,
                label,
                kind,
                ty: ty.clone(),
                body: e,
                span,
                annotations: own,
                dated: None,
            });
        }
        if let Some(s) = self.slot_annots.get_mut(id) {
            *s = used;
        }
        if let Some(s) = self.slot_state.get_mut(id) {
            *s = State::Done;
        }
        ty
    }

    /// Enter a fresh expression context (no locals) in an article.
    fn enter(&mut self, article: Option<u32>) -> Saved {
        let saved = Saved {
            scope: std::mem::take(&mut self.scope),
            article: self.article,
            used: std::mem::take(&mut self.used),
            used_dec: std::mem::take(&mut self.used_dec),
        };
        self.article = article;
        saved
    }

    /// Leave a context: the interpretations it relied on directly, and the
    /// decisions it used (whose own interpretations are added at the end).
    fn leave_all(&mut self, saved: Saved) -> (BTreeSet<AnnotId>, BTreeSet<DecisionId>) {
        let used = std::mem::replace(&mut self.used, saved.used);
        let used_dec = std::mem::replace(&mut self.used_dec, saved.used_dec);
        self.scope = saved.scope;
        self.article = saved.article;
        (used, used_dec)
    }

    /// Leave a context whose interpretations nobody relies on (a function never called),
    /// keeping the decisions it used.
    fn leave(&mut self, saved: Saved) {
        let (_, used_dec) = self.leave_all(saved);
        self.used_dec.extend(used_dec);
    }

    /// A decision that depends on itself through an article's or a clause's condition or
    /// a clause's rules, which are checked apart from the decisions that use them (a
    /// cycle through decisions' own expressions is found as they are checked). Without
    /// this, such a rule set would be evaluated in an order that decides the answer.
    /// Reported once per cycle, at the first decision of the rule set on it.
    fn cycles_through_conditions_and_clauses(&mut self) {
        if self.diags.iter().any(|d| d.code == "policy::check::cycle") {
            return; // already reported where it was found
        }
        let n = self.decision_deps.len();
        let mut mark = vec![State::Todo; n];
        for start in 0..n {
            if mark.get(start) != Some(&State::Todo) {
                continue;
            }
            // Depth first, without recursion: (decision, its dependencies still to see).
            let mut path: Vec<(DecisionId, Vec<DecisionId>)> = Vec::new();
            let deps = |c: &Self, id: DecisionId| -> Vec<DecisionId> {
                c.decision_deps
                    .get(id)
                    .map(|s| s.iter().rev().copied().collect())
                    .unwrap_or_default()
            };
            if let Some(m) = mark.get_mut(start) {
                *m = State::Busy;
            }
            path.push((start, deps(self, start)));
            while let Some((_, todo)) = path.last_mut() {
                let Some(next) = todo.pop() else {
                    if let Some((done, _)) = path.pop() {
                        if let Some(m) = mark.get_mut(done) {
                            *m = State::Done;
                        }
                    }
                    continue;
                };
                match mark.get(next).copied() {
                    Some(State::Todo) => {
                        if let Some(m) = mark.get_mut(next) {
                            *m = State::Busy;
                        }
                        let d = deps(self, next);
                        path.push((next, d));
                    }
                    Some(State::Busy) => {
                        let from = path.iter().position(|(id, _)| *id == next).unwrap_or(0);
                        let on: Vec<DecisionId> =
                            path.iter().skip(from).map(|(id, _)| *id).collect();
                        self.report_cycle(&on);
                        return;
                    }
                    _ => {}
                }
            }
        }
    }

    /// `policy::check::cycle` for the decisions `on`, each depending on the next and the
    /// last on the first.
    fn report_cycle(&mut self, on: &[DecisionId]) {
        let first = on.iter().copied().min().unwrap_or_default();
        let names: Vec<String> = on
            .iter()
            .chain(on.first())
            .filter_map(|&id| self.decisions.get(id).map(|d| format!("`{}`", d.name)))
            .collect();
        let (name, span) = self
            .decisions
            .get(first)
            .map(|d| (d.name.clone(), d.span))
            .unwrap_or_default();
        let chain = names.join(" → ");
        self.err(
            Diag::error(
                "policy::check::cycle",
                (
                    format!("decision `{name}` depends on itself: {chain}"),
                    format!("判定 `{name}` 依赖于自身：{chain}"),
                ),
            )
            .at(span)
            .help((
                "break the cycle between the decisions: an article's condition, a clause's \
                 condition and its rules may not use a decision that relies on them",
                "请打破判定之间的循环：条的适用条件、项的适用条件和规则，不能使用依赖于它们的判定",
            )),
        );
    }

    fn ensure_decision(&mut self, id: DecisionId) -> Ty {
        match self.decision_state.get(id).copied() {
            Some(State::Done) | None => {
                return self
                    .decisions
                    .get(id)
                    .map(|d| d.ty.clone())
                    .unwrap_or(Ty::Error)
            }
            Some(State::Busy) => {
                let (name, span) = self
                    .decisions
                    .get(id)
                    .map(|d| (d.name.clone(), d.span))
                    .unwrap_or_default();
                self.err(
                    Diag::error(
                        "policy::check::cycle",
                        (
                            format!("decision `{name}` depends on itself"),
                            format!("判定 `{name}` 依赖于自身"),
                        ),
                    )
                    .at(span)
                    .help((
                        "break the cycle between the decisions",
                        "请打破判定之间的循环",
                    )),
                );
                return Ty::Error;
            }
            Some(State::Todo) => {}
        }
        let Some(decl) = self.decision_decls.get(id) else {
            return Ty::Error;
        };
        let Some(body) = decl.body else {
            // Clause decisions are bool and filled in when their article is checked.
            if let Some(s) = self.decision_state.get_mut(id) {
                *s = State::Done;
            }
            return Ty::Bool;
        };
        let (tyann, anns, art) = (decl.ty, decl.annotations, decl.article_no);
        if let Some(s) = self.decision_state.get_mut(id) {
            *s = State::Busy;
        }
        let name = self
            .decisions
            .get(id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let saved = self.enter(Some(art));
        let mut e = self.expr(body);
        if let Some(t) = tyann {
            let want = self.resolve_type(t, false);
            e = self.coerce(e, &want, body.span);
        }
        let own = self.record_annotations(&name, anns);
        let (mut used, used_dec) = self.leave_all(saved);
        used.extend(self.relied_on(&own).collect::<Vec<_>>());
        if let Some(s) = self.decision_deps.get_mut(id) {
            s.extend(used_dec);
        }
        if let Some(d) = self.decisions.get_mut(id) {
            d.ty = e.ty.clone();
            d.kind = DecisionKind::Expr(e);
        }
        if let Some(s) = self.decision_annots.get_mut(id) {
            *s = used;
        }
        if let Some(s) = self.decision_state.get_mut(id) {
            *s = State::Done;
        }
        self.decisions
            .get(id)
            .map(|d| d.ty.clone())
            .unwrap_or(Ty::Error)
    }
}

fn placeholder(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Bool(false),
        ty: Ty::Error,
        span,
    }
}

pub fn is_duration_unit(name: &str) -> bool {
    duration_unit(name).is_some()
}

/// (years, months, days) of one unit of a duration word.
pub fn duration_unit(name: &str) -> Option<(i32, i32, i32)> {
    Some(match name {
        "year" | "years" | "年" => (1, 0, 0),
        "month" | "months" | "个月" => (0, 1, 0),
        "day" | "days" | "日" | "天" => (0, 0, 1),
        _ => return None,
    })
}

mod articles;
use articles::clause_short;
mod calls;
mod exprs;
pub mod versions;
