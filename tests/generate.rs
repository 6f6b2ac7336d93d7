//! `policy generate` derives its clusters from the rule set: for the Shanghai fixture, the
//! national-2022 revision and a rule set of its own (`fixtures/generate/`, with facts,
//! types and thresholds the Shanghai set does not have), every generated cluster loads
//! without an error or a warning, every rule with a threshold is seen met and not met,
//! and every category value occurs, and the quick evaluation of a batch decides each
//! cluster as the explained one does. Also the CLI: `--policy`, CSV, errors.

mod common;

use chrono::NaiveDate;
use common::*;
use policy::eval::{evaluate, Facts, Outcome, Plan};
use policy::generate::Generator;
use policy::ir::{DecisionKind, Program, Ty};
use std::collections::{BTreeMap, BTreeSet};

const N: u64 = 200;

fn day(s: &str) -> NaiveDate {
    policy::facts::parse_date(s).unwrap()
}

fn program(dir: &str) -> Program {
    let mut sources = policy::diag::Sources::default();
    match policy::load_rule_set(&mut sources, rule_files(&root().join(dir))) {
        Ok(r) => r.program,
        Err(e) => panic!("{dir}: {e:?}"),
    }
}

/// What 200 generated clusters gave: each clause rule's outcomes, by (decision, rule),
/// and the category values seen in the facts files.
struct Seen {
    outcomes: BTreeMap<(String, String), BTreeSet<&'static str>>,
    /// Rules in which a comparison was exactly on its threshold (a margin of zero).
    on_threshold: BTreeSet<(String, String)>,
    text: Vec<String>,
}

/// A margin of zero, however it is shown (`0`, `0.00亿元`, `0.000%`).
fn is_zero(shown: &str) -> bool {
    let digits: String = shown.chars().filter(|c| c.is_ascii_digit()).collect();
    !digits.is_empty() && digits.chars().all(|c| c == '0')
}

/// The evaluations made with a [`Plan`] (the fact-free definitions evaluated once for
/// the date) are those made without one, explanations included: every decision, rule,
/// check and reason. Only the count of steps may be smaller. [`Plan::decisions`] gives
/// the same decisions without their rules' results.
fn assert_plan_agrees(plans: &[Plan; 2], facts: &Facts, what: &str) {
    for plan in plans {
        let explain = std::ptr::eq(plan, &plans[1]);
        let plain = evaluate(plan.program(), facts, plan.as_of(), explain);
        let planned = plan.evaluate(facts);
        assert_eq!(
            format!("{:?} {:?}", planned.decisions, planned.budget),
            format!("{:?} {:?}", plain.decisions, plain.budget),
            "{what}: the plan evaluates differently (explain {explain})"
        );
        assert!(planned.steps <= plain.steps, "{what}");
        // The decisions alone (as a batch's lines read them): the same decisions, their
        // rules' results not kept, the same steps.
        let lean = plan.decisions(facts);
        let stripped: Vec<_> = planned
            .decisions
            .iter()
            .cloned()
            .map(|mut d| {
                d.rules.clear();
                d
            })
            .collect();
        assert_eq!(
            format!("{:?} {:?}", lean.decisions, lean.budget),
            format!("{stripped:?} {:?}", planned.budget),
            "{what}: the decisions alone differ (explain {explain})"
        );
        assert!(lean.decisions.iter().all(|d| d.rules.is_empty()), "{what}");
        if explain {
            assert_eq!(lean.steps, planned.steps, "{what}");
        } else {
            // Without explanations, the decisions known values decide are decided first
            // on those values alone, counting no fewer steps than the evaluator takes
            // for them (what keeps the step budget exact).
            assert!(lean.steps >= planned.steps, "{what}");
        }
    }
}

/// The decisions alone under every step budget from none to enough: the same
/// decisions, and the same note of where the budget ran out, as the evaluator's alone.
/// (Without explanations the quick evaluation goes first and hands the rest, with what
/// is left of the budget, to the evaluator; whatever that cuts short is made again by
/// the evaluator alone.)
fn assert_budgets_agree(plan: &Plan, facts: &Facts, what: &str) {
    let full = plan.evaluate(facts).steps;
    for budget in 0..=full + 2 {
        let alone = plan.evaluate_with_budget(facts, budget);
        let stripped: Vec<_> = alone
            .decisions
            .into_iter()
            .map(|mut d| {
                d.rules.clear();
                d
            })
            .collect();
        let lean = plan.decisions_with_budget(facts, budget);
        assert_eq!(
            format!("{:?} {:?}", lean.decisions, lean.budget),
            format!("{stripped:?} {:?}", alone.budget),
            "{what}: budget {budget}"
        );
        assert_eq!(
            lean.budget.is_some(),
            budget < full,
            "{what}: budget {budget}"
        );
    }
}

