//! The evaluator, one construct at a time, on a small rule set of its own
//! (`tests/fixtures/engine/`): three-valued logic, `when` rules, guidelines, clauses and
//! articles that do not apply, growth, dates, quantifiers, `count`, `latest`/`earliest`
//! and the built-in functions. The thresholds are the fixture's, never those of
//! `policies/`, so a revision of the shipped rules does not touch these tests.
//!
//! Every facts file is evaluated twice, with and without explanations (the evaluator
//! stops early only without them), and both must give the same decisions.

mod common;

use common::root;
use policy::diag::Sources;
use policy::eval::{evaluate, Check, DecisionResult, Evaluation, Outcome, Status, Value};
use serde_json::{json, Value as J};
use std::sync::OnceLock;

fn rule_set() -> &'static policy::RuleSet {
    static RULES: OnceLock<policy::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let dir = root().join("tests/fixtures/engine");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/fixtures/engine")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .collect();
        paths.sort();
        let files = paths
            .into_iter()
            .map(|p| {
                let name = format!(
                    "tests/fixtures/engine/{}",
                    p.file_name().unwrap().to_string_lossy()
                );
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        let mut sources = Sources::new();
        match policy::load_rule_set(&mut sources, files) {
            Ok(r) => r,
            Err(e) => panic!("the engine fixtures do not check: {e:?}"),
        }
    })
}

/// The decisions of one evaluation.
struct Ev {
    decisions: Vec<DecisionResult>,
}

/// Evaluate `facts` (a JSON object) as of `as_of`, with and without explanations.
fn ev_at(facts: J, as_of: &str) -> Ev {
    let p = &rule_set().program;
    let text = facts.to_string();
    let (f, _) = match policy::facts::load(p, policy::facts::Format::Json, &text, 0) {
        Ok(x) => x,
        Err(e) => panic!("facts {text} do not load: {e:?}"),
    };
    let date = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    let quick = evaluate(p, &f, date, false);
    let explained = evaluate(p, &f, date, true);
    for (i, (a, b)) in quick.decisions.iter().zip(&explained.decisions).enumerate() {
        assert_eq!(
            (a.status, &a.value),
            (b.status, &b.value),
            "{} differs with explanations for {text}",
            p.decisions[i].name
        );
    }
    Ev {
        decisions: quick.decisions,
    }
}

fn ev(facts: J) -> Ev {
    ev_at(facts, "2025-06-30")
}

impl Ev {
    fn get(&self, name: &str) -> &DecisionResult {
        let p = &rule_set().program;
        let id = p
            .decisions
            .iter()
            .position(|d| d.name == name)
            .unwrap_or_else(|| panic!("no decision {name}"));
        &self.decisions[id]
    }

    /// The decision as a short text: `yes`, `no`, `undetermined`, `n/a`, a number, a
    /// date or a category name.
    fn d(&self, name: &str) -> String {
        let p = &rule_set().program;
        let r = self.get(name);
        match r.status {
            Status::Undetermined => return "undetermined".into(),
            Status::NotApplicable => return "n/a".into(),
            Status::Decided => {}
        }
        let id = p.decisions.iter().position(|d| d.name == name).unwrap();
        match &r.value {
            Some(Value::Bool(true)) => "yes".into(),
            Some(Value::Bool(false)) => "no".into(),
            Some(Value::Num(n)) => n.normalize().to_string(),
            Some(Value::Date(d)) => d.to_string(),
            Some(v) => match policy::render::json::value(p, v, &p.decisions[id].ty) {
                J::String(s) => s,
                other => other.to_string(),
            },
            None => "no value".into(),
        }
    }

    /// The names of the facts an undetermined decision is missing, sorted.
    fn missing(&self, name: &str) -> Vec<String> {
        let p = &rule_set().program;
        let mut v: Vec<String> = self
            .get(name)
            .why
            .missing
            .iter()
            .map(|id| p.facts[*id].name.clone())
            .collect();
        v.sort();
        v
    }

    /// Where exactly the missing facts were missing (`s[2022]`).
    fn details(&self, name: &str) -> Vec<String> {
        self.get(name).why.details.clone()
    }

    fn outcomes(&self, name: &str) -> Vec<Outcome> {
        self.get(name).rules.iter().map(|r| r.outcome).collect()
    }
}

/// A yes/no fact: `Some(b)` given, `None` absent.
fn tri(facts: &mut J, name: &str, v: Option<bool>) {
    if let Some(b) = v {
        facts[name] = json!(b);
    }
}

const T: Option<bool> = Some(true);
const F: Option<bool> = Some(false);
const U: Option<bool> = None;

fn show(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "undetermined",
    }
}

