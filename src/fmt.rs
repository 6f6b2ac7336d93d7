//! `policy fmt`: one canonical layout of a rule file.
//!
//! The file is parsed, and the syntax tree is printed again in the canonical layout.
//! The tree has no comments, so they are recovered from the source text by position:
//! a comment is written before the first token that followed it in the source — on
//! its own line if it stood on its own line, at the end of the line otherwise.
//!
//! The layout:
//! - two spaces per level of nesting; no blank line after `{` or before `}`; the
//!   author's blank lines between items are kept (several become one); the file ends
//!   with one newline;
//! - a parameter, fact, unit, variant or field on one line; the body of a definition,
//!   decision or rule on the line after its head, two spaces further in; annotations
//!   (`source`, `interpretation`, `assumption`) each on a line of their own below;
//! - an `if … then … else if …` body has each `else` on a line of its own; a body
//!   wider than [`WIDTH`] columns (a Chinese character counts two) is broken before
//!   each top-level `or` (then `and`), the continuation two spaces further in;
//! - one space around binary operators, after commas and colons; `≥ ≤ ≠ × ÷` are
//!   written `>= <= != * /`; `%` follows its number, other units stand a space apart;
//! - strings, numbers and dates exactly as written.
//!
//! [`format()`] re-parses what it printed and refuses to return a text whose tree
//! differs from the input's, or that lost a comment: formatting never changes meaning.
//!
//! A file is printed in its own keyword set (English or Chinese, see
//! [`crate::syntax::keywords`]); [`format_in`] prints it in the set asked for, which is
//! how `policy fmt --keywords zh|en` translates. The Chinese layout writes `：` after
//! titles, types and quantifiers, `第六条` and `（二）` in Chinese numerals, and ASCII
//! `,` `(` `)` inside expressions. A name written joined to a Chinese keyword
//! (`每个y属于近三年`, `policy::parse::keyword_joined`) is given its spaces first.

use crate::diag::Diag;
use crate::syntax::ast::*;
use crate::syntax::keywords::{self, KeywordSet};
use crate::syntax::{parse_file_any_set, parse_file_keywords};
use unicode_width::UnicodeWidthStr;

/// The widest a body line may be before it is broken, in terminal columns.
pub const WIDTH: usize = 100;
const STEP: usize = 2;

/// A comment of the source: its byte range and whether code precedes it on its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub trailing: bool,
}

/// Every comment of a rule file, in order. Strings are skipped (a `#` in a string is text).
pub fn comments(src: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut in_string = false;
    // Depth of “…” strings, which nest.
    let mut cn_string = 0usize;
    let mut escaped = false;
    let mut line_has_code = false;
    let mut skip_to = 0;
    for (i, c) in src.char_indices() {
        if i < skip_to {
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                '\n' => {
                    in_string = false;
                    line_has_code = false;
                }
                _ => {}
            }
            continue;
        }
        if cn_string > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '“' => cn_string += 1,
                '”' => cn_string -= 1,
                '\n' => {
                    cn_string = 0;
                    line_has_code = false;
                }
                _ => {}
            }
            continue;
        }
        match c {
            '\n' => line_has_code = false,
            '#' => {
                let end = src
                    .get(i..)
                    .and_then(|r| r.find(['\n', '\r']))
                    .map_or(src.len(), |n| i + n);
                out.push(Comment {
                    start: i,
                    end,
                    text: src.get(i..end).unwrap_or("").trim_end().to_string(),
                    trailing: line_has_code,
                });
                skip_to = end;
            }
            '"' => {
                in_string = true;
                line_has_code = true;
            }
            '“' => {
                cn_string = 1;
                line_has_code = true;
            }
            c if c.is_whitespace() => {}
            _ => line_has_code = true,
        }
    }
    out
}

/// Format one rule file in its own keyword set. `file` is the index its spans (and any
/// diagnostic) carry. A file that does not parse is returned as its parse errors.
pub fn format(file: u32, src: &str) -> Result<String, Vec<Diag>> {
    format_in(file, src, None)
}

/// Format one rule file in the keyword set `to` (its own set when `None`): `policy fmt
/// --keywords`. A file that mixes the two sets can be written in one this way.
pub fn format_in(file: u32, src: &str, to: Option<KeywordSet>) -> Result<String, Vec<Diag>> {
    let spaced = space_joined_keywords(file, src, to.is_some())?;
    let src = spaced.as_str();
    let (ast, set) = match to {
        Some(set) => (parse_file_any_set(file, src)?, set),
        None => {
            let (ast, set) = parse_file_keywords(file, src)?;
            (ast, set.unwrap_or_default())
        }
    };
    let out = print_in(src, &ast, set);
    // Never hand back a text that means something else, or lost a comment.
    let again = parse_file_keywords(file, &out).map_err(|_| vec![internal("does not parse")])?;
    if again.0 != ast || again.1.is_some_and(|s| s != set) {
        return Err(vec![internal("would change the meaning")]);
    }
    let texts = |s: &str| comments(s).into_iter().map(|c| c.text).collect::<Vec<_>>();
    if texts(src) != texts(&out) {
        return Err(vec![internal("would lose or reorder a comment")]);
    }
    Ok(out)
}

