//! The Chinese keyword set: it builds the same syntax tree as the English one, reads the
//! headings' numerals exactly, keeps keywords apart from names, accepts full-width
//! punctuation, and refuses files that mix the two sets.

mod common;

use common::*;
use policy::numeral::chinese;
use policy::syntax::ast::{ExprKind, Item};
use policy::syntax::keywords::{self, KeywordSet};
use policy::syntax::{parse_file, parse_file_keywords};

fn parse(text: &str) -> policy::syntax::ast::File {
    parse_file(0, text).unwrap_or_else(|e| panic!("{text}\n{e:#?}"))
}

fn codes(text: &str) -> Vec<&'static str> {
    match parse_file(0, text) {
        Ok(_) => Vec::new(),
        Err(ds) => ds.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn headings_read_every_numeral_one_to_ninety_nine() {
    for n in 1..=99u32 {
        let cn = chinese(n);
        let en = format!(
            "chapter {cn} \"章\"\narticle {n} \"条\" {{\n  clause {n} \"项\" {{\n    rule \"r\": true\n  }}\n  decision d = all(clause {n}, article{n}.d)\n}}\nannex {n} \"附件\" {{\n  item {cn} \"项\" {{\n    rule \"r\": true\n  }}\n  item {n} \"项\" {{\n    rule \"r\": true\n  }}\n  decision e = all(item {cn}, item {n}, annex{n}.e)\n}}\n"
        );
        let zh = format!(
            "第{cn}章 \"章\"\n第{cn}条 \"条\" {{\n  （{cn}） \"项\" {{\n    规则 \"r\"：是\n  }}\n  决定 d = all(第（{cn}）项, 第{cn}条.d)\n}}\n附件{n} \"附件\" {{\n  第{cn}项 \"项\" {{\n    规则 \"r\"：是\n  }}\n  第{n}项 \"项\" {{\n    规则 \"r\"：是\n  }}\n  决定 e = all(第{cn}项, 第{n}项, 附件{n}.e)\n}}\n"
        );
        assert_eq!(parse(&zh), parse(&en), "{n}: {zh}");
        // Arabic numerals and the other clause spellings read the same.
        let arabic = zh
            .replace(&format!("第{cn}条"), &format!("第{n}条"))
            .replace(&format!("（{cn}） "), &format!("({n}) "))
            .replace(&format!("第（{cn}）项"), &format!("第({n})项"));
        assert_eq!(parse(&arabic), parse(&en), "{n}: {arabic}");
        let cited = zh.replace(&format!("（{cn}） "), &format!("第（{cn}）项 "));
        assert_eq!(parse(&cited), parse(&en), "{n}: {cited}");
    }
}

#[test]
fn a_numeral_that_is_not_one_is_refused() {
    for bad in ["十十", "一十", "零", "二二", "一百", "两"] {
        for text in [
            format!("第{bad}条 \"t\" {{\n}}\n"),
            format!("第一条 \"t\" {{\n  （{bad}） \"c\" {{\n    规则 \"r\"：是\n  }}\n}}\n"),
            format!("定义 x = 第（{bad}）项\n"),
            format!("定义 x = 第{bad}条.d\n"),
        ] {
            assert_eq!(codes(&text), vec!["policy::check::bad_numeral"], "{text}");
        }
    }
}

#[test]
fn names_that_contain_or_begin_with_a_keyword_stay_names() {
    for name in [
        "是否认定",
        "产值下限",
        "规则数",
        "最近完整年度",
        "每个企业",
        "计数值",
        "如果值",
        "否决",
        "无效",
        "属于本区",
        "第六条款",
    ] {
        let f = parse(&format!("定义 {name} = 1\n定义 y = {name} + 1\n"));
        let Some(Item::Definition(d)) = f.items.get(1) else {
            panic!("{name}")
        };
        let ExprKind::Binary(_, l, _) = &d.body.kind else {
            panic!("{name}")
        };
        assert!(
            matches!(&l.kind, ExprKind::Path(ids) if ids.len() == 1 && ids[0].name == name),
            "{name}: {:?}",
            l.kind
        );
    }
}

#[test]
fn every_keyword_is_reserved_but_the_position_words() {
    for (en, zh) in keywords::WORDS {
        if zh.contains('…') || zh.contains("附件") {
            continue;
        }
        let position_only = [
            "chapter",
            "annex",
            "item",
            "items",
            "assessed",
            "because",
            "sum",
            "mean",
            "min",
            "max",
            "bare_numbers",
        ]
        .contains(en);
        for word in [*en, *zh] {
            let ok = parse_file(0, &format!("definition {word} = 1\n")).is_ok();
            assert_eq!(ok, position_only, "`{word}` as a name");
        }
    }
    for word in ["文本", "无"] {
        assert!(
            parse_file(0, &format!("定义 {word} = 1\n")).is_err(),
            "{word}"
        );
    }
}

#[test]
fn a_name_joined_to_a_keyword_is_refused_with_the_spaced_form() {
    for (text, fixed) in [
        (
            "第一条 \"t\" {\n  （一） \"c\" {\n    规则 \"r\"：\n      每个y属于近三年：output_value[y] >= 30 亿元\n  }\n}\n",
            "每个 y 属于 近三年",
        ),
        ("定义 x =\n  计数y属于近三年 >= 2\n", "计数 y 属于 近三年"),
        ("定义 x =\n  如果已认定 则 1 否则 2\n", "如果 已认定"),
        ("定义 x =\n  如果已认定则1 否则 2\n", "如果 已认定 则 1"),
    ] {
        let Err(ds) = parse_file(0, text) else {
            panic!("{text}")
        };
        let d = &ds[0];
        assert_eq!(d.code, "policy::parse::keyword_joined", "{text}");
        let help = d.help.as_ref().map_or("", |h| h.en.as_str());
        assert!(help.contains(&format!("`{fixed}`")), "{text}: {help}");
        assert!(help.contains("policy fmt"), "{help}");
    }
}

#[test]
fn a_file_keeps_to_one_set() {
    let zh = "第一条 \"t\" {\n  （一） \"c\" {\n    规则 \"r\"：是\n  }\n}\n";
    let en = "article 1 \"t\" {\n  clause 1 \"c\" {\n    rule \"r\": true\n  }\n}\n";
    assert_eq!(parse_file_keywords(0, zh).unwrap().1, Some(KeywordSet::Zh));
    assert_eq!(parse_file_keywords(0, en).unwrap().1, Some(KeywordSet::En));
    assert_eq!(parse_file_keywords(0, "# 只有注释\n").unwrap().1, None);
    for mixed in [
        zh.replace("规则", "rule"),
        zh.replace("是", "true"),
        en.replace("true", "是"),
        en.replace("clause 1", "（一）"),
        en.replace("article 1", "第一条"),
    ] {
        let Err(ds) = parse_file(0, &mixed) else {
            panic!("{mixed}")
        };
        assert_eq!(
            ds.iter().map(|d| d.code).collect::<Vec<_>>(),
            vec!["policy::parse::mixed_keywords"],
            "{mixed}"
        );
    }
    // Names are in no set: an English file may use Chinese names and a Chinese file English ones.
    assert!(parse_file(0, "definition 是否认定 = true\n").is_ok());
    assert!(parse_file(0, "定义 eligible = 是\n").is_ok());
}

#[test]
fn full_width_punctuation_is_the_ascii_in_both_sets() {
    let ascii = "definition f(x: number, y: number) = max(x, y) * (1 + 10%)\nfact a \"标签\": list of number\narticle 1 \"t\" {\n  clause 1 \"c\" {\n    rule \"r\": every v in a: f(v, 1) >= 0\n  }\n}\n";
    let wide = "definition f（x：number，y：number） = max（x，y） * （1 + 10%）\nfact a “标签”： list of number\narticle 1 “t” {\n  clause 1 “c” {\n    rule “r”： every v in a： f（v，1） >= 0\n  }\n}\n";
    assert_eq!(parse(wide), parse(ascii));
    let zh = "定义 f（x：number，y：number） = max（x，y） * （1 + 10%）\n事实 a “标签”：若干 number\n第一条 “t” {\n  （一） “c” {\n    规则 “r”：每个 v 属于 a：f（v，1） >= 0\n  }\n}\n";
    assert_eq!(parse(zh), parse(ascii));
}

#[test]
fn chinese_quotes_nest_and_ascii_strings_keep_them_as_text() {
    let title = |text: &str| match parse(text).items.first() {
        Some(Item::Fact(f)) => f.label.as_ref().map(|l| l.value.clone()),
        _ => None,
    };
    assert_eq!(
        title("事实 x “符合本市“十四五”规划”：bool\n").as_deref(),
        Some("符合本市“十四五”规划")
    );
    assert_eq!(
        title("fact x \"符合本市“十四五”规划\": bool\n").as_deref(),
        Some("符合本市“十四五”规划")
    );
    // An unbalanced “ does not end the string early: the string runs to its matching ”.
    assert!(parse_file(0, "事实 x “未闭合：bool\n").is_err());
    // A `#` inside a “…” string is text, not a comment.
    assert_eq!(title("事实 x “第#1号”：bool\n").as_deref(), Some("第#1号"));
}

#[test]
fn the_language_tour_lists_every_keyword_of_both_sets() {
    let doc = std::fs::read_to_string(root().join("docs/language.md")).unwrap();
    for (en, zh) in keywords::WORDS.iter().chain(keywords::EXTRA_ZH) {
        // `第…条` stands for 第六条: both parts in the Chinese column.
        let parts: Vec<&str> = zh.split('…').filter(|p| !p.is_empty()).collect();
        // A row of the table whose English column has the word and whose Chinese column
        // has the Chinese word.
        let row = doc.lines().find(|l| {
            let cols: Vec<&str> = l.split('|').collect();
            let (Some(e), Some(z)) = (cols.get(1), cols.get(2)) else {
                return false;
            };
            e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == *en)
                && parts.iter().all(|p| z.contains(p))
        });
        assert!(
            row.is_some(),
            "docs/language.md has no row for `{en}` / {zh}"
        );
    }
}

