//! Bytes read from a file as text, checked to be UTF-8 by `simdutf8`: rule files, and the
//! facts files of a single check or of a folder checked as a batch.
//!
//! A check reads the whole rule set (some 60 kB, most of it Chinese) at every run, to find
//! its entry in the rule-set cache and to show places in the rule files. The standard
//! library checks text that is not ASCII a byte at a time: about five instructions a byte,
//! a tenth of a check's instructions. `simdutf8` checks it with vector instructions, and
//! the bytes then become the text without a copy.

#![allow(unsafe_code)]

/// `bytes` as a `String` if they are UTF-8, else the standard library's error (which says
/// where the first invalid byte is).
pub fn string(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: `simdutf8` has just found every byte of `bytes` to be UTF-8, and the
        // bytes are not changed in between.
        return Ok(unsafe { String::from_utf8_unchecked(bytes) });
    }
    String::from_utf8(bytes)
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn text_is_taken_as_it_is_and_other_bytes_are_refused_where_they_stand() {
        let text = "规则 \"近三年产值均在30亿元以上\"：\n  output_value[y] >= 30 亿元 😀\n";
        assert_eq!(string(text.as_bytes().to_vec()).unwrap(), text);
        assert_eq!(string(Vec::new()).unwrap(), "");
        // A GBK byte pair, a lone continuation byte, a truncated sequence, a surrogate.
        for (bad, at) in [
            (&b"ab\xc4\xe3"[..], 2),
            (&b"\x80"[..], 0),
            (&b"\xe4\xb8"[..], 0),
            (&b"x\xed\xa0\x80"[..], 1),
        ] {
            let e = string(bad.to_vec()).unwrap_err();
            assert_eq!(e.utf8_error().valid_up_to(), at, "{bad:?}");
            assert_eq!(e.into_bytes(), bad);
        }
    }
}
