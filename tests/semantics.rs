//! The measures' arithmetic and logic, decision by decision: exact thresholds,
//! three-valued logic, conditional criteria, date edges and lifecycles. Each test
//! starts from an example cluster and changes the facts it is about.

mod common;

use common::*;
use policy::diag::Sources;
use policy::eval::{evaluate, Status, Value};
use serde_json::{json, Value as J};

struct Rules {
    rules: policy::RuleSet,
}

fn rules() -> Rules {
    let mut sources = Sources::new();
    Rules {
        rules: policy::load_rule_set(&mut sources, shanghai_rules()).expect("shipped rules check"),
    }
}

/// (status, value as JSON) of `decision` for `facts` on `as_of`.
fn decide(r: &Rules, facts: &J, as_of: &str, decision: &str) -> (Status, J) {
    let p = &r.rules.program;
    let text = facts.to_string();
    let (facts, _) =
        policy::facts::load(p, policy::facts::Format::Json, &text, 0).expect("facts load");
    let date = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    let ev = evaluate(p, &facts, date, false);
    let id = p
        .decisions
        .iter()
        .position(|d| d.name == decision)
        .unwrap_or_else(|| panic!("no decision {decision}"));
    let res = &ev.decisions[id];
    let v = match &res.value {
        Some(Value::Bool(b)) => json!(b),
        Some(v) => policy::render::json::value(p, v, &p.decisions[id].ty),
        None => J::Null,
    };
    (res.status, v)
}

fn example(name: &str) -> J {
    serde_json::from_str(&std::fs::read_to_string(root().join("examples").join(name)).unwrap())
        .unwrap()
}

fn eligible() -> J {
    example("eligible-zhangjiang-biomed.json")
}

fn recognised() -> J {
    example("article15-valid-lingang-intelligent-grid.json")
}

const DECIDED: Status = Status::Decided;
const UNDET: Status = Status::Undetermined;
const NA: Status = Status::NotApplicable;

#[test]
fn the_eligible_example_is_eligible() {
    let r = rules();
    assert_eq!(
        decide(&r, &eligible(), "2025-06-30", "article6.eligible"),
        (DECIDED, json!(true))
    );
}

#[test]
fn growth_exactly_ten_percent_meets_the_threshold() {
    let r = rules();
    let mut f = eligible();
    // 30 → 33 → 36.3 is exactly 10% a year; 100 → 121 over two years likewise.
    f["output_value"] = json!({"2022": 30, "2023": 33, "2024": 36.3});
    f["sme_output_value"] = json!({"2024": 18.15});
    f["leading_industry_output_value"] = json!({"2024": 18.15});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(true))
    );
    f["output_value"] = json!({"2022": 100, "2023": 105, "2024": 121});
    f["sme_output_value"] = json!({"2024": 60.5});
    f["leading_industry_output_value"] = json!({"2024": 60.5});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(true))
    );
    // Just below: 120.99 over 100 is under 10% a year.
    f["output_value"] = json!({"2022": 100, "2023": 105, "2024": 120.99});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(false))
    );
}

#[test]
fn shares_at_exactly_fifty_percent_meet_and_just_below_fail() {
    let r = rules();
    let mut f = eligible();
    f["output_value"] = json!({"2022": 30, "2023": 33, "2024": 36.3});
    f["sme_output_value"] = json!({"2024": "18.15亿元"});
    f["leading_industry_output_value"] = json!({"2024": "1815000000元"});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(true))
    );
    f["sme_output_value"] = json!({"2024": "18.149999亿元"});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(false))
    );
}

#[test]
fn output_of_exactly_thirty_in_each_year_meets_and_one_below_fails() {
    let r = rules();
    let mut f = eligible();
    f["output_value"] = json!({"2022": "30.00亿元", "2023": 30, "2024": 36.3});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(true))
    );
    f["output_value"] = json!({"2022": "2999999999.99元", "2023": 33, "2024": 36.3});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(false))
    );
}