#[test]
fn the_quick_decisions_stop_where_the_evaluator_stops() {
    let p = program(RULES);
    let as_of = day("2025-06-30");
    let g = Generator::new(&p, as_of);
    let plan = Plan::new(&p, as_of, false);
    let mut sources = policy::diag::Sources::default();
    let mut quick = 0;
    for i in 0..24 {
        let json = g.cluster(11, i).to_json();
        let id = sources.add(format!("cluster-{i}.json"), json.clone());
        let (facts, _) = policy::facts::load(&p, policy::facts::Format::Json, &json, id)
            .unwrap_or_else(|e| panic!("{e:?}\n{json}"));
        assert_budgets_agree(&plan, &facts, &json);
        quick += usize::from(
            plan.decisions(&facts)
                .decisions
                .iter()
                .all(|d| d.status != policy::eval::Status::Undetermined),
        );
    }
    // Both ways are taken: clusters decided throughout, and clusters with a decision
    // left undetermined.
    assert!((1..24).contains(&quick), "{quick}");
}

fn plans(p: &Program, as_of: NaiveDate) -> [Plan<'_>; 2] {
    [Plan::new(p, as_of, false), Plan::new(p, as_of, true)]
}

fn generate_and_evaluate(p: &Program, as_of: NaiveDate, seed: u64) -> (Generator, Seen) {
    let g = Generator::new(p, as_of);
    let plans = plans(p, as_of);
    assert!(plans[0].fixed() > 0, "the rule set has parameters");
    let mut seen = Seen {
        outcomes: BTreeMap::new(),
        on_threshold: BTreeSet::new(),
        text: Vec::new(),
    };
    let mut sources = policy::diag::Sources::default();
    for i in 0..N {
        let json = g.cluster(seed, i).to_json();
        let id = sources.add(format!("cluster-{i}.json"), json.clone());
        let (facts, warnings) = match policy::facts::load(p, policy::facts::Format::Json, &json, id)
        {
            Ok(x) => x,
            Err(e) => panic!("cluster {i} is refused: {e:?}\n{json}"),
        };
        assert!(
            warnings.is_empty(),
            "cluster {i} gives warnings: {warnings:?}\n{json}"
        );
        assert_plan_agrees(&plans, &facts, &format!("cluster {i}\n{json}"));
        let ev = evaluate(p, &facts, as_of, true);
        // The quick evaluation of a batch (no explanations) says what the explained one
        // says: every decision's status, value and missing facts.
        let quick = evaluate(p, &facts, as_of, false);
        for (d, (q, e)) in p
            .decisions
            .iter()
            .zip(quick.decisions.iter().zip(&ev.decisions))
        {
            assert_eq!(
                (q.status, &q.value, &q.why.missing),
                (e.status, &e.value, &e.why.missing),
                "{}: cluster {i} decided differently without explanations\n{json}",
                d.name
            );
        }
        for (d, res) in p.decisions.iter().zip(&ev.decisions) {
            let DecisionKind::Clause(ci) = d.kind else {
                continue;
            };
            let clause = &p.articles[d.article].clauses[ci];
            for (rule, r) in clause.rules.iter().zip(&res.rules) {
                let o = match r.outcome {
                    Outcome::Met => "met",
                    Outcome::NotMet => "not met",
                    Outcome::Undetermined => "undetermined",
                    Outcome::NotApplicable => "not applicable",
                };
                seen.outcomes
                    .entry((d.name.clone(), rule.title.clone()))
                    .or_default()
                    .insert(o);
                if r.checks.iter().any(|c| {
                    c.margin
                        .as_ref()
                        .is_some_and(|m| is_zero(&m.value) && !m.value.contains('≈'))
                }) {
                    seen.on_threshold
                        .insert((d.name.clone(), rule.title.clone()));
                }
            }
        }
        seen.text.push(json);
    }
    (g, seen)
}

