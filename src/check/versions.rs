//! Versions of a document in one rule set, and items and parameter values by date.
//!
//! The header may declare several `version` blocks, each with its own period in force;
//! an article, clause, rule or decision may be limited to a period or a version
//! (`in_force …`, `version "…"`), and a parameter may have values by date or version
//! (`from 2024-02-22: 30 亿元`). Every date on which something changes cuts the
//! versions' periods into *segments*; within a segment every item is either in force
//! throughout or not at all, and every parameter has one value. Each segment is checked
//! as an ordinary rule set (its files filtered to what is in force), so evaluation,
//! explanation and rendering know nothing of dates: selecting the program for an
//! evaluation date is all there is to it ([`crate::RuleSet::at`]).

use super::{check, date, suggest, ParsedFile};
use crate::diag::{Diag, Text};
use crate::ir::{DatedFrom, Period, Program, Version};
use crate::syntax::ast::{self, Span};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashSet};

/// The versions a header declares (one, unnamed, for a header without `version`
/// blocks), sorted by start date, with the errors in their declarations.
pub fn versions(h: &ast::PolicyHeader) -> (Vec<Version>, Vec<Diag>) {
    let mut diags = Vec::new();
    let own = |v: &ast::VersionDecl| v.in_force.as_ref().map_or(v.span, |f| f.span);
    if h.versions.is_empty() {
        let (in_force, source) = period_of(h.in_force.as_ref(), &mut diags);
        let v = Version {
            name: None,
            document: h.document.as_ref().map(|s| s.value.clone()),
            issued_by: h.issued_by.as_ref().map(|s| s.value.clone()),
            issued_on: h
                .issued_on
                .as_ref()
                .and_then(|d| checked_date(d, &mut diags)),
            in_force,
            in_force_source: source,
            span: h.in_force.as_ref().map_or(h.span, |f| f.span),
        };
        return (vec![v], diags);
    }
    if let Some(f) = &h.in_force {
        diags.push(
            Diag::error(
                "policy::check::bad_period",
                (
                    "the header declares both a period in force and versions",
                    "文件头同时声明了施行期和版本",
                ),
            )
            .at(f.span)
            .help((
                "give each `version` block its own `in_force`, and remove this one",
                "请在每个 `version`（版本）块中各写 `in_force`（施行），并删去此处的施行期",
            )),
        );
    }
    let mut out: Vec<Version> = Vec::new();
    let mut names: Vec<(&str, Span)> = Vec::new();
    for v in &h.versions {
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == v.name.value) {
            diags.push(
                Diag::error(
                    "policy::check::duplicate",
                    (
                        format!("version `{}` is declared twice", v.name.value),
                        format!("版本 `{}` 重复声明", v.name.value),
                    ),
                )
                .at(v.name.span)
                .label(("declared again here", "在此再次声明"))
                .related(*first, ("first declared here", "首次声明于此"))
                .help((
                    "give each version a different name",
                    "请为各版本取不同的名称",
                )),
            );
            continue;
        }
        names.push((&v.name.value, v.name.span));
        let (in_force, source) = period_of(v.in_force.as_ref(), &mut diags);
        let issued_on = match (&v.issued_on, &h.issued_on) {
            (Some(d), _) | (None, Some(d)) => checked_date(d, &mut diags),
            (None, None) => None,
        };
        out.push(Version {
            name: Some(v.name.value.clone()),
            document: v
                .document
                .as_ref()
                .or(h.document.as_ref())
                .map(|s| s.value.clone()),
            issued_by: v
                .issued_by
                .as_ref()
                .or(h.issued_by.as_ref())
                .map(|s| s.value.clone()),
            issued_on,
            in_force,
            in_force_source: source,
            span: own(v),
        });
    }
    out.sort_by_key(|v| v.in_force.from);
    for (i, a) in out.iter().enumerate() {
        for b in out.iter().skip(i + 1) {
            if a.in_force.overlaps(&b.in_force) {
                diags.push(
                    Diag::error(
                        "policy::check::overlapping_versions",
                        (format!(
                            "versions {} ({}) and {} ({}) are both in force on some dates",
                            a.describe(),
                            a.in_force.text(),
                            b.describe(),
                            b.in_force.text()
                        ), format!("版本{}（{}）与版本{}（{}）的施行期有重叠", a.describe(), a.in_force.text_zh(), b.describe(), b.in_force.text_zh())),
                    )
                    .at(b.span)
                    .label(("this period", "此施行期"))
                    .related(a.span, ("overlaps this one", "与此施行期重叠"))
                    .help(("end the earlier version the day before the later one starts; a version without `in_force` is in force on every date", "请让较早版本在较晚版本生效前一天终止；未写 `in_force`（施行）的版本在任何日期都施行")),
                );
            }
        }
    }
    (out, diags)
}

