//! Benchmarks of the targets in BENCHMARKS.md: `cargo bench`.
//!
//! - `rules/load_and_check`: parse and check the shipped rule set.
//! - `facts/load_json_line`: read one generated cluster (a JSON line) into typed facts;
//!   `facts/load_json_line_full`: the same by the full reading (a spanned tree, then
//!   typing it), which `facts::load` keeps for what its quick reading cannot take.
//! - `evaluate/decisions_only` and `evaluate/explained`: one evaluation of the full
//!   rule set on loaded facts, without and with explanations;
//!   `evaluate/decisions_only_planned`: the same from a plan made once for the date
//!   (`eval::Plan`); `evaluate/decisions_alone`: the same without keeping each rule's
//!   result (`Plan::decisions`, as a batch's lines evaluate).
//! - `check/example_in_process`: everything `policy check` does for one example
//!   except starting the process: rules, facts, evaluation, human report.
//! - `batch/jsonl_10000`: `policy check --format jsonl` over 10,000 generated
//!   clusters, the real binary end to end.
//! - `batch/diff_10000`: `policy diff` (shipped rules against the national 2022
//!   revision) over the same 10,000 clusters, as a folder of facts files.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use policy::diag::Sources;
use policy::facts::{self, Format};
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;
use common::root;

/// The shipped rule files, as the command line reads them.
fn rule_files() -> Vec<(String, String)> {
    common::rule_files(&root().join("policies"))
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn benches(c: &mut Criterion) {
    let files = rule_files();
    c.bench_function("rules/load_and_check", |b| {
        b.iter(|| {
            let mut s = Sources::new();
            black_box(policy::load_rule_set(&mut s, files.clone()).is_ok())
        })
    });

    let mut sources = Sources::new();
    let rules = policy::load_rule_set(&mut sources, files.clone())
        .ok()
        .unwrap();
    let program = &rules.program;
    let example = root().join("examples/eligible-zhangjiang-biomed.json");
    let example_text = std::fs::read_to_string(&example).unwrap();
    let (example_facts, _) = facts::load(program, Format::Json, &example_text, 0).unwrap();
    let generator = policy::generate::Generator::new(program, as_of());
    let line = generator.cluster(1, 7).to_json();

    c.bench_function("facts/load_json_line", |b| {
        b.iter(|| black_box(facts::load(program, Format::Json, black_box(&line), 0).is_ok()))
    });
    // The same line by the full reading alone (a spanned tree, then typing it), which
    // `facts::load` uses only for what the quick reading cannot take.
    c.bench_function("facts/load_json_line_full", |b| {
        b.iter(|| {
            let tree = facts::raw::parse(Format::Json, black_box(&line)).unwrap();
            black_box(facts::load_tree(program, &tree, 0).is_ok())
        })
    });
    c.bench_function("evaluate/decisions_only", |b| {
        b.iter(|| {
            black_box(policy::eval::evaluate(
                program,
                &example_facts,
                as_of(),
                false,
            ))
        })
    });
    let plan = policy::eval::Plan::new(program, as_of(), false);
    c.bench_function("evaluate/decisions_only_planned", |b| {
        b.iter(|| black_box(plan.evaluate(black_box(&example_facts))))
    });
    c.bench_function("evaluate/decisions_alone", |b| {
        b.iter(|| black_box(plan.decisions(black_box(&example_facts))))
    });
    c.bench_function("evaluate/explained", |b| {
        b.iter(|| {
            black_box(policy::eval::evaluate(
                program,
                &example_facts,
                as_of(),
                true,
            ))
        })
    });
    c.bench_function("check/example_in_process", |b| {
        b.iter(|| {
            let mut s = Sources::new();
            let rules = policy::load_rule_set(&mut s, files.clone()).ok().unwrap();
            let fid = s.add(example.display().to_string(), example_text.clone());
            let (f, w) = facts::load(&rules.program, Format::Json, s.text(fid), fid).unwrap();
            let ev = policy::eval::evaluate(&rules.program, &f, as_of(), true);
            let report = policy::render::Report {
                program: &rules.program,
                evaluation: &ev,
                sources: &s,
                fact_warnings: &w,
            };
            black_box(policy::render::human::render(
                &report,
                policy::render::human::Style { color: false },
            ))
        })
    });

    // The 10,000-cluster batch, through the real binary.
    let dir = std::env::temp_dir().join(format!("policy-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("clusters-10000.jsonl");
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&generator.cluster(1, i).to_json());
        text.push('\n');
    }
    std::fs::write(&corpus, text).unwrap();
    let mut g = c.benchmark_group("batch");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(10_000));
    g.bench_function("jsonl_10000", |b| b.iter(|| run_batch(&corpus)));
    // `policy diff` of the shipped rules against the national 2022 revision over the
    // same clusters (one facts file each: diff reads files and folders).
    let folder = dir.join("clusters");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..10_000 {
        let text = generator.cluster(1, i).to_json();
        std::fs::write(folder.join(format!("cluster-{i:06}.json")), text).unwrap();
    }
    g.bench_function("diff_10000", |b| b.iter(|| run_diff(&folder)));
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_batch(corpus: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_policy"))
        .current_dir(root())
        .args([
            "check",
            "--format",
            "jsonl",
            "--as-of",
            "2025-06-30",
            "--facts",
        ])
        .arg(corpus)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn run_diff(folder: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_policy"))
        .current_dir(root())
        .args([
            "diff",
            "policies",
            "examples/revisions/national-2022",
            "--format",
            "json",
            "--as-of",
            "2025-06-30",
            "--facts",
        ])
        .arg(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

criterion_group!(all, benches);
criterion_main!(all);
