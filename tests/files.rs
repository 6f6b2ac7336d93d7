//! Files on disk: nothing lost, nothing leaked, nothing hangs.
//!
//! - special files (a folder, a FIFO, a device, a link to nothing) named as a rule file,
//!   facts file, case file or `policy fmt` file are refused with a diagnostic, never
//!   skipped and never opened for reading (a FIFO would hang);
//! - `policy fmt` replaces a file atomically: killed at any moment, or run twice at
//!   once, it leaves the old text or the formatted text, never a part; it keeps the
//!   file's permissions and does not rewrite through a symbolic link;
//! - `policy check` running while `policy fmt` rewrites the rule files never exits 0
//!   with fewer decisions than the full set;
//! - a case file's `facts:` path cannot lead outside the case file's folder and the
//!   rule set's folder, and the file there is neither read nor shown.
//!
//! Everything runs the real binary in folders under the target directory.

#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    scratch_in("files", name)
}

/// A copy of the engine tests' rule files (without cases) in `dir/policy`.
fn rule_set(dir: &Path) -> PathBuf {
    copy_rules_into(dir, "policy")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_policy"))
        .env("LC_ALL", "C")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the policy binary runs")
}

/// Run `policy` in `dir`, failing the test if it has not finished after 60 s (a
/// command that opens a FIFO waits for ever).
fn run_bounded(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = spawn(dir, args);
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("`policy {}` hangs", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FACTS: &str = "examples/fails-output-threshold-songjiang-robotics.json";

/// The number of decisions `check` gives for the shipped facts example.
fn decisions(stdout: &str) -> usize {
    let j: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    j["decisions"].as_object().map_or(0, |d| d.len())
}

/// Puts a special file at a path.
type Make = Box<dyn Fn(&Path)>;

#[test]
fn special_rule_files_are_errors_not_skipped() {
    let facts = root().join(FACTS);
    let facts = facts.to_str().unwrap();
    let cases: Vec<(&str, &str, Make)> = vec![
        (
            "dangling",
            "policy::io::dangling_link",
            Box::new(|p: &Path| symlink(p.with_file_name("nowhere.policy"), p).unwrap()),
        ),
        (
            "folder",
            "policy::io::not_a_file",
            Box::new(|p: &Path| std::fs::create_dir(p).unwrap()),
        ),
        (
            "fifo",
            "policy::io::not_a_file",
            Box::new(|p: &Path| mkfifo(p)),
        ),
        (
            "device",
            "policy::io::not_a_file",
            Box::new(|p: &Path| symlink("/dev/zero", p).unwrap()),
        ),
    ];
    for (name, code, make) in cases {
        let dir = scratch(&format!("special-{name}"));
        let policy = rule_set(&dir);
        // In place of an article's file: before, the article's decisions vanished.
        std::fs::remove_file(policy.join("article06.policy")).unwrap();
        make(&policy.join("article06.policy"));
        let (exit, stdout, stderr) = run_bounded(
            &dir,
            &[
                "check",
                "--policy",
                "policy",
                "--facts",
                facts,
                "--as-of",
                "2025-06-30",
                "--format",
                "json",
            ],
        );
        assert_eq!(exit, 5, "{name}: {stdout}{stderr}");
        assert!(stderr.contains(code), "{name}: {stderr}");
        assert!(stderr.contains("article06.policy"), "{name}: {stderr}");
        assert!(stderr.contains("help:"), "{name}: {stderr}");
        assert!(
            stdout.is_empty(),
            "{name}: no decisions may be given: {stdout}"
        );
    }
}

#[test]
fn fifos_and_devices_named_anywhere_never_hang() {
    let dir = scratch("fifo-anywhere");
    let policy = rule_set(&dir);
    for f in [
        "f.json",
        "f.jsonl",
        "f.csv",
        "f.yaml",
        "case.yaml",
        "x.policy",
    ] {
        mkfifo(&dir.join(f));
    }
    std::fs::create_dir(dir.join("cases")).unwrap();
    mkfifo(&dir.join("cases/pipe.yaml"));
    mkfifo(&dir.join("pipe-dir"));
    // A facts folder whose dates file (as-of.txt) is a FIFO.
    std::fs::create_dir(dir.join("dated")).unwrap();
    std::fs::copy(root().join(FACTS), dir.join("dated/a.json")).unwrap();
    mkfifo(&dir.join("dated/as-of.txt"));
    let facts = root().join(FACTS);
    let facts = facts.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "f.json",
            "--as-of",
            "2025-06-30",
        ],
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "f.yaml",
            "--as-of",
            "2025-06-30",
        ],
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "f.jsonl",
            "--as-of",
            "2025-06-30",
        ],
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "f.csv",
            "--as-of",
            "2025-06-30",
        ],
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "f.json",
            "--as-of",
            "2025-06-30",
            "--format",
            "jsonl",
        ],
        vec![
            "check",
            "--policy",
            "policy",
            "--facts",
            "/dev/zero",
            "--as-of",
            "2025-06-30",
        ],
        vec![
            "check",
            "--policy",
            "pipe-dir",
            "--facts",
            facts,
            "--as-of",
            "2025-06-30",
        ],
        vec!["fmt", "x.policy"],
        vec!["fmt", "--check", "x.policy"],
        vec!["test", "--policy", "policy", "case.yaml"],
        vec!["test", "--policy", "policy", "cases"],
        vec![
            "diff",
            "policy",
            "policy",
            "--facts",
            "f.jsonl",
            "--as-of",
            "2025-06-30",
        ],
        vec!["diff", "policy", "policy", "--facts", "dated/a.json"],
    ];
    for args in runs {
        let (exit, stdout, stderr) = run_bounded(&dir, &args);
        let what = args.join(" ");
        assert_eq!(exit, 5, "`policy {what}`: {stdout}{stderr}");
        assert!(stderr.contains("policy::io"), "`policy {what}`: {stderr}");
        assert!(stderr.contains("help:"), "`policy {what}`: {stderr}");
    }
    let _ = policy;
}

