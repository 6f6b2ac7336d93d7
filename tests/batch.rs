//! Batch checking end to end, through the real binary: a directory, a JSON Lines file
//! and a CSV file of generated clusters, each with one corrupted record; the order of
//! the output with several threads; the summary's counts; snapshots of a small fixture.

mod common;

use common::*;
use serde_json::Value as J;
use std::path::PathBuf;

const AS_OF: &str = "2025-06-30";
const N: usize = 200;

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("policy-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn generate(format: &str, out: &std::path::Path) {
    let (code, _, stderr) = run(&[
        "generate",
        "--policy",
        RULES,
        "--count",
        &N.to_string(),
        "--seed",
        "42",
        "--as-of",
        AS_OF,
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
}

fn check_jsonl(facts: &str, jobs: &str) -> (i32, Vec<J>, J, String) {
    let (code, stdout, stderr) = run(&[
        "check", "--policy", RULES, "--facts", facts, "--as-of", AS_OF, "--format", "jsonl",
        "--jobs", jobs,
    ]);
    let lines: Vec<J> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect();
    let summary = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<J>(l).ok())
        .find(|j| j.get("summary").is_some())
        .expect("a summary on stderr");
    (code, lines, summary["summary"].clone(), stderr)
}

/// The summary adds up: read + refused = records, and each decision's counts = read.
fn assert_summary_adds_up(summary: &J, records: usize, refused: usize, lines: &[J]) {
    assert_eq!(summary["records"], records);
    assert_eq!(summary["refused"], refused);
    assert_eq!(summary["read"], records - refused);
    let decided: Vec<&J> = lines
        .iter()
        .filter(|l| l.get("decisions").is_some())
        .collect();
    assert_eq!(decided.len(), records - refused);
    let decisions = summary["decisions"].as_object().unwrap();
    assert_eq!(decisions.len(), 19);
    for (name, counts) in decisions {
        let total: u64 = counts
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(total as usize, records - refused, "{name}");
        // The counts agree with the lines.
        for (value, n) in counts.as_object().unwrap() {
            let seen = decided
                .iter()
                .filter(|l| {
                    let d = &l["decisions"][name];
                    match d["status"].as_str().unwrap() {
                        "decided" => match &d["value"] {
                            J::Bool(b) => b.to_string() == *value,
                            J::String(s) if value == "decided" => !s.is_empty(),
                            J::String(s) => s == value,
                            _ => false,
                        },
                        other => other == value,
                    }
                })
                .count();
            assert_eq!(seen as u64, n.as_u64().unwrap(), "{name} = {value}");
        }
    }
}

#[test]
fn jsonl_file_with_a_corrupted_line() {
    let d = scratch("jsonl");
    let path = d.join("clusters.jsonl");
    generate("jsonl", &path);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), N);
    lines[56] = "{\"land_area\": 12.5, \"output_value\": {\"2024\": tru}}";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let (code, out, summary, stderr) = check_jsonl(path.to_str().unwrap(), "2");
    assert_eq!(code, 7, "some records were refused: {stderr}");
    assert_eq!(out.len(), N, "one line out per record in");
    for (i, l) in out.iter().enumerate() {
        assert_eq!(l["source"]["line"], i + 1, "input order");
    }
    let refused = &out[56]["refused"][0];
    assert_eq!(refused["code"], "policy::facts::syntax");
    assert_eq!(refused["line"], 57);
    assert!(stderr.contains("clusters.jsonl:57:"), "{stderr}");
    assert_summary_adds_up(&summary, N, 1, &out);
}

