//! `policy check --format xlsx|html --output FILE`, through the real binary: workbooks read
//! back with calamine and their cells asserted; HTML pages snapshotted (one per fixture
//! cluster, with its facts above the page), escaped, deterministic; the usage errors.
//! The pages are opened in a real browser by `tests/browser/` (run by `.ci/run`).

mod common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::*;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2025-06-30";
/// The reports' own rule set: not the Shanghai one, and a label holding markup.
const REPORT_RULES: &str = "tests/fixtures/reports/rules";
const CLUSTERS: &str = "tests/fixtures/reports/clusters";

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("policy-reports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

type Sheet = Vec<Vec<Data>>;

fn sheets(path: &Path) -> Vec<(String, Sheet)> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("the workbook opens");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).expect("the sheet reads");
            // Rows from A1, so that indexes are Excel's (less one).
            let (h, w) = range
                .end()
                .map(|(r, c)| (r as usize + 1, c as usize + 1))
                .unwrap_or((0, 0));
            let mut rows = vec![vec![Data::Empty; w]; h];
            for (r, c, v) in range.cells() {
                let (sr, sc) = range.start().unwrap();
                rows[sr as usize + r][sc as usize + c] = v.clone();
            }
            (n, rows)
        })
        .collect()
}

fn sheet<'a>(all: &'a [(String, Sheet)], name: &str) -> &'a Sheet {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn col(s: &Sheet, header_starts: &str) -> usize {
    s[0].iter()
        .position(|h| text(h).starts_with(header_starts))
        .unwrap_or_else(|| panic!("no column `{header_starts}` in {:?}", s[0]))
}

fn xlsx(rules: &str, facts: &str, lang: &str, out: &Path) -> (i32, String) {
    let (code, _, stderr) = run(&[
        "check",
        "--policy",
        rules,
        "--facts",
        facts,
        "--as-of",
        AS_OF,
        "--format",
        "xlsx",
        "--lang",
        lang,
        "--output",
        out.to_str().unwrap(),
    ]);
    (code, stderr)
}

#[test]
fn workbook_of_one_cluster_reads_back_with_its_decisions_and_margins() {
    let dir = scratch("one");
    let out = dir.join("结果.xlsx");
    let (code, stderr) = xlsx(
        RULES,
        "examples/fails-output-threshold-songjiang-robotics.json",
        "zh",
        &out,
    );
    assert_eq!(code, 0, "{stderr}");
    let all = sheets(&out);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["结果", "差距", "汇总", "说明", "未读入的记录"]);

    let res = sheet(&all, "结果");
    assert_eq!(text(&res[0][0]), "集群");
    assert_eq!(res.len(), 2, "a header and one cluster");
    let c2 = res[0]
        .iter()
        .position(|h| text(h).contains("[article6.clause2]"))
        .expect("a column for article6.clause2");
    assert!(text(&res[0][c2]).starts_with("第六条（二）具有较强核心竞争力"));
    assert_eq!(text(&res[1][c2]), "不满足");
    assert_eq!(text(&res[1][c2 + 1]), "不满足：近三年产值均在30亿元以上");
    let c1 = res[0]
        .iter()
        .position(|h| text(h).contains("[article6.clause1]"))
        .unwrap();
    assert_eq!(text(&res[1][c1]), "满足");
    let status = res[0]
        .iter()
        .position(|h| text(h).contains("[article15.status]"))
        .unwrap();
    assert_eq!(text(&res[1][status]), "不适用");

    // 2022: 28.40亿元 against 30亿元, short by 1.60亿元: real numbers.
    let m = sheet(&all, "差距");
    let year = col(m, "年度");
    let value = col(m, "数值");
    let row = m
        .iter()
        .find(|r| text(&r[4]).starts_with("output_value") && r[year] == Data::Float(2022.0))
        .expect("a margin row for output_value in 2022");
    assert_eq!(row[value], Data::Float(28.4));
    assert_eq!(row[value + 1], Data::Float(30.0));
    assert_eq!(row[value + 2], Data::Float(-1.6));
    let Data::Float(rel) = row[value + 3] else {
        panic!("relative gap is a number: {:?}", row[value + 3])
    };
    assert!((rel - (-1.6 / 30.0)).abs() < 1e-12, "{rel}");
    assert_eq!(text(&row[col(m, "单位")]), "亿元");
    assert_eq!(text(&row[col(m, "结果")]), "不满足");
    assert_eq!(
        text(&row[col(m, "规则文件位置")]),
        "tests/fixtures/shanghai/article06.policy:38"
    );
    // A share computed and rounded: the number, and its `≈` text beside it.
    let share = m
        .iter()
        .find(|r| text(&r[3]) == "中小企业产值占集群总产值50%以上")
        .expect("the share's margin");
    assert_eq!(share[value], Data::Float(70.9402));
    assert!(text(&share[col(m, "精确值")]).contains("≈70.9402%"));

    let s = sheet(&all, "汇总");
    let r = s
        .iter()
        .find(|r| text(&r[1]) == "article6.clause2")
        .unwrap();
    assert_eq!(text(&s[0][3]), "不满足");
    assert_eq!(r[3], Data::Float(1.0));
    assert_eq!(r[2], Data::Float(0.0));

    let about = sheet(&all, "说明");
    let get = |k: &str| {
        about
            .iter()
            .find(|r| text(&r[0]) == k)
            .map(|r| text(&r[1]))
            .unwrap_or_else(|| panic!("no line {k}"))
    };
    assert_eq!(get("文件"), "沪经信规范〔2024〕1号");
    assert_eq!(get("评价日"), AS_OF);
    assert_eq!(get("有效期"), "2024-02-22 – 2029-02-21");
    let fp = get("规则集指纹（SHA-256）");
    assert_eq!(fp.len(), 64);
    assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(about.iter().any(|r| text(&r[0]) == "假定（办法未作规定）"));
    // Only a header: nothing was refused.
    assert_eq!(sheet(&all, "未读入的记录").len(), 1);
}

