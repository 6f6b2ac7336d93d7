//! `policy`: a rules-as-code language and interpreter for the Shanghai measures on
//! SME characteristic industrial clusters (沪经信规范〔2024〕1号).
//!
//! ```text
//! rule files ──parse──▶ ast ──check──▶ ir::Program ─┐
//! facts file ──facts::raw──▶ Raw ──facts::load──▶ Facts ─┴─eval──▶ Evaluation ──render──▶ human / JSON
//!     └──────────facts::quick (plain JSON)─────────▶ ┘
//! ```
//!
//! The library does no IO: the CLI (`src/main.rs`) reads files and prints.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

/// A small deterministic source of test data (xorshift64): a failing case can be
/// replayed from its seed.
#[cfg(test)]
pub(crate) fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// The checked program of one rule file's `text`, for the library's own tests; panics
/// with the diagnostics if it does not check.
#[cfg(test)]
pub(crate) fn program_of(text: &str) -> ir::Program {
    let mut sources = diag::Sources::default();
    match load_rule_set(&mut sources, vec![("t.policy".into(), text.into())]) {
        Ok(r) => r.program,
        Err(e) => panic!("the rule file does not check: {e:?}"),
    }
}

pub mod batch;
pub mod cache;
pub mod check;
pub mod diag;
pub mod diff;
pub mod eval;
pub mod facts;
pub mod fmt;
pub mod generate;
pub mod ir;
pub mod lint;
pub mod lsp;
pub mod numeral;
pub mod render;
pub mod snapshot;
pub mod syntax;
pub mod template;
pub mod testing;

use diag::{Diag, Sources};

/// A checked rule set, with the sources its diagnostics and explanations point into.
///
/// A rule set holding several versions of its document (or items and parameter values
/// by date) is one program per span of dates in which nothing changes; [`RuleSet::at`]
/// picks the one for an evaluation date.
pub struct RuleSet {
    /// The program of the latest dates (the only one for a rule set without versions).
    pub program: ir::Program,
    /// The programs of earlier dates, oldest first.
    pub earlier: Vec<ir::Program>,
    /// Warnings found while checking (unused facts and parameters).
    pub warnings: Vec<Diag>,
}

impl RuleSet {
    /// Every program, oldest first.
    pub fn programs(&self) -> impl Iterator<Item = &ir::Program> {
        self.earlier.iter().chain(std::iter::once(&self.program))
    }

    /// The versions of the document the rule set holds, by start date.
    pub fn versions(&self) -> &[ir::Version] {
        &self.program.header.versions
    }

    /// The program that applies on `date`; a date outside every version's period is
    /// refused with a diagnostic naming each version and its period.
    pub fn at(&self, date: chrono::NaiveDate) -> Result<&ir::Program, Box<Diag>> {
        self.programs()
            .find(|p| p.header.applies.contains(date))
            .ok_or_else(|| Box::new(out_of_force(&self.program.header, date)))
    }

    /// The program in force on `date`, or the latest one (to read facts and cases
    /// before their date is known).
    pub fn at_or_latest(&self, date: Option<chrono::NaiveDate>) -> &ir::Program {
        date.and_then(|d| self.at(d).ok()).unwrap_or(&self.program)
    }
}

/// The refusal of an evaluation date outside the periods in force, in the words of
/// the rule files: the document (or each version) and its period.
pub fn out_of_force(h: &ir::Header, date: chrono::NaiveDate) -> Diag {
    let versions = &h.versions;
    match versions.as_slice() {
        [v] => {
            let what = match (&v.document, h.title.is_empty()) {
                (Some(d), false) => format!("{}（{d}）", h.title),
                (None, false) => h.title.clone(),
                _ => v.describe(),
            };
            let choose: (String, String) = match (v.in_force.from, v.in_force.until) {
                (Some(a), Some(b)) => (
                    format!("choose --as-of between {a} and {b}"),
                    format!("请将 --as-of 定在 {a} 至 {b} 之间"),
                ),
                (Some(a), None) => (
                    format!("choose --as-of on or after {a}"),
                    format!("请将 --as-of 定在 {a} 或其后"),
                ),
                (None, Some(b)) => (
                    format!("choose --as-of on or before {b}"),
                    format!("请将 --as-of 定在 {b} 或其前"),
                ),
                (None, None) => ("choose another --as-of".into(), "请另选 --as-of".into()),
            };
            let help = match &v.in_force_source {
                Some(s) => (
                    format!("{} ({s})", choose.0),
                    format!("{}（{s}）", choose.1),
                ),
                None => choose,
            };
            Diag::error(
                "policy::out_of_force",
                (format!(
                    "the evaluation date {date} is outside the period in which {what} is in force, {}",
                    v.in_force.text()
                ), format!("评估日期 {date} 不在{}的施行期内（{}）", crate::diag::zh_term(&what), v.in_force.text_zh())),
            )
            .at(v.span)
            .label(("period in force declared here", "施行期在此声明"))
            .help(help)
        }
        _ => {
            let list = versions
                .iter()
                .map(|v| format!("{} {}", v.describe(), v.in_force.text()))
                .collect::<Vec<_>>()
                .join("; ");
            let list_zh = versions
                .iter()
                .map(|v| {
                    format!(
                        "{}，{}",
                        crate::diag::zh_term(&v.describe()),
                        v.in_force.text_zh()
                    )
                })
                .collect::<Vec<_>>()
                .join("；");
            let mut d = Diag::error(
                "policy::out_of_force",
                (
                    format!(
                        "the evaluation date {date} is outside every version of {}: {list}",
                        h.title
                    ),
                    format!(
                        "评估日期 {date} 不在{}任何版本的施行期内：{list_zh}",
                        h.title
                    ),
                ),
            )
            .help((
                "choose --as-of within the period of one of the versions",
                "请将 --as-of 定在某一版本的施行期内",
            ));
            for (i, v) in versions.iter().enumerate() {
                let what = (
                    format!("{} in force {}", v.describe(), v.in_force.text()),
                    format!(
                        "{}，施行期{}",
                        crate::diag::zh_term(&v.describe()),
                        v.in_force.text_zh()
                    ),
                );
                d = if i == 0 {
                    d.at(v.span).label(what)
                } else {
                    d.related(v.span, what)
                };
            }
            d
        }
    }
}

