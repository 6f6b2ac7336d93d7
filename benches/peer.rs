//! The peer benchmark: the same Article 6 criteria, the same generated clusters, run by
//! `policy` and by regorus (the Rust implementation of OPA's Rego), side by side.
//!
//! ```sh
//! cargo bench --bench peer                # 20,000 clusters
//! PEER_CLUSTERS=100000 cargo bench --bench peer
//! PEER_POLICY=/path/to/policy cargo bench --bench peer   # a whole check with that binary
//! ```
//!
//! The criteria in Rego are `benches/peer/article6.rego`, written from
//! `policies/article06.policy` for the evaluation date 2025-06-30. Printed:
//!
//! - per cluster, reading the JSON line and deciding Article 6 (end to end), and deciding
//!   alone on facts already read, for each engine, with the ratio;
//! - one whole evaluation from nothing, each a process of its own: `policy check` on the
//!   example (the cached rule set in a folder of its own, warmed once, as a user's second
//!   run finds it), and this benchmark's executable started again to build a regorus engine,
//!   read the Rego file and the example and evaluate once; and the regorus part alone, in
//!   process;
//! - where the two disagree. Rego has no "undetermined": a criterion whose facts are
//!   missing or unusable is simply not true there, so `policy`'s undetermined is counted
//!   beside Rego's false. Every other disagreement is listed, and is a mistake of one side.
//!
//! Not a criterion benchmark (a single run over the corpus is already an average over
//! thousands of clusters); the numbers go to BENCHMARKS.md with the machine.

use chrono::NaiveDate;
use policy::diag::Sources;
use policy::eval::{DecisionResult, Status, Value};
use policy::facts::{self, Format};
use std::hint::black_box;
use std::time::Instant;

#[path = "../tests/common/mod.rs"]
mod common;
use common::root;

/// The shipped rule files, as the command line reads them.
fn rule_files() -> Vec<(String, String)> {
    common::rule_files(&root().join("policies"))
}

/// Met, not met, or undetermined (`None`).
fn outcome(d: &DecisionResult) -> Option<bool> {
    match (d.status, &d.value) {
        (Status::Decided, Some(Value::Bool(b))) => Some(*b),
        _ => None,
    }
}

fn per_cluster(total: std::time::Duration, n: usize) -> f64 {
    total.as_secs_f64() * 1e6 / n as f64
}

/// One Rego evaluation from nothing, in a process of its own: the child the benchmark
/// starts (`PEER_ONE_REGO=1`) to time regorus the way a user runs `policy check`.
fn one_rego_evaluation() {
    let rego = std::fs::read_to_string(root().join("benches/peer/article6.rego")).unwrap();
    let input =
        std::fs::read_to_string(root().join("examples/eligible-zhangjiang-biomed.json")).unwrap();
    let mut e = regorus::Engine::new();
    e.add_policy("article6.rego".into(), rego).unwrap();
    e.set_input_json(&input).unwrap();
    let v = e.eval_rule("data.article6.eligible".into()).unwrap();
    println!("{v}");
}