/// A line saved as GBK among UTF-8 lines: refused with its line, the lines around it read.
#[test]
fn jsonl_file_with_a_line_that_is_not_utf8() {
    let d = scratch("jsonl-gbk");
    let path = d.join("clusters.jsonl");
    generate("jsonl", &path);
    let text = std::fs::read(&path).unwrap();
    let mut lines: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    // “中” in GBK (0xd6 0xd0) in the cluster's name on line 12, and a byte that never
    // starts a character outside any string on line 30.
    let at = lines[11].iter().position(|b| *b == b'"').unwrap();
    let name = lines[11].iter().position(|b| *b >= 0x80).unwrap();
    assert!(name > at);
    lines[11].splice(name..name + 3, [0xd6, 0xd0]);
    lines[29].insert(1, 0xff);
    std::fs::write(&path, lines.join(&b'\n')).unwrap();

    let (code, out, summary, stderr) = check_jsonl(path.to_str().unwrap(), "1");
    assert_eq!(code, 7, "some records were refused: {stderr}");
    assert_eq!(out.len(), N, "one line out per record in");
    for (i, offset) in [(11, name), (29, 1)] {
        let refused = &out[i]["refused"][0];
        assert_eq!(refused["code"], "policy::io::not_utf8", "{}", out[i]);
        assert_eq!(refused["line"], i + 1);
        let msg = refused["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(&format!("offset {offset}")) || msg.contains(&format!("偏移 {offset}")),
            "{msg}"
        );
    }
    assert!(stderr.contains("clusters.jsonl:12:"), "{stderr}");
    assert!(stderr.contains("GBK"), "{stderr}");
    assert_summary_adds_up(&summary, N, 2, &out);
}

#[test]
fn csv_file_with_a_corrupted_row() {
    let d = scratch("csv");
    let path = d.join("clusters.csv");
    generate("csv", &path);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), N + 1, "a header and a row per cluster");
    let col = lines[0]
        .split(',')
        .position(|c| c == "high_energy_industry")
        .unwrap();
    let mut cells: Vec<String> = lines[10].split(',').map(str::to_string).collect();
    cells[col] = "maybe".into();
    lines[10] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let (code, out, summary, stderr) = check_jsonl(path.to_str().unwrap(), "2");
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(out.len(), N);
    for (i, l) in out.iter().enumerate() {
        assert_eq!(l["source"]["row"], i + 1, "input order");
        assert_eq!(l["source"]["line"], i + 2, "the header is line 1");
    }
    let refused = &out[9]["refused"][0];
    assert_eq!(refused["code"], "policy::facts::wrong_type");
    assert_eq!(refused["field"], "high_energy_industry");
    assert!(
        stderr.contains("clusters.csv:11 (row 10, column `high_energy_industry`)"),
        "{stderr}"
    );
    assert_summary_adds_up(&summary, N, 1, &out);
}