/// An unformatted rule file that parses: Article 6 of the test rules with trailing blanks,
/// and `lines` lines of comments to make it large.
fn unformatted_article(lines: usize) -> String {
    let text = std::fs::read_to_string(root().join(RULES).join("article06.policy")).unwrap();
    let mut big = text;
    for i in 0..lines {
        big.push_str(&format!(
            "# 填充注释第{i}行：把规则文件变大，测试原子写入。\n"
        ));
    }
    big.replace('\n', "   \n")
}

/// `policy fmt`'s output for `text`, found by running it on a copy.
fn formatted(dir: &Path, text: &str) -> String {
    let p = dir.join("reference.policy");
    std::fs::write(&p, text).unwrap();
    let (code, _, stderr) = run_bounded(dir, &["fmt", "reference.policy"]);
    assert_eq!(code, 0, "{stderr}");
    let f = std::fs::read_to_string(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    assert_ne!(f, text);
    f
}

/// Write `text` to `path` atomically (so that only `policy fmt`'s writes are tested).
fn put(path: &Path, text: &str) {
    let tmp = path.with_extension("staging");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn fmt_killed_at_any_moment_leaves_the_old_or_the_new_text() {
    let dir = scratch("fmt-kill");
    let old = unformatted_article(6_000);
    let new = formatted(&dir, &old);
    let path = dir.join("big.policy");
    // How long a run takes, to spread the kills over it.
    put(&path, &old);
    let start = Instant::now();
    let (code, _, stderr) = run_bounded(&dir, &["fmt", "big.policy"]);
    assert_eq!(code, 0, "{stderr}");
    let took = start.elapsed();
    let mut outcomes = (0, 0);
    for k in 0..10u32 {
        put(&path, &old);
        let mut child = spawn(&dir, &["fmt", "big.policy"]);
        std::thread::sleep(took * k * 3 / 20);
        child.kill().ok();
        child.wait().ok();
        let now = std::fs::read_to_string(&path).unwrap();
        if now == old {
            outcomes.0 += 1;
        } else if now == new {
            outcomes.1 += 1;
        } else {
            panic!(
                "kill {k}: the file is neither the old nor the formatted text ({} bytes)",
                now.len()
            );
        }
    }
    // The temporary files of killed runs are never rule files.
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "big.policy" || !name.ends_with(".policy"),
            "a leftover named like a rule file: {name}"
        );
    }
    eprintln!(
        "kills: {} left the old text, {} the new",
        outcomes.0, outcomes.1
    );
}

