//! YAML facts parser built on `yaml_rust2`'s event stream.
//!
//! The crate's value loader turns numbers into `f64`/`i64` and drops
//! positions, so this module consumes raw events instead: plain scalars are
//! resolved by the YAML 1.2 core schema while keeping their exact text, and
//! the scanner's character positions are turned into byte spans. Nesting is
//! tracked on an explicit stack (no recursion), aliases are expanded into
//! copies, and the total node count is capped to stop alias bombs.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::{library_message, Key, ObjectBuilder, Raw, RawKind, Span, SyntaxError, MAX_DEPTH};

/// Most nodes a document may expand to, counting every alias copy.
const MAX_NODES: usize = 1_000_000;

/// Parse one YAML document (BOM already removed).
pub(super) fn parse(text: &str) -> Result<Raw, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        pos: Position {
            text,
            chars: 0,
            bytes: 0,
        },
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        documents: 0,
        last_end: 0,
        root: None,
    };
    loop {
        let (event, marker) = parser.next_token().map_err(|e| builder.scan_error(&e))?;
        if event == Event::StreamEnd {
            break;
        }
        builder.event(event, marker)?;
    }
    // A document with no content (`---` alone) is an empty scalar.
    let root = builder
        .root
        .filter(|root| !(root.kind == RawKind::Null && root.span.start == root.span.end));
    root.ok_or_else(|| {
        SyntaxError::new(
            "facts::not_an_object",
            ("the facts file is empty", "事实文件为空"),
            Span::new(0, 0),
        )
        .with_help((
            "write a mapping such as `name: value`",
            "请写一个映射，如 `name: value`",
        ))
    })
}

/// Converts the scanner's character indices into byte offsets, walking from
/// the previous position (markers arrive almost in order).
struct Position<'a> {
    text: &'a str,
    chars: usize,
    bytes: usize,
}

impl Position<'_> {
    fn byte(&mut self, marker: &Marker) -> usize {
        let target = marker.index();
        while self.chars < target {
            let Some(c) = self.text.get(self.bytes..).and_then(|s| s.chars().next()) else {
                break;
            };
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        while self.chars > target {
            let Some(c) = self
                .text
                .get(..self.bytes)
                .and_then(|s| s.chars().next_back())
            else {
                break;
            };
            self.bytes -= c.len_utf8();
            self.chars -= 1;
        }
        self.bytes
    }
}

struct Frame {
    start: usize,
    anchor: usize,
    /// Node count when the collection opened, to size its anchor.
    nodes_before: usize,
    kind: FrameKind,
}

enum FrameKind {
    Sequence(Vec<Raw>),
    Mapping {
        object: ObjectBuilder,
        key: Option<Key>,
        first_key: Option<usize>,
    },
}

/// An anchored node: its value, node count and nesting height.
struct Anchored {
    raw: Raw,
    nodes: usize,
    height: usize,
}

struct Builder<'a> {
    pos: Position<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    documents: usize,
    /// End of the last node or key, where an empty scalar is placed.
    last_end: usize,
    root: Option<Raw>,
}

