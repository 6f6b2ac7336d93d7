//! Arithmetic of percentages, units and bare numbers, on the fixture rule set
//! `tests/fixtures/arith/`: a table of every combination's value (`1 + 10%` is 1.1,
//! `(1 + 10%) * (1 + 10%)` is 1.21, `30 亿元 * 10%` is 3 亿元 …) and a table of the
//! expressions the checker refuses (a bare number beside a quantity with a dimension,
//! arithmetic on a growth, quantities of different dimensions) with their codes.

mod common;

use common::root;
use policy::diag::{Diag, Sources};
use policy::eval::evaluate;

fn base() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/arith/arith.policy")).unwrap()
}

/// Load the fixture with `extra` as a second file: the program, or the errors.
fn load(extra: &str) -> Result<policy::RuleSet, Vec<Diag>> {
    let mut files = vec![("tests/fixtures/arith/arith.policy".to_string(), base())];
    if !extra.is_empty() {
        files.push(("extra.policy".to_string(), extra.to_string()));
    }
    policy::load_rule_set(&mut Sources::new(), files)
}

/// The decisions of the fixture on its facts, as the JSON shows their values.
fn values() -> Vec<(String, String)> {
    let rules = match load("") {
        Ok(r) => r,
        Err(e) => panic!("the arithmetic fixture does not check: {e:?}"),
    };
    let p = &rules.program;
    let facts = r#"{"s": {"2022": 100, "2023": 110, "2024": 121}, "firms": 3}"#;
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, facts, 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let e = evaluate(p, &f, date, false);
    p.decisions
        .iter()
        .zip(&e.decisions)
        .map(|(d, r)| {
            let v = match &r.value {
                Some(v) => match policy::render::json::value(p, v, &d.ty) {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                },
                None => format!("{:?}", r.status),
            };
            (d.name.clone(), v)
        })
        .collect()
}

#[test]
fn every_combination_of_percent_units_and_bare_numbers_has_its_value() {
    let want: &[(&str, &str)] = &[
        // percent with percent, with plain numbers, and with itself
        ("article1.pct_plus_pct", "15%"),
        ("article1.pct_minus_pct", "-5%"),
        ("article1.pct_times_pct", "1%"),
        ("article1.pct_div_pct", "2"),
        ("article1.pct_times_bare", "20%"),
        ("article1.pct_div_bare", "2.5%"),
        ("article1.bare_plus_pct", "1.1"),
        ("article1.pct_plus_bare", "1.1"),
        ("article1.bare_minus_pct", "0.9"),
        ("article1.bare_times_pct", "30%"),
        ("article1.bare_div_pct", "10"),
        ("article1.compound", "1.21"),
        ("article1.neg_pct", "-10%"),
        ("article1.pct_eq_bare", "true"),
        ("article1.bare_plus_pct_eq_pct", "true"),
        ("article1.pct_lt_bare", "true"),
        ("article1.compound_gt_121", "true"),
        ("article1.compound_ge_121", "true"),
        // plain numbers
        ("article2.bare_plus_bare", "3"),
        ("article2.bare_minus_bare", "-1.5"),
        ("article2.bare_times_bare", "6"),
        ("article2.bare_div_bare", "0.25"),
        ("article2.bare_third", "≈0.3333"),
        ("article2.abs_of_third", "≈0.3333"),
        ("article2.abs_of_minus_third", "≈0.3333"),
        ("article2.abs_of_minus_third_exact", "true"),
        ("article2.bare_lt_bare", "true"),
        // quantities: same unit, another unit of the dimension, another dimension,
        // scaled by a bare number or a percentage, divided into a plain ratio
        ("article3.unit_plus_unit", "31.5亿元"),
        ("article3.unit_plus_other_unit", "15000万元"),
        ("article3.unit_minus_other_unit", "5000万元"),
        ("article3.unit_times_bare", "60亿元"),
        ("article3.bare_times_unit", "60亿元"),
        ("article3.unit_div_bare", "7.5亿元"),
        ("article3.unit_times_pct", "3亿元"),
        ("article3.pct_times_unit", "3亿元"),
        ("article3.unit_div_pct", "30亿元"),
        ("article3.unit_div_unit", "0.5"),
        ("article3.unit_div_other_unit", "0.5"),
        ("article3.unit_div_other_dim", "5亿元/平方公里"),
        ("article3.unit_times_inverse_of_other_unit", "0.5"),
        ("article3.unit_ge_other_unit", "true"),
        ("article3.share_ge_pct", "true"),
        // 121 / 100 is exactly 1.21: not above (1 + 10%)², which used to read 0.0121.
        ("article3.ratio_gt_compound", "false"),
        // a dimension declared `bare_numbers`
        ("article4.firms_ge_bare", "true"),
        ("article4.firms_plus_bare", "4家"),
        ("article4.firms_times_bare", "6家"),
        ("article4.bare_plus_firms", "4家"),
        ("article4.bare_minus_firms", "7家"),
        // growth: compared with a percentage, a plain number or another growth
        ("article5.growth_ge_pct", "true"),
        ("article5.growth_ge_bare", "true"),
        ("article5.growth_gt_growth", "false"),
        // a growth held in a decision is an exact root, shown rounded
        ("article5.growth_in_pct", "≈10%"),
        ("article5.mean_growth_plus_pct", "0.11"),
    ];
    let got = values();
    for (name, value) in want {
        let g = got
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no decision {name}"));
        assert_eq!(&g.1, value, "{name}");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "a decision of the fixture is not in the table"
    );
}

