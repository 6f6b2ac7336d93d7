//! `policy lsp`, driven over stdio like an editor drives it: one scripted session per
//! file in `tests/lsp/sessions/`, its transcript (every answer and every diagnostic the
//! server published) snapshotted. The steps are described in `tests/lsp/README.md`.

#[path = "common/lsp_support.rs"]
mod lsp_support;
use lsp_support::read_message;

use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// How long one answer may take before the session is failed (never a hang).
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    inbox: Receiver<Value>,
    next_id: i64,
    /// The temporary folder, shown as `TMP` in the transcript.
    root: PathBuf,
    texts: std::collections::HashMap<String, String>,
    versions: i32,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start policy lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, inbox) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            inbox,
            next_id: 0,
            root: root.to_path_buf(),
            texts: Default::default(),
            versions: 0,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request; return its answer and the notifications that came before it.
    fn request(&mut self, method: &str, params: Value) -> (Value, Vec<Value>) {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let mut before = Vec::new();
        loop {
            let m = self
                .inbox
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no answer to {method} within {WAIT:?}"));
            if m.get("id") == Some(&json!(id)) {
                return (m, before);
            }
            before.push(m);
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.root.join("rules").join(file)
    }

    fn uri(&self, file: &str) -> String {
        policy::lsp::file_uri(&self.path(file).display().to_string())
    }

    /// The transcript's form of a value: the temporary folder's address as `TMP`.
    fn shown(&self, v: &Value) -> String {
        let root = policy::lsp::file_uri(&self.root.display().to_string());
        serde_json::to_string_pretty(v)
            .expect("json")
            .replace(&root, "file:///TMP")
    }
}

/// A place in a text: the `n`th (1-based) occurrence of `anchor`, at its start or end.
fn find(text: &str, anchor: &str, n: usize, end: bool) -> usize {
    let mut from = 0;
    for _ in 1..n.max(1) {
        let i = text[from..]
            .find(anchor)
            .unwrap_or_else(|| panic!("anchor {anchor:?} not found"));
        from += i + anchor.len();
    }
    let i = from
        + text[from..]
            .find(anchor)
            .unwrap_or_else(|| panic!("anchor {anchor:?} not found"));
    if end {
        i + anchor.len()
    } else {
        i
    }
}

/// The LSP position (UTF-16 columns) of a byte offset, computed here independently of
/// the server's own conversion.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

