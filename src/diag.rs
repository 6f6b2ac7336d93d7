//! Diagnostics: every error or warning a user can cause, with a stable code, a
//! place in a source file and advice.
//!
//! Library code builds [`Diag`] values; it never prints. The CLI turns them into
//! miette reports against the [`Sources`] it read. Codes are stable and listed in
//! `docs/errors.md`; a test checks that every code used in `src/` is documented.

use crate::render::printable::{is_unsafe, printable};
use crate::syntax::ast::Span;
use miette::{LabeledSpan, NamedSource, SourceCode};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// A text a diagnostic shows, in English and, where written, in Chinese.
///
/// Built from a pair `(english, chinese)`; a plain string gives English alone, shown
/// in both languages until a Chinese text is written for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub en: String,
    pub zh: Option<String>,
}

impl Text {
    /// The text in `lang`: Chinese when asked for and written, English otherwise.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.en,
        }
    }
    /// Apply `f` to each language's text.
    pub fn map(&self, mut f: impl FnMut(&str) -> String) -> Text {
        Text {
            en: f(&self.en),
            zh: self.zh.as_deref().map(f),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The English text, for code that matches on messages (tests, integrators' JSON).
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

/// Compares the English text (what tests and integrators match on).
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

impl From<&str> for Text {
    fn from(en: &str) -> Self {
        Text {
            en: en.to_owned(),
            zh: None,
        }
    }
}

impl From<String> for Text {
    fn from(en: String) -> Self {
        Text { en, zh: None }
    }
}

impl From<&String> for Text {
    fn from(en: &String) -> Self {
        Text::from(en.as_str())
    }
}

impl<A: Into<String>, B: Into<String>> From<(A, B)> for Text {
    fn from((en, zh): (A, B)) -> Self {
        Text {
            en: en.into(),
            zh: Some(zh.into()),
        }
    }
}

/// The language a user reads: of reports, diagnostics and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// One diagnostic. `span.file` indexes the [`Sources`] the text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub level: Level,
    pub code: &'static str,
    pub message: Text,
    pub span: Option<Span>,
    pub label: Option<Text>,
    pub help: Option<Text>,
    /// Other places worth showing (the first definition of a duplicate, say).
    pub related: Vec<(Span, Text)>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<Text>) -> Self {
        Diag {
            level: Level::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }
    pub fn warning(code: &'static str, message: impl Into<Text>) -> Self {
        Diag {
            level: Level::Warning,
            ..Diag::error(code, message)
        }
    }
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
    pub fn label(mut self, label: impl Into<Text>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, span: Span, label: impl Into<Text>) -> Self {
        self.related.push((span, label.into()));
        self
    }
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message.en)
    }
}

/// The texts diagnostics point into: rule files and facts files, by index.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a file and return the index spans use for it.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files.push((name.into(), text.into()));
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }
    pub fn name(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map(|(n, _)| n.as_str())
            .unwrap_or("<unknown>")
    }
    pub fn text(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: u32, offset: usize) -> (usize, usize) {
        line_col(self.text(file), offset)
    }
    /// Render a diagnostic as a miette report over its source file.
    ///
    /// Text that came from a file (the message, labels and help quoting it, the file's
    /// name and the lines shown) reaches the screen only through
    /// [`printable`](crate::render::printable): a control or bidirectional character
    /// in a facts or rule file cannot recolour, clear or reorder a terminal.
    pub fn report(&self, diag: &Diag) -> miette::Report {
        self.report_in(diag, Lang::En)
    }
    /// [`report`](Self::report) with the texts in `lang`.
    pub fn report_in(&self, diag: &Diag, lang: Lang) -> miette::Report {
        let shown = |t: &Text| printable(t.get(lang)).into_owned();
        let mut message = shown(&diag.message);
        let label = diag.label.as_ref().map(shown);
        let help = diag.help.as_ref().map(shown);
        let related: Vec<(Span, String)> =
            diag.related.iter().map(|(s, l)| (*s, shown(l))).collect();
        let mut source = diag.span.map(|s| s.file).map(|f| {
            NamedSource::new(
                &*printable(self.name(f)),
                shown_source(self.text(f)).into_owned(),
            )
        });
        if let Some(span) = diag.span {
            let text = self.text(span.file);
            let start = (span.start as usize).min(text.len());
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let line_end = text
                .get(start..)
                .and_then(|t| t.find('\n'))
                .map_or(text.len(), |i| start + i);
            if line_end - line_start > MAX_SHOWN_COLUMN {
                // A line too long to draw: name the place in words instead.
                let (line, col) = self.line_col(span.file, start);
                message = format!("{message} (at {}:{line}:{col})", self.name(span.file));
                source = None;
            }
        }
        let rendered = Rendered {
            level: diag.level,
            code: diag.code,
            span: diag.span,
            message,
            label,
            help,
            related,
            source,
        };
        miette::Report::new(rendered)
    }
}

