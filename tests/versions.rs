//! Versions of a document in one rule set (`tests/fixtures/versions`): the program in
//! force is chosen by the evaluation date, at the boundaries too; items not in force
//! are absent; dated parameter values apply on their dates; a date outside every
//! version is refused naming each; reports, batch runs, cases and `policy diff` follow
//! the version; and `policy fmt` writes the new syntax canonically.

mod common;

use chrono::NaiveDate;
use common::*;
use policy::diag::Sources;
use policy::eval::evaluate;
use policy::facts::raw::Format;
use serde_json::Value as J;

const FIXTURE: &str = "tests/fixtures/versions";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn load_dir(dir: &str) -> (Sources, policy::RuleSet) {
    let mut sources = Sources::new();
    let rules = match policy::load_rule_set(&mut sources, rule_files(&root().join(dir))) {
        Ok(r) => r,
        Err(e) => panic!("{}", sources.render_plain(&e)),
    };
    (sources, rules)
}

fn load_text(text: &str) -> Result<policy::RuleSet, String> {
    let mut sources = Sources::new();
    policy::load_rule_set(&mut sources, vec![("t.policy".into(), text.into())])
        .map_err(|e| sources.render_plain(&e))
}

/// The value of a yes/no decision for a facts file of the fixture, evaluated on `date`.
fn decision(rules: &policy::RuleSet, facts: &str, date: &str, name: &str) -> Option<bool> {
    let p = rules.at(d(date)).unwrap();
    let text = std::fs::read_to_string(root().join(FIXTURE).join("facts").join(facts)).unwrap();
    let (facts, _) = policy::facts::load(p, Format::Json, &text, 0).unwrap();
    let ev = evaluate(p, &facts, d(date), true);
    let id = p.decisions.iter().position(|x| x.name == name).unwrap();
    match ev.decisions[id].value {
        Some(policy::eval::Value::Bool(b)) => Some(b),
        _ => None,
    }
}

fn version_on(rules: &policy::RuleSet, date: &str) -> Option<String> {
    rules.at(d(date)).unwrap().header.version.clone()
}

#[test]
fn the_version_in_force_is_chosen_at_the_boundaries() {
    let (_, rules) = load_dir(FIXTURE);
    assert_eq!(version_on(&rules, "2023-03-01").as_deref(), Some("旧"));
    // The last day of the old version and the first of the new.
    assert_eq!(version_on(&rules, "2024-02-21").as_deref(), Some("旧"));
    assert_eq!(version_on(&rules, "2024-02-22").as_deref(), Some("新"));
    let old = rules.at(d("2024-02-21")).unwrap();
    assert_eq!(old.header.document.as_deref(), Some("旧〔2023〕1号"));
    assert_eq!(old.header.in_force.until, Some(d("2024-02-21")));
    let new = rules.at(d("2024-02-22")).unwrap();
    assert_eq!(new.header.document.as_deref(), Some("新〔2024〕1号"));
    // Shared fields come from the policy block; the open period has no end.
    assert_eq!(new.header.issued_by.as_deref(), Some("测试机关"));
    assert_eq!(new.header.in_force.from, Some(d("2024-02-22")));
    assert_eq!(new.header.in_force.until, None);
    assert!(rules.at(d("9999-12-31")).is_ok());
    // The rule dated from 2025-01-01 cuts the new version in two.
    assert_eq!(rules.programs().count(), 3);
    let before = rules.at(d("2024-12-31")).unwrap();
    let after = rules.at(d("2025-01-01")).unwrap();
    assert_eq!(before.header.applies.until, Some(d("2024-12-31")));
    assert_eq!(after.header.applies.from, Some(d("2025-01-01")));
    assert_eq!(before.header.version, after.header.version);
}