/// The source with spaces put around the Chinese keywords that names were written
/// joined to (`每个y属于近三年` → `每个 y 属于 近三年`), as `policy::parse::keyword_joined`
/// suggests; the source itself when it has none. Other parse errors are returned.
fn space_joined_keywords(file: u32, src: &str, any_set: bool) -> Result<String, Vec<Diag>> {
    let mut text = src.to_string();
    // Each round removes at least one joined name; a file has fewer names than bytes.
    for _ in 0..=src.len() {
        let parsed = if any_set {
            parse_file_any_set(file, &text).map(|_| ())
        } else {
            parse_file_keywords(file, &text).map(|_| ())
        };
        let Err(diags) = parsed else {
            return Ok(text);
        };
        if diags
            .iter()
            .any(|d| d.code != "policy::parse::keyword_joined")
        {
            return Err(diags);
        }
        let mut spans: Vec<Span> = diags.iter().filter_map(|d| d.span).collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.start));
        spans.dedup_by_key(|s| s.start);
        let before = text.clone();
        for s in spans {
            let fixed = text.get(s.range()).and_then(keywords::split_joined);
            if let Some(fixed) = fixed {
                text.replace_range(s.range(), &fixed);
            }
        }
        if text == before {
            return Err(diags);
        }
    }
    Ok(text)
}

fn internal(what: &str) -> Diag {
    Diag::error(
        "policy::fmt::unsafe",
        (
            format!("the formatted file {what}, so the file was left as it is"),
            format!(
                "格式化后的文件{}，原文件未作改动",
                crate::diag::zh_term(what)
            ),
        ),
    )
    .help((
        "this is a fault in `policy fmt`; please report it with the file",
        "这是 `policy fmt` 的缺陷，请连同该文件一并报告",
    ))
}

/// Print a parsed file in the canonical layout, with the comments of `src`.
pub fn print(src: &str, file: &File) -> String {
    print_in(src, file, KeywordSet::En)
}

/// Print a parsed file in the canonical layout of a keyword set, with the comments of `src`.
pub fn print_in(src: &str, file: &File, set: KeywordSet) -> String {
    let mut p = Printer {
        zh: set == KeywordSet::Zh,
        src,
        comments: comments(src),
        next: 0,
        lines: Vec::new(),
        cur: String::new(),
        indent: 0,
        cont: false,
        last: 0,
    };
    for item in &file.items {
        p.item(item);
    }
    p.at(usize::MAX);
    p.end_line();
    while p.lines.last().is_some_and(|l| l.is_empty()) {
        p.lines.pop();
    }
    let mut out = p.lines.join("\n");
    out.push('\n');
    out
}

struct Printer<'a> {
    /// Writing the Chinese keyword set.
    zh: bool,
    src: &'a str,
    comments: Vec<Comment>,
    next: usize,
    lines: Vec<String>,
    cur: String,
    indent: usize,
    /// A comment broke the current construct: continue further in.
    cont: bool,
    /// The end of the last source text written.
    last: usize,
}

fn start(s: Span) -> usize {
    s.start as usize
}