impl Builder<'_> {
    fn event(&mut self, event: Event, marker: Marker) -> Result<(), SyntaxError> {
        let at = self.pos.byte(&marker);
        let key_position = matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Mapping { key: None, .. },
                ..
            })
        );
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(SyntaxError::syntax(
                        (
                            "a facts file holds one document",
                            "一个事实文件只能有一个文档",
                        ),
                        self.char_span(at),
                    )
                    .with_help((
                        "move each document after the first into its own file",
                        "请把第一个之后的每个文档移到各自的文件中",
                    )));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.count(1, at)?;
                let span = self.scalar_span(&value, style, at);
                if key_position {
                    self.set_key(
                        Key {
                            name: value.clone(),
                            span,
                        },
                        span.start,
                    );
                    self.add_anchor(anchor, raw(RawKind::String(value), span), 1);
                } else {
                    let kind = resolve(value, style, tag.as_ref());
                    self.add_node(raw(kind, span), anchor, 1)?;
                }
            }
            Event::Alias(id) => {
                if key_position {
                    return Err(complex_key("an alias", self.char_span(at)));
                }
                let Some((nodes, height)) = self.anchors.get(&id).map(|a| (a.nodes, a.height))
                else {
                    return Err(SyntaxError::syntax(
                        ("unknown alias", "未知的别名"),
                        self.char_span(at),
                    ));
                };
                if self.stack.len() + height > MAX_DEPTH {
                    return Err(SyntaxError::too_deep(self.char_span(at)));
                }
                self.count(nodes, at)?;
                if let Some(copy) = self.anchors.get(&id).map(|a| a.raw.clone()) {
                    self.add_node(copy, 0, nodes)?;
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let what = match event {
                    Event::SequenceStart(..) => "a sequence",
                    _ => "a mapping",
                };
                if key_position {
                    return Err(complex_key(what, self.char_span(at)));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError::too_deep(self.char_span(at)));
                }
                self.count(1, at)?;
                let kind = match event {
                    Event::SequenceStart(..) => FrameKind::Sequence(Vec::new()),
                    _ => FrameKind::Mapping {
                        object: ObjectBuilder::default(),
                        key: None,
                        first_key: None,
                    },
                };
                self.stack.push(Frame {
                    start: at,
                    anchor,
                    nodes_before: self.nodes,
                    kind,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                // A flow collection ends at its bracket; a block one at its last node.
                let end = match self.pos.text.get(at..).and_then(|s| s.chars().next()) {
                    Some(']' | '}') => at + 1,
                    _ => self.last_end.max(frame.start),
                };
                let nodes = self.nodes - frame.nodes_before + 1;
                let node = match frame.kind {
                    FrameKind::Sequence(items) => {
                        raw(RawKind::Array(items), Span::new(frame.start, end))
                    }
                    FrameKind::Mapping {
                        object, first_key, ..
                    } => {
                        let start = first_key.map_or(frame.start, |k| k.min(frame.start));
                        object.finish(Span::new(start, end))
                    }
                };
                self.add_node(node, frame.anchor, nodes)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize, at: usize) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(SyntaxError::new(
                "facts::too_large",
                (
                    format!("the facts expand to more than {MAX_NODES} values"),
                    format!("事实展开后超过 {MAX_NODES} 个值"),
                ),
                self.char_span(at),
            )
            .with_help((
                "use fewer aliases (`*name`) to repeat large parts",
                "请少用别名（`*name`）重复大段内容",
            )));
        }
        Ok(())
    }

    fn set_key(&mut self, key: Key, start: usize) {
        self.last_end = key.span.end;
        if let Some(Frame {
            kind:
                FrameKind::Mapping {
                    key: slot,
                    first_key,
                    ..
                },
            ..
        }) = self.stack.last_mut()
        {
            first_key.get_or_insert(start);
            *slot = Some(key);
        }
    }

    fn add_anchor(&mut self, anchor: usize, node: Raw, nodes: usize) {
        if anchor != 0 {
            let height = height(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    raw: node,
                    nodes,
                    height,
                },
            );
        }
    }

    /// Place a finished node in the enclosing collection (or as the root).
    fn add_node(&mut self, node: Raw, anchor: usize, nodes: usize) -> Result<(), SyntaxError> {
        self.last_end = self.last_end.max(node.span.end);
        if anchor != 0 {
            self.add_anchor(anchor, node.clone(), nodes);
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame {
                kind: FrameKind::Sequence(items),
                ..
            }) => items.push(node),
            Some(Frame {
                kind: FrameKind::Mapping { object, key, .. },
                ..
            }) => {
                if let Some(key) = key.take() {
                    object.insert(key, node)?;
                }
            }
        }
        Ok(())
    }

    /// Where a scalar's source text lies. The marker is at its first
    /// character (the opening quote, or the first content line of a block).
    fn scalar_span(&self, value: &str, style: TScalarStyle, at: usize) -> Span {
        let rest = self.pos.text.get(at..).unwrap_or_default();
        let line_end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let len = match style {
            TScalarStyle::Plain if value.is_empty() => {
                // An empty value's marker is at the next token; place it after the key.
                return Span::new(self.last_end, self.last_end);
            }
            TScalarStyle::Plain if rest.starts_with(value) => value.len(),
            TScalarStyle::SingleQuoted => closing_quote(rest, '\'').unwrap_or(line_end),
            TScalarStyle::DoubleQuoted => closing_quote(rest, '"').unwrap_or(line_end),
            _ => rest.get(..line_end).unwrap_or_default().trim_end().len(),
        };
        Span::new(at, at + len.max(1).min(rest.len()))
    }

    /// The span of the character at a byte offset.
    fn char_span(&self, at: usize) -> Span {
        let len = self
            .pos
            .text
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        Span::new(at, at + len)
    }

    fn scan_error(&mut self, error: &ScanError) -> SyntaxError {
        let at = self.pos.byte(error.marker());
        let message = library_message(&error.info().replace('\'', "`"));
        if message == "recursion limit exceeded" {
            // The scanner's own nesting limit (deeper than ours) fired first.
            return SyntaxError::too_deep(self.char_span(at));
        }
        SyntaxError::syntax(super::library_text(message), self.char_span(at))
    }
}

