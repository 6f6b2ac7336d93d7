//! The revision tools on the engine tests' rule set (`tests/fixtures/shanghai`): `policy test`
//! reporting a failing case, `policy diff` of the worked national-2022 revision, `policy fmt`.
//! The shipped rule set itself is tested by its own cases (`tests/shipped.rs`).

mod common;

use common::*;

/// A failing case exits non-zero and explains the actual value.
#[test]
fn failing_case_is_explained() {
    let dir = std::env::temp_dir().join(format!("policy-case-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join("wrong.yaml");
    std::fs::copy(
        root().join("examples/eligible-zhangjiang-biomed.json"),
        dir.join("eligible.json"),
    )
    .unwrap();
    std::fs::write(
        &case,
        "as_of: 2025-06-30\nfacts: eligible.json\ncases:\n  - name: 产值不足\n    with:\n      output_value: {\"2022\": 28.4}\n    expect: {article6.clause2: true}\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["test", "--policy", RULES, case.to_str().unwrap()]);
    let (zh_code, zh, _) = run(&[
        "test",
        "--policy",
        RULES,
        case.to_str().unwrap(),
        "--lang",
        "zh",
    ]);
    std::fs::remove_dir_all(&dir).ok();
    // In Chinese: the decision by its heading and title with its id, values and margins
    // in words.
    assert_eq!(zh_code, 6, "{zh}");
    assert!(zh.contains("失败  "), "{zh}");
    assert!(
        zh.contains("（二）具有较强核心竞争力 [article6.clause2]：预期是，实际否"),
        "{zh}"
    );
    assert!(zh.contains("差1.6亿元"), "{zh}");
    assert!(zh.contains("个未通过"), "{zh}");
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
            RULES,
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
        // In Chinese: the human report in Chinese words, the JSON byte for byte the same.
        let zh_args: Vec<&str> = args.iter().copied().chain(["--lang", "zh"]).collect();
        let (zh_code, zh_out, zh_err) = run(&zh_args);
        assert_eq!(zh_code, 0, "{zh_err}");
        if format == "json" {
            assert_eq!(
                zh_out, stdout,
                "the JSON of `policy diff` depends on --lang"
            );
        } else {
            assert!(
                zh_out.contains("结构：") && zh_out.contains("个集群的影响"),
                "{zh_out}"
            );
            let content = format!(
                "$ policy {}\n(evaluation dates from examples/as-of.txt)\n\n── output (exit {zh_code}) ──\n{zh_out}",
                zh_args.join(" ")
            );
            insta::assert_snapshot!("national-2022.human.zh", content);
        }
    }
}

/// With no facts, only the structure is compared.
#[test]
fn diff_without_facts_is_structural() {
    let (code, stdout, _) = run(&["diff", RULES, "examples/revisions/national-2022"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("~ 第六条（二） parameter 产值下限: 30 亿元  →  40 亿元"),
        "{stdout}"
    );
    assert!(!stdout.contains("Impact"), "{stdout}");
    let (_, same, _) = run(&["diff", RULES, RULES]);
    assert!(same.contains("Structure: 0 changes"), "{same}");
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

/// `count` clusters generated from the fixture rules (seed 7, as of 2025-06-30) as JSON
/// Lines in a folder of the temporary directory named `dir`: the folder and the file's
/// path.
fn generated_corpus(dir: &str, count: usize) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("{dir}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("clusters.jsonl").to_string_lossy().into_owned();
    let (code, _, err) = run(&[
        "generate",
        "--policy",
        RULES,
        "--count",
        &count.to_string(),
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
    (dir, corpus)
}

/// The arguments of `policy diff` from the fixture rules to the national 2022 revision over
/// the clusters of `corpus`, as JSON, then `more`.
fn diff_to_national_2022<'a>(corpus: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "diff",
        RULES,
        "examples/revisions/national-2022",
        "--facts",
        corpus,
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ];
    args.extend_from_slice(more);
    args
}

/// A line of a JSON Lines batch that is not UTF-8 is not evaluated by `diff`, and says so
/// with its line and the offset of the bad byte; the lines around it are assessed.
#[test]
fn diff_over_a_jsonl_batch_with_a_line_that_is_not_utf8() {
    let (dir, corpus) = generated_corpus("policy-diff-gbk", 3);
    let mut lines: Vec<Vec<u8>> = std::fs::read(&corpus)
        .unwrap()
        .split(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    lines[1].insert(5, 0xff);
    std::fs::write(&corpus, lines.join(&b'\n')).unwrap();
    let (_, out, err) = run(&diff_to_national_2022(&corpus, &[]));
    let j: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let impact = &j["impact"];
    assert_eq!(impact["clusters"], 3, "{impact}");
    let not = impact["not_evaluated"].as_array().unwrap();
    assert_eq!(not.len(), 1, "{impact}");
    let why = not[0].as_str().unwrap();
    assert!(
        why.ends_with("clusters.jsonl:2: line 2 is not UTF-8 text (invalid byte at offset 5)"),
        "{why}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `policy diff` reads clusters the way `policy check` does: a JSON Lines file of
/// generated clusters is assessed in parallel, and the report keeps input order.
#[test]
fn diff_over_a_jsonl_batch() {
    let (dir, corpus) = generated_corpus("policy-diff-batch", 120);
    let (code, out, err) = run(&diff_to_national_2022(&corpus, &["--jobs", "2"]));
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
    let (_, one, _) = run(&diff_to_national_2022(&corpus, &["--jobs", "1"]));
    assert_eq!(one, out);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Edits of words alone — a clause's quoted text, a parameter's source — are changes that
/// `policy diff` reports, not "0 changes".
#[test]
fn diff_reports_edits_of_words_alone() {
    let dir = std::env::temp_dir().join(format!("policy-words-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in shanghai_rules() {
        let file = std::path::Path::new(&name).file_name().unwrap().to_owned();
        let text = text
            .replace(
                "近三年产值均在30亿元以上，中小企业",
                "近三年产值均在三十亿元以上，中小企业",
            )
            .replace(
                "source \"产值年均增速10%以上\"",
                "source \"产值年均增速10%以上（年均）\"",
            );
        std::fs::write(dir.join(file), text).unwrap();
    }
    let (code, stdout, stderr) = run(&["diff", RULES, dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Structure: 2 changes"), "{stdout}");
    assert!(
        stdout.contains("text 1: …，近三年产值均在30亿元以上，中小企…  →  …，近三年产值均在三十亿元以上，中小企…"),
        "{stdout}"
    );
    assert!(stdout.contains("parameter 产值年均增速下限"), "{stdout}");
    assert!(stdout.contains("产值年均增速10%以上（年均）"), "{stdout}");
}

/// A misspelt fact in a case is named where it was written — the case file's line — with a
/// did-you-mean, and fails the case (it would test nothing).
#[test]
fn a_misspelt_fact_in_a_case_is_named_in_the_case_file() {
    let dir = std::env::temp_dir().join(format!("policy-case-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("examples/eligible-zhangjiang-biomed.json"),
        dir.join("eligible.json"),
    )
    .unwrap();
    let case = dir.join("typo.yaml");
    std::fs::write(
        &case,
        "as_of: 2025-06-30\nfacts: eligible.json\ncases:\n  - name: 拼错\n    with:\n      outptu_value: {\"2022\": 28.4}\n    expect: {article6.clause2: false}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&["test", "--policy", RULES, case.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 6, "{stdout}");
    assert!(stderr.contains("unknown fact `outptu_value`"), "{stderr}");
    assert!(stderr.contains("typo.yaml:6:7"), "{stderr}");
    assert!(stderr.contains("did you mean `output_value`?"), "{stderr}");
    assert!(!stderr.contains("facts with changes"), "{stderr}");
}

/// A stored report no case uses any more (the case was renamed) is listed; `--unreferenced
/// reject` fails the run and `--unreferenced delete` removes it.
#[test]
fn unreferenced_case_reports_are_listed_rejected_or_deleted() {
    let dir = std::env::temp_dir().join(format!("policy-orphan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("examples/eligible-zhangjiang-biomed.json"),
        dir.join("eligible.json"),
    )
    .unwrap();
    let case = dir.join("c.yaml");
    let write = |name: &str| {
        std::fs::write(
            &case,
            format!("as_of: 2025-06-30\nfacts: eligible.json\ncases:\n  - name: {name}\n    expect: {{article6.clause2: true}}\n"),
        )
        .unwrap()
    };
    let c = case.to_str().unwrap();
    write("甲");
    // A new case fails until its first report is accepted.
    let (code, out, _) = run(&["test", "--policy", RULES, c]);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("new report (no stored report yet"), "{out}");
    let (code, out, _) = run(&["test", "--policy", RULES, c, "--accept"]);
    assert_eq!(code, 0, "{out}");
    assert!(dir.join("snapshots/c__甲.snap").exists());
    write("乙");
    let (code, out, _) = run(&["test", "--policy", RULES, c, "--accept"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 stored report no case uses"), "{out}");
    assert!(out.contains("c__甲.snap"), "{out}");
    let (code, _, _) = run(&["test", "--policy", RULES, c, "--unreferenced", "reject"]);
    assert_eq!(code, 6);
    let (code, out, _) = run(&["test", "--policy", RULES, c, "--unreferenced", "delete"]);
    assert_eq!(code, 0, "{out}");
    assert!(!dir.join("snapshots/c__甲.snap").exists());
    assert!(dir.join("snapshots/c__乙.snap").exists());
    std::fs::remove_dir_all(&dir).ok();
}
