//! TOML facts parser built on `toml_edit`'s span-preserving document.
//!
//! `toml_edit` keeps byte spans for keys and values, which lets this module
//! take integers and floats from their source text (so `1_000` becomes
//! `1000` and `0.1` stays `0.1`, never an `f64`) and dates from their text.
//! TOML itself forbids duplicate keys; `toml_edit` reports them.

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::{
    library_message, library_text, Key, ObjectBuilder, Raw, RawKind, Span, SyntaxError, MAX_DEPTH,
};

/// Parse one TOML document (BOM already removed).
pub(super) fn parse(text: &str) -> Result<Raw, SyntaxError> {
    let doc = ImDocument::parse(text).map_err(|e| parse_error(&e, text))?;
    table(doc.as_table(), Span::new(0, text.len()), text, 1)
}

fn parse_error(error: &toml_edit::TomlError, text: &str) -> SyntaxError {
    let span = error.span().map_or(Span::new(text.len(), text.len()), |r| {
        Span::new(r.start, r.end)
    });
    // A duplicate table header reads "invalid table header\nduplicate key ...".
    let full = error.message();
    let line = full
        .lines()
        .find(|l| l.starts_with("duplicate key"))
        .unwrap_or(full);
    let message = library_message(&line.replace("`\"", "`").replace("\"`", "`"));
    if message.starts_with("duplicate key") {
        SyntaxError::new("facts::duplicate_key", library_text(message), span)
            .with_help(("remove one of the two entries", "请删去两处之一"))
    } else if message.contains("recursion limit") {
        SyntaxError::too_deep(span)
    } else if message.contains("too large") || message.contains("floating-point") {
        SyntaxError::syntax(library_text(message), span).with_help((
            "TOML numbers must fit in 64 bits, so write very large numbers in a JSON or YAML facts file",
            "TOML 数值须在 64 位以内，很大的数请写在 JSON 或 YAML 事实文件中",
        ))
    } else {
        SyntaxError::syntax(library_text(message), span)
    }
}

fn span_of(range: Option<std::ops::Range<usize>>) -> Option<Span> {
    range.map(|r| Span::new(r.start, r.end))
}

fn table(t: &dyn TableLike, span: Span, text: &str, depth: usize) -> Result<Raw, SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(SyntaxError::too_deep(span));
    }
    let mut object = ObjectBuilder::default();
    for (name, _) in t.iter() {
        let Some((key, item)) = t.get_key_value(name) else {
            continue;
        };
        let key_span = span_of(key.span()).unwrap_or(span);
        let value = match item {
            Item::None => continue,
            Item::Value(v) => value(v, text, depth + 1)?,
            // Implicit tables (`[a.b]` defines `a`) have no span of their own.
            Item::Table(t) => {
                let span = span_of(t.span()).unwrap_or(key_span);
                table(t, span, text, depth + 1)?
            }
            Item::ArrayOfTables(array) => {
                let span = span_of(array.span()).unwrap_or(key_span);
                if depth + 1 > MAX_DEPTH {
                    return Err(SyntaxError::too_deep(span));
                }
                let items = array
                    .iter()
                    .map(|t| table(t, span_of(t.span()).unwrap_or(span), text, depth + 2))
                    .collect::<Result<_, _>>()?;
                Raw {
                    kind: RawKind::Array(items),
                    span,
                }
            }
        };
        let key = Key {
            name: key.get().to_string(),
            span: key_span,
        };
        object.insert(key, value)?;
    }
    Ok(object.finish(span))
}

