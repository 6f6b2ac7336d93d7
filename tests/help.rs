//! `--help` of `policy` and of every subcommand, in English and in Chinese: one
//! snapshot each (`help__en@check.snap`, `help__zh@check.snap`). The subcommands are
//! read from `policy --help`, so a new one is snapshotted too; that every argument
//! has a Chinese text is checked by a unit test of `src/cli/help.rs`.

mod common;

use common::*;

/// The subcommands `policy --help` lists (clap's own `help` left out).
fn subcommands() -> Vec<String> {
    let (code, out, _) = run(&["--help", "--lang", "en"]);
    assert_eq!(code, 0);
    out.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "help")
        .map(str::to_owned)
        .collect()
}

fn help(sub: Option<&str>, lang: &str) -> String {
    let mut args: Vec<&str> = sub.into_iter().collect();
    args.extend(["--help", "--lang", lang]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{args:?}: {err}");
    format!("$ policy {}\n\n{out}", args.join(" "))
}

#[test]
fn every_help_in_english() {
    let subs = subcommands();
    assert!(subs.len() >= 5, "{subs:?}");
    insta::assert_snapshot!("en@policy", help(None, "en"));
    for s in &subs {
        insta::assert_snapshot!(format!("en@{s}"), help(Some(s), "en"));
    }
}

#[test]
fn every_help_in_chinese() {
    insta::assert_snapshot!("zh@policy", help(None, "zh"));
    for s in &subcommands() {
        let text = help(Some(s), "zh");
        // clap's own words and headings are Chinese too.
        for english in [
            "Usage:",
            "Options:",
            "Arguments:",
            "Print help",
            "[default:",
            "[possible values:",
            "Possible values",
        ] {
            assert!(
                !text.contains(english),
                "policy {s} --help --lang zh says {english:?}:\n{text}"
            );
        }
        assert!(text.contains("用法："), "{text}");
        insta::assert_snapshot!(format!("zh@{s}"), text);
    }
}

/// The locale decides the language when `--lang` is not given; `--lang` wins.
#[test]
fn the_locale_chooses_the_language_unless_lang_is_given() {
    let bin = env!("CARGO_BIN_EXE_policy");
    let run_env = |vars: &[(&str, &str)], args: &[&str]| {
        let mut c = std::process::Command::new(bin);
        c.args(args)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG");
        for (k, v) in vars {
            c.env(k, v);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let zh = |s: &str| s.contains("用法：");
    assert!(zh(&run_env(&[("LANG", "zh_CN.UTF-8")], &["--help"])));
    assert!(zh(&run_env(
        &[("LC_MESSAGES", "zh_TW")],
        &["fmt", "--help"]
    )));
    assert!(!zh(&run_env(&[("LANG", "en_US.UTF-8")], &["--help"])));
    assert!(!zh(&run_env(&[], &["--help"])));
    // LC_ALL first, then LC_MESSAGES, then LANG; an empty one is skipped.
    assert!(!zh(&run_env(
        &[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")],
        &["--help"]
    )));
    assert!(zh(&run_env(
        &[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")],
        &["--help"]
    )));
    assert!(!zh(&run_env(
        &[("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN")],
        &["--help"]
    )));
    // --lang wins over the locale, in either direction and in any position.
    assert!(!zh(&run_env(
        &[("LANG", "zh_CN.UTF-8")],
        &["--lang", "en", "--help"]
    )));
    assert!(zh(&run_env(
        &[("LANG", "C")],
        &["check", "--help", "--lang=zh"]
    )));
}

/// clap's own errors speak Chinese too, where they are common.
#[test]
fn command_line_errors_in_chinese() {
    let (code, _, err) = run(&[
        "check", "--facts", "x.json", "--as-of", "2025-6-3", "--lang", "zh",
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("错误：无效的值 '2025-6-3'"), "{err}");
    assert!(err.contains("不是 YYYY-MM-DD 格式的日期"), "{err}");
    let (code, _, err) = run(&["fmt", "--lang", "zh"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("缺少以下必需的参数") && err.contains("用法："),
        "{err}"
    );
    let (_, _, err) = run(&[
        "check", "--facts", "x.json", "--as-of", "2025-6-3", "--lang", "en",
    ]);
    assert!(
        err.contains("is not a date of the form YYYY-MM-DD"),
        "{err}"
    );
}
