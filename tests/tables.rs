//! Facts templates, the JSON Schema of facts files, and facts from XLSX workbooks and CSV
//! files with list files, run through the real binary.
//!
//! The round trips fill what `policy template --format xlsx` writes (its sheets, label and
//! key rows) with each shipped example's facts, and write the same facts as a CSV file
//! with one list file per list fact; both must give the decisions the JSON example gives.

mod common;

use calamine::{Data, Reader, Xlsx};
use common::{root, run};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

const SHANGHAI: &str = "tests/fixtures/shanghai";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The top-level JSON examples and their evaluation dates.
fn json_examples() -> Vec<(String, String)> {
    common::example_dates()
        .into_iter()
        .filter(|(f, _)| f.ends_with(".json"))
        .collect()
}

/// `policy check --format FORMAT` of one facts path: its stdout (the run must succeed).
fn check_out(policy: &str, facts: &Path, as_of: &str, format: &str) -> String {
    let (code, out, err) = run(&[
        "check",
        "--policy",
        policy,
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        as_of,
        "--format",
        format,
    ]);
    assert_eq!(code, 0, "{}: {err}", facts.display());
    out
}

/// A decisions object cut to what is compared: name → (value, status, missing).
fn cut(decisions: &Value) -> Value {
    let mut out = Map::new();
    for (k, d) in decisions.as_object().unwrap() {
        out.insert(
            k.clone(),
            serde_json::json!({"value": d["value"], "status": d["status"], "missing": d["missing"]}),
        );
    }
    Value::Object(out)
}

/// The decisions of `policy check --format json`, without explanations: name →
/// (value, status, missing).
fn decisions(policy: &str, facts: &Path, as_of: &str) -> Value {
    let j: Value = serde_json::from_str(&check_out(policy, facts, as_of, "json")).unwrap();
    cut(&j["decisions"])
}

/// A facts object flattened: `cluster.name`, `output_value.2024` (scalars), and the
/// lists apart.
/// Named values, in order.
type Named = Vec<(String, Value)>;

fn flatten(facts: &Value) -> (Named, Named) {
    let mut scalars = Vec::new();
    let mut lists = Vec::new();
    for (k, v) in facts.as_object().unwrap() {
        match v {
            Value::Array(_) => lists.push((k.clone(), v.clone())),
            Value::Object(m) => {
                for (sub, x) in m {
                    scalars.push((format!("{k}.{sub}"), x.clone()));
                }
            }
            Value::Null => {}
            _ => scalars.push((k.clone(), v.clone())),
        }
    }
    (scalars, lists)
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-'
}

/// Write a value as a person would type it in Excel: numbers as numbers, dates as
/// date cells, yes/no as 是/否, texts as texts.
fn put(ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, v: &Value) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    match v {
        Value::Number(n) => {
            ws.write_number(r, c, n.to_string().parse::<f64>().unwrap())
                .unwrap();
        }
        Value::Bool(b) => {
            ws.write_string(r, c, if *b { "是" } else { "否" }).unwrap();
        }
        Value::String(s) if is_date(s) => {
            let d = ExcelDateTime::parse_from_str(s).unwrap();
            ws.write_datetime_with_format(r, c, &d, &date).unwrap();
        }
        Value::String(s) => {
            ws.write_string(r, c, s).unwrap();
        }
        Value::Null => {}
        other => panic!("not a cell: {other}"),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The template's sheets: (name, label row, key row).
fn template_sheets(path: &Path) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let row = |i: u32| -> Vec<String> {
            (0..range.width() as u32)
                .map(|c| range.get_value((i, c)).map(cell_text).unwrap_or_default())
                .collect()
        };
        out.push((name.clone(), row(0), row(1)));
    }
    out
}

/// Fill a copy of the template (`policy template --format xlsx`) with one cluster's facts.
fn fill_template(template: &Path, schema: &Value, facts: &Value, out: &Path) {
    fill_many(template, schema, std::slice::from_ref(facts), out)
}