#[test]
fn first_year_zero_makes_growth_undetermined_not_failed() {
    let r = rules();
    let mut f = eligible();
    f["sme_rd_expenditure"] = json!({"2022": 0, "2023": 100, "2024": 200});
    let (status, v) = decide(&r, &f, "2025-06-30", "article6.clause5");
    assert_eq!((status, v), (UNDET, J::Null));
}

#[test]
fn growth_needs_the_middle_year_too() {
    // §4 computes from the first and last year, but §3: a figure missing for any of the
    // three years makes the criterion undetermined.
    let r = rules();
    let mut f = eligible();
    f["sme_rd_expenditure"] = json!({"2022": 10000, "2024": 11025});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause5"),
        (UNDET, J::Null)
    );
    f["sme_rd_expenditure"] = json!({"2022": 10000, "2023": 10500, "2024": 11025});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause5"),
        (DECIDED, json!(true))
    );
}

#[test]
fn a_missing_year_is_undetermined_and_names_the_fact() {
    let r = rules();
    let mut f = eligible();
    f["output_value"] = json!({"2022": 40, "2024": 50});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (UNDET, J::Null)
    );
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.eligible"),
        (UNDET, J::Null)
    );
}

#[test]
fn false_wins_over_undetermined_in_all_of() {
    let r = rules();
    let mut f = eligible();
    f.as_object_mut()
        .unwrap()
        .remove("international_cooperation"); // clause 8 undetermined
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.eligible"),
        (UNDET, J::Null)
    );
    f["three_year_plan"] = json!(false); // clause 9 false
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.eligible"),
        (DECIDED, json!(false))
    );
}

#[test]
fn true_wins_over_undetermined_in_any_of() {
    let r = rules();
    let mut f = eligible();
    let o = f.as_object_mut().unwrap();
    o.remove("champion_or_little_giant_count");
    o.insert("srdi_or_high_tech_count".into(), json!(10));
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause3"),
        (DECIDED, json!(true))
    );
    f["srdi_or_high_tech_count"] = json!(9);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause3"),
        (UNDET, J::Null)
    );
    f["champion_or_little_giant_count"] = json!(0);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause3"),
        (DECIDED, json!(false))
    );
}

#[test]
fn land_area_over_the_guideline_warns_but_does_not_fail() {
    let r = rules();
    let mut f = eligible();
    f["land_area"] = json!(120);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause2"),
        (DECIDED, json!(true))
    );
}

#[test]
fn energy_test_applies_only_to_high_energy_clusters() {
    let r = rules();
    let mut f = eligible();
    f["high_energy_industry"] = json!(false);
    f["energy_efficiency_above_benchmark"] = json!(false);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (DECIDED, json!(true))
    );
    f["high_energy_industry"] = json!(true);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (DECIDED, json!(false))
    );
    // Unknown whether high-energy: met when efficiency is above the benchmark…
    f.as_object_mut().unwrap().remove("high_energy_industry");
    f["energy_efficiency_above_benchmark"] = json!(true);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (DECIDED, json!(true))
    );
    // …otherwise undetermined.
    f["energy_efficiency_above_benchmark"] = json!(false);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (UNDET, J::Null)
    );
}

#[test]
fn co2_intensity_must_fall_strictly_each_year() {
    let r = rules();
    let mut f = eligible();
    f["co2_intensity"] = json!({"2022": 0.5, "2023": 0.5, "2024": 0.4});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (DECIDED, json!(false))
    );
    f["co2_intensity"] = json!({"2021": 0.1, "2022": 0.5, "2023": 0.49, "2024": 0.48});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause7"),
        (DECIDED, json!(true))
    );
}