fn and_k(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or_k(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

// ── three-valued logic ───────────────────────────────────────────────────────

#[test]
fn and_or_all_any_not_over_every_combination_of_three_values() {
    for p in [T, F, U] {
        for q in [T, F, U] {
            let mut f = json!({});
            tri(&mut f, "p", p);
            tri(&mut f, "q", q);
            let e = ev(f);
            let ctx = format!("p={p:?} q={q:?}");
            assert_eq!(e.d("article1.and2"), show(and_k(p, q)), "and, {ctx}");
            assert_eq!(e.d("article1.all2"), show(and_k(p, q)), "all, {ctx}");
            assert_eq!(e.d("article1.all3"), show(and_k(p, q)), "all3, {ctx}");
            assert_eq!(e.d("article1.or2"), show(or_k(p, q)), "or, {ctx}");
            assert_eq!(e.d("article1.any2"), show(or_k(p, q)), "any, {ctx}");
            assert_eq!(e.d("article1.any3"), show(or_k(p, q)), "any3, {ctx}");
            assert_eq!(e.d("article1.not1"), show(p.map(|b| !b)), "not, {ctx}");
            assert_eq!(e.d("article1.notnot"), show(p), "not not, {ctx}");
            assert_eq!(
                e.d("article1.known_p"),
                if p.is_some() { "yes" } else { "no" },
                "known, {ctx}"
            );
        }
    }
}

#[test]
fn an_unknown_result_names_the_facts_that_are_missing_and_only_those() {
    let e = ev(json!({"p": true}));
    assert_eq!(e.missing("article1.and2"), ["q"]);
    assert_eq!(e.missing("article1.all2"), ["q"]);
    let e = ev(json!({}));
    assert_eq!(e.missing("article1.and2"), ["p", "q"]);
    assert_eq!(e.missing("article1.or2"), ["p", "q"]);
    assert_eq!(e.missing("article1.any2"), ["p", "q"]);
    assert_eq!(e.missing("article1.not1"), ["p"]);
    // A decided result has nothing missing, though a part was unknown.
    let e = ev(json!({"p": false}));
    assert_eq!(e.d("article1.and2"), "no");
    assert!(e.missing("article1.and2").is_empty());
    let e = ev(json!({"q": true}));
    assert_eq!(e.d("article1.or2"), "yes");
    assert!(e.missing("article1.or2").is_empty());
}

#[test]
fn equality_of_yes_no_values_and_of_text() {
    for p in [T, F, U] {
        for q in [T, F, U] {
            let mut f = json!({});
            tri(&mut f, "p", p);
            tri(&mut f, "q", q);
            let e = ev(f);
            let eq = p.zip(q).map(|(a, b)| a == b);
            assert_eq!(e.d("article1.p_eq_q"), show(eq), "p={p:?} q={q:?}");
            assert_eq!(
                e.d("article1.p_ne_q"),
                show(eq.map(|x| !x)),
                "p={p:?} q={q:?}"
            );
        }
    }
    let e = ev(json!({"label": "甲"}));
    assert_eq!(e.d("article1.label_is"), "yes");
    assert_eq!(e.d("article1.label_not"), "no");
    let e = ev(json!({"label": "乙"}));
    assert_eq!(e.d("article1.label_is"), "no");
    assert_eq!(e.d("article1.label_not"), "yes");
    let e = ev(json!({}));
    assert_eq!(e.d("article1.label_is"), "undetermined");
    assert_eq!(e.missing("article1.label_is"), ["label"]);
}

#[test]
fn not_of_unknown_stays_unknown() {
    let e = ev(json!({}));
    assert_eq!(e.d("article1.not1"), "undetermined");
    assert_eq!(e.d("article1.notnot"), "undetermined");
    assert_eq!(e.missing("article1.not1"), ["p"]);
}

#[test]
fn if_follows_a_known_condition() {
    let e = ev(json!({"p": true, "q": true, "r": false}));
    assert_eq!(e.d("article1.if_pqr"), "yes");
    let e = ev(json!({"p": false, "q": true, "r": false}));
    assert_eq!(e.d("article1.if_pqr"), "no");
    // The branch not taken may be unknown.
    let e = ev(json!({"p": true, "q": false}));
    assert_eq!(e.d("article1.if_pqr"), "no");
    let e = ev(json!({"p": false, "r": true}));
    assert_eq!(e.d("article1.if_pqr"), "yes");
    let e = ev(json!({"p": true, "n": 3, "m": 4}));
    assert_eq!(e.d("article1.if_num"), "3");
    let e = ev(json!({"p": false, "n": 3, "m": 4}));
    assert_eq!(e.d("article1.if_num"), "4");
}

#[test]
fn if_with_an_unknown_condition_is_known_only_when_both_branches_agree() {
    let e = ev(json!({"q": true, "r": true}));
    assert_eq!(e.d("article1.if_pqr"), "yes");
    let e = ev(json!({"q": false, "r": false}));
    assert_eq!(e.d("article1.if_pqr"), "no");
    let e = ev(json!({"q": true, "r": false}));
    assert_eq!(e.d("article1.if_pqr"), "undetermined");
    assert_eq!(e.missing("article1.if_pqr"), ["p"]);
    let e = ev(json!({"r": true}));
    assert_eq!(e.d("article1.if_pqr"), "undetermined");
    assert_eq!(e.missing("article1.if_pqr"), ["p", "q"]);
    let e = ev(json!({"n": 5, "m": 5}));
    assert_eq!(e.d("article1.if_num"), "5");
    let e = ev(json!({"n": 5, "m": 6}));
    assert_eq!(e.d("article1.if_num"), "undetermined");
    assert_eq!(e.missing("article1.if_num"), ["p"]);
}

// ── rules, guidelines, clauses, articles ─────────────────────────────────────

#[test]
fn a_when_rule_whose_condition_holds_is_the_test_itself() {
    let e = ev(json!({"heavy": true, "efficient": true}));
    assert_eq!(e.d("article2.clause1"), "yes");
    let e = ev(json!({"heavy": true, "efficient": false}));
    assert_eq!(e.d("article2.clause1"), "no");
    // The condition holds and the test is unknown: undetermined, not met.
    let e = ev(json!({"heavy": true}));
    assert_eq!(e.d("article2.clause1"), "undetermined");
    assert_eq!(e.missing("article2.clause1"), ["efficient"]);
    assert_eq!(e.outcomes("article2.clause1"), [Outcome::Undetermined]);
}

#[test]
fn a_when_rule_whose_condition_is_false_does_not_apply() {
    for efficient in [T, F, U] {
        let mut f = json!({"heavy": false});
        tri(&mut f, "efficient", efficient);
        let e = ev(f);
        assert_eq!(e.d("article2.clause1"), "n/a", "efficient={efficient:?}");
        assert_eq!(e.outcomes("article2.clause1"), [Outcome::NotApplicable]);
    }
}

#[test]
fn a_when_rule_whose_condition_is_unknown_is_met_only_if_its_test_is() {
    let e = ev(json!({"efficient": true}));
    assert_eq!(e.d("article2.clause1"), "yes");
    assert!(e.missing("article2.clause1").is_empty());
    let e = ev(json!({"efficient": false}));
    assert_eq!(e.d("article2.clause1"), "undetermined");
    assert_eq!(e.missing("article2.clause1"), ["heavy"]);
    let e = ev(json!({}));
    assert_eq!(e.d("article2.clause1"), "undetermined");
    assert_eq!(e.missing("article2.clause1"), ["efficient", "heavy"]);
}

#[test]
fn a_guideline_never_fails_its_clause() {
    for q in [T, F, U] {
        let mut f = json!({"p": true});
        tri(&mut f, "q", q);
        let e = ev(f);
        assert_eq!(e.d("article2.clause2"), "yes", "q={q:?}");
        let mut f = json!({"p": false});
        tri(&mut f, "q", q);
        assert_eq!(ev(f).d("article2.clause2"), "no", "q={q:?}");
    }
    // The guideline itself is still reported as not met.
    let e = ev(json!({"p": true, "q": false}));
    assert_eq!(
        e.outcomes("article2.clause2"),
        [Outcome::Met, Outcome::NotMet]
    );
}

#[test]
fn a_clause_whose_rules_all_do_not_apply_does_not_apply() {
    // Guidelines do not make a clause applicable, whatever their outcome.
    for q in [T, F, U] {
        let mut f = json!({"heavy": false, "thirsty": false});
        tri(&mut f, "q", q);
        let e = ev(f);
        assert_eq!(e.d("article2.clause3"), "n/a", "q={q:?}");
        assert_eq!(e.get("article2.clause3").value, None);
        assert_eq!(e.get("article2.clause3").rules.len(), 3);
    }
    let e = ev(json!({"heavy": true, "efficient": true, "thirsty": false, "q": false}));
    assert_eq!(e.d("article2.clause3"), "yes");
    let e = ev(json!({"heavy": false, "thirsty": true, "frugal": false, "q": true}));
    assert_eq!(e.d("article2.clause3"), "no");
    let e = ev(json!({"heavy": false, "thirsty": true, "q": true}));
    assert_eq!(e.d("article2.clause3"), "undetermined");
    assert_eq!(e.missing("article2.clause3"), ["frugal"]);
}

/// Without explanations a clause stops at its first rule not met (a guideline does not
/// stop it, nor does an undetermined rule); with them every rule is evaluated and listed.
#[test]
fn without_explanations_a_clause_stops_at_its_first_rule_not_met() {
    let p = &rule_set().program;
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let id = |name: &str| p.decisions.iter().position(|d| d.name == name).unwrap();
    let outcomes = |facts: J, name: &str, explain: bool| -> Vec<Outcome> {
        let text = facts.to_string();
        let (f, _) = policy::facts::load(p, policy::facts::Format::Json, &text, 0).unwrap();
        evaluate(p, &f, date, explain).decisions[id(name)]
            .rules
            .iter()
            .map(|r| r.outcome)
            .collect()
    };
    let stops = json!({"p": false, "heavy": true, "efficient": true});
    assert_eq!(
        outcomes(stops.clone(), "article2.clause5", false),
        [Outcome::NotMet]
    );
    assert_eq!(
        outcomes(stops, "article2.clause5", true),
        [Outcome::NotMet, Outcome::Met]
    );
    let unknown_first = json!({"heavy": true, "efficient": false});
    assert_eq!(
        outcomes(unknown_first, "article2.clause5", false),
        [Outcome::Undetermined, Outcome::NotMet]
    );
    // A guideline not met does not decide its clause: the rule after it is evaluated.
    let guideline = json!({"q": false, "p": true});
    assert_eq!(
        outcomes(guideline, "article2.clause6", false),
        [Outcome::NotMet, Outcome::Met]
    );
}

#[test]
fn a_rule_that_does_not_apply_neither_meets_nor_fails_the_clause() {
    let e = ev(json!({"p": true, "heavy": false}));
    assert_eq!(e.d("article2.clause5"), "yes");
    let e = ev(json!({"p": false, "heavy": false}));
    assert_eq!(e.d("article2.clause5"), "no");
    // false wins over unknown among the rules of a clause.
    let e = ev(json!({"p": false, "heavy": true}));
    assert_eq!(e.d("article2.clause5"), "no");
    let e = ev(json!({"heavy": true, "efficient": false}));
    assert_eq!(e.d("article2.clause5"), "no");
    let e = ev(json!({"p": true, "heavy": true}));
    assert_eq!(e.d("article2.clause5"), "undetermined");
    assert_eq!(e.missing("article2.clause5"), ["efficient"]);
}

#[test]
fn a_clause_that_does_not_apply_is_unknown_where_another_decision_uses_it() {
    let e = ev(json!({"heavy": false, "p": true}));
    assert_eq!(e.d("article2.clause1"), "n/a");
    assert_eq!(e.d("article2.both"), "undetermined");
    let e = ev(json!({"heavy": false, "p": false}));
    assert_eq!(e.d("article2.both"), "no");
    let e = ev(json!({"heavy": true, "efficient": true, "p": true}));
    assert_eq!(e.d("article2.both"), "yes");
}

#[test]
fn applies_when_false_is_not_applicable_and_unknown_is_undetermined() {
    for p in [T, F] {
        let mut f = json!({"gate": false});
        tri(&mut f, "p", p);
        let e = ev(f);
        assert_eq!(e.d("article2.clause4"), "n/a");
        assert_eq!(e.d("article3.clause1"), "n/a");
        assert_eq!(e.d("article3.pq"), "n/a");
        let mut f = json!({});
        tri(&mut f, "p", p);
        tri(&mut f, "q", p);
        let e = ev(f);
        for d in ["article2.clause4", "article3.clause1", "article3.pq"] {
            assert_eq!(e.d(d), "undetermined", "{d}, p={p:?}");
            assert_eq!(e.missing(d), ["gate"], "{d}, p={p:?}");
        }
        let mut f = json!({"gate": true});
        tri(&mut f, "p", p);
        let e = ev(f);
        assert_eq!(e.d("article2.clause4"), show(p));
        assert_eq!(e.d("article3.clause1"), show(p));
    }
    let e = ev(json!({"gate": true, "q": true}));
    assert_eq!(e.d("article3.pq"), "yes");
    assert_eq!(e.d("article3.clause1"), "undetermined");
    assert_eq!(e.missing("article3.clause1"), ["p"]);
}

// ── growth ───────────────────────────────────────────────────────────────────

fn series(a: J, b: J, c: J) -> J {
    json!({"s": {"2021": a, "2022": b, "2023": c}})
}

#[test]
fn compound_growth_is_compared_exactly_at_the_threshold() {
    // 100 → 121 over two years is exactly 10% a year.
    let e = ev(series(json!(100), json!(105), json!(121)));
    assert_eq!(e.d("article4.g_ge_10"), "yes");
    assert_eq!(e.d("article4.g_gt_10"), "no");
    assert_eq!(e.d("article4.g_lt_10"), "no");
    assert_eq!(e.d("article4.flip_le_10"), "yes");
    assert_eq!(e.d("article4.flip_gt_10"), "no");
    let e = ev(series(json!(100), json!(105), json!("120.99")));
    assert_eq!(e.d("article4.g_ge_10"), "no");
    assert_eq!(e.d("article4.g_lt_10"), "yes");
    assert_eq!(e.d("article4.flip_le_10"), "no");
    assert_eq!(e.d("article4.flip_gt_10"), "yes");
    let e = ev(series(json!(100), json!(105), json!("121.01")));
    assert_eq!(e.d("article4.g_gt_10"), "yes");
    assert_eq!(e.d("article4.flip_gt_10"), "no");
    // Over one year (n = 1) the ratio itself is compared.
    let e = ev(series(json!(1), json!(100), json!(110)));
    assert_eq!(e.d("article4.g_ge_10_2y"), "yes");
    let e = ev(series(json!(1), json!(100), json!("109.99")));
    assert_eq!(e.d("article4.g_ge_10_2y"), "no");
}

#[test]
fn growth_needs_every_year_of_the_window_and_a_first_year_that_is_not_zero() {
    let e = ev(json!({"s": {"2021": 100, "2023": 121}}));
    assert_eq!(e.d("article4.g_ge_10"), "undetermined");
    assert_eq!(e.missing("article4.g_ge_10"), ["s"]);
    assert_eq!(e.details("article4.g_ge_10"), ["s[2022]"]);
    assert_eq!(e.d("article4.mean_eq_15"), "undetermined");
    let e = ev(json!({"s": {"2022": 100}}));
    assert_eq!(e.details("article4.g_ge_10"), ["s[2021]", "s[2023]"]);
    let e = ev(series(json!(0), json!(5), json!(10)));
    for d in [
        "article4.g_ge_10",
        "article4.g_ge_m100",
        "article4.g_gt_m150",
    ] {
        assert_eq!(e.d(d), "undetermined", "{d}");
        assert!(e.missing(d).is_empty(), "{d}");
    }
}

#[test]
fn growth_is_undetermined_when_the_first_or_the_last_figure_is_negative() {
    for (a, c) in [(-100, 121), (100, -121), (-100, -121)] {
        let e = ev(series(json!(a), json!(50), json!(c)));
        for d in [
            "article4.g_ge_10",
            "article4.g_gt_10",
            "article4.g_lt_10",
            "article4.g_ge_m100",
            "article4.g_ge_m200",
        ] {
            assert_eq!(e.d(d), "undetermined", "{d} for {a} … {c}");
        }
    }
    // A negative middle year does not enter compound growth.
    let e = ev(series(json!(100), json!(-50), json!(121)));
    assert_eq!(e.d("article4.g_ge_10"), "yes");
}

#[test]
fn every_growth_is_above_a_threshold_at_or_below_minus_one_hundred_percent() {
    // 100 → 1: growth is −90% a year.
    for s in [
        series(json!(100), json!(50), json!(1)),
        series(json!(100), json!(200), json!(400)),
        series(json!(100), json!(50), json!("0.01")),
    ] {
        let e = ev(s.clone());
        assert_eq!(e.d("article4.g_ge_m100"), "yes", "{s}");
        assert_eq!(e.d("article4.g_gt_m150"), "yes", "{s}");
        assert_eq!(e.d("article4.g_lt_m150"), "no", "{s}");
        assert_eq!(e.d("article4.g_ge_m200"), "yes", "{s}");
    }
    let e = ev(series(json!(100), json!(50), json!(1)));
    assert_eq!(e.d("article4.g_ge_10"), "no");
}

#[test]
fn mean_growth_is_the_arithmetic_mean_of_the_yearly_rates() {
    // +10% then +20%: the mean is 15% (compound growth would be about 14.9%).
    let e = ev(series(json!(100), json!(110), json!(132)));
    assert_eq!(e.d("article4.mean"), "0.15");
    assert_eq!(e.d("article4.mean_eq_15"), "yes");
    assert_eq!(e.d("article4.g_ge_10"), "yes");
    // −50% then +100%: the mean is 25% though the figure ends where it began.
    let e = ev(series(json!(100), json!(50), json!(100)));
    assert_eq!(e.d("article4.mean"), "0.25");
    assert_eq!(e.d("article4.g_ge_m100"), "yes");
    assert_eq!(e.d("article4.g_lt_10"), "yes");
    // A zero year makes the following rate undefined.
    let e = ev(series(json!(100), json!(0), json!(50)));
    assert_eq!(e.d("article4.mean"), "undetermined");
    let e = ev(series(json!(100), json!(100), json!(100)));
    assert_eq!(e.d("article4.mean"), "0");
}

#[test]
fn a_series_figure_is_read_by_year() {
    let e = ev(series(json!(1), json!("2.5"), json!(3)));
    assert_eq!(e.d("article4.s2022"), "2.5");
    let e = ev(json!({"s": {"2021": 1}}));
    assert_eq!(e.d("article4.s2022"), "undetermined");
    assert_eq!(e.details("article4.s2022"), ["s[2022]"]);
}

/// A year that is itself a fact: unknown while it is missing, for that reason alone.
#[test]
fn a_series_figure_of_a_year_given_as_a_fact() {
    let mut f = series(json!(1), json!("2.5"), json!(3));
    f["yr"] = json!(2022);
    assert_eq!(ev(f.clone()).d("article4.s_yr"), "2.5");
    f["yr"] = json!(2019);
    let e = ev(f);
    assert_eq!(e.d("article4.s_yr"), "undetermined");
    assert_eq!(e.details("article4.s_yr"), ["s[2019]"]);
    let e = ev(series(json!(1), json!("2.5"), json!(3)));
    assert_eq!(e.d("article4.s_yr"), "undetermined");
    assert_eq!(e.missing("article4.s_yr"), ["yr"]);
    let e = ev(json!({"yr": 2022}));
    assert_eq!(e.missing("article4.s_yr"), ["s"]);
}

// ── dates ────────────────────────────────────────────────────────────────────

#[test]
fn date_in_29_february_is_28_february_in_a_common_year() {
    for (yr, want) in [
        (2024, "2024-02-29"),
        (2025, "2025-02-28"),
        (2100, "2100-02-28"),
        (2000, "2000-02-29"),
    ] {
        let e = ev(json!({"yr": yr}));
        assert_eq!(e.d("article5.feb29"), want);
        assert_eq!(e.d("article5.apr10"), format!("{yr}-04-10"));
    }
    assert_eq!(ev(json!({})).d("article5.feb29"), "undetermined");
    assert_eq!(ev(json!({})).missing("article5.feb29"), ["yr"]);
}

#[test]
fn adding_months_and_years_clamps_to_the_end_of_the_month() {
    let e = ev(json!({"start": "2024-01-31"}));
    assert_eq!(e.d("article5.plus_month"), "2024-02-29");
    assert_eq!(e.d("article5.minus_month"), "2023-12-31");
    assert_eq!(e.d("article5.plus_year"), "2025-01-31");
    let e = ev(json!({"start": "2023-01-31"}));
    assert_eq!(e.d("article5.plus_month"), "2023-02-28");
    let e = ev(json!({"start": "2024-03-31"}));
    assert_eq!(e.d("article5.minus_month"), "2024-02-29");
    assert_eq!(e.d("article5.plus_month"), "2024-04-30");
    let e = ev(json!({"start": "2024-02-29"}));
    assert_eq!(e.d("article5.plus_year"), "2025-02-28");
    let e = ev(json!({"start": "2024-02-25"}));
    assert_eq!(e.d("article5.plus_days"), "2024-03-06");
    let e = ev(json!({"start": "2024-03-06"}));
    assert_eq!(e.d("article5.minus_days"), "2024-02-25");
}

#[test]
fn durations_add_and_subtract_component_by_component() {
    let e = ev(json!({"start": "2024-01-31"}));
    // + 1 year 2 months: 2025-03-31; + 3 days.
    assert_eq!(e.d("article5.dur_plus"), "2025-04-03");
    // + 1 year − 2 months: 2024-11-30 (clamped); − 3 days.
    assert_eq!(e.d("article5.dur_minus"), "2024-11-27");
    assert_eq!(e.d("article5.dur_first"), "2024-02-29");
    assert_eq!(e.d("article5.dur_eq"), "yes");
    assert_eq!(e.d("article5.dur_ne"), "yes");
}

#[test]
fn extend_adds_the_period_n_times_clamping_each_time() {
    // One month twice from 31 January: 29 February, then 29 March (not 31 March).
    let e = ev(json!({"start": "2024-01-31"}));
    assert_eq!(e.d("article5.extend_month_twice"), "2024-03-29");
    assert_eq!(e.d("article5.extend_zero"), "2024-01-31");
}

fn review(on: &str, result: &str) -> J {
    json!({"applied_on": on, "result": result})
}

#[test]
fn every_passed_review_extends_the_expiry_once_more() {
    let start = "2020-05-31";
    let cases = [
        (vec![], "0", "2023-05-31"),
        (vec![review("2023-03-01", "passed")], "1", "2026-05-31"),
        (
            vec![
                review("2023-03-01", "passed"),
                review("2026-03-01", "passed"),
            ],
            "2",
            "2029-05-31",
        ),
        (
            vec![
                review("2023-03-01", "passed"),
                review("2024-03-01", "failed"),
                review("2026-03-01", "passed"),
                review("2029-03-01", "passed"),
            ],
            "3",
            "2032-05-31",
        ),
        (vec![review("2023-03-01", "failed")], "0", "2023-05-31"),
    ];
    for (reviews, passed, expiry) in cases {
        let e = ev(json!({"start": start, "reviews": reviews}));
        assert_eq!(e.d("article5.passed"), passed);
        assert_eq!(e.d("article5.expiry"), expiry, "{passed} passed");
    }
    let e = ev(json!({"start": start}));
    assert_eq!(e.d("article5.expiry"), "undetermined");
    assert_eq!(e.missing("article5.expiry"), ["reviews"]);
}

#[test]
fn date_differences_and_comparisons() {
    let e = ev(json!({"start": "2024-02-28", "end": "2024-03-01"}));
    assert_eq!(e.d("article5.days_between"), "2");
    assert_eq!(e.d("article5.year_of"), "2024");
    assert_eq!(e.d("article5.before"), "yes");
    assert_eq!(e.d("article5.not_after"), "yes");
    assert_eq!(e.d("article5.same_day"), "no");
    assert_eq!(e.d("article7.earliest_date"), "2024-02-28");
    assert_eq!(e.d("article7.latest_date"), "2024-03-01");
    let e = ev(json!({"start": "2023-03-01", "end": "2023-02-28"}));
    assert_eq!(e.d("article5.days_between"), "-1");
    assert_eq!(e.d("article5.before"), "no");
    assert_eq!(e.d("article5.not_after"), "no");
    assert_eq!(e.d("article7.earliest_date"), "2023-02-28");
    assert_eq!(e.d("article7.latest_date"), "2023-03-01");
    let e = ev(json!({"start": "2023-03-01", "end": "2023-03-01"}));
    assert_eq!(e.d("article5.days_between"), "0");
    assert_eq!(e.d("article5.before"), "no");
    assert_eq!(e.d("article5.not_after"), "yes");
    assert_eq!(e.d("article5.same_day"), "yes");
}

// ── quantifiers, count, latest/earliest ──────────────────────────────────────

fn item(tag: &str, flag: Option<bool>, hit: Option<bool>, key: Option<i64>) -> J {
    let mut o = json!({"tag": tag});
    if let Some(b) = flag {
        o["flag"] = json!(b);
    }
    if let Some(b) = hit {
        o["hit"] = json!(b);
    }
    if let Some(k) = key {
        o["key"] = json!(k);
    }
    o
}

fn items(list: Vec<J>) -> Ev {
    ev(json!({ "items": list }))
}

/// (every, any, none) over `items` with `where i.flag: i.hit`.
fn quantified(list: Vec<J>) -> [String; 3] {
    let e = items(list);
    [
        e.d("article6.every_hit"),
        e.d("article6.any_hit"),
        e.d("article6.none_hit"),
    ]
}

#[test]
fn quantifiers_over_known_elements() {
    let q = |hits: &[bool]| quantified(hits.iter().map(|h| item("a", T, Some(*h), None)).collect());
    assert_eq!(q(&[true, true]), ["yes", "yes", "no"]);
    assert_eq!(q(&[true, false]), ["no", "yes", "no"]);
    assert_eq!(q(&[false, true]), ["no", "yes", "no"]);
    assert_eq!(q(&[false, false]), ["no", "no", "yes"]);
    assert_eq!(q(&[]), ["yes", "no", "yes"]);
    // Elements the filter leaves out do not count.
    assert_eq!(
        quantified(vec![item("a", F, F, None), item("b", T, T, None)]),
        ["yes", "yes", "no"]
    );
    assert_eq!(
        quantified(vec![item("a", F, T, None), item("b", T, F, None)]),
        ["no", "no", "yes"]
    );
    let e = ev(json!({}));
    for d in [
        "article6.every_hit",
        "article6.any_hit",
        "article6.none_hit",
    ] {
        assert_eq!(e.d(d), "undetermined");
        assert_eq!(e.missing(d), ["items"]);
    }
}

#[test]
fn quantifiers_with_an_unknown_body() {
    // false wins in every, a witness wins in any and none.
    assert_eq!(
        quantified(vec![item("a", T, F, None), item("b", T, U, None)]),
        ["no", "undetermined", "undetermined"]
    );
    assert_eq!(
        quantified(vec![item("a", T, U, None), item("b", T, T, None)]),
        ["undetermined", "yes", "no"]
    );
    assert_eq!(
        quantified(vec![item("a", T, U, None)]),
        ["undetermined", "undetermined", "undetermined"]
    );
    // Left out by the filter, an unknown body does not matter.
    assert_eq!(
        quantified(vec![item("a", F, U, None)]),
        ["yes", "no", "yes"]
    );
}

#[test]
fn an_element_whose_filter_is_unknown_matters_only_if_its_body_could_decide() {
    // Body true: cannot make every false, could be the witness of any / none.
    assert_eq!(
        quantified(vec![item("a", T, T, None), item("b", U, T, None)]),
        ["yes", "yes", "no"]
    );
    assert_eq!(
        quantified(vec![item("a", T, F, None), item("b", U, T, None)]),
        ["no", "undetermined", "undetermined"]
    );
    // Body false: could make every false, cannot be a witness.
    assert_eq!(
        quantified(vec![item("a", T, T, None), item("b", U, F, None)]),
        ["undetermined", "yes", "no"]
    );
    assert_eq!(
        quantified(vec![item("b", U, F, None)]),
        ["undetermined", "no", "yes"]
    );
    // Both unknown.
    assert_eq!(
        quantified(vec![item("b", U, U, None)]),
        ["undetermined", "undetermined", "undetermined"]
    );
    let e = items(vec![item("b", U, F, None)]);
    assert_eq!(e.missing("article6.every_hit"), ["items"]);
}

#[test]
fn count_with_unknown_filters() {
    let e = items(vec![
        item("a", T, U, None),
        item("b", F, U, None),
        item("c", T, U, None),
    ]);
    assert_eq!(e.d("article6.count_flag"), "2");
    assert_eq!(e.d("article6.count_all"), "3");
    // An element that might pass makes the count unknown.
    let e = items(vec![item("a", T, U, None), item("b", U, U, None)]);
    assert_eq!(e.d("article6.count_flag"), "undetermined");
    assert_eq!(e.missing("article6.count_flag"), ["items"]);
    assert_eq!(e.d("article6.count_all"), "2");
    let e = items(vec![]);
    assert_eq!(e.d("article6.count_flag"), "0");
    assert_eq!(e.d("article6.count_all"), "0");
    let e = ev(json!({}));
    assert_eq!(e.d("article6.count_all"), "undetermined");
    assert_eq!(e.missing("article6.count_all"), ["items"]);
}

/// (latest, earliest) tag among flagged items by key, then among all items.
fn picked(list: Vec<J>) -> [String; 4] {
    let e = items(list);
    [
        e.d("article6.latest_tag"),
        e.d("article6.earliest_tag"),
        e.d("article6.latest_any_tag"),
        e.d("article6.earliest_any_tag"),
    ]
}

#[test]
fn latest_and_earliest_pick_the_greatest_and_smallest_key() {
    assert_eq!(
        picked(vec![
            item("a", T, U, Some(1)),
            item("b", T, U, Some(3)),
            item("c", T, U, Some(2)),
        ]),
        ["b", "a", "b", "a"]
    );
    assert_eq!(
        picked(vec![
            item("c", T, U, Some(2)),
            item("b", T, U, Some(3)),
            item("a", T, U, Some(1)),
        ]),
        ["b", "a", "b", "a"]
    );
    // The filter leaves out the greatest and the smallest key.
    assert_eq!(
        picked(vec![
            item("a", F, U, Some(9)),
            item("b", T, U, Some(5)),
            item("c", T, U, Some(6)),
            item("a", F, U, Some(0)),
        ]),
        ["c", "b", "a", "a"]
    );
}

#[test]
fn latest_by_a_fraction_or_an_ordered_category() {
    // Keys ÷ 3: 1/3 and 2/3 are fractions, 3/3 a decimal; the greatest is compared across both.
    let e = items(vec![
        item("a", T, U, Some(1)),
        item("b", T, U, Some(3)),
        item("c", T, U, Some(2)),
    ]);
    assert_eq!(e.d("article6.latest_by_third"), "b");
    // By an ordered category: 高 is above 中 and 低, whatever the list order.
    let mut list = vec![
        item("a", T, U, Some(1)),
        item("b", T, U, Some(1)),
        item("c", T, U, Some(1)),
    ];
    for (x, level) in list.iter_mut().zip(["mid", "high", "low"]) {
        x["level"] = json!(level);
    }
    assert_eq!(items(list).d("article6.latest_by_level"), "b");
}

#[test]
fn ties_in_latest_and_earliest_go_to_the_first_in_list_order() {
    assert_eq!(
        picked(vec![item("a", T, U, Some(1)), item("b", T, U, Some(1))]),
        ["a", "a", "a", "a"]
    );
    assert_eq!(
        picked(vec![
            item("b", T, U, Some(1)),
            item("a", T, U, Some(2)),
            item("c", T, U, Some(2)),
            item("c", T, U, Some(1)),
        ]),
        ["a", "b", "a", "b"]
    );
}

#[test]
fn latest_and_earliest_are_unknown_when_a_candidate_is_unknown() {
    // An unknown key could be the greatest or the smallest.
    assert_eq!(
        picked(vec![item("a", T, U, Some(1)), item("b", T, U, None)]),
        [
            "undetermined",
            "undetermined",
            "undetermined",
            "undetermined"
        ]
    );
    // An unknown filter with a key that could win the latest, but not the earliest (its
    // key is greater than a known candidate's): only the latest is unknown.
    assert_eq!(
        picked(vec![item("a", T, U, Some(1)), item("b", U, U, Some(5))]),
        ["undetermined", "a", "b", "a"]
    );
    let e = items(vec![item("a", T, U, Some(1)), item("b", T, U, None)]);
    assert_eq!(e.missing("article6.latest_tag"), ["items"]);
    // An element the filter leaves out does not matter, even with an unknown key.
    assert_eq!(
        picked(vec![item("a", T, U, Some(1)), item("b", F, U, None)])[..2],
        ["a", "a"]
    );
}

#[test]
fn latest_of_nothing_is_none() {
    let e = items(vec![item("a", F, U, Some(1))]);
    assert_eq!(e.d("article6.no_latest"), "yes");
    assert_eq!(e.d("article6.latest_tag"), "undetermined");
    let e = items(vec![]);
    assert_eq!(e.d("article6.no_latest"), "yes");
    let e = items(vec![item("a", T, U, Some(1))]);
    assert_eq!(e.d("article6.no_latest"), "no");
}

#[test]
fn a_value_declared_or_none_compares_with_none() {
    let e = ev(json!({"start": "2024-01-31", "items": []}));
    assert_eq!(e.d("article6.nd_none"), "yes");
    assert_eq!(e.d("article6.sd_none"), "no");
    assert_eq!(e.d("article6.cn_none"), "no");
    let e = ev(json!({}));
    assert_eq!(e.d("article6.nd_none"), "yes");
    assert_eq!(e.d("article6.sd_none"), "undetermined");
    assert_eq!(e.missing("article6.sd_none"), ["start"]);
    assert_eq!(e.missing("article6.cn_none"), ["items"]);
}

#[test]
fn in_a_list() {
    assert_eq!(ev(json!({"tag": "a"})).d("article6.tag_in"), "yes");
    assert_eq!(ev(json!({"tag": "b"})).d("article6.tag_in"), "yes");
    assert_eq!(ev(json!({"tag": "c"})).d("article6.tag_in"), "no");
    let e = ev(json!({}));
    assert_eq!(e.d("article6.tag_in"), "undetermined");
    assert_eq!(e.missing("article6.tag_in"), ["tag"]);
    let e = ev(json!({"tag": "c", "tags": ["b", "c"]}));
    assert_eq!(e.d("article6.tag_in_list"), "yes");
    let e = ev(json!({"tag": "a", "tags": ["b", "c"]}));
    assert_eq!(e.d("article6.tag_in_list"), "no");
    let e = ev(json!({"tag": "a", "tags": []}));
    assert_eq!(e.d("article6.tag_in_list"), "no");
    let e = ev(json!({"tag": "a"}));
    assert_eq!(e.missing("article6.tag_in_list"), ["tags"]);
}

// ── built-in functions and arithmetic ────────────────────────────────────────

#[test]
fn min_max_abs_and_negation() {
    let e = ev(json!({"n": 3, "m": 7}));
    assert_eq!(e.d("article7.min_nm"), "3");
    assert_eq!(e.d("article7.max_nm"), "7");
    assert_eq!(e.d("article7.min3"), "3");
    assert_eq!(e.d("article7.max3"), "7");
    let e = ev(json!({"n": 7, "m": 3}));
    assert_eq!(e.d("article7.min_nm"), "3");
    assert_eq!(e.d("article7.max_nm"), "7");
    let e = ev(json!({"n": 6, "m": 7}));
    assert_eq!(e.d("article7.min3"), "5");
    let e = ev(json!({"n": 4, "m": 2}));
    assert_eq!(e.d("article7.max3"), "5");
    let e = ev(json!({"n": 4, "m": 4}));
    assert_eq!(e.d("article7.min_nm"), "4");
    assert_eq!(e.d("article7.max_nm"), "4");
    let e = ev(json!({"n": "-2.5", "m": 1}));
    assert_eq!(e.d("article7.abs_n"), "2.5");
    assert_eq!(e.d("article7.neg_n"), "2.5");
    assert_eq!(e.d("article7.min_nm"), "-2.5");
    let e = ev(json!({"n": "2.5", "m": 1}));
    assert_eq!(e.d("article7.abs_n"), "2.5");
    assert_eq!(e.d("article7.neg_n"), "-2.5");
    let e = ev(json!({"n": 1}));
    assert_eq!(e.d("article7.min_nm"), "undetermined");
    assert_eq!(e.missing("article7.max3"), ["m"]);
}

#[test]
fn len_first_last_years_and_year() {
    let e = ev(json!({"tags": ["a", "b", "c"], "yr": 2028}));
    assert_eq!(e.d("article7.len_tags"), "3");
    assert_eq!(e.d("article7.first_tag"), "a");
    assert_eq!(e.d("article7.last_tag"), "c");
    assert_eq!(e.d("article7.years_len"), "3");
    assert_eq!(e.d("article7.years_first"), "2021");
    assert_eq!(e.d("article7.years_last"), "2023");
    assert_eq!(e.d("article7.year_span"), "3");
    let e = ev(json!({"tags": ["b"], "yr": 2030}));
    assert_eq!(e.d("article7.len_tags"), "1");
    assert_eq!(e.d("article7.first_tag"), "b");
    assert_eq!(e.d("article7.last_tag"), "b");
    assert_eq!(e.d("article7.year_span"), "1");
    let e = ev(json!({"tags": [], "yr": 2031}));
    assert_eq!(e.d("article7.len_tags"), "0");
    assert_eq!(e.d("article7.first_tag"), "undetermined");
    assert_eq!(e.d("article7.last_tag"), "undetermined");
    assert_eq!(e.d("article7.year_span"), "0");
}

#[test]
fn arithmetic_is_exact() {
    let e = ev(json!({"n": "0.1", "m": "0.2"}));
    assert_eq!(e.d("article7.sum"), "0.3");
    assert_eq!(e.d("article7.diff"), "-0.1");
    assert_eq!(e.d("article7.product"), "0.02");
    assert_eq!(e.d("article7.ratio"), "0.5");
    let e = ev(json!({"n": 1, "m": 0}));
    assert_eq!(e.d("article7.ratio"), "undetermined");
    assert!(e.missing("article7.ratio").is_empty());
    assert_eq!(e.d("article7.product"), "0");
    let e = ev(json!({"n": 1, "m": 4}));
    assert_eq!(e.d("article7.ratio"), "0.25");
}

// ── explanations ─────────────────────────────────────────────────────────────

/// The evaluation of `facts` with explanations, as of 2025-06-30.
fn explained(facts: J) -> Evaluation {
    let p = &rule_set().program;
    let text = facts.to_string();
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, &text, 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    evaluate(p, &f, date, true)
}

fn checks<'a>(e: &'a Evaluation, name: &str) -> &'a [Check] {
    let p = &rule_set().program;
    let id = p.decisions.iter().position(|d| d.name == name).unwrap();
    &e.decisions[id].checks
}

