//! `policy fmt`: rewrite rule files in the canonical layout, or check that they are.

use crate::common::{exit, is_rule_file, print_diags, read_text};
use policy::diag::Sources;
use std::path::{Path, PathBuf};

/// The rule files named: files as given, folders as their `*.policy` files.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    crate::common::expand(paths, "the folder", is_rule_file)
}

/// A unified diff of `old` and `new`, for `--check`.
fn unified(path: &Path, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{} (as written)", path.display()),
            &format!("{} (formatted)", path.display()),
        )
        .to_string()
}

pub fn fmt(paths: &[PathBuf], check: bool) -> u8 {
    let files = match expand(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut sources = Sources::new();
    let mut unformatted = 0;
    let mut failed = false;
    for path in &files {
        let text = match read_text("rule file", path) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let id = sources.add(path.display().to_string(), text.clone());
        let formatted = match policy::fmt::format(id, &text) {
            Ok(f) => f,
            Err(diags) => {
                print_diags(&sources, &diags);
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if check {
            unformatted += 1;
            let diff = unified(path, &text, &formatted);
            print!("{diff}");
            if !diff.ends_with('\n') {
                println!();
            }
        } else if let Err(e) = std::fs::write(path, formatted) {
            let d = policy::diag::Diag::error(
                "policy::io",
                format!("cannot write rule file `{}`: {e}", path.display()),
            )
            .help("check that the file can be written");
            print_diags(&sources, &[d]);
            return exit::IO;
        } else {
            println!("formatted {}", path.display());
        }
    }
    if failed {
        return exit::RULES;
    }
    if unformatted > 0 {
        eprintln!(
            "error: {unformatted} rule file{} not formatted; run `policy fmt` on {}",
            if unformatted == 1 { " is" } else { "s are" },
            if unformatted == 1 { "it" } else { "them" }
        );
        return exit::RULES;
    }
    exit::OK
}
