//! `count`, `sum`, `mean`, `min` and `max` with three values, on the fixture rule set
//! `tests/fixtures/aggregates/` and on rule text generated here:
//!
//! - every aggregate × every operator × the aggregate on either side × every pattern of
//!   three elements whose filter and value are each known or unknown, at thresholds on
//!   the boundaries, against an oracle that tries every way the unknowns could turn out:
//!   a decided comparison must agree with every one of them (sound), and the cases the
//!   measures need — two known passes of three, two known fails, one known element below
//!   a `min` or reaching a `max`, a sum of counts already past — must be decided;
//! - the example of the issue, "any 2 of the 3 years ≥ 40亿元", and a sum over a window;
//! - what the explanations list (each element, its value, pass / fail / unknown) in the
//!   human report and the JSON.
//!
//! Each facts object is evaluated with and without explanations, which must agree.

mod common;

use common::root;
use policy::diag::Sources;
use policy::eval::{evaluate, Evaluation, Status, Value};
use serde_json::{json, Value as J};
use std::sync::OnceLock;

fn fixture_text() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/aggregates/aggregates.policy")).unwrap()
}

fn fixture() -> &'static policy::RuleSet {
    static RULES: OnceLock<policy::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let files = vec![(
            "tests/fixtures/aggregates/aggregates.policy".to_string(),
            fixture_text(),
        )];
        match policy::load_rule_set(&mut Sources::new(), files) {
            Ok(r) => r,
            Err(e) => panic!("the aggregates fixture does not check: {e:?}"),
        }
    })
}

/// Evaluate `facts` on `rules` as of 2025-06-30, with and without explanations; the
/// explained evaluation is returned.
fn run(rules: &policy::RuleSet, facts: &J) -> Evaluation {
    let p = &rules.program;
    let text = facts.to_string();
    let (f, _) = match policy::facts::load(p, policy::facts::Format::Json, &text, 0) {
        Ok(x) => x,
        Err(e) => panic!("facts {text} do not load: {e:?}"),
    };
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let quick = evaluate(p, &f, date, false);
    let full = evaluate(p, &f, date, true);
    for (i, (a, b)) in quick.decisions.iter().zip(&full.decisions).enumerate() {
        assert_eq!(
            (a.status, &a.value),
            (b.status, &b.value),
            "{} differs with explanations for {text}",
            p.decisions[i].name
        );
    }
    full
}

/// A decision as `yes`, `no`, `undetermined` or its value as the JSON shows it.
fn d(rules: &policy::RuleSet, e: &Evaluation, name: &str) -> String {
    let p = &rules.program;
    let id = decision_id(p, name);
    let r = &e.decisions[id];
    match (r.status, &r.value) {
        (Status::Undetermined, _) => "undetermined".into(),
        (Status::NotApplicable, _) => "n/a".into(),
        (_, Some(Value::Bool(true))) => "yes".into(),
        (_, Some(Value::Bool(false))) => "no".into(),
        (_, Some(v)) => match policy::render::json::value(p, v, &p.decisions[id].ty) {
            J::String(s) => s,
            other => other.to_string(),
        },
        (_, None) => "no value".into(),
    }
}

fn missing(rules: &policy::RuleSet, e: &Evaluation, name: &str) -> Vec<String> {
    e.decisions[decision_id(&rules.program, name)]
        .why
        .details
        .clone()
}

// ── the issue's examples ─────────────────────────────────────────────────────

