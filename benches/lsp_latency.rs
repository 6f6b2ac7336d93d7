//! How long `policy lsp` takes to analyse a change, typed keystroke by keystroke into a
//! rule file of about 2,000 lines (BENCHMARKS.md). Not a test: it prints figures.
//!
//! ```text
//! cargo bench --bench lsp_latency                      # the shipped rules, 400 keystrokes
//! cargo bench --bench lsp_latency -- RULES_FOLDER 1000 # another rule set, more keystrokes
//! ```
//!
//! The rule set is the folder's files plus `big.policy`: copies of the folder's longest
//! article under new article numbers and new names, up to 2,000 lines. The program starts
//! the binary cargo built with it (`policy lsp`, release profile), opens `big.policy` and
//! types a new parameter into its last article one character at a time. Each keystroke is
//! one `didChange` followed by a `documentSymbol` request, which the server answers only
//! after it has analysed the change and published its diagnostics: the time from sending
//! the change to that answer is the latency of one change.

#[path = "../tests/common/lsp_support.rs"]
mod lsp_support;
use lsp_support::read_message;

use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn send(w: &mut impl Write, v: &Value) {
    let body = v.to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to the server");
    w.flush().expect("flush");
}

/// Copies of `article` as articles `first`, `first + 1`, …, each with its own names.
fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the other arguments are the folder and the count.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rules = PathBuf::from(args.first().map_or(
        concat!(env!("CARGO_MANIFEST_DIR"), "/policies"),
        String::as_str,
    ));
    let keystrokes: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(400);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_policy"));

    // The rule set: the folder's files and big.policy.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("rules");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&rules).expect("rules folder") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
            files.push(p);
        }
    }
    let article = files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .filter(|t| t.contains("第六条") || t.contains("article 6 "))
        .max_by_key(String::len)
        .expect("an article 6 to copy");
    // Skip the chapter heading before the article.
    let start = article
        .find("第六条")
        .or_else(|| article.find("article 6 "))
        .unwrap_or(0);
    let article = &article[start..];
    let big = lsp_support::big_rule_file(article, 40, 2000);
    let big_path = dir.join("big.policy");
    println!(
        "rule set: {} files of {} + big.policy",
        files.len(),
        rules.display()
    );
    std::fs::write(&big_path, &big).expect("write big.policy");
    if let Some(keep) = std::env::var_os("LSP_LATENCY_KEEP") {
        copy_folder(&dir, std::path::Path::new(&keep));
    }

    // In process, for the record: what one analysis of the set costs, by part.
    {
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("read")
            .map(|e| e.expect("entry").path())
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).expect("read"),
                )
            })
            .collect();
        files.sort();
        let n = 20;
        let t = Instant::now();
        for _ in 0..n {
            let _ = policy::parse_rule_file(0, &big);
        }
        let parse = t.elapsed() / n;
        let mut sources = policy::diag::Sources::new();
        let parsed = policy::parse_rule_files(&mut sources, files.clone());
        let t = Instant::now();
        for _ in 0..n {
            let _ = policy::check_rule_set(&sources, &parsed);
        }
        let check = t.elapsed() / n;
        let t = Instant::now();
        let mut a = Some(policy::lsp::Analysis::new(files.clone()));
        for _ in 0..n {
            a = Some(policy::lsp::Analysis::update(files.clone(), a.take()));
        }
        let update = t.elapsed() / n;
        println!(
            "in process: parse big.policy {:.1} ms; check and lint the set {:.1} ms; an analysis with nothing to parse again {:.1} ms",
            parse.as_secs_f64() * 1000.0,
            check.as_secs_f64() * 1000.0,
            update.as_secs_f64() * 1000.0
        );
    }

    session(
        &bin,
        &big_path,
        keystrokes,
        &format!("big.policy of {} lines", big.lines().count()),
    );
    // The largest shipped file, for comparison: what editing the rules as they are costs.
    let largest = files
        .iter()
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .expect("a rule file");
    let name = largest
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let lines = std::fs::read_to_string(dir.join(&name))
        .expect("read")
        .lines()
        .count();
    session(
        &bin,
        &dir.join(&name),
        keystrokes,
        &format!("{name} of {lines} lines"),
    );
}

/// Open `path` in a new server, type a parameter into its last block, print the times.
fn session(bin: &std::path::Path, path: &std::path::Path, keystrokes: usize, what: &str) {
    let big = std::fs::read_to_string(path).expect("read");
    let uri = policy::lsp::file_uri(&path.display().to_string());
    let mut child = Command::new(bin)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start policy lsp");
    let mut w = child.stdin.take().expect("stdin");
    let mut r = BufReader::new(child.stdout.take().expect("stdout"));
    let mut id = 0;
    let mut call =
        |w: &mut std::process::ChildStdin, r: &mut BufReader<_>, method: &str, params: Value| {
            id += 1;
            send(
                w,
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            );
            let mut published = 0;
            loop {
                let m = read_message(r).expect("an answer");
                if m.get("id") == Some(&json!(id)) {
                    return published;
                }
                if m["method"] == "textDocument/publishDiagnostics" {
                    published += 1;
                }
            }
        };
    call(
        &mut w,
        &mut r,
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    send(
        &mut w,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    send(
        &mut w,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "policy", "version": 0, "text": big}}}),
    );
    let t = Instant::now();
    call(
        &mut w,
        &mut r,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let first = t.elapsed();

    // Type a parameter, one character at a time, before the last closing brace.
    let typed = if big.contains("第") {
        "  参数 新增下限 = 30 亿元\n"
    } else {
        "  parameter new_floor = 30 亿元\n"
    };
    let at = big.trim_end().rfind('}').expect("a closing brace");
    let line = big[..at].matches('\n').count();
    let mut col = big[..at]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    let mut line_now = line;
    let mut times: Vec<Duration> = Vec::new();
    let mut outlined: Vec<Duration> = Vec::new();
    let mut version = 0;
    // Every fifth change is followed by the outline request an editor sends after a
    // change; the others by a hover on the first character, a request that costs next
    // to nothing: the server analyses a change and publishes its diagnostics before it
    // answers any request, so the time to the answer is the time of the change.
    for (k, c) in typed.chars().cycle().take(keystrokes).enumerate() {
        version += 1;
        let pos = json!({"line": line_now, "character": col});
        let change = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": pos, "end": pos}, "text": c.to_string()}]}});
        let t = Instant::now();
        send(&mut w, &change);
        if k % 5 == 4 {
            call(
                &mut w,
                &mut r,
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": uri}}),
            );
            outlined.push(t.elapsed());
        } else {
            call(
                &mut w,
                &mut r,
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
            );
            times.push(t.elapsed());
        }
        if c == '\n' {
            line_now += 1;
            col = 0;
        } else {
            col += c.len_utf16();
        }
    }
    call(&mut w, &mut r, "shutdown", Value::Null);
    send(&mut w, &json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("typing into {what}:");
    println!("open and first analysis: {:.1} ms", ms(first));
    for (label, mut times) in [
        ("a change (answered by a hover)", times),
        ("a change and the outline", outlined),
    ] {
        times.sort();
        let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        println!(
            "{label}, {} keystrokes: median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            times.len(),
            ms(q(0.5)),
            ms(q(0.9)),
            ms(q(0.99)),
            ms(q(1.0))
        );
    }
}
