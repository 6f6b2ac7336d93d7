//! Document structure beyond article and clause, and disclosure of what the rules do not
//! test, on a rule set of its own (`tests/fixtures/structure/`): chapters, annexes with a
//! preamble and items numbered 一… or 1…, item heading styles, `item K` references and
//! `not assessed` phrases — their decision ids, headings, human and JSON reports.

mod common;

use common::{root, rule_files, run};
use policy::diag::Sources;
use policy::eval::{evaluate, Evaluation};
use policy::render::{human, json, Report};
use serde_json::{json, Value as J};

const DIR: &str = "tests/fixtures/structure";

fn load(files: Vec<(String, String)>) -> Result<(policy::RuleSet, Sources), Vec<String>> {
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, files) {
        Ok(r) => Ok((r, sources)),
        Err(diags) => Err(diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.to_string())
            .collect()),
    }
}

fn structure() -> (policy::RuleSet, Sources) {
    load(rule_files(&root().join(DIR))).expect("the structure fixtures check")
}

fn evaluate_json(rules: &policy::RuleSet, facts: J) -> Evaluation {
    let p = &rules.program;
    let (f, _) = policy::facts::load(p, policy::facts::Format::Json, &facts.to_string(), 0)
        .expect("facts load");
    evaluate(
        p,
        &f,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        true,
    )
}

/// A report of evaluation `e` of `rules`, without warnings about the facts.
fn report<'a>(rules: &'a policy::RuleSet, e: &'a Evaluation, sources: &'a Sources) -> Report<'a> {
    Report {
        program: &rules.program,
        evaluation: e,
        sources,
        fact_warnings: &[],
    }
}

#[test]
fn decision_ids_follow_the_document_and_stay_ascii() {
    let (rules, _) = structure();
    let names: Vec<&str> = rules
        .program
        .decisions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "article6.clause1",
            "article6.eligible",
            "article9.clause1",
            "article9.ok",
            "annex1.item1",
            "annex1.cooperation",
            "annex1.item12",
            "annex1.eligible",
            "annex2.item1",
            "annex2.item2",
            "annex2.any_met",
        ]
    );
    assert!(names.iter().all(|n| n.is_ascii()));
}

#[test]
fn headings_chapters_and_item_styles() {
    let (rules, _) = structure();
    let p = &rules.program;
    let headings: Vec<(String, Option<String>, Vec<String>)> = p
        .articles
        .iter()
        .map(|a| {
            (
                a.heading(),
                a.chapter.as_ref().map(|c| c.heading()),
                a.clauses.iter().map(|c| a.clause_place(c)).collect(),
            )
        })
        .collect();
    assert_eq!(
        headings,
        [
            (
                "第六条".to_string(),
                Some("第二章 认定标准".to_string()),
                vec!["第六条（一）".to_string()]
            ),
            (
                "第九条".to_string(),
                Some("第三章 认定程序".to_string()),
                vec!["第九条（一）".to_string()]
            ),
            (
                "附件1".to_string(),
                None,
                vec![
                    "附件1 一、".to_string(),
                    "附件1 二、".to_string(),
                    "附件1 十二、".to_string()
                ]
            ),
            (
                "附件2".to_string(),
                None,
                vec!["附件2 （1）".to_string(), "附件2 （2）".to_string()]
            ),
        ]
    );
    // The preamble is the annex's own text.
    assert_eq!(
        p.articles[2].text,
        ["中小企业特色产业集群应当同时满足以下条件："]
    );
}

#[test]
fn items_are_referred_to_by_their_numerals() {
    let (rules, _) = structure();
    let e = evaluate_json(
        &rules,
        json!({"a": true, "b": false, "c": true, "output": 12}),
    );
    let value = |name: &str| {
        let id = rules
            .program
            .decisions
            .iter()
            .position(|d| d.name == name)
            .unwrap();
        e.decisions[id].value.clone()
    };
    use policy::eval::Value;
    assert_eq!(value("annex1.eligible"), Some(Value::Bool(true)));
    assert_eq!(value("annex2.any_met"), Some(Value::Bool(true)));
    let e = evaluate_json(
        &rules,
        json!({"a": false, "b": false, "c": true, "output": 12}),
    );
    let id = rules
        .program
        .decisions
        .iter()
        .position(|d| d.name == "annex1.eligible")
        .unwrap();
    // `item 十二` is item 12, whose rule tests `a`.
    assert_eq!(e.decisions[id].value, Some(Value::Bool(false)));
}