/// Every rule with a threshold the generator found is met at least once and not met at
/// least once; the list of such rules is checked too, so that finding none cannot pass.
fn assert_thresholds_both_ways(g: &Generator, seen: &Seen, expected: &[&str]) {
    let rules: BTreeSet<(String, String)> = g
        .thresholds()
        .iter()
        .filter_map(|t| Some((t.decision.clone(), t.rule.clone()?)))
        .collect();
    for title in expected {
        assert!(
            rules.iter().any(|(_, r)| r == title),
            "no threshold found in rule \"{title}\": {:#?}",
            g.thresholds()
        );
    }
    for key in &rules {
        let o = seen.outcomes.get(key).cloned().unwrap_or_default();
        assert!(
            o.contains("met") && o.contains("not met"),
            "{key:?} is not seen both met and not met: {o:?}"
        );
    }
    // Exactly on it too, where explanations show the comparison (not in a filter).
    let tested: BTreeSet<(String, String)> = g
        .thresholds()
        .iter()
        .filter(|t| !t.condition)
        .filter_map(|t| Some((t.decision.clone(), t.rule.clone()?)))
        .collect();
    let missed: Vec<&(String, String)> = tested
        .iter()
        .filter(|k| !seen.on_threshold.contains(*k))
        .collect();
    assert!(
        missed.is_empty(),
        "never exactly on the threshold: {missed:#?}"
    );
}

/// Every value of every category a fact or a record field is declared with occurs in
/// some generated facts file.
fn assert_every_category_value(p: &Program, seen: &Seen) {
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut collect = |t: &Ty| {
        let mut t = t;
        loop {
            match t {
                Ty::List(x) | Ty::Series(x) | Ty::OrNone(x) => t = x,
                Ty::Enum(e) => {
                    used.insert(*e);
                    break;
                }
                _ => break,
            }
        }
    };
    for f in &p.facts {
        collect(&f.ty);
    }
    for r in &p.records {
        for f in &r.fields {
            collect(&f.ty);
        }
    }
    for e in used {
        for (v, _) in &p.enums[e].variants {
            let quoted = format!("\"{v}\"");
            assert!(
                seen.text.iter().any(|t| t.contains(&quoted)),
                "the value {v} of {} never occurs",
                p.enums[e].name
            );
        }
    }
}

#[test]
fn shanghai_fixture() {
    let p = program(RULES);
    let (g, seen) = generate_and_evaluate(&p, day("2025-06-30"), 42);
    assert_eq!(g.years(), &[2022, 2023, 2024], "近三年 as of 2025-06-30");
    assert_thresholds_both_ways(
        &g,
        &seen,
        &[
            "占地面积一般不超过100平方公里",
            "近三年产值均在30亿元以上",
            "中小企业产值占集群总产值50%以上",
            "主导产业产值占集群总产值比例50%以上",
            "产值年均增速10%以上",
            "近三年中小企业研发经费年均增长5%以上",
            "拥有区级及以上创新平台1个以上",
            "集群企业参与主导产业标准制修订2项以上",
            "中小企业有效发明专利年均增长率15%以上",
            "中小企业从业人员每万人有效发明专利拥有量15个以上",
            "中小企业工业（产业）互联网平台应用普及率10%以上",
        ],
    );
    assert_every_category_value(&p, &seen);
    // Beyond the thresholds: every rule of the rule set is seen both ways.
    for (key, o) in &seen.outcomes {
        assert!(o.contains("met") && o.contains("not met"), "{key:?}: {o:?}");
    }
}

#[test]
fn national_2022_revision() {
    let p = program("examples/revisions/national-2022");
    let (g, seen) = generate_and_evaluate(&p, day("2025-06-30"), 42);
    // The revised thresholds are the ones found: 40亿元, 70%, "高于" 10%.
    let t: Vec<(String, String)> = g
        .thresholds()
        .iter()
        .map(|t| (t.what.clone(), format!("{} {}", t.op.symbol(), t.value)))
        .collect();
    for want in [
        ("output_value[y]", ">= 40"),
        ("sme_output_value / output_value", ">= 0.7"),
        ("leading_industry_output_value / output_value", "> 0.7"),
        ("growth of output_value", "> 0.1"),
    ] {
        assert!(
            t.iter().any(|(w, v)| w == want.0 && v == want.1),
            "{want:?} not in {t:#?}"
        );
    }
    assert_thresholds_both_ways(
        &g,
        &seen,
        &[
            "近三年产值均在40亿元以上",
            "中小企业产值占集群总产值70%以上",
            "主导产业产值占集群总产值比例高于70%",
            "产值年均增速高于10%",
        ],
    );
    assert_every_category_value(&p, &seen);
}