#[test]
fn any_two_of_three_years_is_decided_by_the_known_years() {
    let r = fixture();
    // Two known years pass: met, whatever 2023 says.
    let e = run(r, &json!({"output_value": {"2022": 45, "2024": 41}}));
    for name in [
        "article1.clause1",
        "article1.through_definition",
        "article1.flipped",
    ] {
        assert_eq!(d(r, &e, name), "yes", "{name}");
    }
    // The count itself is still unknown, and says which figure is missing.
    assert_eq!(d(r, &e, "article1.years_counted"), "undetermined");
    assert_eq!(
        missing(r, &e, "article1.years_counted"),
        ["output_value[2023]"]
    );
    // Two known years fail: not met.
    let e = run(r, &json!({"output_value": {"2022": 39.99, "2024": 12}}));
    for name in [
        "article1.clause1",
        "article1.through_definition",
        "article1.flipped",
    ] {
        assert_eq!(d(r, &e, name), "no", "{name}");
    }
    // One passes, one fails: undetermined, naming the missing year.
    let e = run(r, &json!({"output_value": {"2022": 40, "2024": 12}}));
    assert_eq!(d(r, &e, "article1.clause1"), "undetermined");
    assert_eq!(missing(r, &e, "article1.clause1"), ["output_value[2023]"]);
    // The count is 1 or 2: not 0 (a range above the number), and maybe 1.
    assert_eq!(d(r, &e, "article1.no_year"), "no");
    assert_eq!(d(r, &e, "article1.some_year"), "yes");
    assert_eq!(d(r, &e, "article1.one_year"), "undetermined");
    // Two known years pass: 2 or 3, so not 1 (a range below the number).
    let e = run(r, &json!({"output_value": {"2022": 45, "2024": 41}}));
    assert_eq!(d(r, &e, "article1.one_year"), "no");
    // All known: exactly 40 counts (以上 includes the number).
    let e = run(
        r,
        &json!({"output_value": {"2022": 40, "2023": 39, "2024": 40}}),
    );
    assert_eq!(d(r, &e, "article1.clause1"), "yes");
    assert_eq!(d(r, &e, "article1.years_counted"), "2");
}

#[test]
fn a_sum_over_a_window() {
    let r = fixture();
    let e = run(
        r,
        &json!({"output_value": {"2022": 30, "2023": 35.5, "2024": 34.5}}),
    );
    assert_eq!(d(r, &e, "article2.sum_ge"), "yes");
    assert_eq!(d(r, &e, "article2.sum_value"), "100.0亿元");
    // The mean of 亿元 is in 亿元, exact: 100 / 3.
    assert_eq!(d(r, &e, "article2.mean_value"), "≈33.3333亿元");
    assert_eq!(d(r, &e, "article2.min_ge"), "yes");
    assert_eq!(d(r, &e, "article2.max_ge"), "no");
    let e = run(
        r,
        &json!({"output_value": {"2022": 30, "2023": 35.5, "2024": 34.49}}),
    );
    assert_eq!(d(r, &e, "article2.sum_ge"), "no");
    // A figure missing: the others may not say the sum, since a figure in 亿元 may be
    // negative; `min` is below 30 as soon as one year is, `max` reaches 50 likewise.
    let e = run(r, &json!({"output_value": {"2022": 29, "2024": 60}}));
    assert_eq!(d(r, &e, "article2.sum_ge"), "undetermined");
    assert_eq!(d(r, &e, "article2.min_ge"), "no");
    // The bounds follow a conversion of units (亿元 to 万元).
    assert_eq!(d(r, &e, "article2.min_in_万元"), "no");
    assert_eq!(d(r, &e, "article2.max_ge"), "yes");
    let e = run(r, &json!({"output_value": {"2022": 31, "2024": 40}}));
    assert_eq!(d(r, &e, "article2.min_ge"), "undetermined");
    assert_eq!(d(r, &e, "article2.max_ge"), "undetermined");
    // Counts are never negative: the known part of a sum of counts is a floor.
    let e = run(r, &json!({"firms": {"2022": 6, "2024": 4}}));
    assert_eq!(d(r, &e, "article2.firms_ge"), "yes");
    // …and a negation: −sum is at most −10.
    assert_eq!(d(r, &e, "article2.negated"), "yes");
    let e = run(r, &json!({"firms": {"2022": 6, "2024": 3}}));
    assert_eq!(d(r, &e, "article2.firms_ge"), "undetermined");
    // Arithmetic on an aggregate keeps no bounds: undetermined, not guessed.
    let e = run(r, &json!({"firms": {"2022": 6, "2024": 4}}));
    assert_eq!(d(r, &e, "article2.firms_in_万"), "undetermined");
    // …nor does a function of one: min(≥10, 5) is 5, not "at least 10".
    assert_eq!(d(r, &e, "article2.min_of_sum"), "undetermined");
    // The declared type of a definition decides, not its body: a number declared a
    // count has a floor, a count declared a number has none.
    let e = run(
        r,
        &json!({"firms": {"2022": 6, "2024": 4}, "firms_reported": {"2022": 6, "2024": 4}}),
    );
    assert_eq!(d(r, &e, "article2.declared_count"), "yes");
    assert_eq!(d(r, &e, "article2.declared_number"), "undetermined");
}