#[test]
fn without_explanations_nothing_is_recorded() {
    let p = &rule_set().program;
    let facts = json!({
        "p": false, "q": true, "heavy": true, "efficient": false, "start": "2024-01-31",
        "end": "2024-03-01", "s": {"2020": 1000, "2021": 100, "2022": 105, "2023": 121},
        "items": [item("a", T, T, Some(3)), item("b", U, F, Some(1))], "n": 1, "m": 2,
    });
    let (f, _) =
        policy::facts::load(p, policy::facts::Format::Json, &facts.to_string(), 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let quick = evaluate(p, &f, date, false);
    for (d, r) in p.decisions.iter().zip(&quick.decisions) {
        assert!(r.checks.is_empty(), "{} has checks", d.name);
        for rule in &r.rules {
            assert!(rule.checks.is_empty(), "a rule of {} has checks", d.name);
        }
    }
    // With explanations the same facts give checks.
    let full = explained(facts);
    assert!(!checks(&full, "article4.g_ge_10").is_empty());
    assert!(!checks(&full, "article5.before").is_empty());
}

#[test]
fn an_explanation_shows_both_sides_of_and_and_or_even_when_the_first_decides() {
    let e = explained(json!({"p": false, "q": true}));
    let c = checks(&e, "article1.and2");
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[0].holds, Some(false));
    assert_eq!(c[1].holds, Some(true));
    let e = explained(json!({"p": true, "q": false}));
    let c = checks(&e, "article1.or2");
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[0].holds, Some(true));
    assert_eq!(c[1].holds, Some(false));
}

