//! Reviewed reports of a rule set's cases: the snapshots `policy test` keeps.
//!
//! Each case of `cases/NAME.yaml` has its report stored in
//! `cases/snapshots/NAME__CASE.snap`: the case as written, then each decision it pins with
//! its value and explanation. `policy test` compares the report of today's rules with the
//! stored one and fails on any difference; `policy test --review` shows each difference and
//! asks, `--accept` takes them all. A changed or new report waits in `….snap.new` until
//! reviewed.
//!
//! The files use insta's layout (a `---` header with `source` and `expression`, then the
//! text), so `cargo insta review` can review them too. Places in rule files (`file:line`)
//! are left out of the stored text: a line added at the top of a rule file would otherwise
//! move every report.
//!
//! Everything here is pure: the CLI reads and writes the files.

use similar::{ChangeTag, TextDiff};

/// A case name made safe as part of a file name on every system: path separators,
/// reserved characters, control characters and white space become `_`; at most 60
/// characters are kept.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().take(60) {
        let bad = c.is_control()
            || c.is_whitespace()
            || matches!(
                c,
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '.'
            );
        out.push(if bad { '_' } else { c });
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "case".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The snapshot file name of each case of the case file `stem`, in order; a name used
/// twice gets `-2`, `-3`… so every case has a file of its own.
pub fn file_names<'a>(stem: &str, cases: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let stem = slug(stem);
    cases
        .into_iter()
        .map(|name| {
            let base = format!("{stem}__{}", slug(name));
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                format!("{base}.snap")
            } else {
                format!("{base}-{n}.snap")
            }
        })
        .collect()
}

/// A string as a double-quoted YAML scalar (JSON escaping is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The file text of a snapshot: insta's header, then the report.
pub fn to_file(source: &str, expression: &str, body: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{}\n",
        quoted(source),
        quoted(expression),
        body.trim_end_matches('\n')
    )
}

/// The report stored in a snapshot file, without its header; `None` if the file does not
/// have the layout of [`to_file`].
pub fn body_of(file: &str) -> Option<&str> {
    let file = file.strip_prefix('\u{feff}').unwrap_or(file);
    let rest = file
        .strip_prefix("---\n")
        .or_else(|| file.strip_prefix("---\r\n"))?;
    let end = rest
        .find("\n---\n")
        .map(|i| (i, 5))
        .or_else(|| rest.find("\r\n---\r\n").map(|i| (i, 7)))?;
    let body = rest.get(end.0 + end.1..)?;
    Some(body.trim_end_matches(['\n', '\r']))
}

/// Whether two reports say the same: equal up to line endings and trailing blank lines.
pub fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end_matches('\n').to_string();
    norm(a) == norm(b)
}

/// A line of an explanation without its place: `✗ 近三年产值均在30亿元以上  policies/article06.policy:35`
/// becomes `✗ 近三年产值均在30亿元以上`.
pub fn without_place(line: &str) -> &str {
    let trimmed = line.trim_end();
    if let Some((head, last)) = trimmed.rsplit_once(' ') {
        if let Some((path, num)) = last.rsplit_once(':') {
            if path.ends_with(".policy")
                && !num.is_empty()
                && num.bytes().all(|b| b.is_ascii_digit())
            {
                return head.trim_end();
            }
        }
    }
    line
}

/// A decision a case pins, with what the rules gave and the explanation of it (lines of
/// [`crate::testing::explain`]).
pub struct Pinned<'a> {
    pub decision: &'a str,
    pub actual: &'a str,
    pub explain: Vec<String>,
}

/// The report of one case, as stored: the case as written in its file (with its
/// expectations as they are once the report is accepted), then each decision it pins with
/// its value and explanation. Places in rule files are left out.
pub fn report(case_text: &str, as_of: &str, pinned: &[Pinned]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    // The case as written, dedented to its first line.
    let lines: Vec<&str> = case_text.trim_end().lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    for (i, l) in lines.iter().enumerate() {
        let l = if i == 0 {
            l.trim_start()
        } else {
            l.get(indent.min(l.len() - l.trim_start().len())..)
                .unwrap_or(l)
        };
        let _ = writeln!(out, "{}", crate::render::printable(l.trim_end()));
    }
    let _ = writeln!(out, "── as of {as_of} ──");
    for p in pinned {
        let _ = writeln!(out, "{} = {}", p.decision, p.actual);
        for l in &p.explain {
            let l = without_place(l);
            // A line that only gave a place says nothing once the place is left out.
            if l.trim() == "defined at" {
                continue;
            }
            let _ = writeln!(out, "    {}", crate::render::printable(l));
        }
    }
    out
}

/// A change of a case file: the text at `start..end` (which reads `old`) becomes `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub old: String,
    pub new: String,
}

/// An expected value as written in a case file: `true`/`false` bare, anything else quoted
/// (valid in YAML, TOML and JSON alike).
pub fn literal(value: &str) -> String {
    match value {
        "true" | "false" => value.to_string(),
        _ => quoted(value),
    }
}

/// `text` with `edits` made (positions in `text`); `None` if an edit does not find the text
/// it expects (the file changed) or edits overlap.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in sorted {
        if e.start < at || text.get(e.start..e.end)? != e.old {
            return None;
        }
        out.push_str(text.get(at..e.start)?);
        out.push_str(&e.new);
        at = e.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// One line of a line diff: `-` removed, `+` added, ` ` the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub tag: char,
    pub text: String,
}