#[test]
fn items_not_in_force_are_absent_from_the_evaluation() {
    let (_, rules) = load_dir(FIXTURE);
    let names = |date: &str| -> Vec<String> {
        rules
            .at(d(date))
            .unwrap()
            .decisions
            .iter()
            .map(|x| x.name.clone())
            .collect()
    };
    assert!(names("2024-02-21").contains(&"article6.clause2".to_string()));
    assert!(!names("2024-02-22").contains(&"article6.clause2".to_string()));
    // One `eligible` per version, never two.
    for date in ["2024-02-21", "2024-02-22"] {
        let n = names(date)
            .iter()
            .filter(|n| *n == "article6.eligible")
            .count();
        assert_eq!(n, 1, "{date}");
    }
    let rules_of_clause1 = |date: &str| {
        rules.at(d(date)).unwrap().articles[0].clauses[0]
            .rules
            .len()
    };
    assert_eq!(rules_of_clause1("2024-12-31"), 1);
    assert_eq!(rules_of_clause1("2025-01-01"), 2);
    // Not in force is not "not applicable": a 35亿元 cluster without a recommendation
    // fails the old version on clause 2 and passes the new one, which has no clause 2.
    assert_eq!(
        decision(&rules, "35.json", "2024-02-21", "article6.eligible"),
        Some(false)
    );
    assert_eq!(
        decision(&rules, "35.json", "2024-02-22", "article6.eligible"),
        Some(true)
    );
}

#[test]
fn dated_parameter_values_apply_on_their_dates() {
    let (_, rules) = load_dir(FIXTURE);
    assert_eq!(
        decision(&rules, "25.json", "2024-02-21", "article6.clause1"),
        Some(true)
    );
    assert_eq!(
        decision(&rules, "25.json", "2024-02-22", "article6.clause1"),
        Some(false)
    );
    let slot = |date: &str| {
        rules
            .at(d(date))
            .unwrap()
            .slots
            .iter()
            .find(|s| s.name == "产值下限")
            .unwrap()
            .dated
            .clone()
            .unwrap()
    };
    let old = slot("2024-02-21");
    assert_eq!(old.value, "20 亿元");
    assert_eq!(old.from, Some(d("2023-03-01")));
    assert_eq!(old.source.as_deref(), Some("产值在20亿元以上"));
    let new = slot("2024-02-22");
    assert_eq!(new.value, "30 亿元");
    assert_eq!(new.source.as_deref(), Some("产值在30亿元以上"));
}

#[test]
fn a_value_for_a_version_wins_over_a_value_by_date() {
    let rules = load_text(
        r#"policy "P" {
  version "A" { in_force 2023-01-01 to 2023-12-31 }
  version "B" { in_force from 2024-01-01 }
}
fact x "数": number
article 1 "测试" {
  parameter 下限
    from 2023-01-01: 1
    version "B": 2
  clause 1 "一" {
    rule "甲": x >= 下限
  }
}
"#,
    )
    .unwrap();
    let value = |date: &str| {
        let p = rules.at(d(date)).unwrap();
        p.slots[0].dated.as_ref().unwrap().value.clone()
    };
    assert_eq!(value("2023-12-31"), "1");
    assert_eq!(value("2024-01-01"), "2");
}

#[test]
fn a_date_outside_every_version_is_refused_naming_each() {
    let rules = load_text(
        r#"policy "P" {
  version "A" { document "甲号" in_force 2023-01-01 to 2023-06-30 }
  version "B" { document "乙号" in_force from 2024-01-01 }
}
fact x "数": bool
article 1 "测试" {
  clause 1 "一" {
    rule "甲": x
  }
}
"#,
    )
    .unwrap();
    assert!(rules.at(d("2023-06-30")).is_ok());
    assert!(rules.at(d("2024-01-01")).is_ok());
    for date in ["2022-12-31", "2023-07-01", "2023-12-31"] {
        let e = rules.at(d(date)).unwrap_err();
        assert_eq!(e.code, "policy::out_of_force");
        assert!(e.message.contains(date), "{}", e.message);
        assert!(
            e.message.contains("“A”（甲号） 2023-01-01 to 2023-06-30"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("“B”（乙号） from 2024-01-01"),
            "{}",
            e.message
        );
        assert_eq!(e.related.len(), 1);
    }
}

#[test]
fn the_refusal_quotes_the_period_and_its_source_from_the_rule_files() {
    let rules = load_text(
        r#"policy "某办法" {
  document "某〔2024〕1号"
  in_force from 2024-02-22
    source "本办法自2024年2月22日起施行。"
}
fact x "数": bool
article 1 "测试" {
  clause 1 "一" {
    rule "甲": x
  }
}
"#,
    )
    .unwrap();
    let e = rules.at(d("2024-02-21")).unwrap_err();
    assert_eq!(
        e.message,
        "the evaluation date 2024-02-21 is outside the period in which 某办法（某〔2024〕1号） is in force, from 2024-02-22"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("choose --as-of on or after 2024-02-22 (本办法自2024年2月22日起施行。)")
    );
    // Without `in_force`, every date is in force.
    let always = load_text("policy \"P\" { }\nfact x \"数\": bool\narticle 1 \"测试\" {\n  clause 1 \"一\" {\n    rule \"甲\": x\n  }\n}\n").unwrap();
    assert!(always.at(d("1900-01-01")).is_ok());
    assert!(always.at(d("2999-12-31")).is_ok());
}