/// Every value 1…99, written both ways, gives the item of that number, its id and its
/// heading; the Chinese and Arabic spellings of one number are the same item.
#[test]
fn every_item_number_from_1_to_99_both_ways() {
    let mut text =
        String::from("policy \"编号\" { in_force 2024-01-01 to 2029-12-31 }\nfact a \"a\": bool\n");
    for (annex, chinese) in [(1, true), (2, false)] {
        text.push_str(&format!("annex {annex} \"条目\" {{\n"));
        let mut refs = Vec::new();
        for n in 1..=99u32 {
            let numeral = if chinese {
                policy::numeral::chinese(n)
            } else {
                n.to_string()
            };
            text.push_str(&format!(
                "  item {numeral} \"第{n}项\" {{\n    rule \"a\": a\n  }}\n"
            ));
            // Refer to each item in the other spelling.
            let other = if chinese {
                n.to_string()
            } else {
                policy::numeral::chinese(n)
            };
            refs.push(format!("item {other}"));
        }
        text.push_str(&format!(
            "  decision all_items = all({})\n}}\n",
            refs.join(", ")
        ));
    }
    let (rules, _) = load(vec![("numbers.policy".into(), text)]).expect("all numerals read");
    let p = &rules.program;
    for (ai, chinese) in [(0usize, true), (1, false)] {
        let a = &p.articles[ai];
        assert_eq!(a.clauses.len(), 99);
        for (i, c) in a.clauses.iter().enumerate() {
            let n = i as u32 + 1;
            assert_eq!(c.number, n);
            assert_eq!(
                p.decisions[c.decision].name,
                format!("annex{}.item{n}", ai + 1)
            );
            let want = if chinese {
                format!("{}、", policy::numeral::chinese(n))
            } else {
                format!("{n}.")
            };
            assert_eq!(a.clause_heading(c), want);
        }
    }
    let e = evaluate(
        p,
        &policy::facts::load(p, policy::facts::Format::Json, r#"{"a": true}"#, 0)
            .unwrap()
            .0,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        false,
    );
    for name in ["annex1.all_items", "annex2.all_items"] {
        let id = p.decisions.iter().position(|d| d.name == name).unwrap();
        assert_eq!(e.decisions[id].value, Some(policy::eval::Value::Bool(true)));
    }
}

#[test]
fn numbers_outside_the_standard_spelling_are_refused() {
    for bad in [
        "零",
        "〇",
        "一十",
        "十十",
        "二二",
        "一百",
        "两",
        "十零",
        "九十九九",
        "0",
        "01",
        "100",
    ] {
        let text = format!(
            "policy \"编号\" {{ in_force 2024-01-01 to 2029-12-31 }}\nfact a \"a\": bool\n\
             annex 1 \"条目\" {{\n  item {bad} \"x\" {{\n    rule \"a\": a\n  }}\n}}\n"
        );
        let codes = load(vec![("bad.policy".into(), text)])
            .err()
            .unwrap_or_else(|| panic!("item {bad} was accepted"));
        assert_eq!(codes, ["policy::check::bad_numeral"], "item {bad}");
        let text = format!(
            "policy \"编号\" {{ in_force 2024-01-01 to 2029-12-31 }}\nfact a \"a\": bool\n\
             chapter {bad} \"章\"\narticle 1 \"x\" {{\n  clause 1 \"x\" {{\n    rule \"a\": a\n  }}\n}}\n"
        );
        let codes = load(vec![("bad.policy".into(), text)])
            .err()
            .unwrap_or_else(|| panic!("chapter {bad} was accepted"));
        assert_eq!(codes, ["policy::check::bad_numeral"], "chapter {bad}");
    }
}

#[test]
fn an_item_that_does_not_exist_is_named_as_an_item() {
    let text = "policy \"x\" { in_force 2024-01-01 to 2029-12-31 }\nfact a \"a\": bool\n\
                annex 1 \"条目\" {\n  item 一 \"x\" {\n    rule \"a\": a\n  }\n  decision d = item 三\n}\n";
    let mut sources = Sources::new();
    let diags = policy::load_rule_set(&mut sources, vec![("x.policy".into(), text.into())])
        .err()
        .expect("item 三 does not exist");
    let diags: Vec<_> = diags.into_iter().filter(|d| d.is_error()).collect();
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "policy::check::unknown_clause");
    assert_eq!(diags[0].message, "annex 1 has no item 3");
}

#[test]
fn the_fixture_rule_set_discloses_every_phrase() {
    let (rules, sources) = structure();
    assert!(
        rules.warnings.is_empty(),
        "{}",
        sources.render_plain(&rules.warnings)
    );
}

