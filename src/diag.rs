//! Diagnostics: every error or warning a user can cause, with a stable code, a
//! place in a source file and advice.
//!
//! Library code builds [`Diag`] values; it never prints. The CLI turns them into
//! miette reports against the [`Sources`] it read. Codes are stable and listed in
//! `docs/errors.md`; a test checks that every code used in `src/` is documented.

use crate::render::printable::{is_unsafe, printable};
use crate::syntax::ast::Span;
use miette::{LabeledSpan, NamedSource, SourceCode};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// A text a diagnostic shows, in English and, where written, in Chinese.
///
/// Built from a pair `(english, chinese)`; a plain string gives English alone, shown
/// in both languages until a Chinese text is written for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub en: String,
    pub zh: Option<String>,
}

impl Text {
    /// The text in `lang`: Chinese when asked for and written, English otherwise.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.en,
        }
    }
    /// The English text.
    pub fn as_str(&self) -> &str {
        &self.en
    }
    /// Apply `f` to each language's text.
    pub fn map(&self, mut f: impl FnMut(&str) -> String) -> Text {
        Text {
            en: f(&self.en),
            zh: self.zh.as_deref().map(f),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The English text, for code that matches on messages (tests, integrators' JSON).
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

/// Compares the English text (what tests and integrators match on).
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

/// English alone, for the rare text that has no second language (a file's own words,
/// an error of the operating system): say so where it is made. There is no
/// `From<&str>` or `From<String>`: a diagnostic is written in both languages.
impl Text {
    pub fn untranslated(en: impl Into<String>) -> Self {
        Text {
            en: en.into(),
            zh: None,
        }
    }
}

impl<A: Into<String>, B: Into<String>> From<(A, B)> for Text {
    fn from((en, zh): (A, B)) -> Self {
        Text {
            en: en.into(),
            zh: Some(zh.into()),
        }
    }
}

/// The Chinese of an English phrase that a diagnostic puts into its Chinese sentence:
/// what was expected or found, a kind of file, a type. Lists (`a, b or c`) are read
/// piece by piece; a phrase not known here (a name, a quoted text) is kept as it is.
pub fn zh_term(en: &str) -> Cow<'_, str> {
    if let Some(zh) = ZH_TERMS.iter().find(|(e, _)| *e == en).map(|(_, z)| *z) {
        return Cow::Borrowed(zh);
    }
    let patterns: [(&str, &str, &str); 10] = [
        ("a quantity in ", "", "以{}计的数量"),
        ("a number in ", "", "以{}计的数"),
        ("a list of ", "", "{}的列表"),
        ("a series by year of ", "", "逐年的{}"),
        ("", " or none", "{}或空值（none）"),
        ("a `", "` record", "`{}` 记录"),
        ("passed to ", "", "作为参数传给 {}"),
        ("aggregated with ", "", "用 {} 汇总"),
        ("rule \"", "", "规则“{}"),
        ("version “", "”", "版本“{}”"),
    ];
    for (pre, post, zh) in patterns {
        if let Some(inner) = en.strip_prefix(pre).and_then(|r| r.strip_suffix(post)) {
            if !inner.is_empty() && (pre.len() + post.len() > 0) {
                let inner = if pre.starts_with("rule") {
                    // rule "R" of `D`
                    match inner.split_once("\" of ") {
                        Some((r, d)) => return Cow::Owned(format!("{d} 的规则“{r}”")),
                        None => Cow::Borrowed(inner),
                    }
                } else if pre.starts_with('a') || post == " or none" {
                    zh_term(inner)
                } else {
                    Cow::Borrowed(inner)
                };
                return Cow::Owned(zh.replace("{}", &inner));
            }
        }
    }
    if let Some(zh) = zh_place(en) {
        return Cow::Owned(zh);
    }
    let pieces = split_list(en);
    if pieces.len() > 1 {
        let mut out = String::new();
        let last = pieces.len() - 1;
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                out.push_str(if i == last { "或" } else { "、" });
            }
            out.push_str(&zh_term(p));
        }
        return Cow::Owned(out);
    }
    // `平方公里 (面积)`, `% (a plain number or ratio)`: the part in brackets.
    if let Some((head, inner)) = en.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        return Cow::Owned(format!("{}（{}）", zh_term(head), zh_term(inner)));
    }
    Cow::Borrowed(en)
}