#[test]
fn a_rule_set_with_other_facts() {
    let p = program("tests/fixtures/generate");
    let (g, seen) = generate_and_evaluate(&p, day("2025-06-30"), 7);
    assert_eq!(g.years(), &[2023, 2024], "近两年 as of 2025-06-30");
    assert_thresholds_both_ways(
        &g,
        &seen,
        &[
            "近两年营业收入均在500万元以上",
            "营业收入增长8%以上",
            "从业人员10人以上",
            "上年度出口额占营业收入20%以上",
            "研发投入强度高于3%",
            "成立满两年",
            "获得未撤销的荣誉2项以上",
        ],
    );
    assert_every_category_value(&p, &seen);
    for (key, o) in &seen.outcomes {
        assert!(o.contains("met") && o.contains("not met"), "{key:?}: {o:?}");
    }
    // Values exactly on a threshold occur, not only near it.
    assert!(seen.text.iter().any(|t| t.contains("\"staff\": 10,")));
    // The record's `year` is a year (compared with 近两年), not a count.
    assert!(seen.text.iter().any(|t| t.contains("\"year\": 2024")));
}

/// The windows move with the evaluation date.
#[test]
fn years_follow_the_evaluation_date() {
    let p = program(RULES);
    let g = Generator::new(&p, day("2027-01-15"));
    assert_eq!(g.years(), &[2024, 2025, 2026]);
    let header = g.csv_header();
    assert!(header.contains(&"output_value.2026".to_string()));
    assert!(
        header.contains(&"output_value.2023".to_string()),
        "one earlier year"
    );
    assert!(!header.iter().any(|h| h == "incidents"), "no list in CSV");
}

/// Other rule sets of the tests load and give clusters that load: the engine fixtures
/// and each rule set of `fixtures/exact/`.
#[test]
fn other_fixture_rule_sets() {
    // Deep nesting needs the stack the binary gives its worker thread, not a test's 2 MB.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(other_fixture_rule_sets_inner)
        .unwrap()
        .join()
        .unwrap();
}

fn other_fixture_rule_sets_inner() {
    let mut sets = vec![program("tests/fixtures/engine")];
    for name in [
        "exact.policy",
        "dates.policy",
        "pick.policy",
        "nested-every.policy",
        "nested-if.policy",
    ] {
        let mut sources = policy::diag::Sources::default();
        let text = std::fs::read_to_string(root().join("tests/fixtures/exact").join(name)).unwrap();
        match policy::load_rule_set(&mut sources, vec![(name.to_string(), text)]) {
            Ok(r) => sets.push(r.program),
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
    // `yr` (a `year`, given to `date_in` and `years`) is generated as a year, not a count.
    let engine = Generator::new(&sets[0], day("2025-06-30"));
    let years: Vec<String> = (0..20)
        .map(|i| engine.cluster(1, i).to_json())
        .filter_map(|j| {
            let at = j.find("\"yr\": ")?;
            Some(
                j[at + 6..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect(),
            )
        })
        .collect();
    assert!(!years.is_empty());
    for y in &years {
        let y: i32 = y.parse().unwrap();
        assert!((2019..=2025).contains(&y), "{years:?}");
    }
    for p in &sets {
        let g = Generator::new(p, day("2025-06-30"));
        let plans = plans(p, day("2025-06-30"));
        let mut sources = policy::diag::Sources::default();
        for i in 0..50 {
            let json = g.cluster(3, i).to_json();
            let id = sources.add("c.json", json.clone());
            let (facts, warnings) = policy::facts::load(p, policy::facts::Format::Json, &json, id)
                .unwrap_or_else(|e| panic!("{e:?}\n{json}"));
            assert!(warnings.is_empty(), "{warnings:?}\n{json}");
            assert_plan_agrees(&plans, &facts, &json);
        }
    }
}

#[test]
fn cli_generates_for_the_rule_set_given() {
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        "tests/fixtures/generate",
        "--count",
        "5",
        "--seed",
        "3",
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 5);
    assert!(out.lines().all(|l| l.contains("\"revenue\": {")), "{out}");
    assert!(!out.contains("output_value"), "{out}");
    // CSV: a column per year of each series, the share's numerator included.
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        "tests/fixtures/generate",
        "--count",
        "2",
        "--as-of",
        "2025-06-30",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let header = out.lines().next().unwrap();
    assert_eq!(
        header,
        "company.name,company.founded,sector,revenue.2022,revenue.2023,revenue.2024,exports.2022,exports.2023,exports.2024,staff,rd_intensity,certified,penalised"
    );
}

/// `--plan` shows what the clusters are derived from: the years and each threshold.
#[test]
fn cli_plan() {
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        "tests/fixtures/generate",
        "--as-of",
        "2025-06-30",
        "--plan",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("evaluation date 2025-06-30: series by year 2023, 2024\n"),
        "{out}"
    );
    for line in [
        "article1.clause1 \"近两年营业收入均在500万元以上\": revenue[y] >= 500",
        "article1.clause1 \"营业收入增长8%以上\": growth of revenue >= 0.08",
        "article1.clause2 \"上年度出口额占营业收入20%以上\": exports / revenue >= 0.2",
        "article1.clause3 \"成立满两年\": company.founded <= 2023-06-30",
        "article1.clause3 \"获得未撤销的荣誉2项以上\": number of awards >= 2",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }
}

/// An annex's condition is named by the annex in the plan, not as an article.
#[test]
fn cli_plan_names_an_annex() {
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        "tests/fixtures/generate-annex",
        "--as-of",
        "2025-06-30",
        "--plan",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("annex1:") && l.contains("注册资本 >= 100")),
        "{out}"
    );
    assert!(!out.contains("article"), "{out}");
}

