//! Parsing one item again after an edit (`policy::syntax::reparse`, what the language
//! server does on each keystroke) gives exactly what parsing the whole file gives: the
//! same tree with the same spans, or the same errors at the same places.

mod common;

use common::*;
use policy::syntax::ast::File;
use policy::syntax::spans::Spans;
use policy::syntax::{parse_file_keywords, reparse, KeywordSet};
use proptest::prelude::*;

type Parsed = Result<(File, Option<KeywordSet>), Vec<policy::diag::Diag>>;

/// Spans compare equal whatever their place, so trees are compared by their debug text,
/// which shows every span.
fn shown(p: &Parsed) -> String {
    format!("{p:?}")
}

/// What an editor holds: the last text that parsed and its tree.
struct Editor {
    good_text: String,
    good: File,
    set: Option<KeywordSet>,
    /// How many edits were parsed item by item.
    incremental: usize,
}

impl Editor {
    fn new(text: &str) -> Editor {
        let (good, set) = parse_file_keywords(0, text).expect("the file parses");
        Editor {
            good_text: text.to_string(),
            good,
            set,
            incremental: 0,
        }
    }

    /// Parse `text` as the editor would, check it against a full parse, and keep it if it parsed.
    fn edit(&mut self, text: &str) -> Result<(), TestCaseError> {
        let full = parse_file_keywords(0, text);
        let mut tree = self.good.clone();
        match reparse(0, &self.good_text, &mut tree, self.set, text) {
            None => {}
            Some(r) => {
                self.incremental += 1;
                let got: Parsed = r.map(|set| (tree.clone(), set));
                prop_assert_eq!(shown(&got), shown(&full), "after the edit to\n{}", text);
            }
        }
        if let Ok((t, set)) = full {
            self.good = t;
            self.set = set;
            self.good_text = text.to_string();
        }
        Ok(())
    }
}

/// Text a person types or deletes: names, keywords of both sets, brackets, quotes,
/// comments, numbers, full-width punctuation and whole items.
const PIECES: &[&str] = &[
    "x",
    "产值",
    " ",
    "\n",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "“",
    "”",
    "# 注\n",
    "#",
    "0",
    "3.5",
    " 亿元",
    "%",
    "规则",
    "参数",
    "定义",
    "且",
    "或",
    "非",
    ">=",
    "=",
    ":",
    "：",
    "，",
    "第七条",
    "第二款",
    "如果 ",
    " 则 ",
    " 否则 ",
    "每个 y 属于 近三年：",
    "每个y属于近三年",
    "and ",
    "rule",
    "article 9 {",
    "}\n第九十九条 {\n}\n",
    "}\narticle 99 {\n}\n",
    "参数 新增下限 = 30 亿元\n",
    "规则 \"新\" { 真 }\n",
    "rule \"new\" { true }\n",
    "\"\"",
];

fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One edit: at a fraction of the text, delete up to `del` characters and insert a piece.
fn apply(text: &str, at: f64, del: usize, piece: usize) -> String {
    let start = char_floor(text, (text.len() as f64 * at) as usize);
    let end = text[start..]
        .char_indices()
        .nth(del)
        .map_or(text.len(), |(i, _)| start + i);
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..start]);
    out.push_str(PIECES[piece % PIECES.len()]);
    out.push_str(&text[end..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random edits, one after another, each from the text before.
    #[test]
    fn reparse_agrees_with_a_full_parse(
        file in 0usize..1000,
        edits in prop::collection::vec((0.0f64..1.0, 0usize..4, 0usize..1000), 1..12),
    ) {
        let files = parsing_rule_files();
        let (_, text) = &files[file % files.len()];
        let mut ed = Editor::new(text);
        let mut now = text.clone();
        for (at, del, piece) in edits {
            now = apply(&now, at, del, piece);
            ed.edit(&now)?;
        }
    }
}

/// Typing a parameter into the last article of the largest shipped file, one
/// character at a time: every state of the text is parsed item by item (the line is
/// half written most of the time, so most states do not parse) and agrees with a full
/// parse.
#[test]
fn typing_a_line_is_parsed_item_by_item() {
    let files = shanghai_rules();
    let (name, text) = files
        .iter()
        .max_by_key(|(_, t)| t.len())
        .expect("a shipped rule file");
    let at = text.trim_end().rfind('}').expect("a closing brace");
    let zh = parse_file_keywords(0, text).unwrap().1 == Some(KeywordSet::Zh);
    let typed = if zh {
        "  参数 新增下限 = 30 亿元\n"
    } else {
        "  parameter new_floor = 30 亿元\n"
    };
    let mut ed = Editor::new(text);
    let mut now = text.clone();
    let mut pos = at;
    let mut states = 0;
    for c in typed.chars() {
        now.insert(pos, c);
        pos += c.len_utf8();
        states += 1;
        ed.edit(&now).unwrap();
    }
    assert_eq!(
        ed.incremental, states,
        "{name}: every keystroke parsed item by item"
    );
    // The last state parses, and the tree is the one of the whole text.
    assert_eq!(ed.good_text, now);
}

/// An edit outside the items (between two of them) is left to a full parse.
#[test]
fn an_edit_between_items_is_parsed_whole() {
    let text = "参数 甲 = 1\n\n第七条 {\n  规则 \"x\"：真\n}\n";
    let (mut tree, set) = parse_file_keywords(0, text).unwrap();
    let edited = text.replacen("\n\n", "\n参数 乙 = 2\n", 1);
    assert!(reparse(0, text, &mut tree, set, &edited).is_none());
    let inside = text.replacen("：真", "：真 且 真", 1);
    let r = reparse(0, text, &mut tree, set, &inside).expect("inside the article");
    assert!(r.is_ok());
    assert_eq!(
        format!("{:?}", tree),
        format!("{:?}", parse_file_keywords(0, &inside).unwrap().0)
    );
}

/// Moving a tree's spans reaches every span: a tree moved by `k` is the tree of the
/// text after `k` blanks.
#[test]
fn every_span_is_moved() {
    for (name, text) in parsing_rule_files() {
        let (mut tree, _) = parse_file_keywords(0, &text).unwrap();
        tree.shift(7);
        let moved = format!("       {text}");
        let (expected, _) = parse_file_keywords(0, &moved).unwrap();
        assert_eq!(
            format!("{tree:?}"),
            format!("{expected:?}"),
            "{name}: a span was not moved"
        );
    }
}

/// In the language server's analysis, a file that stops parsing keeps the tree of its last
/// text that parsed, also while another file of the set is edited; once it parses again
/// it is parsed item by item from there.
#[test]
fn a_broken_file_keeps_its_last_tree_while_another_file_changes() {
    use policy::lsp::Analysis;
    let a = "第七条 \"测试\" {\n  （一） \"一\" {\n    规则 \"甲\"： 甲\n  }\n}\n".to_string();
    let b = "事实 甲 \"甲\"： bool\n".to_string();
    let files = |a: &str, b: &str| {
        vec![
            ("a.policy".to_string(), a.to_string()),
            ("b.policy".to_string(), b.to_string()),
        ]
    };
    let first = Analysis::new(files(&a, &b));
    assert!(first.parse_errors[0].is_empty());
    let tree = format!("{:?}", first.trees[0]);
    let broken = a.replace("： 甲", "： 甲 且");
    let second = Analysis::update(files(&broken, &b), Some(first));
    assert!(!second.parse_errors[0].is_empty());
    assert_eq!(
        format!("{:?}", second.trees[0]),
        tree,
        "the last tree that parsed"
    );
    let errors = format!("{:?}", second.parse_errors[0]);
    let b2 = format!("{b}事实 乙 \"乙\"： bool\n");
    let third = Analysis::update(files(&broken, &b2), Some(second));
    assert_eq!(format!("{:?}", third.parse_errors[0]), errors);
    assert_eq!(
        format!("{:?}", third.trees[0]),
        tree,
        "still the last tree that parsed"
    );
    let fixed = a.replace("： 甲", "： 甲 且 甲");
    let fourth = Analysis::update(files(&fixed, &b2), Some(third));
    assert!(fourth.parse_errors[0].is_empty());
    assert_eq!(
        format!("{:?}", fourth.trees[0]),
        format!("{:?}", Some(parse_file_keywords(0, &fixed).unwrap().0))
    );
}