/// Fill a copy of the template with clusters, one per row, their lists in the list sheets.
fn fill_many(template: &Path, schema: &Value, clusters: &[Value], out: &Path) {
    let sheets = template_sheets(template);
    let flat: Vec<(Named, Named)> = clusters.iter().map(flatten).collect();
    let mut wb = Workbook::new();
    let (main, labels, keys) = &sheets[0];
    let ws = wb.add_worksheet();
    ws.set_name(main).unwrap();
    let mut keys = keys.clone();
    // Years or facts the template has no column for get one, as a person would add it.
    for (scalars, _) in &flat {
        for (k, _) in scalars {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    for (c, k) in keys.iter().enumerate() {
        let c = c as u16;
        ws.write_string(0, c, labels.get(c as usize).cloned().unwrap_or_default())
            .unwrap();
        ws.write_string(1, c, k).unwrap();
    }
    let names: Vec<String> = clusters
        .iter()
        .map(|f| {
            f["cluster"]["name"]
                .as_str()
                .or(f["cluster.name"].as_str())
                .unwrap()
                .to_string()
        })
        .collect();
    for (r, (scalars, _)) in flat.iter().enumerate() {
        for (k, v) in scalars {
            let c = keys.iter().position(|x| x == k).unwrap();
            put(ws, r as u32 + 2, c as u16, v);
        }
    }
    let mut list_rows: Vec<(String, u32)> = Vec::new();
    for (i, (_, lists)) in flat.iter().enumerate() {
        for (fact, items) in lists {
            let title = schema["properties"][fact]["title"].as_str().unwrap();
            let (sheet, labels, keys) = sheets
                .iter()
                .find(|(n, _, _)| n == title || n == fact)
                .unwrap_or_else(|| panic!("the template has no sheet for `{fact}`"));
            let ws = match wb.worksheet_from_name(sheet) {
                Ok(ws) => ws,
                Err(_) => {
                    let ws = wb.add_worksheet();
                    ws.set_name(sheet).unwrap();
                    for (c, (l, k)) in labels.iter().zip(keys).enumerate() {
                        ws.write_string(0, c as u16, l).unwrap();
                        ws.write_string(1, c as u16, k).unwrap();
                    }
                    list_rows.push((sheet.clone(), 2));
                    ws
                }
            };
            let next = &mut list_rows.iter_mut().find(|(n, _)| n == sheet).unwrap().1;
            let items = items.as_array().unwrap();
            if items.is_empty() {
                ws.write_string(*next, 0, &names[i]).unwrap();
                ws.write_string(*next, 1, "无").unwrap();
                *next += 1;
            }
            for item in items {
                ws.write_string(*next, 0, &names[i]).unwrap();
                for (c, k) in keys.iter().enumerate().skip(1) {
                    put(ws, *next, c as u16, &item[k]);
                }
                *next += 1;
            }
        }
    }
    wb.save(out).unwrap();
}

fn template(policy: &str, format: &str, as_of: &str, out: &Path) {
    let (code, _, err) = run(&[
        "template",
        "--policy",
        policy,
        "--format",
        format,
        "--as-of",
        as_of,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

fn schema_of(policy: &str) -> Value {
    let (code, out, err) = run(&["schema", "--policy", policy]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn generated_clusters_decide_the_same_from_a_workbook_as_from_json_lines() {
    let dir = tmp();
    let (code, out, err) = run(&[
        "generate",
        "--policy",
        SHANGHAI,
        "--count",
        "300",
        "--seed",
        "7",
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{err}");
    let jsonl = dir.path().join("g.jsonl");
    std::fs::write(&jsonl, &out).unwrap();
    let clusters: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tpl = dir.path().join("t.xlsx");
    template(SHANGHAI, "xlsx", "2025-06-30", &tpl);
    let xlsx = dir.path().join("g.xlsx");
    fill_many(&tpl, &schema_of(SHANGHAI), &clusters, &xlsx);
    let lines = |p: &Path| -> Vec<Value> {
        let (code, out, err) = check(p, "jsonl");
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["decisions"].clone())
            .collect()
    };
    let from_xlsx = lines(&xlsx);
    assert_eq!(from_xlsx.len(), 300);
    assert_eq!(from_xlsx, lines(&jsonl));
}

/// Not a test: writes the workbook of the XLSX benchmark (BENCHMARKS.md) from a JSON
/// Lines file of generated clusters: `BENCH_JSONL=… BENCH_XLSX=… cargo test --release
/// --test tables -- --ignored bench_workbook`.
#[test]
#[ignore]
fn bench_workbook() {
    let input = std::env::var("BENCH_JSONL").expect("BENCH_JSONL");
    let output = std::env::var("BENCH_XLSX").expect("BENCH_XLSX");
    let as_of = std::env::var("BENCH_AS_OF").unwrap_or_else(|_| "2025-06-30".into());
    let text = std::fs::read_to_string(input).unwrap();
    let clusters: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let dir = tmp();
    let tpl = dir.path().join("t.xlsx");
    template(SHANGHAI, "xlsx", &as_of, &tpl);
    fill_many(&tpl, &schema_of(SHANGHAI), &clusters, Path::new(&output));
}

#[test]
fn xlsx_template_filled_with_each_example_decides_as_the_json() {
    let dir = tmp();
    let schema = schema_of(SHANGHAI);
    for (file, as_of) in json_examples() {
        let tpl = dir.path().join(format!("template-{as_of}.xlsx"));
        if !tpl.exists() {
            template(SHANGHAI, "xlsx", &as_of, &tpl);
        }
        let example = root().join("examples").join(&file);
        let facts = read_json(&example);
        let filled = dir.path().join(file.replace(".json", ".xlsx"));
        fill_template(&tpl, &schema, &facts, &filled);
        assert_eq!(
            decisions(SHANGHAI, &filled, &as_of),
            decisions(SHANGHAI, &example, &as_of),
            "{file}"
        );
    }
}

/// The example as `clusters.csv` and one `clusters.<list>.csv` per list it gives.
fn write_csvs(facts: &Value, dir: &Path) -> PathBuf {
    let (mut scalars, lists) = flatten(facts);
    // The cluster's name first: list files name the cluster by the first column.
    scalars.sort_by_key(|(k, _)| k != "cluster.name");
    let name = scalars[0].1.as_str().unwrap().to_string();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // Yes/no the way a spreadsheet user writes it.
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        other => other.to_string(),
    };
    let main = dir.join("clusters.csv");
    let mut w = csv::Writer::from_path(&main).unwrap();
    w.write_record(scalars.iter().map(|(k, _)| k.as_str()))
        .unwrap();
    w.write_record(scalars.iter().map(|(_, v)| text(v)))
        .unwrap();
    w.flush().unwrap();
    for (fact, items) in &lists {
        let items = items.as_array().unwrap();
        let mut fields: Vec<String> = Vec::new();
        for it in items {
            for k in it.as_object().unwrap().keys() {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
        }
        if fields.is_empty() {
            fields.push("date".into());
        }
        let mut w = csv::Writer::from_path(dir.join(format!("clusters.{fact}.csv"))).unwrap();
        let mut header = vec!["集群".to_string()];
        header.extend(fields.iter().cloned());
        w.write_record(&header).unwrap();
        if items.is_empty() {
            let mut row = vec![name.clone(), "无".into()];
            row.resize(header.len(), String::new());
            w.write_record(&row).unwrap();
        }
        for it in items {
            let mut row = vec![name.clone()];
            row.extend(fields.iter().map(|f| text(&it[f])));
            w.write_record(&row).unwrap();
        }
        w.flush().unwrap();
    }
    main
}

/// `policy check --format jsonl` of a facts path against the fixture `TABLES`, evaluated on
/// 2025-06-30: exit code, stdout, stderr.
fn jsonl_of_tables(facts: &Path) -> (i32, String, String) {
    run(&[
        "check",
        "--policy",
        TABLES,
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "--format",
        "jsonl",
    ])
}

/// The decisions of the one cluster of a batch run (`--format jsonl`).
fn jsonl_decisions(policy: &str, facts: &Path, as_of: &str) -> Value {
    let out = check_out(policy, facts, as_of, "jsonl");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    cut(&lines[0]["decisions"])
}

#[test]
fn csv_with_list_files_decides_as_the_json() {
    let mut eligible = 0;
    for (file, as_of) in json_examples() {
        let dir = tmp();
        let example = root().join("examples").join(&file);
        let facts = read_json(&example);
        let main = write_csvs(&facts, dir.path());
        let want = jsonl_decisions(SHANGHAI, &example, &as_of);
        assert_eq!(jsonl_decisions(SHANGHAI, &main, &as_of), want, "{file}");
        if want["article6.eligible"]["value"] == Value::Bool(true) {
            eligible += 1;
        }
    }
    // A CSV-only integrator reaches eligibility: Article 6 clause 1 needs the incidents.
    assert!(eligible >= 2, "{eligible} eligible examples");
}

#[test]
fn without_list_files_the_lists_are_unknown() {
    let dir = tmp();
    let example = root().join("examples/eligible-zhangjiang-biomed.json");
    let main = write_csvs(&read_json(&example), dir.path());
    std::fs::remove_file(dir.path().join("clusters.incidents.csv")).unwrap();
    let d = jsonl_decisions(SHANGHAI, &main, "2025-06-30");
    assert_eq!(d["article6.clause1"]["status"], "undetermined");
    assert_eq!(d["article6.eligible"]["status"], "undetermined");
}

#[test]
fn a_none_row_beside_records_refuses_the_cluster() {
    let dir = tmp();
    let example = root().join("examples/revoke-ground5-safety-accident-fengxian-chemicals.json");
    let facts = read_json(&example);
    let main = write_csvs(&facts, dir.path());
    let list = dir.path().join("clusters.incidents.csv");
    let mut text = std::fs::read_to_string(&list).unwrap();
    let name = facts["cluster"]["name"].as_str().unwrap();
    let width = text.lines().next().unwrap().split(',').count();
    text.push_str(&format!("{name},无{}\n", ",".repeat(width - 2)));
    std::fs::write(&list, text).unwrap();
    let (code, out, err) = run(&[
        "check",
        "--policy",
        SHANGHAI,
        "--facts",
        main.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 7, "{out}{err}");
    assert!(err.contains("policy::facts::list_none_and_rows"), "{err}");
    assert!(out.contains("\"refused\""), "{out}");
}

/// Every example facts file validates against the schema of its rule set, with a real
/// validator; wrong files are rejected.
#[test]
fn examples_validate_against_the_schema_and_wrong_files_do_not() {
    let sets: Vec<(&str, Vec<PathBuf>)> = vec![
        (
            SHANGHAI,
            json_examples()
                .iter()
                .map(|(f, _)| root().join("examples").join(f))
                .collect(),
        ),
        (
            "examples/national-and-shanghai",
            vec![root().join("examples/national-and-shanghai/cases/facts/base.json")],
        ),
        (
            "examples/versions",
            vec![root().join("examples/versions/cases/facts/base.json")],
        ),
    ];
    for (policy, files) in sets {
        let schema = schema_of(policy);
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("urn:facts", schema.clone()).unwrap();
        let index = compiler.compile("urn:facts", &mut schemas).unwrap();
        for f in files {
            let facts = read_json(&f);
            if let Err(e) = schemas.validate(&facts, index) {
                panic!("{} does not validate: {e:#}", f.display());
            }
        }
        if policy != SHANGHAI {
            continue;
        }
        let good = read_json(&root().join("examples/eligible-zhangjiang-biomed.json"));
        let wrong = [
            ("land_area", serde_json::json!(true)),
            ("land_area", serde_json::json!("twelve")),
            ("output_value", serde_json::json!({"last year": 3})),
            ("industrial_policy_compliant", serde_json::json!("yes")),
            (
                "incidents",
                serde_json::json!([{"date": "2024-01-01", "category": "fire"}]),
            ),
            ("incidents", serde_json::json!([{"category": "safety"}])),
            ("land_aera", serde_json::json!(12.6)),
            ("recognition", serde_json::json!({"date": 20240101})),
        ];
        for (k, v) in wrong {
            let mut bad = good.clone();
            bad[k] = v.clone();
            assert!(
                schemas.validate(&bad, index).is_err(),
                "`{k}: {v}` should not validate"
            );
        }
        // Labels are accepted for categories, texts with units for quantities, null for
        // anything (unknown), and the nested form of dotted facts.
        let mut ok = good.clone();
        ok["land_area"] = serde_json::json!("12.6平方公里");
        ok["incidents"] =
            serde_json::json!([{"date": "2024-01-01", "category": "安全事故", "severity": null}]);
        ok["output_value"] = serde_json::json!({"2024": "55.3亿元", "2023": null});
        ok["sme_employees"] = Value::Null;
        schemas.validate(&ok, index).unwrap();
    }
}

#[test]
fn templates_list_every_fact_with_the_windows_years() {
    let dir = tmp();
    let json = dir.path().join("t.json");
    template(SHANGHAI, "json", "2025-06-30", &json);
    let j = read_json(&json);
    assert_eq!(j["land_area"], Value::Null);
    assert_eq!(
        j["output_value"],
        serde_json::json!({"2022": null, "2023": null, "2024": null})
    );
    // A blank template is a facts file: every fact unknown, nothing refused.
    let (code, out, err) = run(&[
        "check",
        "--policy",
        SHANGHAI,
        "--facts",
        json.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"undetermined\""));
    let yaml = dir.path().join("t.yaml");
    template(SHANGHAI, "yaml", "2026-03-01", &yaml);
    let y = std::fs::read_to_string(&yaml).unwrap();
    assert!(
        y.contains("# 占地面积 · 数值（平方公里） · 用于 第六条（二）"),
        "{y}"
    );
    assert!(
        y.contains("output_value:\n  \"2023\":\n  \"2024\":\n  \"2025\":\n"),
        "{y}"
    );
    let (code, _, err) = run(&[
        "check",
        "--policy",
        SHANGHAI,
        "--facts",
        yaml.to_str().unwrap(),
        "--as-of",
        "2026-03-01",
    ]);
    assert_eq!(code, 0, "{err}");
    // The workbook: labels over keys, notes, dropdowns of category labels.
    let xlsx = dir.path().join("t.xlsx");
    template(SHANGHAI, "xlsx", "2025-06-30", &xlsx);
    let sheets = template_sheets(&xlsx);
    let (main, labels, keys) = &sheets[0];
    assert_eq!(main, "集群");
    assert_eq!(keys[0], "cluster.name");
    assert_eq!(labels[0], "集群名称");
    assert!(keys.contains(&"output_value.2024".to_string()));
    assert!(
        labels.contains(&"集群总产值 2024年（亿元）".to_string()),
        "{labels:?}"
    );
    assert!(!keys.contains(&"incidents".to_string()));
    let incidents = sheets
        .iter()
        .find(|(_, _, k)| k.contains(&"severity".to_string()));
    let (_, il, ik) = incidents.expect("a sheet for incidents");
    assert_eq!(ik[0], "cluster");
    assert_eq!(il[0], "集群");
    let raw = unzip_sheet(&xlsx, "xl/worksheets/sheet2.xml");
    assert!(raw.contains("<dataValidation"), "{raw}");
    assert!(raw.contains("安全事故"), "a dropdown of category labels");
}

/// One part of a workbook, as text.
fn unzip_sheet(path: &Path, part: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(part).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// A workbook of clusters: the header rows and `rows`.
fn workbook(path: &Path, header: &[&str], rows: &[Vec<Value>]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            put(ws, r as u32 + 1, c as u16, v);
        }
    }
    wb.save(path).unwrap();
}

fn check(path: &Path, format: &str) -> (i32, String, String) {
    run(&[
        "check",
        "--policy",
        SHANGHAI,
        "--facts",
        path.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "--format",
        format,
    ])
}

#[test]
fn labels_alone_name_the_columns_and_many_rows_are_a_batch() {
    let dir = tmp();
    let p = dir.path().join("clusters.xlsx");
    workbook(
        &p,
        &[
            "集群名称",
            "占地面积（平方公里）",
            "集群总产值 2024年（亿元）",
            "no_such_fact",
        ],
        &[
            vec![
                "甲".into(),
                serde_json::json!(28.4),
                serde_json::json!(31.5),
                "x".into(),
            ],
            vec![
                "乙".into(),
                "28.4平方公里".into(),
                serde_json::json!(12),
                Value::Null,
            ],
            vec![
                "丙".into(),
                Value::Null,
                serde_json::json!(0.1),
                Value::Null,
            ],
        ],
    );
    let (code, out, err) = check(&p, "jsonl");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no_such_fact"),
        "the unknown column is warned about: {err}"
    );
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["source"]["line"], 3, "the sheet's row number");
    // The human summary of a batch.
    let (code, out, _) = check(&p, "human");
    assert_eq!(code, 0);
    assert!(out.contains("甲") && out.contains("丙"), "{out}");
}

#[test]
fn cells_that_cannot_be_read_are_placed_and_the_run_goes_on() {
    let dir = tmp();
    let p = dir.path().join("bad.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("集群").unwrap();
    for (c, h) in [
        "cluster.name",
        "land_area",
        "champion_or_little_giant_count",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "算出来的").unwrap();
    ws.write_number(1, 1, 0.1 + 0.2).unwrap();
    ws.write_string(2, 0, "错误值").unwrap();
    ws.write_formula(
        2,
        2,
        rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    ws.write_string(3, 0, "好的").unwrap();
    ws.write_number(3, 1, 12.5).unwrap();
    ws.write_string(4, 0, "文本日期").unwrap();
    ws.write_string(4, 1, "12.5平方公里").unwrap();
    // A formula saved without its value (as programs that do not compute write it).
    ws.set_formula_result_default("");
    ws.write_string(5, 0, "没有结果的公式").unwrap();
    ws.write_formula(5, 1, "=A1*2").unwrap();
    wb.save(&p).unwrap();
    let (code, out, err) = check(&p, "jsonl");
    assert_eq!(code, 7, "{out}{err}");
    assert!(err.contains("policy::facts::too_precise"), "{err}");
    assert!(err.contains("集群!B2"), "{err}");
    assert!(err.contains("0.30000000000000004"), "{err}");
    assert!(err.contains("集群!C3"), "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0]["refused"].is_array());
    assert_eq!(lines[0]["refused"][0]["field"], "集群!B2");
    assert_eq!(lines[0]["refused"][0]["line"], 2);
    assert!(lines[1]["refused"].is_array());
    assert!(lines[2]["decisions"].is_object());
    assert!(lines[3]["decisions"].is_object());
    // The formula's fact is unknown, with a warning; the cluster is read.
    assert!(
        err.contains("policy::facts::formula_without_value") && err.contains("集群!B6"),
        "{err}"
    );
    assert_eq!(
        lines[4]["decisions"]["article6.clause2"]["status"],
        "undetermined"
    );
}

#[test]
fn hostile_workbooks_are_refused_with_a_diagnostic() {
    let dir = tmp();
    // Not a workbook at all.
    let p = dir.path().join("text.xlsx");
    std::fs::write(&p, "cluster.name,land_area\n甲,1\n").unwrap();
    let (code, _, err) = check(&p, "jsonl");
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("policy::facts::xlsx") && err.contains("not an .xlsx workbook"),
        "{err}"
    );
    // An old .xls (an OLE file).
    let p = dir.path().join("old.xlsx");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    std::fs::write(&p, ole).unwrap();
    let (code, _, err) = check(&p, "jsonl");
    assert_eq!(code, 3);
    assert!(err.contains(".xls"), "{err}");
    // A cell far to the right (16,384 columns wide) or far below.
    for (r, c) in [(1u32, 16_383u16), (900_000, 0)] {
        let p = dir.path().join(format!("wide-{r}.xlsx"));
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "cluster.name").unwrap();
        ws.write_string(r, c, "x").unwrap();
        wb.save(&p).unwrap();
        let (code, _, err) = check(&p, "jsonl");
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("policy::io::too_large"), "{err}");
    }
    // A zip whose parts claim to unpack to gigabytes (a zip bomb's shape).
    let p = dir.path().join("bomb.xlsx");
    std::fs::write(&p, bomb()).unwrap();
    let (code, _, err) = check(&p, "jsonl");
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("policy::io::too_large") && err.contains("unpacks to"),
        "{err}"
    );
}

/// A small zip whose central directory says its part unpacks to 4 GiB.
fn bomb() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("xl/workbook.xml", opts).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        z.finish().unwrap();
    }
    let mut bytes = buf.into_inner();
    let at = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    // The uncompressed size of the central directory entry.
    bytes[at + 24..at + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    bytes
}

#[test]
fn a_gbk_csv_is_refused_with_how_to_save_utf8() {
    let dir = tmp();
    let p = dir.path().join("gbk.csv");
    // “集群名称” in GBK.
    let mut bytes = vec![0xbc, 0xaf, 0xc8, 0xba, 0xc3, 0xfb, 0xb3, 0xc6];
    bytes.extend_from_slice(b",land_area\n");
    bytes.extend_from_slice(&[0xbc, 0xd7]);
    bytes.extend_from_slice(b",1\n");
    std::fs::write(&p, bytes).unwrap();
    let (code, _, err) = check(&p, "jsonl");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("policy::io::not_utf8"), "{err}");
    assert!(err.contains("GBK") && err.contains("CSV UTF-8"), "{err}");
}

const TABLES: &str = "tests/fixtures/tables";

/// The fixture without a text fact: the template's first column is `集群` (`cluster`), and
/// the list's `date or none` field left empty is the known `none`, not unknown.
#[test]
fn a_rule_set_without_a_text_fact_names_clusters_in_a_column_of_its_own() {
    let dir = tmp();
    let tpl = dir.path().join("t.xlsx");
    template(TABLES, "xlsx", "2025-06-30", &tpl);
    let sheets = template_sheets(&tpl);
    let (_, labels, keys) = &sheets[0];
    assert_eq!(
        keys,
        &[
            "cluster",
            "floor_area",
            "output.2023",
            "output.2024",
            "licensed"
        ]
    );
    assert_eq!(labels[0], "集群");
    assert_eq!(labels[1], "厂房面积（平方米）");
    let (name, _, ikeys) = &sheets[1];
    assert_eq!(name, "检查记录");
    assert_eq!(ikeys, &["cluster", "date", "result", "fixed_on"]);

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("集群").unwrap();
    for (c, (l, k)) in labels.iter().zip(keys).enumerate() {
        ws.write_string(0, c as u16, l).unwrap();
        ws.write_string(1, c as u16, k).unwrap();
    }
    let rows = [
        ("A", 1200.0, "是"),
        ("B", 500.0, "是"),
        ("C", 1200.0, "是"),
        ("D", 1200.0, "是"),
    ];
    for (r, (n, area, lic)) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        ws.write_string(r, 0, *n).unwrap();
        ws.write_number(r, 1, *area).unwrap();
        ws.write_number(r, 2, 150.0).unwrap();
        ws.write_string(r, 3, "1500000元").unwrap();
        ws.write_string(r, 4, *lic).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.set_name("inspections").unwrap();
    let list = [
        ["集群", "检查日期", "结果", "整改完成日期"],
        ["A", "2024/3/1", "不合格", "2024年4月2日"],
        ["A", "2024-06-01", "合格", ""],
        ["B", "无", "", ""],
        ["D", "2024-03-01", "fail", ""],
        ["E", "2024-03-01", "fail", ""],
    ];
    for (r, row) in list.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let p = dir.path().join("clusters.xlsx");
    wb.save(&p).unwrap();
    let (code, out, err) = jsonl_of_tables(&p);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("policy::facts::list_unmatched") && err.contains("`E`"),
        "{err}"
    );
    let got: Vec<(Value, Value)> = out
        .lines()
        .map(|l| {
            let j: Value = serde_json::from_str(l).unwrap();
            (
                j["decisions"]["article1.clause2"]["value"].clone(),
                j["decisions"]["article1.eligible"]["value"].clone(),
            )
        })
        .collect();
    use serde_json::json;
    assert_eq!(
        got,
        vec![
            (json!(true), json!(true)),   // A: the failed inspection was fixed
            (json!(true), json!(false)),  // B: none, but too small
            (Value::Null, Value::Null),   // C: no row: unknown
            (json!(false), json!(false)), // D: not fixed (an empty `date or none` is none)
        ]
    );

    // The same as CSV files, and the schema takes the JSON form of cluster A.
    let csv_dir = tmp();
    let main = csv_dir.path().join("c.csv");
    std::fs::write(
        &main,
        "集群,厂房面积（平方米）,产值 2023年（万元）,output.2024,licensed\nA,1200,150,150,true\nC,1200,150,150,是\n",
    )
    .unwrap();
    std::fs::write(
        csv_dir.path().join("c.inspections.csv"),
        "cluster,date,result,fixed_on\nA,2024-03-01,fail,2024-04-02\n",
    )
    .unwrap();
    let (code, out, err) = jsonl_of_tables(&main);
    assert_eq!(code, 0, "{err}");
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["decisions"]["article1.eligible"]["value"], true,
        "{out}"
    );
    let second: Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        second["decisions"]["article1.eligible"]["status"],
        "undetermined"
    );
    // A name given twice cannot take the list rows: the later row is refused.
    let mut text = std::fs::read_to_string(&main).unwrap();
    text.push_str("A,1200,150,150,是\n");
    std::fs::write(&main, text).unwrap();
    let (code, out, err) = jsonl_of_tables(&main);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("policy::facts::duplicate_cluster") && err.contains("line 2"),
        "{err}"
    );
    assert!(out.lines().nth(2).unwrap().contains("\"refused\""), "{out}");

    let schema = schema_of(TABLES);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("urn:t", schema).unwrap();
    let index = compiler.compile("urn:t", &mut schemas).unwrap();
    let a = json!({"floor_area": 1200, "output": {"2023": 150, "2024": "150万元"}, "licensed": true,
        "inspections": [{"date": "2024-03-01", "result": "不合格", "fixed_on": null}]});
    schemas.validate(&a, index).unwrap();
    let bad = json!({"inspections": [{"date": "2024-03-01", "result": "bad"}]});
    assert!(schemas.validate(&bad, index).is_err());
}

/// A template that cannot be written is a diagnostic in the user's language, and nothing
/// is left behind; without `--as-of` a note says which years were asked for.
#[test]
fn a_template_that_cannot_be_written_is_reported() {
    let dir = tmp();
    let out = dir.path().join("no-such-folder").join("模板.json");
    let (code, stdout, err) = run(&[
        "--lang",
        "zh",
        "template",
        "--policy",
        common::RULES,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 5, "{err}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(err.contains("policy::io::output"), "{err}");
    assert!(err.contains("无法写入"), "{err}");
    assert!(err.contains("年份按评估日期"), "{err}");
    assert!(!out.exists());
}