/// Places and phrases of the consistency warnings: `clause 2 of article 6` →
/// `第6条第2款`, `the title of rule "…"` → `规则“…”的标题`.
fn zh_place(en: &str) -> Option<String> {
    let num = |s: &str| !s.is_empty() && !s.contains(' ');
    if let Some(n) = en.strip_prefix("article ").filter(|n| num(n)) {
        return Some(format!("第{n}条"));
    }
    if let Some(n) = en.strip_prefix("annex ").filter(|n| num(n)) {
        return Some(format!("附件{n}"));
    }
    if en == "the annex" {
        return Some("附件".into());
    }
    for (word, zh) in [("clause ", "款"), ("item ", "项")] {
        if let Some((n, part)) = en.strip_prefix(word).and_then(|r| r.split_once(" of ")) {
            if num(n) {
                return Some(format!("{}第{n}{zh}", zh_term(part)));
            }
        }
    }
    if let Some(t) = en
        .strip_prefix("the title of rule \"")
        .and_then(|r| r.strip_suffix('"'))
    {
        return Some(format!("规则“{t}”的标题"));
    }
    if let Some(p) = en.strip_prefix("the source of parameter ") {
        return Some(format!("参数 {p} 的原文"));
    }
    if let Some(p) = en.strip_prefix("the text of ") {
        return Some(format!("{}的条文", zh_term(p)));
    }
    None
}

/// `a, b or c` as `[a, b, c]`, outside brackets and backticks.
fn split_list(en: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut tick, mut start) = (0i32, false, 0usize);
    let bytes = en.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b' ');
        match c {
            b'`' => tick = !tick,
            b'(' if !tick => depth += 1,
            b')' if !tick => depth -= 1,
            _ => {}
        }
        if depth == 0 && !tick {
            let rest = en.get(i..).unwrap_or("");
            let sep = if rest.starts_with(", ") {
                2
            } else if rest.starts_with(" or ") {
                4
            } else {
                0
            };
            if sep > 0 {
                out.push(en.get(start..i).unwrap_or(""));
                start = i + sep;
                i += sep;
                continue;
            }
        }
        i += 1;
    }
    out.push(en.get(start..).unwrap_or(""));
    out
}