#[test]
fn the_cli_refuses_a_date_before_the_first_version() {
    let (code, _, stderr) = run(&[
        "check",
        "--policy",
        FIXTURE,
        "--facts",
        "tests/fixtures/versions/facts/25.json",
        "--as-of",
        "2023-02-28",
    ]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("“旧”（旧〔2023〕1号） in force 2023-03-01 to 2024-02-21"),
        "{stderr}"
    );
    assert!(
        stderr.contains("“新”（新〔2024〕1号） in force from 2024-02-22"),
        "{stderr}"
    );
    assert!(!stderr.contains("Article 21"), "{stderr}");
    insta::assert_snapshot!("out-of-force-before-the-first-version", stderr);
}

/// The human and JSON reports of one cluster on the last day of the old version, the
/// first of the new, and after the dated rule starts.
#[test]
fn reports_name_the_version() {
    for date in ["2024-02-21", "2024-02-22", "2025-01-01"] {
        for format in ["human", "json"] {
            let (code, stdout, stderr) = run(&[
                "check",
                "--policy",
                FIXTURE,
                "--facts",
                "tests/fixtures/versions/facts/25.json",
                "--as-of",
                date,
                "--format",
                format,
            ]);
            assert_eq!(code, 0, "{stderr}");
            if format == "json" {
                let j: J = serde_json::from_str(&stdout).unwrap();
                let v = &j["policy"]["version"];
                assert_eq!(v["name"], if date == "2024-02-21" { "旧" } else { "新" });
                if date != "2024-02-21" {
                    assert_eq!(j["policy"]["in_force_until"], J::Null);
                }
            }
            insta::assert_snapshot!(
                format!("report-{date}.{format}"),
                format!("$ policy check --policy {FIXTURE} --facts …/25.json --as-of {date} --format {format}\n\n{stdout}")
            );
        }
    }
}