/// Parse and check a rule set: `files` are (name, text) pairs, in the order to read
/// them. Each text is added to `sources`. All errors of all files are returned.
pub fn load_rule_set(
    sources: &mut Sources,
    files: Vec<(String, String)>,
) -> Result<RuleSet, Vec<Diag>> {
    let parsed = parse_rule_files(sources, files);
    check_rule_set(sources, &parsed)
}

/// One rule file parsed: its index in the sources, and its syntax tree with the keyword
/// set it is written in, or the errors that stopped the parse.
pub type ParsedRuleFile = (
    u32,
    Result<(syntax::ast::File, Option<syntax::KeywordSet>), Vec<Diag>>,
);

/// The first half of [`load_rule_set`]: add each file to `sources` and parse it (an
/// editor keeps the trees to answer questions about the files).
pub fn parse_rule_files(
    sources: &mut Sources,
    files: Vec<(String, String)>,
) -> Vec<ParsedRuleFile> {
    let mut out = Vec::new();
    for (name, text) in files {
        let id = sources.add(name, text);
        out.push((id, parse_rule_file(id, sources.text(id))));
    }
    out
}

/// Parse one rule file of a rule set (`id`: its index in the sources); a file with
/// nothing but blanks and comments is refused.
pub fn parse_rule_file(
    id: u32,
    text: &str,
) -> Result<(syntax::ast::File, Option<syntax::KeywordSet>), Vec<Diag>> {
    syntax::parse_file_keywords(id, text).and_then(|p| match empty_file(id, text) {
        Some(d) => Err(vec![d]),
        None => Ok(p),
    })
}

/// The second half of [`load_rule_set`]: check the files [`parse_rule_files`] parsed.
pub fn check_rule_set(sources: &Sources, parsed: &[ParsedRuleFile]) -> Result<RuleSet, Vec<Diag>> {
    let errors: Vec<Diag> = parsed
        .iter()
        .filter_map(|(_, p)| p.as_ref().err())
        .flatten()
        .cloned()
        .collect();
    if !errors.is_empty() {
        // Checking the other files would only report names the broken file declares.
        return Err(errors);
    }
    if parsed.is_empty() {
        return Err(vec![Diag::error(
            "policy::check::no_rules",
            (
                "the policy folder holds no rule files",
                "规则文件夹中没有规则文件",
            ),
        )
        .help((
            "rule files end in `.policy`; point --policy at the folder that holds them",
            "规则文件以 `.policy` 结尾；请用 --policy 指向存放规则文件的文件夹",
        ))]);
    }
    let files: Vec<check::ParsedFile> = parsed
        .iter()
        .filter_map(|(id, p)| p.as_ref().ok().map(|(ast, _)| (id, ast)))
        .map(|(id, ast)| check::ParsedFile {
            file: *id,
            text: sources.text(*id),
            ast,
        })
        .collect();
    match check::versions::check_versions(&files) {
        Ok((mut programs, warnings)) => {
            let Some(program) = programs.pop() else {
                return Err(vec![Diag::error(
                    "policy::check::no_rules",
                    (
                        "the rule set has no version in force on any date",
                        "规则集在任何日期都没有施行中的版本",
                    ),
                )]);
            };
            Ok(RuleSet {
                program,
                earlier: programs,
                warnings,
            })
        }
        Err(e) => Err(e),
    }
}

/// A rule file with nothing but blanks and comments is refused: it is almost always a
/// write that was cut short (a full disk, an editor or a copy killed halfway), and
/// reading it as "no rules" would silently drop an article's decisions.
fn empty_file(id: u32, text: &str) -> Option<Diag> {
    let blank = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'));
    blank.then(|| {
        Diag::error(
            "policy::parse::empty_file",
            (if text.trim().is_empty() {
                "the rule file is empty"
            } else {
                "the rule file holds only comments"
            }, if text.trim().is_empty() { "规则文件为空" } else { "规则文件中只有注释" }),
        )
        .at(syntax::ast::Span::new(id, 0, text.len().min(1)))
        .label(("no rules in this file", "此文件中没有规则"))
        .help(("an empty rule file is usually a write that was cut short: restore it (from version control or a backup), or delete it if the folder does not need it", "规则文件为空，通常是写入中途被打断：请从版本控制或备份中恢复；如文件夹不需要此文件，可将其删除"))
    })
}