/// `count in [..]` is yes or no, and `[count]` a list: unknown, neither is a number
/// with a range. Both memberships below are false whatever the missing year is, and so
/// are both quantifiers; their counts' ranges (2 to 3, and 0 to 1) are apart: compared
/// by those ranges, the two sides would wrongly be found unequal.
#[test]
fn a_membership_keeps_none_of_the_aggregates_bounds() {
    let r = fixture();
    let e = run(r, &json!({"output_value": {"2022": 41, "2023": 45}}));
    assert_eq!(d(r, &e, "article1.memberships_compared"), "undetermined");
    assert_eq!(d(r, &e, "article1.quantifiers_compared"), "undetermined");
    let e = run(
        r,
        &json!({"output_value": {"2022": 41, "2023": 45, "2024": 50}}),
    );
    assert_eq!(d(r, &e, "article1.memberships_compared"), "yes");
    assert_eq!(d(r, &e, "article1.quantifiers_compared"), "yes");
}

#[test]
fn aggregates_over_a_list_with_a_filter() {
    let r = fixture();
    let deals = |v: J| json!({ "deals": v });
    let e = run(
        r,
        &deals(json!([
            {"amount": 3000, "eligible": true},
            {"amount": 12000, "eligible": true},
            {"amount": 500, "eligible": false}
        ])),
    );
    assert_eq!(d(r, &e, "article3.deal_sum"), "15000万元");
    assert_eq!(d(r, &e, "article3.deal_mean"), "7500万元");
    assert_eq!(d(r, &e, "article3.deal_min"), "3000万元");
    assert_eq!(d(r, &e, "article3.deal_max"), "12000万元");
    assert_eq!(d(r, &e, "article3.deal_count"), "2");
    assert_eq!(d(r, &e, "article3.deal_max_ge"), "yes");
    // The function `min(a, b)` still works beside the aggregate.
    assert_eq!(d(r, &e, "article3.two_functions"), "no");
    // An element whose filter is unknown may count: the max is at least the known one.
    let e = run(
        r,
        &deals(json!([{"amount": 3000}, {"amount": 10000, "eligible": true}])),
    );
    assert_eq!(d(r, &e, "article3.deal_max_ge"), "yes");
    assert_eq!(d(r, &e, "article3.deal_count"), "undetermined");
    // A smaller element that may count leaves the max known to be 5000 (bounds 5000…5000).
    let e = run(
        r,
        &deals(json!([{"amount": 3000}, {"amount": 5000, "eligible": true}])),
    );
    assert_eq!(d(r, &e, "article3.deal_max"), "undetermined");
    assert_eq!(d(r, &e, "article3.deal_max_is_5000"), "yes");
    let e = run(
        r,
        &deals(json!([{"amount": 3000}, {"amount": 10000, "eligible": true}])),
    );
    assert_eq!(missing(r, &e, "article3.deal_count"), ["deals[1].eligible"]);
    let e = run(
        r,
        &deals(json!([{"amount": 30000}, {"amount": 9999, "eligible": true}])),
    );
    assert_eq!(d(r, &e, "article3.deal_max_ge"), "undetermined");
    // None left by the filter: a sum and a count of nothing are 0; a mean, min or max
    // of nothing is undetermined, with the reason.
    let e = run(r, &deals(json!([{"amount": 500, "eligible": false}])));
    assert_eq!(d(r, &e, "article3.deal_sum"), "0万元");
    assert_eq!(d(r, &e, "article3.deal_count"), "0");
    for name in [
        "article3.deal_mean",
        "article3.deal_min",
        "article3.deal_max",
    ] {
        assert_eq!(d(r, &e, name), "undetermined", "{name}");
        let id = r
            .program
            .decisions
            .iter()
            .position(|x| x.name == name)
            .unwrap();
        let reasons = &e.decisions[id].why.reasons;
        assert!(
            reasons[0].starts_with("there are no elements"),
            "{reasons:?}"
        );
    }
    let e = run(r, &deals(json!([])));
    assert_eq!(d(r, &e, "article3.deal_sum"), "0万元");
    assert_eq!(d(r, &e, "article3.deal_max_ge"), "undetermined");
}

