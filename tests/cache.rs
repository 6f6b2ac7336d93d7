//! The cached rule set (`src/cache.rs`, `src/cli/cache.rs`, README "The rule-set cache"): an entry
//! gives back exactly the programs that were checked; a damaged, foreign or stale entry is
//! never used; the command line reads and writes entries safely, also when runs race.

mod common;

use common::{root, rule_files, RULES};
use policy::diag::Sources;
use std::path::{Path, PathBuf};
use std::process::Command;

fn load(files: Vec<(String, String)>) -> policy::RuleSet {
    match policy::load_rule_set(&mut Sources::new(), files) {
        Ok(r) => r,
        Err(e) => panic!("the fixture does not check: {e:?}"),
    }
}

/// Everything a program holds, in a form that compares (the fact index sorted).
fn describe(p: &policy::ir::Program) -> String {
    let mut p = p.clone();
    let mut index: Vec<(String, usize)> = p.fact_index.drain().collect();
    index.sort();
    format!("{p:?}\n{index:?}")
}

fn describe_all(r: &policy::RuleSet) -> Vec<String> {
    r.programs().map(describe).collect()
}

/// The fixture rule sets of the engine tests, among them one with dated versions.
fn fixtures() -> Vec<Vec<(String, String)>> {
    [
        "tests/fixtures/shanghai",
        "tests/fixtures/versions",
        "tests/fixtures/structure",
    ]
    .iter()
    .map(|d| rule_files(&root().join(d)))
    .chain(std::iter::once(vec![(
        "aggregates.policy".to_string(),
        std::fs::read_to_string(root().join("tests/fixtures/aggregates/aggregates.policy"))
            .unwrap(),
    )]))
    .collect()
}

#[test]
fn an_entry_gives_back_the_programs_that_were_checked() {
    for files in fixtures() {
        let key = policy::cache::key(b"stamp", &files);
        let rules = load(files);
        let bytes = policy::cache::encode(&key, &rules).expect("a rule set without warnings");
        let back = policy::cache::decode(&key, &bytes).expect("the entry is whole");
        assert_eq!(describe_all(&back), describe_all(&rules));
        assert!(back.warnings.is_empty());
    }
}

#[test]
fn a_rule_set_with_warnings_is_not_cached() {
    let path = "tests/fixtures/rules/lint-unused-clause.policy";
    let files = vec![(
        path.to_string(),
        std::fs::read_to_string(root().join(path)).unwrap(),
    )];
    let rules = load(files.clone());
    assert!(!rules.warnings.is_empty(), "the fixture has a warning");
    assert!(policy::cache::encode(&policy::cache::key(b"s", &files), &rules).is_none());
}

#[test]
fn a_damaged_or_foreign_entry_is_refused() {
    let files = rule_files(&root().join(RULES));
    let key = policy::cache::key(b"stamp", &files);
    let bytes = policy::cache::encode(&key, &load(files.clone())).unwrap();
    assert!(policy::cache::decode(&key, &bytes).is_some());
    // Cut short anywhere.
    for len in (0..bytes.len()).step_by(97).chain([bytes.len() - 1]) {
        assert!(
            policy::cache::decode(&key, &bytes[..len]).is_none(),
            "cut at {len}"
        );
    }
    // One byte changed anywhere: the header, the key, the length, the digest, the contents.
    for at in (0..120).chain((120..bytes.len()).step_by(61)) {
        let mut b = bytes.clone();
        b[at] ^= 0x20;
        assert!(
            policy::cache::decode(&key, &b).is_none(),
            "byte {at} changed"
        );
    }
    // A byte too many.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(policy::cache::decode(&key, &longer).is_none());
    // Whole, but written for other files or by another build.
    let other = policy::cache::key(b"another stamp", &files);
    assert!(policy::cache::decode(&other, &bytes).is_none());
}

