//! Hand-written JSON (RFC 8259) parser for facts files.
//!
//! It exists instead of a library because facts need what value-oriented
//! parsers throw away: each number's exact text (never an `f64`), byte spans
//! for every value and key, and duplicate keys reported rather than merged.
//! Recursion stops at [`MAX_DEPTH`], so hostile nesting cannot overflow the stack.

use super::{Key, ObjectBuilder, Raw, RawKind, Span, SyntaxError, MAX_DEPTH};
use crate::diag::zh_term;

/// Parse one JSON document (BOM already removed).
pub(super) fn parse(text: &str) -> Result<Raw, SyntaxError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_ws();
    if parser.peek().is_none() {
        return Err(SyntaxError::syntax(
            ("the facts file is empty", "事实文件为空"),
            Span::new(0, 0),
        )
        .with_help(("write an object such as `{}`", "请写一个对象，如 `{}`")));
    }
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.peek().is_some() {
        return Err(parser
            .expected("end of input after the document")
            .with_help((
                "a facts file holds exactly one JSON object",
                "一个事实文件只能有一个 JSON 对象",
            )));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn next_char(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Span of the character (or word) at the current position.
    fn here(&self) -> Span {
        let len = self.found_word().map_or(0, str::len);
        Span::new(self.pos, self.pos + len)
    }

    /// The word at the current position: an identifier-like run, or one character.
    fn found_word(&self) -> Option<&str> {
        let rest = self.text.get(self.pos..)?;
        let first = rest.chars().next()?;
        let len = if first.is_ascii_alphanumeric() {
            rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(rest.len())
        } else {
            first.len_utf8()
        };
        rest.get(..len)
    }

    /// "expected X, found Y" at the current position, with advice for common mistakes.
    fn expected(&self, what: &str) -> SyntaxError {
        let found = match self.found_word() {
            None => "the end of the file".to_string(),
            Some(word) if word.contains(char::is_control) => format!("`{}`", word.escape_debug()),
            Some(word) => format!("`{word}`"),
        };
        let error = SyntaxError::syntax(
            (
                format!("expected {what}, found {found}"),
                format!("此处应为{}，实际是{}", zh_term(what), zh_term(&found)),
            ),
            self.here(),
        );
        match self.found_word() {
            Some("/") => error.with_help(("JSON does not allow comments", "JSON 不允许注释")),
            Some("'") => {
                error.with_help(("JSON strings use double quotes", "JSON 字符串须用双引号"))
            }
            Some("NaN" | "Infinity") => {
                error.with_help(("JSON numbers must be finite", "JSON 数值必须是有限数"))
            }
            _ => error,
        }
    }

    fn value(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'{' | b'[') if depth >= MAX_DEPTH => Err(SyntaxError::too_deep(self.here())),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let (text, span) = self.string()?;
                Ok(raw(RawKind::String(text), span))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => {
                let kind = match self.found_word() {
                    Some("true") => RawKind::Bool(true),
                    Some("false") => RawKind::Bool(false),
                    Some("null") => RawKind::Null,
                    _ => return Err(self.expected("a value")),
                };
                self.pos = self.here().end;
                Ok(raw(kind, Span::new(start, self.pos)))
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut object = ObjectBuilder::default();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(object.finish(Span::new(start, self.pos)));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                let error = self.expected("a key in double quotes");
                return Err(if self.peek() == Some(b'}') {
                    error.with_help(("remove the trailing comma", "请删去末尾多余的逗号"))
                } else {
                    error
                });
            }
            let (name, span) = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.expected("`:` after the key"));
            }
            self.pos += 1;
            let value = self.value(depth)?;
            object.insert(Key { name, span }, value)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(object.finish(Span::new(start, self.pos)));
                }
                _ => return Err(self.expected("`,` or `}` after an object entry")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(raw(RawKind::Array(items), Span::new(start, self.pos)));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                return Err(self
                    .expected("a value")
                    .with_help(("remove the trailing comma", "请删去末尾多余的逗号")));
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(raw(RawKind::Array(items), Span::new(start, self.pos)));
                }
                _ => return Err(self.expected("`,` or `]` after an array element")),
            }
        }
    }

    /// A string starting at the opening quote; returns its value and its span (quotes included).
    fn string(&mut self) -> Result<(String, Span), SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok((out, Span::new(start, self.pos)));
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => {
                    return Err(SyntaxError::syntax(
                        {
                            let c = self.next_char().unwrap_or_default().escape_debug();
                            (
                                format!("control character `{c}` is not allowed in a string"),
                                format!("字符串中不允许有控制字符 `{c}`"),
                            )
                        },
                        Span::new(self.pos, self.pos + 1),
                    )
                    .with_help((
                        "write it as an escape such as `\\n`",
                        "请写成转义形式，如 `\\n`",
                    )));
                }
                None => {
                    return Err(SyntaxError::syntax(
                        ("unterminated string", "字符串没有结束"),
                        Span::new(start, start + 1),
                    )
                    .with_help(("add the closing `\"`", "请补上结尾的 `\"`")));
                }
            }
        }
    }

    /// An escape sequence starting at the backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let simple = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(start),
            _ => return Err(self.expected("an escape character (one of `\"\\/bfnrtu`) after `\\`")),
        };
        self.pos += 1;
        Ok(simple)
    }

    /// `\uXXXX`, pairing UTF-16 surrogates; `start` is the backslash.
    fn unicode_escape(&mut self, start: usize) -> Result<char, SyntaxError> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            let low = if self.text.get(self.pos..self.pos + 2) == Some("\\u") {
                self.pos += 1;
                self.hex4()?
            } else {
                0
            };
            if !(0xDC00..0xE000).contains(&low) {
                return Err(lone_surrogate(high, Span::new(start, start + 6)));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| lone_surrogate(code, Span::new(start, self.pos)))
    }

    /// `u` followed by four hex digits; leaves `pos` after them.
    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        self.pos += 1; // the `u`
        let mut code = 0;
        for _ in 0..4 {
            match self.peek().and_then(|b| char::from(b).to_digit(16)) {
                Some(digit) => code = code * 16 + digit,
                None => return Err(self.expected("four hex digits after `\\u`")),
            }
            self.pos += 1;
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<Raw, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(SyntaxError::syntax(
                        (
                            "leading zeros are not allowed in numbers",
                            "数字不允许有前导零",
                        ),
                        Span::new(start, self.pos),
                    )
                    .with_help((
                        "remove the leading zeros, or quote the value if it is a code",
                        "请删去前导零；如该值是编码，请加引号",
                    )));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.expected("a digit after `-`")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits("a digit after the decimal point")?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits("a digit in the exponent")?;
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        Ok(raw(
            RawKind::Number(text.to_string()),
            Span::new(start, self.pos),
        ))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self, what: &str) -> Result<(), SyntaxError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.expected(what));
        }
        self.digits();
        Ok(())
    }
}

