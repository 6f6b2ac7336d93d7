//! Properties checked on generated input, briefly, on every `cargo test` (the fuzz
//! targets in `fuzz/` check the same for longer): whatever the rule files and facts,
//! `policy` does not panic, and every error is a diagnostic with a `policy::` code, a
//! place inside its file and help.

mod common;

use common::{shanghai_rules, RULES};
use policy::diag::{Diag, Sources};
use policy::facts::Format;
use policy::render::{human, json, Report};
use proptest::prelude::*;
use std::sync::OnceLock;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every diagnostic has a code, help, and a place on character boundaries of its file.
fn check_diags(sources: &Sources, diags: &[Diag]) {
    for d in diags {
        assert!(d.code.starts_with("policy::"), "{}", d.code);
        assert!(d.help.is_some(), "{} has no help: {}", d.code, d.message);
        let span = d
            .span
            .unwrap_or_else(|| panic!("{} has no place: {}", d.code, d.message));
        let text = sources.text(span.file);
        let (s, e) = (span.start as usize, span.end as usize);
        assert!(
            s <= e && e <= text.len(),
            "{}: {s}..{e} of {}",
            d.code,
            text.len()
        );
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "{}",
            d.code
        );
    }
    let _ = sources.render_plain(diags);
}

/// Load a rule set; check its diagnostics; evaluate it with no facts if it checks.
fn rule_set_holds(files: Vec<(String, String)>) {
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, files) {
        Err(diags) => {
            assert!(diags.iter().any(Diag::is_error));
            check_diags(&sources, &diags);
        }
        Ok(rules) => {
            check_diags(&sources, &rules.warnings);
            let facts = policy::eval::Facts {
                values: vec![None; rules.program.facts.len()],
            };
            let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
            let ev = policy::eval::evaluate(&rules.program, &facts, as_of, true);
            let report = Report {
                program: &rules.program,
                evaluation: &ev,
                sources: &sources,
                fact_warnings: &[],
            };
            let _ = human::render(&report, human::Style { color: false });
            let _ = json::render(&report);
        }
    }
}

/// Bits of rule text to splice in: tokens, punctuation a Chinese input method types,
/// numbers at the edges of exact decimals.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "：",
    "（",
    "）",
    "３０",
    "，",
    "\"",
    "\\",
    "#",
    "\n",
    "\r\n",
    "\t",
    "\u{feff}",
    "\u{3000}",
    "rule",
    "clause",
    "article",
    "if",
    "then",
    "else",
    "every",
    "any",
    "none",
    "count",
    "where",
    "in",
    "not",
    "and",
    "or",
    "=",
    ">=",
    "≥",
    "/",
    "*",
    "-",
    "+",
    "0",
    "-0",
    "1e400",
    "30.000000000000000000000000001",
    "99999999999999999999999999999",
    "亿元",
    "%",
    "年",
    "2024-02-30",
    "2024-13-01",
    "2月30日",
    "output_value",
    "output_value[2024]",
    "today",
    "true",
    "clause 1",
    "parameter x = 1",
    "definition d = d",
    "fact f: number",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Duplicate { at: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Edit::Insert { at, token }),
        (any::<usize>(), 0usize..200).prop_map(|(at, len)| Edit::Duplicate { at, len }),
    ]
}

/// The nearest character boundary at or before `i % (len + 1)`.
fn boundary(text: &str, i: usize) -> usize {
    let mut i = i % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        match *e {
            Edit::Delete { at, len } => {
                let a = boundary(&t, at);
                let b = boundary(&t, a + len).max(a);
                t.replace_range(a..b, "");
            }
            Edit::Insert { at, token } => {
                let a = boundary(&t, at);
                t.insert_str(a, TOKENS[token % TOKENS.len()]);
            }
            Edit::Duplicate { at, len } => {
                let a = boundary(&t, at);
                let b = boundary(&t, a + len).max(a);
                let piece = t[a..b].to_string();
                t.insert_str(b, &piece);
            }
        }
    }
    t
}

/// A small expression over the shipped facts and parameters.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("output_value[2024]".to_string()),
        Just("sme_output_value[最近完整年度]".to_string()),
        Just("land_area".to_string()),
        Just("innovation_platforms".to_string()),
        Just("产值下限".to_string()),
        Just("chain_map_drawn".to_string()),
        Just("today".to_string()),
        Just("2024-02-29".to_string()),
        Just("none".to_string()),
        prop_oneof![
            Just("0"),
            Just("-0"),
            Just("30"),
            Just("30.000000000000000000000000001"),
            Just("79228162514264337593543950335"),
            Just("0.0000000000000000000000000001"),
        ]
        .prop_flat_map(|n| {
            prop_oneof![Just(""), Just(" 亿元"), Just("%"), Just(" 家"), Just(" 年")]
                .prop_map(move |u| format!("{n}{u}"))
        }),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop_oneof![
                    Just("+"),
                    Just("-"),
                    Just("*"),
                    Just("/"),
                    Just(">="),
                    Just("<"),
                    Just("="),
                    Just("and"),
                    Just("or"),
                    Just("in"),
                ],
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            inner
                .clone()
                .prop_map(|a| format!("(every y in 近三年: output_value[y] >= {a})")),
            inner.prop_map(|a| format!("count i in incidents where {a}")),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    /// A shipped rule file, edited at random, checked with the others.
    #[test]
    fn edited_rule_files_give_diagnostics_not_panics(
        which in any::<usize>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut files = shanghai_rules();
        let i = which % files.len();
        files[i].1 = apply(&files[i].1, &edits);
        rule_set_holds(files);
    }

    /// A rule made of a generated expression, added to the shipped rules.
    #[test]
    fn generated_rules_give_diagnostics_or_decisions(e in expression()) {
        let mut files = shanghai_rules();
        files.push((
            "generated.policy".into(),
            format!("article 90 \"生成\" {{\n  clause 1 \"生成\" {{\n    rule \"生成\": {e}\n  }}\n}}\n"),
        ));
        rule_set_holds(files);
    }
}

