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
pub mod testing;

use diag::{Diag, Sources};

/// A checked rule set, with the sources its diagnostics and explanations point into.
pub struct RuleSet {
    pub program: ir::Program,
    /// Warnings found while checking (unused facts and parameters).
    pub warnings: Vec<Diag>,
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
    match check::check(&files) {
        Ok((program, mut warnings)) => {
            warnings.extend(lint::lint(&files));
            Ok(RuleSet { program, warnings })
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