#[test]
fn fmt_keeps_a_files_set_and_writes_the_chinese_layout() {
    use policy::fmt::format;
    // Arabic article and clause numbers, the other clause spellings and full-width
    // punctuation in expressions are written the one canonical way.
    let zh = "第6条 \"t\" {\n  (2) \"c\" 简称 c2 {\n    规则 \"r\" : 每个 y 属于 w 其中 y > 1 : s[y] >= （1 + 2） \n  }\n  第（三）项 \"d\" {\n    规则 \"r\"：是\n  }\n  决定 d = all(第(2)项 ， 第（3）项)\n}\n";
    assert_eq!(
        format(0, zh).unwrap(),
        "第六条 \"t\" {\n  （二） \"c\" 简称 c2 {\n    规则 \"r\"：\n      每个 y 属于 w 其中 y > 1：s[y] >= (1 + 2)\n  }\n  （三） \"d\" {\n    规则 \"r\"：\n      是\n  }\n  决定 d =\n    all(第（二）项, 第（三）项)\n}\n"
    );
    // An English file stays English, with ASCII punctuation.
    let en = "article 6 \"t\" {\n  clause 2 \"c\" {\n    rule “r”： every y in w： s[y] >= （1 + 2）\n  }\n}\n";
    assert_eq!(
        format(0, en).unwrap(),
        "article 6 \"t\" {\n  clause 2 \"c\" {\n    rule “r”:\n      every y in w: s[y] >= (1 + 2)\n  }\n}\n"
    );
}