#[test]
fn the_key_changes_with_every_name_text_order_and_stamp() {
    let f = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let base = f(&[("a.policy", "x"), ("b.policy", "y")]);
    let keys = [
        policy::cache::key(b"1", &base),
        policy::cache::key(b"2", &base),
        policy::cache::key(b"1", &f(&[("b.policy", "y"), ("a.policy", "x")])),
        policy::cache::key(b"1", &f(&[("a.policy", "x "), ("b.policy", "y")])),
        policy::cache::key(b"1", &f(&[("c.policy", "x"), ("b.policy", "y")])),
        // The same bytes cut in other places.
        policy::cache::key(b"1", &f(&[("a.policyx", ""), ("b.policy", "y")])),
        policy::cache::key(b"1", &f(&[("a.policy", "x"), ("b.policy", "y"), ("", "")])),
        policy::cache::key(b"", &f(&[("1a.policy", "x"), ("b.policy", "y")])),
    ];
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_eq!(keys[0], policy::cache::key(b"1", &base));
    assert_eq!(policy::cache::key_hex(&keys[0]).len(), 64);
}

// ── the command line ────────────────────────────────────────────────────────────

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("cache", name)
}

/// Copy the engine tests' rule set into `dir/rules`.
fn copy_rules(dir: &Path) -> PathBuf {
    common::copy_rules_into(dir, "rules")
}

/// `policy` run from the project root with the cache in `cache` (a path, or `off`), plain
/// and in the C locale.
fn policy(cache: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_policy"));
    c.current_dir(root())
        .env("POLICY_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C");
    c
}

/// `policy check` of the Zhangjiang example against `rules`, as of 2025-06-30, with
/// `extra` arguments.
fn check_command(rules: &Path, cache: impl AsRef<std::ffi::OsStr>, extra: &[&str]) -> Command {
    let mut c = policy(cache);
    c.args(["check", "--policy"])
        .arg(rules)
        .args(["--facts", "examples/eligible-zhangjiang-biomed.json"])
        .args(["--as-of", "2025-06-30"])
        .args(extra);
    c
}