#[test]
fn directory_with_a_corrupted_file() {
    let d = scratch("dir");
    let dir = d.join("clusters");
    generate("dir", &dir);
    // Files that are not facts files are not records.
    std::fs::write(dir.join("README.txt"), "not a cluster").unwrap();
    let bad = dir.join("cluster-000003.json");
    std::fs::write(&bad, "{\n  \"land_area\": [1, 2]\n}\n").unwrap();

    let (code, out, summary, stderr) = check_jsonl(dir.to_str().unwrap(), "2");
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(out.len(), N);
    let files: Vec<String> = out
        .iter()
        .map(|l| l["source"]["file"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "files in name order");
    assert_eq!(out[3]["refused"][0]["line"], 2);
    assert!(stderr.contains("cluster-000003.json:2:16"), "{stderr}");
    assert_summary_adds_up(&summary, N, 1, &out);
}

#[test]
fn output_order_is_the_same_with_one_or_two_threads() {
    let d = scratch("order");
    let path = d.join("clusters.jsonl");
    generate("jsonl", &path);
    let p = path.to_str().unwrap();
    let one = run(&[
        "check", "--policy", RULES, "--facts", p, "--as-of", AS_OF, "--format", "jsonl", "--jobs",
        "1",
    ]);
    let two = run(&[
        "check", "--policy", RULES, "--facts", p, "--as-of", AS_OF, "--format", "jsonl", "--jobs",
        "2",
    ]);
    assert_eq!(one.0, 0, "{}", one.2);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
}

#[test]
fn generation_is_repeatable() {
    let a = run(&[
        "generate", "--policy", RULES, "--count", "20", "--seed", "9", "--as-of", AS_OF,
    ]);
    let b = run(&[
        "generate", "--policy", RULES, "--count", "20", "--seed", "9", "--as-of", AS_OF,
    ]);
    let c = run(&[
        "generate", "--policy", RULES, "--count", "20", "--seed", "10", "--as-of", AS_OF,
    ]);
    assert_eq!(a.1, b.1);
    assert_ne!(a.1, c.1);
    assert_eq!(a.1.lines().count(), 20);
}

/// The decisions of a jsonl line are those of `--format json`, for every example.
#[test]
fn jsonl_decisions_agree_with_the_json_format() {
    for (name, date) in example_dates() {
        let path = format!("examples/{name}");
        let (code, full, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let full: J = serde_json::from_str(&full).unwrap();
        let (code, line, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", &date, "--format", "jsonl",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let line: J = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(line["source"]["file"], path);
        let lean = line["decisions"].as_object().unwrap();
        let full = full["decisions"].as_object().unwrap();
        assert_eq!(
            lean.keys().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>()
        );
        for (k, v) in full {
            for field in ["value", "status", "missing"] {
                assert_eq!(lean[k][field], v[field], "{name}: {k}.{field}");
            }
        }
    }
}

#[test]
fn csv_header_with_a_list_fact_is_refused() {
    let d = scratch("csvlist");
    let path = d.join("bad.csv");
    std::fs::write(&path, "cluster.name,incidents,output_value\nx,[],1\n").unwrap();
    let (code, stdout, stderr) = run(&[
        "check",
        "--policy",
        RULES,
        "--facts",
        path.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("policy::facts::csv_list"), "{stderr}");
    assert!(stderr.contains("policy::facts::csv_series"), "{stderr}");
}

/// Snapshots of the small fixtures in both formats.
#[test]
fn fixtures() {
    for file in ["clusters.jsonl", "clusters.csv"] {
        let path = format!("tests/fixtures/batch/{file}");
        let input = std::fs::read_to_string(root().join(&path)).unwrap();
        for format in ["jsonl", "human"] {
            let (code, stdout, stderr) = run(&[
                "check", "--policy", RULES, "--facts", &path, "--as-of", AS_OF, "--format", format,
                "--jobs", "2",
            ]);
            let content = format!(
                "$ policy check --facts {path} --as-of {AS_OF} --format {format}\n\n── input: {path} ──\n{input}\n── output (exit {code}) ──\n{stdout}\n── stderr ──\n{stderr}"
            );
            insta::assert_snapshot!(format!("{file}.{format}"), content);
        }
        // The human report and the problems on stderr in Chinese (`--lang zh`).
        let (code, stdout, stderr) = run(&[
            "check", "--policy", RULES, "--facts", &path, "--as-of", AS_OF, "--jobs", "2",
            "--lang", "zh",
        ]);
        let content = format!(
            "$ policy check --facts {path} --as-of {AS_OF} --lang zh\n\n── input: {path} ──\n{input}\n── output (exit {code}) ──\n{stdout}\n── stderr ──\n{stderr}"
        );
        assert!(stdout.contains("已读取集群"), "{stdout}");
        assert!(!stderr.contains("error["), "{stderr}");
        insta::assert_snapshot!(format!("{file}.human.zh"), content);
    }
}

// ── Bounded input paths ─────────────────────────────────────────────────────────────
// Each test below is the regression of a hostile input that once took minutes, a lot of
// memory, or aborted. They assert the diagnostic and that the run completes (never a
// timing).

fn check_args<'a>(facts: &'a str, format: &'a str) -> Vec<&'a str> {
    vec![
        "check", "--policy", RULES, "--facts", facts, "--as-of", AS_OF, "--format", format,
    ]
}

/// How many lines of `text` carry the diagnostic `code`.
fn count(text: &str, code: &str) -> usize {
    text.lines().filter(|l| l.contains(code)).count()
}

#[test]
fn csv_header_of_100_000_columns() {
    let d = scratch("wide");
    let path = d.join("wide.csv");
    let n = 100_000;
    let header: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let mut text = header.join(",");
    text.push_str(",cluster.name,c7\n");
    text.push_str(&",".repeat(n + 1));
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let (code, _, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
    // The duplicate column is found (linear, with a map), and named with its first place.
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("column 100002 `c7` of the CSV header is given twice (first as column 8)"),
        "{stderr}"
    );
    // Without the duplicate: the unknown columns are listed 20 times, then counted.
    let mut text = header.join(",");
    text.push_str(",cluster.name\n");
    text.push_str(&",".repeat(n));
    text.push_str("甲\n");
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(
        count(&stderr, "policy::facts::unknown_fact"),
        21,
        "{stderr}"
    );
    assert!(
        stderr.contains("… and 99980 more columns that are not facts, not listed"),
        "{stderr}"
    );
}

#[test]
fn csv_lines_are_the_file_lines_after_blank_lines() {
    let d = scratch("blank");
    let path = d.join("blank.csv");
    std::fs::write(
        &path,
        "cluster.name,land_area\r\n\r\n\n甲,abc\n\n\"乙\n(two lines)\",x\n\n丙,2\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
    assert_eq!(code, 7, "{stderr}");
    let out: Vec<J> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let places: Vec<(u64, u64)> = out
        .iter()
        .map(|l| {
            (
                l["source"]["row"].as_u64().unwrap(),
                l["source"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, vec![(1, 4), (2, 6), (3, 9)]);
    assert_eq!(out[0]["refused"][0]["line"], 4);
    assert_eq!(out[1]["refused"][0]["line"], 6);
    assert!(
        stderr.contains("blank.csv:4 (row 1, column `land_area`)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("blank.csv:6 (row 2, column `land_area`)"),
        "{stderr}"
    );
}

#[test]
fn csv_cell_over_the_limit_is_refused_and_reading_goes_on() {
    let d = scratch("bigcell");
    let path = d.join("bigcell.csv");
    let mut text = String::from("cluster.name,land_area\n");
    text.push_str(&"a".repeat(3 << 20));
    text.push_str(",1\n\"");
    text.push_str(&"b\n".repeat(1 << 20));
    text.push_str("\",2\n乙,2\n");
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
    assert_eq!(code, 7, "{stderr}");
    let out: Vec<J> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 3, "two refused rows and one read");
    for (i, line) in [(0, 2), (1, 3)] {
        assert_eq!(out[i]["refused"][0]["code"], "policy::io::too_large");
        assert_eq!(out[i]["source"]["line"], line);
    }
    assert_eq!(out[2]["source"]["row"], 3);
    assert_eq!(out[2]["source"]["line"], 3 + (1 << 20) + 1);
    assert!(out[2].get("decisions").is_some());
    assert!(stderr.contains("longer than 1 MiB"), "{stderr}");
}

#[test]
fn jsonl_line_over_the_limit_is_refused_and_reading_goes_on() {
    let d = scratch("longline");
    let path = d.join("long.jsonl");
    let mut text = String::from("{\"land_area\": 1}\n{\"cluster.name\": \"");
    text.push_str(&"x".repeat(65 << 20));
    text.push_str("\"}\n\n{\"land_area\": 2}\n");
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
    assert_eq!(code, 7, "{stderr}");
    let out: Vec<J> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 3);
    assert_eq!(out[1]["refused"][0]["code"], "policy::io::too_large");
    assert_eq!(out[1]["source"]["line"], 2);
    assert_eq!(out[2]["source"]["line"], 4);
    assert!(out[2].get("decisions").is_some());
    assert!(stderr.len() < 10_000, "the long line is not printed");
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_without_being_opened() {
    let d = scratch("special");
    // Named as the input: a link to /dev/zero, a FIFO (opening it would wait for a writer).
    let zero = d.join("zero.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = d.join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let have_fifo = made.is_ok_and(|s| s.success());
    let mut named = vec![zero.clone()];
    if have_fifo {
        named.push(fifo.clone());
    }
    for path in &named {
        let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "jsonl"));
        assert_eq!(code, 5, "{stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("policy::io::not_a_file"), "{stderr}");
    }
    // In a folder: a FIFO, a link to a device, a folder and a file over the size limit
    // (sparse: its size is checked before reading) are refused records; the others read.
    let dir = d.join("clusters");
    std::fs::create_dir_all(dir.join("d.json")).unwrap();
    std::fs::write(dir.join("a.json"), "{\"land_area\": 1}").unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("b.json")).unwrap();
    let big = std::fs::File::create(dir.join("c.json")).unwrap();
    big.set_len((64 << 20) + 1).unwrap();
    if have_fifo {
        std::fs::rename(&fifo, dir.join("e.yaml")).unwrap();
    }
    let (code, stdout, stderr) = run(&check_args(dir.to_str().unwrap(), "jsonl"));
    assert_eq!(code, 7, "{stderr}");
    let out: Vec<J> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let codes: Vec<&str> = out
        .iter()
        .map(|l| l["refused"][0]["code"].as_str().unwrap_or("read"))
        .collect();
    let mut want = vec![
        "read",
        "policy::io::not_a_file",
        "policy::io::too_large",
        "policy::io::not_a_file",
    ];
    if have_fifo {
        want.push("policy::io::not_a_file");
    }
    assert_eq!(codes, want, "{stderr}");
}

#[test]
fn jobs_out_of_range_is_a_usage_error() {
    let path = "tests/fixtures/batch/clusters.jsonl";
    for jobs in ["0", "257", "65535"] {
        let mut args = check_args(path, "jsonl");
        args.extend(["--jobs", jobs]);
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "--jobs {jobs}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("1..=256"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let mut args = check_args(path, "jsonl");
    args.extend(["--jobs", "256"]);
    let (code, _, stderr) = run(&args);
    assert_eq!(code, 7, "the fixture has a refused record: {stderr}");
}

/// `policy check … | head`: when the reader closes the pipe, the run ends at once,
/// quietly, with exit 0.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    use std::io::Read as _;
    use std::process::{Command, Stdio};
    let d = scratch("pipe");
    let path = d.join("clusters.jsonl");
    let (code, _, stderr) = run(&[
        "generate",
        "--policy",
        RULES,
        "--count",
        "3000",
        "--seed",
        "5",
        "--as-of",
        AS_OF,
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    for format in ["jsonl", "human"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
            .env("LC_ALL", "C")
            .args(check_args(path.to_str().unwrap(), format))
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout); // like `head -c 100`
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(
            !stderr.contains("error") && !stderr.contains("summary"),
            "{format}: nothing said: {stderr}"
        );
    }
}

/// A cluster's name (or a message quoting the facts) cannot forge a line of the human
/// batch output.
#[test]
fn human_batch_lines_escape_control_characters() {
    let d = scratch("forge");
    let path = d.join("forge.jsonl");
    std::fs::write(
        &path,
        "{\"cluster\": {\"name\": \"甲\\nforged.jsonl:9  article6.eligible=true\"}}\n{\"land_area\": \"1\\u001b[31m亩\"}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&check_args(path.to_str().unwrap(), "human"));
    assert_eq!(code, 7, "{stderr}");
    assert!(!stdout.lines().any(|l| l.starts_with("forged")), "{stdout}");
    assert!(stdout.contains("甲\\nforged.jsonl:9"), "{stdout}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(stderr.contains("\\u{1b}[31m"), "{stderr}");
}

/// A misspelt fact is loud in every mode: a warning with its line, column and a
/// did-you-mean on stderr (human and JSON Lines), and in the record's JSON line.
#[test]
fn unknown_facts_are_reported_with_their_place_and_a_suggestion() {
    let d = scratch("typo");
    let folder = d.join("clusters");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("a.json"),
        "{\n  \"cluster\": {\"name\": \"甲\"},\n  \"outptu_value\": {\"2024\": 30}\n}\n",
    )
    .unwrap();
    let f = folder.to_str().unwrap();
    let expected = ":3:3: warning[policy::facts::unknown_fact]: unknown fact `outptu_value` (help: did you mean `output_value`?";
    for format in ["human", "jsonl"] {
        let (code, stdout, stderr) = run(&[
            "check", "--policy", RULES, "--facts", f, "--as-of", AS_OF, "--format", format,
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(expected), "{format}: {stderr}");
        if format == "jsonl" {
            let line: serde_json::Value =
                serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
            let w = &line["warnings"][0];
            assert_eq!(w["code"], "policy::facts::unknown_fact");
            assert_eq!(w["line"], 3);
            assert_eq!(w["column"], 3);
            assert!(
                w["help"].as_str().unwrap().contains("`output_value`"),
                "{w}"
            );
        }
    }
    // One cluster, JSON on stdout: the warning still goes to stderr.
    let (code, _, stderr) = run(&[
        "check",
        "--policy",
        RULES,
        "--facts",
        folder.join("a.json").to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(stderr.contains("unknown fact `outptu_value`"), "{stderr}");
    assert!(stderr.contains("did you mean `output_value`?"), "{stderr}");
}