#[test]
fn what_the_checker_refuses_and_what_it_accepts() {
    const BARE: &str = "policy::check::bare_number";
    const DIM: &str = "policy::check::unit_mismatch";
    const GROWTH: &str = "policy::check::growth_arithmetic";
    const OK: &str = "";
    let g = "growth(s, years(2022, 2024))";
    let table: Vec<(String, &str)> = vec![
        // a bare number beside a quantity with a dimension, on either side
        ("s[2024] >= 30".into(), BARE),
        ("30 <= s[2024]".into(), BARE),
        ("s[2024] + 1 >= 30 亿元".into(), BARE),
        ("1 + s[2024] >= 30 亿元".into(), BARE),
        ("s[2024] - -1 >= 30 亿元".into(), BARE),
        ("12 平方公里 < 100".into(), BARE),
        ("60 亿元 / 12 平方公里 >= 2".into(), BARE),
        ("(if true then 0 else s[2024]) >= 1 亿元".into(), BARE),
        ("min(s[2024], 30) >= 1 亿元".into(), BARE),
        // …but scaling is allowed, and so are plain numbers and percentages
        ("s[2024] * 2 >= 30 亿元".into(), OK),
        ("s[2024] / 3 >= 30 亿元".into(), OK),
        ("2 * s[2024] >= 30 亿元".into(), OK),
        ("1 + 10% >= 1".into(), OK),
        ("s[2024] / s[2023] >= 1".into(), OK),
        ("s[2024] / s[2023] - 1 >= 10%".into(), OK),
        // …but a plain number that is not written as a number is a unit mismatch
        ("s[2024] / s[2023] >= 1 亿元".into(), DIM),
        ("1 亿元 <= s[2024] / s[2023]".into(), DIM),
        // …and the dimension that declares `bare_numbers`
        ("firms >= 1".into(), OK),
        ("firms + 1 >= 3".into(), OK),
        // quantities of different dimensions, and a quantity with a percentage
        ("30 亿元 + 12 平方公里 >= 1 亿元".into(), DIM),
        ("30 亿元 >= 12 平方公里".into(), DIM),
        ("s[2024] + 10% >= 1 亿元".into(), DIM),
        ("s[2024] >= 10%".into(), DIM),
        ("firms >= 1 亿元".into(), DIM),
        // units multiply and divide with their exponents: 亿元 × 亿元 is 亿元², which
        // divided by itself is a plain number and by 亿元 is 亿元 again
        ("s[2024] * s[2024] / (s[2024] * s[2024]) >= 1".into(), OK),
        ("s[2024] * s[2024] / s[2024] >= 1 亿元".into(), OK),
        ("1 / (s[2024] * s[2024]) >= 1".into(), BARE),
        ("s[2024] * s[2024] >= 1 亿元".into(), DIM),
        (
            "12 平方公里 / (s[2024] * s[2024]) * s[2024] * s[2024] >= 1 平方公里".into(),
            OK,
        ),
        (
            "12 平方公里 / (s[2024] * s[2024]) * s[2024] >= 1 平方公里".into(),
            DIM,
        ),
        // growth with anything but a comparison
        (format!("{g} * 2 >= 20%"), GROWTH),
        (format!("2 * {g} >= 20%"), GROWTH),
        (format!("{g} / 2 >= 5%"), GROWTH),
        (format!("{g} + 1% >= 11%"), GROWTH),
        (format!("1% + {g} >= 11%"), GROWTH),
        (format!("{g} - 1% >= 9%"), GROWTH),
        (format!("-{g} <= 0"), GROWTH),
        (format!("abs({g}) >= 1%"), GROWTH),
        (format!("max({g}, 1%) >= 1%"), GROWTH),
        (format!("min(1%, {g}) >= 1%"), GROWTH),
        (
            "(sum y in years(2023, 2024): growth(s, years(y - 1, y))) >= 10%".to_string(),
            GROWTH,
        ),
        (format!("{g} >= 30 亿元"), DIM),
        (format!("{g} >= 10%"), OK),
        (format!("{g} >= 0.1"), OK),
        (format!("{g} >= {g}"), OK),
        ("mean_growth(s, years(2022, 2024)) * 2 >= 20%".into(), OK),
    ];
    for (expr, want) in &table {
        let text = format!("article 99 \"t\" {{\n  decision d = {expr}\n}}\n");
        let codes: Vec<&str> = match load(&text) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().filter(|d| d.is_error()).map(|d| d.code).collect(),
        };
        let want: Vec<&str> = if want.is_empty() {
            Vec::new()
        } else {
            vec![*want]
        };
        assert_eq!(codes, want, "{expr}");
    }
    // Declared types: a bare number where a quantity is due.
    for (item, want) in [
        ("decision d \"d\": 亿元 = 30", vec![BARE]),
        ("decision d \"d\": 家 = 3", vec![]),
        ("decision d \"d\": % = 1 + 10%", vec![]),
    ] {
        let text = format!("article 99 \"t\" {{\n  {item}\n}}\n");
        let codes: Vec<&str> = match load(&text) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().filter(|d| d.is_error()).map(|d| d.code).collect(),
        };
        assert_eq!(codes, want, "{item}");
    }
}