fn checked_date(d: &ast::DateLit, diags: &mut Vec<Diag>) -> Option<NaiveDate> {
    let x = date(&d.text);
    if x.is_none() {
        diags.push(
            Diag::error(
                "policy::check::bad_date",
                (
                    format!("`{}` is not a date in the calendar", d.text),
                    format!("`{}` 不是日历上的日期", d.text),
                ),
            )
            .at(d.span)
            .help((
                "write a real date as YYYY-MM-DD",
                "请写真实的日期，格式为 YYYY-MM-DD",
            )),
        );
    }
    x
}

/// The period of an `in_force` (every date when there is none) and its source.
fn period_of(f: Option<&ast::InForce>, diags: &mut Vec<Diag>) -> (Period, Option<String>) {
    let Some(f) = f else {
        return (Period::ALWAYS, None);
    };
    (
        period(f, diags).unwrap_or(Period::ALWAYS),
        f.source.as_ref().map(|s| s.value.clone()),
    )
}

fn period(f: &ast::InForce, diags: &mut Vec<Diag>) -> Option<Period> {
    let from = checked_date(&f.from, diags);
    let until = match &f.until {
        Some(u) => Some(checked_date(u, diags)?),
        None => None,
    };
    let from = from?;
    if until.is_some_and(|u| u < from) {
        diags.push(
            Diag::error(
                "policy::check::bad_period",
                ("the period in force ends before it starts", "施行期的终止日早于起始日"),
            )
            .at(f.from.span)
            .help(("write `in_force FROM to UNTIL` with FROM on or before UNTIL", "请写作 `in_force 起始日 to 终止日`（中文关键字：`施行 起始日 至 终止日`），起始日不晚于终止日")),
        );
        return None;
    }
    Some(Period {
        from: Some(from),
        until,
    })
}

/// Resolves `in_force …` and `version "…"` datings to periods, collecting errors and
/// the dates on which something changes.
struct Dates<'v> {
    versions: &'v [Version],
    diags: Vec<Diag>,
    /// First days of a new state.
    cuts: BTreeSet<NaiveDate>,
}

