//! Revising the rules: the case suite, `policy diff` of the worked revision, `policy fmt`.

mod common;

use common::*;

/// `policies/cases` passes and exercises every rule both met and not met.
#[test]
fn shipped_case_suite_passes_with_full_coverage() {
    let (code, stdout, stderr) = run(&["test", "--coverage", "policies/cases"]);
    assert_eq!(code, 0, "policy test failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(" failed\n") && stdout.contains(", 0 failed"),
        "{stdout}"
    );
    let summary = stdout
        .lines()
        .find(|l| l.contains("rules seen both met and not met"))
        .expect("a coverage summary");
    let words: Vec<&str> = summary.split_whitespace().collect();
    assert_eq!(
        words.first(),
        words.get(2),
        "not every rule both ways: {summary}"
    );
    assert!(summary.ends_with("; 0 not exercised"), "{summary}");
    assert!(!stdout.contains("Rules seen only one way"), "{stdout}");
}

/// A failing case exits non-zero and explains the actual value.
#[test]
fn failing_case_is_explained() {
    let dir = std::env::temp_dir().join(format!("policy-case-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join("wrong.yaml");
    // A case's facts file lies in the case file's folder (or the rule set's).
    std::fs::copy(
        root().join("policies/cases/facts/eligible.json"),
        dir.join("eligible.json"),
    )
    .unwrap();
    std::fs::write(
        &case,
        "as_of: 2025-06-30\nfacts: eligible.json\ncases:\n  - name: 产值不足\n    with:\n      output_value: {\"2022\": 28.4}\n    expect: {article6.clause2: true}\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["test", case.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 6, "{stdout}");
    assert!(
        stdout.contains("article6.clause2: expected true, actual false"),
        "{stdout}"
    );
    assert!(stdout.contains("✗ 近三年产值均在30亿元以上"), "{stdout}");
    assert!(
        stdout.contains("2022: 28.4亿元 < 30亿元, short by 1.6亿元"),
        "{stdout}"
    );
}

/// The national 2022 thresholds against the Shanghai rules, over every example.
#[test]
fn national_2022_revision_diff() {
    for format in ["human", "json"] {
        let args = [
            "diff",
            "policies",
            "examples/revisions/national-2022",
            "--facts",
            "examples",
            "--format",
            format,
        ];
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        let content = format!(
            "$ policy {}\n(evaluation dates from examples/as-of.txt)\n\n── output (exit {code}) ──\n{stdout}{}",
            args.join(" "),
            if stderr.is_empty() { String::new() } else { format!("\n── stderr ──\n{stderr}") }
        );
        insta::assert_snapshot!(format!("national-2022.{format}"), content);
    }
}

/// With no facts, only the structure is compared.
#[test]
fn diff_without_facts_is_structural() {
    let (code, stdout, _) = run(&["diff", "policies", "examples/revisions/national-2022"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("~ 第六条（二） parameter 产值下限: 30 亿元  →  40 亿元"),
        "{stdout}"
    );
    assert!(!stdout.contains("Impact"), "{stdout}");
    let (_, same, _) = run(&["diff", "policies", "policies"]);
    assert!(same.contains("Structure: 0 changes"), "{same}");
}

/// The shipped rule files and the worked revision are formatted.
#[test]
fn shipped_rules_are_formatted() {
    for dir in ["policies", "examples/revisions/national-2022"] {
        let (code, stdout, stderr) = run(&["fmt", "--check", dir]);
        assert_eq!(
            code, 0,
            "{dir} is not formatted (run `policy fmt {dir}`):\n{stdout}{stderr}"
        );
    }
}

/// `fmt --check` shows a diff and fails on an unformatted file, and `fmt` fixes it.
#[test]
fn fmt_check_and_rewrite() {
    let dir = std::env::temp_dir().join(format!("policy-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.policy");
    std::fs::write(&file, "# 注释\nparameter  x=1   # 行尾注释\n").unwrap();
    let path = file.to_str().unwrap();
    let (code, stdout, _) = run(&["fmt", "--check", path]);
    assert_eq!(code, 1);
    assert!(stdout.contains("+parameter x = 1  # 行尾注释"), "{stdout}");
    let (code, _, _) = run(&["fmt", path]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# 注释\nparameter x = 1  # 行尾注释\n"
    );
    let (code, _, _) = run(&["fmt", "--check", path]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0);
}

/// `policy diff` reads clusters the way `policy check` does: a JSON Lines file of
/// generated clusters is assessed in parallel, and the report keeps input order.
#[test]
fn diff_over_a_jsonl_batch() {
    let dir = std::env::temp_dir().join(format!("policy-diff-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("clusters.jsonl");
    let corpus = corpus.to_string_lossy().into_owned();
    let (code, _, err) = run(&[
        "generate",
        "--count",
        "120",
        "--seed",
        "7",
        "--as-of",
        "2025-06-30",
        "--format",
        "jsonl",
        "--out",
        &corpus,
    ]);
    assert_eq!(code, 0, "{err}");
    let args = [
        "diff",
        "policies",
        "examples/revisions/national-2022",
        "--facts",
        &corpus,
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
        "--jobs",
        "2",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let impact = &j["impact"];
    assert_eq!(impact["clusters"], 120);
    let changed = impact["changed"].as_u64().unwrap();
    assert!(
        changed > 0,
        "the national thresholds move some generated clusters"
    );
    let clusters = impact["changed_clusters"].as_array().unwrap();
    assert_eq!(clusters.len() as u64, changed);
    // In input order: the line numbers rise.
    let lines: Vec<u64> = clusters
        .iter()
        .map(|c| {
            c["file"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
    // One thread or two: the same report.
    let (_, one, _) = run(&[&args[..args.len() - 1], &["1"]].concat());
    assert_eq!(one, out);
    let _ = std::fs::remove_dir_all(&dir);
}
