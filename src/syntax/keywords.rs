//! The two keyword sets of the rule language: English and Chinese.
//!
//! Both give the same syntax tree (the grammar has the Chinese word as the second
//! alternative of each keyword rule); a file keeps to one set, chosen by its first
//! keyword (see `docs/language.md`, "Two keyword sets"). This module holds the words
//! as `policy fmt --keywords` and the parser's messages name them.

/// The keyword set a rule file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeywordSet {
    #[default]
    En,
    Zh,
}

impl KeywordSet {
    /// `en` or `zh`, as `policy fmt --keywords` takes them.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(KeywordSet::En),
            "zh" => Some(KeywordSet::Zh),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            KeywordSet::En => "en",
            KeywordSet::Zh => "zh",
        }
    }
    /// "English" or "Chinese".
    pub fn name(self) -> &'static str {
        match self {
            KeywordSet::En => "English",
            KeywordSet::Zh => "Chinese",
        }
    }
    /// 英文 or 中文.
    pub fn name_zh(self) -> &'static str {
        match self {
            KeywordSet::En => "英文",
            KeywordSet::Zh => "中文",
        }
    }
    pub fn other(self) -> Self {
        match self {
            KeywordSet::En => KeywordSet::Zh,
            KeywordSet::Zh => KeywordSet::En,
        }
    }
}

/// Each English keyword beside its Chinese word. Where the English word has two Chinese
/// words by its place, this is the first; [`EXTRA_ZH`] holds the others. `list` and
/// `series` stand for `list of` and `series of` (the Chinese forms have no `of`);
/// `assessed` for `not assessed`; `applies` for `applies when`; `article`, `clause`,
/// `chapter`, `annex` and `item` are headings (`第六条`, `（二）`, `第二章`, `附件1`, `第三项`).
pub const WORDS: &[(&str, &str)] = &[
    ("policy", "政策"),
    ("document", "文号"),
    ("issued_by", "发文机关"),
    ("issued_on", "印发日期"),
    ("in_force", "施行"),
    ("to", "至"),
    ("from", "自"),
    ("version", "版本"),
    ("dimension", "量纲"),
    ("bare_numbers", "可省单位"),
    ("enum", "分类"),
    ("ordered", "有序"),
    ("record", "记录"),
    ("fact", "事实"),
    ("optional", "可选"),
    ("list", "若干"),
    ("series", "逐年"),
    ("count", "计数"),
    ("text", "条文"),
    ("parameter", "参数"),
    ("definition", "定义"),
    ("source", "原文"),
    ("interpretation", "解释"),
    ("assumption", "假定"),
    ("applies", "适用条件"),
    ("as", "简称"),
    ("when", "仅当"),
    ("rule", "规则"),
    ("guideline", "指引"),
    ("decision", "决定"),
    ("items", "编号"),
    ("assessed", "留待评审"),
    ("because", "理由"),
    ("and", "且"),
    ("or", "或"),
    ("not", "非"),
    ("in", "属于"),
    ("if", "如果"),
    ("then", "则"),
    ("else", "否则"),
    ("every", "每个"),
    ("any", "任一"),
    ("none", "没有"),
    ("where", "其中"),
    ("sum", "合计"),
    ("mean", "平均"),
    ("min", "最小"),
    ("max", "最大"),
    ("true", "是"),
    ("false", "否"),
    ("today", "评价日"),
    ("latest", "最近"),
    ("earliest", "最早"),
    ("by", "按"),
    ("article", "第…条"),
    ("clause", "（…）"),
    ("chapter", "第…章"),
    ("annex", "附件"),
    ("item", "第…项"),
];

/// Chinese words for an English keyword in a second place: `text` as a type is 文本,
/// `none` as a value is 无.
pub const EXTRA_ZH: &[(&str, &str)] = &[("text", "文本"), ("none", "无")];

/// The Chinese word of an English keyword (its first place).
pub fn zh(en: &str) -> Option<&'static str> {
    WORDS.iter().find(|(e, _)| *e == en).map(|(_, z)| *z)
}

/// The English keyword of a Chinese word.
pub fn en(zh: &str) -> Option<&'static str> {
    WORDS
        .iter()
        .chain(EXTRA_ZH)
        .find(|(_, z)| *z == zh)
        .map(|(e, _)| *e)
}

/// The word of the other set for a keyword as written (`rule` → `规则`, `规则` → `rule`).
pub fn counterpart(word: &str) -> Option<&'static str> {
    if word.starts_with(|c: char| c.is_ascii()) {
        zh(word)
    } else {
        en(word)
    }
}

