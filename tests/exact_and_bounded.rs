//! Exact comparisons of quotients and growth rates, and bounded work: rule sets whose
//! checking or evaluation would grow exponentially with their text, evaluation that
//! would run for days, and values (nesting, dates) at the edge of their ranges.
//!
//! Each test uses its own small rule set in `tests/fixtures/exact/`, not the shipped
//! rules, so a change of the measures' thresholds cannot make it pass or fail.

mod common;

use common::*;
use policy::diag::Sources;
use policy::eval::{evaluate, Check, Evaluation, Outcome, Status};
use serde_json::{json, Value as J};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/exact").join(name)).unwrap()
}

/// A rule set of one file, checked.
fn load(name: &str, text: String) -> policy::RuleSet {
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, vec![(name.to_string(), text)]) {
        Ok(r) => r,
        Err(diags) => panic!("{name} does not check:\n{}", sources.render_plain(&diags)),
    }
}

fn run_on(rules: &policy::RuleSet, facts: &J, as_of: &str) -> Evaluation {
    let p = &rules.program;
    let text = facts.to_string();
    let (facts, _) =
        policy::facts::load(p, policy::facts::Format::Json, &text, 0).expect("facts load");
    let date = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    evaluate(p, &facts, date, true)
}

/// The outcome and the checks of the only rule of clause `clause` of article 1.
fn rule_of(rules: &policy::RuleSet, ev: &Evaluation, clause: u32) -> (Outcome, Vec<Check>) {
    let p = &rules.program;
    let name = format!("article1.clause{clause}");
    let id = p
        .decisions
        .iter()
        .position(|d| d.name == name)
        .unwrap_or_else(|| panic!("no decision {name}"));
    let r = &ev.decisions[id].rules[0];
    (r.outcome, r.checks.clone())
}

fn margin_of(c: &Check) -> String {
    c.margin.as_ref().expect("a margin").value.clone()
}

/// The sign of a margin as shown: -1, 0 or 1.
fn sign(shown: &str) -> i32 {
    let t = shown.trim_start_matches('≈');
    if t.starts_with('-') {
        -1
    } else if t.chars().all(|c| c == '0' || c == '.') {
        0
    } else {
        1
    }
}

fn exact_rules() -> policy::RuleSet {
    load("exact.policy", fixture("exact.policy"))
}

fn series(a: &str, b: &str, c: &str) -> J {
    json!({"2022": a, "2023": b, "2024": c})
}

#[test]
fn a_share_a_hair_below_half_is_not_met_and_the_margin_says_so() {
    let r = exact_rules();
    let facts = json!({"部分": "18.149999999999999999999999999", "总数": "36.3"});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 1);
    assert_eq!(outcome, Outcome::NotMet);
    let m = margin_of(&checks[0]);
    assert_eq!(sign(&m), -1, "margin {m}");
    // The left side is not shown as 50% when it is below 50%.
    let left = checks[0].left.as_ref().unwrap().value.clone();
    assert_ne!(left.trim_start_matches('≈'), "50", "left {left}");

    let facts = json!({"部分": "18.15", "总数": "36.3"});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 1);
    assert_eq!(outcome, Outcome::Met);
    assert_eq!(sign(&margin_of(&checks[0])), 0);
}

