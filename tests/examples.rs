//! Every example cluster, checked by the real binary in both formats and
//! snapshotted with its input. A changed rule file shows up here as a snapshot diff.

mod common;

use common::*;
use std::collections::BTreeSet;

fn snapshot(name: &str, date: &str) {
    let path = format!("examples/{name}");
    let input = std::fs::read_to_string(root().join(&path)).unwrap();
    for format in ["human", "json"] {
        let (code, stdout, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", date, "--format", format,
        ]);
        assert_eq!(code, 0, "{path} ({format}) failed:\n{stderr}");
        let content = format!(
            "$ policy check --facts {path} --as-of {date} --format {format}\n\n── input: {path} ──\n{input}\n── output (exit {code}) ──\n{stdout}{}",
            if stderr.is_empty() { String::new() } else { format!("\n── stderr ──\n{stderr}") }
        );
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
        insta::assert_snapshot!(format!("{stem}.{format}"), content);
    }
}

#[test]
fn every_example_is_listed_with_its_date() {
    let listed: BTreeSet<String> = example_dates().into_iter().map(|(n, _)| n).collect();
    let present: BTreeSet<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".json")
                || n.ends_with(".yaml")
                || n.ends_with(".yml")
                || n.ends_with(".toml")
        })
        .collect();
    assert_eq!(
        listed, present,
        "examples/as-of.txt must list every facts file in examples/"
    );
}

#[test]
fn examples_snapshots() {
    for (name, date) in example_dates() {
        snapshot(&name, &date);
    }
}

#[test]
fn output_is_deterministic() {
    for (name, date) in example_dates().into_iter().take(4) {
        let path = format!("examples/{name}");
        let a = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", "json",
        ]);
        let b = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", "json",
        ]);
        assert_eq!(a, b, "{path}: two runs differ");
    }
}

/// The human report with its own words in Chinese (`--lang zh`).
#[test]
fn chinese_reports() {
    for (name, date) in [
        (
            "revoke-ground3-late-annual-report-yangpu-ai.json",
            "2025-06-30",
        ),
        (
            "fails-output-threshold-songjiang-robotics.json",
            "2025-06-30",
        ),
    ] {
        let path = format!("examples/{name}");
        let (code, stdout, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", date, "--lang", "zh",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let content = format!("$ policy check --facts {path} --as-of {date} --lang zh\n\n{stdout}");
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
        insta::assert_snapshot!(format!("{stem}.zh"), content);
    }
}