#[test]
fn an_explanation_shows_a_growth_and_its_margin_from_the_threshold() {
    // 100 → 121 over two years and 1000 → 1331 over three are exactly 10% a year.
    let e = explained(json!({"s": {"2020": 1000, "2021": 100, "2022": 105, "2023": 1331}}));
    let c = &checks(&e, "article4.g3_ge_10")[0];
    assert_eq!(c.holds, Some(true));
    // Shown in the unit of the threshold, without trailing zeros: 10 %.
    let left = c.left.as_ref().unwrap();
    assert_eq!(
        (left.value.as_str(), left.unit.as_str()),
        ("10", "%"),
        "{c:?}"
    );
    let e = explained(json!({"s": {"2021": 100, "2022": 105, "2023": 121}}));
    for d in ["article4.g_ge_10", "article4.flip_le_10"] {
        let c = &checks(&e, d)[0];
        assert_eq!(c.holds, Some(true), "{d}");
        let growth = if d.contains("flip") {
            &c.right
        } else {
            &c.left
        };
        assert_eq!(
            growth.as_ref().unwrap().value.parse::<f64>().unwrap(),
            10.0,
            "{d}: {c:?}"
        );
        let margin = c
            .margin
            .as_ref()
            .unwrap_or_else(|| panic!("{d}: no margin"));
        assert_eq!(margin.value.parse::<f64>().unwrap(), 0.0, "{d}: {c:?}");
    }
    // 100 → 144: 20% a year, 10 points above the threshold (and below it when flipped).
    let e = explained(json!({"s": {"2021": 100, "2022": 105, "2023": 144}}));
    let c = &checks(&e, "article4.g_ge_10")[0];
    assert_eq!(
        c.margin.as_ref().unwrap().value.parse::<f64>().unwrap(),
        10.0
    );
    let c = &checks(&e, "article4.flip_le_10")[0];
    assert_eq!(
        c.margin.as_ref().unwrap().value.parse::<f64>().unwrap(),
        -10.0
    );
}