#[test]
fn workbook_headers_follow_the_language_and_the_fingerprint_follows_the_rules() {
    let dir = scratch("en");
    let out = dir.join("results.xlsx");
    let facts = "examples/fails-output-threshold-songjiang-robotics.json";
    assert_eq!(xlsx(RULES, facts, "en", &out).0, 0);
    let all = sheets(&out);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Results", "Margins", "Summary", "About", "Refused records"]
    );
    let res = sheet(&all, "Results");
    let c2 = res[0]
        .iter()
        .position(|h| text(h).contains("[article6.clause2]"))
        .unwrap();
    assert_eq!(text(&res[1][c2]), "not met");
    let fp = |all: &[(String, Sheet)], key: &str| {
        let about = &all
            .iter()
            .find(|(n, _)| n == "About" || n == "说明")
            .unwrap()
            .1;
        about
            .iter()
            .find(|r| text(&r[0]).starts_with(key))
            .map(|r| text(&r[1]))
            .unwrap()
    };
    let shanghai = fp(&all, "Rule-set fingerprint");

    // Another rule set, another fingerprint; the same one, the same.
    let other = dir.join("other.xlsx");
    assert_eq!(
        xlsx(REPORT_RULES, &format!("{CLUSTERS}/met.json"), "en", &other).0,
        0
    );
    assert_ne!(fp(&sheets(&other), "Rule-set fingerprint"), shanghai);
    let again = dir.join("again.xlsx");
    assert_eq!(xlsx(RULES, facts, "en", &again).0, 0);
    assert_eq!(fp(&sheets(&again), "Rule-set fingerprint"), shanghai);
}