impl Printer<'_> {
    // ── keywords ──

    /// A keyword, in the set being written (`en` is the English word).
    fn k(&self, en: &'static str) -> &'static str {
        if self.zh {
            keywords::zh(en).unwrap_or(en)
        } else {
            en
        }
    }

    /// The keyword and a space: `rule `, `规则 `.
    fn kw_(&mut self, en: &'static str) {
        let k = self.k(en);
        self.word(k);
        self.word(" ");
    }

    /// A space and the keyword: ` ordered`, ` 有序`.
    fn _kw(&mut self, en: &'static str) {
        let k = self.k(en);
        self.word(" ");
        self.word(k);
    }

    /// The keyword between spaces: ` in `, ` 属于 `.
    fn _kw_(&mut self, en: &'static str) {
        self._kw(en);
        self.word(" ");
    }

    /// The colon before a type or a body on the same line: `: `, `：`.
    fn colon(&mut self) {
        self.word(if self.zh { "：" } else { ": " });
    }

    /// ` applies when `, ` 适用条件 `.
    fn applies(&mut self) {
        self.word(if self.zh {
            " 适用条件 "
        } else {
            " applies when "
        });
    }

    // ── lines and comments ──

    fn word(&mut self, s: &str) {
        if self.cur.is_empty() {
            let n = self.indent + if self.cont { 2 * STEP } else { 0 };
            self.cur = " ".repeat(n);
        }
        self.cur.push_str(s);
    }

    fn flush_line(&mut self) {
        if !self.cur.is_empty() {
            let l = self.cur.trim_end().to_string();
            self.lines.push(l);
            self.cur.clear();
        }
    }

    /// End the current line of a construct.
    fn end_line(&mut self) {
        self.flush_line();
        self.cont = false;
    }

    fn column(&self) -> usize {
        if self.cur.is_empty() {
            self.indent + if self.cont { 2 * STEP } else { 0 }
        } else {
            self.cur.width()
        }
    }

    /// Whether the source has a blank line between the last text written and `pos`.
    fn blank_before(&self, pos: usize) -> bool {
        let gap = self.src.get(self.last.min(pos)..pos).unwrap_or("");
        gap.matches('\n').count() >= 2
    }

    fn blank(&mut self) {
        self.flush_line();
        let after_open = self
            .lines
            .last()
            .is_none_or(|l| l.is_empty() || l.ends_with('{'));
        if !after_open {
            self.lines.push(String::new());
        }
    }

    /// Write every comment that stands before `pos` in the source.
    fn at(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).cloned() {
            if c.start >= pos {
                break;
            }
            self.next += 1;
            if c.trailing && !self.cur.trim().is_empty() {
                self.cur.push_str("  ");
                self.cur.push_str(&c.text);
                self.flush_line();
                self.cont = true;
            } else if c.trailing
                && self.cur.is_empty()
                && self.lines.last().is_some_and(|l| !l.is_empty())
            {
                if let Some(l) = self.lines.last_mut() {
                    l.push_str("  ");
                    l.push_str(&c.text);
                }
            } else {
                let mid = !self.cur.trim().is_empty();
                self.flush_line();
                if mid {
                    self.cont = true;
                }
                if self.blank_before(c.start) {
                    self.blank();
                }
                self.word(&c.text);
                self.flush_line();
            }
            self.last = self.last.max(c.end);
        }
    }

    /// Start a line-level construct at `pos`: its comments, then a blank line if
    /// the author left one.
    fn line_at(&mut self, pos: usize) {
        self.at(pos);
        self.end_line();
        if self.blank_before(pos) {
            self.blank();
        }
    }

    fn seen(&mut self, span: Span) {
        self.last = self.last.max(span.end as usize);
    }

    /// A token with a place in the source.
    fn tok(&mut self, span: Span, text: &str) {
        self.at(start(span));
        self.word(text);
        self.seen(span);
    }

    fn source_text(&self, span: Span) -> Option<&str> {
        self.src.get(span.range())
    }

    fn string(&mut self, s: &Str) {
        let text = match self.source_text(s.span) {
            Some(t) if is_string_literal(t) => t.to_string(),
            _ => quote(&s.value),
        };
        self.tok(s.span, &text);
    }

    fn ident(&mut self, id: &Ident) {
        self.tok(id.span, &id.name);
    }

    fn label(&mut self, l: &Option<Str>) {
        if let Some(l) = l {
            self.word(" ");
            self.string(l);
        }
    }

    fn open(&mut self) {
        self.word(" {");
        self.end_line();
        self.indent += STEP;
    }

    fn close(&mut self, span: Span) {
        let brace = (span.end as usize).saturating_sub(1);
        self.at(brace);
        self.end_line();
        self.indent = self.indent.saturating_sub(STEP);
        self.word("}");
        self.end_line();
        self.seen(span);
    }

    // ── items ──

    fn item(&mut self, item: &Item) {
        match item {
            Item::Policy(h) => self.policy(h),
            Item::Dimension(d) => {
                self.line_at(start(d.span));
                self.kw_("dimension");
                self.ident(&d.name);
                self.label(&d.label);
                if d.bare_numbers {
                    self._kw("bare_numbers");
                }
                self.open();
                for u in &d.units {
                    self.line_at(start(u.span));
                    self.ident(&u.name);
                    if let Some(of) = &u.of {
                        self.word(" = ");
                        let f = self
                            .source_text(u.factor_span)
                            .filter(|t| {
                                !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.')
                            })
                            .map(str::to_string)
                            .unwrap_or_else(|| u.factor.to_string());
                        self.tok(u.factor_span, &f);
                        self.word(" ");
                        self.ident(of);
                    }
                    self.end_line();
                }
                self.close(d.span);
            }
            Item::Enum(e) => {
                self.line_at(start(e.span));
                self.kw_("enum");
                self.ident(&e.name);
                self.label(&e.label);
                if e.ordered {
                    self._kw("ordered");
                }
                self.open();
                for v in &e.variants {
                    self.line_at(start(v.name.span));
                    self.ident(&v.name);
                    self.label(&v.label);
                    self.end_line();
                }
                self.close(e.span);
            }
            Item::Record(r) => {
                self.line_at(start(r.span));
                self.kw_("record");
                self.ident(&r.name);
                self.label(&r.label);
                self.open();
                for f in &r.fields {
                    self.line_at(start(f.name.span));
                    self.ident(&f.name);
                    self.colon();
                    self.ty(&f.ty);
                    self.label(&f.label);
                    self.end_line();
                }
                self.close(r.span);
            }
            Item::Fact(f) => {
                self.line_at(start(f.span));
                self.kw_("fact");
                self.ident(&f.name);
                self.label(&f.label);
                self.colon();
                self.ty(&f.ty);
                self.end_line();
                self.seen(f.span);
            }
            Item::Parameter(p) => self.parameter(p),
            Item::Definition(d) => self.definition(d),
            Item::Article(a) => self.article(a),
            Item::Chapter(c) => {
                self.line_at(start(c.span));
                if self.zh {
                    self.word("第");
                    self.tok(c.number.span, &c.number.text);
                    self.word("章");
                } else {
                    self.word("chapter ");
                    self.tok(c.number.span, &c.number.text);
                }
                self.label(&c.title);
                self.end_line();
                self.seen(c.span);
            }
        }
    }

    fn policy(&mut self, h: &PolicyHeader) {
        self.line_at(start(h.span));
        self.kw_("policy");
        self.string(&h.title);
        self.open();
        self.header_fields(&h.document, &h.issued_by, &h.issued_on, &h.in_force);
        for v in &h.versions {
            self.line_at(start(v.span));
            self.kw_("version");
            self.string(&v.name);
            self.open();
            self.header_fields(&v.document, &v.issued_by, &v.issued_on, &v.in_force);
            self.close(v.span);
        }
        self.close(h.span);
    }

    /// The fields of a header or of a version, one a line.
    fn header_fields(
        &mut self,
        document: &Option<Str>,
        issued_by: &Option<Str>,
        issued_on: &Option<DateLit>,
        in_force: &Option<InForce>,
    ) {
        let field = |p: &mut Self, key: &'static str, first: Span, rest: &dyn Fn(&mut Self)| {
            p.line_at(start(first));
            p.kw_(key);
            rest(p);
            p.end_line();
        };
        if let Some(d) = document {
            field(self, "document", d.span, &|p| p.string(d));
        }
        if let Some(d) = issued_by {
            field(self, "issued_by", d.span, &|p| p.string(d));
        }
        if let Some(d) = issued_on {
            field(self, "issued_on", d.span, &|p| p.tok(d.span, &d.text));
        }
        if let Some(f) = in_force {
            field(self, "in_force", f.from.span, &|p| p.period(f));
            if let Some(s) = &f.source {
                self.indent += STEP;
                self.line_at(start(s.span));
                self.kw_("source");
                self.string(s);
                self.end_line();
                self.indent -= STEP;
            }
        }
    }

    /// `A to B` or `from A`.
    fn period(&mut self, f: &InForce) {
        match &f.until {
            Some(b) => {
                self.tok(f.from.span, &f.from.text);
                self._kw_("to");
                self.tok(b.span, &b.text);
            }
            None => {
                self.kw_("from");
                self.tok(f.from.span, &f.from.text);
            }
        }
    }

    /// ` in_force …` or ` version "…"` after an item's title.
    fn dating(&mut self, d: &Option<Dating>) {
        match d {
            Some(Dating::Period(f)) => {
                self._kw_("in_force");
                self.period(f);
            }
            Some(Dating::Version(v)) => {
                self._kw_("version");
                self.string(v);
            }
            None => {}
        }
    }

    fn annotations(&mut self, list: &[Annotation]) {
        for a in list {
            let (key, s) = match a {
                Annotation::Source(s) => ("source", s),
                Annotation::Interpretation(s) => ("interpretation", s),
                Annotation::Assumption(s) => ("assumption", s),
            };
            self.line_at(start(s.span));
            self.kw_(key);
            self.string(s);
            self.end_line();
        }
    }

    fn type_ann(&mut self, ty: &Option<TypeExpr>) {
        if let Some(t) = ty {
            self.colon();
            self.ty(t);
        }
    }

    fn parameter(&mut self, p: &Parameter) {
        self.line_at(start(p.span));
        self.kw_("parameter");
        self.ident(&p.name);
        self.label(&p.label);
        self.type_ann(&p.ty);
        if !p.dated.is_empty() {
            self.end_line();
            self.indent += STEP;
            for v in &p.dated {
                self.line_at(start(v.span));
                match &v.when {
                    Dating::Period(f) => {
                        self.kw_("from");
                        self.tok(f.from.span, &f.from.text);
                    }
                    Dating::Version(n) => {
                        self.kw_("version");
                        self.string(n);
                    }
                }
                self.colon();
                self.expr(&v.value);
                self.end_line();
                self.indent += STEP;
                self.annotations(&v.annotations);
                self.indent -= STEP;
                self.seen(v.span);
            }
            self.indent -= STEP;
            self.seen(p.span);
            return;
        }
        self.word(" = ");
        self.expr(&p.value);
        self.end_line();
        self.indent += STEP;
        self.annotations(&p.annotations);
        self.indent -= STEP;
        self.seen(p.span);
    }

    fn definition(&mut self, d: &Definition) {
        self.line_at(start(d.span));
        self.kw_("definition");
        self.ident(&d.name);
        if let Some(ps) = &d.params {
            self.word("(");
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    self.word(", ");
                }
                self.ident(&p.name);
                self.colon();
                self.ty(&p.ty);
            }
            self.word(")");
        }
        self.label(&d.label);
        self.type_ann(&d.ty);
        self.word(" =");
        self.body_then_annotations(&d.body, &d.annotations);
        self.seen(d.span);
    }

    fn body_then_annotations(&mut self, body: &Expr, annotations: &[Annotation]) {
        self.end_line();
        self.indent += STEP;
        self.body(body);
        self.end_line();
        self.annotations(annotations);
        self.indent -= STEP;
    }

    fn article(&mut self, a: &Article) {
        self.line_at(start(a.span));
        match a.kind {
            PartKind::Article if self.zh => {
                self.word("第");
                self.tok(a.number_span, &zh_number(a.number));
                self.word("条");
            }
            PartKind::Article => {
                self.word("article ");
                self.tok(a.number_span, &a.number.to_string());
            }
            PartKind::Annex if a.number == 0 => self.word(self.k("annex")),
            PartKind::Annex if self.zh => {
                self.word("附件");
                self.tok(a.number_span, &a.number.to_string());
            }
            PartKind::Annex => {
                self.word("annex ");
                self.tok(a.number_span, &a.number.to_string());
            }
        }
        self.label(&a.title);
        if let Some(s) = &a.item_style {
            self._kw_("items");
            self.string(s);
        }
        self.dating(&a.dated);
        if let Some(c) = &a.applies {
            self.applies();
            self.expr(c);
        }
        self.open();
        for it in &a.items {
            match it {
                ArticleItem::Text(s) => self.text_item(s),
                ArticleItem::Clause(c) => self.clause(c),
                ArticleItem::Parameter(p) => self.parameter(p),
                ArticleItem::Definition(d) => self.definition(d),
                ArticleItem::Decision(d) => self.decision(d),
                ArticleItem::Rule(r) => self.rule(r),
            }
        }
        self.close(a.span);
    }

    fn text_item(&mut self, s: &Str) {
        self.line_at(start(s.span));
        self.kw_("text");
        self.string(s);
        self.end_line();
    }

    fn clause(&mut self, c: &Clause) {
        self.line_at(start(c.span));
        match &c.numeral {
            Some(n) if self.zh => {
                self.word("第");
                self.tok(n.span, &n.text);
                self.word("项");
            }
            Some(n) => {
                self.word("item ");
                self.tok(n.span, &n.text);
            }
            None if self.zh => {
                self.word("（");
                self.tok(c.number_span, &zh_number(c.number));
                self.word("）");
            }
            None => {
                self.word("clause ");
                self.tok(c.number_span, &c.number.to_string());
            }
        }
        self.label(&c.title);
        if let Some(a) = &c.alias {
            self._kw_("as");
            self.ident(a);
        }
        self.dating(&c.dated);
        if let Some(e) = &c.applies {
            self.applies();
            self.expr(e);
        }
        self.open();
        for it in &c.items {
            match it {
                ClauseItem::Text(s) => self.text_item(s),
                ClauseItem::Parameter(p) => self.parameter(p),
                ClauseItem::Definition(d) => self.definition(d),
                ClauseItem::Rule(r) => self.rule(r),
                ClauseItem::NotAssessed(n) => self.not_assessed(n),
            }
        }
        self.close(c.span);
    }

    /// `not assessed "…"` with its reason on the line below, like an annotation.
    fn not_assessed(&mut self, n: &NotAssessed) {
        self.line_at(start(n.span));
        self.word(if self.zh {
            "留待评审 "
        } else {
            "not assessed "
        });
        self.string(&n.phrase);
        self.end_line();
        self.indent += STEP;
        self.line_at(start(n.reason.span));
        self.kw_("because");
        self.string(&n.reason);
        self.end_line();
        self.indent -= STEP;
        self.seen(n.span);
    }

    fn rule(&mut self, r: &RuleDecl) {
        self.line_at(start(r.span));
        self.kw_(match r.kind {
            RuleKind::Rule => "rule",
            RuleKind::Guideline => "guideline",
        });
        self.string(&r.title);
        self.dating(&r.dated);
        if let Some(w) = &r.when {
            self._kw_("when");
            self.expr(w);
        }
        self.word(if self.zh { "：" } else { ":" });
        self.body_then_annotations(&r.body, &r.annotations);
        self.seen(r.span);
    }

    fn decision(&mut self, d: &Decision) {
        self.line_at(start(d.span));
        self.kw_("decision");
        self.ident(&d.name);
        self.label(&d.label);
        self.dating(&d.dated);
        self.type_ann(&d.ty);
        self.word(" =");
        self.body_then_annotations(&d.body, &d.annotations);
        self.seen(d.span);
    }

    // ── types ──

    fn ty(&mut self, t: &TypeExpr) {
        self.at(start(t.span));
        let set = self.set();
        self.word(&type_text_in(t, set));
        self.seen(t.span);
    }

    // ── expressions ──

    /// Whether a comment lies inside the source range of `e`.
    fn has_comment(&self, e: &Expr) -> bool {
        let (s, end) = (start(e.span), e.span.end as usize);
        self.comments
            .iter()
            .skip(self.next)
            .any(|c| c.start >= s && c.start < end)
    }

    /// The body of a definition, decision or rule, starting a line of its own.
    fn body(&mut self, e: &Expr) {
        self.at(start(e.span));
        if let ExprKind::If(..) = &e.kind {
            self.if_chain(e);
            return;
        }
        let fits = self.column() + flat_in(e, self.set()).width() <= WIDTH;
        if fits && !self.has_comment(e) {
            self.expr(e);
        } else {
            self.chain(e);
        }
    }

    /// `if c then a` / `else if c then b` / `else c`, each `else` on a line of its own.
    fn if_chain(&mut self, e: &Expr) {
        let mut e = e;
        loop {
            match &e.kind {
                ExprKind::If(c, t, f) => {
                    let word = self.k("if");
                    self.tok(e.span, word);
                    self.word(" ");
                    self.expr(c);
                    self._kw_("then");
                    self.expr(t);
                    self.end_line();
                    self.at(start(f.span));
                    self.end_line();
                    self.kw_("else");
                    e = f;
                }
                _ => {
                    self.expr(e);
                    return;
                }
            }
        }
    }

    /// An `or` (else `and`) chain with each operand after the first on a line of its own.
    fn chain(&mut self, e: &Expr) {
        let op = match &e.kind {
            ExprKind::Binary(op @ (BinOp::Or | BinOp::And), ..) => *op,
            _ => {
                self.expr(e);
                return;
            }
        };
        let mut operands = Vec::new();
        collect(e, op, &mut operands);
        let base = self.indent;
        for (i, x) in operands.into_iter().enumerate() {
            if i == 0 {
                self.operand(x, op);
                self.indent = base + STEP;
                continue;
            }
            self.end_line();
            self.at(start(x.span));
            self.end_line();
            let sym = op_word(op, self.set());
            self.word(sym);
            self.word(" ");
            self.operand(x, op);
        }
        self.indent = base;
    }

    fn operand(&mut self, x: &Expr, op: BinOp) {
        let nested = op == BinOp::Or && matches!(x.kind, ExprKind::Binary(BinOp::And, ..));
        let fits = self.column() + flat_in(x, self.set()).width() <= WIDTH;
        if nested && (!fits || self.has_comment(x)) {
            self.chain(x);
        } else {
            self.expr(x);
        }
    }

    /// An expression on the current line (broken only where a comment stands).
    fn expr(&mut self, e: &Expr) {
        self.at(start(e.span));
        match &e.kind {
            ExprKind::Binary(op, l, r) => {
                self.expr(l);
                self.word(" ");
                let sym = op_word(*op, self.set());
                self.word(sym);
                self.word(" ");
                self.expr(r);
            }
            ExprKind::Not(x) => {
                self.kw_("not");
                self.expr(x);
            }
            ExprKind::Neg(x) => {
                self.word("-");
                self.expr(x);
            }
            ExprKind::Paren(x) => {
                self.word("(");
                self.expr(x);
                self.word(")");
            }
            ExprKind::List(xs) => {
                self.word("[");
                self.list(xs);
                self.word("]");
            }
            ExprKind::Call(name, args) => {
                match name.name.as_str() {
                    // `any(…)` and `latest(…)` are keywords used as functions.
                    "any" | "latest" if self.zh => {
                        let w = self.k(if name.name == "any" { "any" } else { "latest" });
                        self.tok(name.span, w);
                    }
                    _ => self.ident(name),
                }
                self.word("(");
                self.list(args);
                self.word(")");
            }
            ExprKind::Field(x, f) => {
                self.expr(x);
                self.word(".");
                self.ident(f);
            }
            ExprKind::Index(x, i) => {
                self.expr(x);
                self.word("[");
                self.expr(i);
                self.word("]");
            }
            ExprKind::If(c, t, f) => {
                self.kw_("if");
                self.expr(c);
                self._kw_("then");
                self.expr(t);
                self._kw_("else");
                self.expr(f);
            }
            ExprKind::Quantifier {
                kind,
                var,
                over,
                filter,
                body,
            } => {
                self.kw_(quant_word(*kind));
                self.ident(var);
                self._kw_("in");
                self.expr(over);
                if let Some(f) = filter {
                    self._kw_("where");
                    self.expr(f);
                }
                self.colon();
                self.expr(body);
            }
            ExprKind::Count { var, over, filter } => {
                self.kw_("count");
                self.ident(var);
                self._kw_("in");
                self.expr(over);
                if let Some(f) = filter {
                    self._kw_("where");
                    self.expr(f);
                }
            }
            ExprKind::Aggregate {
                kind,
                var,
                over,
                filter,
                body,
            } => {
                self.kw_(kind.word());
                self.ident(var);
                self._kw_("in");
                self.expr(over);
                if let Some(f) = filter {
                    self._kw_("where");
                    self.expr(f);
                }
                self.colon();
                self.expr(body);
            }
            ExprKind::Pick {
                latest,
                var,
                over,
                filter,
                key,
            } => {
                self.kw_(if *latest { "latest" } else { "earliest" });
                self.ident(var);
                self._kw_("in");
                self.expr(over);
                if let Some(f) = filter {
                    self._kw_("where");
                    self.expr(f);
                }
                self._kw_("by");
                self.expr(key);
            }
            ExprKind::Path(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        self.word(".");
                    }
                    match part_heading(id, i, ids.len(), self.zh) {
                        Some(h) => self.tok(id.span, &h),
                        None => self.ident(id),
                    }
                }
            }
            ExprKind::Str(v) => {
                let text = match self.source_text(e.span) {
                    Some(t) if is_string_literal(t) => t.to_string(),
                    _ => quote(v),
                };
                self.word(&text);
            }
            ExprKind::Quantity { text, unit, .. } => {
                self.word(text);
                if let Some(u) = unit {
                    if u.name != "%" {
                        self.word(" ");
                    }
                    self.ident(u);
                }
            }
            _ => {
                let set = self.set();
                self.word(&flat_in(e, set));
            }
        }
        self.seen(e.span);
    }

    fn set(&self) -> KeywordSet {
        if self.zh {
            KeywordSet::Zh
        } else {
            KeywordSet::En
        }
    }

    fn list(&mut self, xs: &[Expr]) {
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                self.word(", ");
            }
            self.expr(x);
        }
    }
}

