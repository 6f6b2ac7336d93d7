//! The quick reading of JSON facts (`policy::facts::quick`) never decides otherwise than
//! the full reading (a spanned tree, then typing it): whenever it returns facts, the full
//! reading returns the same facts with no error and no warning. Checked on generated
//! clusters of two rule sets, on the facts fixtures, and on thousands of damaged copies
//! of generated clusters (a byte changed, a piece cut or doubled, an entry repeated, a
//! number given a unit, …), where the quick reading must either agree or give up.

mod common;

use chrono::NaiveDate;
use common::*;
use policy::eval::Facts;
use policy::facts::{quick, raw, Format};
use policy::generate::Generator;
use policy::ir::Program;

fn program(dir: &str) -> Program {
    let mut sources = policy::diag::Sources::default();
    match policy::load_rule_set(&mut sources, rule_files(&root().join(dir))) {
        Ok(r) => r.program,
        Err(e) => panic!("{dir}: {e:?}"),
    }
}

/// The facts of a reading that has neither error nor warning.
fn clean(read: Result<(Facts, Vec<policy::diag::Diag>), Vec<policy::diag::Diag>>) -> Option<Facts> {
    match read {
        Ok((facts, warnings)) if warnings.is_empty() => Some(facts),
        _ => None,
    }
}

/// The full reading alone: facts only when it has neither error nor warning.
fn full(p: &Program, text: &str) -> Option<Facts> {
    let tree = raw::parse(Format::Json, text).ok()?;
    clean(policy::facts::load_tree(p, &tree, 0))
}

/// What the quick reading did with `text`: `true` if it read it. Panics if it read it
/// otherwise than the full reading.
fn agrees(p: &Program, text: &str) -> bool {
    same(quick::read(p, text), || full(p, text), &text)
}

/// Whether the quick reading took its input (`quick` is `Some`); if it did, the full
/// reading must give the same facts, digits as written, with no error or warning.
fn same(
    quick: Option<Facts>,
    full: impl FnOnce() -> Option<Facts>,
    input: &dyn std::fmt::Debug,
) -> bool {
    let Some(quick) = quick else {
        return false;
    };
    match full() {
        Some(facts) => {
            assert_eq!(quick, facts, "the readings differ on\n{input:?}");
            // Decimals compare by value: the digits as written (`28.40`) must agree too.
            assert_eq!(format!("{quick:?}"), format!("{facts:?}"), "{input:?}");
        }
        None => {
            panic!("the quick reading took what the full reading refuses or warns of:\n{input:?}")
        }
    }
    true
}

fn day() -> NaiveDate {
    policy::facts::parse_date("2025-06-30").unwrap()
}

fn clusters(p: &Program, n: u64) -> Vec<String> {
    let g = Generator::new(p, day());
    (0..n).map(|i| g.cluster(7, i).to_json()).collect()
}

/// `text` with every character outside ASCII written as a `\u` escape (a surrogate pair
/// beyond the first plane), as tools that keep JSON in ASCII write it.
fn ascii_escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// Every generated cluster is read quickly and alike, also with every character outside
/// ASCII escaped (and a character beyond the first plane, written as a surrogate pair,
/// in its name).
#[test]
fn generated_clusters_are_read_quickly_and_the_same() {
    for dir in ["tests/fixtures/shanghai", "tests/fixtures/generate"] {
        let p = program(dir);
        for (i, text) in clusters(&p, 300).iter().enumerate() {
            assert!(
                agrees(&p, text),
                "{dir}: cluster {i} not read quickly:\n{text}"
            );
            let escaped = ascii_escaped(&text.replacen("\": \"", "\": \"😀", 1));
            assert!(escaped.contains("\\ud83d\\ude00"), "{escaped}");
            assert!(
                agrees(&p, &escaped),
                "{dir}: cluster {i} escaped:\n{escaped}"
            );
        }
    }
}

/// The entries of a JSON object's text (`{"a": 1, "b": {…}}`), as written.
fn entries(text: &str) -> Vec<&str> {
    let body = text.trim().trim_start_matches('{').trim_end_matches('}');
    let (mut out, mut start, mut depth, mut in_str, mut escaped) = (Vec::new(), 0, 0, false, false);
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '{' | '[' if !in_str => depth += 1,
            '}' | ']' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                out.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(body[start..].trim());
    out
}