/// The lines that differ between `old` and `new`, with up to `context` unchanged lines
/// around each change (`…` marks what is left out).
pub fn diff(old: &str, new: &str, context: usize) -> Vec<DiffLine> {
    // The same text with or without a final newline is the same text.
    let norm = |s: &str| format!("{}\n", s.replace("\r\n", "\n").trim_end_matches('\n'));
    let (old, new) = (norm(old), norm(new));
    let d = TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for (i, group) in d.grouped_ops(context).iter().enumerate() {
        if i > 0 {
            out.push(DiffLine {
                tag: ' ',
                text: "…".into(),
            });
        }
        for op in group {
            for change in d.iter_changes(op) {
                let tag = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push(DiffLine {
                    tag,
                    text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("一年产值不足30亿元"), "一年产值不足30亿元");
        assert_eq!(slug("a/b\\c: d*?\"<>|e.f"), "a_b_c__d______e_f");
        assert_eq!(slug("../../etc/passwd"), "etc_passwd");
        assert_eq!(slug("   "), "case");
        assert_eq!(slug(&"长".repeat(100)).chars().count(), 60);
    }

    #[test]
    fn repeated_case_names_get_files_of_their_own() {
        assert_eq!(
            file_names("article06", ["甲", "乙", "甲", "甲"]),
            vec![
                "article06__甲.snap",
                "article06__乙.snap",
                "article06__甲-2.snap",
                "article06__甲-3.snap"
            ]
        );
    }

    #[test]
    fn a_snapshot_file_gives_back_its_report() {
        let f = to_file(
            "policies/cases/a.yaml",
            "名称 \"引号\"",
            "第一行\n第二行\n\n",
        );
        assert_eq!(
            f,
            "---\nsource: \"policies/cases/a.yaml\"\nexpression: \"名称 \\\"引号\\\"\"\n---\n第一行\n第二行\n"
        );
        assert_eq!(body_of(&f), Some("第一行\n第二行"));
        assert_eq!(body_of(&f.replace('\n', "\r\n")), Some("第一行\r\n第二行"));
        assert_eq!(body_of("no header"), None);
        assert!(same("a\r\nb\n\n", "a\nb"));
        assert!(!same("a\nb", "a\nc"));
    }

    #[test]
    fn places_are_left_out_of_stored_lines() {
        assert_eq!(
            without_place("    ✗ 近三年产值均在30亿元以上  policies/article06.policy:35"),
            "    ✗ 近三年产值均在30亿元以上"
        );
        assert_eq!(
            without_place("2022: 28.4亿元 < 30亿元"),
            "2022: 28.4亿元 < 30亿元"
        );
        assert_eq!(without_place("ratio 1:2"), "ratio 1:2");
    }

    #[test]
    fn a_report_holds_the_case_and_each_pinned_decision() {
        let case = "- name: 产值不足\n      with:\n        output_value: {\"2022\": 29.99}\n      expect: {article6.clause2: true}";
        let r = report(
            case,
            "2025-06-30",
            &[Pinned {
                decision: "article6.clause2",
                actual: "false",
                explain: vec![
                    "✗ 近三年产值均在30亿元以上  policies/article06.policy:35".into(),
                    "    2022: 29.99亿元 < 30亿元, short by 0.01亿元".into(),
                ],
            }],
        );
        assert_eq!(
            r,
            "- name: 产值不足\nwith:\n  output_value: {\"2022\": 29.99}\nexpect: {article6.clause2: true}\n\
             ── as of 2025-06-30 ──\n\
             article6.clause2 = false\n    ✗ 近三年产值均在30亿元以上\n        2022: 29.99亿元 < 30亿元, short by 0.01亿元\n"
        );
    }

    #[test]
    fn edits_replace_exactly_the_text_they_expect() {
        let text = "expect: {a: true, b: undetermined}";
        let e = |start, end, old: &str, new: &str| Edit {
            start,
            end,
            old: old.into(),
            new: new.into(),
        };
        assert_eq!(
            apply(
                text,
                &[
                    e(21, 33, "undetermined", &literal("false")),
                    e(12, 16, "true", &literal("lapsed"))
                ]
            ),
            Some("expect: {a: \"lapsed\", b: false}".to_string())
        );
        // The file changed under the edit: refused.
        assert_eq!(apply(text, &[e(12, 16, "fals", "true")]), None);
        assert_eq!(
            apply(text, &[e(12, 16, "true", "x"), e(14, 18, "ue, ", "y")]),
            None
        );
    }

    #[test]
    fn diff_shows_changed_lines_in_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nC\nd\ne\nf\ng\nH\n";
        let d = diff(old, new, 1);
        let shown: Vec<String> = d.iter().map(|l| format!("{}{}", l.tag, l.text)).collect();
        assert_eq!(shown, vec![" b", "-c", "+C", " d", " …", " g", "-h", "+H"]);
        // A final newline, or its absence, is no difference.
        assert!(diff("a\nb", "a\nb\n", 1).is_empty());
        assert!(diff("a\r\nb\r\n", "a\nb", 1).is_empty());
    }
}