#[test]
fn workbook_of_a_batch_has_every_cluster_and_every_refused_record() {
    let dir = scratch("batch");
    let out = dir.join("batch.xlsx");
    let (code, stderr) = xlsx(RULES, "tests/fixtures/batch/clusters.jsonl", "zh", &out);
    assert_eq!(code, 7, "some records were refused: {stderr}");
    assert!(stderr.contains("拒收：2"), "{stderr}");
    assert!(stderr.contains("已写入"), "{stderr}");
    // The rows spooled beside the output are gone; only the workbook is left.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("batch.xlsx")]);
    let all = sheets(&out);
    let res = sheet(&all, "结果");
    assert_eq!(res.len(), 1 + 3);
    assert_eq!(text(&res[1][0]), "普陀区生物医药中小企业特色产业集群0");
    assert_eq!(text(&res[1][1]), "tests/fixtures/batch/clusters.jsonl:1");
    assert_eq!(text(&res[3][1]), "tests/fixtures/batch/clusters.jsonl:5");
    // Each cluster's rules are evaluated for the workbook, not only its decisions: a
    // criterion not met names its rule, and the margins sheet has the clusters' rows.
    let reasons: Vec<String> = res
        .iter()
        .skip(1)
        .flat_map(|r| r.iter().map(text))
        .filter(|t| t.starts_with("不满足："))
        .collect();
    assert!(!reasons.is_empty(), "no rule named as not met");
    let margins = sheet(&all, "差距");
    assert!(
        margins
            .iter()
            .skip(1)
            .any(|r| text(&r[0]).starts_with("普陀区生物医药")),
        "no margin rows for the batch's clusters"
    );
    let refused = sheet(&all, "未读入的记录");
    assert_eq!(refused.len(), 1 + 2);
    assert_eq!(
        text(&refused[1][0]),
        "tests/fixtures/batch/clusters.jsonl:3"
    );
    assert_eq!(text(&refused[1][1]), "policy::facts::syntax");
    assert_eq!(text(&refused[1][3]), "第3行，第51列");
    assert_eq!(text(&refused[2][1]), "policy::facts::wrong_type");
    let s = sheet(&all, "汇总");
    let total = col(s, "合计");
    assert!(s.iter().skip(1).all(|r| r[total] == Data::Float(3.0)));
    let about = sheet(&all, "说明");
    let line = |k: &str| {
        about
            .iter()
            .find(|r| text(&r[0]) == k)
            .map(|r| text(&r[1]))
            .unwrap()
    };
    assert_eq!(line("已评价的集群"), "3");
    assert_eq!(line("未读入的记录"), "2");
}

#[test]
fn workbook_keeps_the_exact_text_of_a_decimal_a_double_cannot_hold() {
    let dir = scratch("exact");
    let out = dir.join("exact.xlsx");
    let (code, stderr) = xlsx(
        REPORT_RULES,
        &format!("{CLUSTERS}/markup-in-facts.json"),
        "zh",
        &out,
    );
    assert_eq!(code, 0, "{stderr}");
    let all = sheets(&out);
    let m = sheet(&all, "差距");
    let value = col(m, "数值");
    let row = m
        .iter()
        .find(|r| text(&r[4]).starts_with("revenue") && r[5] == Data::Float(2023.0))
        .expect("the 2023 revenue");
    // 12345678901234.56 has 16 digits: the cell holds the nearest double, the text beside
    // it the exact value.
    assert_eq!(row[value], Data::Float(12345678901234.56));
    let exact = text(&row[col(m, "精确值")]);
    assert!(exact.contains("数值 12345678901234.56万元"), "{exact}");
    assert!(exact.contains("差距 12345678900734.56万元"), "{exact}");
    // 2024's 600 fits: no exact text.
    let row = m
        .iter()
        .find(|r| text(&r[4]).starts_with("revenue") && r[5] == Data::Float(2024.0))
        .unwrap();
    assert_eq!(row[value], Data::Float(600.0));
    assert_eq!(text(&row[col(m, "精确值")]), "");
    // The name from the facts, as text.
    assert_eq!(
        text(&sheet(&all, "结果")[1][0]),
        "<script>alert(\"名称\")</script> & 'Co'"
    );
}

fn html(rules: &str, facts: &str, lang: &str) -> (i32, String, String) {
    run(&[
        "check", "--policy", rules, "--facts", facts, "--as-of", AS_OF, "--format", "html",
        "--lang", lang,
    ])
}

/// One snapshot per fixture cluster: its facts, then the page (Chinese), readable.
#[test]
fn html_page_of_each_fixture_cluster() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(CLUSTERS))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = format!("{CLUSTERS}/{}", f.file_name().unwrap().to_string_lossy());
        let (code, page, stderr) = html(REPORT_RULES, &rel, "zh");
        assert_eq!(code, 0, "{stderr}");
        assert_safe(&page);
        let facts = std::fs::read_to_string(&f).unwrap();
        let shown = format!(
            "policy check --policy {REPORT_RULES} --facts {rel} --as-of {AS_OF} --format html --lang zh\n\n\
             ── facts ──\n{facts}\n── page ──\n{page}"
        );
        insta::with_settings!({snapshot_path => "snapshots/reports", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("html-{name}"), shown);
        });
    }
}

