//! Shared by the test files: running the real binary and loading the shipped rules.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `policy` from the project root with `args`; (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_env(args, &[])
}

/// [`run`] with the variables `env` set as well; an exit code of -1 for a process ended
/// by a signal.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_policy"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .envs(env.iter().copied())
        .output()
        .expect("the policy binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The evaluation date of each example, from `examples/as-of.txt`.
pub fn example_dates() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(root().join("examples/as-of.txt")).expect("examples/as-of.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect()
}

/// The engine tests' rule set: a copy of the Shanghai rule files, frozen, so that revising
/// `policies/` never breaks an engine test (the shipped rule set is tested by its own cases,
/// `tests/shipped.rs`).
pub const RULES: &str = "tests/fixtures/shanghai";

/// The files of [`RULES`], as (name, text), in the order the CLI reads them.
pub fn shanghai_rules() -> Vec<(String, String)> {
    rule_files(&root().join(RULES))
}

/// The rule files of a folder, as (name relative to the project root, text), in name order.
pub fn rule_files(dir: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a rule folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "policy"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = rel(&p);
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// A path relative to the project root, with `/` separators.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every `.policy` file under `dir`, at any depth, in name order.
pub fn policy_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            policy_files_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "policy") {
            out.push(p);
        }
    }
}

/// For each (name, text) that parses: its formatted form C, translated by `policy fmt
/// --keywords` into the other keyword set and back, is C again; the translation has the
/// same syntax tree and comments and is itself formatted. Returns how many files were in
/// the English and the Chinese set.
pub fn translate_and_back(files: &[(String, String)]) -> [usize; 2] {
    use policy::fmt::{comments, format, format_in};
    use policy::syntax::{parse_file_keywords, KeywordSet};
    let texts = |s: &str| comments(s).into_iter().map(|c| c.text).collect::<Vec<_>>();
    let mut seen = [0usize; 2];
    for (name, text) in files {
        let Ok(canonical) = format(0, text) else {
            continue;
        };
        let (tree, set) = parse_file_keywords(0, &canonical).unwrap();
        let set = set.unwrap_or_default();
        seen[usize::from(set == KeywordSet::Zh)] += 1;
        let other = set.other();
        let there = format_in(0, &canonical, Some(other))
            .unwrap_or_else(|e| panic!("{name}: to {}: {e:?}", other.code()));
        let (there_tree, there_set) = parse_file_keywords(0, &there).unwrap();
        assert_eq!(
            there_tree, tree,
            "{name}: the translation means something else"
        );
        if there_set.is_some() {
            assert_eq!(there_set, Some(other), "{name}: not translated\n{there}");
        }
        assert_eq!(
            texts(&there),
            texts(&canonical),
            "{name}: a comment was lost"
        );
        assert_eq!(
            format(0, &there).unwrap(),
            there,
            "{name}: the translation is not formatted"
        );
        let back = format_in(0, &there, Some(set)).unwrap();
        assert_eq!(
            back,
            canonical,
            "{name}: {} → {} → {} changes the file",
            set.code(),
            other.code(),
            set.code()
        );
    }
    seen
}

/// Every rule file of the project that parses: (name, text).
pub fn parsing_rule_files() -> Vec<(String, String)> {
    let mut out = shanghai_rules();
    for dir in [
        "tests/fixtures/rules",
        "tests/fixtures/structure",
        "examples/revisions/national-2022",
        "examples/versions",
        "tests/fixtures/versions",
        "tests/fixtures/arith",
        "tests/fixtures/aggregates",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            if policy::syntax::parse_file(0, &text).is_ok() {
                out.push((rel(&p), text));
            }
        }
    }
    out
}

/// An empty scratch folder of a test's own, `group/name` under the target directory.
pub fn scratch_in(group: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// A copy of the engine tests' rule files ([`RULES`], without cases) in `dir/sub`.
pub fn copy_rules_into(dir: &Path, sub: &str) -> PathBuf {
    let rules = dir.join(sub);
    std::fs::create_dir_all(&rules).expect("a rule folder");
    for (name, text) in shanghai_rules() {
        let file = Path::new(&name)
            .file_name()
            .expect("a file name")
            .to_owned();
        std::fs::write(rules.join(file), text).expect("a rule file written");
    }
    rules
}

/// `f0(a) = a > 0`, then `fi(a) = f{i-1}(a) and f{i-1}(a)` up to `f{n}`: a rule text of
/// n lines whose expansion as a tree has 2ⁿ calls.
pub fn doubling(n: usize) -> String {
    doubling_over(n, 0)
}

/// [`doubling`] with `f0(a) = a > threshold`.
pub fn doubling_over(n: usize, threshold: u32) -> String {
    let mut s = format!(
        "policy \"指数\" {{\n  in_force 2024-01-01 to 2029-12-31\n}}\nfact x \"数\": number\n\
         definition f0(a: number) = a > {threshold}\n",
    );
    for i in 1..=n {
        s.push_str(&format!(
            "definition f{i}(a: number) = f{p}(a) and f{p}(a)\n",
            p = i - 1
        ));
    }
    s.push_str(&format!(
        "article 1 \"测试\" {{\n  clause 1 \"指数\" {{\n    rule \"指数\": f{n}(x)\n  }}\n}}\n"
    ));
    s
}