fn render_diagnostics(c: &Client, notes: &[Value], out: &mut String) {
    for n in notes {
        if n["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = n["params"]["uri"].as_str().unwrap_or("");
        let name = uri.rsplit('/').next().unwrap_or(uri);
        let list = n["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        out.push_str(&format!("  diagnostics {name}: {}\n", list.len()));
        for d in list {
            let r = &d["range"];
            let sev = match d["severity"].as_i64() {
                Some(1) => "error",
                Some(2) => "warning",
                _ => "?",
            };
            out.push_str(&format!(
                "    {}:{}-{}:{} {sev} {}",
                r["start"]["line"],
                r["start"]["character"],
                r["end"]["line"],
                r["end"]["character"],
                d["code"].as_str().unwrap_or("")
            ));
            if let Some(href) = d["codeDescription"]["href"].as_str() {
                out.push_str(&format!(" <{}>", c.shown(&json!(href)).trim_matches('"')));
            }
            out.push('\n');
            for l in d["message"].as_str().unwrap_or("").lines() {
                out.push_str(&format!("      {l}\n"));
            }
            if let Some(rel) = d["relatedInformation"].as_array() {
                for r in rel {
                    let u = r["location"]["uri"].as_str().unwrap_or("");
                    out.push_str(&format!(
                        "      related {}:{}: {}\n",
                        u.rsplit('/').next().unwrap_or(u),
                        r["location"]["range"]["start"]["line"],
                        r["message"].as_str().unwrap_or("")
                    ));
                }
            }
        }
    }
}

fn render_symbols(v: &Value, depth: usize, out: &mut String) {
    for s in v.as_array().cloned().unwrap_or_default() {
        let r = &s["selectionRange"]["start"];
        out.push_str(&format!(
            "  {}{}{} [{}] {}:{}\n",
            "  ".repeat(depth),
            s["name"].as_str().unwrap_or(""),
            s["detail"]
                .as_str()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default(),
            s["kind"],
            r["line"],
            r["character"]
        ));
        render_symbols(&s["children"], depth + 1, out);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read fixture folder") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

fn run_session(script: &str) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut locale = Value::Null;
    let mut options = Value::Null;
    let mut steps = Vec::new();
    for line in script.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        match cmd {
            "rules" => copy_dir(
                &here.join("tests/lsp/rules").join(rest),
                &root.join("rules"),
            ),
            "docs" => {
                std::fs::create_dir_all(root.join("docs")).expect("mkdir");
                std::fs::copy(here.join("docs/errors.md"), root.join("docs/errors.md"))
                    .expect("copy");
            }
            "facts" => copy_dir(&here.join("tests/lsp/facts"), &root.join("facts")),
            "big" => {
                // `big FILE LINES`: copies of the rule set's Article 6 as one long file.
                let (file, lines) = rest.split_once(' ').expect("big FILE LINES");
                let six = std::fs::read_to_string(root.join("rules/article06.policy"))
                    .expect("rules/article06.policy");
                let start = six
                    .find("第六条")
                    .or_else(|| six.find("article 6 "))
                    .expect("an Article 6 heading");
                let text =
                    lsp_support::big_rule_file(&six[start..], 40, lines.parse().expect("LINES"));
                std::fs::write(root.join("rules").join(file), text).expect("write");
            }
            "locale" => locale = json!(rest),
            "options" => options = serde_json::from_str(rest).expect("options JSON"),
            _ => steps.push(line.to_string()),
        }
    }
    let mut c = Client::start(&root);
    let mut out = String::new();
    let (init, _) = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}, "locale": locale, "initializationOptions": options}),
    );
    let caps = init["result"]["capabilities"].as_object().map(|o| {
        let mut k: Vec<&String> = o.keys().collect();
        k.sort();
        k.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    });
    out.push_str(&format!("initialize: {}\n", caps.unwrap_or_default()));
    c.notify("initialized", json!({}));
    for step in steps {
        out.push_str(&format!("\n>> {step}\n"));
        let parts: Vec<String> = step
            .split_once(' ')
            .map_or("", |x| x.1)
            .split(" | ")
            .map(|s| s.replace("\\n", "\n"))
            .collect();
        let cmd = step.split(' ').next().unwrap_or("");
        let file = parts.first().cloned().unwrap_or_default();
        let doc = || json!({"uri": c.uri(&file)});
        let at = |c: &Client, end: bool| -> Value {
            let text = &c.texts[&file];
            let n = parts.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
            position(text, find(text, &parts[1], n, end))
        };
        match cmd {
            "open" | "open-facts" => {
                let path = if cmd == "open" {
                    c.path(&file)
                } else {
                    c.root.join("facts").join(&file)
                };
                let text = std::fs::read_to_string(&path).expect("fixture file");
                let uri = policy::lsp::file_uri(&path.display().to_string());
                c.texts.insert(file.clone(), text.clone());
                c.notify(
                    "textDocument/didOpen",
                    json!({"textDocument": {"uri": uri, "languageId": "policy", "version": 0, "text": text}}),
                );
            }
            "replace" => {
                let text = c.texts[&file].clone();
                let n = parts.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
                let start = find(&text, &parts[1], n, false);
                let end = start + parts[1].len();
                let range = json!({"start": position(&text, start), "end": position(&text, end)});
                let mut new = text.clone();
                new.replace_range(start..end, &parts[2]);
                c.texts.insert(file.clone(), new);
                c.versions += 1;
                c.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": c.uri(&file), "version": c.versions},
                           "contentChanges": [{"range": range, "text": parts[2]}]}),
                );
            }
            "close" => c.notify("textDocument/didClose", json!({"textDocument": doc()})),
            "type" => {
                // Type TEXT after ANCHOR one character at a time, without waiting; then show
                // only what was last published for the file (the earlier states may or may
                // not have been analysed: a burst of changes is analysed once).
                let mut at = find(&c.texts[&file], &parts[1], 1, true);
                for ch in parts[2].chars() {
                    let text = c.texts[&file].clone();
                    let pos = position(&text, at);
                    let mut new = text.clone();
                    new.insert(at, ch);
                    at += ch.len_utf8();
                    c.texts.insert(file.clone(), new);
                    c.versions += 1;
                    c.notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": c.uri(&file), "version": c.versions},
                               "contentChanges": [{"range": {"start": pos, "end": pos}, "text": ch.to_string()}]}),
                    );
                }
                let (_, notes) = c.request("policy/sync", json!({}));
                let last: Vec<Value> = notes
                    .iter()
                    .rfind(|n| n["params"]["uri"].as_str() == Some(c.uri(&file).as_str()))
                    .cloned()
                    .into_iter()
                    .collect();
                render_diagnostics(&c, &last, &mut out);
                let uri = c.uri(&file);
                let (r, _) = c.request(
                    "textDocument/documentSymbol",
                    json!({"textDocument": {"uri": uri}}),
                );
                out.push_str(&format!(
                    "  outline: {} top-level symbols\n",
                    r["result"].as_array().map_or(0, Vec::len)
                ));
            }
            "hover" | "definition" | "references" | "completion" => {
                let method = match cmd {
                    "hover" => "textDocument/hover",
                    "definition" => "textDocument/definition",
                    "references" => "textDocument/references",
                    _ => "textDocument/completion",
                };
                let pos = at(&c, cmd == "completion");
                let mut params = json!({"textDocument": doc(), "position": pos});
                if cmd == "references" {
                    params["context"] = json!({"includeDeclaration": true});
                }
                let (r, notes) = c.request(method, params);
                render_diagnostics(&c, &notes, &mut out);
                let result = &r["result"];
                if let Some(e) = r.get("error") {
                    out.push_str(&format!("  error {}\n", e["message"]));
                }
                match cmd {
                    "hover" => {
                        out.push_str(&format!(
                            "  range {}\n",
                            serde_json::to_string(&result["range"]).unwrap_or_default()
                        ));
                        for l in result["contents"]["value"]
                            .as_str()
                            .unwrap_or("(none)")
                            .lines()
                        {
                            out.push_str(&format!("  | {l}\n"));
                        }
                    }
                    "completion" => {
                        let items = result["items"].as_array().cloned().unwrap_or_default();
                        out.push_str(&format!("  {} items\n", items.len()));
                        for i in items.iter().take(40) {
                            out.push_str(&format!(
                                "  {} (kind {}) filter={} detail={}\n",
                                i["label"].as_str().unwrap_or(""),
                                i["kind"],
                                i["filterText"].as_str().unwrap_or(""),
                                i["detail"].as_str().unwrap_or("")
                            ));
                        }
                    }
                    _ => out.push_str(&format!("{}\n", indent(&c.shown(result)))),
                }
            }
            "symbols" => {
                let (r, notes) = c.request(
                    "textDocument/documentSymbol",
                    json!({"textDocument": doc()}),
                );
                render_diagnostics(&c, &notes, &mut out);
                render_symbols(&r["result"], 0, &mut out);
            }
            "format" => {
                let (r, notes) = c.request(
                    "textDocument/formatting",
                    json!({"textDocument": doc(), "options": {"tabSize": 2, "insertSpaces": true}}),
                );
                render_diagnostics(&c, &notes, &mut out);
                let edits = r["result"].as_array().cloned().unwrap_or_default();
                out.push_str(&format!("  {} edits\n", edits.len()));
                for e in edits {
                    out.push_str(&format!("  range {}\n", e["range"]));
                    for l in e["newText"].as_str().unwrap_or("").lines().take(12) {
                        out.push_str(&format!("  | {l}\n"));
                    }
                }
            }
            "actions" => {
                let text = &c.texts[&file];
                let start = find(text, &parts[1], 1, false);
                let range = json!({"start": position(text, start), "end": position(text, start + parts[1].len())});
                let (r, notes) = c.request(
                    "textDocument/codeAction",
                    json!({"textDocument": doc(), "range": range, "context": {"diagnostics": []}}),
                );
                render_diagnostics(&c, &notes, &mut out);
                for a in r["result"].as_array().cloned().unwrap_or_default() {
                    let edits = a["edit"]["changes"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "  {} [{}]\n",
                        a["title"].as_str().unwrap_or(""),
                        a["kind"].as_str().unwrap_or("")
                    ));
                    for (_, list) in edits {
                        for e in list.as_array().cloned().unwrap_or_default() {
                            out.push_str(&format!("    {} -> {}\n", e["range"], e["newText"]));
                        }
                    }
                }
            }
            "lens" => {
                let (r, notes) = c.request("textDocument/codeLens", json!({"textDocument": doc()}));
                render_diagnostics(&c, &notes, &mut out);
                for l in r["result"].as_array().cloned().unwrap_or_default() {
                    out.push_str(&format!(
                        "  {}:{} {} ({})\n",
                        l["range"]["start"]["line"],
                        l["range"]["start"]["character"],
                        l["command"]["title"].as_str().unwrap_or(""),
                        l["command"]["command"].as_str().unwrap_or("")
                    ));
                }
            }
            "hints" => {
                let end = c.texts[&file].matches('\n').count() + 1;
                let (r, notes) = c.request(
                    "textDocument/inlayHint",
                    json!({"textDocument": doc(), "range": {"start": {"line": 0, "character": 0}, "end": {"line": end, "character": 0}}}),
                );
                render_diagnostics(&c, &notes, &mut out);
                for h in r["result"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .take(20)
                {
                    out.push_str(&format!(
                        "  {}:{}{}\n",
                        h["position"]["line"],
                        h["position"]["character"],
                        h["label"].as_str().unwrap_or("")
                    ));
                }
            }
            "sync" => {
                let (r, notes) = c.request("policy/sync", json!({}));
                render_diagnostics(&c, &notes, &mut out);
                out.push_str(&format!(
                    "  error: {}\n",
                    r["error"]["message"].as_str().unwrap_or("(none)")
                ));
            }
            "request" => {
                let params: Value = serde_json::from_str(parts.get(1).map_or("{}", String::as_str))
                    .expect("params JSON");
                let (r, notes) = c.request(&file, params);
                render_diagnostics(&c, &notes, &mut out);
                let shown = r
                    .get("result")
                    .cloned()
                    .unwrap_or_else(|| json!({"error": r["error"]["message"]}));
                out.push_str(&format!("{}\n", indent(&c.shown(&shown))));
            }
            "shutdown" => {
                let (r, notes) = c.request("shutdown", Value::Null);
                render_diagnostics(&c, &notes, &mut out);
                out.push_str(&format!("  result {}\n", r["result"]));
                c.notify("exit", Value::Null);
                drop(c.stdin.take());
                let mut waited = Duration::ZERO;
                let status = loop {
                    if let Some(s) = c.child.try_wait().expect("wait") {
                        break s;
                    }
                    assert!(waited < WAIT, "the server did not exit");
                    std::thread::sleep(Duration::from_millis(20));
                    waited += Duration::from_millis(20);
                };
                out.push_str(&format!("  exit code {:?}\n", status.code()));
                return out;
            }
            other => panic!("unknown step {other:?}"),
        }
    }
    let _ = c.child.kill();
    out
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sessions() {
    insta::glob!("lsp/sessions/*.txt", |path| {
        let script = std::fs::read_to_string(path).expect("session");
        let transcript = run_session(&script);
        insta::with_settings!({
            description => script.trim_end().to_string(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(transcript);
        });
    });
}

/// The library's answers at every place of a rule file, whole and cut short at several
/// places: never a panic (the server would survive one, but the library must not).
#[test]
fn every_place_of_a_file_is_answered() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/rules/zh");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "policy"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect();
    files.sort();
    let i = files
        .iter()
        .position(|(n, _)| n.ends_with("article15.policy"))
        .expect("article15");
    let whole = files[i].1.clone();
    let cuts: Vec<usize> = [whole.len(), whole.len() / 2, whole.len() / 3, 7]
        .into_iter()
        .map(|mut c| {
            while !whole.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect();
    let uris: Vec<lsp_types::Uri> = files
        .iter()
        .map(|(n, _)| policy::lsp::file_uri(n).parse().expect("uri"))
        .collect();
    let mut answered = 0;
    for cut in cuts {
        files[i].1 = whole[..cut].to_string();
        let a = policy::lsp::Analysis::new(files.clone());
        let text = a.text(i).to_string();
        assert_eq!(text.len(), cut);
        let _ = policy::lsp::features::document_symbols(&a, i);
        let _ = policy::lsp::features::formatting(&a, i);
        for (n, (off, _)) in text.char_indices().chain([(text.len(), ' ')]).enumerate() {
            use policy::diag::Lang;
            if policy::lsp::features::hover(&a, i, off, Lang::Zh).is_some() {
                answered += 1;
            }
            let _ = policy::lsp::features::definition(&a, i, off, &uris);
            let _ = policy::lsp::features::completion(&a, i, off);
            if n % 25 == 0 {
                let _ = policy::lsp::features::references(&a, i, off, &uris, true);
            }
        }
    }
    // Most places of the whole file name something.
    assert!(answered > 300, "only {answered} places had a hover");
}