impl Dates<'_> {
    fn dating(&mut self, d: &ast::Dating) -> Option<Period> {
        let p = match d {
            ast::Dating::Period(f) => {
                let p = period(f, &mut self.diags)?;
                if !self.versions.iter().any(|v| v.in_force.overlaps(&p)) {
                    let periods = self
                        .versions
                        .iter()
                        .map(|v| v.in_force.text())
                        .collect::<Vec<_>>()
                        .join("; ");
                    let periods_zh = self
                        .versions
                        .iter()
                        .map(|v| v.in_force.text_zh())
                        .collect::<Vec<_>>()
                        .join("；");
                    self.diags.push(
                        Diag::warning(
                            "policy::check::never_in_force",
                            (format!(
                                "this item is in force {}, when no version of the rule set is",
                                p.text()
                            ), format!("此项的施行期为{}，而规则集在此期间没有施行中的版本", p.text_zh())),
                        )
                        .at(f.span)
                        .label(("never in force", "从未施行"))
                        .help((format!(
                            "the rule set is in force {periods}: correct the dates, or remove the item"
                        ), format!("规则集的施行期为{periods_zh}：请更正日期，或删除此项"))),
                    );
                }
                p
            }
            ast::Dating::Version(name) => self.version(name)?.in_force,
        };
        self.cut(p);
        Some(p)
    }

    fn version(&mut self, name: &ast::Str) -> Option<&Version> {
        let found = self
            .versions
            .iter()
            .position(|v| v.name.as_deref() == Some(name.value.as_str()));
        if found.is_none() {
            let names = self.versions.iter().filter_map(|v| v.name.as_deref());
            let help: Text = match suggest(&name.value, names) {
                Some(s) => (
                    format!("did you mean `{s}`? The versions are declared in the `policy` header"),
                    format!("是否应为 `{s}`？版本在 `policy`（政策）文件头中声明"),
                )
                    .into(),
                None if self.versions.iter().all(|v| v.name.is_none()) => (
                    "the `policy` header declares no versions: add `version \"name\" { in_force … }` blocks to it, or date the item with `in_force FROM to UNTIL`",
                    "`policy`（政策）文件头没有声明版本：请在其中加上 `version \"名称\" { in_force … }` 块（中文关键字：`版本 \"名称\" { 施行 … }`），或用 `in_force 起始日 to 终止日` 为此项注明日期",
                )
                    .into(),
                None => {
                    let names: Vec<String> = self
                        .versions
                        .iter()
                        .filter_map(|v| v.name.as_deref())
                        .map(|n| format!("“{n}”"))
                        .collect();
                    (
                        format!("the versions are {}", names.join(", ")),
                        format!("现有版本：{}", names.join("、")),
                    )
                        .into()
                }
            };
            self.diags.push(
                Diag::error(
                    "policy::check::unknown_version",
                    (
                        format!("there is no version named “{}”", name.value),
                        format!("没有名为“{}”的版本", name.value),
                    ),
                )
                .at(name.span)
                .help(help),
            );
        }
        self.versions.get(found?)
    }

    fn cut(&mut self, p: Period) {
        if let Some(f) = p.from {
            self.cuts.insert(f);
        }
        if let Some(next) = p.until.and_then(|u| u.succ_opt()) {
            self.cuts.insert(next);
        }
    }

    /// Every dating of the files, for its errors and its cuts.
    fn collect(&mut self, files: &[ParsedFile]) {
        for f in files {
            for item in &f.ast.items {
                match item {
                    ast::Item::Parameter(p) => self.parameter(p),
                    ast::Item::Article(a) => {
                        if let Some(d) = &a.dated {
                            self.dating(d);
                        }
                        for it in &a.items {
                            match it {
                                ast::ArticleItem::Parameter(p) => self.parameter(p),
                                ast::ArticleItem::Decision(d) => {
                                    if let Some(x) = &d.dated {
                                        self.dating(x);
                                    }
                                }
                                ast::ArticleItem::Rule(r) => {
                                    if let Some(x) = &r.dated {
                                        self.dating(x);
                                    }
                                }
                                ast::ArticleItem::Clause(c) => {
                                    if let Some(x) = &c.dated {
                                        self.dating(x);
                                    }
                                    for ci in &c.items {
                                        match ci {
                                            ast::ClauseItem::Parameter(p) => self.parameter(p),
                                            ast::ClauseItem::Rule(r) => {
                                                if let Some(x) = &r.dated {
                                                    self.dating(x);
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
                    _ => {}
                }
            }
        }
    }

    fn parameter(&mut self, p: &ast::Parameter) {
        let mut seen: Vec<(String, Span)> = Vec::new();
        for v in &p.dated {
            let (key, span) = match &v.when {
                ast::Dating::Period(f) => {
                    if let Some(d) = checked_date(&f.from, &mut self.diags) {
                        self.cuts.insert(d);
                    }
                    (format!("from {}", f.from.text), f.from.span)
                }
                ast::Dating::Version(n) => {
                    if let Some(v) = self.version(n) {
                        let p = v.in_force;
                        self.cut(p);
                    }
                    (format!("version “{}”", n.value), n.span)
                }
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.diags.push(
                    Diag::error(
                        "policy::check::duplicate",
                        (
                            format!("parameter `{}` has two values {key}", p.name.name),
                            format!("参数 `{}` 有两个取值 {key}", p.name.name),
                        ),
                    )
                    .at(span)
                    .label(("second value", "第二个取值"))
                    .related(*first, ("first value", "第一个取值"))
                    .help((
                        "keep one value for each date or version",
                        "每个日期或版本只保留一个取值",
                    )),
                );
            }
            seen.push((key, span));
        }
    }
}

/// The segments of the versions' periods: within each, nothing changes.
fn segments(versions: &[Version], cuts: &BTreeSet<NaiveDate>) -> Vec<(usize, Period)> {
    let mut out = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        let mut start = v.in_force.from;
        for &c in cuts {
            if !v.in_force.contains(c) || start.is_some_and(|s| c <= s) {
                continue;
            }
            out.push((
                i,
                Period {
                    from: start,
                    until: c.pred_opt(),
                },
            ));
            start = Some(c);
        }
        out.push((
            i,
            Period {
                from: start,
                until: v.in_force.until,
            },
        ));
    }
    out
}

/// A rule set checked version by version: the programs of its segments, oldest
/// first, and its warnings (those of the consistency checks of [`crate::lint`] too);
/// or every error.
pub fn check_versions(files: &[ParsedFile]) -> Result<(Vec<Program>, Vec<Diag>), Vec<Diag>> {
    let header = files
        .iter()
        .flat_map(|f| f.ast.items.iter())
        .find_map(|i| match i {
            ast::Item::Policy(h) => Some(h),
            _ => None,
        });
    let Some(header) = header else {
        // No header: the checker says so (with every other error).
        let (p, mut w) = check(files)?;
        w.extend(crate::lint::lint(files));
        return Ok((vec![p], w));
    };
    let (versions, mut errors) = versions(header);
    let mut dates = Dates {
        versions: &versions,
        diags: Vec::new(),
        cuts: BTreeSet::new(),
    };
    dates.collect(files);
    errors.append(&mut dates.diags);
    if errors.iter().any(Diag::is_error) {
        return Err(errors);
    }
    // What is left are warnings about the datings themselves.
    let dating_warnings = errors;
    let cuts = std::mem::take(&mut dates.cuts);
    let segs = segments(&versions, &cuts);
    // Per segment: its errors, its warnings, and the names it declares.
    let mut programs = Vec::new();
    let mut errs: Vec<(Diag, Vec<usize>)> = Vec::new();
    let mut warns: Vec<(Diag, Vec<usize>)> = Vec::new();
    let mut declared: Vec<HashSet<(u32, u32)>> = Vec::new();
    let mut lints: Vec<Diag> = Vec::new();
    for (si, (vi, seg)) in segs.iter().enumerate() {
        let mut found = Found::default();
        let filtered: Vec<ast::File> = files
            .iter()
            .map(|f| filter_file(f.ast, f.text, *seg, &versions, &mut found))
            .collect();
        let own = std::mem::take(&mut found.diags);
        let parsed: Vec<ParsedFile> = files
            .iter()
            .zip(&filtered)
            .map(|(f, ast)| ParsedFile {
                file: f.file,
                text: f.text,
                ast,
            })
            .collect();
        declared.push(names_declared(&filtered));
        let diags = match check(&parsed) {
            Ok((mut p, w)) => {
                // The consistency checks read the files as they stand on these dates:
                // a slip in any version is reported, once if several spans of dates give it.
                let before = lints.len();
                for d in crate::lint::lint(&parsed) {
                    if !lints.iter().take(before).any(|x| same(x, &d)) {
                        lints.push(d);
                    }
                }
                if let Some(v) = versions.get(*vi) {
                    apply_version(&mut p, v, *seg, &versions);
                }
                for slot in &mut p.slots {
                    slot.dated = found
                        .chosen
                        .iter()
                        .find(|(span, _)| {
                            span.file == slot.span.file && span.start == slot.span.start
                        })
                        .map(|(_, d)| d.clone());
                }
                programs.push(p);
                w
            }
            Err(e) => e,
        };
        for d in own.into_iter().chain(diags) {
            let list = if d.is_error() { &mut errs } else { &mut warns };
            // The same diagnostic of another segment (a segment may give one twice).
            match list
                .iter_mut()
                .find(|(x, on)| same(x, &d) && !on.contains(&si))
            {
                Some((_, segs)) => segs.push(si),
                None => list.push((d, vec![si])),
            }
        }
    }
    let where_ = |seg_ids: &[usize]| -> String {
        seg_ids
            .iter()
            .filter_map(|i| segs.get(*i))
            .map(|(vi, p)| {
                let v = versions.get(*vi).map(Version::describe).unwrap_or_default();
                format!("{} ({v})", p.text())
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    // A warning about a name stands if every segment that declares the name gives it.
    let warnings: Vec<Diag> = warns
        .into_iter()
        .filter(|(d, on)| {
            let Some(span) = d.span else {
                return on.len() == segs.len();
            };
            declared
                .iter()
                .enumerate()
                .all(|(si, names)| on.contains(&si) || !names.contains(&(span.file, span.start)))
        })
        .map(|(d, _)| d)
        .chain(dating_warnings)
        .chain(lints)
        .collect();
    if !errs.is_empty() {
        return Err(errs
            .into_iter()
            .map(|(mut d, on)| {
                // Only where it does not hold on every date (never with one span of dates).
                if on.len() < segs.len() {
                    let note = format!("on the dates {}", where_(&on));
                    let note_zh = format!("适用日期：{}", where_(&on));
                    d.help = Some(match d.help {
                        Some(h) => Text {
                            en: format!("{} — {note}", h.en),
                            zh: h.zh.map(|zh| format!("{zh}——{note_zh}")),
                        },
                        None => Text::from((note, note_zh)),
                    });
                }
                d
            })
            .chain(warnings)
            .collect());
    }
    Ok((programs, warnings))
}

/// The same diagnostic: equal, and at the same places (spans compare equal whatever
/// their position, see [`Span`]).
fn same(a: &Diag, b: &Diag) -> bool {
    let at = |s: &Span| (s.file, s.start, s.end);
    a == b
        && a.span.as_ref().map(at) == b.span.as_ref().map(at)
        && a.related
            .iter()
            .map(|(s, _)| at(s))
            .eq(b.related.iter().map(|(s, _)| at(s)))
}

/// Give a segment's program the version it applies.
fn apply_version(p: &mut Program, v: &Version, seg: Period, all: &[Version]) {
    let h = &mut p.header;
    h.version = v.name.clone();
    h.document = v.document.clone();
    h.issued_by = v.issued_by.clone();
    h.issued_on = v.issued_on;
    h.in_force = v.in_force;
    h.in_force_source = v.in_force_source.clone();
    h.applies = seg;
    h.versions = all.to_vec();
    h.span = v.span;
}

/// The (file, start) of every fact, parameter and definition name of the files.
fn names_declared(files: &[ast::File]) -> HashSet<(u32, u32)> {
    let mut out = HashSet::new();
    let mut add = |i: &ast::Ident| {
        out.insert((i.span.file, i.span.start));
    };
    for f in files {
        for item in &f.items {
            match item {
                ast::Item::Fact(x) => add(&x.name),
                ast::Item::Parameter(x) => add(&x.name),
                ast::Item::Definition(x) => add(&x.name),
                ast::Item::Article(a) => {
                    for it in &a.items {
                        match it {
                            ast::ArticleItem::Parameter(x) => add(&x.name),
                            ast::ArticleItem::Definition(x) => add(&x.name),
                            ast::ArticleItem::Clause(c) => {
                                for ci in &c.items {
                                    match ci {
                                        ast::ClauseItem::Parameter(x) => add(&x.name),
                                        ast::ClauseItem::Definition(x) => add(&x.name),
                                        _ => {}
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
    out
}

/// Whether an item dated `d` is in force throughout the segment (a segment never
/// straddles one of its ends).
fn in_force(d: &Option<ast::Dating>, seg: Period, versions: &[Version]) -> bool {
    let p = match d {
        None => return true,
        Some(ast::Dating::Period(f)) => period(f, &mut Vec::new()),
        Some(ast::Dating::Version(n)) => versions
            .iter()
            .find(|v| v.name.as_deref() == Some(n.value.as_str()))
            .map(|v| v.in_force),
    };
    p.is_some_and(|p| p.covers(&seg))
}

/// What filtering a file for a segment found: errors, and the dated value chosen for
/// each parameter (by the span of its name).
#[derive(Default)]
struct Found {
    diags: Vec<Diag>,
    chosen: Vec<(Span, DatedFrom)>,
}

/// The file as it reads in the segment: items not in force left out, each dated
/// parameter with its one value in force.
fn filter_file(
    f: &ast::File,
    text: &str,
    seg: Period,
    versions: &[Version],
    diags: &mut Found,
) -> ast::File {
    let items = f
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Parameter(p) => Some(ast::Item::Parameter(param_at(
                p, text, seg, versions, diags,
            ))),
            ast::Item::Article(a) => {
                if !in_force(&a.dated, seg, versions) {
                    return None;
                }
                let mut a = a.clone();
                a.items = a
                    .items
                    .into_iter()
                    .filter_map(|it| article_item_at(it, text, seg, versions, diags))
                    .collect();
                Some(ast::Item::Article(a))
            }
            other => Some(other.clone()),
        })
        .collect();
    ast::File { items }
}

fn article_item_at(
    it: ast::ArticleItem,
    text: &str,
    seg: Period,
    versions: &[Version],
    diags: &mut Found,
) -> Option<ast::ArticleItem> {
    use ast::ArticleItem as A;
    Some(match it {
        A::Parameter(p) => A::Parameter(param_at(&p, text, seg, versions, diags)),
        A::Decision(d) => {
            if !in_force(&d.dated, seg, versions) {
                return None;
            }
            A::Decision(d)
        }
        A::Rule(r) => {
            if !in_force(&r.dated, seg, versions) {
                return None;
            }
            A::Rule(r)
        }
        A::Clause(mut c) => {
            if !in_force(&c.dated, seg, versions) {
                return None;
            }
            c.items = c
                .items
                .into_iter()
                .filter_map(|ci| match ci {
                    ast::ClauseItem::Parameter(p) => Some(ast::ClauseItem::Parameter(param_at(
                        &p, text, seg, versions, diags,
                    ))),
                    ast::ClauseItem::Rule(r) => {
                        in_force(&r.dated, seg, versions).then_some(ast::ClauseItem::Rule(r))
                    }
                    other => Some(other),
                })
                .collect();
            A::Clause(c)
        }
        other => other,
    })
}

/// A parameter as it reads in the segment: a value for the segment's version, else
/// the latest value dated on or before the segment's first day.
fn param_at(
    p: &ast::Parameter,
    text: &str,
    seg: Period,
    versions: &[Version],
    found: &mut Found,
) -> ast::Parameter {
    let mut p = p.clone();
    if p.dated.is_empty() {
        return p;
    }
    let by_version = p.dated.iter().find(|v| match &v.when {
        ast::Dating::Version(n) => versions
            .iter()
            .find(|x| x.name.as_deref() == Some(n.value.as_str()))
            .is_some_and(|x| x.in_force.covers(&seg)),
        ast::Dating::Period(_) => false,
    });
    let by_date = || {
        p.dated
            .iter()
            .filter_map(|v| match &v.when {
                ast::Dating::Period(f) => {
                    let d = date(&f.from.text)?;
                    seg.from.is_some_and(|s| d <= s).then_some((d, v))
                }
                ast::Dating::Version(_) => None,
            })
            .max_by_key(|(d, _)| *d)
            .map(|(_, v)| v)
    };
    match by_version.or_else(by_date).cloned() {
        Some(v) => {
            let (from, version) = match &v.when {
                ast::Dating::Period(f) => (date(&f.from.text), None),
                ast::Dating::Version(n) => (None, Some(n.value.clone())),
            };
            let source = v.annotations.iter().find_map(|a| match a {
                ast::Annotation::Source(s) => Some(s.value.clone()),
                _ => None,
            });
            let value = text
                .get(v.value.span.range())
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            found.chosen.push((
                p.name.span,
                DatedFrom {
                    from,
                    version,
                    value,
                    source,
                },
            ));
            p.value = v.value;
            p.annotations = v.annotations;
        }
        None => {
            // The first value stands in, so that what uses the parameter is still
            // checked (the rule set is refused anyway).
            if let Some(v) = p.dated.first() {
                p.value = v.value.clone();
            }
            let first = p.dated.first().map_or(p.span, |v| v.span);
            found.diags.push(
                Diag::error(
                    "policy::check::no_value_in_force",
                    (format!(
                        "parameter `{}` has no value in force on the dates {}",
                        p.name.name,
                        seg.text()
                    ), format!("参数 `{}` 在{}期间没有施行中的取值", p.name.name, seg.text_zh())),
                )
                .at(p.name.span)
                .related(first, ("its values start here", "其取值自此开始"))
                .help((format!(
                    "add a value `from {}: …` (or `version \"…\": …`), or date the item that declares the parameter",
                    seg.from.map_or("YYYY-MM-DD".into(), |d| d.to_string())
                ), format!("请加上取值 `from {}: …`（或 `version \"…\": …`），或为声明此参数的项注明日期", seg.from.map_or("YYYY-MM-DD".into(), |d| d.to_string())))),
            );
        }
    }
    p.dated.clear();
    p
}

/// Rule files as they read on `date`: items not in force left out, each dated parameter
/// with its value in force (for `policy diff` between two versions of one rule set).
pub fn files_at(files: &[ast::File], date: NaiveDate) -> Vec<ast::File> {
    let header = files
        .iter()
        .flat_map(|f| f.items.iter())
        .find_map(|i| match i {
            ast::Item::Policy(h) => Some(h),
            _ => None,
        });
    let versions = header.map(|h| versions(h).0).unwrap_or_default();
    let day = Period {
        from: Some(date),
        until: Some(date),
    };
    files
        .iter()
        .map(|f| {
            let mut f = filter_file(f, "", day, &versions, &mut Found::default());
            undate(&mut f);
            f
        })
        .collect()
}

/// Drop the datings of a file read on one date: there, every item left is in force.
fn undate(f: &mut ast::File) {
    for item in &mut f.items {
        let ast::Item::Article(a) = item else {
            continue;
        };
        a.dated = None;
        for it in &mut a.items {
            match it {
                ast::ArticleItem::Decision(d) => d.dated = None,
                ast::ArticleItem::Rule(r) => r.dated = None,
                ast::ArticleItem::Clause(c) => {
                    c.dated = None;
                    for ci in &mut c.items {
                        if let ast::ClauseItem::Rule(r) = ci {
                            r.dated = None;
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn p(from: Option<&str>, until: Option<&str>) -> Period {
        Period {
            from: from.map(d),
            until: until.map(d),
        }
    }

    fn version(period: Period) -> Version {
        Version {
            name: None,
            document: None,
            issued_by: None,
            issued_on: None,
            in_force: period,
            in_force_source: None,
            span: Span::default(),
        }
    }

    #[test]
    fn files_at_a_date_keep_what_is_in_force_without_its_datings() {
        let text = "policy \"P\" { in_force 2024-01-01 to 2024-12-31 }\n\
            fact x \"数\": number\n\
            article 1 \"一\" in_force from 2024-01-01 {\n\
            \x20 rule \"条文的规则\" in_force from 2024-03-01: x > 0\n\
            \x20 rule \"未施行\" in_force from 2024-09-01: x > 1\n\
            \x20 decision d in_force from 2024-02-01 = x > 2\n\
            \x20 clause 1 \"一\" in_force from 2024-01-01 {\n\
            \x20   rule \"款的规则\" in_force from 2024-04-01: x > 3\n\
            \x20 }\n\
            }\n";
        let file = match crate::syntax::parse::parse_file(0, text) {
            Ok(f) => f,
            Err(e) => panic!("{e:?}"),
        };
        let at = files_at(&[file], d("2024-06-30"));
        let mut seen = Vec::new();
        for item in &at[0].items {
            let ast::Item::Article(a) = item else {
                continue;
            };
            assert!(a.dated.is_none());
            for it in &a.items {
                match it {
                    ast::ArticleItem::Rule(r) => {
                        assert!(r.dated.is_none(), "{}", r.title.value);
                        seen.push(r.title.value.clone());
                    }
                    ast::ArticleItem::Decision(x) => {
                        assert!(x.dated.is_none());
                        seen.push("d".into());
                    }
                    ast::ArticleItem::Clause(c) => {
                        assert!(c.dated.is_none());
                        for ci in &c.items {
                            if let ast::ClauseItem::Rule(r) = ci {
                                assert!(r.dated.is_none(), "{}", r.title.value);
                                seen.push(r.title.value.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(seen, ["条文的规则", "d", "款的规则"]);
    }

    #[test]
    fn periods_at_their_ends() {
        let old = p(Some("2023-03-01"), Some("2024-02-21"));
        let new = p(Some("2024-02-22"), None);
        assert!(old.contains(d("2024-02-21")) && !old.contains(d("2024-02-22")));
        assert!(new.contains(d("2024-02-22")) && !new.contains(d("2024-02-21")));
        assert!(!old.overlaps(&new) && !new.overlaps(&old));
        let touching = p(Some("2024-02-21"), None);
        assert!(old.overlaps(&touching) && touching.overlaps(&old));
        assert!(Period::ALWAYS.overlaps(&old) && old.overlaps(&Period::ALWAYS));
        assert!(Period::ALWAYS.covers(&new) && !new.covers(&Period::ALWAYS));
        assert!(new.covers(&p(Some("2030-01-01"), None)));
        assert!(!old.covers(&p(Some("2024-02-01"), Some("2024-02-22"))));
        assert_eq!(new.text(), "from 2024-02-22");
        assert_eq!(new.text_zh(), "自2024-02-22起施行");
    }

    #[test]
    fn cuts_split_each_version_where_something_changes() {
        let versions = [
            version(p(Some("2023-03-01"), Some("2024-02-21"))),
            version(p(Some("2024-02-22"), None)),
        ];
        let cuts: BTreeSet<NaiveDate> = ["2023-03-01", "2024-02-22", "2025-01-01", "2022-01-01"]
            .into_iter()
            .map(d)
            .collect();
        assert_eq!(
            segments(&versions, &cuts),
            vec![
                (0, p(Some("2023-03-01"), Some("2024-02-21"))),
                (1, p(Some("2024-02-22"), Some("2024-12-31"))),
                (1, p(Some("2025-01-01"), None)),
            ]
        );
        // A rule set in force on every date, cut once.
        let always = [version(Period::ALWAYS)];
        let one: BTreeSet<NaiveDate> = [d("2024-02-22")].into_iter().collect();
        assert_eq!(
            segments(&always, &one),
            vec![
                (0, p(None, Some("2024-02-21"))),
                (0, p(Some("2024-02-22"), None)),
            ]
        );
    }
}