/// Facts in another order than declared (the quick reading tries the declared order
/// first) are read quickly and the same.
#[test]
fn facts_in_any_order_are_read_quickly_and_the_same() {
    let p = program("tests/fixtures/shanghai");
    for (i, text) in clusters(&p, 100).iter().enumerate() {
        let mut parts = entries(text);
        assert!(parts.len() > 20, "{parts:?}");
        parts.reverse();
        let reversed = format!("{{{}}}", parts.join(", "));
        assert!(agrees(&p, &reversed), "cluster {i} reversed:\n{reversed}");
        // Every other entry moved to the end.
        let (even, odd): (Vec<_>, Vec<_>) = entries(text)
            .into_iter()
            .enumerate()
            .partition(|(j, _)| j % 2 == 0);
        let shuffled: Vec<&str> = even.into_iter().chain(odd).map(|(_, e)| e).collect();
        let shuffled = format!("{{{}}}", shuffled.join(", "));
        assert!(agrees(&p, &shuffled), "cluster {i} shuffled:\n{shuffled}");
        assert_eq!(full(&p, &shuffled), full(&p, text), "cluster {i}");
    }
}

/// The facts fixtures: each file the quick reading takes is read alike; the ones with
/// errors are left to the full reading.
#[test]
fn facts_fixtures_agree() {
    let p = program("tests/fixtures/shanghai");
    let dir = root().join("tests/fixtures/facts");
    let mut taken = Vec::new();
    let mut left = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if agrees(&p, &text) {
                taken.push(name);
            } else {
                left.push(name);
            }
        }
    }
    // Files with a mistake are left to the full reading, which names it.
    for bad in ["duplicate-key.json", "bad-unit.json", "negative-count.json"] {
        assert!(left.iter().any(|n| n == bad), "{bad} was taken: {taken:?}");
    }
}

