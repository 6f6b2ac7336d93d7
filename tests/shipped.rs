//! The shipped rule set (`policies/`), tested only through what an officer runs: its own
//! cases and their stored reports (`policy test`), its layout (`policy fmt --check`) and the
//! consistency of its words and logic. No other test reads `policies/`, so a revision of the
//! rule files is finished with `policy` commands alone: this file proves it by making one.

mod common;

use common::*;
use std::path::Path;

/// `policy test` on the shipped rules: every case passes, every stored report agrees, and
/// every rule is seen both met and not met.
#[test]
fn shipped_case_suite_passes_with_full_coverage() {
    let (code, stdout, stderr) = run(&["test", "--policy", "policies", "--coverage"]);
    assert_eq!(code, 0, "policy test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    assert!(!stdout.contains("changed or new"), "{stdout}");
    assert!(!stdout.contains("no case uses"), "{stdout}");
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

/// The shipped rule set and the worked revision say in words what their logic does: no
/// consistency warning (`policy::lint::*`), while each check fires on its own fixture
/// (`tests/fixtures/rules/lint-*.policy`).
/// `policy fmt --keywords` translates the shipped rule files into the other keyword set
/// and back without changing a byte (tests/fmt_properties.rs does the same for every
/// example rule set and fixture).
#[test]
fn shipped_rules_translate_between_keyword_sets_and_back() {
    let mut paths = Vec::new();
    policy_files_under(&root().join("policies"), &mut paths);
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| (rel(p), std::fs::read_to_string(p).unwrap()))
        .collect();
    let seen = translate_and_back(&files);
    assert_eq!(
        seen[0] + seen[1],
        files.len(),
        "every shipped file is formatted"
    );
    assert!(files.len() >= 8);
}

#[test]
fn shipped_rule_sets_have_no_consistency_warnings() {
    for dir in [
        "policies",
        "examples/revisions/national-2022",
        "examples/versions",
        "examples/national-and-shanghai",
    ] {
        let mut sources = policy::diag::Sources::new();
        let rules = policy::load_rule_set(&mut sources, rule_files(&root().join(dir)))
            .unwrap_or_else(|d| panic!("{dir} checks:\n{}", sources.render_plain(&d)));
        let lint: Vec<_> = rules
            .warnings
            .iter()
            .filter(|d| d.code.starts_with("policy::lint::"))
            .collect();
        assert!(
            lint.is_empty(),
            "{dir}:\n{}",
            sources.render_plain(&rules.warnings)
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

/// An officer's revision, as the README's guide makes it: 30→40亿元 and 50%→70% in a copy of
/// `policies/`. `policy test` shows what moved and fails; `policy test --accept` stores the new
/// reports and expectations; `policy test` passes again. Nothing outside the rule set's folder
/// would need a change: no other test reads `policies/`.
#[test]
fn a_revision_is_finished_with_policy_commands_alone() {
    let dir = std::env::temp_dir().join(format!("policy-revision-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rules = dir.join("policies");
    copy_dir(&root().join("policies"), &rules);
    let art6 = rules.join("article06.policy");
    // The words and the values together, as the guide says (else the consistency warnings
    // name each place left behind).
    for (from, to) in [
        ("参数 产值下限 = 30 亿元", "参数 产值下限 = 40 亿元"),
        ("近三年产值均在30亿元以上", "近三年产值均在40亿元以上"),
        (
            "参数 中小企业产值占比下限 = 50%",
            "参数 中小企业产值占比下限 = 70%",
        ),
        (
            "中小企业产值占集群总产值50%以上",
            "中小企业产值占集群总产值70%以上",
        ),
    ] {
        edit(&art6, from, to);
    }
    let r = rules.to_str().unwrap();
    let (code, check_out, check_err) = run(&[
        "check",
        "--policy",
        r,
        "--facts",
        "examples/eligible-zhangjiang-biomed.json",
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{check_err}");
    assert!(
        !check_err.contains("policy::lint"),
        "the revision left words behind:\n{check_err}"
    );
    assert!(
        check_out.contains("近三年产值均在40亿元以上"),
        "{check_out}"
    );

    // 1. What moved: the case fails, with the report's difference.
    let (code, out, err) = run(&["test", "--policy", r]);
    assert_eq!(code, 6, "{out}\n{err}");
    assert!(
        out.contains("article6.clause2: expected true, actual false"),
        "{out}"
    );
    assert!(out.contains("-     ✓ 近三年产值均在30亿元以上"), "{out}");
    assert!(out.contains("+     ✓ 近三年产值均在40亿元以上"), "{out}");
    assert!(
        out.contains("+     ✗ 中小企业产值占集群总产值70%以上"),
        "{out}"
    );
    assert!(
        out.contains("changed or new: review with `policy test --review`"),
        "{out}"
    );

    // 2. Accepted: reports stored, expectations rewritten to the values given.
    let (code, out, err) = run(&["test", "--policy", r, "--accept"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("updated 九项条件全部满足  article6.eligible: true → false"),
        "{out}"
    );
    let cases = std::fs::read_to_string(rules.join("cases/article06.yaml")).unwrap();
    let shipped = std::fs::read_to_string(root().join("policies/cases/article06.yaml")).unwrap();
    assert_ne!(cases, shipped);
    assert_eq!(
        cases.lines().count(),
        shipped.lines().count(),
        "only values change"
    );

    // 3. Passes again, with no pending report left.
    let (code, out, err) = run(&["test", "--policy", r, "--coverage"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("changed or new"), "{out}");
    let pending: Vec<_> = std::fs::read_dir(rules.join("cases/snapshots"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".new"))
        .collect();
    assert!(pending.is_empty(), "{pending:?}");
    std::fs::remove_dir_all(&dir).ok();

    // 4. No other test reads the shipped rule set: revising it cannot break them.
    for entry in std::fs::read_dir(root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name == "shipped.rs" {
            continue;
        }
        // Code only: a comment may say why a test does not read `policies/`.
        let text = std::fs::read_to_string(&path).unwrap();
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        let code = code.join("\n");
        assert!(
            !code.contains("\"policies") && !code.contains("policies/"),
            "tests/{name} reads the shipped rule set; engine tests use {RULES}"
        );
    }
    let common = std::fs::read_to_string(root().join("tests/common/mod.rs")).unwrap();
    assert!(
        !common.contains("\"policies"),
        "tests/common reads policies/"
    );
}

/// `policy test --review` asks per changed report: accept, reject or skip, from standard
/// input (so a review can also be scripted).
#[test]
fn review_asks_for_each_changed_report() {
    let dir = std::env::temp_dir().join(format!("policy-review-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rules = dir.join("policies");
    copy_dir(&root().join("policies"), &rules);
    // A wording change of one rule's title: only the reports that show that rule move.
    edit(
        &rules.join("article06.policy"),
        "规则 \"绘制产业链图谱\"",
        "规则 \"已绘制产业链图谱\"",
    );
    let r = rules.to_str().unwrap();
    let (code, out, _) = run(&["test", "--policy", r]);
    assert_eq!(code, 6);
    let changed = out
        .lines()
        .find(|l| l.contains("changed or new"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("a count of changed reports");
    assert!(changed >= 2, "{out}");
    // Accept the first, reject the second, then stop (end of input): the rest stay pending.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_policy"))
        .env("LC_ALL", "C")
        .args(["test", "--policy", r, "--review"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"a\nr\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(6), "{out}");
    assert!(out.contains(&format!("[1/{changed}]")), "{out}");
    assert!(out.contains("  accepted"), "{out}");
    assert!(out.contains("  rejected: the stored report stays"), "{out}");
    assert!(out.contains("-     ✓ 绘制产业链图谱"), "{out}");
    assert!(out.contains("+     ✓ 已绘制产业链图谱"), "{out}");
    // One fewer case fails now; the accepted one passes on the next run.
    let (_, again, _) = run(&["test", "--policy", r]);
    assert!(
        again.contains(&format!("{} case reports changed or new", changed - 1)),
        "{again}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