/// A reader reading the file over and over while `policy fmt` rewrites it sees the old
/// text or the formatted text, never an empty or partial file (a write in place, which
/// truncates first, fails this in most runs).
#[test]
fn readers_never_see_a_partial_file() {
    let dir = scratch("fmt-read");
    let old = unformatted_article(8_000);
    let new = formatted(&dir, &old);
    let path = dir.join("big.policy");
    let mut reads = 0usize;
    for round in 0..6 {
        put(&path, &old);
        let mut child = spawn(&dir, &["fmt", "big.policy"]);
        loop {
            let done = child.try_wait().unwrap().is_some();
            let now = std::fs::read(&path).unwrap();
            reads += 1;
            assert!(
                now == old.as_bytes() || now == new.as_bytes(),
                "round {round}: a reader saw {} bytes, neither the old nor the formatted text",
                now.len()
            );
            if done {
                break;
            }
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), new);
    }
    eprintln!("{reads} reads, each the old or the new text");
}

#[test]
fn two_fmt_runs_at_once_never_corrupt_the_file() {
    let dir = scratch("fmt-twice");
    let old = unformatted_article(2_000);
    let new = formatted(&dir, &old);
    let path = dir.join("a.policy");
    for round in 0..8 {
        put(&path, &old);
        let a = spawn(&dir, &["fmt", "a.policy"]);
        let b = spawn(&dir, &["fmt", "a.policy"]);
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let code = out.status.code().unwrap_or(-1);
            let stderr = String::from_utf8_lossy(&out.stderr);
            // 0: it formatted the file (or found it formatted); 5: the other run
            // rewrote it meanwhile, and it said so.
            assert!(
                code == 0 || code == 5,
                "round {round}: exit {code}: {stderr}"
            );
            if code == 5 {
                assert!(stderr.contains("policy::fmt::changed"), "{stderr}");
            }
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            new,
            "round {round}"
        );
    }
}