#[test]
fn batch_runs_select_the_version_by_date() {
    let eligible = |date: &str| -> Vec<(String, J)> {
        let (code, stdout, stderr) = run(&[
            "check",
            "--policy",
            FIXTURE,
            "--facts",
            "tests/fixtures/versions/facts",
            "--as-of",
            date,
            "--format",
            "jsonl",
        ]);
        assert_eq!(code, 0, "{stderr}");
        // The summary names the version applied.
        let version = if date < "2024-02-22" { "旧" } else { "新" };
        assert!(
            stderr.contains(&format!("\"version\":\"{version}\"")),
            "{stderr}"
        );
        stdout
            .lines()
            .map(|l| {
                let j: J = serde_json::from_str(l).unwrap();
                (
                    j["source"]["file"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_string(),
                    j["decisions"]["article6.eligible"]["value"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        eligible("2024-02-21"),
        vec![
            ("25.json".into(), J::Bool(true)),
            ("35.json".into(), J::Bool(false))
        ]
    );
    assert_eq!(
        eligible("2024-02-22"),
        vec![
            ("25.json".into(), J::Bool(false)),
            ("35.json".into(), J::Bool(true))
        ]
    );
}

/// The example rule set holds the 2023 call and the 2024 measures; its cases lie on
/// both sides of 2024-02-22 and of each changed threshold.
#[test]
fn the_versions_example_passes_its_cases() {
    let (code, stdout, stderr) = run(&["test", "--policy", "examples/versions"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("17 cases in 1 file: 17 passed, 0 failed"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["fmt", "--check", "examples/versions", FIXTURE]);
    assert_eq!(code, 0, "{stderr}");
}

/// The proof of the structure and versions features together: the national annex (items 一…四,
/// applied until 2024-02-21) and the 2024 measures' Article 6 (from 2024-02-22) in one folder,
/// with cases on both sides of the switch date and of every threshold.
#[test]
fn the_national_and_shanghai_example_passes_its_cases() {
    let dir = "examples/national-and-shanghai";
    let (code, stdout, stderr) = run(&["test", "--policy", dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("21 cases in 1 file: 21 passed, 0 failed"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["fmt", "--check", dir]);
    assert_eq!(code, 0, "{stderr}");
    // The decisions follow the document in force: annex ids before, article ids after.
    let facts = "examples/national-and-shanghai/cases/facts/base.json";
    let (code, before, stderr) = run(&[
        "check",
        "--policy",
        dir,
        "--facts",
        facts,
        "--as-of",
        "2024-02-21",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        before.contains("\"annex.item4\"") && !before.contains("article6"),
        "{before}"
    );
    let (code, after, stderr) = run(&[
        "check",
        "--policy",
        dir,
        "--facts",
        facts,
        "--as-of",
        "2024-02-22",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        after.contains("\"article6.clause2\"") && !after.contains("annex."),
        "{after}"
    );
}

#[test]
fn a_case_dated_outside_every_version_fails_with_the_periods() {
    let dir = std::env::temp_dir().join(format!("policy-versions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join("early.yaml");
    std::fs::write(
        &case,
        "name: 太早\nas_of: 2023-01-01\nfacts: {output: 35}\nexpect: {article6.clause1: true}\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["test", "--policy", FIXTURE, case.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 6, "{stdout}");
    assert!(stdout.contains("outside every version"), "{stdout}");
    assert!(stdout.contains("2023-03-01 to 2024-02-21"), "{stdout}");
}

#[test]
fn diff_between_two_versions_of_one_rule_set() {
    let (code, stdout, stderr) = run(&[
        "diff",
        FIXTURE,
        "--from-version",
        "旧",
        "--to-version",
        "新",
        "--facts",
        "tests/fixtures/versions/facts",
        "--as-of",
        "2024-06-30",
    ]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("diff-old-new", stdout);
    // By dates: the rule that starts on 2025-01-01.
    let (code, stdout, stderr) = run(&[
        "diff",
        FIXTURE,
        "--from-version",
        "2024-12-31",
        "--to-version",
        "2025-01-01",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("自2025年起产值须经审计"), "{stdout}");
    insta::assert_snapshot!("diff-by-dates", stdout);
    // Between two folders, dated items and values show their dates or versions.
    let (code, stdout, stderr) = run(&["diff", FIXTURE, "examples/versions"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+ 第六条（二） clause 2: 具有较强核心竞争力 [version \"管理办法\"]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("from 2023-03-01: 20 亿元 source 近三年产值均在20亿元以上（示意）; from 2024-02-22: 30 亿元"),
        "{stdout}"
    );
    // One folder needs both versions; an unknown one is named.
    let (code, _, stderr) = run(&["diff", FIXTURE, "--from-version", "旧"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("policy::usage::diff_versions"), "{stderr}");
    let (code, _, stderr) = run(&[
        "diff",
        FIXTURE,
        "--from-version",
        "老",
        "--to-version",
        "新",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("“旧”, “新”"), "{stderr}");
}

/// `policy fmt` writes the new syntax in one layout, whatever the layout it was written
/// in, and formatting that again changes nothing.
#[test]
fn fmt_writes_the_new_syntax_canonically() {
    let cramped = r#"policy "P" { issued_by "机关" version "A" { document "甲" in_force 2023-01-01 to 2023-12-31 } version "B" { in_force from 2024-01-01 source "自2024年1月1日起施行" } }
fact x "数": number
article 1 "测试" version "B" {
  parameter 下限 from 2024-01-01: 1 source "一" version "B": 2
  clause 1 "一" in_force from 2024-01-01 { rule "甲" in_force 2024-06-01 to 2024-12-31 when x > 0: x >= 下限 rule "乙": x >= 0 }
  decision ok "好" version "B" = clause 1
}
"#;
    let canonical = r#"policy "P" {
  issued_by "机关"
  version "A" {
    document "甲"
    in_force 2023-01-01 to 2023-12-31
  }
  version "B" {
    in_force from 2024-01-01
      source "自2024年1月1日起施行"
  }
}
fact x "数": number
article 1 "测试" version "B" {
  parameter 下限
    from 2024-01-01: 1
      source "一"
    version "B": 2
  clause 1 "一" in_force from 2024-01-01 {
    rule "甲" in_force 2024-06-01 to 2024-12-31 when x > 0:
      x >= 下限
    rule "乙":
      x >= 0
  }
  decision ok "好" version "B" =
    clause 1
}
"#;
    let once = policy::fmt::format(0, cramped).unwrap();
    assert_eq!(once, canonical);
    assert_eq!(policy::fmt::format(0, &once).unwrap(), once);
    // And the formatted text means the same: it checks, with the same versions.
    let rules = load_text(&once).unwrap();
    assert_eq!(rules.versions().len(), 2);
}

#[test]
fn a_period_of_one_day_is_a_period_and_one_that_ends_before_it_starts_is_refused() {
    let text = |until: &str| {
        format!(
            "policy \"期间\" {{\n  document \"示例\"\n  in_force 2024-01-01 to 2024-12-31\n}}\n\n\
             fact x \"数\": bool\n\n\
             article 1 \"测试\" {{\n  clause 1 \"一\" in_force 2024-03-01 to {until} {{\n    rule \"甲\": x\n  }}\n}}\n"
        )
    };
    // From and until the same day: in force on that day only.
    let rules = load_text(&text("2024-03-01")).unwrap_or_else(|e| panic!("{e}"));
    let has_clause = |date: &str| {
        let p = rules.at(d(date)).unwrap();
        p.decisions.iter().any(|x| x.name == "article1.clause1")
    };
    assert!(has_clause("2024-03-01"));
    assert!(!has_clause("2024-03-02"));
    assert!(!has_clause("2024-02-29"));
    // Until the day before: refused.
    let Err(err) = load_text(&text("2024-02-29")) else {
        panic!("a period ending before it starts was accepted")
    };
    assert!(err.contains("policy::check::bad_period"), "{err}");
}

#[test]
fn values_and_datings_outside_clauses_cut_the_periods_too() {
    // A parameter of the file, one of an article and one of a clause, each with values
    // by date, and a decision of an article dated on its own: each date where one changes starts a new
    // period, so the value in force is the one of its date.
    let rules = load_text(
        "policy \"期间\" {\n  document \"示例\"\n  in_force 2024-01-01 to 2024-12-31\n}\n\n\
         fact x \"数\": number\n\n\
         parameter 门槛 \"门槛\"\n  from 2024-01-01: 10\n  from 2024-07-01: 20\n\n\
         article 1 \"测试\" {\n\
         \x20 parameter 门槛二 \"门槛二\"\n    from 2024-01-01: 10\n    from 2024-04-01: 20\n\
         \x20 decision above = x > 门槛\n\
         \x20 decision above2 = x > 门槛二\n\
         \x20 decision late in_force from 2024-10-01 = x > 0\n\
         \x20 clause 1 \"一\" {\n\
         \x20   parameter 门槛三 \"门槛三\"\n      from 2024-01-01: 10\n      from 2024-05-01: 20\n\
         \x20   rule \"甲\": x > 门槛三\n\
         \x20 }\n\
         }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let value = |date: &str, name: &str| {
        let p = rules.at(d(date)).unwrap();
        let (facts, _) = policy::facts::load(p, Format::Json, r#"{"x": 15}"#, 0).unwrap();
        let ev = evaluate(p, &facts, d(date), false);
        let id = p.decisions.iter().position(|x| x.name == name)?;
        match ev.decisions[id].value {
            Some(policy::eval::Value::Bool(b)) => Some(b),
            _ => None,
        }
    };
    assert_eq!(value("2024-06-30", "article1.above"), Some(true));
    assert_eq!(value("2024-07-01", "article1.above"), Some(false));
    assert_eq!(value("2024-03-31", "article1.above2"), Some(true));
    assert_eq!(value("2024-04-01", "article1.above2"), Some(false));
    assert_eq!(value("2024-09-30", "article1.late"), None);
    assert_eq!(value("2024-10-01", "article1.late"), Some(true));
    // A parameter of a clause cuts the periods as well.
    assert_eq!(value("2024-04-30", "article1.clause1"), Some(true));
    assert_eq!(value("2024-05-01", "article1.clause1"), Some(false));
    // Each parameter of the one file shows its own value in force (the reports' list).
    let shown = |date: &str, name: &str| {
        let p = rules.at(d(date)).unwrap();
        let slot = p.slots.iter().find(|s| s.name == name).unwrap();
        slot.dated.as_ref().map(|x| (x.value.clone(), x.from))
    };
    let on = "2024-05-01";
    assert_eq!(
        shown(on, "门槛"),
        Some(("10".into(), Some(d("2024-01-01"))))
    );
    assert_eq!(
        shown(on, "门槛二"),
        Some(("20".into(), Some(d("2024-04-01"))))
    );
    assert_eq!(
        shown(on, "门槛三"),
        Some(("20".into(), Some(d("2024-05-01"))))
    );
}

#[test]
fn an_error_in_every_period_is_reported_once_without_dates() {
    // Two periods (a value changes on 2024-07-01). The unknown name `未知` is wrong in
    // both: one error, with no "on the dates" note. The ones only in the first or only in
    // the second period are reported once each, saying on which dates; so is `重名`,
    // once at each of its two places.
    let e = load_text(
        "policy \"期间\" {\n  in_force 2024-01-01 to 2024-12-31\n}\n\n\
         fact x \"数\": number\n\n\
         parameter 门槛 \"门槛\"\n  from 2024-01-01: 10\n  from 2024-07-01: 20\n\n\
         article 1 \"测试\" {\n\
         \x20 decision early in_force 2024-01-01 to 2024-06-30 = x > 早的未知\n\
         \x20 decision above = x > 门槛 + 未知\n\
         \x20 decision late in_force from 2024-07-01 = x > 晚的未知\n\
         \x20 decision early2 in_force 2024-01-01 to 2024-06-30 = x > 重名\n\
         \x20 decision late2 in_force from 2024-07-01 = x > 重名\n\
         }\n",
    )
    .err()
    .expect("the rule set has errors");
    let blocks: Vec<&str> = e.split("policy::check::").skip(1).collect();
    let block = |name: &str| -> &str {
        let found: Vec<&&str> = blocks
            .iter()
            .filter(|b| b.contains(&format!("unknown name `{name}`")))
            .collect();
        assert_eq!(found.len(), 1, "`{name}` once:\n{e}");
        found[0]
    };
    assert!(!block("未知").contains("on the dates"), "{e}");
    assert!(block("早的未知").contains("on the dates 2024-01-01"), "{e}");
    assert!(block("晚的未知").contains("on the dates 2024-07-01"), "{e}");
    // One name wrong at two places, one in each period: two errors, not one.
    let twice: Vec<&&str> = blocks
        .iter()
        .filter(|b| b.contains("unknown name `重名`"))
        .collect();
    assert_eq!(twice.len(), 2, "{e}");
    assert!(twice[0].contains("on the dates 2024-01-01"), "{e}");
    assert!(twice[1].contains("on the dates 2024-07-01"), "{e}");
}

#[test]
fn a_parameter_used_in_one_period_only_is_not_called_unused() {
    // Parameters and functions of the file (`文件门槛`, `文件函数`), of an article
    // (`晚门槛`, `条文函数`) and of a clause (`条门槛`, `条函数`), and the fact `y`, are used
    // only by a decision or a rule in force from 2024-07-01: unused in the first period,
    // used in the second — not unused. `无用` and `z` are used in neither: each warned about once.
    let rules = load_text(
        "policy \"期间\" {\n  in_force 2024-01-01 to 2024-12-31\n}\n\n\
         fact x \"数\": number\n\
         fact y \"晚用的数\": number\n\
         fact z \"无用的数\": number\n\n\
         parameter 文件门槛 = 7\n\
         definition 文件函数(v: number) = v > 1\n\n\
         article 1 \"测试\" {\n\
         \x20 parameter 晚门槛 = 5\n\
         \x20 definition 条文函数(v: number) = v > 2\n\
         \x20 clause 1 \"一\" {\n\
         \x20   parameter 条门槛 = 3\n\
         \x20   definition 条函数(v: number) = v > 4\n\
         \x20   rule \"早\": x > 0\n\
         \x20   rule \"晚\" in_force from 2024-07-01: x > 条门槛 and 条函数(x)\n\
         \x20 }\n\
         \x20 parameter 无用 = 6\n\
         \x20 decision above = x > 1\n\
         \x20 decision late in_force from 2024-07-01 = x > 晚门槛 and y > 文件门槛 and 文件函数(x) and 条文函数(x)\n\
         }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let text = Sources::new().render_plain(&rules.warnings);
    assert_eq!(text.matches("declared but not used").count(), 1, "{text}");
    assert!(text.contains("`无用`"), "{text}");
    for name in [
        "晚门槛",
        "文件门槛",
        "条门槛",
        "文件函数",
        "条文函数",
        "条函数",
    ] {
        assert!(!text.contains(&format!("`{name}`")), "{name}: {text}");
    }
    // The same for facts: `y` is used in the second period, `z` in none.
    assert_eq!(text.matches("no rule uses it").count(), 1, "{text}");
    assert!(text.contains("fact `z`"), "{text}");
}