#[test]
fn html_summary_of_a_batch() {
    let rel = "tests/fixtures/reports/batch.jsonl";
    let (code, page, stderr) = html(REPORT_RULES, rel, "zh");
    assert_eq!(code, 7, "one record is refused: {stderr}");
    assert_safe(&page);
    assert!(page.contains("已评价的集群 <b>4</b> · 未读入的记录 <b>1</b>"));
    assert!(page.contains("policy::facts::bad_number"));
    // The nearest clusters to 500万元, and a histogram per threshold.
    assert!(
        page.contains("<code>revenue[y] &gt;= 营业收入下限</code> &gt;= 500万元"),
        "{page}"
    );
    assert!(page.matches("class=\"chart histogram\"").count() >= 4);
    let input = std::fs::read_to_string(root().join(rel)).unwrap();
    let shown = format!(
        "policy check --policy {REPORT_RULES} --facts {rel} --as-of {AS_OF} --format html --lang zh\n\n\
         ── facts ──\n{input}\n── page ──\n{page}"
    );
    insta::with_settings!({snapshot_path => "snapshots/reports", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("html-batch", shown);
    });
}

/// Markup from a rule file (a clause title) or a facts file (a name) shows as text.
fn assert_safe(page: &str) {
    assert!(!page.contains("<script"), "unescaped markup");
    assert!(!page.contains("<link") && !page.contains("src=") && !page.contains("href=\"http"));
    assert!(page.contains("外向度和创新 &lt;script&gt;alert(&#39;标签&#39;)&lt;/script&gt;"));
}

#[test]
fn html_escapes_what_facts_say_and_is_the_same_twice() {
    let f = format!("{CLUSTERS}/markup-in-facts.json");
    let (code, a, _) = html(REPORT_RULES, &f, "en");
    assert_eq!(code, 0);
    let (_, b, _) = html(REPORT_RULES, &f, "en");
    assert_eq!(a, b, "the same input gives the same page");
    assert!(a.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(a.contains(">✗ not met<"));
    // The timeline: the founding date from the facts, the date decided, the evaluation date.
    assert!(a.contains("<td>2021-01-10</td><td>成立日期</td>"), "{a}");
    assert!(a.contains("<td>2026-01-10</td><td>支持期限届满日</td>"));
    assert!(a.contains("<td>2025-06-30</td><td>evaluation date</td>"));

    // The Shanghai example of Article 15: recognition, review and expiry on the timeline.
    let (code, z, _) = html(
        RULES,
        "examples/article15-under-review-caohejing-industrial-software.json",
        "zh",
    );
    assert_eq!(code, 0);
    assert!(z.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    assert!(
        z.contains("<td>有效期届满日</td>"),
        "the expiry date on the timeline"
    );
    assert!(z.contains("<td>评价日</td>"));
    assert!(z.contains("class=\"chart timeline\""));
    assert!(
        z.contains("class=\"chart bars\""),
        "bars per year against 30亿元"
    );
    assert!(z.contains("class=\"chart bullet\""), "share bullets");
}

#[test]
fn output_errors_and_whole_files() {
    let dir = scratch("usage");
    let facts = "examples/fails-output-threshold-songjiang-robotics.json";
    let report_to = |format: &str, output: &std::path::Path| {
        let output = output.to_str().unwrap();
        run(&[
            "check", "--policy", RULES, "--facts", facts, "--as-of", AS_OF, "--format", format,
            "--output", output,
        ])
    };
    // --output is for the file formats.
    let (code, _, stderr) = report_to("json", &dir.join("x.json"));
    assert_eq!(code, 2);
    assert!(stderr.contains("policy::usage::output_format"), "{stderr}");
    // A folder is not a file.
    let (code, _, stderr) = report_to("xlsx", &dir);
    assert_eq!(code, 2);
    assert!(stderr.contains("policy::io::output"), "{stderr}");
    // A folder that does not exist: nothing is written, the error says so.
    let (code, _, stderr) = report_to("html", &dir.join("no/such/page.html"));
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("policy::io::output"), "{stderr}");
    // Into a pipe (not a terminal) a workbook may go to stdout.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy"))
        .args([
            "check", "--policy", RULES, "--facts", facts, "--as-of", AS_OF, "--format", "xlsx",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.starts_with(b"PK\x03\x04"), "a zip file");
    // A file replaced whole; nothing else left in the folder.
    let target = dir.join("page.html");
    std::fs::write(&target, "old").unwrap();
    let (code, _, _) = report_to("html", &target);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("page.html")]);
}