fn collect<'e>(e: &'e Expr, op: BinOp, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(o, l, r) if *o == op => {
            collect(l, op, out);
            out.push(r);
        }
        _ => out.push(e),
    }
}

/// Whether a string's source text is a whole string literal, `"…"` or `“…”`.
fn is_string_literal(t: &str) -> bool {
    (t.len() >= 2 && t.starts_with('"') && t.ends_with('"'))
        || (t.starts_with('“') && t.ends_with('”') && t.chars().count() >= 2)
}

/// An article or clause number in the Chinese layout: 一…九十九, else in Arabic numerals.
fn zh_number(n: u32) -> String {
    if (1..=99).contains(&n) {
        crate::numeral::chinese(n)
    } else {
        n.to_string()
    }
}

/// `第十五条` for the `article15` that heads a decision's name (`article15.status`), `附件1`
/// for `annex1`, `附件` for `annex`, in the Chinese layout; `None` otherwise.
fn part_heading(id: &Ident, i: usize, len: usize, zh: bool) -> Option<String> {
    if !zh || i != 0 || len < 2 {
        return None;
    }
    let digits = |s: &str| !s.starts_with('0') && s.chars().all(|c| c.is_ascii_digit());
    if let Some(n) = id.name.strip_prefix("article") {
        if !n.is_empty() && digits(n) {
            return n.parse().ok().map(|n| format!("第{}条", zh_number(n)));
        }
    }
    match id.name.strip_prefix("annex") {
        Some("") => Some("附件".to_string()),
        Some(n) if digits(n) => Some(format!("附件{n}")),
        _ => None,
    }
}