/// The phrases left to the reviewers are shown beside a met clause only, and always
/// listed in the JSON.
#[test]
fn not_assessed_phrases_beside_a_met_clause() {
    let (rules, sources) = structure();
    for (a, shown) in [(true, true), (false, false)] {
        let e = evaluate_json(&rules, json!({"a": a, "b": true, "c": false, "output": 9}));
        let report = report(&rules, &e, &sources);
        let text = human::render_in(&report, human::Style { color: false }, human::Lang::Zh);
        assert_eq!(
            text.contains("留待评审：产业链布局合理（由专家评审判断）"),
            shown,
            "{text}"
        );
        // Item 二 is not met (c is false): its phrase is not shown.
        assert!(!text.contains("成效显著"), "{text}");
        let j = json::render(&report);
        assert_eq!(
            j["decisions"]["article6.clause1"]["explanation"]["not_assessed"],
            json!([{"text": "产业链布局合理", "reason": "由专家评审判断"}])
        );
        assert_eq!(
            j["decisions"]["annex1.cooperation"]["explanation"]["not_assessed"],
            json!([{"text": "成效显著", "reason": "由专家评审判断"}])
        );
    }
}

#[test]
fn human_and_json_reports() {
    let facts = "tests/fixtures/structure/cluster.json";
    for format in ["human", "json"] {
        let (code, stdout, stderr) = run(&[
            "check",
            "--policy",
            DIR,
            "--facts",
            facts,
            "--as-of",
            "2025-06-30",
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stderr, "");
        insta::assert_snapshot!(format!("structure.{format}"), stdout);
    }
}

/// An annex without a number is `annex.itemK`, headed 附件; the JSON gives it no number.
/// A second one, or one item numbered twice (一 and 1), is refused.
#[test]
fn an_unnumbered_annex_and_duplicates() {
    let head = "policy \"x\" { in_force 2024-01-01 to 2029-12-31 }\nfact a \"a\": bool\n";
    let annex = "annex \"唯一附件\" {\n  item 一 \"x\" {\n    rule \"a\": a\n  }\n  decision d = item 1\n}\n";
    let (rules, sources) = load(vec![("x.policy".into(), format!("{head}{annex}"))]).unwrap();
    let p = &rules.program;
    let names: Vec<&str> = p.decisions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["annex.item1", "annex.d"]);
    assert_eq!(
        p.articles[0].clause_place(&p.articles[0].clauses[0]),
        "附件 一、"
    );
    let e = evaluate_json(&rules, json!({"a": true}));
    let report = Report {
        program: p,
        evaluation: &e,
        sources: &sources,
        fact_warnings: &[],
    };
    let j = json::render(&report);
    let x = &j["decisions"]["annex.item1"]["explanation"];
    assert_eq!(x["annex"], J::Null);
    assert_eq!(x["item"], json!(1));
    assert_eq!(x["heading"], json!("附件 一、"));
    assert_eq!(
        load(vec![("x.policy".into(), format!("{head}{annex}{annex}"))]).err(),
        Some(vec!["policy::check::duplicate".to_string()])
    );
    let twice = "annex 1 \"x\" {\n  item 一 \"x\" {\n    rule \"a\": a\n  }\n  item 1 \"y\" {\n    rule \"a\": a\n  }\n}\n";
    assert_eq!(
        load(vec![("x.policy".into(), format!("{head}{twice}"))]).err(),
        Some(vec!["policy::check::duplicate".to_string()])
    );
}

/// One spelling each: `clause K` inside an article, `item K` inside an annex.
#[test]
fn clauses_of_articles_and_items_of_annexes_are_not_mixed() {
    let head = "policy \"x\" { in_force 2024-01-01 to 2029-12-31 }\nfact a \"a\": bool\n";
    let cases = [
        (
            "article 6 \"x\" {\n  clause 1 \"x\" {\n    rule \"a\": a\n  }\n  decision d = item 1\n}\n",
            "policy::check::unknown_clause",
            "`item 1` in article 6: an article has clauses",
        ),
        (
            "annex 1 \"x\" {\n  item 一 \"x\" {\n    rule \"a\": a\n  }\n  decision d = clause 1\n}\n",
            "policy::check::unknown_clause",
            "`clause 1` in annex 1: an annex has items",
        ),
        (
            "definition d = item 2\n",
            "policy::check::clause_outside_article",
            "`item 2` refers to an item, but this is not inside an annex",
        ),
    ];
    for (text, code, message) in cases {
        let mut sources = Sources::new();
        let diags = policy::load_rule_set(
            &mut sources,
            vec![("x.policy".into(), format!("{head}{text}"))],
        )
        .err()
        .unwrap_or_else(|| panic!("accepted: {text}"));
        let errors: Vec<(&str, &str)> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.code, d.message.en.as_str()))
            .collect();
        assert_eq!(errors, [(code, message)], "{text}");
    }
}

