//! Fixture-driven snapshots of diagnostics: broken rule files (`tests/fixtures/rules/`)
//! and broken or tricky facts files (`tests/fixtures/facts/`). Each snapshot holds the
//! fixture beside what `policy` says about it.

mod common;

use common::*;
use policy::diag::{Diag, Lang, Sources};
use policy::eval::evaluate;
use policy::render::{human, Report};

/// A rule fixture is checked together with the shipped rule files, unless its first
/// line says `# alone`.
#[test]
fn rule_fixtures() {
    insta::glob!("fixtures/rules/*.policy", |path| {
        insta::assert_snapshot!(on_big_stack(|| rule_fixture(path, Lang::En)));
    });
}

/// The same diagnostics in Chinese (`--lang zh`): `*.zh` snapshots beside the English.
#[test]
fn rule_fixtures_zh() {
    insta::glob!("fixtures/rules/*.policy", |path| {
        insta::assert_snapshot!(on_big_stack(|| rule_fixture(path, Lang::Zh)));
    });
}

/// Run `f` on a thread with the stack the binary gives its worker (256 MiB), not a test
/// thread's 2 MiB: expressions nested to the limit need it in the debug profile.
fn on_big_stack(f: impl FnOnce() -> String + Send) -> String {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(s, f)
            .unwrap()
            .join()
            .unwrap()
    })
}

fn rule_fixture(path: &std::path::Path, lang: Lang) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let alone = text.starts_with("# alone");
    let mut files = if alone { Vec::new() } else { shanghai_rules() };
    files.push((rel(path), text.clone()));
    let mut sources = Sources::new();
    let out = match policy::load_rule_set(&mut sources, files) {
        Ok(rules) => {
            all_in_chinese(&rules.warnings, &rel(path));
            format!(
                "checked without errors\n{}",
                sources.render_plain_in(&rules.warnings, lang)
            )
        }
        Err(diags) => {
            all_in_chinese(&diags, &rel(path));
            sources.render_plain_in(&diags, lang)
        }
    };
    format!(
        "── fixture: {} ──\n{text}\n── diagnostics ──\n{out}",
        rel(path)
    )
}

/// Every text of every diagnostic has a Chinese form: an English-only diagnostic (a
/// `Text::untranslated`, or a reader's message without Chinese) fails here.
fn all_in_chinese(diags: &[Diag], fixture: &str) {
    for d in diags {
        let texts = std::iter::once(&d.message)
            .chain(&d.label)
            .chain(&d.help)
            .chain(d.related.iter().map(|(_, t)| t));
        for t in texts {
            assert!(
                t.zh.as_deref().is_some_and(|z| !z.is_empty()),
                "{fixture}: `{}` has no Chinese text: {:?}",
                d.code,
                t.en
            );
        }
    }
}

/// A facts fixture is read against the shipped rule files and evaluated on 2025-06-30.
#[test]
fn facts_fixtures() {
    insta::glob!("fixtures/facts/*.{json,yaml,toml}", |path| {
        insta::assert_snapshot!(facts_fixture(path, Lang::En));
    });
}

/// The same in Chinese: the diagnostics and the report lines under `--lang zh`.
#[test]
fn facts_fixtures_zh() {
    insta::glob!("fixtures/facts/*.{json,yaml,toml}", |path| {
        insta::assert_snapshot!(facts_fixture(path, Lang::Zh));
    });
}

fn facts_fixture(path: &std::path::Path, lang: Lang) -> String {
    {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = Sources::new();
        let rules =
            policy::load_rule_set(&mut sources, shanghai_rules()).expect("shipped rules check");
        let name = rel(path);
        let format = policy::facts::raw::format_for_path(&name).unwrap();
        let id = sources.add(name.clone(), text.clone());
        let out = match policy::facts::load(&rules.program, format, &text, id) {
            Err(diags) => {
                all_in_chinese(&diags, &name);
                sources.render_plain_in(&diags, lang)
            }
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
                let full = human::render_in(&report, human::Style { color: false }, lang);
                let kept: Vec<&str> = full
                    .lines()
                    .filter(|l| {
                        l.starts_with("          ")
                            && !l.contains("missing:")
                            && !l.contains("unknown")
                            && !l.contains("缺少")
                    })
                    .collect();
                all_in_chinese(&warnings, &name);
                format!(
                    "{}read without errors; the lines that use these facts:\n{}\n",
                    sources.render_plain_in(&warnings, lang),
                    kept.join("\n")
                )
            }
        };
        format!("── fixture: {name} ──\n{text}\n── result ──\n{out}")
    }
}