/// An operator in a keyword set: `and`/`且`, `or`/`或`, `in`/`属于`; symbols as they are.
fn op_word(op: BinOp, set: KeywordSet) -> &'static str {
    match (op, set) {
        (BinOp::And, KeywordSet::Zh) => "且",
        (BinOp::Or, KeywordSet::Zh) => "或",
        (BinOp::In, KeywordSet::Zh) => "属于",
        _ => op.symbol(),
    }
}

fn quant_word(q: Quant) -> &'static str {
    match q {
        Quant::Every => "every",
        Quant::Any => "any",
        Quant::None => "none",
    }
}

/// A string literal for `value`, with the escapes the grammar knows.
fn quote(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn unit_text(u: &UnitTerm) -> String {
    let mut s = u.first.name.clone();
    for (op, id) in &u.rest {
        s.push(if *op == UnitOp::Div { '/' } else { '*' });
        s.push_str(&id.name);
    }
    s
}

fn base_text(b: &BaseType, zh: bool) -> String {
    match (b, zh) {
        (BaseType::List(x), false) => format!("list of {}", base_text(x, zh)),
        (BaseType::List(x), true) => format!("若干 {}", base_text(x, zh)),
        (BaseType::Series(x), false) => format!("series of {}", base_text(x, zh)),
        (BaseType::Series(x), true) => format!("逐年 {}", base_text(x, zh)),
        (BaseType::Count(None), false) => "count".to_string(),
        (BaseType::Count(None), true) => "计数".to_string(),
        (BaseType::Count(Some(u)), false) => format!("count {}", unit_text(u)),
        (BaseType::Count(Some(u)), true) => format!("计数 {}", unit_text(u)),
        (BaseType::Text, false) => "text".to_string(),
        (BaseType::Text, true) => "文本".to_string(),
        (BaseType::Named(u), _) => unit_text(u),
    }
}

pub fn type_text(t: &TypeExpr) -> String {
    type_text_in(t, KeywordSet::En)
}

/// A type in a keyword set: `optional list of Incident`, `可选 若干 Incident`.
pub fn type_text_in(t: &TypeExpr, set: KeywordSet) -> String {
    let zh = set == KeywordSet::Zh;
    format!(
        "{}{}{}",
        match (t.optional, zh) {
            (false, _) => "",
            (true, false) => "optional ",
            (true, true) => "可选 ",
        },
        base_text(&t.base, zh),
        match (t.or_none, zh) {
            (false, _) => "",
            (true, false) => " or none",
            (true, true) => " 或 无",
        }
    )
}

/// An expression on one line, without comments (strings re-quoted from their value).
pub fn flat(e: &Expr) -> String {
    flat_in(e, KeywordSet::En)
}

/// [`flat`] in a keyword set.
pub fn flat_in(e: &Expr, set: KeywordSet) -> String {
    let zh = set == KeywordSet::Zh;
    let k = |en: &'static str| {
        if zh {
            keywords::zh(en).unwrap_or(en)
        } else {
            en
        }
    };
    let flat = |e: &Expr| flat_in(e, set);
    let colon = if zh { "：" } else { ": " };
    let list = |xs: &[Expr]| xs.iter().map(flat).collect::<Vec<_>>().join(", ");
    let filter = |f: &Option<Box<Expr>>| {
        f.as_ref()
            .map(|f| format!(" {} {}", k("where"), flat(f)))
            .unwrap_or_default()
    };
    match &e.kind {
        ExprKind::Bool(b) => k(if *b { "true" } else { "false" }).to_string(),
        ExprKind::Quantity { text, unit, .. } => match unit {
            Some(u) if u.name == "%" => format!("{text}%"),
            Some(u) => format!("{text} {}", u.name),
            None => text.clone(),
        },
        ExprKind::Date(d) => d.clone(),
        ExprKind::MonthDay { month, day } => format!("{month}月{day}日"),
        ExprKind::Str(s) => quote(s),
        ExprKind::Today => k("today").into(),
        ExprKind::NoneLit => if zh { "无" } else { "none" }.into(),
        ExprKind::List(xs) => format!("[{}]", list(xs)),
        ExprKind::Path(ids) => ids
            .iter()
            .enumerate()
            .map(|(i, id)| part_heading(id, i, ids.len(), zh).unwrap_or_else(|| id.name.clone()))
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::ClauseRef(n) if zh => format!("第（{}）项", zh_number(*n)),
        ExprKind::ClauseRef(n) => format!("clause {n}"),
        ExprKind::ItemRef(n) if zh => format!("第{}项", n.text),
        ExprKind::ItemRef(n) => format!("item {}", n.text),
        ExprKind::Field(x, f) => format!("{}.{}", flat(x), f.name),
        ExprKind::Index(x, i) => format!("{}[{}]", flat(x), flat(i)),
        ExprKind::Call(n, args) => {
            let name = match n.name.as_str() {
                "any" | "latest" if zh => k(if n.name == "any" { "any" } else { "latest" }),
                _ => n.name.as_str(),
            };
            format!("{name}({})", list(args))
        }
        ExprKind::Not(x) => format!("{} {}", k("not"), flat(x)),
        ExprKind::Neg(x) => format!("-{}", flat(x)),
        ExprKind::Binary(op, l, r) => format!("{} {} {}", flat(l), op_word(*op, set), flat(r)),
        ExprKind::If(c, t, f) => format!(
            "{} {} {} {} {} {}",
            k("if"),
            flat(c),
            k("then"),
            flat(t),
            k("else"),
            flat(f)
        ),
        ExprKind::Quantifier {
            kind,
            var,
            over,
            filter: f,
            body,
        } => format!(
            "{} {} {} {}{}{colon}{}",
            k(quant_word(*kind)),
            var.name,
            k("in"),
            flat(over),
            filter(f),
            flat(body)
        ),
        ExprKind::Count {
            var,
            over,
            filter: f,
        } => format!(
            "{} {} {} {}{}",
            k("count"),
            var.name,
            k("in"),
            flat(over),
            filter(f)
        ),
        ExprKind::Aggregate {
            kind,
            var,
            over,
            filter: f,
            body,
        } => format!(
            "{} {} {} {}{}{colon}{}",
            k(kind.word()),
            var.name,
            k("in"),
            flat(over),
            filter(f),
            flat(body)
        ),
        ExprKind::Pick {
            latest,
            var,
            over,
            filter: f,
            key,
        } => format!(
            "{} {} {} {}{} {} {}",
            k(if *latest { "latest" } else { "earliest" }),
            var.name,
            k("in"),
            flat(over),
            filter(f),
            k("by"),
            flat(key)
        ),
        ExprKind::Paren(x) => format!("({})", flat(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        match format(0, s) {
            Ok(t) => t,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn comments_are_found_outside_strings() {
        let c = comments("# a\nfact x \"#no\": bool # b\n");
        let texts: Vec<_> = c.iter().map(|c| (c.text.as_str(), c.trailing)).collect();
        assert_eq!(texts, vec![("# a", false), ("# b", true)]);
    }

    #[test]
    fn layout_is_canonical_and_stable() {
        let src = "article 6 \"t\" {\n\n\n  clause 1 \"c\" {   parameter  x=30亿元 source \"s\"\n rule \"r\" :a  >=  x   # why\n }\n decision d = all( clause 1 )\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "article 6 \"t\" {\n  clause 1 \"c\" {\n    parameter x = 30 亿元\n      source \"s\"\n    rule \"r\":\n      a >= x  # why\n  }\n  decision d =\n    all(clause 1)\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn comments_inside_expressions_stay() {
        let src = "definition x =\n  a # one\n  or b\n  # two\n  or c\n";
        let out = fmt(src);
        assert_eq!(fmt(&out), out);
        assert_eq!(comments(&out).len(), 2);
        assert_eq!(
            out,
            "definition x =\n  a  # one\n    or b\n    # two\n    or c\n"
        );
    }
}
