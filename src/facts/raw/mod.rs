//! Format-neutral syntax tree for facts files (JSON, YAML, TOML).
//!
//! Every format is parsed into [`Raw`], which exists for two reasons the
//! off-the-shelf value types do not serve: numbers keep their exact source
//! text (they never pass through `f64`, so `0.1` and 40-digit values survive
//! untouched), and every node and key carries a byte [`Span`] into the source
//! so later stages can point at the line of a bad value. Duplicate keys are
//! errors, never silently merged.

use crate::diag::Text;
use std::collections::HashMap;

mod json;
mod toml;
mod yaml;

/// Byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Toml,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub kind: RawKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RawKind {
    Null,
    Bool(bool),
    /// The number exactly as written, normalised only by dropping TOML `_` separators and a leading `+`. E.g. "12.5", "-0", "1e400", "30.000000000000000000000000001".
    Number(String),
    String(String),
    Array(Vec<Raw>),
    /// Keys in document order. Duplicate keys are an error, never silently merged.
    Object(Vec<(Key, Raw)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// stable code, one of: "facts::syntax", "facts::duplicate_key", "facts::too_deep", "facts::not_an_object", "facts::encoding", "facts::too_large"
    pub code: &'static str,
    /// lowercase, no final period, user input in backticks, e.g. "duplicate key `output_value`"
    pub message: Text,
    /// where; for duplicate keys: the second occurrence
    pub span: Span,
    /// for duplicate keys: the first occurrence
    pub related: Option<Span>,
    /// one sentence of advice, e.g. "remove one of the two entries"
    pub help: Option<Box<Text>>,
}

pub const MAX_DEPTH: usize = 64; // nesting deeper than this -> facts::too_deep (must not stack overflow on 10,000 nested `[`)
pub const MAX_BYTES: usize = 64 * 1024 * 1024; // larger input -> facts::too_large

const BOM: char = '\u{feff}';

/// Parse a whole document. The top level must be an object/mapping/table (else facts::not_an_object).
pub fn parse(format: Format, text: &str) -> Result<Raw, Vec<SyntaxError>> {
    if text.len() > MAX_BYTES {
        return Err(vec![SyntaxError::new(
            "facts::too_large",
            (
                format!("the facts file is larger than {} MiB", MAX_BYTES >> 20),
                format!("事实文件超过 {} MiB", MAX_BYTES >> 20),
            ),
            Span::new(0, 0),
        )
        .with_help((
            "split the facts into smaller files",
            "请把事实拆分为较小的文件",
        ))]);
    }
    // Parse without the BOM, then shift every span so it indexes `text`.
    let (body, offset) = match text.strip_prefix(BOM) {
        Some(body) => (body, BOM.len_utf8()),
        None => (text, 0),
    };
    let parsed = match format {
        Format::Json => json::parse(body),
        Format::Yaml => yaml::parse(body),
        Format::Toml => toml::parse(body),
    };
    let mut raw = parsed.map_err(|mut e| {
        e.shift(offset);
        vec![e]
    })?;
    raw.shift(offset);
    if matches!(raw.kind, RawKind::Object(_)) {
        return Ok(raw);
    }
    let found = match raw.kind {
        RawKind::Null => "null",
        RawKind::Bool(_) => "a boolean",
        RawKind::Number(_) => "a number",
        RawKind::String(_) => "a string",
        RawKind::Array(_) => "a list",
        RawKind::Object(_) => "an object",
    };
    Err(vec![SyntaxError::new(
        "facts::not_an_object",
        (
            format!(
                "the top level of a facts file must be an object of named facts, found {found}"
            ),
            format!(
                "事实文件的最外层必须是由具名事实组成的对象，实际是{}",
                crate::diag::zh_term(found)
            ),
        ),
        raw.span,
    )
    .with_help((
        "put the facts under names, e.g. `{\"name\": value}`",
        "请把事实写在名称之下，如 `{\"name\": value}`",
    ))])
}

