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

/// The human report of every example with its own words in Chinese (`--lang zh`).
#[test]
fn chinese_reports() {
    for (name, date) in example_dates() {
        let path = format!("examples/{name}");
        let (code, stdout, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--lang", "zh",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let content = format!(
            "$ policy check --facts {path} --as-of {date} --lang zh\n\n{stdout}{}",
            if stderr.is_empty() {
                String::new()
            } else {
                format!("\n── stderr ──\n{stderr}")
            }
        );
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&name);
        insta::assert_snapshot!(format!("{stem}.zh"), content);
    }
}

fn zh_report(name: &str, date: &str) -> String {
    let path = format!("examples/{name}");
    let (code, stdout, stderr) = run(&[
        "check", "--policy", RULES, "--facts", &path, "--as-of", date, "--lang", "zh",
    ]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// Under `--lang zh` facts, clauses, decisions and categories are named by their labels;
/// a decision's or clause's id is given once, in brackets.
#[test]
fn chinese_reports_name_things_by_their_labels() {
    let out = zh_report(
        "revoke-ground3-late-annual-report-yangpu-ai.json",
        "2025-06-30",
    );
    for english in [
        "industrial_policy_compliant",
        "supervision_refused",
        "clause 1 =",
        "article6.clause2:",
        "article6.eligible =",
        "valid (有效)",
        "(有效)",
        "today",
    ] {
        assert!(!out.contains(english), "{english} in:\n{out}");
    }
    for label in [
        "主导产业符合国家产业政策和本市“十四五”规划 = 是",
        "（一）依法合规经营 = 是",
        "（三）未及时报送年度发展情况报告，不接受、不配合跟踪监督工作 = 是",
        "满足第六条全部认定条件：是  [article6.eligible]",
        "认定状态：有效  [article15.status]",
        "认定状态 = 有效",
        "有效 != 已失效",
        "评价日 < 有效期届满日",
    ] {
        assert!(out.contains(label), "{label} not in:\n{out}");
    }
    assert_eq!(out.matches("[article6.clause2]").count(), 1, "{out}");
    assert_eq!(out.matches("[article19.revoke]").count(), 1, "{out}");
}

/// Margins say 上限 only for an upper limit, 提前/逾期 only against a deadline.
#[test]
fn chinese_margins_fit_the_comparison() {
    let out = zh_report(
        "recognised-valid-songjiang-integrated-circuits.toml",
        "2025-06-30",
    );
    // 二氧化碳排放强度持续下降 compares two years' values: no limit.
    assert!(
        out.contains("0.139吨/万元 < 0.148吨/万元，低0.009吨/万元"),
        "{out}"
    );
    assert!(!out.contains("低于上限0.0"), "{out}");
    // 占地面积 has an upper limit.
    assert!(out.contains("平方公里，低于上限"), "{out}");
    // The report submitted on time, the day before the deadline; the deadline itself
    // has passed on the evaluation date, which is no lateness.
    assert!(out.contains("2025-04-09 <= 2025-04-10，提前1天"), "{out}");
    assert!(out.contains("2025-06-30 > 2025-04-10，已过81天"), "{out}");
    assert!(
        out.contains("存在未及时报送的年度发展情况报告：否"),
        "{out}"
    );
    assert!(!out.contains('晚') && !out.contains("逾期"), "{out}");
    // A late report is 逾期.
    let out = zh_report(
        "revoke-ground3-late-annual-report-yangpu-ai.json",
        "2025-06-30",
    );
    assert!(out.contains("2025-04-11 > 2025-04-10，逾期1天"), "{out}");
    // A validity that has run out: 已过, not 逾期.
    let out = zh_report(
        "article15-lapsed-failed-review-baoshan-steel-services.json",
        "2027-06-30",
    );
    assert!(out.contains("2027-06-30 >= 2027-03-20，已过102天"), "{out}");
    assert!(out.contains("认定状态：已失效"), "{out}");
    // Percentage points stay.
    let out = zh_report(
        "fails-output-threshold-songjiang-robotics.json",
        "2025-06-30",
    );
    assert!(out.contains("个百分点"), "{out}");
    assert!(out.contains("28.40亿元 < 30亿元，差1.60亿元"), "{out}");
}

/// One word for an undetermined outcome (无法判定), one for a missing value (缺少数据);
/// 缺少： is followed by the labels directly.
#[test]
fn chinese_reports_use_one_word_for_undetermined() {
    let out = zh_report("missing-facts-jiading-auto-parts.json", "2025-06-30");
    assert!(!out.contains("未知"), "{out}");
    assert!(!out.contains("缺少： "), "{out}");
    assert!(
        out.contains("缺少：中小企业从业人员数（sme_employees）"),
        "{out}"
    );
    assert!(out.contains("（五）协同创新能力较强 = 无法判定"), "{out}");
    assert!(out.contains("缺少数据 >= 15个：无法判定"), "{out}");
}

/// The language of the human report leaves the JSON output alone.
#[test]
fn json_output_does_not_depend_on_the_language() {
    for (name, date) in example_dates() {
        let path = format!("examples/{name}");
        let args = |lang: &'static str| {
            run(&[
                "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", "json",
                "--lang", lang,
            ])
        };
        let (en, zh) = (args("en"), args("zh"));
        assert_eq!(en.0, 0, "{}", en.2);
        assert_eq!(en, zh, "{path}: the JSON output differs with --lang zh");
    }
}
