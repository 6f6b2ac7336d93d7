//! Facts files: JSON, YAML or TOML, read into typed values for one cluster.
//!
//! [`raw`] parses the text into a tree that keeps every number's exact digits and
//! every node's place; [`load`] types that tree against the rule set's fact
//! declarations; a plain JSON file is first read by [`quick`], straight into typed
//! facts, and only what that reading cannot take goes through the tree. A number never passes through a binary float: `0.1` is one tenth.
//! A missing fact is not an error (it makes what depends on it undetermined); a fact
//! of the wrong type is, and names the fact and its place in the file.

pub mod csv;
pub mod quick;
pub mod raw;
pub mod table;

use crate::diag::{zh_term, Diag, Text};
use crate::eval::{Facts, List, Record, Series, Value, Why, V};
use crate::ir::*;
use crate::syntax::ast::Span;
use chrono::NaiveDate;
use raw::{Raw, RawKind};
use rust_decimal::Decimal;
use std::sync::Arc;

pub use raw::Format;

/// The most facts (top-level entries) one facts file may hold.
pub const MAX_FACTS: usize = 10_000;
/// The most elements in one list or series.
pub const MAX_ITEMS: usize = 100_000;
/// The most errors reported for one facts file; reading stops at the limit.
pub const MAX_ERRORS: usize = 100;
/// The most warnings (unknown facts and fields) listed for one facts file; the rest are
/// counted in one last warning.
pub const MAX_WARNINGS: usize = 20;
/// Names longer than this (in characters) get no did-you-mean suggestion: no declared
/// name is that long, and comparing costs the product of the lengths.
pub const MAX_SUGGEST_CHARS: usize = 64;
/// User text quoted in a message is cut to this many characters.
const MAX_QUOTED_CHARS: usize = 80;

/// Read a facts file. `file` is the index of its text in the diagnostics' sources.
/// Errors stop the cluster; warnings (unknown facts) do not.
pub fn load(
    program: &Program,
    format: Format,
    text: &str,
    file: u32,
) -> Result<(Facts, Vec<Diag>), Vec<Diag>> {
    // Most files are plain: read them straight into facts; the full reading (a spanned
    // tree, then typing it) is for the rest, and says what is wrong.
    if format == Format::Json {
        if let Some(facts) = quick::read(program, text) {
            return Ok((facts, Vec::new()));
        }
    }
    load_full(program, format, text, file)
}

/// [`load`] without the quick reading: for text the quick reading has already left.
pub fn load_full(
    program: &Program,
    format: Format,
    text: &str,
    file: u32,
) -> Result<(Facts, Vec<Diag>), Vec<Diag>> {
    let tree = raw::parse(format, text).map_err(|errs| {
        errs.into_iter()
            .map(|e| {
                let code = match e.code {
                    "facts::duplicate_key" => "policy::facts::duplicate_key",
                    "facts::too_deep" => "policy::facts::too_deep",
                    "facts::not_an_object" => "policy::facts::not_an_object",
                    "facts::too_large" => "policy::facts::too_large",
                    "facts::encoding" => "policy::facts::encoding",
                    _ => "policy::facts::syntax",
                };
                let mut d =
                    Diag::error(code, e.message).at(Span::new(file, e.span.start, e.span.end));
                if let Some(h) = e.help {
                    d = d.help(*h);
                } else {
                    d = d.help((
                        "fix the file's syntax; the place is marked",
                        "请修正文件语法；出错位置已标出",
                    ));
                }
                if let Some(r) = e.related {
                    d = d.related(
                        Span::new(file, r.start, r.end),
                        ("first given here", "首次出现于此"),
                    );
                }
                d
            })
            .collect::<Vec<_>>()
    })?;
    load_tree(program, &tree, file)
}

/// Type an already parsed tree (a CSV row, say) against the rule set's facts.
/// Spans in `tree` index the text of `file`.
pub fn load_tree(
    program: &Program,
    tree: &Raw,
    file: u32,
) -> Result<(Facts, Vec<Diag>), Vec<Diag>> {
    let mut l = Loader {
        p: program,
        file,
        errors: Vec::new(),
        warnings: Vec::new(),
        facts: Facts::none(program.facts.len()),
        given: vec![false; program.facts.len()],
        unlisted: 0,
        first_unlisted: None,
    };
    l.object(tree, "");
    if l.unlisted > 0 {
        let n = l.unlisted;
        let mut d = Diag::warning(
            "policy::facts::unknown_fact",
            (
                format!(
                    "… and {n} more unknown fact{} or field{}, not listed",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "" } else { "s" }
                ),
                format!("……另有 {n} 个未知事实或字段，未逐一列出"),
            ),
        )
        .help((
            format!(
                "unknown facts and fields are ignored; only the first {MAX_WARNINGS} are listed"
            ),
            format!("未知的事实和字段已忽略；只列出前 {MAX_WARNINGS} 个"),
        ));
        if let Some(span) = l.first_unlisted {
            d = d.at(span).label(("the first not listed", "第一个未列出的"));
        }
        l.warnings.push(d);
    }
    if l.errors.is_empty() {
        Ok((l.facts, l.warnings))
    } else {
        let mut all = l.errors;
        all.extend(l.warnings);
        Err(all)
    }
}

/// Where a value stands in the facts file (`incidents[2].severity`), for messages.
/// It is formatted only when a message or a missing-fact detail needs it.
#[derive(Clone, Copy)]
enum Place<'a> {
    Fact(&'a str),
    Item(&'a Place<'a>, usize),
    Year(&'a Place<'a>, i32),
    Field(&'a Place<'a>, &'a str),
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Fact(n) => f.write_str(n),
            Place::Item(p, i) => write!(f, "{p}[{i}]"),
            Place::Year(p, y) => write!(f, "{p}[{y}]"),
            Place::Field(p, n) => write!(f, "{p}.{n}"),
        }
    }
}