/// Tell the format from a file name's extension: .json, .yaml/.yml, .toml (case-insensitive); None otherwise.
pub fn format_for_path(path: &str) -> Option<Format> {
    let (stem, ext) = path.rsplit_once('.')?;
    if stem.is_empty() || stem.ends_with(['/', '\\']) {
        return None;
    }
    match ext.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        "toml" => Some(Format::Toml),
        _ => None,
    }
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

impl Raw {
    fn shift(&mut self, by: usize) {
        if by == 0 {
            return;
        }
        self.span.start += by;
        self.span.end += by;
        match &mut self.kind {
            RawKind::Array(items) => items.iter_mut().for_each(|item| item.shift(by)),
            RawKind::Object(entries) => {
                for (key, value) in entries {
                    key.span.start += by;
                    key.span.end += by;
                    value.shift(by);
                }
            }
            _ => {}
        }
    }
}

impl SyntaxError {
    fn new(code: &'static str, message: impl Into<Text>, span: Span) -> Self {
        SyntaxError {
            code,
            message: message.into(),
            span,
            related: None,
            help: None,
        }
    }

    fn syntax(message: impl Into<Text>, span: Span) -> Self {
        Self::new("facts::syntax", message, span)
    }

    fn too_deep(span: Span) -> Self {
        Self::new(
            "facts::too_deep",
            (
                format!("the facts are nested more than {MAX_DEPTH} levels deep"),
                format!("事实的嵌套超过 {MAX_DEPTH} 层"),
            ),
            span,
        )
        .with_help(("flatten the structure", "请减少嵌套层次"))
    }

    fn with_help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(Box::new(help.into()));
        self
    }

    fn shift(&mut self, by: usize) {
        self.span.start += by;
        self.span.end += by;
        if let Some(related) = &mut self.related {
            related.start += by;
            related.end += by;
        }
    }
}

/// A message of a reading library (English only), with a Chinese sentence around it.
fn library_text(message: String) -> Text {
    let zh = format!("文件格式有误：{message}");
    Text::from((message, zh))
}

/// A library's error text as one of our messages: first line, lowercase
/// start, no final period.
fn library_message(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    let mut chars = line.chars();
    let mut message: String = chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    if message.ends_with('.') {
        message.pop();
    }
    message
}

/// Objects with fewer entries than this are checked for duplicate keys without a map.
const SMALL_OBJECT: usize = 64;

/// Collects the entries of one object, rejecting duplicate keys.
#[derive(Default)]
struct ObjectBuilder {
    entries: Vec<(Key, Raw)>,
    /// The hash of each entry's key (small objects only): a key is compared with the
    /// keys of equal hash alone.
    hashes: Vec<u64>,
    seen: HashMap<String, Span>,
}

impl ObjectBuilder {
    fn insert(&mut self, key: Key, value: Raw) -> Result<(), SyntaxError> {
        // Small objects (nearly all) are searched directly; a map only past that. The
        // search hashes with a fixed seed: a crafted collision costs a string
        // comparison, among at most `SMALL_OBJECT` keys.
        let mut hash = None;
        let first = if self.entries.len() < SMALL_OBJECT {
            use std::hash::BuildHasher;
            let h = foldhash::fast::FixedState::default().hash_one(key.name.as_str());
            hash = Some(h);
            self.hashes
                .iter()
                .zip(&self.entries)
                .find(|(x, (k, _))| **x == h && k.name == key.name)
                .map(|(_, (k, _))| k.span)
        } else {
            if self.seen.is_empty() {
                for (k, _) in &self.entries {
                    self.seen.insert(k.name.clone(), k.span);
                }
            }
            self.seen.get(&key.name).copied()
        };
        if let Some(first) = first {
            let mut error = SyntaxError::new(
                "facts::duplicate_key",
                (
                    format!("duplicate key `{}`", key.name),
                    format!("键 `{}` 重复", key.name),
                ),
                key.span,
            )
            .with_help(("remove one of the two entries", "请删去两处之一"));
            error.related = Some(first);
            return Err(error);
        }
        match hash {
            Some(h) => self.hashes.push(h),
            None => {
                self.seen.insert(key.name.clone(), key.span);
            }
        }
        self.entries.push((key, value));
        Ok(())
    }