#[test]
fn cli_errors() {
    // A broken rule set: its diagnostics, exit 1.
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        "tests/fixtures/rules",
        "--count",
        "1",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("error"), "{err}");
    // No such folder: exit 5.
    let (code, _, err) = run(&["generate", "--policy", "no-such-folder", "--count", "1"]);
    assert_eq!(code, 5, "{err}");
    // --format dir without --out: exit 2, before reading anything.
    let (code, _, err) = run(&["generate", "--format", "dir", "--policy", "no-such-folder"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out"), "{err}");
    // A bad count or date: exit 2.
    let (code, _, _) = run(&["generate", "--count", "-1"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["generate", "--as-of", "2025-6-30"]);
    assert_eq!(code, 2);
}

/// A doubling chain of functions (2³¹ calls as a tree, one shared body each): the
/// generator's reading of the rules is bounded, and still finds the threshold inside.
#[test]
fn a_doubling_chain_of_functions_is_read_in_bounded_time() {
    let text = doubling_over(31, 7);
    let mut sources = policy::diag::Sources::default();
    let p = match policy::load_rule_set(&mut sources, vec![("doubling.policy".into(), text)]) {
        Ok(r) => r.program,
        Err(e) => panic!("{e:?}"),
    };
    let start = std::time::Instant::now();
    let g = Generator::new(&p, day("2025-06-30"));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(
        g.thresholds()
            .iter()
            .any(|t| t.what == "x" && t.value == "7"),
        "{:?}",
        g.thresholds()
    );
}

/// Thresholds at the edges of exact decimals (28 digits, and the smallest step) give
/// clusters that load: no overflow, no panic.
#[test]
fn thresholds_at_the_edges_of_exact_decimals() {
    let text = "policy \"边界\" {\n  in_force 2024-01-01 to 2029-12-31\n}\n\
                fact big \"大\": number\nfact small \"小\": number\nfact n \"数\": count\n\
                fact l \"表\": list of number\n\
                article 1 \"测试\" {\n  clause 1 \"边界\" {\n\
                rule \"大\": big >= 9999999999999999999999999999\n\
                rule \"小\": small > 0.0000000000000000000000000001\n\
                rule \"负\": big * -1 < -1000\n\
                rule \"数\": n <= 9999999999999999999999999999\n\
                rule \"表\": len(l) >= 1000000\n  }\n}\n";
    let mut sources = policy::diag::Sources::default();
    let p = match policy::load_rule_set(&mut sources, vec![("edges.policy".into(), text.into())]) {
        Ok(r) => r.program,
        Err(e) => panic!("{e:?}"),
    };
    let g = Generator::new(&p, day("2025-06-30"));
    assert_eq!(g.thresholds().len(), 5, "{:#?}", g.thresholds());
    for i in 0..200 {
        let json = g.cluster(1, i).to_json();
        let id = sources.add("c.json", json.clone());
        let (_, warnings) = policy::facts::load(&p, policy::facts::Format::Json, &json, id)
            .unwrap_or_else(|e| panic!("{e:?}\n{json}"));
        assert!(warnings.is_empty(), "{warnings:?}\n{json}");
    }
}
