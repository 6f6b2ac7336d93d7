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

/// `facts` (JSON text) evaluated as of `as_of`, with or without explanations.
fn evaluated(rules: &policy::RuleSet, facts: &str, as_of: &str, explain: bool) -> Evaluation {
    let p = &rules.program;
    let (facts, _) =
        policy::facts::load(p, policy::facts::Format::Json, facts, 0).expect("facts load");
    let date = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    evaluate(p, &facts, date, explain)
}

/// `facts` (JSON text) evaluated as of 2025-06-30 without explanations, then with them.
fn without_and_with_explanations(rules: &policy::RuleSet, facts: &str) -> [(bool, Evaluation); 2] {
    [false, true].map(|explain| (explain, evaluated(rules, facts, "2025-06-30", explain)))
}

fn run_on(rules: &policy::RuleSet, facts: &J, as_of: &str) -> Evaluation {
    evaluated(rules, &facts.to_string(), as_of, true)
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
    // The margin to first order, computed exactly: two places would read 0, and a
    // rounded root has too few digits.
    assert_eq!(m, "≈-0.00000000000000000000000000152");
    // Not `≈10% < 10%`: the rate is shown as just below the threshold.
    let left = checks[0].left.as_ref().unwrap().value.clone();
    assert!(left.starts_with("≈9.99999999"), "left {left}");

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

/// A sum keeps the decimal places of its terms (28.40 + 1.60 is 30.00, as a person adds
/// figures written to the cent); a product has no written precision.
#[test]
fn a_sum_keeps_the_places_of_its_terms() {
    let r = exact_rules();
    let facts = json!({"部分": "28.40", "总数": "1.60"});
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 7);
    assert_eq!(outcome, Outcome::Met);
    assert_eq!(checks[0].left.as_ref().unwrap().value, "30.00");
}