#[test]
fn a_growth_cannot_be_computed_with() {
    // Arithmetic on a growth is a check-time error (it used to be undetermined at run time).
    let base =
        std::fs::read_to_string(root().join("tests/fixtures/engine/00-base.policy")).unwrap();
    let rules = "definition 窗口 \"w\" = years(2021, 2023)\n\
                 article 4 \"g\" { decision g_times_2 = growth(s, 窗口) * 2 >= 20% }\n";
    let mut sources = Sources::new();
    let errors = match policy::load_rule_set(
        &mut sources,
        vec![
            ("base.policy".into(), base),
            ("g.policy".into(), rules.into()),
        ],
    ) {
        Ok(_) => panic!("arithmetic on a growth was accepted"),
        Err(e) => e,
    };
    let codes: Vec<&str> = errors
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["policy::check::growth_arithmetic"]);
}

#[test]
fn a_growth_is_compared_with_another_exactly() {
    // 2021→2023: 100 → 121 is 10% a year; 2022→2023: 105 → 121 is about 15.2%.
    let e = ev(series(json!(100), json!(105), json!(121)));
    assert_eq!(e.d("article4.g_vs_g"), "no");
    // 100 → 110 → 121: 10% both ways, not greater.
    let e = ev(series(json!(100), json!(110), json!(121)));
    assert_eq!(e.d("article4.g_vs_g"), "no");
    // 100 → 118 → 121: about 2.5% in the last year, below the two-year 10%.
    let e = ev(series(json!(100), json!(118), json!(121)));
    assert_eq!(e.d("article4.g_vs_g"), "yes");
}