#[test]
fn incidents_count_from_exactly_three_years_back() {
    let r = rules();
    let mut f = eligible();
    f["incidents"] = json!([{"date": "2022-06-30", "category": "safety", "severity": "larger"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (DECIDED, json!(false))
    );
    f["incidents"] = json!([{"date": "2022-06-29", "category": "safety", "severity": "larger"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (DECIDED, json!(true))
    );
    // A general accident does not count; a data-security incident counts from 重大.
    f["incidents"] = json!([
        {"date": "2024-01-01", "category": "safety", "severity": "general"},
        {"date": "2024-01-01", "category": "data_security", "severity": "larger"}
    ]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (DECIDED, json!(true))
    );
    // Tax evasion counts whatever its grade; a safety accident of unknown grade is undetermined.
    f["incidents"] = json!([{"date": "2024-01-01", "category": "tax_evasion"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (DECIDED, json!(false))
    );
    f["incidents"] = json!([{"date": "2024-01-01", "category": "safety"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (UNDET, J::Null)
    );
    // Absent list: unknown; empty list: none.
    f.as_object_mut().unwrap().remove("incidents");
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (UNDET, J::Null)
    );
    f["incidents"] = json!([]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article6.clause1"),
        (DECIDED, json!(true))
    );
}

#[test]
fn validity_ends_on_the_expiry_date_itself() {
    let r = rules();
    let f = recognised(); // recognised 2024-03-15, no reviews
    assert_eq!(
        decide(&r, &f, "2027-03-14", "article15.status"),
        (DECIDED, json!("valid"))
    );
    assert_eq!(
        decide(&r, &f, "2027-03-15", "article15.status"),
        (DECIDED, json!("lapsed"))
    );
    assert_eq!(
        decide(&r, &f, "2027-03-15", "article15.expires_on"),
        (DECIDED, json!("2027-03-15"))
    );
}

#[test]
fn leap_day_recognition_expires_on_the_last_day_of_february() {
    let r = rules();
    let mut f = recognised();
    f["recognition"] = json!({"date": "2024-02-29"});
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article15.expires_on"),
        (DECIDED, json!("2027-02-28"))
    );
    // A passed review extends from the old expiry, three years at a time.
    f["reviews"] = json!([{"applied_on": "2027-01-05", "result": "passed"}]);
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article15.expires_on"),
        (DECIDED, json!("2030-02-28"))
    );
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article15.status"),
        (DECIDED, json!("valid"))
    );
}

#[test]
fn a_pending_review_puts_the_cluster_under_review() {
    let r = rules();
    let mut f = recognised();
    f["reviews"] = json!([{"applied_on": "2027-02-01", "result": "pending"}]);
    assert_eq!(
        decide(&r, &f, "2027-04-01", "article15.status"),
        (DECIDED, json!("under_review"))
    );
    assert_eq!(
        decide(&r, &f, "2027-04-01", "article19.ground1"),
        (DECIDED, json!(false))
    );
    f["reviews"] = json!([{"applied_on": "2027-02-01", "result": "failed"}]);
    assert_eq!(
        decide(&r, &f, "2027-04-01", "article15.status"),
        (DECIDED, json!("lapsed"))
    );
    assert_eq!(
        decide(&r, &f, "2027-04-01", "article19.ground1"),
        (DECIDED, json!(true))
    );
    // Without the list of reviews, status is undetermined.
    f.as_object_mut().unwrap().remove("reviews");
    assert_eq!(
        decide(&r, &f, "2027-04-01", "article15.status"),
        (UNDET, J::Null)
    );
}

#[test]
fn annual_report_on_ten_april_is_on_time_and_eleven_april_late() {
    let r = rules();
    let mut f = recognised();
    f["annual_reports"] = json!([{"year": 2024, "submitted_on": "2025-04-10"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.ground3"),
        (DECIDED, json!(false))
    );
    f["annual_reports"] = json!([{"year": 2024, "submitted_on": "2025-04-11"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.ground3"),
        (DECIDED, json!(true))
    );
    // Not yet due: not late, even with no report at all.
    f["annual_reports"] = json!([]);
    assert_eq!(
        decide(&r, &f, "2025-04-10", "article19.ground3"),
        (DECIDED, json!(false))
    );
    assert_eq!(
        decide(&r, &f, "2025-04-11", "article19.ground3"),
        (DECIDED, json!(true))
    );
}

#[test]
fn a_change_filed_on_day_thirty_is_in_time_and_day_thirty_one_late() {
    let r = rules();
    let mut f = recognised();
    f["changes"] = json!([{"kind": "operator", "date": "2025-01-01", "filed_on": "2025-01-31"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.ground4"),
        (DECIDED, json!(false))
    );
    f["changes"] = json!([{"kind": "operator", "date": "2025-01-01", "filed_on": "2025-02-01"}]);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.ground4"),
        (DECIDED, json!(true))
    );
    f["changes"] = json!([{"kind": "operator", "date": "2025-01-01", "filed_on": null}]);
    assert_eq!(
        decide(&r, &f, "2025-01-31", "article19.ground4"),
        (DECIDED, json!(false))
    );
    assert_eq!(
        decide(&r, &f, "2025-02-01", "article19.ground4"),
        (DECIDED, json!(true))
    );
}

#[test]
fn one_ground_that_holds_decides_revocation_despite_unknowns() {
    let r = rules();
    let mut f = recognised();
    let o = f.as_object_mut().unwrap();
    o.remove("changes");
    o.remove("annual_reports");
    o.insert("false_application".into(), json!(true));
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.revoke"),
        (DECIDED, json!(true))
    );
    f["false_application"] = json!(false);
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article19.revoke"),
        (UNDET, J::Null)
    );
}

#[test]
fn articles_15_and_19_do_not_apply_before_recognition() {
    let r = rules();
    let mut f = recognised();
    assert_eq!(
        decide(&r, &f, "2024-03-14", "article19.revoke"),
        (NA, J::Null)
    );
    assert_eq!(
        decide(&r, &f, "2024-03-14", "article15.status"),
        (NA, J::Null)
    );
    f.as_object_mut().unwrap().remove("recognition");
    assert_eq!(
        decide(&r, &f, "2025-06-30", "article15.expires_on"),
        (NA, J::Null)
    );
}

#[test]
fn evaluation_dates_outside_the_period_in_force_are_refused() {
    let f = "examples/eligible-zhangjiang-biomed.json";
    for (date, code) in [
        ("2024-02-21", 4),
        ("2024-02-22", 0),
        ("2029-02-21", 0),
        ("2029-02-22", 4),
    ] {
        let (got, _, stderr) = run(&[
            "check", "--policy", RULES, "--facts", f, "--as-of", date, "--format", "json",
        ]);
        assert_eq!(got, code, "{date}: {stderr}");
        if code == 4 {
            assert!(stderr.contains("2024-02-22 to 2029-02-21"), "{stderr}");
        }
    }
}

/// Copy the shipped rules to a temporary folder, edit one file, and run the same binary.
fn revised(file: &str, from: &str, to: &str) -> tempdir::Dir {
    let dir = tempdir::Dir::new();
    for (name, text) in shanghai_rules() {
        let base = name.trim_start_matches(&format!("{RULES}/"));
        let text = if base == file {
            assert!(text.contains(from), "{file} has no `{from}`");
            text.replacen(from, to, 1)
        } else {
            text
        };
        std::fs::write(dir.path.join(base), text).unwrap();
    }
    dir
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Self {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "policy-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn decision_via_cli(policy: &str, facts: &str, as_of: &str, name: &str) -> J {
    let (code, out, err) = run(&[
        "check", "--policy", policy, "--facts", facts, "--as-of", as_of, "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: J = serde_json::from_str(&out).unwrap();
    j["decisions"][name]["value"].clone()
}

#[test]
fn a_revised_threshold_changes_the_outcome_with_the_same_binary() {
    let f = "examples/eligible-zhangjiang-biomed.json";
    assert_eq!(
        decision_via_cli(RULES, f, "2025-06-30", "article6.clause2"),
        json!(true)
    );
    let dir = revised(
        "article06.policy",
        "parameter 产值下限 = 30 亿元",
        "parameter 产值下限 = 400 亿元",
    );
    let p = dir.path.to_string_lossy().into_owned();
    assert_eq!(
        decision_via_cli(&p, f, "2025-06-30", "article6.clause2"),
        json!(false)
    );
}

#[test]
fn five_year_validity_is_a_rule_file_edit() {
    let f = "examples/article15-valid-lingang-intelligent-grid.json";
    assert_eq!(
        decision_via_cli(RULES, f, "2025-06-30", "article15.expires_on"),
        json!("2027-03-15")
    );
    let dir = revised(
        "article15.policy",
        "parameter 有效期 = 3 years",
        "parameter 有效期 = 5 years",
    );
    let p = dir.path.to_string_lossy().into_owned();
    assert_eq!(
        decision_via_cli(&p, f, "2025-06-30", "article15.expires_on"),
        json!("2029-03-15")
    );
}

#[test]
fn a_31_march_report_deadline_is_a_rule_file_edit() {
    // The example's 2024 report was sent on 2025-03-28: on time either way; on 04-05 it is
    // on time by 10 April but late by 31 March.
    let dir = tempdir::Dir::new();
    let mut f = recognised();
    f["annual_reports"] = json!([{"year": 2024, "submitted_on": "2025-04-05"}]);
    let facts = dir.path.join("facts.json");
    std::fs::write(&facts, f.to_string()).unwrap();
    let facts = facts.to_string_lossy().into_owned();
    assert_eq!(
        decision_via_cli(RULES, &facts, "2025-06-30", "article19.ground3"),
        json!(false)
    );
    let rules = revised(
        "article16.policy",
        "parameter 报告截止日 = 4月10日",
        "parameter 报告截止日 = 3月31日",
    );
    let p = rules.path.to_string_lossy().into_owned();
    assert_eq!(
        decision_via_cli(&p, &facts, "2025-06-30", "article19.ground3"),
        json!(true)
    );
}

/// A rule set of the shipped files plus one more.
fn rules_with(extra: &str) -> Rules {
    let mut files = shanghai_rules();
    files.push(("extra.policy".into(), extra.into()));
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, files) {
        Ok(rules) => Rules { rules },
        Err(d) => panic!("{}", sources.render_plain(&d)),
    }
}

#[test]
fn latest_and_earliest_pick_by_a_field() {
    let r = rules_with(
        r#"
article 90 "测试" {
  decision last_result: ReviewResult =
    (latest r in reviews where r.applied_on <= today by r.applied_on).result
  decision first_report: date =
    (earliest a in annual_reports by a.submitted_on).submitted_on
  decision no_review_yet =
    (latest r in reviews by r.applied_on) = none
}
"#,
    );
    let mut f = recognised();
    f["reviews"] = json!([
        {"applied_on": "2027-01-10", "result": "failed"},
        {"applied_on": "2027-03-01", "result": "pending"},
        {"applied_on": "2028-01-01", "result": "passed"}
    ]);
    f["annual_reports"] = json!([
        {"year": 2025, "submitted_on": "2026-04-01"},
        {"year": 2024, "submitted_on": "2025-03-28"}
    ]);
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.last_result"),
        (DECIDED, json!("pending"))
    );
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.first_report"),
        (DECIDED, json!("2025-03-28"))
    );
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.no_review_yet"),
        (DECIDED, json!(false))
    );
    f["reviews"] = json!([]);
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.no_review_yet"),
        (DECIDED, json!(true))
    );
    // No review: its result is undetermined, with a reason rather than a missing fact.
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.last_result"),
        (UNDET, J::Null)
    );
    f.as_object_mut().unwrap().remove("reviews");
    assert_eq!(
        decide(&r, &f, "2027-06-30", "article90.no_review_yet"),
        (UNDET, J::Null)
    );
}