/// The JSON decisions are written member by member, without a tree: what is written is the
/// tree of `json::render` written out, and no object in it names a member twice — not even
/// the bindings of a check inside two quantifiers over the same name, which show the
/// innermost value once, where the name first stood.
#[test]
fn the_written_json_is_its_tree_and_names_each_member_once() {
    let text = "policy \"x\" { in_force 2000-01-01 to 2199-12-31 }\n\
        fact n \"n\": number\n\
        article 1 \"a\" {\n  clause 1 \"c\" {\n    rule \"r\": every y in [1, 2]: any y in [3, 4] where y > n: y > n\n  }\n  \
        decision d = every y in [1, 2]: (any y in [3]: y > n)\n}\n";
    let (rules, sources) = load(vec![("x.policy".into(), text.into())]).unwrap();
    let (structure, structure_sources) = structure();
    let cases = [
        (&rules, &sources, json!({"n": 0})),
        (&rules, &sources, json!({"n": 3})),
        (&rules, &sources, json!({})),
        (
            &structure,
            &structure_sources,
            json!({"a": true, "b": true, "c": false, "output": 9}),
        ),
        (&structure, &structure_sources, json!({"a": false})),
    ];
    for (rules, sources, facts) in cases {
        let e = evaluate_json(rules, facts.clone());
        let report = report(rules, &e, sources);
        let written = json::to_pretty(&report);
        let tree = json::render(&report);
        assert_eq!(
            written,
            serde_json::to_string_pretty(&tree).unwrap() + "\n",
            "{facts}"
        );
        // Read back member by member (a map keeps every key it is given, in order).
        let members: serde_json::Map<String, J> = serde_json::from_str(&written).unwrap();
        assert_eq!(J::Object(members), tree);
        assert!(!has_a_repeated_key(&written), "{written}");
    }
    // The check inside both quantifiers binds `y` once, to the inner value.
    let e = evaluate_json(&rules, json!({"n": 0}));
    let report = report(&rules, &e, &sources);
    let j = json::render(&report);
    let checks = &j["decisions"]["article1.clause1"]["explanation"]["rules"][0]["checks"];
    assert_eq!(checks[0]["bindings"], json!({"y": "3"}), "{checks}");
    assert_eq!(checks[1]["bindings"], json!({"y": "4"}), "{checks}");
}

/// Whether some object of pretty-printed JSON names a member twice (each key on its own
/// line, its depth given by its indentation).
fn has_a_repeated_key(pretty: &str) -> bool {
    let mut open: Vec<std::collections::HashSet<&str>> = vec![Default::default()];
    for line in pretty.lines() {
        let t = line.trim_start();
        let depth = (line.len() - t.len()) / 2;
        open.truncate(depth + 1);
        while open.len() <= depth {
            open.push(Default::default());
        }
        if let Some((key, _)) = t.strip_prefix('"').and_then(|r| r.split_once("\": ")) {
            if !open[depth].insert(key) {
                return true;
            }
        }
        if t.ends_with('{') || t.ends_with('[') {
            open.push(Default::default());
        }
    }
    false
}

/// A rule that made more comparisons than an explanation keeps says, in the JSON, how many
/// it does not show; a rule within the limit says nothing of it.
#[test]
fn the_json_says_how_many_checks_are_not_shown() {
    let text = "policy \"x\" { in_force 2000-01-01 to 2199-12-31 }\n\
        fact n \"n\": number\n\
        article 1 \"a\" {\n  clause 1 \"c\" {\n    rule \"many\": every y in years(1951, 2010): y > n\n    \
        rule \"few\": every y in years(2001, 2010): y > n\n  }\n}\n";
    let (rules, sources) = load(vec![("x.policy".into(), text.into())]).unwrap();
    let e = evaluate_json(&rules, json!({"n": 0}));
    let report = report(&rules, &e, &sources);
    let j: J = serde_json::from_str(&json::to_pretty(&report)).unwrap();
    let rules_j = &j["decisions"]["article1.clause1"]["explanation"]["rules"];
    let shown = policy::eval::MAX_CHECKS;
    assert_eq!(rules_j[0]["checks"].as_array().map(Vec::len), Some(shown));
    assert_eq!(rules_j[0]["checks_not_shown"], json!(60 - shown));
    assert_eq!(rules_j[1]["checks"].as_array().map(Vec::len), Some(10));
    assert_eq!(rules_j[1].get("checks_not_shown"), None, "{}", rules_j[1]);
}