fn main() {
    if std::env::var_os("PEER_ONE_REGO").is_some() {
        return one_rego_evaluation();
    }
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let n: usize = std::env::var("PEER_CLUSTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();

    // The rule set with Article 6 alone (the header, units, facts and readings, and
    // article06.policy), so that both engines decide the same criteria; the whole rule
    // set is timed once more below, for comparison.
    let all_files = rule_files();
    let article6_files: Vec<(String, String)> = all_files
        .iter()
        .filter(|(name, _)| !name.contains("article") || name.ends_with("article06.policy"))
        .cloned()
        .collect();
    let mut sources = Sources::new();
    let rules = policy::load_rule_set(&mut sources, article6_files)
        .unwrap_or_else(|_| panic!("Article 6 and its declarations check"));
    let program = rules.at(as_of).expect("in force on 2025-06-30");
    let all_rules = policy::load_rule_set(&mut Sources::new(), all_files)
        .unwrap_or_else(|_| panic!("the shipped rule set checks"));
    let all_program = all_rules.at(as_of).expect("in force on 2025-06-30");
    let eligible = program
        .decisions
        .iter()
        .position(|d| d.name == "article6.eligible")
        .expect("a decision article6.eligible");
    let generator = policy::generate::Generator::new(all_program, as_of);
    let lines: Vec<String> = (0..n as u64)
        .map(|i| generator.cluster(1, i).to_json())
        .collect();

    let rego = std::fs::read_to_string(root().join("benches/peer/article6.rego")).unwrap();
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("article6.rego".into(), rego.clone())
        .expect("the Rego policy parses");
    let rule = "data.article6.eligible".to_string();

    // End to end: the JSON line in, the decision out.
    let t = Instant::now();
    let mut ours = Vec::with_capacity(n);
    for line in &lines {
        let status = match facts::load(program, Format::Json, line, 0) {
            Ok((f, _)) => {
                let e = policy::eval::evaluate(program, &f, as_of, false);
                outcome(&e.decisions[eligible])
            }
            Err(_) => None,
        };
        ours.push(status);
    }
    let policy_e2e = t.elapsed();

    let t = Instant::now();
    let mut theirs = Vec::with_capacity(n);
    for line in &lines {
        engine.set_input_json(line).expect("a JSON line");
        let v = engine.eval_rule(rule.clone()).expect("the rule evaluates");
        theirs.push(v == regorus::Value::from(true));
    }
    let rego_e2e = t.elapsed();

    // The same, every article of the rule set.
    let t = Instant::now();
    for line in &lines {
        if let Ok((f, _)) = facts::load(all_program, Format::Json, line, 0) {
            black_box(policy::eval::evaluate(all_program, &f, as_of, false));
        }
    }
    let policy_all = t.elapsed();

    // Deciding alone, on facts already read.
    let loaded: Vec<_> = lines
        .iter()
        .filter_map(|l| {
            facts::load(program, Format::Json, l, 0)
                .ok()
                .map(|(f, _)| f)
        })
        .collect();
    let t = Instant::now();
    for f in &loaded {
        black_box(policy::eval::evaluate(program, f, as_of, false));
    }
    let policy_eval = t.elapsed();
    let inputs: Vec<regorus::Value> = lines
        .iter()
        .map(|l| regorus::Value::from_json_str(l).expect("a JSON line"))
        .collect();
    let t = Instant::now();
    for v in &inputs {
        engine.set_input(v.clone());
        black_box(engine.eval_rule(rule.clone()).expect("the rule evaluates"));
    }
    let rego_eval = t.elapsed();

    // One whole evaluation from nothing.
    let example = root().join("examples/eligible-zhangjiang-biomed.json");
    let example_text = std::fs::read_to_string(&example).unwrap();
    let runs = 50;
    let t = Instant::now();
    for _ in 0..runs {
        let mut e = regorus::Engine::new();
        e.add_policy("article6.rego".into(), rego.clone()).unwrap();
        e.set_input_json(&example_text).unwrap();
        black_box(e.eval_rule(rule.clone()).unwrap());
    }
    let rego_once = t.elapsed() / runs;
    let cache = std::env::temp_dir().join(format!("policy-peer-cache-{}", std::process::id()));
    // The `policy` binary of this build, or another one named by PEER_POLICY (the binary
    // of a release archive, say).
    let binary = std::env::var_os("PEER_POLICY").map_or_else(
        || env!("CARGO_BIN_EXE_policy").into(),
        std::path::PathBuf::from,
    );
    let check = || {
        let out = std::process::Command::new(&binary)
            .args(["check", "--facts"])
            .arg(&example)
            .args(["--as-of", "2025-06-30"])
            .current_dir(root())
            .env("POLICY_CACHE_DIR", &cache)
            .output()
            .expect("policy runs");
        assert!(out.status.success());
    };
    check();
    let t = Instant::now();
    for _ in 0..runs {
        check();
    }
    let policy_once = t.elapsed() / runs;
    let rego_process = || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env("PEER_ONE_REGO", "1")
            .output()
            .expect("the benchmark runs itself");
        assert!(out.status.success() && out.stdout.starts_with(b"true"));
    };
    rego_process();
    let t = Instant::now();
    for _ in 0..runs {
        rego_process();
    }
    let rego_process_once = t.elapsed() / runs;
    let _ = std::fs::remove_dir_all(&cache);

    // Agreement.
    let mut table = [[0usize; 2]; 3];
    let mut disagree = Vec::new();
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let row = match o {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        table[row][usize::from(*t)] += 1;
        let same = o.unwrap_or(false) == *t;
        if !same && disagree.len() < 5 {
            disagree.push(i);
        }
    }

    let (pe, re) = (per_cluster(policy_e2e, n), per_cluster(rego_e2e, n));
    let (pv, rv) = (
        per_cluster(policy_eval, loaded.len()),
        per_cluster(rego_eval, n),
    );
    println!("peer benchmark: Article 6, {n} generated clusters (seed 1), as of 2025-06-30");
    println!(
        "{:<44} {:>12} {:>12} {:>8}",
        "", "policy", "regorus", "ratio"
    );
    println!(
        "{:<44} {:>9.2} µs {:>9.2} µs {:>7.1}×",
        "per cluster, JSON line to decision",
        pe,
        re,
        re / pe
    );
    println!(
        "{:<44} {:>9.2} µs {:>9.2} µs {:>7.1}×",
        "per cluster, deciding on facts already read",
        pv,
        rv,
        rv / pv
    );
    println!(
        "{:<44} {:>9.2} µs",
        "per cluster, JSON line to every decision",
        per_cluster(policy_all, n)
    );
    println!(
        "{:<44} {:>9.2} ms {:>9.2} ms {:>7.2}×",
        "one evaluation from nothing, a whole process",
        policy_once.as_secs_f64() * 1e3,
        rego_process_once.as_secs_f64() * 1e3,
        rego_process_once.as_secs_f64() / policy_once.as_secs_f64()
    );
    println!(
        "{:<44} {:>12} {:>9.2} ms",
        "one evaluation from nothing, in process",
        "",
        rego_once.as_secs_f64() * 1e3,
    );
    println!("agreement (rows: policy, columns: Rego):      false     true");
    for (name, row) in ["met", "not met", "undetermined"].iter().zip(table) {
        println!("  {name:<42} {:>8} {:>8}", row[0], row[1]);
    }
    if disagree.is_empty() {
        println!("no disagreement beyond undetermined (policy) read as false (Rego)");
    } else {
        println!("clusters where the two disagree (first five): {disagree:?}");
        for i in &disagree {
            println!("  {}", lines[*i]);
        }
    }
}
