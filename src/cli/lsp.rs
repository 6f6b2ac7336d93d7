//! `policy lsp`: the language server over stdio. This module holds the protocol loop
//! and the files on disk; the answers are computed by `policy::lsp` from texts.
//!
//! A rule set is a folder of `*.policy` files: a file opened in the editor is analysed
//! with the other rule files of its folder, open buffers taking the place of the files
//! on disk. Changes are applied at once but analysed only when no other change waits
//! (a burst of keystrokes costs one analysis), and before any request is answered.

use crate::common::{files_in, is_rule_file, read_text_diag};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, Formatting,
    GotoDefinition, HoverRequest, InlayHintRequest, References, Request as _,
};
use lsp_types::{
    CodeLens, CodeLensOptions, Command, CompletionOptions, InitializeParams, InlayHint,
    InlayHintLabel, OneOf, Position, PublishDiagnosticsParams, ServerCapabilities,
    TextDocumentContentChangeEvent, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use policy::diag::{Lang, Sources};
use policy::lsp::{features, file_uri, uri_path, Analysis, LineIndex};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A rule set being edited: its analysis and what was last published for it.
struct Set {
    analysis: Analysis,
    uris: Vec<Uri>,
    published: HashSet<String>,
    /// `docs/errors.md` beside the rule folder (or above it), if there is one.
    docs: Option<Uri>,
    /// The code lenses of the cases, for this analysis.
    lenses: Option<Vec<(usize, CodeLens)>>,
}

struct Server {
    lang: Lang,
    /// Open buffers by path.
    open: HashMap<String, String>,
    sets: HashMap<PathBuf, Set>,
    dirty: BTreeSet<PathBuf>,
    /// The facts file whose values the inlay hints show: the last one opened.
    facts: Option<PathBuf>,
}

/// Serve on stdin and stdout until the client says `exit`.
pub fn lsp() -> u8 {
    let (conn, io) = Connection::stdio();
    let code = match serve(&conn) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("policy lsp: {e}");
            1
        }
    };
    drop(conn);
    if let Err(e) = io.join() {
        eprintln!("policy lsp: {e}");
    }
    code
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), "“".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        inlay_hint_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn serve(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    let (id, params) = conn.initialize_start()?;
    let init: Option<InitializeParams> = serde_json::from_value(params).ok();
    let options = init.as_ref().and_then(|i| i.initialization_options.clone());
    let locale = init.as_ref().and_then(|i| i.locale.clone());
    let lang = match options
        .as_ref()
        .and_then(|o| o.get("lang"))
        .and_then(Value::as_str)
        .or(locale.as_deref())
    {
        Some(l) if l.starts_with("en") => Lang::En,
        _ => Lang::Zh,
    };
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "policy", "version": env!("CARGO_PKG_VERSION")},
    });
    conn.initialize_finish(id, result)?;
    let mut server = Server {
        lang,
        open: HashMap::new(),
        sets: HashMap::new(),
        dirty: BTreeSet::new(),
        facts: options
            .as_ref()
            .and_then(|o| o.get("facts"))
            .and_then(Value::as_str)
            .map(PathBuf::from),
    };
    let mut waiting: Option<Message> = None;
    loop {
        let msg = match waiting.take() {
            Some(m) => m,
            None => match conn.receiver.recv() {
                Ok(m) => m,
                Err(_) => return Ok(()),
            },
        };
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                server.flush(conn);
                let id = req.id.clone();
                let method = req.method.clone();
                let resp = match catch_unwind(AssertUnwindSafe(|| server.request(req))) {
                    Ok(Ok(v)) => Response::new_ok(id, v),
                    Ok(Err(e)) => Response::new_err(id, ErrorCode::InvalidParams as i32, e),
                    Err(_) => Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("policy lsp: answering {method} failed"),
                    ),
                };
                conn.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => {
                if n.method == lsp_types::notification::Exit::METHOD {
                    return Ok(());
                }
                if catch_unwind(AssertUnwindSafe(|| server.notification(n))).is_err() {
                    eprintln!("policy lsp: a notification could not be handled");
                }
                // Analyse only when no other message waits: a burst of changes is one analysis.
                match conn.receiver.try_recv() {
                    Ok(m) => waiting = Some(m),
                    Err(_) => server.flush(conn),
                }
            }
            Message::Response(_) => {}
        }
    }
}