/// Keywords that open an expression and are followed by a name: written joined to it
/// (`每个y`), they make one name.
const OPENERS: &[&str] = &[
    "每个", "任一", "没有", "计数", "合计", "平均", "最小", "最大", "最近", "最早", "如果", "否则",
];
/// Keywords that end a name's place in an expression (`y属于`, `近三年其中`).
const ENDERS: &[&str] = &["属于", "其中", "仅当"];

/// The keyword a name was written joined to, and whether it begins the name (else it ends
/// it): `每个y属于近三年` begins with `每个`. `None` for a name that does not begin with a
/// keyword opening an expression or end with `属于`, `其中` or `仅当`.
pub fn joined_keyword(word: &str) -> Option<(&'static str, bool)> {
    if let Some(k) = OPENERS
        .iter()
        .find(|k| word.len() > k.len() && word.starts_with(**k))
    {
        return Some((k, true));
    }
    ENDERS
        .iter()
        .find(|k| word.len() > k.len() && word.ends_with(**k))
        .map(|k| (*k, false))
}

/// Whether a name is certainly a quantifier or `如果 … 则` written without spaces:
/// it begins with a keyword that opens one and holds the keyword that continues it
/// (`每个y属于近三年`, `如果已认定则`). Such a name is refused even where it parses.
pub fn is_joined_form(word: &str) -> bool {
    match joined_keyword(word) {
        Some(("如果", true)) => word.get("如果".len()..).is_some_and(|r| {
            r.char_indices()
                .any(|(i, c)| c == '则' && i > 0 && !r.get(..i).is_some_and(|p| p.ends_with('否')))
        }),
        Some((k, true)) if k != "否则" => word
            .get(k.len()..)
            .is_some_and(|r| r.find("属于").is_some_and(|i| i > 0)),
        _ => false,
    }
}

/// `每个y属于近三年` → `每个 y 属于 近三年`: the word with spaces around the keywords it
/// was joined to, as `policy fmt` writes it. `None` when [`joined_keyword`] finds none.
pub fn split_joined(word: &str) -> Option<String> {
    let (k, begins) = joined_keyword(word)?;
    if !begins {
        let rest = word.get(..word.len() - k.len())?;
        return Some(format!("{rest} {k}"));
    }
    let rest = word.get(k.len()..)?;
    let inner: &[&str] = match k {
        "如果" => &["否则", "则"],
        "否则" => &["如果"],
        _ => &["属于", "其中"],
    };
    Some(format!("{k} {}", split_at(rest, inner)))
}

/// Spaces around the first of `keywords` found inside `s` (not at its start or end),
/// then again in what follows.
fn split_at(s: &str, keywords: &[&str]) -> String {
    let hit = keywords
        .iter()
        .filter_map(|k| s.find(*k).map(|i| (i, *k)))
        .filter(|(i, k)| *i > 0 && i + k.len() < s.len())
        .min_by_key(|(i, k)| (*i, usize::MAX - k.len()));
    match hit {
        Some((i, k)) => {
            let before = s.get(..i).unwrap_or("");
            let after = s.get(i + k.len()..).unwrap_or("");
            format!("{before} {k} {}", split_at(after, keywords))
        }
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_one_counterpart() {
        for (e, z) in WORDS {
            assert_eq!(zh(e), Some(*z));
            assert_eq!(en(z), Some(*e), "{z}");
            assert_eq!(WORDS.iter().filter(|(_, x)| x == z).count(), 1, "{z}");
        }
        assert_eq!(en("文本"), Some("text"));
        assert_eq!(en("无"), Some("none"));
        assert_eq!(counterpart("rule"), Some("规则"));
        assert_eq!(counterpart("规则"), Some("rule"));
    }

    #[test]
    fn joined_names_are_split_at_their_keywords() {
        assert_eq!(
            split_joined("每个y属于近三年").as_deref(),
            Some("每个 y 属于 近三年")
        );
        assert_eq!(
            split_joined("计数y属于近三年其中x").as_deref(),
            Some("计数 y 属于 近三年 其中 x")
        );
        assert_eq!(split_joined("如果已认定").as_deref(), Some("如果 已认定"));
        assert_eq!(
            split_joined("如果已认定则是否则否").as_deref(),
            Some("如果 已认定 则 是 否则 否")
        );
        assert_eq!(split_joined("y属于").as_deref(), Some("y 属于"));
        assert_eq!(split_joined("是否认定"), None);
        assert_eq!(split_joined("产值下限"), None);
        assert_eq!(split_joined("每个"), None);
        assert!(is_joined_form("每个y属于近三年"));
        assert!(is_joined_form("如果已认定则"));
        assert!(!is_joined_form("最近完整年度"));
        assert!(!is_joined_form("如果"));
        assert!(!is_joined_form("每个属于"));
        assert!(!is_joined_form("如果否则"));
    }
}
