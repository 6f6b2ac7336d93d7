//! `policy`: a rules-as-code language and interpreter for the Shanghai measures on
//! SME characteristic industrial clusters (沪经信规范〔2024〕1号).
//!
//! ```text
//! rule files ──parse──▶ ast ──check──▶ ir::Program ─┐
//! facts file ──facts::raw──▶ Raw ──facts::load──▶ Facts ─┴─eval──▶ Evaluation ──render──▶ human / JSON
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

pub mod batch;
pub mod check;
pub mod diag;
pub mod diff;
pub mod eval;
pub mod facts;
pub mod fmt;
pub mod generate;
pub mod ir;
pub mod lint;
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
            let choose = match (v.in_force.from, v.in_force.until) {
                (Some(a), Some(b)) => format!("choose --as-of between {a} and {b}"),
                (Some(a), None) => format!("choose --as-of on or after {a}"),
                (None, Some(b)) => format!("choose --as-of on or before {b}"),
                (None, None) => "choose another --as-of".into(),
            };
            let help = match &v.in_force_source {
                Some(s) => format!("{choose} ({s})"),
                None => choose,
            };
            Diag::error(
                "policy::out_of_force",
                format!(
                    "the evaluation date {date} is outside the period in which {what} is in force, {}",
                    v.in_force.text()
                ),
            )
            .at(v.span)
            .label("period in force declared here")
            .help(help)
        }
        _ => {
            let list = versions
                .iter()
                .map(|v| format!("{} {}", v.describe(), v.in_force.text()))
                .collect::<Vec<_>>()
                .join("; ");
            let mut d = Diag::error(
                "policy::out_of_force",
                format!(
                    "the evaluation date {date} is outside every version of {}: {list}",
                    h.title
                ),
            )
            .help("choose --as-of within the period of one of the versions");
            for (i, v) in versions.iter().enumerate() {
                let what = format!("{} in force {}", v.describe(), v.in_force.text());
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
    let mut parsed = Vec::new();
    let mut errors: Vec<Diag> = Vec::new();
    for (name, text) in files {
        let id = sources.add(name, text);
        match syntax::parse_file(id, sources.text(id)) {
            Ok(ast) => match empty_file(id, sources.text(id)) {
                Some(d) => errors.push(d),
                None => parsed.push((id, ast)),
            },
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        // Checking the other files would only report names the broken file declares.
        return Err(errors);
    }
    if parsed.is_empty() {
        return Err(vec![Diag::error(
            "policy::check::no_rules",
            "the policy folder holds no rule files",
        )
        .help(
            "rule files end in `.policy`; point --policy at the folder that holds them",
        )]);
    }
    let files: Vec<check::ParsedFile> = parsed
        .iter()
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
                    "the rule set has no version in force on any date",
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
            if text.trim().is_empty() {
                "the rule file is empty"
            } else {
                "the rule file holds only comments"
            },
        )
        .at(syntax::ast::Span::new(id, 0, text.len().min(1)))
        .label("no rules in this file")
        .help("an empty rule file is usually a write that was cut short: restore it (from version control or a backup), or delete it if the folder does not need it")
    })
}