fn param<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("invalid parameters: {e}"))
}

fn path_of(uri: &Uri) -> Option<String> {
    uri_path(uri.as_str())
}

fn uri_of(path: &str) -> Option<Uri> {
    Uri::from_str(&file_uri(path)).ok()
}

fn is_facts_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|x| ["json", "yaml", "yml", "toml"].iter().any(|e| x == *e))
}

/// The folder of a rule file.
fn folder(path: &str) -> PathBuf {
    match Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `docs/errors.md` in the rule folder or one of the four folders above it.
fn errors_doc(dir: &Path) -> Option<Uri> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .take(5)
        .map(|d| d.join("docs").join("errors.md"))
        .find(|p| p.is_file())
        .and_then(|p| uri_of(&p.display().to_string()))
}

impl Server {
    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = param::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    if let Some(path) = path_of(&p.text_document.uri) {
                        self.opened(path, p.text_document.text);
                    }
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = param::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    if let Some(path) = path_of(&p.text_document.uri) {
                        self.changed(&path, p.content_changes);
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = param::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    if let Some(path) = path_of(&p.text_document.uri) {
                        self.open.remove(&path);
                        if is_rule_file(Path::new(&path)) {
                            self.dirty.insert(folder(&path));
                        }
                    }
                }
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                // A file on disk changed: every set is read again.
                self.dirty.extend(self.sets.keys().cloned());
            }
            _ => {}
        }
    }

    fn opened(&mut self, path: String, text: String) {
        let p = Path::new(&path);
        if is_rule_file(p) {
            self.dirty.insert(folder(&path));
            self.open.insert(path, text);
        } else if is_facts_file(p) && !p.components().any(|c| c.as_os_str() == "cases") {
            // The example facts whose values the inlay hints show.
            self.facts = Some(p.to_path_buf());
            self.open.insert(path, text);
        }
    }

    fn changed(&mut self, path: &str, changes: Vec<TextDocumentContentChangeEvent>) {
        let Some(text) = self.open.get_mut(path) else {
            return;
        };
        for c in changes {
            match c.range {
                None => *text = c.text,
                Some(r) => {
                    let ix = LineIndex::new(text);
                    let start = ix.offset(text, r.start);
                    let end = ix.offset(text, r.end).max(start);
                    text.replace_range(start..end, &c.text);
                }
            }
        }
        if is_rule_file(Path::new(path)) {
            self.dirty.insert(folder(path));
        }
    }

    /// The rule files of a folder, open buffers in place of the files on disk.
    fn files(&self, dir: &Path) -> Vec<(String, String)> {
        let mut names: BTreeSet<String> = files_in(dir, "the policy folder", is_rule_file)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        names.extend(
            self.open
                .keys()
                .filter(|p| is_rule_file(Path::new(p.as_str())) && folder(p) == dir)
                .cloned(),
        );
        names
            .into_iter()
            .filter_map(|name| {
                let text = match self.open.get(&name) {
                    Some(t) => t.clone(),
                    None => match read_text_diag("rule file", Path::new(&name)) {
                        Ok(t) => t,
                        Err(d) => {
                            eprintln!("policy lsp: {}", d.message);
                            return None;
                        }
                    },
                };
                Some((name, text))
            })
            .collect()
    }

    /// Analyse every rule set that changed and publish its diagnostics.
    fn flush(&mut self, conn: &Connection) {
        while let Some(dir) = self.dirty.pop_first() {
            let files = self.files(&dir);
            let mut old = self.sets.remove(&dir);
            let earlier = old
                .as_mut()
                .map(|o| std::mem::replace(&mut o.analysis, Analysis::new(Vec::new())));
            let analysis = Analysis::update(files, earlier);
            // Every path gives a URI (`file_uri` encodes what a URI cannot hold).
            let Some(root) = uri_of("/") else { continue };
            let uris: Vec<Uri> = (0..analysis.file_count())
                .map(|i| uri_of(analysis.name(i)).unwrap_or_else(|| root.clone()))
                .collect();
            let docs = match &old {
                Some(o) => o.docs.clone(),
                None => errors_doc(&dir),
            };
            let diags = features::diagnostics(&analysis, &uris, self.lang, docs.as_ref());
            let mut published = HashSet::new();
            for (uri, list) in uris.iter().zip(diags) {
                if list.is_empty()
                    && !old
                        .as_ref()
                        .is_some_and(|o| o.published.contains(uri.as_str()))
                {
                    continue;
                }
                if !list.is_empty() {
                    published.insert(uri.as_str().to_string());
                }
                publish(conn, uri.clone(), list);
            }
            // A file that left the set (deleted, renamed) loses its diagnostics.
            if let Some(old) = &old {
                for gone in old
                    .published
                    .iter()
                    .filter(|u| !uris.iter().any(|x| x.as_str() == u.as_str()))
                {
                    if let Ok(u) = Uri::from_str(gone) {
                        publish(conn, u, Vec::new());
                    }
                }
            }
            self.sets.insert(
                dir,
                Set {
                    analysis,
                    uris,
                    published,
                    docs,
                    lenses: None,
                },
            );
        }
    }

    /// The set and file index of a document. Every open rule file's set is analysed
    /// before a request is answered; another document is not served.
    fn locate(&mut self, uri: &Uri) -> Result<(&mut Set, usize), String> {
        let path = path_of(uri).ok_or("only file:// documents are served")?;
        let dir = folder(&path);
        let set = self.sets.get_mut(&dir).ok_or("no rule set")?;
        let file = set
            .analysis
            .file_of(&path)
            .ok_or("not a rule file of the set")?;
        Ok((set, file))
    }

    fn request(&mut self, req: Request) -> Result<Value, String> {
        let lang = self.lang;
        let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| e.to_string());
        match req.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = param(req.params)?;
                let pos = p.text_document_position_params;
                let Ok((set, f)) = self.locate(&pos.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let off = offset(&set.analysis, f, pos.position);
                json(serde_json::to_value(features::hover(
                    &set.analysis,
                    f,
                    off,
                    lang,
                )))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = param(req.params)?;
                let pos = p.text_document_position_params;
                let Ok((set, f)) = self.locate(&pos.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let off = offset(&set.analysis, f, pos.position);
                json(serde_json::to_value(features::definition(
                    &set.analysis,
                    f,
                    off,
                    &set.uris,
                )))
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = param(req.params)?;
                let pos = p.text_document_position;
                let Ok((set, f)) = self.locate(&pos.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let off = offset(&set.analysis, f, pos.position);
                let refs = features::references(
                    &set.analysis,
                    f,
                    off,
                    &set.uris,
                    p.context.include_declaration,
                );
                json(serde_json::to_value(refs))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = param(req.params)?;
                let Ok((set, f)) = self.locate(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                json(serde_json::to_value(features::document_symbols(
                    &set.analysis,
                    f,
                )))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = param(req.params)?;
                let pos = p.text_document_position;
                let Ok((set, f)) = self.locate(&pos.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let off = offset(&set.analysis, f, pos.position);
                json(serde_json::to_value(features::completion(
                    &set.analysis,
                    f,
                    off,
                )))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = param(req.params)?;
                let Ok((set, f)) = self.locate(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                json(serde_json::to_value(features::formatting(&set.analysis, f)))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = param(req.params)?;
                let uri = p.text_document.uri.clone();
                let Ok((set, f)) = self.locate(&uri) else {
                    return Ok(Value::Null);
                };
                json(serde_json::to_value(features::code_actions(
                    &set.analysis,
                    f,
                    &uri,
                    p.range,
                    lang,
                )))
            }
            CodeLensRequest::METHOD => {
                let p: lsp_types::CodeLensParams = param(req.params)?;
                let uri = p.text_document.uri.clone();
                let dir = path_of(&uri).map(|p| folder(&p));
                let Ok((set, f)) = self.locate(&uri) else {
                    return Ok(Value::Null);
                };
                let lenses = set.lenses.get_or_insert_with(|| {
                    dir.map(|d| case_lenses(&set.analysis, &d, lang))
                        .unwrap_or_default()
                });
                let mine: Vec<&CodeLens> = lenses
                    .iter()
                    .filter(|(g, _)| *g == f)
                    .map(|(_, l)| l)
                    .collect();
                json(serde_json::to_value(mine))
            }
            InlayHintRequest::METHOD => {
                let p: lsp_types::InlayHintParams = param(req.params)?;
                let facts = self.facts.clone();
                let facts_text = facts.as_ref().and_then(|p| {
                    let name = p.display().to_string();
                    self.open
                        .get(&name)
                        .cloned()
                        .or_else(|| read_text_diag("facts file", p).ok())
                });
                let Ok((set, f)) = self.locate(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let hints = match (facts, facts_text) {
                    (Some(path), Some(text)) => inlay_hints(&set.analysis, f, &path, text),
                    _ => Vec::new(),
                };
                json(serde_json::to_value(hints))
            }
            _ => Err(format!("policy lsp does not answer {}", req.method)),
        }
    }
}

fn offset(a: &Analysis, file: usize, pos: Position) -> usize {
    a.line_index(file)
        .map_or(0, |ix| ix.offset(a.text(file), pos))
}

fn publish(conn: &Connection, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    let n = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
    if conn.sender.send(Message::Notification(n)).is_err() {
        eprintln!("policy lsp: the client went away");
    }
}

/// Run the cases of the set's `cases` folder and put, on each clause or decision they
/// pin, how many passed and failed: "▶ 12 通过 · 1 失败".
fn case_lenses(a: &Analysis, dir: &Path, lang: Lang) -> Vec<(usize, CodeLens)> {
    let Some(rules) = &a.rules else {
        return Vec::new();
    };
    let cases_dir = dir.join("cases");
    if !cases_dir.is_dir() {
        return Vec::new();
    }
    let Ok(files) = crate::test::case_files(std::slice::from_ref(&cases_dir)) else {
        return Vec::new();
    };
    let mut sources: Sources = a.sources.clone();
    // (file, start of the clause or decision) → (passed, failed, span)
    let mut tally: HashMap<(u32, u32), (usize, usize, policy::syntax::ast::Span)> = HashMap::new();
    for path in files.iter().take(1000) {
        let Some(fmt) = crate::test::format_of(path) else {
            continue;
        };
        let Ok(text) = read_text_diag("case file", path) else {
            continue;
        };
        let id = sources.add(path.display().to_string(), text);
        let text = sources.text(id).to_string();
        let Ok(cases) = policy::testing::parse_cases(rules, fmt, &text, id) else {
            continue;
        };
        for case in &cases {
            let Ok(program) = rules.at(case.as_of) else {
                continue;
            };
            let Ok(facts) = crate::test::case_facts(program, &mut sources, dir, path, case) else {
                continue;
            };
            let evaluation = policy::eval::evaluate(program, &facts, case.as_of, true);
            for r in policy::testing::compare(program, &evaluation, case) {
                let Some(d) = program.decisions.get(r.decision) else {
                    continue;
                };
                let span = match &d.kind {
                    policy::ir::DecisionKind::Clause(ci) => program
                        .articles
                        .get(d.article)
                        .and_then(|art| art.clauses.get(*ci))
                        .map_or(d.span, |c| c.span),
                    policy::ir::DecisionKind::Expr(_) => d.span,
                };
                let e = tally.entry((span.file, span.start)).or_insert((0, 0, span));
                if r.passed() {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
    }
    let mut out: Vec<(usize, CodeLens)> = tally
        .into_values()
        .filter(|(_, _, s)| (s.file as usize) < a.file_count())
        .map(|(pass, fail, span)| {
            let title = match lang {
                Lang::Zh => format!("▶ {pass} 通过 · {fail} 失败"),
                Lang::En => format!("▶ {pass} passed · {fail} failed"),
            };
            let at = features::span_range(a, span);
            let range = lsp_types::Range::new(at.start, at.start);
            let lens = CodeLens {
                range,
                command: Some(Command {
                    title,
                    command: "policy.runCases".into(),
                    arguments: Some(vec![Value::String(dir.display().to_string())]),
                }),
                data: None,
            };
            (span.file as usize, lens)
        })
        .collect();
    out.sort_by_key(|(f, l)| (*f, l.range.start.line, l.range.start.character));
    out
}

/// Inlay hints: after each fact written in the file, its value in the example facts file.
fn inlay_hints(a: &Analysis, file: usize, facts_path: &Path, text: String) -> Vec<InlayHint> {
    let Some(rules) = &a.rules else {
        return Vec::new();
    };
    let Some(fmt) = crate::test::format_of(facts_path) else {
        return Vec::new();
    };
    let program = &rules.program;
    let Ok(raw) = policy::facts::raw::parse(fmt, &text) else {
        return Vec::new();
    };
    let policy::facts::raw::RawKind::Object(top) = &raw.kind else {
        return Vec::new();
    };
    // Facts by name, written flat (`"recognition.date": …`) or nested (`recognition: {date: …}`).
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in top {
        values.insert(k.name.clone(), short(v));
        if let policy::facts::raw::RawKind::Object(inner) = &v.kind {
            for (k2, v2) in inner {
                values.insert(format!("{}.{}", k.name, k2.name), short(v2));
            }
        }
    }
    let _ = program;
    let mut out = Vec::new();
    let toks = a.tokens.get(file).map(Vec::as_slice).unwrap_or(&[]);
    for (i, t) in toks.iter().enumerate() {
        let Some(sym) = a.resolve(file, i) else {
            continue;
        };
        let Some(s) = a.symbols.get(sym) else {
            continue;
        };
        if s.kind != policy::lsp::analysis::SymKind::Fact {
            continue;
        }
        // `recognition.date`: the value goes after the last word of the name.
        let text_after = a.text(file).get(t.end..).unwrap_or("");
        if text_after.starts_with('.')
            && text_after
                .chars()
                .nth(1)
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        // The declaration names the fact; only uses get a value.
        if s.name_span.file as usize == file
            && (s.name_span.start as usize) <= t.start
            && t.end <= s.name_span.end as usize
        {
            continue;
        }
        let shown = values
            .get(s.name.as_str())
            .cloned()
            .unwrap_or_else(|| "?".into());
        let Some(ix) = a.line_index(file) else {
            continue;
        };
        out.push(InlayHint {
            position: ix.position(a.text(file), t.end),
            label: InlayHintLabel::String(format!(" = {shown}")),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(false),
            padding_right: Some(true),
            data: None,
        });
        if out.len() >= 2000 {
            break;
        }
    }
    out
}

/// A fact's value, short enough to stand in a line.
fn short(v: &policy::facts::raw::Raw) -> String {
    use policy::facts::raw::RawKind;
    let s = match &v.kind {
        RawKind::Bool(b) => b.to_string(),
        RawKind::Number(n) => n.clone(),
        RawKind::String(s) => format!("\"{s}\""),
        RawKind::Null => "null".into(),
        RawKind::Array(a) => format!("[{} …]", a.len()),
        RawKind::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .take(4)
                .map(|(k, v)| format!("{}: {}", k.name, short(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}