/// English phrases of diagnostics and their Chinese (see [`zh_term`]).
const ZH_TERMS: &[(&str, &str)] = &[
    // files and folders
    ("facts file", "事实文件"),
    ("the facts file", "事实文件"),
    ("rule file", "规则文件"),
    ("case file", "案例文件"),
    ("a cluster file", "集群文件"),
    ("facts folder", "事实文件夹"),
    ("the policy folder", "规则文件夹"),
    ("the cases folder", "案例文件夹"),
    ("the dates file", "日期文件"),
    ("the file", "文件"),
    ("the folder", "文件夹"),
    ("the output directory", "输出文件夹"),
    ("the output file", "输出文件"),
    ("a named pipe (FIFO)", "命名管道（FIFO）"),
    ("a character device", "字符设备"),
    ("a block device", "块设备"),
    ("a socket", "套接字"),
    ("a folder", "文件夹"),
    ("not a regular file", "非普通文件"),
    ("is an absolute path; it was not read", "是绝对路径，未读取"),
    (
        "leaves the folders of the case file and the rule set; it was not read",
        "超出案例文件和规则集所在文件夹，未读取",
    ),
    // policy fmt's own checks
    ("does not parse", "无法解析"),
    ("would change the meaning", "会改变规则的含义"),
    ("would lose or reorder a comment", "会丢失注释或打乱注释顺序"),
    // what is declared
    ("the rule compares with", "规则比较的值"),
    ("the parameter is", "参数值"),
    ("its rules compare with", "其规则比较的值"),
    ("yes/no", "是/否"),
    ("a plain number or ratio", "纯数或比率"),
    ("article", "条"),
    ("clause", "款"),
    ("item", "项"),
    ("chapter", "章"),
    ("decision", "判定"),
    ("parameter", "参数"),
    ("definition", "定义"),
    ("version", "版本"),
    ("annex", "附件"),
    ("unit", "单位"),
    ("enumeration", "分类"),
    ("variant", "分类取值"),
    ("type", "类型"),
    ("field", "字段"),
    ("fact", "事实"),
    ("name", "名称"),
    ("an item number", "项的编号"),
    ("an article number", "条的编号"),
    ("a clause number", "款的编号"),
    ("a chapter number", "章的编号"),
    ("an annex number", "附件编号"),
    // arithmetic
    ("compare", "比较"),
    ("add or subtract", "加减"),
    ("combine", "运算"),
    ("computed with", "参与运算"),
    ("negated", "取负"),
    // types
    ("a number", "数"),
    ("a plain number", "纯数"),
    ("a growth rate", "增速"),
    ("a date", "日期"),
    ("a duration", "期限"),
    ("a day of the year", "一年中的某日"),
    ("text", "文本"),
    ("a text", "文本"),
    ("a list", "列表"),
    ("a record", "记录"),
    ("a series by year", "逐年序列"),
    ("null", "空值（null）"),
    ("the rule set", "规则集"),
    ("an alias", "别名"),
    ("a string", "字符串"),
    ("end of input after the document", "文档之后的输入结尾"),
    ("a key in double quotes", "带双引号的键"),
    ("a value", "值"),
    ("a yes/no value", "是/否值"),
    ("an object", "对象"),
    ("a category", "分类取值"),
    ("figures by year", "逐年数据"),
    ("numbers or dates", "数或日期"),
    ("numbers", "数"),
    ("a series of numbers", "数的逐年序列"),
    ("a value of a kind facts cannot hold", "事实无法容纳的值"),
    ("a value that may be `none`", "可能为空（`none`）的值"),
    ("a number, a date or an ordered category", "数、日期或有序分类"),
    ("true or false", "是或否（true/false）"),
    ("a boolean", "是或否"),
    ("yes or no", "是或否"),
    // what the parser expected or found
    ("the end of the file", "文件末尾"),
    ("the end of the line", "行末"),
    ("something else", "其他内容"),
    (
        "an item (`policy`, `dimension`, `enum`, `record`, `fact`, `parameter`, `definition`, `article`, `chapter` or `annex`)",
        "一个声明（`policy`、`dimension`、`enum`、`record`、`fact`、`parameter`、`definition`、`article`、`chapter` 或 `annex`，或相应的中文关键字）",
    ),
    ("a number (1…99 or 一…九十九)", "编号（1…99 或 一…九十九）"),
    (
        "a period (`YYYY-MM-DD to YYYY-MM-DD` or `from YYYY-MM-DD`)",
        "期间（`YYYY-MM-DD to YYYY-MM-DD` 或 `from YYYY-MM-DD`）",
    ),
    ("a unit (`万元 = 10000 元`)", "单位（`万元 = 10000 元`）"),
    ("a variant name", "分类取值的名称"),
    ("a field (`name: type`)", "字段（`名称: 类型`）"),
    ("a type", "类型"),
    ("parameters", "参数"),
    ("`:` and a type", "`:` 和类型"),
    ("an expression", "表达式"),
    (
        "a comparison (`>=`, `<=`, `=`, `!=`, `>`, `<`)",
        "比较符（`>=`、`<=`、`=`、`!=`、`>`、`<`）",
    ),
    ("a date (YYYY-MM-DD)", "日期（YYYY-MM-DD）"),
    ("a day of the year (`4月10日`)", "一年中的某日（`4月10日`）"),
    ("a quoted text (\"…\")", "带引号的文本（\"…\"）"),
    ("a name", "名称"),
];

