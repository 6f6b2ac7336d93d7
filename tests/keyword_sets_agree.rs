//! Both keyword sets mean the same: a fixture rule set translated to the Chinese set with
//! `policy fmt --keywords zh` gives byte-identical JSON decisions to the English original
//! on every example facts file (at its date in examples/as-of.txt), on the fixtures' own
//! facts, and on clusters generated around every threshold (`policy generate`) — for the
//! Shanghai rules (tests/fixtures/shanghai) and the structure, versions and aggregates
//! fixtures. Only the places in the rule files differ: `source` positions and the
//! `expression` quoted from the rule text as written (in the Chinese file, with its
//! keywords: `第十五条.status`, `且`).

mod common;

use common::*;
use serde_json::Value as J;
use std::path::{Path, PathBuf};

/// A copy of the rule files of `dir` in a new folder, in the English set as they are and
/// translated to the Chinese set: (english, chinese).
fn both_sets(dir: &str, tmp: &Path) -> (PathBuf, PathBuf) {
    let en = tmp.join("en");
    let zh = tmp.join("zh");
    for d in [&en, &zh] {
        std::fs::create_dir_all(d).unwrap();
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|x| x == "policy") {
                std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let (code, _, err) = run(&["fmt", "--keywords", "zh", zh.to_str().unwrap()]);
    assert_eq!(code, 0, "{dir}: {err}");
    // The translation really is in the Chinese set.
    let mut files = Vec::new();
    policy_files_under(&zh, &mut files);
    let mut chinese = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (_, set) = policy::syntax::parse_file_keywords(0, &text).unwrap();
        if set == Some(policy::syntax::KeywordSet::Zh) {
            chinese += 1;
        }
        assert_ne!(set, Some(policy::syntax::KeywordSet::En), "{f:?}");
    }
    assert!(chinese >= 1, "{dir}: nothing was translated");
    (en, zh)
}

/// The JSON without what names a place in the rule files.
fn without_places(v: &mut J) {
    match v {
        J::Object(m) => {
            m.retain(|k, x| {
                !(k == "expression" && x.is_string()
                    || k == "source"
                        && x.get("file")
                            .is_some_and(|f| f.as_str().is_some_and(|f| f.ends_with(".policy"))))
            });
            for x in m.values_mut() {
                without_places(x);
            }
        }
        J::Array(xs) => xs.iter_mut().for_each(without_places),
        _ => {}
    }
}

/// `policy check --format FORMAT` of `facts` on both rule sets; both outputs, JSON-parsed
/// line by line, without places.
fn check_both(
    en: &Path,
    zh: &Path,
    facts: &str,
    as_of: &str,
    format: &str,
) -> (Vec<J>, Vec<J>, String) {
    let mut out = Vec::new();
    let mut raw = String::new();
    for dir in [en, zh] {
        let (code, stdout, stderr) = run(&[
            "check",
            "--policy",
            dir.to_str().unwrap(),
            "--facts",
            facts,
            "--as-of",
            as_of,
            "--format",
            format,
        ]);
        assert!(
            code == 0 || code == 1 || code == 4,
            "{facts} {as_of}: exit {code}\n{stderr}"
        );
        let values: Vec<J> = if format == "json" {
            vec![serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"))]
        } else {
            stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let mut values = values;
        values.iter_mut().for_each(without_places);
        raw = stdout;
        out.push(values);
    }
    let zh_out = out.pop().unwrap();
    let en_out = out.pop().unwrap();
    (en_out, zh_out, raw)
}

fn assert_agree(en: &Path, zh: &Path, facts: &str, as_of: &str, format: &str) {
    let (a, b, raw) = check_both(en, zh, facts, as_of, format);
    assert!(!a.is_empty(), "{facts}: no output");
    assert_eq!(a.len(), b.len(), "{facts} {as_of}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            serde_json::to_string_pretty(x).unwrap(),
            serde_json::to_string_pretty(y).unwrap(),
            "{facts} {as_of}: the two keyword sets decide differently"
        );
    }
    // Something was decided, not only refused.
    assert!(raw.contains("decisions"), "{facts}: {raw}");
}

/// Clusters generated for `dir` as of `as_of` (values around every threshold).
fn generated(dir: &Path, as_of: &str, count: u32, tmp: &Path) -> String {
    let out = tmp.join(format!("generated-{as_of}.jsonl"));
    let (code, _, err) = run(&[
        "generate",
        "--policy",
        dir.to_str().unwrap(),
        "--count",
        &count.to_string(),
        "--as-of",
        as_of,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    out.to_str().unwrap().to_string()
}

#[test]
fn shanghai_rules_decide_the_same_in_both_sets_on_every_example() {
    let tmp = tempfile::tempdir().unwrap();
    let (en, zh) = both_sets("tests/fixtures/shanghai", tmp.path());
    let dates = example_dates();
    let facts_files = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter(|e| {
            let n = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".toml")
        })
        .count();
    assert_eq!(dates.len(), facts_files, "every example has its date");
    for (file, as_of) in &dates {
        assert_agree(&en, &zh, &format!("examples/{file}"), as_of, "json");
    }
    let g = generated(&en, "2025-06-30", 200, tmp.path());
    assert_agree(&en, &zh, &g, "2025-06-30", "jsonl");
}

#[test]
fn structure_versions_and_aggregates_decide_the_same_in_both_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let (en, zh) = both_sets("tests/fixtures/structure", &tmp.path().join("structure"));
    assert_agree(
        &en,
        &zh,
        "tests/fixtures/structure/cluster.json",
        "2025-06-30",
        "json",
    );
    let g = generated(&en, "2025-06-30", 100, tmp.path());
    assert_agree(&en, &zh, &g, "2025-06-30", "jsonl");

    let (en, zh) = both_sets("tests/fixtures/versions", &tmp.path().join("versions"));
    for as_of in ["2024-02-21", "2024-02-22", "2025-06-30"] {
        for facts in ["25.json", "35.json"] {
            assert_agree(
                &en,
                &zh,
                &format!("tests/fixtures/versions/facts/{facts}"),
                as_of,
                "json",
            );
        }
        let g = generated(&en, as_of, 50, tmp.path());
        assert_agree(&en, &zh, &g, as_of, "jsonl");
    }

    let (en, zh) = both_sets("tests/fixtures/aggregates", &tmp.path().join("aggregates"));
    let g = generated(&en, "2025-06-30", 200, tmp.path());
    assert_agree(&en, &zh, &g, "2025-06-30", "jsonl");
}