fn raw(kind: RawKind, span: Span) -> Raw {
    Raw { kind, span }
}

fn lone_surrogate(code: u32, span: Span) -> SyntaxError {
    SyntaxError::syntax(
        (
            format!("lone surrogate `\\u{code:04X}` in string"),
            format!("字符串中有不成对的代理项 `\\u{code:04X}`"),
        ),
        span,
    )
    .with_help((
        "a `\\uD800`-`\\uDBFF` escape must be followed by a `\\uDC00`-`\\uDFFF` escape",
        "`\\uD800`-`\\uDBFF` 转义之后必须紧跟 `\\uDC00`-`\\uDFFF` 转义",
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{Format::Json, RawKind};

    #[test]
    fn numbers_keep_their_exact_text() {
        let forty = "1234567890123456789012345678901234567890";
        let text = format!(
            r#"{{"a": 12345678901234567.89, "b": 0.1, "c": -0, "d": 1e400, "e": {forty}, "f": -1.5E-7}}"#
        );
        let raw = ok(Json, &text);
        for (k, want) in [
            ("a", "12345678901234567.89"),
            ("b", "0.1"),
            ("c", "-0"),
            ("d", "1e400"),
        ] {
            assert_eq!(number(at(&raw, &[k])), want);
        }
        assert_eq!(number(at(&raw, &["e"])), forty);
        assert_eq!(number(at(&raw, &["f"])), "-1.5E-7");
    }

    #[test]
    fn nesting_order_and_scalars() {
        let text = r#"{"z": {"y": [1, "two", true, null, {}], "x": false}, "a": []}"#;
        let raw = ok(Json, text);
        assert_eq!(keys(&raw), ["z", "a"]);
        assert_eq!(keys(at(&raw, &["z"])), ["y", "x"]);
        assert_eq!(at(&raw, &["z", "y", "1"]).kind, string("two"));
        assert_eq!(at(&raw, &["z", "y", "2"]).kind, RawKind::Bool(true));
        assert_eq!(at(&raw, &["z", "y", "3"]).kind, RawKind::Null);
        assert_eq!(
            src(text, at(&raw, &["z"]).span),
            r#"{"y": [1, "two", true, null, {}], "x": false}"#
        );
        assert_eq!(
            src(text, at(&raw, &["z", "y"]).span),
            r#"[1, "two", true, null, {}]"#
        );
    }

    #[test]
    fn spans_after_multibyte_text() {
        let text = "{\r\n  \"集群名称\": \"张江\",\r\n  \"节点\": 3\r\n}";
        let raw = ok(Json, text);
        assert_eq!(at(&raw, &["集群名称"]).kind, string("张江"));
        assert_eq!(src(text, key(&raw, &[], "集群名称").span), "\"集群名称\"");
        assert_eq!(src(text, at(&raw, &["集群名称"]).span), "\"张江\"");
        assert_eq!(src(text, at(&raw, &["节点"]).span), "3");
        assert_eq!(src(text, raw.span), text);
    }

    #[test]
    fn escapes_and_surrogates() {
        let raw = ok(Json, r#"{"s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#);
        assert_eq!(at(&raw, &["s"]).kind, string("a\"\\/\u{8}\u{c}\n\r\té😀"));
        for bad in [
            r#"{"s": "\ud83d"}"#,
            r#"{"s": "\ude00"}"#,
            r#"{"s": "\ud83d\u0041"}"#,
        ] {
            let e = err(Json, bad);
            assert_eq!(e.code, "facts::syntax");
            assert!(e.message.starts_with("lone surrogate"), "{}", e.message);
            assert_eq!(&bad[e.span.start..e.span.end], &bad[7..13]);
        }
        assert!(err(Json, "{\"s\": \"a\nb\"}")
            .message
            .starts_with("control character"));
        assert!(err(Json, r#"{"s": "\x"}"#)
            .message
            .starts_with("expected an escape"));
    }

    #[test]
    fn duplicate_keys_report_both() {
        let text = r#"{"output_value": 1, "b": 2, "output_value": 3}"#;
        let e = err(Json, text);
        assert_eq!(e.code, "facts::duplicate_key");
        assert_eq!(e.message, "duplicate key `output_value`");
        assert_eq!(e.span.start, 28);
        assert_eq!(src(text, e.span), "\"output_value\"");
        assert_eq!(e.related.map(|r| r.start), Some(1));
        assert_eq!(
            e.help.as_deref().map(|t| t.as_str()),
            Some("remove one of the two entries")
        );
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let text = format!("{{\"a\": {}", "[".repeat(10_000));
        let e = err(Json, &text);
        assert_eq!(e.code, "facts::too_deep");
        assert_eq!(e.span.start, 6 + 63);
        // exactly MAX_DEPTH levels is fine
        let text = format!("{{\"a\": {}{}}}", "[".repeat(63), "]".repeat(63));
        ok(Json, &text);
    }

    #[test]
    fn syntax_errors_say_what_was_expected_and_where() {
        let cases = [
            (
                r#"{"a": 1]"#,
                "expected `,` or `}` after an object entry, found `]`",
                7,
            ),
            (r#"{"a": [1,]}"#, "expected a value, found `]`", 9),
            (
                r#"{"a": 1,}"#,
                "expected a key in double quotes, found `}`",
                8,
            ),
            (r#"{"a": NaN}"#, "expected a value, found `NaN`", 6),
            (
                r#"{"a": -Infinity}"#,
                "expected a digit after `-`, found `Infinity`",
                7,
            ),
            (
                r#"{"a": 012}"#,
                "leading zeros are not allowed in numbers",
                6,
            ),
            (
                r#"{"a": 1.}"#,
                "expected a digit after the decimal point, found `}`",
                8,
            ),
            (
                r#"{"a": 1e}"#,
                "expected a digit in the exponent, found `}`",
                8,
            ),
            (
                "{\"a\": 1 // c\n}",
                "expected `,` or `}` after an object entry, found `/`",
                8,
            ),
            (
                r#"{'a': 1}"#,
                "expected a key in double quotes, found `'`",
                1,
            ),
            (r#"{"a" 1}"#, "expected `:` after the key, found `1`", 5),
            (
                r#"{"a": 1} x"#,
                "expected end of input after the document, found `x`",
                9,
            ),
            (
                r#"{"a": 1}}"#,
                "expected end of input after the document, found `}`",
                8,
            ),
            (r#"{"a": tru}"#, "expected a value, found `tru`", 6),
            (
                r#"{"a": [1 2]}"#,
                "expected `,` or `]` after an array element, found `2`",
                9,
            ),
            (
                r#"{"a": 1"#,
                "expected `,` or `}` after an object entry, found the end of the file",
                7,
            ),
            (r#"{"a": "x}"#, "unterminated string", 6),
        ];
        for (text, message, start) in cases {
            let e = err(Json, text);
            assert_eq!(
                (e.code, e.message.as_str(), e.span.start),
                ("facts::syntax", message, start),
                "{text}"
            );
        }
        assert_eq!(
            err(Json, r#"{"a": 1,}"#)
                .help
                .as_deref()
                .map(|t| t.as_str()),
            Some("remove the trailing comma")
        );
    }

    #[test]
    fn empty_and_non_object_documents() {
        for text in ["", "  \n", "\u{feff}"] {
            let e = err(Json, text);
            assert_eq!(
                (e.code, e.message.as_str()),
                ("facts::syntax", "the facts file is empty")
            );
        }
        let e = err(Json, " [1, 2] ");
        assert_eq!(e.code, "facts::not_an_object");
        assert_eq!((e.span.start, e.span.end), (1, 7));
    }
}
