//! Control and bidirectional characters from facts, case and rule files never reach a
//! person's screen raw: the human report, `policy diff`, `policy test` and every
//! diagnostic show them as visible escapes (`\u{1b}`, `\u{202e}`, `\n`). The facts
//! files are the `control-*` cases of `tests/bad_input/` (ESC, BEL, NUL, RLO and a line
//! break in `cluster.name`, in a text fact, in a record's text field and in the name of
//! an unknown fact, which the report's warnings quote); their JSON output is
//! snapshotted by `bad_input.rs`, their human report here.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The characters that must not reach a screen (as `policy::render::printable` has them).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Text as it would reach a terminal: line breaks are the output's own; with colour, so
/// are `ESC [ digits m` sequences. Anything else unsafe is a leak.
fn assert_clean(what: &str, text: &str, colour: bool) {
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| c != '\n' && is_unsafe(c)) {
        let tail = &rest[i..];
        if colour && tail.starts_with('\u{1b}') {
            let body = &tail[1..];
            let end = body
                .strip_prefix('[')
                .and_then(|b| b.find('m').map(|m| (b, m)))
                .filter(|(b, m)| b[..*m].chars().all(|c| c.is_ascii_digit()));
            if let Some((_, m)) = end {
                rest = &body[m + 2..];
                continue;
            }
        }
        let shown: String = tail.chars().take(20).collect();
        panic!(
            "{what}: a raw {:?} reaches the screen at {shown:?}\n{text}",
            tail.chars().next()
        );
    }
}

fn control_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/bad_input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("control-")
        })
        .collect();
    v.sort();
    assert!(v.len() >= 6, "the control-* fixtures are missing");
    v
}

fn run_with(args: &[&str], colour: bool) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_policy"));
    cmd.args(args).current_dir(root()).env("LC_ALL", "C");
    if !colour {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().expect("the policy binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn human_report_escapes_control_characters() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/escaping");
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    for path in control_fixtures() {
        let rel = rel(&path);
        let args = [
            "check",
            "--policy",
            RULES,
            "--facts",
            rel.as_str(),
            "--as-of",
            "2025-06-30",
        ];
        let (code, stdout, stderr) = run_with(&args, false);
        assert_clean(&rel, &stdout, false);
        assert_clean(&rel, &stderr, false);
        let with_colour = [&args[..], &["--color", "always"]].concat();
        let (code2, out2, err2) = run_with(&with_colour, true);
        assert_eq!(code, code2);
        assert_clean(&rel, &out2, true);
        assert_clean(&rel, &err2, true);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            // The unknown fact's name is quoted in the report, escaped.
            assert_eq!(code, 0, "{stderr}");
            assert!(stdout.contains("! unknown fact `note\\"), "{stdout}");
        } else {
            // The unknown category is quoted in the diagnostic, escaped.
            assert_eq!(code, 3, "{stderr}");
            assert!(stderr.contains("`saf\\u{1b}[2Jety\\u{202e}`"), "{stderr}");
        }
        let content = format!(
            "$ policy check --policy {RULES} --facts {rel} --as-of 2025-06-30\n\n── exit {code} ──\n── stderr ──\n{stderr}── stdout ──\n{stdout}"
        );
        insta::assert_snapshot!(name.as_str(), content);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("escaping")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HOSTILE: &str = "\u{1b}[2J\u{7}\u{0}\u{202e}\nforged line";

/// A cluster whose decisions a revision moves, named with every hostile character.
fn hostile_cluster(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        root().join("examples/article15-valid-lingang-intelligent-grid.json"),
    )
    .unwrap();
    let mut j: serde_json::Value = serde_json::from_str(&text).unwrap();
    j["cluster"]["name"] = serde_json::Value::String(format!("临港{HOSTILE}集群"));
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_string_pretty(&j).unwrap()).unwrap();
    path
}