#[test]
fn a_bare_number_error_points_at_the_number_and_suggests_the_unit() {
    let text = "article 99 \"t\" {\n  decision d = s[2024] >= 30\n}\n";
    let errors = load(text).err().expect("refused");
    let d = errors.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(d.code, "policy::check::bare_number");
    let span = d.span.unwrap();
    assert_eq!(&text[span.range()], "30");
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("写作 30 亿元"), "{help}");
    assert!(help.contains("write `30 亿元`"), "{help}");
    assert!(help.contains("dimension 金额 bare_numbers"), "{help}");
}

#[test]
fn a_bare_number_above_one_beside_a_percentage_is_warned_about() {
    let warnings = |expr: &str| -> Vec<&'static str> {
        let text = format!("article 99 \"t\" {{\n  decision d = {expr}\n}}\n");
        match load(&text) {
            Ok(r) => r
                .warnings
                .iter()
                .filter(|d| d.code == "policy::check::bare_number_beside_percent")
                .map(|d| d.code)
                .collect(),
            Err(e) => panic!("{expr}: {e:?}"),
        }
    };
    let w = "policy::check::bare_number_beside_percent";
    assert_eq!(warnings("s[2024] / s[2023] >= 10%"), Vec::<&str>::new());
    assert_eq!(warnings("10% * 3 >= 10%"), Vec::<&str>::new());
    assert_eq!(warnings("1 + 10% >= 1"), Vec::<&str>::new());
    assert_eq!(warnings("10% <= 0.5"), Vec::<&str>::new());
    assert_eq!(warnings("(s[2024] / s[2023] - 1) * 100% >= 10"), [w]);
    assert_eq!(warnings("10 <= 50%"), [w]);
    assert_eq!(warnings("50% - 2 <= 0"), [w]);
    assert_eq!(warnings("50% >= -2"), [w]);
    assert_eq!(warnings("50% >= (2)"), [w]);
    assert_eq!(warnings("50% >= -(2)"), [w]);
    // The message gives the value the number stands for, sign included.
    let message = |expr: &str| -> String {
        let text = format!("article 99 \"t\" {{\n  decision d = {expr}\n}}\n");
        let r = load(&text).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        let d = r.warnings.iter().find(|d| d.code == w).unwrap();
        format!("{:?}", d.message)
    };
    assert!(message("50% >= -2").contains("-200%"));
    assert!(message("50% >= (3)").contains("300%"));
    assert!(!message("50% >= (3)").contains("-300%"));
}

#[test]
fn a_growth_error_points_at_the_growth() {
    let text = "article 99 \"t\" {\n  decision d = growth(s, years(2022, 2024)) * 2 >= 20%\n}\n";
    let errors = load(text).err().expect("refused");
    let d = errors.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(d.code, "policy::check::growth_arithmetic");
    assert_eq!(
        &text[d.span.unwrap().range()],
        "growth(s, years(2022, 2024))"
    );
}