/// Two growth rates that read the same rounded are shown with every digit, so that the
/// explanation does not say `0.1 >= 0.1: no`.
#[test]
fn two_growth_rates_that_round_alike_are_shown_apart() {
    let r = exact_rules();
    let facts = json!({
        "产值": series("30", "31", "36.3"),
        "对照产值": series("30", "31", "36.3000000001"),
    });
    let ev = run_on(&r, &facts, "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 6);
    assert_eq!(outcome, Outcome::NotMet);
    let left = checks[0].left.as_ref().unwrap().value.clone();
    let right = checks[0].right.as_ref().unwrap().value.clone();
    assert_ne!(left, right);
    // A growth compared with a growth is a ratio (no threshold in % to scale it to).
    assert_eq!(left, "≈0.1");
    assert_eq!(right, "≈0.1000000000015151515151504716");
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
fn a_fraction_is_in_a_list_holding_the_same_value_written_otherwise() {
    let r = exact_rules();
    // 1/3 and 3/9: the same number.
    let facts = json!({"部分": "1", "总数": "3"});
    let ev = run_on(&r, &facts, "2025-06-30");
    assert_eq!(rule_of(&r, &ev, 5).0, Outcome::Met);
    let facts = json!({"部分": "1", "总数": "3.0000000000000000000000000001"});
    let ev = run_on(&r, &facts, "2025-06-30");
    assert_eq!(rule_of(&r, &ev, 5).0, Outcome::NotMet);
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

#[test]
fn nested_ifs_on_an_unknown_condition_evaluate_each_condition_once() {
    // Deep nesting needs the stack the binary gives its worker thread, not a test's 2 MB.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let r = load("nested-if.policy", fixture("nested-if.policy"));
            let ev = run_on(&r, &json!({"甲": true, "乙": false}), "2025-06-30");
            let (outcome, _) = rule_of(&r, &ev, 1);
            assert_eq!(outcome, Outcome::Undetermined);
            // 25 levels, a handful of steps each: not 2²⁵.
            assert!(ev.steps < 1_000, "{} steps", ev.steps);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_doubling_chain_of_calls_is_evaluated_once_per_argument() {
    let r = load("doubling.policy", doubling(31));
    let ev = run_on(&r, &json!({"x": 1}), "2025-06-30");
    let (outcome, checks) = rule_of(&r, &ev, 1);
    assert_eq!(outcome, Outcome::Met);
    assert!(ev.steps < 1_000, "{} steps", ev.steps);
    // The comparison made inside the innermost call is still explained.
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].holds, Some(true));
    // Without explanations too: a body that calls is remembered from its second call on
    // (only bodies that neither call nor loop are always evaluated again), so each
    // function is evaluated at most twice and the chain stays linear.
    let p = &r.program;
    let (facts, _) =
        policy::facts::load(p, policy::facts::Format::Json, r#"{"x": 1}"#, 0).expect("facts load");
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let quick = evaluate(p, &facts, date, false);
    assert!(quick.steps < 1_000, "{} steps", quick.steps);
    assert!(quick.budget.is_none());
    assert_eq!(
        quick.decisions[0].value,
        Some(policy::eval::Value::Bool(true))
    );
}

/// A remembered call whose argument is a list made on the spot is looked up by that
/// list's identity, so the list is held while the call is remembered: were it freed,
/// the next list made could take its place in memory and be taken for it. Each call
/// below gets a list of another length, made and dropped in turn, with and without
/// explanations.
#[test]
fn a_remembered_call_on_lists_made_in_turn_tells_them_apart() {
    let mut text = String::from(
        "policy \"列表\" {\n  in_force 2024-01-01 to 2029-12-31\n}\nfact x \"数\": number\n\
         definition 年数(w: list of year) \"年数\" = count y in w where y > 0\n\
         article 1 \"测试\" {\n  decision all_counted =\n    x > 0",
    );
    for n in 1..=40 {
        text.push_str(&format!(
            "\n      and 年数(years(2000, {})) = {n}",
            1999 + n
        ));
    }
    text.push_str("\n}\n");
    let r = load("lists.policy", text);
    for (explain, ev) in without_and_with_explanations(&r, r#"{"x": 1}"#) {
        assert_eq!(
            ev.decisions[0].value,
            Some(policy::eval::Value::Bool(true)),
            "explain {explain}: {:?}",
            ev.decisions[0].why
        );
    }
}

/// An article's condition is evaluated once per evaluation, whichever of its decisions
/// asks first: twenty decisions under a condition that looks at 1,001 years take about
/// the steps of one look, not twenty.
#[test]
fn an_articles_condition_is_evaluated_once_for_all_its_decisions() {
    let mut text = String::from(
        "policy \"条件\" {\n  in_force 2024-01-01 to 2029-12-31\n}\nfact x \"数\": number\n\
         article 1 \"测试\" applies when (count y in years(1000, 2000) where y > x) > 0 {",
    );
    for i in 0..20 {
        text.push_str(&format!("\n  decision d{i} = x > {i}"));
    }
    text.push_str("\n}\n");
    let r = load("condition.policy", text);
    for (explain, ev) in without_and_with_explanations(&r, r#"{"x": 5}"#) {
        assert_eq!(ev.decisions.len(), 20);
        for (i, d) in ev.decisions.iter().enumerate() {
            assert_eq!(
                d.value,
                Some(policy::eval::Value::Bool(5 > i)),
                "d{i}: {:?} {:?}",
                d.status,
                d.why
            );
        }
        assert!(ev.steps < 10_000, "explain {explain}: {} steps", ev.steps);
    }
}

/// A plan for the date finds the definitions without facts by walking each shared
/// function body once: a definition that calls the top of a doubling chain is fixed
/// in linear time, as the chain is evaluated.
#[test]
fn a_plan_walks_a_doubling_chain_once() {
    let text = doubling(31) + "definition 常量 \"f31(1)\" = f31(1)\n";
    let r = load("doubling.policy", text);
    let p = &r.program;
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let start = Instant::now();
    assert_eq!(policy::eval::fact_free(p), vec![true]);
    let plan = policy::eval::Plan::new(p, date, false);
    assert_eq!(plan.fixed(), 1);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the plan took {:?}",
        start.elapsed()
    );
}

/// `n` incidents on distinct days.
fn incidents(n: usize) -> J {
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    J::Array(
        (0..n)
            .map(|i| {
                let d = start + chrono::Days::new(i as u64 % 9000);
                json!({"date": d.to_string()})
            })
            .collect(),
    )
}

#[test]
fn three_nested_quantifiers_stop_at_the_step_budget() {
    let r = load("nested-every.policy", fixture("nested-every.policy"));
    let facts = json!({"incidents": incidents(10_000), "其他": true});
    let start = Instant::now();
    let ev = run_on(&r, &facts, "2025-06-30");
    let took = start.elapsed();
    let note = ev.budget.clone().expect("the budget ran out");
    assert_eq!(note.decision, "article1.clause1");
    assert_eq!(note.rule.as_deref(), Some("任意三件事件按日期有序"));
    assert_eq!(
        note.span.start as usize,
        fixture("nested-every.policy").find("rule \"任意").unwrap()
    );
    assert!(ev.steps <= policy::eval::MAX_STEPS + 1);
    // Every decision left is undetermined with the reason, none decided on a partial run.
    for name in ["article1.clause1", "article1.clause2"] {
        let (status, _) = decision(&r, &ev, name);
        assert_eq!(status, Status::Undetermined, "{name}");
    }
    let id = r
        .program
        .decisions
        .iter()
        .position(|d| d.name == "article1.clause2")
        .unwrap();
    assert_eq!(
        ev.decisions[id].rules[0].why.reasons,
        [policy::eval::BUDGET_REASON]
    );
    // A debug build is slower than the release binary; this bounds the work, not the speed.
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn a_small_budget_stops_early_and_names_what_was_running() {
    let r = load("nested-every.policy", fixture("nested-every.policy"));
    let facts = json!({"incidents": incidents(30), "其他": true});
    let p = &r.program;
    let (f, _) =
        policy::facts::load(p, policy::facts::Format::Json, &facts.to_string(), 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    // 30³ comparisons need more than 1,000 steps; with enough steps all is decided.
    let short = policy::eval::evaluate_with_budget(p, &f, date, false, 1_000);
    assert!(short.budget.is_some());
    let full = policy::eval::evaluate_with_budget(p, &f, date, false, 10_000_000);
    assert!(full.budget.is_none());
    assert_eq!(full.decisions[0].status, Status::Decided);
    assert_eq!(full.decisions[1].status, Status::Decided);
}

/// The shipped rules on the largest facts accepted (every list at the limit of
/// `policy::facts::MAX_ITEMS` elements) stay well within the step budget.
#[test]
fn the_shanghai_rules_on_the_largest_facts_stay_well_within_the_budget() {
    let mut sources = Sources::new();
    let rules = policy::load_rule_set(&mut sources, shanghai_rules()).expect("shipped rules");
    let n = policy::facts::MAX_ITEMS;
    let mut facts: J = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("examples/revoke-two-grounds-minhang-data-services.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let day = |i: usize| {
        (chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(i as u64 % 3650))
            .to_string()
    };
    let cats = ["safety", "network_security", "tax_evasion", "other_major"];
    facts["incidents"] = (0..n)
        .map(|i| json!({"date": day(i), "category": cats[i % 4], "severity": "general"}))
        .collect();
    facts["reviews"] = (0..n)
        .map(|i| json!({"applied_on": day(i), "result": "failed"}))
        .collect();
    facts["annual_reports"] = (0..n)
        .map(|i| json!({"year": 2015 + (i % 10), "submitted_on": day(i)}))
        .collect();
    facts["changes"] = (0..n)
        .map(|i| json!({"kind": "operator", "date": day(i), "filed_on": day(i + 1)}))
        .collect();
    let p = &rules.program;
    let (f, _) =
        policy::facts::load(p, policy::facts::Format::Json, &facts.to_string(), 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let ev = evaluate(p, &f, date, true);
    eprintln!("shipped rules, {n} elements per list: {} steps", ev.steps);
    assert!(ev.budget.is_none());
    // 4.25 million steps when this was written: about a fifth of the budget.
    assert!(ev.steps < policy::eval::MAX_STEPS / 4, "{} steps", ev.steps);
}

/// The value of decision `name` as a number, or `None` when it is not decided.
fn number_of(rules: &policy::RuleSet, ev: &Evaluation, name: &str) -> Option<String> {
    let id = rules
        .program
        .decisions
        .iter()
        .position(|d| d.name == name)
        .unwrap();
    match &ev.decisions[id].value {
        Some(policy::eval::Value::Num(n)) => Some(n.to_string()),
        None => None,
        Some(other) => panic!("{name} = {other:?}"),
    }
}

#[test]
fn latest_and_earliest_ignore_unknowns_that_cannot_be_the_answer_and_break_ties_by_order() {
    let r = load("pick.policy", fixture("pick.policy"));
    let entry = |day: &str, ok: Option<bool>, n: u32| match ok {
        Some(ok) => json!({"day": day, "ok": ok, "n": n}),
        None => json!({"day": day, "n": n}),
    };
    // Entry 4's filter is unknown, but it is neither the latest nor the earliest.
    let facts = json!({"entries": [
        entry("2024-01-01", Some(true), 1),
        entry("2024-03-01", Some(true), 2),
        entry("2024-03-01", Some(true), 3),
        entry("2024-02-01", None, 4),
        entry("2024-01-01", Some(true), 5),
    ]});
    let ev = run_on(&r, &facts, "2025-06-30");
    // Ties: the first in the list wins, both ways.
    assert_eq!(
        number_of(&r, &ev, "article1.latest_ok").as_deref(),
        Some("2")
    );
    assert_eq!(
        number_of(&r, &ev, "article1.earliest_ok").as_deref(),
        Some("1")
    );

    // Now it could be the latest: unknown.
    let facts = json!({"entries": [
        entry("2024-01-01", Some(true), 1),
        entry("2024-04-01", None, 4),
        entry("2024-03-01", Some(true), 2),
    ]});
    let ev = run_on(&r, &facts, "2025-06-30");
    assert_eq!(number_of(&r, &ev, "article1.latest_ok"), None);
    assert_eq!(
        number_of(&r, &ev, "article1.earliest_ok").as_deref(),
        Some("1")
    );

    // Tied with the best but earlier in the list: it would win if it passes.
    let facts = json!({"entries": [
        entry("2024-03-01", None, 4),
        entry("2024-03-01", Some(true), 2),
    ]});
    let ev = run_on(&r, &facts, "2025-06-30");
    assert_eq!(number_of(&r, &ev, "article1.latest_ok"), None);
    // Tied but later in the list: the earlier one wins whatever it says.
    let facts = json!({"entries": [
        entry("2024-03-01", Some(true), 2),
        entry("2024-03-01", None, 4),
    ]});
    let ev = run_on(&r, &facts, "2025-06-30");
    assert_eq!(
        number_of(&r, &ev, "article1.latest_ok").as_deref(),
        Some("2")
    );
}

#[test]
fn the_cli_reports_a_stopped_evaluation_with_code_place_and_help() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exact-budget");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("rules/nested-every.policy"),
        fixture("nested-every.policy"),
    )
    .unwrap();
    let facts = json!({"incidents": incidents(10_000), "其他": true});
    std::fs::write(dir.join("facts.json"), facts.to_string()).unwrap();
    let rules = dir.join("rules");
    let facts = dir.join("facts.json");
    let (code, stdout, stderr) = run(&[
        "check",
        "--policy",
        rules.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("policy::eval::budget"), "{stderr}");
    assert!(stderr.contains("任意三件事件按日期有序"), "{stderr}");
    assert!(stderr.contains("nested-every.policy:17:5"), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");
    assert!(
        stdout.contains("the evaluation stopped: it needed more steps than the budget allows"),
        "{stdout}"
    );
}

/// A fall to zero is a growth of exactly −100%: equal to a threshold of −100%, not above it.
#[test]
fn a_fall_to_zero_is_exactly_minus_one_hundred_percent() {
    let text = r#"policy "测试" { in_force 2020-01-01 to 2030-12-31 }
fact s "序列": series of number
definition w = years(2021, 2023)
article 1 "增速" {
  clause 1 "高于" { rule "高于-100%": growth(s, w) > -100% }
  clause 2 "不高于" { rule "不高于-100%": growth(s, w) <= -100% }
  clause 3 "等于" { rule "等于-100%": growth(s, w) = -100% }
  clause 4 "高于-99%" { rule "高于-99%": growth(s, w) > -99% }
}
"#;
    let rules = load("minus100.policy", text.to_string());
    let ev = run_on(
        &rules,
        &json!({"s": {"2021": 100, "2022": 50, "2023": 0}}),
        "2025-06-30",
    );
    assert_eq!(rule_of(&rules, &ev, 1).0, Outcome::NotMet);
    assert_eq!(rule_of(&rules, &ev, 2).0, Outcome::Met);
    assert_eq!(rule_of(&rules, &ev, 3).0, Outcome::Met);
    assert_eq!(rule_of(&rules, &ev, 4).0, Outcome::NotMet);
}

/// `latest(s)`, the figure of a series' latest year, parses although `latest` is also the
/// keyword of `latest x in … by …`.
#[test]
fn latest_of_a_series_is_a_function_as_documented() {
    let text = r#"policy "测试" { in_force 2020-01-01 to 2030-12-31 }
fact s "序列": series of number
article 1 "最新" {
  clause 1 "最近一年" { rule "最近一年不少于10": latest(s) >= 10 }
}
"#;
    let rules = load("latest.policy", text.to_string());
    let ev = run_on(&rules, &json!({"s": {"2021": 5, "2023": 12}}), "2025-06-30");
    assert_eq!(rule_of(&rules, &ev, 1).0, Outcome::Met);
    let ev = run_on(&rules, &json!({"s": {"2023": 5, "2021": 12}}), "2025-06-30");
    assert_eq!(rule_of(&rules, &ev, 1).0, Outcome::NotMet);
}