fn value(v: &Value, text: &str, depth: usize) -> Result<Raw, SyntaxError> {
    let span = span_of(v.span()).unwrap_or(Span::new(0, 0));
    let source = text.get(span.start..span.end).unwrap_or_default();
    let kind = match v {
        Value::String(s) => RawKind::String(s.value().clone()),
        Value::Integer(_) | Value::Float(_) => {
            let digits = source.strip_prefix('+').unwrap_or(source);
            RawKind::Number(digits.replace('_', ""))
        }
        Value::Boolean(b) => RawKind::Bool(*b.value()),
        Value::Datetime(_) => RawKind::String(source.to_string()),
        Value::Array(array) => {
            if depth > MAX_DEPTH {
                return Err(SyntaxError::too_deep(span));
            }
            let items = array
                .iter()
                .map(|item| value(item, text, depth + 1))
                .collect::<Result<_, _>>()?;
            RawKind::Array(items)
        }
        Value::InlineTable(t) => return table(t, span, text, depth),
    };
    Ok(Raw { kind, span })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{Format::Toml, RawKind};

    #[test]
    fn numbers_keep_their_exact_text() {
        let text = "a = 12345678901234567.89\nb = 0.1\nc = -0\nd = 1e300\ne = 30.000000000000000000000000001\nf = 1_000\ng = +12.5\nh = inf\ni = -nan\nj = 0xDEAD_BEEF\n";
        let raw = ok(Toml, text);
        for (k, want) in [
            ("a", "12345678901234567.89"),
            ("b", "0.1"),
            ("c", "-0"),
            ("d", "1e300"),
            ("e", "30.000000000000000000000000001"),
            ("f", "1000"),
            ("g", "12.5"),
            ("h", "inf"),
            ("i", "-nan"),
            ("j", "0xDEADBEEF"),
        ] {
            assert_eq!(number(at(&raw, &[k])), want, "{k}");
        }
        // toml_edit itself rejects numbers that do not fit in 64 bits.
        for text in ["a = 1e400", "a = 1234567890123456789012345678901234567890"] {
            let e = err(Toml, text);
            assert_eq!((e.code, e.span.start), ("facts::syntax", 4), "{text}");
            assert!(e.help.is_some());
        }
    }

    #[test]
    fn scalars_dates_and_tables() {
        let text = "title = \"x\"\nday = 2024-02-22\nat = 1979-05-27T07:32:00Z\nok = true\n\n[server]\nport = 80\nlimits = { cpu = 2, mem = [1, 2] }\n\n[[jobs]]\nname = \"a\"\n\n[[jobs]]\nname = \"b\"\n\n[x.y]\nz = 1\n";
        let raw = ok(Toml, text);
        assert_eq!(
            keys(&raw),
            ["title", "day", "at", "ok", "server", "jobs", "x"]
        );
        assert_eq!(at(&raw, &["day"]).kind, string("2024-02-22"));
        assert_eq!(at(&raw, &["at"]).kind, string("1979-05-27T07:32:00Z"));
        assert_eq!(at(&raw, &["ok"]).kind, RawKind::Bool(true));
        assert_eq!(keys(at(&raw, &["server", "limits"])), ["cpu", "mem"]);
        assert_eq!(number(at(&raw, &["server", "limits", "mem", "1"])), "2");
        assert_eq!(at(&raw, &["jobs", "1", "name"]).kind, string("b"));
        assert_eq!(number(at(&raw, &["x", "y", "z"])), "1");
        assert_eq!(
            src(text, at(&raw, &["server", "limits"]).span),
            "{ cpu = 2, mem = [1, 2] }"
        );
        assert_eq!(src(text, at(&raw, &["server", "port"]).span), "80");
        assert_eq!(src(text, key(&raw, &["server"], "port").span), "port");
        assert_eq!(src(text, key(&raw, &[], "x").span), "x");
    }

    #[test]
    fn spans_after_multibyte_text_and_crlf() {
        let text = "\"集群名称\" = \"张江\"\r\n节点 = 3\r\n";
        let text = text.replace("节点", "\"节点\"");
        let raw = ok(Toml, &text);
        assert_eq!(at(&raw, &["集群名称"]).kind, string("张江"));
        assert_eq!(src(&text, key(&raw, &[], "集群名称").span), "\"集群名称\"");
        assert_eq!(src(&text, at(&raw, &["集群名称"]).span), "\"张江\"");
        assert_eq!(src(&text, at(&raw, &["节点"]).span), "3");
    }

    #[test]
    fn errors() {
        let text = "a = 1\nb = 2\na = 3\n";
        let e = err(Toml, text);
        assert_eq!(e.code, "facts::duplicate_key");
        assert!(e.message.starts_with("duplicate key `a`"), "{}", e.message);
        assert_eq!(e.span.start, 12);
        let e = err(Toml, "[a]\nx = 1\n[a]\n");
        assert_eq!(e.code, "facts::duplicate_key");
        assert_eq!(e.message, "duplicate key `a` in document root");
        assert_eq!(e.span.start, 10);
        let e = err(Toml, "a = 1\nb = \n");
        assert_eq!(e.code, "facts::syntax");
        assert_eq!(e.span.start, 10);
        assert!(e.message.starts_with(|c: char| !c.is_uppercase()));
        let deep = format!("a = {}", "[".repeat(10_000));
        assert_eq!(err(Toml, &deep).code, "facts::too_deep");
        let deep = format!("a = {}1{}", "[".repeat(70), "]".repeat(70));
        assert_eq!(err(Toml, &deep).code, "facts::too_deep");
        let fine = format!("a = {}1{}", "[".repeat(63), "]".repeat(63));
        ok(Toml, &fine);
    }

    #[test]
    fn empty_document_is_an_empty_table() {
        assert_eq!(ok(Toml, "").kind, RawKind::Object(Vec::new()));
        assert_eq!(ok(Toml, "# nothing\n").kind, RawKind::Object(Vec::new()));
    }
}