#[test]
fn compound_growth_a_hair_below_ten_percent_is_not_met() {
    let r = exact_rules();
    let facts = json!({"产值": series("30", "31", "36.299999999999999999999999999")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 2);
    assert_eq!(outcome, Outcome::NotMet);
    let m = margin_of(&checks[0]);
    assert_eq!(sign(&m), -1, "margin {m}");

    let facts = json!({"产值": series("30", "31", "36.3")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 2);
    assert_eq!(outcome, Outcome::Met);
    assert_eq!(sign(&margin_of(&checks[0])), 0);

    let facts = json!({"产值": series("30", "31", "36.300000000000000000000000001")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 2);
    assert_eq!(outcome, Outcome::Met);
    assert_eq!(sign(&margin_of(&checks[0])), 1);
}

#[test]
fn compound_growth_compares_products_wider_than_a_decimal() {
    // 30.000000000000000000000000001 × 1.1² has 30 significant digits.
    let r = exact_rules();
    let facts = json!({"产值": series("30.000000000000000000000000001", "31", "36.3")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 2);
    assert_eq!(outcome, Outcome::NotMet);
    assert_eq!(sign(&margin_of(&checks[0])), -1);
}

#[test]
fn mean_growth_a_hair_below_ten_percent_is_not_met() {
    let r = exact_rules();
    // Rates 10% and (36.299…9 − 33)/33, just below 10%.
    let facts = json!({"产值": series("30", "33", "36.299999999999999999999999999")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 3);
    assert_eq!(outcome, Outcome::NotMet);
    assert_eq!(sign(&margin_of(&checks[0])), -1);

    let facts = json!({"产值": series("30", "33", "36.3")});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 3);
    assert_eq!(outcome, Outcome::Met);
    assert_eq!(sign(&margin_of(&checks[0])), 0);
}

#[test]
fn thirds_add_up_to_the_whole() {
    let r = exact_rules();
    let facts = json!({"部分": "18.149999999999999999999999999"});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, _) = rule_of(&r, &ev, 4);
    assert_eq!(outcome, Outcome::Met);
}

#[test]
fn a_quotient_is_shown_rounded_and_marked() {
    let r = exact_rules();
    let facts = json!({"部分": "1", "总数": "3"});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 1);
    assert_eq!(outcome, Outcome::NotMet);
    assert_eq!(checks[0].left.as_ref().unwrap().value, "≈33.3333");
    assert_eq!(margin_of(&checks[0]), "≈-16.6667");
}

/// The status and reasons of decision `name`.
fn decision(rules: &policy::RuleSet, ev: &Evaluation, name: &str) -> (Status, Vec<String>) {
    let id = rules
        .program
        .decisions
        .iter()
        .position(|d| d.name == name)
        .unwrap_or_else(|| panic!("no decision {name}"));
    let d = &ev.decisions[id];
    (d.status, d.why.reasons.clone())
}

#[test]
fn dates_past_9999_are_undetermined_not_printed_with_a_sign() {
    let r = load("dates.policy", fixture("dates.policy"));
    let ev = run_on(&r, &json!({"起始日": "2025-12-31"}), "2025-06-30");
    for name in [
        "article1.extended",
        "article1.added",
        "article1.before",
        "article1.in_year",
    ] {
        let (status, reasons) = decision(&r, &ev, name);
        assert_eq!(status, Status::Undetermined, "{name}");
        assert_eq!(reasons, ["the date is out of range"], "{name}");
    }
    let (status, _) = decision(&r, &ev, "article1.near");
    assert_eq!(status, Status::Decided);
}

/// The diagnostics of a rule set that does not check.
fn errors_of(name: &str, text: String) -> Vec<policy::diag::Diag> {
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, vec![(name.to_string(), text)]) {
        Ok(_) => panic!("{name} checks"),
        Err(diags) => diags,
    }
}

/// `definition g0(a: number) = a`, then `gi(a) = g{i-1}(a)` up to `g{n}`, used by a rule.
fn chain(n: usize) -> String {
    let mut s = String::from(
        "policy \"链\" {\n  in_force 2024-01-01 to 2029-12-31\n}\nfact x \"数\": number\n\
         definition g0(a: number) = a\n",
    );
    for i in 1..=n {
        s.push_str(&format!("definition g{i}(a: number) = g{}(a)\n", i - 1));
    }
    s.push_str(&format!(
        "article 1 \"测试\" {{\n  clause 1 \"链\" {{\n    rule \"链\": g{n}(x) > 0\n  }}\n}}\n"
    ));
    s
}

#[test]
fn a_function_chain_over_the_limit_is_too_deep_not_a_cycle() {
    let diags = errors_of("chain.policy", chain(40));
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.level == policy::diag::Level::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "policy::check::calls_too_deep");
    assert!(errors[0].message.contains("33"), "{}", errors[0].message);
    assert!(errors[0].message.contains("32"), "{}", errors[0].message);
    assert!(!errors[0].message.contains("itself"));
    // 32 functions deep (g31 … g0) is at the limit and checks; 33 is over it.
    load("chain.policy", chain(31));
    let diags = errors_of("chain.policy", chain(32));
    assert_eq!(diags[0].code, "policy::check::calls_too_deep");
    // A real cycle keeps its own code.
    let cyc = "policy \"环\" {\n  in_force 2024-01-01 to 2029-12-31\n}\nfact x \"数\": number\n\
               definition f(a: number) = h(a)\ndefinition h(a: number) = f(a)\n\
               article 1 \"测试\" {\n  clause 1 \"环\" {\n    rule \"环\": f(x) > 0\n  }\n}\n";
    let diags = errors_of("cycle.policy", cyc.to_string());
    assert!(diags.iter().any(|d| d.code == "policy::check::cycle"));
    assert!(!diags
        .iter()
        .any(|d| d.code == "policy::check::calls_too_deep"));
}

/// `f0(a) = a > 0`, then `fi(a) = f{i-1}(a) and f{i-1}(a)` up to `f{n}`: a rule text of
/// n lines whose expansion as a tree has 2ⁿ calls.
fn doubling(n: usize) -> String {
    let mut s = String::from(
        "policy \"指数\" {\n  in_force 2024-01-01 to 2029-12-31\n}\nfact x \"数\": number\n\
         definition f0(a: number) = a > 0\n",
    );
    for i in 1..=n {
        s.push_str(&format!(
            "definition f{i}(a: number) = f{p}(a) and f{p}(a)\n",
            p = i - 1
        ));
    }
    s.push_str(&format!(
        "article 1 \"测试\" {{\n  clause 1 \"指数\" {{\n    rule \"指数\": f{n}(x)\n  }}\n}}\n"
    ));
    s
}

#[test]
fn a_doubling_chain_of_functions_checks_in_time_linear_in_its_text() {
    // 2³¹ calls as a tree (31 is within the depth limit): only a body shared
    // between the calls of a function makes this finish.
    let start = Instant::now();
    let r = load("doubling.policy", doubling(31));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "checking took {:?}",
        start.elapsed()
    );
    assert_eq!(r.program.decisions.len(), 1);
}