#[test]
fn the_least_and_greatest_of_dates() {
    let r = fixture();
    let signed = |dates: &[Option<&str>]| {
        let list: Vec<J> = dates
            .iter()
            .map(|d| match d {
                Some(d) => json!({ "signed_on": d }),
                None => json!({}),
            })
            .collect();
        run(r, &json!({ "deals": list }))
    };
    let e = signed(&[Some("2024-03-01"), Some("2023-12-31"), Some("2024-11-30")]);
    assert_eq!(d(r, &e, "article3.first_signed"), "2023-12-31");
    assert_eq!(d(r, &e, "article3.last_signed"), "2024-11-30");
    assert_eq!(d(r, &e, "article3.first_signed_in_2024"), "no");
    // One date unknown: a date has no numeric range, so nothing is decided by the others.
    let e = signed(&[Some("2024-03-01"), None]);
    assert_eq!(d(r, &e, "article3.first_signed"), "undetermined");
    assert_eq!(d(r, &e, "article3.first_signed_in_2024"), "undetermined");
}

// ── explanations ─────────────────────────────────────────────────────────────

/// The index of decision `name`.
fn decision_id(p: &policy::ir::Program, name: &str) -> usize {
    p.decisions
        .iter()
        .position(|x| x.name == name)
        .unwrap_or_else(|| panic!("no decision {name}"))
}

/// Each check as the human report writes it.
fn check_lines(checks: &[policy::eval::Check]) -> Vec<String> {
    checks
        .iter()
        .map(policy::render::human::check_line)
        .collect()
}