/// The language a user reads: of reports, diagnostics and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// One diagnostic. `span.file` indexes the [`Sources`] the text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub level: Level,
    pub code: &'static str,
    pub message: Text,
    pub span: Option<Span>,
    pub label: Option<Text>,
    pub help: Option<Text>,
    /// Other places worth showing (the first definition of a duplicate, say).
    pub related: Vec<(Span, Text)>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<Text>) -> Self {
        Diag {
            level: Level::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }
    pub fn warning(code: &'static str, message: impl Into<Text>) -> Self {
        Diag {
            level: Level::Warning,
            ..Diag::error(code, message)
        }
    }
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
    pub fn label(mut self, label: impl Into<Text>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, span: Span, label: impl Into<Text>) -> Self {
        self.related.push((span, label.into()));
        self
    }
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message.en)
    }
}

/// The texts diagnostics point into: rule files and facts files, by index.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<Source>,
}

/// The fewest bytes of a file per mark of [`Sources::line_col`] (a mark is 8 bytes).
const BYTES_PER_MARK: usize = 16;

/// One file of [`Sources`]: its name, its text, and where every `n`th line starts
/// (`n`, and the starts), found the first time a place in it is asked for.
#[derive(Debug, Clone, Default)]
struct Source {
    name: String,
    text: String,
    lines: std::sync::OnceLock<(usize, Vec<usize>)>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a file and return the index spans use for it.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files.push(Source {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        });
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }
    pub fn name(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map(|f| f.name.as_str())
            .unwrap_or("<unknown>")
    }
    pub fn text(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map(|f| f.text.as_str())
            .unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// 1-based line and column (in characters) of a byte offset: [`line_col`], without
    /// reading the file from its start each time. A report names hundreds of places in
    /// one rule file. Where lines start is found once: every line's start in a file of
    /// ordinary lines, every `n`th line's where lines are shorter than
    /// `BYTES_PER_MARK` (16) on average, so that the marks never take more than half the
    /// file's size (a file of nothing but line ends). A place is then found by a
    /// binary search among the marks, and a count of the line ends and characters between
    /// the nearest one and the place.
    pub fn line_col(&self, file: u32, offset: usize) -> (usize, usize) {
        let Some(f) = self.files.get(file as usize) else {
            return line_col("", offset);
        };
        let text = f.text.as_str();
        let offset = offset.min(text.len());
        if !text.is_char_boundary(offset) {
            return line_col(text, offset);
        }
        let (every, marks) = f.lines.get_or_init(|| {
            // The standard library's search, not the memchr crate's: that one asks the
            // processor what it can do the first time, which costs a single check more
            // than this whole search.
            let ends = text.matches('\n').count();
            let most = text.len() / BYTES_PER_MARK + 1;
            let every = ends.div_ceil(most).max(1);
            let marks = std::iter::once(0)
                .chain(
                    text.match_indices('\n')
                        .map(|(i, _)| i + 1)
                        .skip(every - 1)
                        .step_by(every),
                )
                .collect();
            (every, marks)
        });
        // The marks at or before the offset; the first is the start of line 1.
        let k = marks.partition_point(|&s| s <= offset);
        let mark = k
            .checked_sub(1)
            .and_then(|i| marks.get(i))
            .copied()
            .unwrap_or(0);
        let between = text.get(mark..offset).unwrap_or("");
        let line = k.saturating_sub(1) * every + 1 + between.matches('\n').count();
        let start = between.rfind('\n').map_or(mark, |i| mark + i + 1);
        let col = text.get(start..offset).map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
    /// Render a diagnostic as a miette report over its source file.
    ///
    /// Text that came from a file (the message, labels and help quoting it, the file's
    /// name and the lines shown) reaches the screen only through
    /// [`printable`](crate::render::printable()): a control or bidirectional character
    /// in a facts or rule file cannot recolour, clear or reorder a terminal.
    pub fn report(&self, diag: &Diag) -> miette::Report {
        self.report_in(diag, Lang::En)
    }
    /// [`report`](Self::report) with the texts in `lang`.
    pub fn report_in(&self, diag: &Diag, lang: Lang) -> miette::Report {
        let shown = |t: &Text| printable(t.get(lang)).into_owned();
        let mut message = shown(&diag.message);
        let label = diag.label.as_ref().map(shown);
        let help = diag.help.as_ref().map(shown);
        let related: Vec<(Span, String)> =
            diag.related.iter().map(|(s, l)| (*s, shown(l))).collect();
        let mut source = diag.span.map(|s| s.file).map(|f| {
            NamedSource::new(
                &*printable(self.name(f)),
                shown_source(self.text(f)).into_owned(),
            )
        });
        if let Some(span) = diag.span {
            let text = self.text(span.file);
            let start = (span.start as usize).min(text.len());
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let line_end = text
                .get(start..)
                .and_then(|t| t.find('\n'))
                .map_or(text.len(), |i| start + i);
            if line_end - line_start > MAX_SHOWN_COLUMN {
                // A line too long to draw: name the place in words instead.
                let (line, col) = self.line_col(span.file, start);
                message = format!("{message} (at {}:{line}:{col})", self.name(span.file));
                source = None;
            }
        }
        let rendered = Rendered {
            level: diag.level,
            code: diag.code,
            span: diag.span,
            message,
            label,
            help,
            related,
            source,
        };
        miette::Report::new(rendered)
    }
}

/// The lines of a file as a report draws them: every control or bidirectional
/// character other than a line break or tab is replaced by a visible one of the same
/// length in bytes (`?`, `¿` or `�`), so that every span still points where it did.
fn shown_source(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| !matches!(c, '\n' | '\r' | '\t') && is_unsafe(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if !unsafe_char(c) => c,
                c if c.len_utf8() == 1 => '?',
                c if c.len_utf8() == 2 => '¿',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The most bytes of a span that a report underlines. miette cannot underline more
/// than 65,535 columns of one line (it panics), and a longer mark helps nobody: a
/// longer span is cut to its start, on a character boundary.
const MAX_SHOWN_SPAN: usize = 1000;
/// miette also panics on a mark that starts past column 65,535 (a tab is up to four
/// columns wide), and a line of megabytes helps nobody: a place in a line longer than
/// this many bytes is named, not drawn.
const MAX_SHOWN_COLUMN: usize = 15_000;

fn shown_span(text: &str, start: usize, len: usize) -> (usize, usize) {
    let floor = |mut i: usize| {
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(start.min(text.len()));
    let end = floor(
        start
            .saturating_add(len.min(MAX_SHOWN_SPAN))
            .min(text.len()),
    );
    (start, end.saturating_sub(start))
}

/// A diagnostic as shown: its texts in one language, made printable.
#[derive(Debug)]
struct Rendered {
    level: Level,
    code: &'static str,
    span: Option<Span>,
    message: String,
    label: Option<String>,
    help: Option<String>,
    related: Vec<(Span, String)>,
    source: Option<NamedSource<String>>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let main = self.span?;
        let text = self
            .source
            .as_ref()
            .map(|s| s.inner().as_str())
            .unwrap_or("");
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            self.label.clone(),
            shown_span(text, main.start as usize, main.len()),
        )];
        for (span, label) in &self.related {
            let start = (span.start as usize).min(text.len());
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            if span.file == main.file && start - line_start <= MAX_SHOWN_COLUMN {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    shown_span(text, span.start as usize, span.len()),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

impl Sources {
    /// Render diagnostics as plain text (no colour, fixed width): for snapshots and
    /// for output that is not a terminal.
    pub fn render_plain(&self, diags: &[Diag]) -> String {
        self.render_plain_in(diags, Lang::En)
    }
    /// [`render_plain`](Self::render_plain) with the texts in `lang`.
    pub fn render_plain_in(&self, diags: &[Diag], lang: Lang) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100)
                .with_links(false);
        let mut out = String::new();
        for d in diags {
            let report = self.report_in(d, lang);
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_finds_the_places_a_scan_finds() {
        let texts = [
            "",
            "\n",
            "a",
            "产值 > 0\n\n  规则 x {\n    1\n}\n",
            "\n\n第一行\r\n第二行 末尾",
            "no newline at the end 末",
            // Lines shorter than the bytes of a mark (empty ones), long ones, and a last
            // one without its line end.
            &"\n".repeat(200),
            &(0..300)
                .map(|i| format!("第{i}行 {}\n", "规则 ".repeat(i % 7)))
                .collect::<String>(),
            &format!("{}x", "\n\n产值\n".repeat(100)),
        ];
        let mut sources = Sources::new();
        for (i, text) in texts.iter().enumerate() {
            let id = sources.add(format!("{i}.policy"), *text);
            // Every offset, on a character boundary or not, and past the end.
            for offset in 0..text.len() + 3 {
                assert_eq!(
                    sources.line_col(id, offset),
                    line_col(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
        assert_eq!(sources.line_col(1, 1), (2, 1));
        assert_eq!(sources.line_col(3, 9), (1, 6));
        assert_eq!(sources.line_col(3, 11), (2, 1));
        assert_eq!(sources.line_col(3, 12), (3, 1));
        // A file of nothing but line ends keeps a mark for every 16th line only; a file
        // of ordinary lines, for every line.
        let id = sources.add("ends.json", "\n".repeat(64 * 1024));
        assert_eq!(sources.line_col(id, 64 * 1024), (64 * 1024 + 1, 1));
        assert_eq!(sources.line_col(id, 100), (101, 1));
        let marks = |id: u32| {
            sources.files[id as usize]
                .lines
                .get()
                .map(|(every, m)| (*every, m.len()))
        };
        assert_eq!(marks(id), Some((16, 1 + 4096)));
        assert_eq!(marks(7), Some((1, 1 + 300)));
        assert_eq!(marks(6), Some((16, 1 + 12)));
        // A file that is not there is an empty one.
        assert_eq!(sources.line_col(99, 5), (1, 1));
        // A clone keeps its texts, and finds the same places.
        let copy = sources.clone();
        assert_eq!(copy.line_col(4, 9), line_col(texts[4], 9));
    }

    #[test]
    fn a_span_longer_than_a_line_can_show_renders() {
        let mut sources = Sources::new();
        let text = format!("x = 1{}", " + 1".repeat(30_000));
        let id = sources.add("long.policy", text.clone());
        let d = Diag::error("policy::check::too_deep", ("too deep", "过深"))
            .at(Span::new(id, 4, text.len()))
            .help(("split it", "拆分"));
        assert!(sources.render_plain(&[d]).contains("too deep"));
        let far = Diag::error("policy::check::too_deep", ("too deep", "过深"))
            .at(Span::new(id, text.len() - 1, text.len()))
            .help(("split it", "拆分"));
        let out = sources.render_plain(&[far]);
        assert!(out.contains("too deep (at long.policy:1:"), "{out}");
    }

    #[test]
    fn control_characters_never_reach_a_report() {
        let mut sources = Sources::new();
        let text = "{\"a\u{202e}\u{1b}[2J\u{85}\": 1, \"b\": x}\n";
        let id = sources.add("f\u{7}.json", text);
        let at = text.find('x').unwrap();
        let d = Diag::error(
            "policy::facts::syntax",
            Text::untranslated("bad `\u{1b}[31m` here\nforged"),
        )
        .at(Span::new(id, at, at + 1))
        .label(Text::untranslated("label \u{0}"))
        .help(Text::untranslated("help \u{202e}"));
        let out = sources.render_plain(&[d]);
        assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{out:?}");
        assert!(out.contains("bad `\\u{1b}[31m` here\\nforged"), "{out}");
        assert!(out.contains("f\\u{7}.json"), "{out}");
        assert!(out.contains("\"a�?[2J¿\": 1, \"b\": x}"), "{out}");
        assert_eq!(shown_source(text).len(), text.len());
    }

    #[test]
    fn shown_spans_stay_on_character_boundaries() {
        let text = "产值 > 0";
        assert_eq!(shown_span(text, 1, 2), (0, 0));
        assert_eq!(shown_span(text, 0, 4), (0, 3));
        assert_eq!(shown_span(text, 100, 4), (text.len(), 0));
    }
}