/// Hand-made edges, each either read alike or left to the full reading, as noted.
#[test]
fn edges_are_read_alike_or_left() {
    let p = program("tests/fixtures/shanghai");
    let cases: &[(&str, bool)] = &[
        (r#"{}"#, true),
        ("  {\"land_area\": 3}\n", true),
        (r#"{"land_area": null}"#, true),
        (r#"{"land_area": -0}"#, true),
        (r#"{"land_area": 1e2}"#, true),
        (r#"{"land_area": 0.000}"#, true),
        (r#"{"land_area": -0.50}"#, true),
        (r#"{"land_area": 123456789012345678}"#, true),
        (r#"{"land_area": 1234567890123456789}"#, true),
        (r#"{"land_area": 0.0000000000000000001}"#, true),
        (r#"{"land_area": 12.5E1}"#, true),
        (r#"{"land_area": 1.}"#, false),
        (r#"{"land_area": .5}"#, false),
        (r#"{"land_area": -}"#, false),
        (r#"{"land_area": 3.25x}"#, false),
        (r#"{"land_area": 3.2.5}"#, false),
        (r#"{"champion_or_little_giant_count": 2.0}"#, true),
        (r#"{"champion_or_little_giant_count": -0.00}"#, true),
        (r#"{"champion_or_little_giant_count": 2.5}"#, false),
        (
            r#"{"champion_or_little_giant_count": 2.00000000000000000000000001}"#,
            false,
        ),
        (r#"{"champion_or_little_giant_count": -1}"#, false),
        (r#"{"cluster": {"name": "a\"b\n"}}"#, true),
        (r#"{"cluster": null}"#, true),
        (r#"{"cluster": {}}"#, true),
        (
            r#"{"cluster.name": "x", "cluster": {"district": "y"}}"#,
            true,
        ),
        (
            r#"{"output_value": {"2022": 1, "2023": null, "2024": 3}}"#,
            true,
        ),
        (
            r#"{"sme_invention_patents": {"2022": 2.0, "2023": -0, "2024": 0}}"#,
            true,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": "environment"}]}"#,
            true,
        ),
        // a series' years out of order or twice, and a count in a series not whole
        (
            r#"{"output_value": {"2024": 3, "2022": 1, "2023": null}}"#,
            false,
        ),
        (
            r#"{"output_value": {"2022": 1, "2023": 2, "2023": 3}}"#,
            false,
        ),
        (r#"{"output_value": {"2022": 1, "2022": null}}"#, false),
        (r#"{"sme_invention_patents": {"2022": 2.5}}"#, false),
        (r#"{"sme_invention_patents": {"2022": -1}}"#, false),
        // left to the full reading: it warns, refuses, or reads what the quick one does not
        (
            r#"{"cluster": {"name": "x"}, "cluster": {"district": "y"}}"#,
            false,
        ),
        (r#"{"cluster.name": "x", "cluster": {"name": "y"}}"#, false),
        (r#"{"land_area": 3, "land_area": 3}"#, false),
        (r#"{"land_area": "3平方公里"}"#, false),
        (r#"{"land_area": 03}"#, false),
        (r#"{"land_area": 3,}"#, false),
        (r#"{"land_area": 3} x"#, false),
        (r#"{"landarea": 3}"#, false),
        (r#"{"": {"name": "x"}}"#, false),
        (r#"{"nothing": {}}"#, false),
        (r#"{"nothing": null}"#, false),
        (r#"{"output_value": {" 2024": 3}}"#, false),
        (r#"{"output_value": {"2024 ": 3}}"#, false),
        (r#"{"output_value": {"\u0032024": 3}}"#, false),
        (r#"{"output_value": {"202": 3}}"#, false),
        (r#"{"output_value": {"20240": 3}}"#, false),
        (r#"{"output_value": {"202x": 3}}"#, false),
        (r#"{"output_value": {"2024"}}"#, false),
        (r#"{"output_value": {"2024""#, false),
        (r#"{"output_value": {"0000": 3, "9999": 4} }"#, true),
        (r#"{"output_value": { "2023" : 3 , "2024":2}}"#, true),
        (r#"{"champion_or_little_giant_count": 0}"#, true),
        (r#"{"champion_or_little_giant_count": 30}"#, true),
        (r#"{"champion_or_little_giant_count": -30}"#, false),
        (r#"{"output_value": {"2024": 3, "2024": 4}}"#, false),
        // `\u` escapes, as written by tools that keep JSON in ASCII: read as the full
        // reading reads them, pairs of surrogates as one character
        (r#"{"cluster": {"name": "\u96c6\u7fa4 \u0041"}}"#, true),
        (r#"{"cluster": {"name": "\ud83d\ude00\u0000"}}"#, true),
        (r#"{"cluster": {"name": "\ud83d"}}"#, false),
        (r#"{"cluster": {"name": "\ud83dx"}}"#, false),
        (r#"{"cluster": {"name": "\ud83d\u0041"}}"#, false),
        (r#"{"cluster": {"name": "\ude00"}}"#, false),
        (r#"{"cluster": {"name": "\u12"}}"#, false),
        (r#"{"cluster": {"name": "\uZZZZ"}}"#, false),
        (r#"{"cluster": {"\u006eame": "x"}}"#, false),
        // the key of the fact declared next, read by one comparison: only if whole
        (r#"{"cluster": {"name": "x", "district": "y"}}"#, true),
        (r#"{"cluster": {"district": "y", "name": "x"}}"#, true),
        (r#"{"cluster": {"namex": "x"}}"#, false),
        (r#"{"cluster": {"nam": "x"}}"#, false),
        (r#"{"cluster": {"name" "x"}}"#, false),
        (r#"{"cluster": {"name": "x", "name": "y"}}"#, false),
        (r#"{"cluster.namex": "x"}"#, false),
        (r#"{"cluster.name" : "x"}"#, true),
        (r#"{"cluster": "x"}"#, false),
        // dates and categories read where they stand, or the long way (trimmed, escaped)
        (r#"{"recognition": {"date": "2024-02-29"}}"#, true),
        (r#"{"recognition": {"date": "2023-02-29"}}"#, false),
        (r#"{"recognition": {"date": "2024-13-01"}}"#, false),
        (r#"{"recognition": {"date": "2024-1-02"}}"#, false),
        (r#"{"recognition": {"date": "2024/01/02"}}"#, false),
        (r#"{"recognition": {"date": "２０２４-01-02"}}"#, false),
        (r#"{"recognition": {"date": " 2024-01-02 "}}"#, true),
        (r#"{"recognition": {"date": "\u0032024-01-02"}}"#, true),
        (r#"{"recognition": {"date": "0000-01-01"}}"#, true),
        (r#"{"recognition": {"date": 20240102}}"#, false),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": "安全事故"}]}"#,
            true,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": " safety　"}]}"#,
            true,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": "\u0073afety"}]}"#,
            true,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": "Safety"}]}"#,
            false,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": "safety "}]}"#,
            true,
        ),
        (
            r#"{"incidents": [{"date": "2024-01-02", "category": ""}]}"#,
            false,
        ),
        (r#"{"industrial_policy_compliant": truex}"#, false),
        (r#"{"industrial_policy_compliant": "true"}"#, false),
        ("\u{feff}{}", false),
        ("", false),
    ];
    for (text, taken) in cases {
        assert_eq!(agrees(&p, text), *taken, "{text}");
    }
}

/// A variant whose label is not its own trim (a space before it) is never matched by
/// its bytes: the long way trims what is given first, and so does not find it.
#[test]
fn a_label_with_spaces_around_it_is_read_as_the_long_way_reads_it() {
    let p = one_fact("enum E \"e\" {\n  a \" 甲\"\n  b \"乙\"\n}\n", "E");
    for (text, taken) in [
        (r#"{"d": " 甲"}"#, false),
        (r#"{"d": "甲"}"#, false),
        (r#"{"d": "乙"}"#, true),
        (r#"{"d": " 乙 "}"#, true),
        (r#"{"d": "a"}"#, true),
        (r#"{"d": "b"}"#, true),
    ] {
        assert_eq!(agrees(&p, text), taken, "{text}");
    }
}

/// How many damaged inputs the quick reading took and how many it left to the full one.
#[derive(Default)]
struct Tally {
    taken: usize,
    left: usize,
}

impl Tally {
    fn add(&mut self, taken: bool) {
        if taken {
            self.taken += 1;
        } else {
            self.left += 1;
        }
    }

    /// Both sides seen many times: the agreement checked was not vacuous.
    fn at_least(&self, what: &str, taken: usize, left: usize) {
        assert!(
            self.taken > taken && self.left > left,
            "{what}: taken {}, left {}",
            self.taken,
            self.left
        );
    }
}

/// A small deterministic generator of damage (xorshift), so a failure can be replayed.
struct Damage(u64);

impl Damage {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// A char boundary of `s` at or before a random place.
    fn place(&mut self, s: &str) -> usize {
        let mut i = self.below(s.len() + 1);
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
    fn damage(&mut self, s: &str) -> String {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\\",
            " ",
            "0",
            "1",
            "9",
            "-",
            ".",
            "e",
            "E",
            "+",
            "null",
            "true",
            "false",
            "\\u0041",
            "\\n",
            "亿元",
            "万元",
            "%",
            "2024",
            "\"2024\": 1, ",
            "\u{feff}",
            "\t",
            "０",
            "NaN",
            "x",
        ];
        let (a, b) = {
            let (x, y) = (self.place(s), self.place(s));
            (x.min(y), x.max(y))
        };
        let short = {
            let mut e = (a + 1 + self.below(12)).min(s.len());
            while !s.is_char_boundary(e) {
                e -= 1;
            }
            e.max(a)
        };
        let piece = PIECES[self.below(PIECES.len())];
        match self.below(9) {
            // damage that often leaves a valid file: a digit changed, white space added,
            // a yes/no turned
            6 => {
                let digits: Vec<usize> = s
                    .match_indices(|c: char| c.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                let Some(&i) = digits.get(self.below(digits.len())) else {
                    return s.to_string();
                };
                let to = char::from(b'0' + self.below(10) as u8);
                format!("{}{to}{}", &s[..i], &s[i + 1..])
            }
            7 => {
                let ws = [" ", "\n", "\t", "\r\n"][self.below(4)];
                s.replacen(", ", &format!(",{ws} "), 1 + self.below(20))
            }
            8 if s.contains("true") => s.replacen("true", "false", 1 + self.below(5)),
            0 => format!("{}{piece}{}", &s[..a], &s[a..]),
            1 => format!("{}{}", &s[..a], &s[short..]),
            2 => format!("{}{piece}{}", &s[..a], &s[short..]),
            // a piece doubled: often an entry given twice
            3 => format!("{}{}", &s[..short], &s[a..]),
            4 => format!("{}{}", &s[..a], &s[b..]),
            _ => s.replacen(": ", &format!(": {piece}"), 1 + self.below(3)),
        }
    }
}

#[test]
fn damaged_clusters_are_read_alike_or_left() {
    for dir in ["tests/fixtures/shanghai", "tests/fixtures/generate"] {
        let p = program(dir);
        let texts = clusters(&p, 100);
        let mut d = Damage(0x9e37_79b9_7f4a_7c15);
        let mut tally = Tally::default();
        for round in 0..100 {
            for text in &texts {
                let mut s = d.damage(text);
                if round % 4 == 3 {
                    s = d.damage(&s);
                }
                tally.add(agrees(&p, &s));
            }
        }
        tally.at_least(dir, 1500, 1500);
    }
}

/// Bytes that are not UTF-8 (a line of a file saved as GBK, a character cut in half, a
/// stray byte) are never taken by the reading of bytes: whatever it takes is UTF-8 text,
/// read as the full reading reads it. Damage at the byte level, anywhere in the line.
#[test]
fn damaged_bytes_are_read_alike_or_left() {
    let p = program("tests/fixtures/shanghai");
    let texts = clusters(&p, 100);
    let mut d = Damage(0x2545_f491_4f6c_dd1d);
    let mut tally = Tally::default();
    for _ in 0..60 {
        for text in &texts {
            let mut b = text.clone().into_bytes();
            let at = d.below(b.len());
            match d.below(6) {
                // a byte that never starts a character
                0 => b.insert(at, [0x80, 0xbf, 0xc0, 0xff][d.below(4)]),
                // a byte replaced: often the middle of a character
                1 => b[at] = (d.next() & 0xff) as u8,
                // a character cut short: its last byte gone
                2 => match text
                    .char_indices()
                    .filter(|(_, c)| c.len_utf8() > 1)
                    .nth(d.below(8))
                {
                    Some((i, c)) => {
                        b.remove(i + c.len_utf8() - 1);
                    }
                    None => b[at] = 0xfe,
                },
                // a character replaced by another of the same length: still UTF-8
                3 | 4 => match text
                    .char_indices()
                    .filter(|(_, c)| c.len_utf8() == 3)
                    .nth(d.below(8))
                {
                    Some((i, _)) => {
                        b.splice(i..i + 3, "聚".bytes());
                    }
                    None => b[at] = 0xfe,
                },
                // GBK's 中 (0xd6 0xd0) written into a string's text
                _ => match text.find("集群") {
                    Some(i) => {
                        b.splice(i..i + 3, [0xd6, 0xd0]);
                    }
                    None => b.insert(at, 0xd6),
                },
            }
            let quick = quick::read_bytes(&p, &b);
            let taken = match std::str::from_utf8(&b) {
                Ok(t) => {
                    assert_eq!(quick, quick::read(&p, t), "{t:?}");
                    same(quick, || full(&p, t), &t)
                }
                Err(_) => {
                    assert!(quick.is_none(), "took bytes that are not UTF-8: {b:?}");
                    false
                }
            };
            tally.add(taken);
        }
    }
    tally.at_least("bytes", 1500, 3000);
    // By hand: in a string, outside one, and a character cut at the end of a string.
    let good = texts[0].as_bytes();
    assert!(quick::read_bytes(&p, good).is_some());
    let name = texts[0].find("集群").unwrap();
    for bad in [
        [&good[..name], &[0xe9][..], &good[name + 3..]].concat(),
        [&good[..name + 2], &good[name + 3..]].concat(),
        [&good[..1], &[0xc3, 0xa9][..], &good[1..]].concat(),
    ] {
        assert_eq!(quick::read_bytes(&p, &bad), None, "{bad:?}");
    }
}

/// The full reading of a CSV row: facts only when it has neither error nor warning.
fn full_row(p: &Program, cols: &policy::facts::csv::Columns, cells: &[String]) -> Option<Facts> {
    let (_, tree) = policy::facts::csv::row(p, cols, cells);
    clean(policy::facts::load_tree(p, &tree, 0))
}

/// What the quick reading of a CSV row did, as [`agrees`].
fn row_agrees(p: &Program, cols: &policy::facts::csv::Columns, cells: &[String]) -> bool {
    same(
        policy::facts::csv::quick_row(p, cols, cells),
        || full_row(p, cols, cells),
        &cells,
    )
}

/// CSV rows: generated clusters are read quickly and alike; rows with a cell changed to
/// something else (a unit, another way of writing yes/no or a date, a wrong type, an
/// impossible date, too many digits) are read alike or left to the full reading.
#[test]
fn csv_rows_are_read_alike_or_left() {
    const CELLS: &[&str] = &[
        "",
        " ",
        "是",
        "否",
        "有",
        "无",
        "TRUE",
        "false",
        "yes",
        "x",
        "0",
        "-0",
        "-0.00",
        "7",
        " 12.50 ",
        "2.5",
        "-1",
        "1e3",
        "+5",
        "1,000",
        "30亿元",
        "3000万元",
        "０",
        "12%",
        "2024/3/5",
        "2024年3月5日",
        "2024.03.05",
        "2024-02-30",
        "2024-3-5",
        "2023-12-31",
        "99999999999999999999999999999",
        "0.00000000000000000000000000001",
        "safety",
        "larger",
        "较大",
        "valid",
        "—",
    ];
    for dir in ["tests/fixtures/shanghai", "tests/fixtures/generate"] {
        let p = program(dir);
        let g = Generator::new(&p, day());
        let header = g.csv_header();
        let (cols, _) = policy::facts::csv::columns(&p, &header).unwrap();
        let mut d = Damage(0x2545_f491_4f6c_dd1d);
        let mut tally = Tally::default();
        for i in 0..200 {
            let cells = g.cluster(7, i).csv_cells(&header);
            assert!(
                row_agrees(&p, &cols, &cells),
                "{dir}: row {i} not read quickly: {cells:?}"
            );
            for _ in 0..10 {
                let mut changed = cells.clone();
                for _ in 0..1 + d.below(3) {
                    let at = d.below(changed.len());
                    changed[at] = CELLS[d.below(CELLS.len())].to_string();
                }
                tally.add(row_agrees(&p, &cols, &changed));
            }
        }
        tally.at_least(dir, 150, 300);
    }
}

/// A rule set of one fact `d` of `ty`, with `decls` declared before it.
fn one_fact(decls: &str, ty: &str) -> Program {
    let text = format!(
        "policy \"深\" {{\n  in_force 2020-01-01 to 2099-12-31\n}}\n{decls}\
         fact d \"深\": {ty}\narticle 1 \"一\" {{\n  decision x \"x\" = true\n}}\n"
    );
    let mut sources = policy::diag::Sources::default();
    match policy::load_rule_set(&mut sources, vec![("a.policy".into(), text)]) {
        Ok(r) => r.program,
        Err(e) => panic!("{ty}: {e:?}"),
    }
}

/// A rule set whose fact `d` nests as `shape` says, outermost first (`L` a list, `R` a
/// record of one field `v`, `S` a series with a figure for 2024), numbers innermost, and
/// a document of it.
fn nested(shape: &str) -> (Program, String) {
    let steps: Vec<char> = shape.chars().collect();
    let mut decls = String::new();
    // Built from the inside out.
    let mut inner_ty = "number".to_string();
    let mut inner_doc = "1".to_string();
    for (i, step) in steps.iter().enumerate().rev() {
        match step {
            'L' => {
                inner_ty = format!("list of {inner_ty}");
                inner_doc = format!("[{inner_doc}]");
            }
            'R' => {
                decls.push_str(&format!(
                    "record R{i} \"r\" {{\n  v: {inner_ty} \"v\"\n}}\n"
                ));
                inner_ty = format!("R{i}");
                inner_doc = format!("{{\"v\": {inner_doc}}}");
            }
            _ => {
                inner_ty = format!("series of {inner_ty}");
                inner_doc = format!("{{\"2024\": {inner_doc}}}");
            }
        }
    }
    (
        one_fact(&decls, &inner_ty),
        format!("{{\"d\": {inner_doc}}}"),
    )
}

/// At the nesting limit of the full reading (64 levels, the outer object included), the
/// quick reading takes what it accepts and leaves what it refuses, however the levels
/// are made: lists in lists, records in records, lists of records, series of numbers
/// and of lists.
#[test]
fn nesting_at_the_limit_is_read_alike_or_left() {
    for steps in [62, 63, 64, 65] {
        let alternate = |first: &str, second: &str| -> String {
            (0..steps)
                .map(|i| if i % 2 == 0 { first } else { second })
                .collect()
        };
        for shape in [
            "L".repeat(steps),
            "R".repeat(steps),
            alternate("L", "R"),
            alternate("R", "L"),
            format!("{}S", "L".repeat(steps - 1)),
            format!("{}S", "R".repeat(steps - 1)),
            format!("{}S", &alternate("L", "R")[..steps - 1]),
            format!("S{}", "L".repeat(steps - 1)),
            format!("RS{}", "L".repeat(steps - 2)),
        ] {
            let (p, text) = nested(&shape);
            assert_eq!(agrees(&p, &text), steps < 64, "{shape} ({steps} levels)");
        }
    }
}