/// The lines of a file as a report draws them: every control or bidirectional
/// character other than a line break or tab is replaced by a visible one of the same
/// length in bytes (`?`, `¿` or `�`), so that every span still points where it did.
fn shown_source(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| !matches!(c, '\n' | '\r' | '\t') && is_unsafe(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if !unsafe_char(c) => c,
                c if c.len_utf8() == 1 => '?',
                c if c.len_utf8() == 2 => '¿',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The most bytes of a span that a report underlines. miette cannot underline more
/// than 65,535 columns of one line (it panics), and a longer mark helps nobody: a
/// longer span is cut to its start, on a character boundary.
const MAX_SHOWN_SPAN: usize = 1000;
/// miette also panics on a mark that starts past column 65,535 (a tab is up to four
/// columns wide), and a line of megabytes helps nobody: a place in a line longer than
/// this many bytes is named, not drawn.
const MAX_SHOWN_COLUMN: usize = 15_000;

fn shown_span(text: &str, start: usize, len: usize) -> (usize, usize) {
    let floor = |mut i: usize| {
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(start.min(text.len()));
    let end = floor(
        start
            .saturating_add(len.min(MAX_SHOWN_SPAN))
            .min(text.len()),
    );
    (start, end.saturating_sub(start))
}

/// A diagnostic as shown: its texts in one language, made printable.
#[derive(Debug)]
struct Rendered {
    level: Level,
    code: &'static str,
    span: Option<Span>,
    message: String,
    label: Option<String>,
    help: Option<String>,
    related: Vec<(Span, String)>,
    source: Option<NamedSource<String>>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let main = self.span?;
        let text = self
            .source
            .as_ref()
            .map(|s| s.inner().as_str())
            .unwrap_or("");
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            self.label.clone(),
            shown_span(text, main.start as usize, main.len()),
        )];
        for (span, label) in &self.related {
            let start = (span.start as usize).min(text.len());
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            if span.file == main.file && start - line_start <= MAX_SHOWN_COLUMN {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    shown_span(text, span.start as usize, span.len()),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

impl Sources {
    /// Render diagnostics as plain text (no colour, fixed width): for snapshots and
    /// for output that is not a terminal.
    pub fn render_plain(&self, diags: &[Diag]) -> String {
        self.render_plain_in(diags, Lang::En)
    }
    /// [`render_plain`](Self::render_plain) with the texts in `lang`.
    pub fn render_plain_in(&self, diags: &[Diag], lang: Lang) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100)
                .with_links(false);
        let mut out = String::new();
        for d in diags {
            let report = self.report_in(d, lang);
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_longer_than_a_line_can_show_renders() {
        let mut sources = Sources::new();
        let text = format!("x = 1{}", " + 1".repeat(30_000));
        let id = sources.add("long.policy", text.clone());
        let d = Diag::error("policy::check::too_deep", "too deep")
            .at(Span::new(id, 4, text.len()))
            .help("split it");
        assert!(sources.render_plain(&[d]).contains("too deep"));
        let far = Diag::error("policy::check::too_deep", "too deep")
            .at(Span::new(id, text.len() - 1, text.len()))
            .help("split it");
        let out = sources.render_plain(&[far]);
        assert!(out.contains("too deep (at long.policy:1:"), "{out}");
    }

    #[test]
    fn control_characters_never_reach_a_report() {
        let mut sources = Sources::new();
        let text = "{\"a\u{202e}\u{1b}[2J\u{85}\": 1, \"b\": x}\n";
        let id = sources.add("f\u{7}.json", text);
        let at = text.find('x').unwrap();
        let d = Diag::error("policy::facts::syntax", "bad `\u{1b}[31m` here\nforged")
            .at(Span::new(id, at, at + 1))
            .label("label \u{0}")
            .help("help \u{202e}");
        let out = sources.render_plain(&[d]);
        assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{out:?}");
        assert!(out.contains("bad `\\u{1b}[31m` here\\nforged"), "{out}");
        assert!(out.contains("f\\u{7}.json"), "{out}");
        assert!(out.contains("\"a�?[2J¿\": 1, \"b\": x}"), "{out}");
        assert_eq!(shown_source(text).len(), text.len());
    }

    #[test]
    fn shown_spans_stay_on_character_boundaries() {
        let text = "产值 > 0";
        assert_eq!(shown_span(text, 1, 2), (0, 0));
        assert_eq!(shown_span(text, 0, 4), (0, 3));
        assert_eq!(shown_span(text, 100, 4), (text.len(), 0));
    }
}