struct Loader<'p> {
    p: &'p Program,
    file: u32,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
    facts: Facts,
    /// Facts already read (also when null), to refuse one given twice.
    given: Vec<bool>,
    /// Warnings past [`MAX_WARNINGS`], counted but not listed, and where the first was.
    unlisted: usize,
    first_unlisted: Option<Span>,
}

/// A did-you-mean suggestion among `candidates`, or none for a name too long to be a
/// misspelling of one (which also bounds the cost of comparing).
pub(crate) fn suggest<'s>(name: &str, candidates: impl Iterator<Item = &'s str>) -> Option<String> {
    if name.len() > 4 * MAX_SUGGEST_CHARS || name.chars().count() > MAX_SUGGEST_CHARS {
        return None;
    }
    crate::check::suggest(name, candidates)
}

/// User text for a message: cut to [`MAX_QUOTED_CHARS`] characters, with `…` when cut.
pub(crate) fn quoted(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)).into(),
        None => s.into(),
    }
}

fn kind_name(r: &Raw) -> &'static str {
    match &r.kind {
        RawKind::Null => "null",
        RawKind::Bool(_) => "a yes/no value",
        RawKind::Number(_) => "a number",
        RawKind::String(_) => "a text",
        RawKind::Array(_) => "a list",
        RawKind::Object(_) => "an object",
    }
}

/// Full-width digits and punctuation typed by a Chinese input method.
fn has_full_width(s: &str) -> bool {
    s.chars()
        .any(|c| ('０'..='９').contains(&c) || matches!(c, '．' | '％' | '－' | '，'))
}

impl<'p> Loader<'p> {
    fn span(&self, r: &Raw) -> Span {
        Span::new(self.file, r.span.start, r.span.end)
    }

    fn error(&mut self, code: &'static str, msg: impl Into<Text>, at: &Raw, help: impl Into<Text>) {
        let span = self.span(at);
        self.push_error(Diag::error(code, msg).at(span).help(help));
    }

