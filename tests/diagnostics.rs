//! Fixture-driven snapshots of diagnostics: broken rule files (`tests/fixtures/rules/`)
//! and broken or tricky facts files (`tests/fixtures/facts/`). Each snapshot holds the
//! fixture beside what `policy` says about it.

mod common;

use common::*;
use policy::diag::Sources;
use policy::eval::evaluate;
use policy::render::{human, Report};

/// A rule fixture is checked together with the shipped rule files, unless its first
/// line says `# alone`.
#[test]
fn rule_fixtures() {
    insta::glob!("fixtures/rules/*.policy", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let alone = text.starts_with("# alone");
        let mut files = if alone { Vec::new() } else { shanghai_rules() };
        files.push((rel(path), text.clone()));
        let mut sources = Sources::new();
        let out = match policy::load_rule_set(&mut sources, files) {
            Ok(rules) => format!(
                "checked without errors\n{}",
                sources.render_plain(&rules.warnings)
            ),
            Err(diags) => sources.render_plain(&diags),
        };
        let content = format!(
            "── fixture: {} ──\n{text}\n── diagnostics ──\n{out}",
            rel(path)
        );
        insta::assert_snapshot!(content);
    });
}

/// A facts fixture is read against the shipped rule files and evaluated on 2025-06-30.
#[test]
fn facts_fixtures() {
    insta::glob!("fixtures/facts/*.{json,yaml,toml}", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = Sources::new();
        let rules =
            policy::load_rule_set(&mut sources, shanghai_rules()).expect("shipped rules check");
        let name = rel(path);
        let format = policy::facts::raw::format_for_path(&name).unwrap();
        let id = sources.add(name.clone(), text.clone());
        let out = match policy::facts::load(&rules.program, format, &text, id) {
            Err(diags) => sources.render_plain(&diags),
            Ok((facts, warnings)) => {
                let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
                let ev = evaluate(&rules.program, &facts, as_of, true);
                let report = Report {
                    program: &rules.program,
                    evaluation: &ev,
                    sources: &sources,
                    fact_warnings: &warnings,
                };
                // Only the lines about what the fixture gave: the rest is undetermined.
                let full = human::render(&report, human::Style { color: false });
                let kept: Vec<&str> = full
                    .lines()
                    .filter(|l| {
                        l.starts_with("          ")
                            && !l.contains("missing:")
                            && !l.contains("unknown")
                    })
                    .collect();
                format!(
                    "{}read without errors; the lines that use these facts:\n{}\n",
                    sources.render_plain(&warnings),
                    kept.join("\n")
                )
            }
        };
        let content = format!("── fixture: {name} ──\n{text}\n── result ──\n{out}");
        insta::assert_snapshot!(content);
    });
}