/// (exit code, stdout, stderr) of a finished run.
fn outcome(out: std::process::Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `policy check` in `format`; (exit code, stdout, stderr).
fn check(rules: &Path, cache: &str, format: &str) -> (i32, String, String) {
    outcome(
        check_command(rules, cache, &["--format", format])
            .output()
            .unwrap(),
    )
}

/// A test's scratch folder with a copy of the engine rules in `rules/`; its cache goes in
/// `cache/`.
struct Setup {
    rules: PathBuf,
    cache: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Setup {
        let dir = scratch(name);
        Setup {
            rules: copy_rules(&dir),
            cache: dir.join("cache"),
        }
    }
}

/// Article 6 with an output threshold of 35 亿元 instead of 30, in the rule and in the
/// words of the measures alike (so that the rule set has no warning, and is cached).
fn raise_threshold(text: &str) -> String {
    text.replace("= 30 亿元", "= 35 亿元")
        .replace("30亿元", "35亿元")
}

/// A whole entry, under the key of the entry at `path`, of the engine tests' rule set
/// with an output threshold of 35 亿元: what someone could put in the rule files' place.
fn planted_entry(path: &Path) -> Vec<u8> {
    let entry = std::fs::read(path).unwrap();
    let key: [u8; 32] = entry[16..48].try_into().unwrap();
    let mut files = rule_files(&root().join(RULES));
    let art6 = files
        .iter_mut()
        .find(|(n, _)| n.ends_with("article06.policy"))
        .unwrap();
    assert!(art6.1.contains("= 30 亿元"));
    art6.1 = raise_threshold(&art6.1);
    policy::cache::encode(&key, &load(files)).unwrap()
}

/// Whether the file is a whole entry (its bytes need not repeat: the fact index is a hash
/// map, written in its own order).
fn is_whole_entry(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.len() > 48 && policy::cache::decode(&bytes[16..48].try_into().unwrap(), &bytes).is_some()
}

/// The entries in a cache folder, and the other files in it.
fn entries(cache: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut all: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    all.sort();
    all.into_iter()
        .partition(|p| p.extension().is_some_and(|x| x == "rules"))
}

#[test]
fn a_second_run_reads_the_entry_and_answers_the_same() {
    let Setup { rules, cache } = Setup::new("second-run");
    let c = cache.to_str().unwrap();
    let uncached = check(&rules, "off", "json");
    assert_eq!(uncached.0, 0, "{}", uncached.2);
    assert!(!cache.exists(), "`off` writes nothing");
    let first = check(&rules, c, "json");
    let (written, other) = entries(&cache);
    assert_eq!(written.len(), 1, "one entry: {written:?}");
    assert!(other.is_empty(), "no temporary file is left: {other:?}");
    let entry = std::fs::read(&written[0]).unwrap();
    assert!(is_whole_entry(&written[0]));
    let second = check(&rules, c, "json");
    assert_eq!(first, uncached);
    assert_eq!(second, uncached);
    assert!(
        std::fs::read(&written[0]).unwrap() == entry,
        "a hit writes nothing"
    );
    // The human report too, in both languages.
    for lang in ["en", "zh"] {
        let run = |cache: &str| {
            outcome(
                check_command(&rules, cache, &["--lang", lang])
                    .output()
                    .unwrap(),
            )
        };
        assert_eq!(run(c), run("off"));
    }
}

#[test]
fn an_entry_that_is_whole_is_used_as_it_is() {
    // The entry of the rule files is replaced by a whole entry, under the same key, of a
    // rule set whose output threshold is 35 亿元: the run answers from the entry, which
    // shows that the rule files were not read again.
    let Setup { rules, cache } = Setup::new("used");
    let c = cache.to_str().unwrap();
    let (code, before, _) = check(&rules, c, "json");
    assert_eq!(code, 0);
    let (written, _) = entries(&cache);
    std::fs::write(&written[0], planted_entry(&written[0])).unwrap();
    let (_, after, _) = check(&rules, c, "json");
    assert_ne!(after, before);
    assert!(after.contains("\"35\""), "{after}");
}

#[test]
fn a_changed_rule_file_is_checked_again() {
    let Setup { rules, cache } = Setup::new("changed");
    let c = cache.to_str().unwrap();
    let (_, before, _) = check(&rules, c, "json");
    let art6 = rules.join("article06.policy");
    let text = std::fs::read_to_string(&art6).unwrap();
    std::fs::write(&art6, raise_threshold(&text)).unwrap();
    let after = check(&rules, c, "json");
    assert_eq!(after, check(&rules, "off", "json"));
    assert_ne!(after.1, before);
    assert_eq!(entries(&cache).0.len(), 2);
    // A broken rule file is reported, never answered from an older entry.
    std::fs::write(&art6, format!("{text}\n}}\n")).unwrap();
    let broken = check(&rules, c, "json");
    assert_eq!(broken, check(&rules, "off", "json"));
    assert_ne!(broken.0, 0);
}

#[test]
fn a_damaged_entry_is_checked_again_and_written_whole() {
    let Setup { rules, cache } = Setup::new("damaged");
    let c = cache.to_str().unwrap();
    let good = check(&rules, c, "json");
    let (written, _) = entries(&cache);
    let entry = std::fs::read(&written[0]).unwrap();
    let mut flipped = entry.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    let damages: Vec<Vec<u8>> = vec![
        Vec::new(),
        entry[..entry.len() / 3].to_vec(),
        flipped,
        b"not an entry at all".to_vec(),
        vec![0; entry.len()],
    ];
    for damaged in damages {
        std::fs::write(&written[0], &damaged).unwrap();
        assert_eq!(check(&rules, c, "json"), good);
        assert!(is_whole_entry(&written[0]), "rewritten whole");
    }
    // A folder where the entry should be: answered all the same.
    std::fs::remove_file(&written[0]).unwrap();
    std::fs::create_dir(&written[0]).unwrap();
    assert_eq!(check(&rules, c, "json"), good);
}

#[test]
fn a_cache_folder_that_cannot_be_used_changes_nothing() {
    let dir = scratch("unusable");
    let rules = copy_rules(&dir);
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let good = check(&rules, "off", "json");
    assert_eq!(check(&rules, file.to_str().unwrap(), "json"), good);
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    let inside = file.join("cache");
    assert_eq!(check(&rules, inside.to_str().unwrap(), "json"), good);
}

#[test]
fn runs_that_race_all_answer_and_leave_one_entry() {
    let Setup { rules, cache } = Setup::new("race");
    let good = check(&rules, "off", "json");
    let children: Vec<_> = (0..6)
        .map(|_| {
            check_command(&rules, &cache, &["--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(good.0));
        assert_eq!(String::from_utf8_lossy(&out.stdout), good.1);
    }
    let (written, other) = entries(&cache);
    assert_eq!(written.len(), 1);
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(check(&rules, cache.to_str().unwrap(), "json"), good);
}

#[test]
fn the_folder_keeps_the_newest_entries_and_drops_stray_temporary_files() {
    let Setup { rules, cache } = Setup::new("prune");
    std::fs::create_dir_all(&cache).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for i in 0..40 {
        let p = cache.join(format!("{i:064x}.rules"));
        std::fs::write(&p, "old").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(old + std::time::Duration::from_secs(i))
            .unwrap();
    }
    let stray = cache.join(".entry-killed");
    std::fs::write(&stray, "half").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let unrelated = cache.join("notes.txt");
    std::fs::write(&unrelated, "kept").unwrap();
    assert_eq!(check(&rules, cache.to_str().unwrap(), "json").0, 0);
    let (written, other) = entries(&cache);
    assert_eq!(written.len(), 32);
    // The new entry is kept, and the oldest are the ones removed.
    assert!(!cache.join(format!("{:064x}.rules", 8)).exists());
    assert!(cache.join(format!("{:064x}.rules", 9)).exists());
    assert!(written.iter().any(|p| std::fs::read(p).unwrap() != b"old"));
    assert_eq!(other, vec![unrelated]);
}

#[cfg(unix)]
#[test]
fn an_entry_or_folder_others_can_write_is_not_read() {
    // A whole entry of another rule set (output threshold 35 亿元) under the key of the
    // rule files, as someone else could plant it: read only while the entry and its folder
    // are writable by their owner alone.
    use std::os::unix::fs::PermissionsExt;
    let Setup { rules, cache } = Setup::new("others");
    let c = cache.to_str().unwrap();
    let good = check(&rules, c, "json");
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o700,
        "the folder is made private"
    );
    let (written, _) = entries(&cache);
    let planted = planted_entry(&written[0]);
    let plant = |entry_mode: u32, folder_mode: u32| {
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(&written[0], &planted).unwrap();
        std::fs::set_permissions(&written[0], std::fs::Permissions::from_mode(entry_mode)).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(folder_mode)).unwrap();
    };
    plant(0o600, 0o700);
    assert_ne!(check(&rules, c, "json"), good, "a private entry is read");
    for (entry_mode, folder_mode) in [
        (0o620, 0o700),
        (0o602, 0o700),
        (0o600, 0o770),
        (0o600, 0o707),
    ] {
        plant(entry_mode, folder_mode);
        assert_eq!(
            check(&rules, c, "json"),
            good,
            "entry {entry_mode:o}, folder {folder_mode:o}"
        );
    }
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn commands_that_number_the_files_differently_do_not_share_an_entry() {
    // `policy check` reads its rule files first; `policy diff OLD NEW` reads NEW's after
    // OLD's, so NEW's files have other numbers, which the checked programs' places (and so
    // every explanation) use. Each must answer as without the cache, in either order.
    let cache = scratch("numbering").join("cache");
    let c = cache.to_str().unwrap();
    let run = |args: &[&str], cache: &str| {
        let (code, stdout, _) = outcome(policy(cache).args(args).output().unwrap());
        (code, stdout)
    };
    let new = "examples/revisions/national-2022";
    let diff = [
        "diff",
        RULES,
        new,
        "--facts",
        "examples",
        "--as-of",
        "2025-06-30",
    ];
    let check = [
        "check",
        "--policy",
        new,
        "--facts",
        "examples/eligible-zhangjiang-biomed.json",
        "--as-of",
        "2025-06-30",
    ];
    let (diff_alone, check_alone) = (run(&diff, "off"), run(&check, "off"));
    assert_eq!(check_alone.0, 0, "{}", check_alone.1);
    assert!(check_alone.1.contains("national-2022"), "{}", check_alone.1);
    for order in [[&diff[..], &check[..]], [&check[..], &diff[..]]] {
        let _ = std::fs::remove_dir_all(&cache);
        for _ in 0..2 {
            for args in order {
                let want = if args[0] == "diff" {
                    &diff_alone
                } else {
                    &check_alone
                };
                assert_eq!(&run(args, c), want, "{args:?}");
            }
        }
    }
}

/// A chain of functions each calling the one before twice: 32 function bodies, 2³¹ calls
/// if the bodies were not shared.
fn doubling_rules() -> Vec<(String, String)> {
    vec![("doubling.policy".to_string(), common::doubling(31))]
}

#[test]
fn bodies_shared_by_calls_are_written_once_and_read_back_shared() {
    let files = doubling_rules();
    let rules = load(files.clone());
    let key = policy::cache::key(b"stamp", &files);
    let entry = policy::cache::encode(&key, &rules).expect("a rule set without warnings");
    // Each of the 32 bodies written once: a few kilobytes, not 2³¹ bodies.
    assert!(entry.len() < 20_000, "{} bytes", entry.len());
    let back = policy::cache::decode(&key, &entry).expect("the entry reads back");
    // Read back shared: the chain is evaluated once per function (at most twice without
    // explanations, where a function's first call is not remembered), as the checked
    // program is, with and without explanations (a call is remembered by its body's
    // address).
    let (facts, _) =
        policy::facts::load(&back.program, policy::facts::Format::Json, r#"{"x": 1}"#, 0)
            .expect("the facts load");
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    for explain in [false, true] {
        let ev = policy::eval::evaluate(&back.program, &facts, date, explain);
        assert!(ev.steps < 1_000, "{} steps", ev.steps);
        assert!(ev.budget.is_none());
        assert_eq!(ev.decisions[0].value, Some(policy::eval::Value::Bool(true)));
    }
    // Written twice, the entry is the same: the numbering does not leak between writes.
    assert_eq!(policy::cache::encode(&key, &rules), Some(entry));
}

#[test]
fn a_rule_set_of_shared_bodies_is_cached_and_read_back_by_the_command_line() {
    let dir = scratch("doubling");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for (name, text) in doubling_rules() {
        std::fs::write(rules.join(name), text).unwrap();
    }
    let facts = dir.join("facts.json");
    std::fs::write(&facts, r#"{"x": 1}"#).unwrap();
    let cache = dir.join("cache");
    let run = |cache: &std::ffi::OsStr| {
        outcome(
            policy(cache)
                .args(["check", "--policy"])
                .arg(&rules)
                .arg("--facts")
                .arg(&facts)
                .args(["--as-of", "2025-06-30", "--format", "json"])
                .output()
                .unwrap(),
        )
    };
    let uncached = run("off".as_ref());
    assert_eq!(uncached.0, 0, "{uncached:?}");
    // The first run writes the entry, the second reads it; both answer as without it.
    assert_eq!(run(cache.as_os_str()), uncached);
    let (whole, _) = entries(&cache);
    assert_eq!(whole.len(), 1);
    assert!(std::fs::metadata(&whole[0]).unwrap().len() < 20_000);
    assert_eq!(run(cache.as_os_str()), uncached);
}