    /// Whether the error limit is reached: the caller stops reading.
    fn full(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    fn push_error(&mut self, d: Diag) {
        if !self.full() {
            self.errors.push(d);
        }
    }

    /// A warning at `span`, made only if it will be listed.
    fn warn(&mut self, span: Span, make: impl FnOnce() -> Diag) {
        if self.warnings.len() >= MAX_WARNINGS {
            self.unlisted += 1;
            self.first_unlisted.get_or_insert(span);
            return;
        }
        self.warnings.push(make().at(span));
    }

    fn object(&mut self, r: &Raw, prefix: &str) {
        let RawKind::Object(entries) = &r.kind else {
            return;
        };
        if entries.len() > MAX_FACTS {
            self.error(
                "policy::facts::too_many",
                (
                    format!(
                        "the facts file has {} entries, more than the limit of {MAX_FACTS}",
                        entries.len()
                    ),
                    format!("事实文件有 {} 项，超过 {MAX_FACTS} 项的上限", entries.len()),
                ),
                r,
                (
                    "split the file: one cluster per facts file",
                    "请拆分文件：每个事实文件只放一个集群",
                ),
            );
            return;
        }
        for (key, value) in entries {
            if self.full() {
                return;
            }
            let found = if prefix.is_empty() {
                self.p.fact_id(&key.name)
            } else {
                self.p.fact_id(&format!("{prefix}.{}", key.name))
            };
            if let Some(id) = found {
                self.fact(id, value);
                continue;
            }
            let name = if prefix.is_empty() {
                key.name.clone()
            } else {
                format!("{prefix}.{}", key.name)
            };
            // `{"cluster": {"name": …}}` is the same as `{"cluster.name": …}`.
            if self.p.is_fact_group(&name) {
                match value.kind {
                    RawKind::Object(_) => self.object(value, &name),
                    RawKind::Null => {} // the whole group absent
                    _ => {
                        let nested = format!("{name}.");
                        let group: Vec<&str> = self
                            .p
                            .facts
                            .iter()
                            .filter(|f| f.name.starts_with(&nested))
                            .map(|f| f.name.as_str())
                            .collect();
                        // `"recognition": "2024-03-15"` for `recognition.date`: say so rather
                        // than ignore it as an unknown fact (which would hide the date).
                        let fields: Vec<String> = group
                            .iter()
                            .map(|f| format!("`{}`", f.get(nested.len()..).unwrap_or(f)))
                            .collect();
                        let found = kind_name(value);
                        self.error(
                            "policy::facts::wrong_type",
                            (format!("`{name}` should be an object of facts, found {found}"), format!("`{name}` 应为由事实组成的对象，实际是{}", zh_term(found))),
                            value,
                            (format!(
                                "write `{name}` as an object with {}, or use the dotted name, e.g. `{}`",
                                fields.join(", "),
                                group.first().copied().unwrap_or_default()
                            ), format!(
                                "请把 `{name}` 写成含有 {} 的对象，或使用带点的名称，如 `{}`",
                                fields.join("、"),
                                group.first().copied().unwrap_or_default()
                            )),
                        );
                    }
                }
                continue;
            }
            let p = self.p;
            self.warn(Span::new(self.file, key.span.start, key.span.end), || {
                let names = p.facts.iter().map(|f| f.name.as_str());
                let help: Text = match suggest(&name, names) {
                    Some(s) => (
                        format!("did you mean `{s}`? unknown facts are ignored"),
                        format!("是否应为 `{s}`？未知事实已忽略"),
                    )
                        .into(),
                    None => (
                        "unknown facts are ignored; see the fact declarations in the rule files",
                        "未知事实已忽略；请查看规则文件中的事实声明",
                    )
                        .into(),
                };
                Diag::warning(
                    "policy::facts::unknown_fact",
                    (
                        format!("unknown fact `{}`", quoted(&name)),
                        format!("未知事实 `{}`", quoted(&name)),
                    ),
                )
                .label(("not declared in the rule files", "规则文件中没有声明此事实"))
                .help(help)
            });
        }
    }

    fn fact(&mut self, id: FactId, r: &Raw) {
        let Some(def) = self.p.facts.get(id) else {
            return;
        };
        // `{"cluster.name": …, "cluster": {"name": …}}` gives one fact twice.
        if self.given.get(id).copied().unwrap_or(false) {
            self.error(
                "policy::facts::duplicate_key",
                (
                    format!("the fact `{}` is given twice", def.name),
                    format!("事实 `{}` 重复给出", def.name),
                ),
                r,
                (
                    "give each fact once, either as `a.b` or nested as `a: {b: …}`",
                    "每项事实只给一次：写作 `a.b`，或嵌套写作 `a: {b: …}`",
                ),
            );
            return;
        }
        if let Some(g) = self.given.get_mut(id) {
            *g = true;
        }
        if matches!(r.kind, RawKind::Null) {
            return; // null: absent, unknown
        }
        if let Some(v) = self.value(&def.ty, r, &Place::Fact(&def.name), Some(id)) {
            if let Some(slot) = self.facts.values.get_mut(id) {
                *slot = Some(v);
            }
        }
    }

    fn type_error(&mut self, what: &Place<'_>, want: &str, r: &Raw, help: impl Into<Text>) {
        let found = kind_name(r);
        self.error(
            "policy::facts::wrong_type",
            (
                format!("`{what}` should be {want}, found {found}"),
                format!("`{what}` 应为{}，实际是{}", zh_term(want), zh_term(found)),
            ),
            r,
            help,
        );
    }

    /// Read a value of type `ty`. `what` names it for messages (`incidents[2].date`).
    fn value(
        &mut self,
        ty: &Ty,
        r: &Raw,
        what: &Place<'_>,
        origin: Option<FactId>,
    ) -> Option<Value> {
        match ty {
            Ty::Bool => match r.kind {
                RawKind::Bool(b) => Some(Value::Bool(b)),
                _ => {
                    self.type_error(
                        what,
                        "true or false",
                        r,
                        (
                            "write `true` or `false` (without quotes)",
                            "请写 `true` 或 `false`（不加引号）",
                        ),
                    );
                    None
                }
            },
            Ty::Num(u) => self.number(*u, false, r, what).map(Value::Num),
            Ty::Count(u) => self.number(*u, true, r, what).map(Value::Num),
            Ty::Date => match &r.kind {
                RawKind::String(s) => self.date(s, r, what).map(Value::Date),
                _ => {
                    self.type_error(
                        what,
                        "a date",
                        r,
                        (
                            "write the date as \"YYYY-MM-DD\"",
                            "日期请写作 \"YYYY-MM-DD\"",
                        ),
                    );
                    None
                }
            },
            Ty::Text => match &r.kind {
                RawKind::String(s) => Some(Value::Text(s.as_str().into())),
                _ => {
                    self.type_error(
                        what,
                        "a text",
                        r,
                        ("put the text in quotes", "请给文本加上引号"),
                    );
                    None
                }
            },
            Ty::Enum(e) => self.category(*e, r, what),
            Ty::Record(rid) => self.record(*rid, r, what, origin),
            Ty::List(inner) => {
                let RawKind::Array(items) = &r.kind else {
                    self.type_error(
                        what,
                        "a list",
                        r,
                        (
                            "write a list: [ … ] (an empty list [] means there are none)",
                            "请写成列表：[ … ]（空列表 [] 表示没有）",
                        ),
                    );
                    return None;
                };
                if items.len() > MAX_ITEMS {
                    self.error(
                        "policy::facts::too_many",
                        (
                            format!(
                                "`{what}` has {} elements, more than the limit of {MAX_ITEMS}",
                                items.len()
                            ),
                            format!(
                                "`{what}` 有 {} 个元素，超过 {MAX_ITEMS} 个的上限",
                                items.len()
                            ),
                        ),
                        r,
                        (
                            "split the cluster's records or check the file",
                            "请拆分该集群的记录，或检查文件",
                        ),
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    if self.full() {
                        return None;
                    }
                    let w = Place::Item(what, i + 1);
                    // A list element's origin carries its position, for messages.
                    let v = match inner.as_ref() {
                        Ty::Record(rid) => self.record_at(*rid, item, &w, origin, i + 1),
                        t => self.value(t, item, &w, origin),
                    };
                    match v {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then(|| Value::List(Arc::new(List { origin, items: out })))
            }
            Ty::Series(inner) => {
                let RawKind::Object(entries) = &r.kind else {
                    self.type_error(
                        what,
                        "figures by year",
                        r,
                        (
                            "write an object keyed by year: {\"2022\": 31.5, \"2023\": 33.0}",
                            "请写成以年份为键的对象：{\"2022\": 31.5, \"2023\": 33.0}",
                        ),
                    );
                    return None;
                };
                let mut out: Vec<(i32, Value)> = Vec::new();
                // Years already given (`"2024"` and `" 2024"` are the same year).
                let mut seen = YearsSeen::default();
                let mut ok = true;
                for (k, v) in entries {
                    if self.full() {
                        return None;
                    }
                    let year = k.name.trim();
                    let y = if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
                        year.parse::<i32>().ok()
                    } else {
                        None
                    };
                    let Some(y) = y else {
                        let span = Span::new(self.file, k.span.start, k.span.end);
                        let help = if has_full_width(year) {
                            (
                                "the year is written with full-width digits; use ASCII digits",
                                "年份用了全角数字；请改用半角（ASCII）数字",
                            )
                        } else {
                            (
                                "each key of a series is a year of four digits, such as \"2024\"",
                                "逐年序列的每个键都应是四位数的年份，如 \"2024\"",
                            )
                        };
                        self.push_error(
                            Diag::error(
                                "policy::facts::bad_year",
                                (
                                    format!("`{}` in `{what}` is not a year", quoted(&k.name)),
                                    format!("`{what}` 中的 `{}` 不是年份", quoted(&k.name)),
                                ),
                            )
                            .at(span)
                            .help(help),
                        );
                        ok = false;
                        continue;
                    };
                    if !seen.insert(y) {
                        let span = Span::new(self.file, k.span.start, k.span.end);
                        self.push_error(
                            Diag::error(
                                "policy::facts::duplicate_key",
                                (
                                    format!("year {y} of `{what}` is given twice"),
                                    format!("`{what}` 的 {y} 年数据重复"),
                                ),
                            )
                            .at(span)
                            .help(("give each year once", "每年只给一次")),
                        );
                        ok = false;
                        continue;
                    }
                    if matches!(v.kind, RawKind::Null) {
                        continue; // a year without a figure
                    }
                    match self.value(inner, v, &Place::Year(what, y), origin) {
                        Some(x) => out.push((y, x)),
                        None => ok = false,
                    }
                }
                ok.then(|| series(origin, out))
            }
            Ty::OrNone(inner) => {
                if matches!(r.kind, RawKind::Null) {
                    Some(Value::None)
                } else {
                    self.value(inner, r, what, origin)
                }
            }
            Ty::Duration | Ty::MonthDay | Ty::NoneLit | Ty::Error => {
                self.type_error(
                    what,
                    "a value of a kind facts cannot hold",
                    r,
                    (
                        "declare the fact with another type",
                        "请为该事实声明另一种类型",
                    ),
                );
                None
            }
        }
    }

    fn record_at(
        &mut self,
        rid: RecordId,
        r: &Raw,
        what: &Place<'_>,
        origin: Option<FactId>,
        index: usize,
    ) -> Option<Value> {
        let v = self.record(rid, r, what, origin)?;
        if let Value::Record(rec) = v {
            let mut rec = (*rec).clone();
            rec.origin = origin.map(|o| (o, index));
            return Some(Value::Record(Arc::new(rec)));
        }
        Some(v)
    }

    fn record(
        &mut self,
        rid: RecordId,
        r: &Raw,
        what: &Place<'_>,
        origin: Option<FactId>,
    ) -> Option<Value> {
        let def = self.p.records.get(rid)?;
        let RawKind::Object(entries) = &r.kind else {
            let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
            self.type_error(
                what,
                "a record",
                r,
                (
                    format!("write an object with the fields {}", names.join(", ")),
                    format!("请写成含有字段 {} 的对象", names.join("、")),
                ),
            );
            return None;
        };
        let mut fields: Vec<V> = Vec::with_capacity(def.fields.len());
        let mut ok = true;
        for f in &def.fields {
            let w = Place::Field(what, &f.name);
            let given = entries
                .iter()
                .find(|(k, _)| k.name == f.name)
                .map(|(_, v)| v);
            let v = match given {
                Some(v) if !matches!(v.kind, RawKind::Null) => {
                    match self.value(&f.ty, v, &w, origin) {
                        Some(x) => V::Known(x),
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
                _ if f.or_none => V::Known(Value::None),
                _ if f.optional => match origin {
                    Some(o) => V::why(Why::missing(o, w.to_string())),
                    None => V::reason(format!("{w} is not given")),
                },
                _ => {
                    let span = self.span(r);
                    let label = f.label.clone().unwrap_or_default();
                    self.push_error(
                        Diag::error(
                            "policy::facts::missing_field",
                            (
                                format!("`{what}` has no `{}`", f.name),
                                format!("`{what}` 缺少 `{}`", f.name),
                            ),
                        )
                        .at(span)
                        .help((
                            format!(
                                "add the field `{}` ({label}); every entry of this kind needs it",
                                f.name
                            ),
                            format!("请加上字段 `{}`（{label}）；此类条目都必须有该字段", f.name),
                        )),
                    );
                    ok = false;
                    continue;
                }
            };
            fields.push(v);
        }
        for (k, _) in entries {
            if !def.fields.iter().any(|f| f.name == k.name) {
                self.warn(Span::new(self.file, k.span.start, k.span.end), || {
                    let names = def.fields.iter().map(|f| f.name.as_str());
                    let help = match suggest(&k.name, names) {
                        Some(s) => Text::from((
                            format!("did you mean `{s}`? the field is ignored"),
                            format!("是否应为 `{s}`？此字段已忽略"),
                        )),
                        None => Text::from(("the field is ignored", "此字段已忽略")),
                    };
                    Diag::warning(
                        "policy::facts::unknown_field",
                        (
                            format!("`{what}` has an unknown field `{}`", quoted(&k.name)),
                            format!("`{what}` 中有未知字段 `{}`", quoted(&k.name)),
                        ),
                    )
                    .help(help)
                });
            }
        }
        ok.then(|| {
            Value::Record(Arc::new(Record {
                origin: None,
                fields,
            }))
        })
    }

    fn category(&mut self, e: EnumId, r: &Raw, what: &Place<'_>) -> Option<Value> {
        let def = self.p.enums.get(e)?;
        let RawKind::String(s) = &r.kind else {
            let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
            self.type_error(
                what,
                "a category",
                r,
                (
                    format!("write one of: {}", names.join(", ")),
                    format!("请写以下之一：{}", names.join("、")),
                ),
            );
            return None;
        };
        let s = s.trim();
        if let Some(i) = def.variant(s) {
            return Some(Value::Enum(i));
        }
        let names: Vec<String> = def.variants.iter().map(|(n, _)| n.clone()).collect();
        let help = match suggest(s, names.iter().map(|x| x.as_str())) {
            Some(x) => Text::from((
                format!("did you mean `{x}`? the values are: {}", names.join(", ")),
                format!("是否应为 `{x}`？取值有：{}", names.join("、")),
            )),
            None => Text::from((
                format!("the values are: {}", names.join(", ")),
                format!("取值有：{}", names.join("、")),
            )),
        };
        self.error(
            "policy::facts::unknown_category",
            (
                format!("`{}` is not a known value of `{what}`", quoted(s)),
                format!("`{}` 不是 `{what}` 的已知取值", quoted(s)),
            ),
            r,
            help,
        );
        None
    }

    fn date(&mut self, s: &str, r: &Raw, what: &Place<'_>) -> Option<NaiveDate> {
        let t = s.trim();
        if is_date_shaped(t) {
            if let Some(d) = parse_date(t) {
                return Some(d);
            }
            self.error(
                "policy::facts::bad_date",
                (
                    format!("`{t}` in `{what}` is not a date in the calendar"),
                    format!("`{what}` 中的 `{t}` 不是日历上的日期"),
                ),
                r,
                (
                    "check the month (1–12) and the day (the month's length; 29 February only in leap years)",
                    "请检查月份（1–12）和日期（不超过当月天数；2月29日只在闰年有）",
                ),
            );
            return None;
        }
        let help = if has_full_width(t) {
            (
                "the date has full-width characters; write ASCII digits as YYYY-MM-DD",
                "日期中有全角字符；请用半角（ASCII）数字写作 YYYY-MM-DD",
            )
        } else {
            (
                "write the date as YYYY-MM-DD, such as 2025-04-10",
                "日期请写作 YYYY-MM-DD，如 2025-04-10",
            )
        };
        self.error(
            "policy::facts::bad_date",
            (
                format!("`{t}` in `{what}` is not a date of the form YYYY-MM-DD"),
                format!("`{what}` 中的 `{t}` 不是 YYYY-MM-DD 格式的日期"),
            ),
            r,
            help,
        );
        None
    }

    /// A number in the declared unit `unit`: bare, or a string with a unit.
    fn number(&mut self, unit: UnitId, whole: bool, r: &Raw, what: &Place<'_>) -> Option<Decimal> {
        let p = self.p;
        let plain;
        let declared = match p.units.get(unit) {
            Some(u) => u,
            None => {
                plain = Unit {
                    name: String::new(),
                    dim: Vec::new(),
                    scale: Decimal::ONE,
                };
                &plain
            }
        };
        let (digits, unit_text): (&str, &str) = match &r.kind {
            RawKind::Number(n) => (n, ""),
            RawKind::String(s) => {
                let s = s.trim();
                if has_full_width(s) {
                    self.error(
                        "policy::facts::full_width",
                        (
                            format!("`{s}` in `{what}` has full-width digits or punctuation"),
                            format!("`{what}` 中的 `{s}` 含全角数字或标点"),
                        ),
                        r,
                        (
                            "retype the number with ASCII digits (switch the input method to half-width), such as \"30亿元\"",
                            "请用半角（ASCII）数字重新输入（将输入法切换为半角），如 \"30亿元\"",
                        ),
                    );
                    return None;
                }
                let end = s
                    .char_indices()
                    .find(|(i, c)| {
                        !(c.is_ascii_digit()
                            || *c == '.'
                            || ((*c == '-' || *c == '+') && *i == 0)
                            || *c == 'e'
                            || *c == 'E')
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(s.len());
                let (num, rest) = s.split_at(end);
                // `1,000` or `12,5`: a separator, not a unit.
                if rest.starts_with([',', '，'])
                    && rest.chars().nth(1).is_some_and(|c| c.is_ascii_digit())
                {
                    self.error(
                        "policy::facts::bad_number",
                        (
                            format!("`{s}` in `{what}` is not a number"),
                            format!("`{what}` 中的 `{s}` 不是数"),
                        ),
                        r,
                        (
                            "write the number without thousands separators, with `.` for decimals: 1000 or 12.5",
                            "数字不加千位分隔符，小数点用 `.`：如 1000 或 12.5",
                        ),
                    );
                    return None;
                }
                (num, rest.trim())
            }
            _ => {
                let u = if declared.name.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", declared.name)
                };
                self.type_error(
                    what,
                    &format!("a number{u}"),
                    r,
                    (
                        "write a number, or a text with its unit such as \"30亿元\"",
                        "请写一个数，或带单位的文本，如 \"30亿元\"",
                    ),
                );
                return None;
            }
        };
        let value = match parse_decimal(digits) {
            Ok(v) => v,
            Err(NumError::TooLarge) => {
                self.error(
                    "policy::facts::number_too_large",
                    (
                        format!("`{digits}` in `{what}` is too large or too precise for an exact decimal"),
                        format!("`{what}` 中的 `{digits}` 过大或过于精确，精确小数无法容纳"),
                    ),
                    r,
                    (
                        "exact decimals hold 28 significant digits; use a larger unit (亿元 instead of 元)",
                        "精确小数最多 28 位有效数字；请使用较大的单位（如用亿元代替元）",
                    ),
                );
                return None;
            }
            Err(NumError::Bad) => {
                let help = if digits.contains(',') {
                    (
                        "write the number without thousands separators",
                        "数字请勿加千位分隔符",
                    )
                } else {
                    (
                        "write a plain number, such as 30.5, optionally followed by a unit",
                        "请写一个数，如 30.5，后面可加单位",
                    )
                };
                self.error(
                    "policy::facts::bad_number",
                    {
                        let shown = if digits.is_empty() { unit_text } else { digits };
                        (
                            format!("`{shown}` in `{what}` is not a number"),
                            format!("`{what}` 中的 `{shown}` 不是数"),
                        )
                    },
                    r,
                    help,
                );
                return None;
            }
        };
        let value = if unit_text.is_empty() || unit_text == declared.name {
            value
        } else {
            let found = self
                .p
                .units
                .iter()
                .find(|u| u.name == unit_text && u.dim == declared.dim);
            let Some(found) = found else {
                let same: Vec<&str> = self
                    .p
                    .units
                    .iter()
                    .filter(|u| u.dim == declared.dim && !u.name.is_empty())
                    .map(|u| u.name.as_str())
                    .collect();
                let want = if declared.name.is_empty() {
                    "a plain number".to_string()
                } else {
                    declared.name.clone()
                };
                self.error(
                    "policy::facts::bad_unit",
                    (
                        format!("`{unit_text}` is not a unit for `{what}`, which is in {want}"),
                        format!(
                            "`{unit_text}` 不是 `{what}` 的单位，`{what}` 以{}计",
                            zh_term(&want)
                        ),
                    ),
                    r,
                    if same.is_empty() {
                        Text::from(("write the number without a unit", "请写不带单位的数"))
                    } else {
                        Text::from((
                            format!("use one of: {}", same.join(", ")),
                            format!("请使用以下单位之一：{}", same.join("、")),
                        ))
                    },
                );
                return None;
            };
            // Exact or refused: `0.000000000000000000001元` in 亿元 would need 29 decimal
            // places, and rounding it to 0亿元 would change what is compared.
            let factor = found
                .scale
                .checked_div(declared.scale)
                .filter(|f| exact_mul(*f, declared.scale) == Ok(found.scale));
            match factor.map(|f| exact_mul(value, f)) {
                Some(Ok(v)) => v,
                Some(Err(Inexact::TooPrecise)) => {
                    self.error(
                        "policy::facts::too_precise",
                        (
                            format!(
                                "`{}` in `{what}` cannot be converted to {} exactly: it would need more than 28 decimal places",
                                quoted(&format!("{digits}{unit_text}")),
                                declared.name
                            ),
                            format!(
                                "`{what}` 中的 `{}` 无法精确换算为{}：需要超过 28 位小数",
                                quoted(&format!("{digits}{unit_text}")),
                                declared.name
                            ),
                        ),
                        r,
                        (
                            format!(
                                "exact decimals hold 28 decimal places and are never rounded; check the figure, or give it in {}",
                                declared.name
                            ),
                            format!(
                                "精确小数最多 28 位小数，从不舍入；请检查数字，或改以{}给出",
                                declared.name
                            ),
                        ),
                    );
                    return None;
                }
                Some(Err(Inexact::TooLarge)) | None => {
                    self.error(
                        "policy::facts::number_too_large",
                        (
                            format!(
                                "`{}` in `{what}` is too large in {}",
                                quoted(&format!("{digits}{unit_text}")),
                                declared.name
                            ),
                            format!(
                                "`{what}` 中的 `{}` 以{}计过大",
                                quoted(&format!("{digits}{unit_text}")),
                                declared.name
                            ),
                        ),
                        r,
                        (
                            "use a smaller number or a larger unit",
                            "请使用较小的数或较大的单位",
                        ),
                    );
                    return None;
                }
            }
        };
        if whole {
            if value.fract() != Decimal::ZERO {
                self.error(
                    "policy::facts::not_whole",
                    (
                        format!("`{what}` is a count, but `{value}` is not a whole number"),
                        format!("`{what}` 是计数，但 `{value}` 不是整数"),
                    ),
                    r,
                    ("write a whole number", "请写整数"),
                );
                return None;
            }
            if value.is_sign_negative() && !value.is_zero() {
                self.error(
                    "policy::facts::negative",
                    (
                        format!("`{what}` is a count and cannot be negative"),
                        format!("`{what}` 是计数，不能为负"),
                    ),
                    r,
                    ("write zero or a positive whole number", "请写零或正整数"),
                );
                return None;
            }
        }
        // -0 is 0.
        Some(if value.is_zero() {
            Decimal::ZERO.max(value.abs())
        } else {
            value
        })
    }
}

/// A series of the fact `origin` from its figures by year, in any order.
fn series(origin: Option<FactId>, mut entries: Vec<(i32, Value)>) -> Value {
    entries.sort_by_key(|(y, _)| *y);
    Value::Series(Arc::new(Series { origin, entries }))
}

/// Whether `t` is written YYYY-MM-DD (ten characters, digits and two dashes).
fn is_date_shaped(t: &str) -> bool {
    t.len() == 10
        && t.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A date written exactly YYYY-MM-DD that exists in the calendar; `None` otherwise
/// (`2025-6-30`, `2024-02-30`). Facts files, case files and `--as-of` all read dates so.
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    date_of_bytes(t.as_bytes())
}

/// [`parse_date`] of ten bytes as they stand (ASCII digits and two dashes, or nothing):
/// the quick reading reads a date where it is in the line.
pub(crate) fn date_of_bytes(b: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
        return None;
    };
    let year = i32::try_from(ascii_digits(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, ascii_digits(&[m0, m1])?, ascii_digits(&[d0, d1])?)
}

/// The number written by `digits`, each an ASCII digit; `None` for any other byte.
pub(crate) fn ascii_digits(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Why a product is not an exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inexact {
    /// More than 28 significant digits before the point.
    TooLarge,
    /// More than 28 decimal places.
    TooPrecise,
}

/// `a × b` exactly, or why it cannot be held exactly. (`Decimal::checked_mul` rounds a
/// product with more than 28 decimal places instead of failing.)
fn exact_mul(a: Decimal, b: Decimal) -> Result<Decimal, Inexact> {
    let (a, b) = (a.normalize(), b.normalize());
    let mut m = a
        .mantissa()
        .checked_mul(b.mantissa())
        .ok_or(Inexact::TooLarge)?;
    let mut scale = a.scale().saturating_add(b.scale());
    loop {
        if scale <= 28 {
            if let Ok(d) = Decimal::try_from_i128_with_scale(m, scale) {
                return Ok(d);
            }
        }
        // Trailing zeros of the digits can be dropped without changing the value.
        if scale > 0 && m % 10 == 0 {
            m /= 10;
            scale -= 1;
            continue;
        }
        return Err(if scale > 28 {
            Inexact::TooPrecise
        } else {
            Inexact::TooLarge
        });
    }
}

enum NumError {
    Bad,
    TooLarge,
}

/// The exact decimal a number's text denotes.
fn parse_decimal(s: &str) -> Result<Decimal, NumError> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.is_empty() {
        return Err(NumError::Bad);
    }
    let body = t.strip_prefix('-').unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i).unwrap_or(""), body.get(i + 1..)),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let valid = !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    if !valid {
        return Err(NumError::Bad);
    }
    // Exact or refused: never rounded. The digits are kept as written (`28.40` shows as
    // 28.40); only when that is too long are trailing zeros of the fraction dropped.
    let m = t.split(['e', 'E']).next().unwrap_or("");
    let base = match Decimal::from_str_exact(m) {
        Ok(d) => d,
        Err(_) if m.contains('.') => {
            Decimal::from_str_exact(m.trim_end_matches('0').trim_end_matches('.'))
                .map_err(|_| NumError::TooLarge)?
        }
        Err(_) => return Err(NumError::TooLarge),
    };
    match exp {
        None => Ok(base),
        Some(e) => {
            let e: i64 = e.parse().map_err(|_| NumError::Bad)?;
            if e.abs() > 28 {
                return Err(NumError::TooLarge);
            }
            let mut v = base;
            let ten = Decimal::TEN;
            for _ in 0..e.abs() {
                v = if e > 0 {
                    v.checked_mul(ten)
                } else {
                    v.checked_div(ten)
                }
                .ok_or(NumError::TooLarge)?;
            }
            Ok(v)
        }
    }
}

/// A number written plainly — an optional `-`, at most 28 digits, an optional fraction,
/// no exponent — read straight to its decimal, the digits as written (`28.40` keeps
/// its two places), as [`parse_decimal`] reads it; `None` for anything else.
fn plain_decimal(s: &str) -> Option<Decimal> {
    let (neg, body) = match s.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s.as_bytes()),
    };
    if !body.first().is_some_and(u8::is_ascii_digit) || body.last() == Some(&b'.') {
        return None;
    }
    let (mut m, mut digits, mut scale, mut point) = (0u128, 0u32, 0u32, false);
    for &c in body {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 28 {
                    return None;
                }
                m = m * 10 + u128::from(c - b'0');
                scale += u32::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    let mut d = Decimal::try_from_i128_with_scale(i128::try_from(m).ok()?, scale).ok()?;
    // `-0` is read as 0, as the full reading reads it.
    d.set_sign_negative(neg && m != 0);
    Some(d)
}

/// The years of one series already read: four digits, so a list while short (held in
/// place, no allocation) and a set of bits (10,000 of them) past that — no hashing,
/// linear in the entries.
#[derive(Default)]
struct YearsSeen {
    few: smallvec::SmallVec<[u16; YearsSeen::FEW]>,
    bits: Vec<u64>,
    /// The latest year noted: a year after it (years in order, as usual) is new
    /// without looking through the others.
    latest: Option<u16>,
}

impl YearsSeen {
    const FEW: usize = 16;

    /// Note `y` (0 to 9999); false if it was already noted.
    fn insert(&mut self, y: i32) -> bool {
        let Ok(y) = u16::try_from(y) else {
            return true;
        };
        let later = self.latest.is_none_or(|l| y > l);
        if later {
            self.latest = Some(y);
        }
        if self.bits.is_empty() {
            if !later && self.few.contains(&y) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(y);
                return true;
            }
            self.bits = vec![0; 10_000usize.div_ceil(64)];
            for x in std::mem::take(&mut self.few) {
                self.set(x);
            }
        }
        self.set(y)
    }

    /// Set the bit of `y`; false if it was set (a year past 9999 is never a duplicate).
    fn set(&mut self, y: u16) -> bool {
        let (word, bit) = (usize::from(y) / 64, y % 64);
        match self.bits.get_mut(word) {
            Some(w) => {
                let was = *w & (1 << bit) != 0;
                *w |= 1 << bit;
                !was
            }
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_seen_finds_repeats_in_short_and_long_series() {
        let mut seen = YearsSeen::default();
        // Short: a list; past 16 years, a set of bits holding the earlier ones too.
        for y in 2000..2040 {
            assert!(seen.insert(y), "{y} is new");
            assert!(!seen.insert(y), "{y} is a repeat");
        }
        for y in [2000, 2015, 2016, 2039] {
            assert!(!seen.insert(y), "{y} was seen");
        }
        assert!(seen.insert(0) && seen.insert(9999));
        assert!(!seen.insert(0) && !seen.insert(9999));
        // Years out of order: one before the latest is looked for among the others.
        let mut seen = YearsSeen::default();
        for y in [2024, 2022, 2023, 2021] {
            assert!(seen.insert(y), "{y} is new");
        }
        for y in [2022, 2024, 2021, 2023] {
            assert!(!seen.insert(y), "{y} was seen");
        }
        assert!(seen.insert(2020) && seen.insert(2025));
    }

    /// The plain reading gives what the full one gives, digits as written, for every
    /// number it takes; it leaves exponents and numbers of over 28 digits.
    #[test]
    fn plain_decimals_are_read_as_written() {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "7",
            "28.40",
            "0.05",
            "-12.5",
            "1e3",
            "1.5E-2",
            "9999999999999999999999999999",
            "10000000000000000000000000000",
            "0.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "1.",
            ".5",
            "",
            "-",
            "1.2.3",
            "+1",
            "١",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            let int = next() % 40;
            let frac = next() % 32;
            let mut s = String::new();
            if next().is_multiple_of(3) {
                s.push('-');
            }
            for i in 0..=int.min(next() % 40) {
                let d = (next() % 10) as u8;
                s.push(char::from(
                    b'0' + if i == 0 && int > 0 { d.max(1) } else { d },
                ));
            }
            if frac > 0 && next().is_multiple_of(2) {
                s.push('.');
                for _ in 0..frac.min(next() % 32 + 1) {
                    s.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            cases.push(s);
        }
        let mut taken = 0;
        for s in &cases {
            if let Some(d) = plain_decimal(s) {
                let full = parse_decimal(s).ok();
                assert_eq!(Some(d), full, "{s}");
                assert_eq!(format!("{d:?}"), format!("{:?}", full.unwrap()), "{s}");
                taken += 1;
            } else {
                let plain = s.strip_prefix('-').unwrap_or(s);
                let digits = plain.bytes().filter(u8::is_ascii_digit).count();
                let well_formed = plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && plain.bytes().filter(|b| *b == b'.').count() <= 1
                    && plain.starts_with(|c: char| c.is_ascii_digit())
                    && !plain.ends_with('.');
                assert!(!well_formed || digits > 28, "{s} was left");
            }
        }
        assert!(taken > 10_000, "{taken}");
    }

    #[test]
    fn decimals_are_exact() {
        let ok = |s: &str| parse_decimal(s).ok().map(|d| d.to_string());
        assert_eq!(ok("0.1").as_deref(), Some("0.1"));
        assert_eq!(
            ok("12345678901234567.89").as_deref(),
            Some("12345678901234567.89")
        );
        assert_eq!(ok("1e3").as_deref(), Some("1000"));
        assert_eq!(ok("-0").as_deref(), Some("0"));
        assert!(matches!(parse_decimal("1e400"), Err(NumError::TooLarge)));
        assert!(matches!(
            parse_decimal("99999999999999999999999999999999"),
            Err(NumError::TooLarge)
        ));
        assert!(matches!(parse_decimal("1,000"), Err(NumError::Bad)));
        assert_eq!(
            ok("30.000000000000000000000000001").as_deref(),
            Some("30.000000000000000000000000001")
        );
        assert!(matches!(
            parse_decimal("300.000000000000000000000000001"),
            Err(NumError::TooLarge)
        ));
        assert_eq!(
            ok("30.0000000000000000000000000000000").as_deref(),
            Some("30")
        );
        assert!(matches!(parse_decimal("abc"), Err(NumError::Bad)));
    }

    #[test]
    fn suggestions_only_for_names_that_could_be_misspellings() {
        let names = ["land_area", "output_value"];
        assert_eq!(
            suggest("land_aera", names.iter().copied()).as_deref(),
            Some("land_area")
        );
        let long = format!("land_aera{}", "x".repeat(MAX_SUGGEST_CHARS));
        assert_eq!(suggest(&long, names.iter().copied()), None);
        assert_eq!(quoted("short"), "short");
        let cut = quoted(&"长".repeat(200)).into_owned();
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn products_are_exact_or_refused() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        let yi = d("0.00000001"); // 元 to 亿元
        assert_eq!(exact_mul(d("3510000000"), yi), Ok(d("35.1")));
        assert_eq!(
            exact_mul(d("0.00000000000000000001"), yi),
            Ok(d("0.0000000000000000000000000001"))
        );
        assert_eq!(
            exact_mul(d("0.000000000000000000001"), yi),
            Err(Inexact::TooPrecise)
        );
        assert_eq!(exact_mul(d("0"), yi), Ok(Decimal::ZERO));
        assert_eq!(
            exact_mul(d("79228162514264337593543950335"), d("10")),
            Err(Inexact::TooLarge)
        );
        // Trailing zeros of a 28-place fraction are not a loss.
        assert_eq!(
            exact_mul(d("0.0000000000000000000000000010"), d("0.1")),
            Ok(d("0.0000000000000000000000000001"))
        );
        assert_eq!(exact_mul(d("12.5"), d("10000")), Ok(d("125000")));
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    /// Every ten bytes of date shape over the digits and boundaries that matter read as
    /// a calendar reads `%Y-%m-%d`, and nothing of another shape is read.
    #[test]
    fn dates_are_read_as_the_calendar_reads_them_and_only_in_their_shape() {
        let years = [
            "0000", "0001", "1999", "2000", "2023", "2024", "2100", "9999",
        ];
        let mut seen = 0;
        for y in years {
            for m in 0..=13 {
                for d in 0..=32 {
                    let t = format!("{y}-{m:02}-{d:02}");
                    let calendar = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok();
                    assert_eq!(date_of_bytes(t.as_bytes()), calendar, "{t}");
                    assert_eq!(parse_date(&t), calendar, "{t}");
                    seen += usize::from(calendar.is_some());
                }
            }
        }
        // 8 years: 0000, 2000 and 2024 are leap years (366 days), the other five have 365:
        // 2,923 dates in all.
        assert!(seen > 2900, "{seen}");
        for t in [
            "2024-01-0",
            "2024-01-001",
            "2024/01/02",
            "2024-1-002",
            "20240-1-02",
            "2024-01-0x",
            "+024-01-02",
            " 024-01-02",
            "2024-01-02 ",
            "２０２４-1-2",
            "",
        ] {
            assert_eq!(date_of_bytes(t.as_bytes()), None, "{t}");
            assert_eq!(parse_date(t), None, "{t}");
        }
        assert_eq!(ascii_digits(b"2024"), Some(2024));
        assert_eq!(ascii_digits(b"20a4"), None);
        assert_eq!(ascii_digits(b""), Some(0));
    }
}
