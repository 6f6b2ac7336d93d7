//! The answers of the language server, computed from an [`Analysis`]: diagnostics,
//! hover, definitions and references, the outline, completion, quick fixes and
//! formatting. Files are named by their index in the analysis; `uris` gives each
//! file's URI, in the same order.

use super::analysis::{file_id, part_key_of, Analysis, NoteKind, SymKind, TokKind};
use crate::diag::{Diag, Lang, Level, Text};
use crate::syntax::ast::{self, ArticleItem, ClauseItem, Item};
use crate::syntax::{keywords, KeywordSet};
use lsp_types::{
    CodeAction, CodeActionKind, CodeDescription, CompletionItem, CompletionItemKind,
    CompletionList, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentSymbol,
    Hover, HoverContents, Location, MarkupContent, MarkupKind, NumberOrString, Position, Range,
    SymbolKind, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

fn pick(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Zh => zh.to_string(),
    }
}

/// The range of a span in its file (the start of the file when out of range).
pub fn span_range(a: &Analysis, span: ast::Span) -> Range {
    let f = span.file as usize;
    match a.line_index(f) {
        Some(ix) => ix.range(a.text(f), span.start as usize, span.end as usize),
        None => Range::default(),
    }
}

fn range_of(a: &Analysis, file: usize, start: usize, end: usize) -> Range {
    match a.line_index(file) {
        Some(ix) => ix.range(a.text(file), start, end),
        None => Range::default(),
    }
}

/// The diagnostics of every file of the rule set, by file index. A diagnostic without
/// a place goes to the first file. `docs` is the address of `docs/errors.md`, if known.
pub fn diagnostics(
    a: &Analysis,
    uris: &[Uri],
    lang: Lang,
    docs: Option<&Uri>,
) -> Vec<Vec<Diagnostic>> {
    let mut out: Vec<Vec<Diagnostic>> = vec![Vec::new(); a.file_count()];
    for d in &a.diags {
        let file = d.span.map_or(0, |s| s.file as usize);
        let Some(list) = out.get_mut(file) else {
            continue;
        };
        list.push(diagnostic(a, d, uris, lang, docs));
    }
    out
}