    fn finish(self, span: Span) -> Raw {
        Raw {
            kind: RawKind::Object(self.entries),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(format_for_path("facts/a.JSON"), Some(Format::Json));
        assert_eq!(format_for_path("a.yml"), Some(Format::Yaml));
        assert_eq!(format_for_path("a.Yaml"), Some(Format::Yaml));
        assert_eq!(format_for_path("x/y.toml"), Some(Format::Toml));
        assert_eq!(format_for_path("a.txt"), None);
        assert_eq!(format_for_path("json"), None);
        assert_eq!(format_for_path("dir/.json"), None);
    }

    #[test]
    fn top_level_must_be_an_object() {
        for (format, text) in [(Format::Json, "[1, 2]"), (Format::Yaml, "- 1\n- 2\n")] {
            let errors = parse(format, text).unwrap_err();
            assert_eq!(errors[0].code, "facts::not_an_object", "{format:?}");
        }
        let errors = parse(Format::Json, "12").unwrap_err();
        assert!(errors[0].message.ends_with("found a number"));
    }

    #[test]
    fn bom_is_skipped_and_spans_index_the_original() {
        let text = "\u{feff}{\"a\": 1}";
        for format in [Format::Json, Format::Yaml] {
            let raw = parse(format, text).unwrap();
            let RawKind::Object(entries) = &raw.kind else {
                panic!()
            };
            let (key, value) = &entries[0];
            assert!(text[key.span.start..key.span.end].contains('a'));
            assert_eq!(&text[value.span.start..value.span.end], "1");
        }
        let text = "\u{feff}a = 1\n";
        let raw = parse(Format::Toml, text).unwrap();
        let RawKind::Object(entries) = &raw.kind else {
            panic!()
        };
        assert_eq!(&text[entries[0].0.span.start..entries[0].0.span.end], "a");
        assert_eq!(&text[entries[0].1.span.start..entries[0].1.span.end], "1");
    }

    #[test]
    fn too_large() {
        let text = " ".repeat(MAX_BYTES + 1);
        let errors = parse(Format::Json, &text).unwrap_err();
        assert_eq!(errors[0].code, "facts::too_large");
    }
}

/// Helpers shared by the format tests.
#[cfg(test)]
mod testutil {
    use super::*;

    /// Parse and expect success.
    pub(super) fn ok(format: Format, text: &str) -> Raw {
        match parse(format, text) {
            Ok(raw) => raw,
            Err(e) => panic!("{format:?} parse failed: {e:#?}\n{text}"),
        }
    }

    /// Parse and expect exactly one error.
    pub(super) fn err(format: Format, text: &str) -> SyntaxError {
        let mut errors = parse(format, text).expect_err("expected an error");
        assert_eq!(errors.len(), 1);
        errors.remove(0)
    }

    /// Follow a path of keys (or array indexes) into a tree.
    pub(super) fn at<'a>(raw: &'a Raw, path: &[&str]) -> &'a Raw {
        path.iter().fold(raw, |node, step| match &node.kind {
            RawKind::Object(entries) => &entries.iter().find(|(k, _)| k.name == *step).unwrap().1,
            RawKind::Array(items) => &items[step.parse::<usize>().unwrap()],
            other => panic!("cannot step into {other:?}"),
        })
    }

    pub(super) fn key<'a>(raw: &'a Raw, path: &[&str], name: &str) -> &'a Key {
        let RawKind::Object(entries) = &at(raw, path).kind else {
            panic!("not an object")
        };
        &entries.iter().find(|(k, _)| k.name == name).unwrap().0
    }

    pub(super) fn keys(raw: &Raw) -> Vec<&str> {
        let RawKind::Object(entries) = &raw.kind else {
            panic!("not an object")
        };
        entries.iter().map(|(k, _)| k.name.as_str()).collect()
    }

    pub(super) fn number(raw: &Raw) -> &str {
        match &raw.kind {
            RawKind::Number(n) => n,
            other => panic!("not a number: {other:?}"),
        }
    }

    pub(super) fn src(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    pub(super) fn string(s: &str) -> RawKind {
        RawKind::String(s.to_string())
    }
}