#[test]
fn comparisons_in_a_filter_are_not_explanations() {
    let e = explained(json!({"items": [item("a", T, T, Some(3)), item("b", T, F, Some(1))]}));
    let c = checks(&e, "article6.every_big");
    assert!(
        c.iter().all(|c| c.op != policy::syntax::ast::BinOp::Gt),
        "{c:?}"
    );
    assert_eq!(
        ev(json!({"items": [item("a", T, T, Some(3)), item("b", T, F, Some(1))]}))
            .d("article6.every_big"),
        "yes"
    );
}

#[test]
fn a_definition_read_in_a_filter_is_not_explained() {
    let e = explained(json!({"n": 3, "items": [item("a", T, T, None), item("b", T, T, None)]}));
    let c = checks(&e, "article6.every_slot");
    assert!(
        c.iter().all(|c| c.op != policy::syntax::ast::BinOp::Gt),
        "{c:?}"
    );
}

#[test]
fn a_comparison_is_explained_once_per_place() {
    // The definition's comparison is read twice at one place: one check.
    let e = explained(json!({"n": 3}));
    assert_eq!(checks(&e, "article8.twice").len(), 1);
    // The same comparison written twice: two places, two checks.
    assert_eq!(checks(&e, "article8.two_places").len(), 2);
}