#[test]
fn explanations_list_the_elements_counted() {
    let r = fixture();
    let e = run(r, &json!({"output_value": {"2022": 45, "2024": 38}}));
    let p = &r.program;
    let id = decision_id(p, "article1.clause1");
    assert_eq!(
        check_lines(&e.decisions[id].rules[0].checks),
        [
            "2022: 45亿元 >= 40亿元, 5亿元 above",
            "2023: unknown >= 40亿元: undetermined",
            "2024: 38亿元 < 40亿元, short by 2亿元",
            "1…2 >= 2: undetermined",
        ]
    );
    // A sum lists each year's value; the JSON has them as values with their bindings.
    let e = run(
        r,
        &json!({"output_value": {"2022": 30, "2023": 35.5, "2024": 34.5}}),
    );
    let mut sources = Sources::new();
    sources.add(
        "tests/fixtures/aggregates/aggregates.policy".to_string(),
        fixture_text(),
    );
    let report = policy::render::Report {
        program: p,
        evaluation: &e,
        sources: &sources,
        fact_warnings: &[],
    };
    let j = policy::render::json::render(&report);
    let checks = &j["decisions"]["article2.sum_ge"]["explanation"]["checks"];
    assert_eq!(checks[0]["kind"], "value");
    assert_eq!(checks[0]["bindings"]["y"], "2022");
    assert_eq!(checks[0]["value"]["value"], "30");
    assert_eq!(checks[0]["value"]["unit"], "亿元");
    assert_eq!(checks[1]["bindings"]["y"], "2023");
    assert_eq!(checks[3]["kind"], "comparison");
    assert_eq!(checks[3]["left"]["value"], "100.0");
    assert_eq!(checks[3]["holds"], true);
    let human =
        policy::render::human::render(&report, policy::render::human::Style { color: false });
    assert!(
        human.contains("2023: output_value[y] = 35.5亿元"),
        "{human}"
    );
    // A sum in the filter of a quantifier only chooses the elements: the explanation
    // lists what `any` found, not the figures summed to choose.
    let e = run(
        r,
        &json!({"output_value": {"2022": 45, "2023": 30, "2024": 38}, "firms": {"2022": 1, "2023": 2, "2024": 3}}),
    );
    let id = decision_id(p, "article2.sum_in_a_filter");
    assert_eq!(e.decisions[id].value, Some(Value::Bool(true)));
    assert_eq!(
        check_lines(&e.decisions[id].checks),
        [
            "2022: 45亿元 >= 40亿元, 5亿元 above",
            "2023: 30亿元 < 40亿元, short by 10亿元",
            "2024: 38亿元 < 40亿元, short by 2亿元",
        ]
    );
    // A filter that compares nothing is shown as read: each element passes, fails or is
    // unknown.
    let e = run(
        r,
        &json!({"deals": [
            {"amount": 3000, "eligible": true},
            {"amount": 12000},
            {"amount": 500, "eligible": false}
        ]}),
    );
    let id = p
        .decisions
        .iter()
        .position(|x| x.name == "article3.deal_sum")
        .unwrap();
    let lines: Vec<String> = e.decisions[id]
        .checks
        .iter()
        .map(|c| policy::render::human::check_line_with(c, Some("e")))
        .collect();
    assert_eq!(
        lines,
        [
            "deals[1] (amount 3000): e = yes",
            "deals[1] (amount 3000): e = 3000万元",
            "deals[2] (amount 12000): e = unknown",
            "deals[2] (amount 12000): e = 12000万元",
            "deals[3] (amount 500): e = no",
        ]
    );
}

// ── every aggregate, operator and pattern, against an oracle ─────────────────

const KINDS: [&str; 5] = ["count", "sum", "mean", "min", "max"];
const OPS: [&str; 6] = [">=", ">", "<=", "<", "=", "!="];
/// The thresholds tried for each aggregate: on and around the values the elements take.
const THRESHOLDS: [i64; 4] = [0, 2, 3, 5];
/// The values an element takes when known (counts, so never negative).
const VALUES: [i64; 3] = [0, 2, 5];
/// What an unknown value may be, for the oracle: every count up to past the thresholds.
const DOMAIN: [i64; 8] = [0, 1, 2, 3, 4, 5, 6, 100];

fn generated() -> &'static policy::RuleSet {
    static RULES: OnceLock<policy::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut text = String::from(
            "policy \"t\" { in_force 2000-01-01 to 2199-12-31 }\n\
             record E \"e\" { v: optional count \"v\"  ok: optional bool \"ok\" }\n\
             fact es \"es\": list of E\n\
             article 1 \"t\" {\n",
        );
        for (k, kind) in KINDS.iter().enumerate() {
            let agg = if *kind == "count" {
                "(count e in es where e.ok)".to_string()
            } else {
                format!("({kind} e in es where e.ok: e.v)")
            };
            for (o, op) in OPS.iter().enumerate() {
                for t in THRESHOLDS {
                    text.push_str(&format!("  decision d{k}_{o}_{t}_l = {agg} {op} {t}\n"));
                    text.push_str(&format!("  decision d{k}_{o}_{t}_r = {t} {op} {agg}\n"));
                }
            }
        }
        text.push_str("}\n");
        match policy::load_rule_set(&mut Sources::new(), vec![("t.policy".into(), text)]) {
            Ok(r) => r,
            Err(e) => panic!("the generated rules do not check: {e:?}"),
        }
    })
}