#[test]
fn ratios_are_shown_in_their_natural_unit() {
    let rules = load("").unwrap();
    let p = &rules.program;
    let facts = r#"{"s": {"2022": 100, "2023": 50.00, "2024": 38.70}, "firms": 3}"#;
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, facts, 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let e = evaluate(p, &f, date, true);
    let check = |name: &str| {
        let id = p.decisions.iter().position(|d| d.name == name).unwrap();
        e.decisions[id].checks[0].clone()
    };
    // 38.70 / 50.00 is 0.774: shown as 77.4% beside 50%, not 77.400%; the margin is in
    // percentage points.
    let c = check("article3.share_ge_pct");
    assert_eq!(c.left.as_ref().unwrap().value, "77.4");
    assert_eq!(c.left.as_ref().unwrap().unit, "%");
    assert_eq!(c.margin.as_ref().unwrap().value, "27.4");
    assert_eq!(c.margin.as_ref().unwrap().unit, "percentage points");
    let line = policy::render::human::check_line(&c);
    assert_eq!(line, "77.4% >= 50%, 27.4 percentage points above");
    let zh = policy::render::human::check_line_in(&c, None, policy::render::human::Lang::Zh);
    assert_eq!(zh, "77.4% >= 50%，高出27.4个百分点");
    // (1 + 10%)² is shown as 1.21, and the ratio beside it as a plain number.
    let c = check("article3.ratio_gt_compound");
    assert_eq!(c.right.as_ref().unwrap().value, "1.21");
    assert_eq!(c.right.as_ref().unwrap().unit, "");
    assert_eq!(c.left.as_ref().unwrap().value, "0.387");
}

#[test]
fn two_units_of_one_size_keep_the_left_one() {
    // 个 and 项 are the same size: the sum and the branches of an `if` are in the unit of
    // the left operand, as written (the explanation shows that unit).
    let extra = "dimension 件数 {\n  个\n  项 = 1 个\n}\n\
                 fact a \"甲\": count 个\n\
                 fact b \"乙\": count 项\n\
                 article 98 \"t\" {\n\
                 decision ab = a + b\n\
                 decision ba = b + a\n\
                 decision if_ab = if true then a else b\n\
                 decision if_ba = if true then b else a\n}\n";
    let rules = match load(extra) {
        Ok(r) => r,
        Err(e) => panic!("{e:?}"),
    };
    let p = &rules.program;
    let unit = |name: &str| {
        let d = p.decisions.iter().find(|d| d.name == name).unwrap();
        let u = d.ty.unit().unwrap();
        p.units[u].name.clone()
    };
    assert_eq!(unit("article98.ab"), "个");
    assert_eq!(unit("article98.ba"), "项");
    assert_eq!(unit("article98.if_ab"), "个");
    assert_eq!(unit("article98.if_ba"), "项");
}

#[test]
fn an_if_passed_where_a_unit_is_wanted_is_converted_branch_by_branch() {
    // `if … then 20000 万元 else 1 万元` passed where 亿元 is wanted: each branch is
    // converted, and the call is evaluated (20000 万元 is 2 亿元).
    let extra = "definition 超过一亿(x: 亿元) = x >= 1 亿元\n\
                 article 98 \"t\" {\n\
                 decision 大 = 超过一亿(if true then 20000 万元 else 1 万元)\n\
                 decision 小 = 超过一亿(if false then 20000 万元 else 1 万元)\n}\n";
    let rules = load(extra).unwrap_or_else(|e| panic!("{e:?}"));
    let p = &rules.program;
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, "{}", 0).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let e = evaluate(p, &f, date, false);
    let value = |name: &str| {
        let id = p.decisions.iter().position(|d| d.name == name).unwrap();
        format!("{:?}", e.decisions[id].value)
    };
    assert_eq!(value("article98.大"), "Some(Bool(true))");
    assert_eq!(value("article98.小"), "Some(Bool(false))");
    // A branch in another dimension is one error, at the call.
    let bad = "definition 超过一亿(x: 亿元) = x >= 1 亿元\n\
               article 98 \"t\" {\n\
               decision d = 超过一亿(if true then 1 万元 else 2 平方公里)\n}\n";
    let codes: Vec<&str> = match load(bad) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().filter(|d| d.is_error()).map(|d| d.code).collect(),
    };
    assert_eq!(codes, ["policy::check::unit_mismatch"]);
}