#[test]
fn at_most_max_checks_are_kept_and_the_rest_counted() {
    let e = explained(json!({"n": 1}));
    let p = &rule_set().program;
    let id = p
        .decisions
        .iter()
        .position(|d| d.name == "article8.clause1")
        .unwrap();
    let rule = &e.decisions[id].rules[0];
    assert_eq!(rule.outcome, Outcome::Met);
    assert_eq!(rule.checks.len(), policy::eval::MAX_CHECKS);
    assert_eq!(rule.checks_truncated, 100 - policy::eval::MAX_CHECKS);
}

#[test]
fn an_explanation_shows_every_element_even_after_the_result_is_decided() {
    let list = json!({"items": [item("a", T, T, Some(1)), item("b", T, T, Some(5))]});
    let e = explained(list.clone());
    assert_eq!(checks(&e, "article6.every_key").len(), 2);
    let list2 = json!({"items": [item("a", T, T, Some(5)), item("b", T, T, Some(1))]});
    let e2 = explained(list2.clone());
    assert_eq!(checks(&e2, "article6.any_key").len(), 2);
    assert_eq!(ev(list).d("article6.every_key"), "no");
    assert_eq!(ev(list2).d("article6.any_key"), "yes");
}

#[test]
fn years_refuses_a_range_longer_than_a_thousand_years() {
    // 1030..=2030 spans exactly 1000 years (1001 of them): allowed.
    assert_eq!(ev(json!({"yr": 1030})).d("article7.year_span"), "1001");
    let e = ev(json!({"yr": 1029}));
    assert_eq!(e.d("article7.year_span"), "undetermined");
    assert_eq!(
        e.get("article7.year_span").why.reasons,
        ["the range of years is too long"]
    );
}