#[test]
fn fmt_inserts_the_spaces_a_joined_name_lacks() {
    use policy::fmt::format;
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/rules/zh-keyword-joined.policy"))
            .unwrap();
    let out = format(0, &text).unwrap();
    assert!(
        out.contains("      每个 y 属于 近三年：output_value[y] >= 30 亿元\n"),
        "{out}"
    );
    let text = "定义 x =\n  如果已认定则1 否则 计数y属于近三年其中是\n";
    assert_eq!(
        format(0, text).unwrap(),
        "定义 x =\n  如果 已认定 则 1\n  否则 计数 y 属于 近三年 其中 是\n"
    );
}

#[test]
fn fmt_writes_a_mixed_file_in_the_set_asked_for() {
    use policy::fmt::{format, format_in};
    let mixed = "第一条 \"t\" {\n  clause 1 \"c\" {\n    规则 \"r\": true\n  }\n}\n";
    let codes: Vec<_> = format(0, mixed)
        .unwrap_err()
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, vec!["policy::parse::mixed_keywords"]);
    assert_eq!(
        format_in(0, mixed, Some(KeywordSet::Zh)).unwrap(),
        "第一条 \"t\" {\n  （一） \"c\" {\n    规则 \"r\"：\n      是\n  }\n}\n"
    );
    assert_eq!(
        format_in(0, mixed, Some(KeywordSet::En)).unwrap(),
        "article 1 \"t\" {\n  clause 1 \"c\" {\n    rule \"r\":\n      true\n  }\n}\n"
    );
}

