//! Text from a facts or rule file, made safe to show to a person.
//!
//! A facts file may hold anything in a string: a newline that would forge a line of a
//! batch report, an escape sequence that would recolour or clear a terminal, a
//! right-to-left override that would reverse what follows. Wherever such text is shown
//! to a person (the human report, batch lines, `policy diff`, diagnostics), it goes
//! through [`printable`], which writes each such character as a visible escape
//! (`\n`, `\u{1b}`, `\u{202e}`). JSON output needs no such care: serde escapes control
//! characters, and the data is kept as given.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a person's screen as it is: C0 and C1 control characters
/// (tab included), DEL, and the bidirectional formatting characters that reorder text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}'
        )
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `s` with every unsafe character written as a visible escape; borrowed when there is none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` made printable line by line: its line breaks are kept, everything else unsafe is
/// escaped. For text built for a person (no colour codes of its own) from pieces that
/// came from files.
pub fn printable_lines(s: &str) -> String {
    s.split('\n').map(printable).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            printable("松江机器人 集群 30亿元"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(printable("x\u{7}\u{0}"), "x\\u{7}\\u{0}");
        assert_eq!(printable("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(printable("tab\there\r"), "tab\\there\\r");
        assert_eq!(printable("\u{85}"), "\\u{85}");
    }

    #[test]
    fn lines_keep_their_breaks_and_nothing_else() {
        assert_eq!(printable_lines("a\u{1b}b\nc\r\n"), "a\\u{1b}b\nc\\r\n");
        assert_eq!(printable_lines("plain\ntext"), "plain\ntext");
    }
}
