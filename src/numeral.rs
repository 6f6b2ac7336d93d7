//! The numbering of documents: items numbered 一…九十九 or 1…99, read exactly.
//!
//! Chinese numerals are read only in their one standard spelling: 一…九, 十, 十一…十九,
//! 二十, 二十一 … 九十九. Anything else — 零, 一十, 十十, 二二, 一百, 两 — is not a number
//! here, so a typo in an item's number is reported instead of read as another item.
//! Arabic numerals are 1…99 without leading zeros.

const DIGITS: [char; 9] = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn digit(c: char) -> Option<u32> {
    DIGITS
        .iter()
        .position(|d| *d == c)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// The value of `text` when it is exactly one of 1…99 or 一…九十九.
pub fn read(text: &str) -> Option<u32> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        if text.starts_with('0') || text.len() > 2 || !text.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        return text.parse().ok().filter(|n| (1..=99).contains(n));
    }
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', u] => digit(*u).map(|u| 10 + u),
        [t, '十'] if *t != '一' => digit(*t).map(|t| t * 10),
        [t, '十', u] if *t != '一' => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// `n` (1…99) in Chinese numerals: 三, 十二, 四十, 九十九.
pub fn chinese(n: u32) -> String {
    let d = |i: u32| {
        i.checked_sub(1)
            .and_then(|k| DIGITS.get(k as usize))
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    match n {
        1..=9 => d(n),
        10..=19 => format!("十{}", d(n % 10)),
        20..=99 => format!("{}十{}", d(n / 10), d(n % 10)),
        _ => n.to_string(),
    }
}

/// An item heading made from a style such as `（一）`, `一、`, `1.` or `第1项`: the
/// style's one numeral (一 or 1) replaced by `n` in the same kind of numerals.
/// `None` when the style holds neither 一 nor 1, or both.
pub fn heading(style: &str, n: u32) -> Option<String> {
    match (style.contains('一'), style.contains('1')) {
        (true, false) => Some(style.replacen('一', &chinese(n), 1)),
        (false, true) => Some(style.replacen('1', &n.to_string(), 1)),
        _ => None,
    }
}

/// Where an article or annex (by key, [`crate::syntax::ast::Article::key`]) and one of
/// its clauses or items stand, for listings that have no rule set at hand: `第六条（二）`,
/// `附件1 三、`, `rule set` when neither is given.
pub fn place(key: Option<u32>, clause: Option<u32>) -> String {
    use crate::syntax::ast::ANNEX_KEY;
    let Some(key) = key else {
        return "rule set".into();
    };
    if key & ANNEX_KEY == 0 {
        let a = format!("第{}条", crate::render::chinese_number(key));
        match clause {
            Some(c) => format!("{a}（{}）", crate::render::chinese_number(c)),
            None => a,
        }
    } else {
        let n = key & !ANNEX_KEY;
        let a = if n == 0 {
            "附件".to_string()
        } else {
            format!("附件{n}")
        };
        match clause {
            Some(c) => format!("{a} {}、", chinese(c)),
            None => a,
        }
    }
}

/// The article number of a key, `None` for an annex (for JSON fields named `article`).
pub fn article_number(key: Option<u32>) -> Option<u32> {
    key.filter(|k| k & crate::syntax::ast::ANNEX_KEY == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_both_ways() {
        for n in 1..=99 {
            assert_eq!(read(&n.to_string()), Some(n), "{n}");
            assert_eq!(read(&chinese(n)), Some(n), "{}", chinese(n));
        }
        assert_eq!(chinese(10), "十");
        assert_eq!(chinese(11), "十一");
        assert_eq!(chinese(20), "二十");
        assert_eq!(chinese(99), "九十九");
    }

    #[test]
    fn only_the_standard_spelling() {
        for bad in [
            "零",
            "〇",
            "一十",
            "一十一",
            "十十",
            "二二",
            "一百",
            "百",
            "两",
            "十二十",
            "二十十",
            "九十九九",
            "0",
            "00",
            "01",
            "100",
            "",
            "十零",
            "二十零",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }

    #[test]
    fn headings_follow_the_style() {
        assert_eq!(heading("（一）", 3).as_deref(), Some("（三）"));
        assert_eq!(heading("一、", 12).as_deref(), Some("十二、"));
        assert_eq!(heading("1.", 12).as_deref(), Some("12."));
        assert_eq!(heading("第1项", 7).as_deref(), Some("第7项"));
        assert_eq!(heading("、", 1), None);
        assert_eq!(heading("一1", 1), None);
    }
}