#[test]
fn diff_escapes_the_cluster_name() {
    let dir = scratch("diff");
    let facts = hostile_cluster(&dir);
    let (code, stdout, stderr) = run(&[
        "diff",
        RULES,
        "examples/revisions/national-2022",
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_clean("diff", &stdout, false);
    assert_clean("diff", &stderr, false);
    assert!(
        stdout.contains("临港\\u{1b}[2J\\u{7}\\u{0}\\u{202e}\\nforged line集群"),
        "{stdout}"
    );
    // JSON keeps the data as given (serde escapes it).
    let (_, json, _) = run(&[
        "diff",
        RULES,
        "examples/revisions/national-2022",
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(json.contains("\\u001b[2J"), "{json}");
    assert!(j.to_string().contains("forged line"));
}

#[test]
fn policy_test_escapes_case_names_and_facts() {
    let dir = scratch("test");
    std::fs::copy(
        root().join("examples/eligible-zhangjiang-biomed.json"),
        dir.join("eligible.json"),
    )
    .unwrap();
    std::fs::write(
        dir.join("hostile.yaml"),
        "as_of: 2025-06-30\nfacts: eligible.json\ncases:\n  - name: \"产值\\e[2J不足\\u202e\\a\\nforged\"\n    with:\n      output_value: {\"2022\": 28.4}\n      \"bad\\e[31mfact\": 1\n    expect: {article6.clause2: true}\n  - name: \"失败\\e]0;title\\a\"\n    with:\n      output_value: {\"2022\": 28.4}\n    expect: {article6.clause2: true}\n",
    )
    .unwrap();
    let case = dir.join("hostile.yaml");
    let (code, stdout, stderr) = run(&["test", "--policy", RULES, case.to_str().unwrap()]);
    assert_eq!(code, 6, "{stdout}{stderr}");
    assert_clean("policy test", &stdout, false);
    assert_clean("policy test", &stderr, false);
    assert!(
        stdout.contains("产值\\u{1b}[2J不足\\u{202e}\\u{7}\\nforged"),
        "{stdout}"
    );
    assert!(stdout.contains("失败\\u{1b}]0;title\\u{7}"), "{stdout}");
    // The misspelt fact's warning quotes its name, escaped.
    assert!(stderr.contains("bad\\u{1b}[31mfact"), "{stderr}");
}

#[test]
fn rule_file_text_is_escaped_in_diagnostics_and_report() {
    // A rule title with a right-to-left override and a bell, in a copy of the shipped rules.
    let dir = scratch("rules");
    let policy = dir.join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    for (name, text) in shanghai_rules() {
        let name = Path::new(&name)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let name = name.as_str();
        let text = if name == "article06.policy" {
            text.replacen(
                "rule \"近三年产值均在30亿元以上\"",
                "rule \"近三年产值\u{202e}均在\u{7}30亿元以上\"",
                1,
            )
        } else {
            text
        };
        std::fs::write(policy.join(name), text).unwrap();
    }
    let facts = root().join("examples/fails-output-threshold-songjiang-robotics.json");
    let (code, stdout, stderr) = run(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_clean("report", &stdout, false);
    assert!(
        stdout.contains("近三年产值\\u{202e}均在\\u{7}30亿元以上"),
        "{stdout}"
    );
    // A syntax error on a line holding such characters: the line is drawn without them.
    std::fs::write(
        policy.join("zz-broken.policy"),
        "# 破损\ndefinition 坏\u{202e}\u{1b}[2J = (1 +\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("policy::"), "{stderr}");
    assert_clean("diagnostic", &stderr, false);
    // `policy fmt --check` shows the rule file's lines in its diff, escaped.
    std::fs::write(
        policy.join("zz-broken.policy"),
        "# 注释\u{1b}[2J\u{202e}\ndefinition   坏 = 1\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&[
        "fmt",
        "--check",
        policy.join("zz-broken.policy").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_clean("fmt --check", &stdout, false);
    assert!(stdout.contains("# 注释\\u{1b}[2J\\u{202e}"), "{stdout}");
}