// ── facts ─────────────────────────────────────────────────────────────────────

fn shipped() -> &'static (Sources, policy::RuleSet) {
    static RULES: OnceLock<(Sources, policy::RuleSet)> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut sources = Sources::new();
        let rules = policy::load_rule_set(&mut sources, shanghai_rules())
            .unwrap_or_else(|_| panic!("the shipped rules check"));
        (sources, rules)
    })
}

/// A JSON value of any kind, with numbers near the thresholds and at the edges of
/// exact decimals, written as JSON numbers or as texts with units.
fn any_value() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        Just("0"),
        Just("-0"),
        Just("29.999999999"),
        Just("30"),
        Just("30.000000000000000000000000001"),
        Just("50"),
        Just("49.99"),
        Just("10"),
        Just("1e400"),
        Just("1e-400"),
        Just("99999999999999999999999999999"),
        Just("-1"),
        Just("1.5"),
    ];
    let leaf = prop_oneof![
        number.clone().prop_map(str::to_string),
        (
            number,
            prop_oneof![
                Just("亿元"),
                Just("万元"),
                Just("%"),
                Just("平方公里"),
                Just("家"),
                Just("x")
            ]
        )
            .prop_map(|(n, u)| format!("\"{n}{u}\"")),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("\"2024-02-30\"".to_string()),
        Just("\"2024-02-29\"".to_string()),
        Just("\"2024-13-01\"".to_string()),
        Just("\"larger\"".to_string()),
        Just("\"较大\"".to_string()),
        Just("\"safety\"".to_string()),
        Just("\"３０亿元\"".to_string()),
        Just("\"\"".to_string()),
    ];
    leaf.prop_recursive(3, 20, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("2022"),
                        Just("2023"),
                        Just("2024"),
                        Just("date"),
                        Just("category"),
                        Just("severity"),
                        Just("year"),
                        Just("submitted_on"),
                        Just("kind"),
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|v| {
                let mut seen = std::collections::BTreeSet::new();
                let entries: Vec<String> = v
                    .into_iter()
                    .filter(|(k, _)| seen.insert(*k))
                    .map(|(k, x)| format!("\"{k}\": {x}"))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    /// Facts of random types under the shipped fact names, some missing.
    #[test]
    fn generated_facts_give_diagnostics_or_decisions(
        picks in prop::collection::vec((any::<usize>(), any_value()), 0..24),
        day in 0i64..3000,
    ) {
        let (base, rules) = shipped();
        let names: Vec<&str> = rules.program.facts.iter().map(|f| f.name.as_str()).collect();
        let mut seen = std::collections::BTreeSet::new();
        let entries: Vec<String> = picks
            .into_iter()
            .map(|(i, v)| (names[i % names.len()], v))
            .filter(|(n, _)| seen.insert(*n))
            .map(|(n, v)| format!("  \"{n}\": {v}"))
            .collect();
        let text = format!("{{\n{}\n}}\n", entries.join(",\n"));
        let mut sources = base.clone();
        let id = sources.add("generated.json", text.clone());
        match policy::facts::load(&rules.program, Format::Json, &text, id) {
            Err(diags) => {
                assert!(diags.iter().any(Diag::is_error));
                check_diags(&sources, &diags);
            }
            Ok((facts, warnings)) => {
                check_diags(&sources, &warnings);
                let as_of = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Duration::days(day);
                let ev = policy::eval::evaluate(&rules.program, &facts, as_of, true);
                let report = Report {
                    program: &rules.program,
                    evaluation: &ev,
                    sources: &sources,
                    fact_warnings: &warnings,
                };
                let _ = human::render(&report, human::Style { color: false });
                let once = serde_json::to_string(&json::render(&report)).unwrap();
                let twice = serde_json::to_string(&json::render(&report)).unwrap();
                assert_eq!(once, twice);
            }
        }
    }

    /// Arbitrary text as JSON, YAML or TOML facts.
    #[test]
    fn arbitrary_facts_text_gives_diagnostics(text in "\\PC{0,200}", format in 0u8..3) {
        let (base, rules) = shipped();
        let format = [Format::Json, Format::Yaml, Format::Toml][format as usize];
        let mut sources = base.clone();
        let id = sources.add("arbitrary", text.clone());
        match policy::facts::load(&rules.program, format, &text, id) {
            Err(diags) => check_diags(&sources, &diags),
            Ok((_, warnings)) => check_diags(&sources, &warnings),
        }
    }
}

// ── determinism ───────────────────────────────────────────────────────────────

/// Every example, in both formats, run twice by the binary: the same bytes (no
/// hash-map order or time leaks into the output).
#[test]
fn every_example_gives_the_same_bytes_twice() {
    for (name, date) in common::example_dates() {
        let path = format!("examples/{name}");
        for format in ["human", "json"] {
            let args = [
                "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", format,
            ];
            let a = common::run(&args);
            let b = common::run(&args);
            assert_eq!(a, b, "{path} ({format}): two runs differ");
        }
    }
}