fn diagnostic(a: &Analysis, d: &Diag, uris: &[Uri], lang: Lang, docs: Option<&Uri>) -> Diagnostic {
    let range = d.span.map(|s| span_range(a, s)).unwrap_or_default();
    let mut message = d.message.get(lang).to_string();
    if let Some(l) = &d.label {
        message.push_str(&pick(lang, "\nhere: ", "\n此处："));
        message.push_str(l.get(lang));
    }
    if let Some(h) = &d.help {
        message.push_str(&pick(lang, "\nhelp: ", "\n帮助："));
        message.push_str(h.get(lang));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|(s, t)| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(uris.get(s.file as usize)?.clone(), span_range(a, *s)),
                message: t.get(lang).to_string(),
            })
        })
        .collect();
    Diagnostic {
        range,
        severity: Some(match d.level {
            Level::Error => DiagnosticSeverity::ERROR,
            Level::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: docs.map(|href| CodeDescription { href: href.clone() }),
        source: Some("policy".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The one replacement a diagnostic's help names, if it names exactly one: a name it
/// suggests (`did you mean`), the ASCII form of full-width punctuation, a number's unit.
pub fn fix_of(d: &Diag) -> Option<String> {
    let help: &Text = d.help.as_ref()?;
    let after = |marker: &str| -> Option<String> {
        let rest = help.en.split_once(marker)?.1;
        let (x, _) = rest.split_once('`')?;
        Some(x.to_string())
    };
    if let Some(x) = after("did you mean `") {
        return Some(x);
    }
    if let Some(x) = after("write the ASCII digit `").or_else(|| after("write the ASCII `")) {
        return Some(x);
    }
    if d.code == "policy::check::bare_number" {
        return after("/ write `");
    }
    None
}

/// Quick fixes for the diagnostics of `file` that touch `range`.
pub fn code_actions(
    a: &Analysis,
    file: usize,
    uri: &Uri,
    range: Range,
    lang: Lang,
) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in &a.diags {
        let Some(span) = d.span else { continue };
        if span.file as usize != file {
            continue;
        }
        let r = span_range(a, span);
        if r.end < range.start || range.end < r.start {
            continue;
        }
        let Some(new) = fix_of(d) else { continue };
        // lsp-types keys a workspace edit by URI (a type clippy sees as mutable: its
        // host is cached); the key is never changed after it is inserted.
        #[allow(clippy::mutable_key_type)]
        let mut changes = HashMap::new();
        changes.insert(uri.clone(), vec![TextEdit::new(r, new.clone())]);
        out.push(CodeAction {
            title: match lang {
                Lang::En => format!("Replace with `{new}`"),
                Lang::Zh => format!("改为 `{new}`"),
            },
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic(a, d, &[], lang, None)]),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    out
}

fn kind_word(k: SymKind, lang: Lang) -> String {
    let (en, zh) = match k {
        SymKind::Fact => ("fact", "事实"),
        SymKind::Parameter => ("parameter", "参数"),
        SymKind::Definition => ("definition", "定义"),
        SymKind::Decision => ("decision", "决定"),
        SymKind::Enum => ("category", "分类"),
        SymKind::Variant => ("category value", "分类值"),
        SymKind::Record => ("record", "记录"),
        SymKind::Field => ("field", "字段"),
        SymKind::Unit => ("unit", "单位"),
        SymKind::Article => ("article", "条"),
        SymKind::Clause => ("clause", "项"),
        SymKind::Rule => ("rule", "规则"),
    };
    pick(lang, en, zh)
}

fn note_word(k: NoteKind, lang: Lang) -> String {
    match k {
        NoteKind::Source => pick(lang, "Source", "原文"),
        NoteKind::Interpretation => pick(lang, "Interpretation", "解释"),
        NoteKind::Assumption => pick(lang, "Assumption", "假定"),
    }
}

/// Markdown describing a symbol.
pub fn describe(a: &Analysis, sym: usize, lang: Lang) -> Option<String> {
    let s = a.symbols.get(sym)?;
    let mut md = format!("**{}** `{}`", kind_word(s.kind, lang), s.name);
    if let Some(l) = &s.label {
        md.push_str(&format!(" — {l}"));
    }
    let colon = pick(lang, ": ", "：");
    match s.kind {
        SymKind::Fact => {
            md.push_str(&format!(
                "\n\n{}{colon}`{}`",
                pick(lang, "Type", "类型"),
                s.detail
            ));
            if let Some(u) = unit_of_type(a, &s.detail) {
                md.push_str(&format!("\n\n{}{colon}{u}", pick(lang, "Unit", "单位")));
            }
            let users = users_of(a, sym, lang);
            if !users.is_empty() {
                md.push_str(&format!(
                    "\n\n{}{colon}{}",
                    pick(lang, "Used by", "用于"),
                    users.join("、")
                ));
            }
        }
        SymKind::Parameter => {
            if s.dated.is_empty() {
                md.push_str(&format!(
                    "\n\n{}{colon}`{}`",
                    pick(lang, "Value", "取值"),
                    s.detail
                ));
            } else {
                md.push_str(&format!(
                    "\n\n{}{colon}",
                    pick(lang, "Values by date or version", "按日期或版本的取值")
                ));
                for (when, value, source) in &s.dated {
                    md.push_str(&format!("\n- {when}: `{value}`"));
                    if let Some(src) = source {
                        md.push_str(&format!(" — {src}"));
                    }
                }
            }
        }
        SymKind::Definition | SymKind::Decision | SymKind::Field | SymKind::Unit
            if !s.detail.is_empty() =>
        {
            md.push_str(&format!("\n\n`{}`", s.detail));
        }
        SymKind::Variant => {
            md.push_str(&format!(
                "\n\n{}{colon}`{}`",
                pick(lang, "Category", "分类"),
                s.detail
            ));
        }
        SymKind::Enum | SymKind::Record => {
            let kids: Vec<String> = a
                .symbols
                .iter()
                .filter(|k| k.parent == Some(sym))
                .map(|k| match &k.label {
                    Some(l) => format!("`{}` {l}", k.name),
                    None => format!("`{}`", k.name),
                })
                .collect();
            md.push_str(&format!("\n\n{}", kids.join(" · ")));
        }
        _ => {}
    }
    for n in &s.notes {
        md.push_str(&format!("\n\n{}{colon}{}", note_word(n.kind, lang), n.text));
    }
    if !s.legal.is_empty() {
        md.push_str(&format!("\n\n{}{colon}", pick(lang, "Legal text", "条文")));
        for l in &s.legal {
            md.push_str(&format!("\n> {l}"));
        }
    }
    Some(md)
}

/// The unit of a type as written: `亿元` of `series of 亿元`, `家` of `count 家`.
fn unit_of_type<'t>(a: &Analysis, ty: &'t str) -> Option<&'t str> {
    let last = ty.split_whitespace().last()?;
    a.symbols_named(last)
        .any(|i| a.symbols.get(i).is_some_and(|s| s.kind == SymKind::Unit))
        .then_some(last)
}

/// The items (decisions, definitions, parameters, rules) whose bodies name a symbol.
fn users_of(a: &Analysis, sym: usize, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (f, start, _) in a.references(sym) {
        let Some(item) = a.enclosing_item(f, start) else {
            continue;
        };
        if item == sym {
            continue;
        }
        let Some(s) = a.symbols.get(item) else {
            continue;
        };
        let name = match (s.kind, s.article) {
            (SymKind::Rule, _) => format!("“{}”", s.name),
            (_, Some(k)) if lang == Lang::Zh && k & ast::ANNEX_KEY == 0 => {
                format!("`第{}条.{}`", crate::numeral::chinese(k), s.name)
            }
            (_, Some(k)) => format!("`{}.{}`", ast::part_prefix(k), s.name),
            (_, None) => format!("`{}`", s.name),
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Hover at byte `offset` of `file`.
pub fn hover(a: &Analysis, file: usize, offset: usize, lang: Lang) -> Option<Hover> {
    if let Some(md) = assumption_at(a, file, offset, lang) {
        return Some(markdown(md, None));
    }
    let (i, t) = a.token_at(file, offset)?;
    let sym = a.resolve(file, i)?;
    let md = describe(a, sym, lang)?;
    Some(markdown(md, Some(range_of(a, file, t.start, t.end))))
}

fn markdown(value: String, range: Option<Range>) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    }
}

/// On an `assumption`: its text and every decision that relies on it.
fn assumption_at(a: &Analysis, file: usize, offset: usize, lang: Lang) -> Option<String> {
    let id = file_id(file);
    let (owner, note) = a.symbols.iter().find_map(|s| {
        s.notes
            .iter()
            .find(|n| {
                n.kind == NoteKind::Assumption
                    && n.span.file == id
                    && (n.span.start as usize) <= offset
                    && offset <= n.span.end as usize
            })
            .map(|n| (s, n))
    })?;
    let colon = pick(lang, ": ", "：");
    let mut md = format!(
        "**{}**{colon}{}",
        note_word(NoteKind::Assumption, lang),
        note.text
    );
    md.push_str(&format!(
        "\n\n{}{colon}`{}`",
        pick(lang, "Made for", "所属"),
        owner.name
    ));
    if let Some(rules) = &a.rules {
        let p = &rules.program;
        let ids: Vec<usize> = p
            .annotations
            .iter()
            .enumerate()
            .filter(|(_, an)| {
                an.span.file == id
                    && an.span.start == note.span.start
                    && an.span.end == note.span.end
            })
            .map(|(i, _)| i)
            .collect();
        let relying: Vec<String> = p
            .decisions
            .iter()
            .filter(|d| d.annotations.iter().any(|x| ids.contains(x)))
            .map(|d| match &d.label {
                Some(l) => format!("`{}` {l}", d.name),
                None => format!("`{}`", d.name),
            })
            .collect();
        md.push_str(&format!(
            "\n\n{}{colon}",
            pick(lang, "Decisions relying on it", "依赖此假定的决定")
        ));
        if relying.is_empty() {
            md.push_str(&pick(lang, "none", "无"));
        }
        for r in relying {
            md.push_str(&format!("\n- {r}"));
        }
    }
    Some(md)
}

/// Where the name at `offset` is declared.
pub fn definition(a: &Analysis, file: usize, offset: usize, uris: &[Uri]) -> Option<Location> {
    let (i, _) = a.token_at(file, offset)?;
    let s = a.symbols.get(a.resolve(file, i)?)?;
    Some(Location::new(
        uris.get(s.name_span.file as usize)?.clone(),
        span_range(a, s.name_span),
    ))
}

/// Every place the name at `offset` is written, the declaration included if asked.
pub fn references(
    a: &Analysis,
    file: usize,
    offset: usize,
    uris: &[Uri],
    declaration: bool,
) -> Vec<Location> {
    let Some(sym) = a
        .token_at(file, offset)
        .and_then(|(i, _)| a.resolve(file, i))
    else {
        return Vec::new();
    };
    let decl = a.symbols.get(sym).map(|s| s.name_span);
    a.references(sym)
        .into_iter()
        .filter(|(f, start, _)| {
            declaration
                || !decl.is_some_and(|d| {
                    d.file as usize == *f && (d.start as usize) <= *start && *start < d.end as usize
                })
        })
        .filter_map(|(f, s, e)| Some(Location::new(uris.get(f)?.clone(), range_of(a, f, s, e))))
        .collect()
}

/// The outline of a file: chapters, articles, clauses and their rules, decisions,
/// parameters and definitions; facts, categories and records at the top.
pub fn document_symbols(a: &Analysis, file: usize) -> Vec<DocumentSymbol> {
    let Some(Some(tree)) = a.trees.get(file) else {
        return Vec::new();
    };
    let zh = a.keyword_set(file) == KeywordSet::Zh;
    let mut out: Vec<DocumentSymbol> = Vec::new();
    let mut chapter: Option<DocumentSymbol> = None;
    for item in &tree.items {
        let s = match item {
            Item::Chapter(c) => {
                if let Some(ch) = chapter.take() {
                    out.push(ch);
                }
                let name = if zh {
                    format!("第{}章", c.number.text)
                } else {
                    format!("chapter {}", c.number.text)
                };
                chapter = Some(node(
                    a,
                    name,
                    c.title.as_ref().map(|t| t.value.clone()),
                    SymbolKind::NAMESPACE,
                    c.span,
                    c.span,
                    Vec::new(),
                ));
                continue;
            }
            Item::Article(art) => article_symbol(a, art, zh),
            Item::Policy(p) => node(
                a,
                p.title.value.clone(),
                None,
                SymbolKind::FILE,
                p.span,
                p.title.span,
                Vec::new(),
            ),
            Item::Fact(f) => named(
                a,
                &f.name,
                f.label.as_ref(),
                SymbolKind::FIELD,
                f.span,
                Vec::new(),
            ),
            Item::Parameter(p) => named(
                a,
                &p.name,
                p.label.as_ref(),
                SymbolKind::CONSTANT,
                p.span,
                Vec::new(),
            ),
            Item::Definition(d) => named(
                a,
                &d.name,
                d.label.as_ref(),
                SymbolKind::FUNCTION,
                d.span,
                Vec::new(),
            ),
            Item::Enum(e) => {
                let kids = e
                    .variants
                    .iter()
                    .map(|v| {
                        named(
                            a,
                            &v.name,
                            v.label.as_ref(),
                            SymbolKind::ENUM_MEMBER,
                            v.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                named(a, &e.name, e.label.as_ref(), SymbolKind::ENUM, e.span, kids)
            }
            Item::Record(r) => {
                let kids = r
                    .fields
                    .iter()
                    .map(|f| {
                        named(
                            a,
                            &f.name,
                            f.label.as_ref(),
                            SymbolKind::FIELD,
                            f.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                named(
                    a,
                    &r.name,
                    r.label.as_ref(),
                    SymbolKind::STRUCT,
                    r.span,
                    kids,
                )
            }
            Item::Dimension(d) => named(
                a,
                &d.name,
                d.label.as_ref(),
                SymbolKind::CLASS,
                d.span,
                Vec::new(),
            ),
        };
        match (&mut chapter, item) {
            (Some(ch), Item::Article(_)) => {
                ch.range.end = s.range.end;
                ch.children.get_or_insert_with(Vec::new).push(s);
            }
            _ => out.push(s),
        }
    }
    if let Some(ch) = chapter {
        out.push(ch);
    }
    out
}

fn article_symbol(a: &Analysis, art: &ast::Article, zh: bool) -> DocumentSymbol {
    let name = match (art.kind, zh) {
        (ast::PartKind::Article, true) => format!("第{}条", crate::numeral::chinese(art.number)),
        (ast::PartKind::Annex, true) => format!(
            "附件{}",
            if art.number == 0 {
                String::new()
            } else {
                art.number.to_string()
            }
        ),
        _ => ast::part_name(art.key()),
    };
    let mut kids = Vec::new();
    for item in &art.items {
        match item {
            ArticleItem::Text(_) => {}
            ArticleItem::Clause(c) => {
                let name = if zh {
                    format!("（{}）", crate::numeral::chinese(c.number))
                } else {
                    format!("clause {}", c.number)
                };
                let mut inner = Vec::new();
                for ci in &c.items {
                    match ci {
                        ClauseItem::Rule(r) => inner.push(rule_symbol(a, r)),
                        ClauseItem::Parameter(p) => inner.push(named(
                            a,
                            &p.name,
                            p.label.as_ref(),
                            SymbolKind::CONSTANT,
                            p.span,
                            Vec::new(),
                        )),
                        ClauseItem::Definition(d) => inner.push(named(
                            a,
                            &d.name,
                            d.label.as_ref(),
                            SymbolKind::FUNCTION,
                            d.span,
                            Vec::new(),
                        )),
                        ClauseItem::Text(_) | ClauseItem::NotAssessed(_) => {}
                    }
                }
                kids.push(node(
                    a,
                    name,
                    c.title.as_ref().map(|t| t.value.clone()),
                    SymbolKind::MODULE,
                    c.span,
                    c.number_span,
                    inner,
                ));
            }
            ArticleItem::Rule(r) => kids.push(rule_symbol(a, r)),
            ArticleItem::Decision(d) => kids.push(named(
                a,
                &d.name,
                d.label.as_ref(),
                SymbolKind::PROPERTY,
                d.span,
                Vec::new(),
            )),
            ArticleItem::Parameter(p) => kids.push(named(
                a,
                &p.name,
                p.label.as_ref(),
                SymbolKind::CONSTANT,
                p.span,
                Vec::new(),
            )),
            ArticleItem::Definition(d) => kids.push(named(
                a,
                &d.name,
                d.label.as_ref(),
                SymbolKind::FUNCTION,
                d.span,
                Vec::new(),
            )),
        }
    }
    node(
        a,
        name,
        art.title.as_ref().map(|t| t.value.clone()),
        SymbolKind::MODULE,
        art.span,
        art.number_span,
        kids,
    )
}

fn rule_symbol(a: &Analysis, r: &ast::RuleDecl) -> DocumentSymbol {
    node(
        a,
        r.title.value.clone(),
        None,
        SymbolKind::BOOLEAN,
        r.span,
        r.title.span,
        Vec::new(),
    )
}

/// The symbol of a declaration with a name and an optional label (shown as its detail).
fn named(
    a: &Analysis,
    name: &ast::Ident,
    label: Option<&ast::Str>,
    kind: SymbolKind,
    span: ast::Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    node(
        a,
        name.name.clone(),
        label.map(|l| l.value.clone()),
        kind,
        span,
        name.span,
        children,
    )
}

#[allow(deprecated)] // `deprecated` is a field every DocumentSymbol must give.
fn node(
    a: &Analysis,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: ast::Span,
    name_span: ast::Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let range = span_range(a, span);
    let mut selection = span_range(a, name_span);
    if selection.start < range.start || selection.end > range.end {
        selection = range;
    }
    DocumentSymbol {
        name: if name.is_empty() { "?".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: (!children.is_empty()).then_some(children),
    }
}

/// The initials of the pinyin of a name: `czxx` for `产值下限`; other characters are kept
/// (lower-cased ASCII letters and digits), so `cz2` is found by `cz`.
pub fn initials(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

/// How a typed prefix matches a name: by the name itself or by pinyin initials.
fn matches(prefix: &str, name: &str, label: Option<&str>) -> Option<String> {
    let p = prefix.to_ascii_lowercase();
    let lower = name.to_ascii_lowercase();
    // By the name: from its start or from the start of a part (`out` finds `sme_output_value`);
    // a Chinese prefix anywhere in it.
    let by_name = prefix.is_empty()
        || lower.starts_with(&p)
        || lower.split(['_', '.']).any(|part| part.starts_with(&p))
        || (!prefix.is_ascii() && name.contains(prefix));
    if by_name {
        return Some(name.to_string());
    }
    if prefix.is_ascii() {
        let ini = initials(name);
        if ini.starts_with(&p) {
            return Some(format!("{p}{}", ini.get(p.len()..).unwrap_or("")));
        }
        if let Some(l) = label {
            let li = initials(l);
            if li.starts_with(&p) {
                return Some(li);
            }
        }
    }
    if let Some(l) = label {
        if l.contains(prefix) {
            return Some(format!("{name} {l}"));
        }
    }
    None
}

/// The most items a completion list holds.
const MAX_ITEMS: usize = 200;

/// Completion at byte `offset` of `file`.
pub fn completion(a: &Analysis, file: usize, offset: usize) -> CompletionList {
    let text = a.text(file);
    let before = text.get(..offset).unwrap_or("");
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(offset, |(i, _)| i);
    let prefix = text.get(word_start..offset).unwrap_or("");
    let replace = range_of(a, file, word_start, offset);
    let line_before = before.rsplit('\n').next().unwrap_or("");
    let in_string = {
        let toks = a.tokens.get(file).map(Vec::as_slice).unwrap_or(&[]);
        toks.iter().any(|t| {
            t.kind == TokKind::Str
                && t.start <= offset
                && offset <= t.end
                && t.start < offset.max(1)
        }) || (line_before.matches('"').count() % 2 == 1)
            || line_before.matches('“').count() > line_before.matches('”').count()
    };
    let mut items: Vec<CompletionItem> = Vec::new();
    let mut add =
        |name: &str, label: Option<&str>, kind: CompletionItemKind, detail: Option<String>| {
            if items.len() >= MAX_ITEMS || items.iter().any(|i| i.label == name) {
                return;
            }
            let Some(filter) = matches(prefix, name, label) else {
                return;
            };
            items.push(CompletionItem {
                label: name.to_string(),
                kind: Some(kind),
                detail: detail.or_else(|| label.map(str::to_string)),
                filter_text: Some(filter),
                text_edit: Some(lsp_types::CompletionTextEdit::Edit(TextEdit::new(
                    replace,
                    name.to_string(),
                ))),
                ..CompletionItem::default()
            });
        };
    if in_string {
        for s in a.symbols.iter().filter(|s| s.kind == SymKind::Variant) {
            add(
                &s.name,
                s.label.as_deref(),
                CompletionItemKind::ENUM_MEMBER,
                Some(format!("{} {}", s.detail, s.label.as_deref().unwrap_or(""))),
            );
        }
        items.sort_by_key(|i| !i.label.starts_with(prefix));
        return CompletionList {
            is_incomplete: true,
            items,
        };
    }
    let dotted = before.get(..word_start).filter(|b| b.ends_with('.'));
    if let Some(b) = dotted {
        let head: String = b
            .trim_end_matches('.')
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if let Some(key) = part_key_of(&head) {
            for s in a.symbols.iter().filter(|s| s.article == Some(key)) {
                if matches!(
                    s.kind,
                    SymKind::Decision | SymKind::Definition | SymKind::Parameter | SymKind::Clause
                ) {
                    add(
                        &s.name,
                        s.label.as_deref(),
                        CompletionItemKind::PROPERTY,
                        None,
                    );
                }
            }
        }
        let lead = format!("{head}.");
        for s in a.symbols.iter().filter(|s| s.kind == SymKind::Fact) {
            if let Some(rest) = s.name.strip_prefix(&lead) {
                add(
                    rest,
                    s.label.as_deref(),
                    CompletionItemKind::FIELD,
                    Some(s.detail.clone()),
                );
            }
        }
        for s in a.symbols.iter().filter(|s| s.kind == SymKind::Field) {
            add(
                &s.name,
                s.label.as_deref(),
                CompletionItemKind::FIELD,
                Some(s.detail.clone()),
            );
        }
        return CompletionList {
            is_incomplete: true,
            items,
        };
    }
    let here = a.article_at(file, offset);
    for s in &a.symbols {
        let kind = match s.kind {
            SymKind::Fact => CompletionItemKind::FIELD,
            SymKind::Parameter => CompletionItemKind::CONSTANT,
            SymKind::Definition => CompletionItemKind::FUNCTION,
            SymKind::Decision if s.article == here => CompletionItemKind::PROPERTY,
            SymKind::Enum => CompletionItemKind::ENUM,
            SymKind::Record => CompletionItemKind::STRUCT,
            SymKind::Unit => CompletionItemKind::UNIT,
            _ => continue,
        };
        add(
            &s.name,
            s.label.as_deref(),
            kind,
            (!s.detail.is_empty()).then(|| s.detail.clone()),
        );
    }
    let set = a.keyword_set(file);
    for (en, zh) in keywords::WORDS.iter().chain(keywords::EXTRA_ZH) {
        let w = match set {
            KeywordSet::En => *en,
            KeywordSet::Zh => *zh,
        };
        if !w.contains('…') {
            add(w, None, CompletionItemKind::KEYWORD, None);
        }
    }
    // Names that begin with what was typed come first.
    items.sort_by_key(|i| !i.label.starts_with(prefix));
    CompletionList {
        is_incomplete: true,
        items,
    }
}

/// The edits that format a file, or none when it is formatted or does not parse.
pub fn formatting(a: &Analysis, file: usize) -> Vec<TextEdit> {
    let text = a.text(file);
    match crate::fmt::format(file_id(file), text) {
        Ok(new) if new != text => {
            let end = a
                .line_index(file)
                .map_or(Position::default(), |ix| ix.position(text, text.len()));
            vec![TextEdit::new(Range::new(Position::new(0, 0), end), new)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_initials_find_chinese_names() {
        assert_eq!(initials("产值下限"), "czxx");
        assert_eq!(initials("近三年内2"), "jsnn2");
        assert!(matches("cz", "产值下限", None).is_some());
        assert!(matches("xx", "产值下限", None).is_none());
    }

    #[test]
    fn completion_offers_names_by_initials() {
        let text = "parameter 产值下限 = 30\nparameter b = cz\n";
        let a = Analysis::new(vec![("a.policy".into(), text.into())]);
        let at = text.len() - 1;
        let list = completion(&a, 0, at);
        let labels: Vec<&str> = list.items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["产值下限"]);
    }
}