#[test]
fn fmt_keeps_permissions_and_refuses_symlinks() {
    let dir = scratch("fmt-perms");
    let old = unformatted_article(0);
    let new = formatted(&dir, &old);
    let path = dir.join("a.policy");
    std::fs::write(&path, &old).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, stdout, stderr) = run_bounded(&dir, &["fmt", "a.policy"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("formatted a.policy"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    // A read-only file is not replaced (the folder being writable would allow the
    // rename). Only checkable where the tests do not run as root, who may write anyway.
    let ro = dir.join("ro.policy");
    std::fs::write(&ro, &old).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&ro).is_err() {
        let (code, _, stderr) = run_bounded(&dir, &["fmt", "ro.policy"]);
        assert_eq!(code, 5, "{stderr}");
        assert_eq!(std::fs::read_to_string(&ro).unwrap(), old);
    }

    // A link to an unformatted file: --check reads through it, fmt leaves both alone.
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    let target = dir.join("elsewhere/real.policy");
    std::fs::write(&target, &old).unwrap();
    symlink(&target, dir.join("link.policy")).unwrap();
    let (code, stdout, _) = run_bounded(&dir, &["fmt", "--check", "link.policy"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("link.policy (formatted)"), "{stdout}");
    let (code, _, stderr) = run_bounded(&dir, &["fmt", "link.policy"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("policy::fmt::symlink"), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), old);
    assert!(std::fs::symlink_metadata(dir.join("link.policy"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// `policy fmt` rewrites a large rule set's files over and over while `policy check`
/// reads the set: check never exits 0 with fewer decisions than the full set (before,
/// 3,458 of 9,393 runs did, without Article 6), and never finds a broken rule file.
#[test]
fn check_during_fmt_sees_the_whole_rule_set() {
    let dir = scratch("race");
    let policy = rule_set(&dir);
    let old = unformatted_article(3_000);
    let new = formatted(&dir, &old);
    put(&policy.join("article06.policy"), &new);
    let facts = root().join(FACTS);
    let facts = facts.to_str().unwrap().to_string();
    let check_args = [
        "check",
        "--policy",
        "policy",
        "--facts",
        &facts,
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ];
    let (code, stdout, stderr) = run_bounded(&dir, &check_args);
    assert_eq!(code, 0, "{stderr}");
    let full = decisions(&stdout);
    assert!(full >= 19, "{stdout}");

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, policy, done) = (dir.clone(), policy.clone(), done.clone());
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) && rounds < 500 {
                put(&policy.join("article06.policy"), &old);
                let (code, _, stderr) = run_bounded(&dir, &["fmt", "policy"]);
                assert_eq!(code, 0, "fmt: {stderr}");
                rounds += 1;
            }
            rounds
        })
    };
    let (mut ok, mut reread_refused) = (0, 0);
    for i in 0..30 {
        let (code, stdout, stderr) = run_bounded(&dir, &check_args);
        match code {
            0 => {
                let n = decisions(&stdout);
                assert_eq!(n, full, "run {i}: exit 0 with {n} of {full} decisions");
                ok += 1;
            }
            5 if stderr.contains("policy::io::changed") => reread_refused += 1,
            _ => panic!("run {i}: exit {code}: {stderr}"),
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = writer.join().unwrap();
    assert!(rounds > 0);
    eprintln!("{ok} checks complete, {reread_refused} refused as changing; {rounds} fmt rounds");
}

/// A rule set with its case suite in `dir/set`, and a file with a secret outside it.
fn case_layout(dir: &Path) -> (PathBuf, PathBuf) {
    let set = dir.join("set");
    let policy = rule_set(dir);
    std::fs::rename(&policy, &set).unwrap();
    std::fs::create_dir_all(set.join("cases/facts")).unwrap();
    std::fs::copy(
        root().join("examples/eligible-zhangjiang-biomed.json"),
        set.join("cases/facts/eligible.json"),
    )
    .unwrap();
    let outside = dir.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // Not valid JSON: if it were read, its line would be shown in the diagnostic.
    std::fs::write(
        outside.join("creds.json"),
        "{\"token\": SECRET-TOKEN-8841}\n",
    )
    .unwrap();
    (set, outside)
}

fn case_file(facts: &str) -> String {
    format!(
        "as_of: 2025-06-30\nfacts: {facts}\ncases:\n  - name: 读取事实文件\n    expect: {{article6.clause2: true}}\n"
    )
}

#[test]
fn case_facts_paths_stay_inside_the_rule_set() {
    let dir = scratch("case-paths");
    let (set, outside) = case_layout(&dir);
    symlink(
        outside.join("creds.json"),
        set.join("cases/facts/link.json"),
    )
    .unwrap();
    let absolute = outside.join("creds.json").display().to_string();
    let refused = [
        ("dotdot", "../../outside/creds.json".to_string()),
        ("absolute", absolute),
        ("link", "facts/link.json".to_string()),
        ("missing-outside", "../../outside/nowhere.json".to_string()),
    ];
    for (name, path) in &refused {
        let case = set.join(format!("cases/{name}.yaml"));
        std::fs::write(&case, case_file(path)).unwrap();
        let case = case.to_str().unwrap();
        let (code, stdout, stderr) = run_bounded(&dir, &["test", "--policy", "set", case]);
        assert_eq!(code, 6, "{name}: {stdout}{stderr}");
        assert!(
            stderr.contains("policy::test::facts_outside"),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("help:"), "{name}: {stderr}");
        assert!(
            !stdout.contains("SECRET") && !stderr.contains("SECRET"),
            "{name}: the outside file was shown:\n{stdout}{stderr}"
        );
        assert!(
            !stderr.contains("No such file"),
            "{name}: whether an outside file exists is not told: {stderr}"
        );
        std::fs::remove_file(case).unwrap();
    }
    // Inside, also by a `..` that stays in the rule set's folder.
    for (name, path) in [
        ("plain", "facts/eligible.json"),
        ("dotdot-inside", "../cases/facts/eligible.json"),
    ] {
        let case = set.join(format!("cases/{name}.yaml"));
        std::fs::write(&case, case_file(path)).unwrap();
        let case = case.to_str().unwrap();
        // --accept: a new case has no reviewed report yet; this stores it.
        let (code, stdout, stderr) =
            run_bounded(&dir, &["test", "--policy", "set", "--accept", case]);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        assert!(stdout.contains("1 passed"), "{name}: {stdout}");
        std::fs::remove_file(case).unwrap();
    }
}
