//! `policy fmt` on every shipped rule file and every rule fixture that parses:
//! formatting is idempotent, keeps every comment, and never changes the syntax tree —
//! also after the layout of the file has been scrambled at random.

mod common;

use common::*;
use policy::fmt::{comments, format};
use policy::syntax::parse_file;
use proptest::prelude::*;

fn comment_texts(s: &str) -> Vec<String> {
    comments(s).into_iter().map(|c| c.text).collect()
}

/// The whitespace runs between tokens (outside strings and comments), as byte ranges.
fn whitespace_runs(src: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    // Depth of “…” strings (they nest).
    let mut cn_string = 0usize;
    let mut run_start: Option<usize> = None;
    for (i, c) in src.char_indices() {
        if cn_string > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '“' => cn_string += 1,
                '”' => cn_string -= 1,
                _ => {}
            }
            continue;
        }
        if in_comment {
            if c == '\n' {
                in_comment = false;
                run_start = Some(i);
            }
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == ' ' || c == '\n' || c == '\t' {
            run_start.get_or_insert(i);
            continue;
        }
        if let Some(s) = run_start.take() {
            runs.push((s, i));
        }
        match c {
            '"' => in_string = true,
            '“' => cn_string = 1,
            '#' => in_comment = true,
            _ => {}
        }
    }
    runs
}

/// Replace each whitespace run by another that keeps its number of line breaks
/// (one, or two for a blank line): the layout changes, the blank lines and the
/// comments' places do not.
fn scramble(src: &str, choices: &[u8]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (k, (s, e)) in whitespace_runs(src).into_iter().enumerate() {
        out.push_str(&src[last..s]);
        let run = &src[s..e];
        let lines = run.matches('\n').count().min(2);
        let pick = choices.get(k % choices.len().max(1)).copied().unwrap_or(0);
        let spaces = " ".repeat(1 + (pick % 5) as usize);
        let tab = if pick % 7 == 0 { "\t" } else { "" };
        match lines {
            0 => {
                out.push_str(&spaces);
                out.push_str(tab);
            }
            n => {
                out.push_str(tab);
                for _ in 0..n {
                    out.push_str(if pick % 3 == 0 { "  \n" } else { "\n" });
                }
                out.push_str(&spaces);
            }
        }
        last = e;
    }
    out.push_str(&src[last..]);
    out
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_and_comments() {
    let files = parsing_rule_files();
    assert!(files.len() >= 15, "expected the shipped files and fixtures");
    for (name, text) in files {
        let once = format(0, &text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let twice = format(0, &once).unwrap();
        assert_eq!(once, twice, "{name}: formatting twice changes the file");
        assert_eq!(
            parse_file(0, &once).unwrap(),
            parse_file(0, &text).unwrap(),
            "{name}: formatting changed the syntax tree"
        );
        assert_eq!(
            comment_texts(&once),
            comment_texts(&text),
            "{name}: a comment was lost"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn scrambled_layout_formats_back(choices in prop::collection::vec(any::<u8>(), 1..64)) {
        for (name, text) in parsing_rule_files() {
            let canonical = format(0, &text).unwrap();
            let scrambled = scramble(&text, &choices);
            let tree = parse_file(0, &text).unwrap();
            prop_assert_eq!(&parse_file(0, &scrambled).unwrap(), &tree, "{}: scrambling broke the file", name);
            let formatted = format(0, &scrambled).unwrap();
            prop_assert_eq!(&parse_file(0, &formatted).unwrap(), &tree, "{}: meaning changed", name);
            prop_assert_eq!(comment_texts(&formatted), comment_texts(&text), "{}: comments", name);
            prop_assert_eq!(&format(0, &formatted).unwrap(), &formatted, "{}: not idempotent", name);
            prop_assert_eq!(&formatted, &canonical, "{}: layout is not canonical", name);
        }
    }
}

/// `policy fmt --keywords` translates between the keyword sets without loss: on every
/// rule set under examples/ and every fixture under tests/fixtures/ that parses, English →
/// Chinese → English and Chinese → English → Chinese give back the same (formatted) file,
/// with the same syntax tree and comments. (`tests/shipped.rs` does the same for the
/// shipped rule files.)
#[test]
fn translating_between_keyword_sets_and_back_gives_the_same_file() {
    let mut paths = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        policy_files_under(&root().join(dir), &mut paths);
    }
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| (rel(p), std::fs::read_to_string(p).unwrap()))
        .collect();
    // Fixtures nest 25 levels deep: a stack as large as the binary's own.
    let seen = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || translate_and_back(&files))
        .unwrap()
        .join()
        .unwrap();
    assert!(seen[0] >= 60, "English files: {}", seen[0]);
    assert!(seen[1] >= 3, "Chinese files: {}", seen[1]);
}