/// An element: its filter (`None` unknown) and its value (`None` unknown).
type Elem = (Option<bool>, Option<i64>);

/// The aggregate over a completed selection, as a fraction (num, den); `None` when it
/// has no value (the mean, min or max of nothing).
fn oracle_value(kind: &str, vs: &[i64]) -> Option<(i64, i64)> {
    match kind {
        "count" => Some((vs.len() as i64, 1)),
        "sum" => Some((vs.iter().sum(), 1)),
        "mean" if !vs.is_empty() => Some((vs.iter().sum(), vs.len() as i64)),
        "min" => vs.iter().min().map(|x| (*x, 1)),
        "max" => vs.iter().max().map(|x| (*x, 1)),
        _ => None,
    }
}

fn holds(op: &str, (n, d): (i64, i64), t: i64, agg_left: bool) -> bool {
    // n/d ? t  ⇔  n ? t·d  (d > 0)
    let (a, b) = if agg_left { (n, t * d) } else { (t * d, n) };
    match op {
        ">=" => a >= b,
        ">" => a > b,
        "<=" => a <= b,
        "<" => a < b,
        "=" => a == b,
        _ => a != b,
    }
}

/// Every value the aggregate can take as the unknowns turn out (`None`: no value, for an
/// empty mean, min or max), each once.
fn aggregate_values(kind: &str, es: &[Elem]) -> Vec<Option<(i64, i64)>> {
    let mut out = Vec::new();
    let mut choices: Vec<Vec<(bool, i64)>> = Vec::new();
    for (f, v) in es {
        let fs: Vec<bool> = match f {
            Some(b) => vec![*b],
            None => vec![true, false],
        };
        let vs: Vec<i64> = match v {
            Some(x) => vec![*x],
            None => DOMAIN.to_vec(),
        };
        choices.push(
            fs.iter()
                .flat_map(|f| vs.iter().map(move |v| (*f, *v)))
                .collect(),
        );
    }
    let mut idx = vec![0usize; choices.len()];
    loop {
        let vs: Vec<i64> = idx
            .iter()
            .zip(&choices)
            .filter_map(|(i, c)| c.get(*i).filter(|(f, _)| *f).map(|(_, v)| *v))
            .collect();
        let o = oracle_value(kind, &vs);
        if !out.contains(&o) {
            out.push(o);
        }
        // next combination
        let mut k = 0;
        loop {
            if k == idx.len() {
                return out;
            }
            idx[k] += 1;
            if idx[k] < choices[k].len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

/// Every outcome the comparison can have as the unknowns turn out: `Some(b)` for a
/// value, `None` for "no value" (an empty mean, min or max).
fn outcomes(values: &[Option<(i64, i64)>], op: &str, t: i64, left: bool) -> Vec<Option<bool>> {
    let mut out = Vec::new();
    for v in values {
        let o = v.map(|x| holds(op, x, t, left));
        if !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

fn elem_json((f, v): &Elem) -> J {
    let mut m = serde_json::Map::new();
    if let Some(b) = f {
        m.insert("ok".into(), json!(b));
    }
    if let Some(x) = v {
        m.insert("v".into(), json!(x));
    }
    J::Object(m)
}

#[test]
fn every_aggregate_operator_and_pattern_is_sound_and_decides_what_it_can() {
    let rules = generated();
    let p = &rules.program;
    let filters = [Some(true), Some(false), None];
    let values: Vec<Option<i64>> = VALUES.iter().map(|v| Some(*v)).chain([None]).collect();
    let elems: Vec<Elem> = filters
        .iter()
        .flat_map(|f| values.iter().map(move |v| (*f, *v)))
        .collect();
    // Each decision of the generated rules, looked up once: (kind's index, kind,
    // operator, threshold, threshold on the left, name, index).
    let mut decisions = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for (o, op) in OPS.iter().enumerate() {
            for t in THRESHOLDS {
                for left in [true, false] {
                    let name = format!("article1.d{k}_{o}_{t}_{}", if left { "l" } else { "r" });
                    let id = p.decisions.iter().position(|x| x.name == name).unwrap();
                    decisions.push((k, kind, op, t, left, name, id));
                }
            }
        }
    }
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let mut decided_with_unknowns = 0;
    let mut cases = 0;
    for a in &elems {
        for b in &elems {
            for c in &elems {
                let es = [*a, *b, *c];
                let facts = json!({"es": es.iter().map(elem_json).collect::<Vec<_>>()});
                let text = facts.to_string();
                let (f, _) = policy::facts::load(p, policy::facts::Format::Json, &text, 0).unwrap();
                let e = evaluate(p, &f, date, false);
                let unknowns = es
                    .iter()
                    .any(|(f, v)| f.is_none() || (f != &Some(false) && v.is_none()));
                let values: Vec<Vec<Option<(i64, i64)>>> =
                    KINDS.iter().map(|k| aggregate_values(k, &es)).collect();
                for (k, kind, op, t, left, name, id) in &decisions {
                    let (kind, op, t, left) = (**kind, **op, *t, *left);
                    let got = e.decisions[*id].value.clone();
                    let all = outcomes(&values[*k], op, t, left);
                    cases += 1;
                    let what =
                        || format!("{name}: {kind} {op} {t} (left {left}) over {text}: {all:?}");
                    match got {
                        Some(Value::Bool(x)) => {
                            // Sound: every way the unknowns could turn out agrees.
                            assert_eq!(all, [Some(x)], "decided {x}, but {}", what());
                            if unknowns {
                                decided_with_unknowns += 1;
                            }
                        }
                        Some(v) => panic!("{}: {v:?}", what()),
                        None => {
                            // Complete where the bounds are tight: if every outcome
                            // agrees and the domain reaches past the bounds, the engine
                            // must have decided.
                            if all.len() == 1 && all[0].is_some() {
                                assert!(!must_decide(op), "undetermined, yet {}", what());
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cases > 100_000, "{cases}");
    assert!(decided_with_unknowns > 10_000, "{decided_with_unknowns}");
}

/// Whether an outcome every completion shares must be found. The bounds are attained
/// (the least and the greatest value the aggregate can take, or unbounded where the
/// oracle's domain reaches past every threshold), so an ordering comparison they leave
/// open has completions on both sides. `=` and `!=` may fall in a gap between the
/// values the aggregate can take, and are only sound.
fn must_decide(op: &str) -> bool {
    !matches!(op, "=" | "!=")
}

#[test]
fn a_reason_reads_in_the_report_s_language() {
    use policy::render::human::{render_in, Lang, Style};
    let r = fixture();
    let e = run(r, &json!({"deals": [{"amount": 500, "eligible": false}]}));
    let mut sources = Sources::new();
    sources.add(
        "tests/fixtures/aggregates/aggregates.policy".to_string(),
        fixture_text(),
    );
    let report = policy::render::Report {
        program: &r.program,
        evaluation: &e,
        sources: &sources,
        fact_warnings: &[],
    };
    let st = Style { color: false };
    let en = render_in(&report, st, Lang::En);
    assert!(
        en.contains("there are no elements to take the mean of"),
        "{en}"
    );
    let zh = render_in(&report, st, Lang::Zh);
    assert!(zh.contains("原因：没有可求平均值的元素"), "{zh}");
    assert!(!zh.contains("there are no elements"), "{zh}");
    // The JSON keeps the English reason in every language.
    let j = policy::render::json::render(&report).to_string();
    assert!(
        j.contains("\"there are no elements to take the mean of\""),
        "{j}"
    );
    assert!(!j.contains("没有可求平均值的元素"), "{j}");
}