/// Length up to and including the closing quote of a quoted scalar at the start of `rest`.
fn closing_quote(rest: &str, quote: char) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek().map(|&(_, c)| c) == Some('\'') => {
                chars.next();
            }
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Resolve a scalar by the YAML 1.2 core schema, keeping number text exact.
fn resolve(value: String, style: TScalarStyle, tag: Option<&Tag>) -> RawKind {
    let str_tag = tag.is_some_and(|t| {
        t.suffix == "str" && (t.handle == "!!" || t.handle == "tag:yaml.org,2002:")
    });
    if style != TScalarStyle::Plain || str_tag {
        return RawKind::String(value);
    }
    match value.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => RawKind::Null,
        "true" | "True" | "TRUE" => RawKind::Bool(true),
        "false" | "False" | "FALSE" => RawKind::Bool(false),
        v if is_number(v) => RawKind::Number(v.strip_prefix('+').unwrap_or(v).to_string()),
        _ => RawKind::String(value),
    }
}

fn is_number(v: &str) -> bool {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if let Some(hex) = v.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(octal) = v.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|b| matches!(b, b'0'..=b'7'));
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

fn height(node: &Raw) -> usize {
    match &node.kind {
        RawKind::Array(items) => 1 + items.iter().map(height).max().unwrap_or(0),
        RawKind::Object(entries) => 1 + entries.iter().map(|(_, v)| height(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn raw(kind: RawKind, span: Span) -> Raw {
    Raw { kind, span }
}

fn complex_key(found: &str, span: Span) -> SyntaxError {
    SyntaxError::syntax(
        (
            format!("a mapping key must be a plain name, found {found}"),
            format!(
                "映射的键必须是普通名称，实际是{}",
                crate::diag::zh_term(found)
            ),
        ),
        span,
    )
    .with_help(("use a text or number as the key", "请用文本或数作键"))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{Format::Yaml, RawKind};

    #[test]
    fn numbers_keep_their_exact_text() {
        let forty = "1234567890123456789012345678901234567890";
        let text = format!(
            "a: 12345678901234567.89\nb: 0.1\nc: -0\nd: 1e400\ne: {forty}\nf: +12\ng: .inf\nh: 0x1F\ni: .5\n"
        );
        let raw = ok(Yaml, &text);
        for (k, want) in [
            ("a", "12345678901234567.89"),
            ("b", "0.1"),
            ("c", "-0"),
            ("d", "1e400"),
            ("e", forty),
            ("f", "12"),
            ("g", ".inf"),
            ("h", "0x1F"),
            ("i", ".5"),
        ] {
            assert_eq!(number(at(&raw, &[k])), want, "{k}");
        }
    }

    #[test]
    fn core_schema_scalars() {
        let text = "date: 2024-02-22\nquoted: \"12\"\nsingle: '12'\nplain: 12\ntilde: ~\nempty:\nNull: NULL\nyes: True\nno: false\nword: yes\ntagged: !!str 12\nlit: |\n  12\nver: 1.2.3\n";
        let raw = ok(Yaml, text);
        assert_eq!(at(&raw, &["date"]).kind, string("2024-02-22"));
        assert_eq!(at(&raw, &["quoted"]).kind, string("12"));
        assert_eq!(at(&raw, &["single"]).kind, string("12"));
        assert_eq!(number(at(&raw, &["plain"])), "12");
        assert_eq!(at(&raw, &["tilde"]).kind, RawKind::Null);
        assert_eq!(at(&raw, &["empty"]).kind, RawKind::Null);
        assert_eq!(at(&raw, &["Null"]).kind, RawKind::Null);
        assert_eq!(at(&raw, &["yes"]).kind, RawKind::Bool(true));
        assert_eq!(at(&raw, &["no"]).kind, RawKind::Bool(false));
        assert_eq!(at(&raw, &["word"]).kind, string("yes"));
        assert_eq!(at(&raw, &["tagged"]).kind, string("12"));
        assert_eq!(at(&raw, &["lit"]).kind, string("12\n"));
        assert_eq!(at(&raw, &["ver"]).kind, string("1.2.3"));
    }

    #[test]
    fn nesting_order_and_spans() {
        let text = "z:\n  y: [1, {q: r}]\n  x:\n    - a\n    - b\n集群名称: \"张江\"\n名: '它''s'\nlast: plain text\n";
        let raw = ok(Yaml, text);
        assert_eq!(keys(&raw), ["z", "集群名称", "名", "last"]);
        assert_eq!(keys(at(&raw, &["z"])), ["y", "x"]);
        assert_eq!(at(&raw, &["z", "x", "1"]).kind, string("b"));
        assert_eq!(src(text, at(&raw, &["z", "y"]).span), "[1, {q: r}]");
        assert_eq!(src(text, at(&raw, &["z", "y", "1"]).span), "{q: r}");
        assert_eq!(src(text, at(&raw, &["z", "x"]).span), "- a\n    - b");
        assert_eq!(
            src(text, at(&raw, &["z"]).span),
            "y: [1, {q: r}]\n  x:\n    - a\n    - b"
        );
        assert_eq!(src(text, key(&raw, &[], "集群名称").span), "集群名称");
        assert_eq!(src(text, at(&raw, &["集群名称"]).span), "\"张江\"");
        assert_eq!(at(&raw, &["名"]).kind, string("它's"));
        assert_eq!(src(text, at(&raw, &["名"]).span), "'它''s'");
        assert_eq!(src(text, at(&raw, &["last"]).span), "plain text");
        assert_eq!(raw.span.start, 0);
    }

    #[test]
    fn crlf_and_empty_value_spans() {
        let text = "a: 1\r\nb:\r\n\"c\": \"x\\\"y\"\r\n";
        let raw = ok(Yaml, text);
        assert_eq!(src(text, at(&raw, &["a"]).span), "1");
        assert_eq!(at(&raw, &["b"]).span.start, 7);
        assert_eq!(src(text, at(&raw, &["c"]).span), "\"x\\\"y\"");
    }

    #[test]
    fn duplicate_keys_report_both() {
        let text = "a: 1\nb:\n  c: 2\n  c: 3\n";
        let e = err(Yaml, text);
        assert_eq!(e.code, "facts::duplicate_key");
        assert_eq!(e.message, "duplicate key `c`");
        assert_eq!((e.span.start, e.related.map(|r| r.start)), (17, Some(10)));
    }

    #[test]
    fn aliases_are_copied_and_bombs_stopped() {
        let raw = ok(Yaml, "base: &b {x: 1, y: [2]}\ncopy: *b\n");
        assert_eq!(at(&raw, &["copy"]).kind, at(&raw, &["base"]).kind);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            let list = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{list}]\n"));
        }
        assert_eq!(err(Yaml, &bomb).code, "facts::too_large");
    }

    #[test]
    fn structural_errors() {
        let e = err(Yaml, "a: 1\n---\nb: 2\n");
        assert_eq!(
            (e.message.as_str(), e.span.start),
            ("a facts file holds one document", 5)
        );
        assert!(err(Yaml, "? [a]\n: b\n")
            .message
            .starts_with("a mapping key must be a plain name"));
        let e = err(Yaml, "a: [1, 2\nb: 3\n");
        assert_eq!(e.code, "facts::syntax");
        assert!(!e.message.is_empty());
        for text in ["", "# only a comment\n", "---\n"] {
            let e = err(Yaml, text);
            assert_eq!(
                (e.code, e.message.as_str()),
                ("facts::not_an_object", "the facts file is empty"),
                "{text:?}"
            );
        }
        assert_eq!(err(Yaml, "- 1\n").code, "facts::not_an_object");
        assert_eq!(err(Yaml, "just text\n").code, "facts::not_an_object");
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let text = format!("a: {}", "[".repeat(10_000));
        // yaml_rust2 scans flow collections ahead, so its own limit (at 256
        // levels) fires before our event count reaches 65; both are too_deep.
        assert_eq!(err(Yaml, &text).code, "facts::too_deep");
        let text = format!("a:\n  {}1\n", "- ".repeat(100));
        assert_eq!(err(Yaml, &text).code, "facts::too_deep");
        let text = format!("a: {}1{}", "[".repeat(63), "]".repeat(63));
        ok(Yaml, &text);
        let text = format!("a: {}1{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(err(Yaml, &text).code, "facts::too_deep");
        let alias = format!("a: &x {}{}\nb: [*x]\n", "[".repeat(63), "]".repeat(63));
        assert_eq!(err(Yaml, &alias).code, "facts::too_deep");
    }
}