#[test]
fn a_call_first_read_where_nothing_is_explained_is_explained_in_a_rule() {
    // `大于二(n)` is evaluated inside a filter first (not explained), then in a rule with the
    // same argument. The two calls sit at different depths (inside and outside the
    // quantifier), so they are not one remembered call: the next test has the same call
    // twice at one depth.
    let e = explained(json!({"n": 3, "items": [item("a", T, T, None)]}));
    assert_eq!(
        e.decisions[id_of("article9.hit_by_call")].value,
        Some(Value::Bool(true))
    );
    let rule = &e.decisions[id_of("article10.clause1")].rules[0];
    assert_eq!(rule.outcome, Outcome::Met);
    // The comparison made inside the call, once: not the filter's, which chose elements.
    let ops: Vec<_> = rule.checks.iter().map(|c| c.op).collect();
    assert_eq!(ops, [policy::syntax::ast::BinOp::Gt], "{:?}", rule.checks);
    assert!(rule.checks[0].bindings.is_empty(), "{:?}", rule.checks);
}

#[test]
fn a_call_read_in_a_filter_and_then_in_the_body_is_explained_in_the_body() {
    let e = explained(json!({"n": 3, "items": [item("a", T, T, None)]}));
    let rule = &e.decisions[id_of("article10.clause2")].rules[0];
    assert_eq!(rule.outcome, Outcome::Met);
    let ops: Vec<_> = rule.checks.iter().map(|c| c.op).collect();
    assert_eq!(ops, [policy::syntax::ast::BinOp::Gt], "{:?}", rule.checks);
}

fn id_of(name: &str) -> usize {
    let p = &rule_set().program;
    p.decisions.iter().position(|d| d.name == name).unwrap()
}

#[test]
fn a_long_call_read_twice_keeps_at_most_max_checks_and_counts_each_place_once() {
    let e = explained(json!({"n": 1}));
    let rule = &e.decisions[id_of("article11.clause1")].rules[0];
    assert_eq!(rule.outcome, Outcome::Met);
    assert_eq!(rule.checks.len(), policy::eval::MAX_CHECKS);
    // 100 places were compared (twice each): 40 shown, 60 not.
    assert_eq!(rule.checks_truncated, 100 - policy::eval::MAX_CHECKS);
}

#[test]
fn reads_past_max_checks_are_counted_not_kept() {
    let e = explained(json!({"p": true}));
    let rule = &e.decisions[id_of("article12.clause1")].rules[0];
    assert_eq!(rule.outcome, Outcome::Met);
    assert_eq!(rule.checks.len(), policy::eval::MAX_CHECKS);
    assert_eq!(rule.checks_truncated, 100 - policy::eval::MAX_CHECKS);
}

#[test]
fn a_threshold_written_negative_or_in_another_unit_is_stated() {
    use policy::eval::Side;
    let e = explained(json!({"n": -7, "cash": 40000}));
    for (clause, margin) in [("article13.clause1", "-2"), ("article13.clause2", "10000")] {
        let rule = &e.decisions[id_of(clause)].rules[0];
        assert_eq!(rule.checks.len(), 1, "{clause}: {:?}", rule.checks);
        let c = &rule.checks[0];
        assert_eq!(c.sides, (Side::Value, Side::Stated), "{clause}");
        assert_eq!(
            c.margin.as_ref().map(|m| m.value.as_str()),
            Some(margin),
            "{clause}"
        );
    }
}

#[test]
fn the_checked_program_keeps_the_words_of_each_article_and_clause() {
    // Integrators read the measures' words from the program (`ArticleDef::text`,
    // `ClauseDef::text`), in the order the rule file gives them.
    let rules = policy::load_rule_set(&mut Sources::new(), common::shanghai_rules());
    let rules = rules.unwrap_or_else(|e| panic!("{e:?}"));
    let p = &rules.program;
    let art6 = p.articles.iter().find(|a| a.number == 6).unwrap();
    assert_eq!(art6.text, vec!["集群认定应当满足以下条件：".to_string()]);
    let c1 = &art6.clauses[0];
    assert_eq!(c1.text.len(), 1);
    assert!(c1.text[0].starts_with("集群内企业近三年未发生较大及以上安全"));
    assert!(art6.clauses.iter().all(|c| c.text.len() == 1));
}

/// What a plan evaluates once for a date: the definitions that use no fact and no
/// decision, directly or through the functions and definitions they use.
#[test]
fn a_plan_fixes_the_definitions_without_facts() {
    let p = &rule_set().program;
    let free = policy::eval::fact_free(p);
    let is_free = |name: &str| {
        let i = p.slots.iter().position(|s| s.name == name);
        free[i.unwrap_or_else(|| panic!("no definition {name}"))]
    };
    for name in ["六", "今年", "窗口", "无日期"] {
        assert!(is_free(name), "{name} uses no fact");
    }
    for name in [
        "经函数读事实",
        "经定义读事实",
        "读判定",
        "门槛已过",
        "起始或无",
        "计数或无",
    ] {
        assert!(!is_free(name), "{name} uses a fact or a decision");
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let plan = policy::eval::Plan::new(p, as_of, false);
    assert_eq!(plan.fixed(), free.iter().filter(|f| **f).count());
    // With and without the plan, the same decisions, explained the same way.
    let text = json!({"n": 7, "p": true, "q": false}).to_string();
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, &text, 0).unwrap();
    for explain in [false, true] {
        let planned = policy::eval::Plan::new(p, as_of, explain).evaluate(&f);
        let plain = evaluate(p, &f, as_of, explain);
        assert!(planned.steps < plain.steps);
        assert_eq!(
            format!("{:?}", planned.decisions),
            format!("{:?}", plain.decisions)
        );
        let ev = Ev {
            decisions: planned.decisions,
        };
        assert_eq!(ev.d("article14.six"), "yes");
        assert_eq!(ev.d("article14.through_function"), "yes");
        assert_eq!(ev.d("article14.through_definition"), "no");
        assert_eq!(ev.d("article14.through_decision"), "no");
    }
}

/// A call is remembered (without explanations) only when its function's body calls or
/// loops: `大于二(x) = x > 2` does neither, `每年至少(x)` goes over a list. Both give
/// the same decisions either way.
#[test]
fn calls_are_remembered_when_their_body_loops() {
    use policy::ir::{Expr, ExprKind};
    fn calls<'a>(e: &'a Expr, out: &mut Vec<(&'a str, bool)>) {
        if let ExprKind::Inline { name, loops, .. } = &e.kind {
            out.push((name.as_str(), *loops));
        }
        e.each_child(&mut |c| calls(c, out));
    }
    let p = &rule_set().program;
    let mut found = Vec::new();
    for a in &p.articles {
        for r in a.clauses.iter().flat_map(|c| &c.rules) {
            calls(&r.body, &mut found);
        }
    }
    for d in &p.decisions {
        if let policy::ir::DecisionKind::Expr(e) = &d.kind {
            calls(e, &mut found);
        }
    }
    assert!(found.contains(&("大于二", false)), "{found:?}");
    assert!(found.contains(&("每年至少", true)), "{found:?}");
    assert!(!found.iter().any(|(n, l)| *n == "大于二" && *l));
    for n in [1, 3] {
        let e = ev(json!({"n": n, "items": [item("a", Some(true), Some(true), Some(1))]}));
        let want = if n > 2 { "yes" } else { "no" };
        assert_eq!(e.d("article9.hit_by_call"), want);
        assert_eq!(e.d("article11.clause1"), if n <= 1 { "yes" } else { "no" });
    }
}