#[test]
fn nesting_counts_chinese_words_and_brackets() {
    let deep =
        |open: &str, close: &str| format!("定义 x =\n  {}1{}\n", open.repeat(65), close.repeat(65));
    for text in [
        deep("（", "）"),
        deep("如果 是 则 ", " 否则 1"),
        deep("每个 y 属于 w：", ""),
        deep("合计 y 属于 w：", ""),
    ] {
        assert_eq!(codes(&text), vec!["policy::parse::too_deep"], "{text}");
    }
    // `最小(…)` is a call, not an aggregate: 65 of them in a row nest nothing.
    let calls = format!("定义 x = {}\n", vec!["最小(1)"; 65].join(" + "));
    assert!(!codes(&calls).contains(&"policy::parse::too_deep"));
}

#[test]
fn policy_fmt_translates_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("tests/fixtures/shanghai")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["fmt", "--keywords", "zh", d]);
    assert_eq!(code, 0, "{err}");
    let article19 = std::fs::read_to_string(dir.path().join("article19.policy")).unwrap();
    assert!(
        article19.contains("第十九条 \"撤销认定\" 适用条件 已认定 {"),
        "{article19}"
    );
    assert!(
        article19.contains("第十五条.status = \"lapsed\""),
        "{article19}"
    );
    // Formatted in its own set, the translation is left as it is.
    let (code, out, err) = run(&["fmt", "--check", d]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&["fmt", "--keywords", "en", d]);
    assert_eq!(code, 0, "{err}");
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        let original =
            std::fs::read_to_string(root().join("tests/fixtures/shanghai").join(&name)).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), original, "{name:?}");
    }
    let (code, _, err) = run(&["fmt", "--keywords", "fr", d]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_paired_example_of_the_language_tour_is_one_article_in_two_sets() {
    let doc = std::fs::read_to_string(root().join("docs/language.md")).unwrap();
    let from = doc.find("The same article in both sets").unwrap();
    let blocks: Vec<&str> = doc[from..]
        .split("```")
        .skip(1)
        .step_by(2)
        .take(2)
        .collect();
    let (en, zh) = (blocks[0], blocks[1]);
    assert_eq!(parse_file_keywords(0, en).unwrap().1, Some(KeywordSet::En));
    assert_eq!(parse_file_keywords(0, zh).unwrap().1, Some(KeywordSet::Zh));
    assert_eq!(parse(zh), parse(en));
    // And the Chinese block is what `policy fmt --keywords zh` writes.
    let en = en.trim_start_matches('\n');
    let zh = zh.trim_start_matches('\n');
    assert_eq!(
        policy::fmt::format_in(0, en, Some(KeywordSet::Zh)).unwrap(),
        zh
    );
}

#[test]
fn the_readme_shows_one_article_in_both_sets() {
    let doc = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block_after = |marker: &str| {
        let from = doc.find(marker).unwrap();
        doc[from..]
            .split("```")
            .nth(1)
            .unwrap()
            .trim_start_matches('\n')
            .to_string()
    };
    let zh = block_after("are in the Chinese set:");
    let en = block_after("The same in the English set");
    assert_eq!(parse(&zh), parse(&en));
    assert_eq!(
        policy::fmt::format_in(0, &en, Some(KeywordSet::Zh)).unwrap(),
        zh
    );
}
