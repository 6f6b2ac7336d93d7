//! What the language server's test sessions and its benchmark share: reading one LSP
//! message from the server's output, and a long rule file (copies of an article under new
//! article numbers and new names, up to a number of lines). Included by `tests/lsp.rs` and
//! `benches/lsp_latency.rs` (`#[path]`).

use serde_json::Value;
use std::io::BufRead;

/// One message of the server (`Content-Length` header, blank line, JSON body); `None` at
/// the end of the output or on a malformed message.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// `article` (from its heading on) copied under the numbers `first`, `first + 1`, … with
/// its parameters, definitions and decisions renamed, until the text has `lines` lines.
pub fn big_rule_file(article: &str, first: u32, lines: usize) -> String {
    let a = policy::lsp::Analysis::new(vec![("a.policy".into(), article.to_string())]);
    let names: Vec<String> = a
        .symbols
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                policy::lsp::analysis::SymKind::Parameter
                    | policy::lsp::analysis::SymKind::Definition
                    | policy::lsp::analysis::SymKind::Decision
            )
        })
        .map(|s| s.name.clone())
        .collect();
    big_file(article, &names, first, lines)
}

fn big_file(article: &str, names: &[String], first: u32, lines: usize) -> String {
    let mut out = String::new();
    let mut k = 0;
    while out.lines().count() < lines {
        let n = first + k;
        let mut text = String::new();
        let mut last = 0;
        for t in policy::lsp::analysis::tokenize(article) {
            let word = &article[t.start..t.end];
            text.push_str(&article[last..t.start]);
            if t.kind == policy::lsp::analysis::TokKind::Word && names.iter().any(|x| x == word) {
                text.push_str(&format!("{word}_{n}"));
            } else if t.kind == policy::lsp::analysis::TokKind::Word
                && policy::lsp::analysis::part_key_of(word).is_some()
            {
                let zh = word.starts_with('第');
                text.push_str(&if zh {
                    format!("第{}条", policy::numeral::chinese(n))
                } else {
                    format!("article{n}")
                });
            } else {
                text.push_str(word);
            }
            last = t.end;
        }
        text.push_str(&article[last..]);
        // The heading: `第六条 "…"` or `article 6 "…"`.
        let text = text
            .replacen("第六条", &format!("第{}条", policy::numeral::chinese(n)), 1)
            .replacen("article 6 ", &format!("article {n} "), 1);
        out.push_str(&text);
        out.push('\n');
        k += 1;
    }
    out
}
