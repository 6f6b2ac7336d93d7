//! From text to syntax tree. The only module that touches pest's `Pair` and `Rule`:
//! one function per grammar rule builds the matching [`ast`](super::ast) node, and pest's
//! expectations are translated into words before a user sees them.

use super::ast::*;
use super::keywords::{self, KeywordSet};
use super::spans::Spans as _;
use crate::diag::{Diag, Text};
use pest::iterators::Pair;
use pest::Parser as _;
use rust_decimal::Decimal;
use std::cell::RefCell;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct Grammar;

/// Nesting of brackets deeper than this is refused before parsing.
pub const MAX_NESTING: usize = 64;
/// A rule file larger than this is refused.
pub const MAX_RULE_FILE_BYTES: usize = 4 * 1024 * 1024;

type Pairs<'a> = pest::iterators::Pairs<'a, Rule>;

/// Parse one rule file. `file` is the index spans will carry.
pub fn parse_file(file: u32, text: &str) -> Result<File, Vec<Diag>> {
    parse_file_keywords(file, text).map(|(f, _)| f)
}

/// Parse one rule file, and say which keyword set it is written in (`None` for a file
/// without keywords). A file that mixes the two sets is refused.
pub fn parse_file_keywords(file: u32, text: &str) -> Result<(File, Option<KeywordSet>), Vec<Diag>> {
    parse_inner(file, text, false)
}

/// Parse one rule file written in either keyword set or in both: for `policy fmt
/// --keywords`, which writes it in one.
pub fn parse_file_any_set(file: u32, text: &str) -> Result<File, Vec<Diag>> {
    parse_inner(file, text, true).map(|(f, _)| f)
}

fn parse_inner(
    file: u32,
    text: &str,
    allow_mixed: bool,
) -> Result<(File, Option<KeywordSet>), Vec<Diag>> {
    if text.len() > MAX_RULE_FILE_BYTES {
        return Err(vec![Diag::error(
            "policy::parse::too_large",
            (
                format!(
                    "the rule file is {} bytes, more than the limit of {} bytes",
                    text.len(),
                    MAX_RULE_FILE_BYTES
                ),
                format!(
                    "规则文件有 {} 字节，超过 {} 字节的上限",
                    text.len(),
                    MAX_RULE_FILE_BYTES
                ),
            ),
        )
        .at(Span::new(file, 0, 0))
        .help((
            "split the rules over several files in the policy folder",
            "请把规则分写在规则文件夹中的多个文件里",
        ))]);
    }
    if let Some(d) = check_nesting(file, text) {
        return Err(vec![d]);
    }
    let mut pairs = match parse_rule(Rule::file, text) {
        Ok(p) => p,
        Err(e) => return Err(vec![translate_error(file, text, 0, &e)]),
    };
    let b = Builder {
        file,
        base: 0,
        errors: RefCell::new(Vec::new()),
    };
    let Some(top) = pairs.next() else {
        return Ok((File { items: Vec::new() }, None));
    };
    let mut errors = Vec::new();
    let set = match keyword_set(file, text, top.clone().into_inner().flatten()) {
        Ok(set) => set,
        Err(d) => {
            if !allow_mixed {
                errors.push(*d);
            }
            None
        }
    };
    errors.extend(joined_names(file, 0, top.clone().into_inner().flatten()));
    let mut items = Vec::new();
    for p in top.into_inner() {
        if p.as_rule() == Rule::EOI {
            continue;
        }
        items.push(b.item(p));
    }
    errors.extend(b.errors.into_inner());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((File { items }, set))
}

/// Parse a file again after an edit, parsing only the item the edit falls in.
///
/// `old` is the tree of `old_text`, which parsed without error, written in keyword set
/// `set`; `new_text` is the text after the edit. When the edit (what lies between the
/// common beginning and the common end of the two texts) is inside the braces of one
/// item, that item's new text is parsed on its own and the items after it are moved by
/// the change in length:
/// - `Some(Ok(set))`: `old` is now the tree of `new_text`;
/// - `Some(Err(errors))`: `new_text` does not parse, for these errors; `old` is unchanged.
///
/// `None` when the edit cannot be parsed on its own (between items, across two, before
/// an item's opening brace, a keyword of the other set, an error at the end of the item,
/// a file over the size limit): the caller parses the whole file. The answer is always
/// the one [`parse_file_keywords`] gives for `new_text`, errors included (the test
/// `reparse_agrees_with_a_full_parse` edits files at random and compares).
pub fn reparse(
    file: u32,
    old_text: &str,
    old: &mut File,
    set: Option<KeywordSet>,
    new_text: &str,
) -> Option<Result<Option<KeywordSet>, Vec<Diag>>> {
    let set = set?;
    if new_text.len() > MAX_RULE_FILE_BYTES {
        return None;
    }
    if old_text == new_text {
        return Some(Ok(Some(set)));
    }
    let (a, old_b) = changed_range(old_text, new_text);
    let i = old.items.iter().position(|it| {
        let s = it.span();
        (s.start as usize) < a && old_b < s.end as usize
    })?;
    let span = old.items.get(i)?.span();
    let (start, end) = (span.start as usize, span.end as usize);
    let brace = start + old_text.get(start..end)?.find('{')?;
    if a <= brace || !old_text.get(..end)?.ends_with('}') {
        return None;
    }
    let new_end = (end + new_text.len()).checked_sub(old_text.len())?;
    let region = new_text.get(start..new_end)?;
    // The same checks, in the same order, as `parse_inner`.
    if let Some(d) = check_nesting(file, new_text) {
        return Some(Err(vec![d]));
    }
    let mut pairs = match parse_rule(Rule::items, region) {
        Ok(p) => p,
        Err(e) => {
            let pos = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            // At the end of the item the whole file may read on, or fail further on.
            if pos >= region.len() {
                return None;
            }
            return Some(Err(vec![translate_error(file, new_text, start, &e)]));
        }
    };
    let top = pairs.next()?;
    match keyword_set(file, region, top.clone().into_inner().flatten()) {
        Ok(Some(s)) if s != set => return None,
        Ok(_) => {}
        Err(_) => return None,
    }
    let mut errors = joined_names(file, start, top.clone().into_inner().flatten());
    let b = Builder {
        file,
        base: start,
        errors: RefCell::new(Vec::new()),
    };
    let mut items = Vec::new();
    for p in top.into_inner() {
        if p.as_rule() != Rule::EOI {
            items.push(b.item(p));
        }
    }
    errors.extend(b.errors.into_inner());
    if !errors.is_empty() {
        return Some(Err(errors));
    }
    let delta = new_text.len() as isize - old_text.len() as isize;
    for it in old.items.iter_mut().skip(i + 1) {
        it.shift(delta);
    }
    old.items.splice(i..=i, items);
    Some(Ok(Some(set)))
}

/// Parse `text` as `rule` fast; only when that fails, parse again recording what was
/// expected where, for a precise message.
fn parse_rule(rule: Rule, text: &str) -> Result<Pairs<'_>, pest::error::Error<Rule>> {
    Grammar::parse(rule, text).map_err(|first| {
        pest::set_error_detail(true);
        let detailed = Grammar::parse(rule, text).err();
        pest::set_error_detail(false);
        detailed.unwrap_or(first)
    })
}

/// Where two texts differ: the end of their common beginning, and where the common end
/// starts in `old` (both on character boundaries).
fn changed_range(old: &str, new: &str) -> (usize, usize) {
    let (ob, nb) = (old.as_bytes(), new.as_bytes());
    let mut a = ob.iter().zip(nb).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(a) {
        a -= 1;
    }
    let room = ob.len().min(nb.len()) - a;
    let mut tail = ob
        .iter()
        .rev()
        .zip(nb.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    while !old.is_char_boundary(ob.len() - tail) {
        tail -= 1;
    }
    (a, ob.len() - tail)
}

/// The keyword set of a keyword token (a `kw_…` rule or a Chinese heading), by how it is
/// written; `None` for any other token.
fn token_set(p: &Pair<Rule>) -> Option<KeywordSet> {
    use Rule as R;
    match p.as_rule() {
        R::cn_article
        | R::cn_clause
        | R::cn_clause_ref
        | R::cn_chapter
        | R::cn_annex
        | R::cn_item
        | R::cn_part_ref
        | R::kw_list_zh
        | R::kw_series_zh
        | R::kw_text_zh
        | R::kw_text_type_zh
        | R::kw_applies_zh
        | R::kw_not_assessed_zh => Some(KeywordSet::Zh),
        R::kw_policy
        | R::kw_document
        | R::kw_issued_by
        | R::kw_issued_on
        | R::kw_in_force
        | R::kw_to
        | R::kw_dimension
        | R::kw_enum
        | R::kw_ordered
        | R::kw_record
        | R::kw_fact
        | R::kw_optional
        | R::kw_list
        | R::kw_series
        | R::kw_of
        | R::kw_parameter
        | R::kw_definition
        | R::kw_source
        | R::kw_interpretation
        | R::kw_assumption
        | R::kw_article
        | R::kw_clause
        | R::kw_as
        | R::kw_applies
        | R::kw_when
        | R::kw_text
        | R::kw_rule
        | R::kw_guideline
        | R::kw_decision
        | R::kw_and
        | R::kw_or
        | R::kw_not
        | R::kw_in
        | R::kw_if
        | R::kw_then
        | R::kw_else
        | R::kw_every
        | R::kw_any
        | R::kw_none
        | R::kw_count
        | R::kw_where
        | R::kw_true
        | R::kw_false
        | R::kw_today
        | R::kw_latest
        | R::kw_earliest
        | R::kw_by
        | R::kw_version
        | R::kw_from
        | R::kw_sum
        | R::kw_mean
        | R::kw_min
        | R::kw_max
        | R::kw_bare_numbers
        | R::kw_chapter
        | R::kw_annex
        | R::kw_item
        | R::kw_items
        | R::kw_assessed
        | R::kw_because => Some(if p.as_str().starts_with(|c: char| c.is_ascii()) {
            KeywordSet::En
        } else {
            KeywordSet::Zh
        }),
        _ => None,
    }
}

/// The keyword set of a file: the set of its first keyword. A keyword of the other set
/// later in the file is `policy::parse::mixed_keywords`.
fn keyword_set<'a>(
    file: u32,
    text: &str,
    pairs: impl Iterator<Item = Pair<'a, Rule>>,
) -> Result<Option<KeywordSet>, Box<Diag>> {
    let mut first: Option<(KeywordSet, Pair<Rule>)> = None;
    for p in pairs {
        let Some(set) = token_set(&p) else { continue };
        let Some((file_set, first_kw)) = &first else {
            first = Some((set, p));
            continue;
        };
        if set == *file_set {
            continue;
        }
        let word = p.as_str();
        let s = p.as_span();
        let (line, _) = crate::diag::line_col(text, first_kw.as_span().start());
        let fix = keywords::counterpart(word)
            .map(|w| format!("write `{w}`"))
            .unwrap_or_else(|| format!("write it with the {} keywords", file_set.name()));
        let fix_zh = keywords::counterpart(word)
            .map(|w| format!("请写作 `{w}`"))
            .unwrap_or_else(|| format!("请改用{}关键字", file_set.name_zh()));
        return Err(Box::new(
            Diag::error(
                "policy::parse::mixed_keywords",
                (format!(
                    "`{word}` is a keyword of the {} set, but this file is written in the {} set (its first keyword is `{}`, line {line})",
                    set.name(),
                    file_set.name(),
                    first_kw.as_str(),
                ), format!("`{word}` 是{}关键字，但本文件用的是{}关键字（第一个关键字为第 {line} 行的 `{}`）", set.name_zh(), file_set.name_zh(), first_kw.as_str())),
            )
            .at(Span::new(file, s.start(), s.end()))
            .label((format!("{}关键字", set.name_zh()), format!("{}关键字", set.name_zh())))
            .related(
                Span::new(file, first_kw.as_span().start(), first_kw.as_span().end()),
                (format!("the file's first keyword: {} set", file_set.name()), format!("本文件第一个关键字：{}关键字", file_set.name())),
            )
            .help((format!(
                "a file keeps to one keyword set: {fix}, or write the whole file in one set with `policy fmt --keywords {}` / 一个文件只能使用一套关键字：{fix_zh}，或用 `policy fmt --keywords {}` 统一转换整个文件",
                file_set.code(),
                file_set.code()
            ), format!("一个文件只能使用一套关键字：{fix_zh}，或用 `policy fmt --keywords {}` 把整个文件统一为一套", file_set.code()))),
        ));
    }
    Ok(first.map(|(s, _)| s))
}

/// Names that are a quantifier or `如果 … 则` written without the spaces around its
/// keywords (`每个y属于近三年`): refused, with the spaced form.
fn joined_names<'a>(
    file: u32,
    base: usize,
    pairs: impl Iterator<Item = Pair<'a, Rule>>,
) -> Vec<Diag> {
    pairs
        .filter(|p| p.as_rule() == Rule::ident && keywords::is_joined_form(p.as_str()))
        .filter_map(|p| {
            let s = p.as_span();
            joined_diag(
                Span::new(file, base + s.start(), base + s.end()),
                p.as_str(),
            )
        })
        .collect()
}

/// `policy::parse::keyword_joined` for a name written joined to a Chinese keyword.
fn joined_diag(span: Span, word: &str) -> Option<Diag> {
    let (kw, begins) = keywords::joined_keyword(word)?;
    let fixed = keywords::split_joined(word)?;
    Some(
        Diag::error(
            "policy::parse::keyword_joined",
            (format!(
                "the name `{word}` {} the keyword `{kw}`",
                if begins { "begins with" } else { "ends with" }
            ), format!("名称 `{word}` 的{}是关键字 `{kw}`", if begins { "开头" } else { "结尾" })),
        )
        .at(span)
        .label(("关键字须用空格与名称隔开", "关键字须用空格与名称隔开"))
        .help((format!(
            "a Chinese keyword is a word of its own, set apart from a name by a space or punctuation: write `{fixed}` (`policy fmt` inserts the spaces) / 中文关键字须用空格或标点与名称隔开：请写作 `{fixed}`（`policy fmt` 会自动插入空格）"
        ), format!("中文关键字须用空格或标点与名称隔开：请写作 `{fixed}`（`policy fmt` 会自动插入空格）"))),
    )
}

/// Where a syntax error stands right after a name joined to a Chinese keyword
/// (`每个y属于近三年：` fails at the `：`), that is the error to report.
fn joined_before(file: u32, text: &str, pos: usize) -> Option<Diag> {
    let before = text.get(..pos)?.trim_end_matches([' ', '\t', '\u{3000}']);
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    let word = before.get(start..)?;
    joined_diag(Span::new(file, start, before.len()), word)
}

/// Refuse nesting deeper than [`MAX_NESTING`] before pest sees it: pest and the tree
/// builder recurse once per level, so 10,000 levels would overflow the stack. Brackets
/// count, and so do the words that open an expression without a bracket (`if`, the
/// quantifiers `every`, `any`, `none` and `count`): everything after them up to the
/// closing bracket or the next rule, parameter, definition or decision is nested in them.
fn check_nesting(file: u32, text: &str) -> Option<Diag> {
    // Open words per bracket level; the depth is the brackets plus all open words.
    let mut levels: Vec<usize> = vec![0];
    let mut words = 0usize;
    let mut in_string = false;
    // Depth of “…” strings (they nest), outside `"…"` strings.
    let mut cn_string = 0usize;
    let mut in_comment = false;
    let mut escaped = false;
    let mut word_start: Option<usize> = None;
    let too_deep = |i: usize, len: usize, msg: Text| {
        Diag::error("policy::parse::too_deep", msg)
            .at(Span::new(file, i, i + len))
            .label(("too deep here", "此处嵌套过深"))
            .help((
                "split the expression into named definitions",
                "请把表达式拆成若干具名的定义",
            ))
    };
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        if cn_string > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '“' => cn_string += 1,
                '”' => cn_string -= 1,
                '\n' => cn_string = 0,
                _ => {}
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(ws) = word_start.take() {
            // `sum`, `mean`, `min`, `max` open an aggregate unless a call's `(` follows.
            let aggregate = matches!(
                text.get(ws..i),
                Some("sum" | "mean" | "min" | "max" | "合计" | "平均" | "最小" | "最大")
            ) && !text
                .get(i..)
                .is_some_and(|t| t.trim_start().starts_with(['(', '（']));
            match text.get(ws..i) {
                _ if aggregate => {
                    if let Some(top) = levels.last_mut() {
                        *top += 1;
                    }
                    words += 1;
                    if levels.len() - 1 + words > MAX_NESTING {
                        return Some(too_deep(
                            ws,
                            i - ws,
                            Text::from((
                                format!(
                                    "`sum`, `mean`, `min` and `max` are nested more than {MAX_NESTING} deep"
                                ),
                                format!(
                                    "`sum`、`mean`、`min` 和 `max`（合计、平均、最小、最大）嵌套超过 {MAX_NESTING} 层"
                                ),
                            )),
                        ));
                    }
                }
                Some(
                    "if" | "every" | "any" | "none" | "count" | "如果" | "每个" | "任一" | "没有"
                    | "计数",
                ) => {
                    if let Some(top) = levels.last_mut() {
                        *top += 1;
                    }
                    words += 1;
                    if levels.len() - 1 + words > MAX_NESTING {
                        return Some(too_deep(
                            ws,
                            i - ws,
                            Text::from((
                                format!(
                                    "`if`, `every`, `any`, `none` and `count` are nested more than {MAX_NESTING} deep"
                                ),
                                format!(
                                    "`if`、`every`、`any`、`none` 和 `count`（如果、每个、任一、没有、计数）嵌套超过 {MAX_NESTING} 层"
                                ),
                            )),
                        ));
                    }
                }
                Some(
                    "rule" | "guideline" | "parameter" | "definition" | "decision" | "规则"
                    | "指引" | "参数" | "定义" | "决定",
                ) => {
                    if let Some(top) = levels.last_mut() {
                        words -= *top;
                        *top = 0;
                    }
                }
                _ => {}
            }
        }
        match c {
            '#' => in_comment = true,
            '"' => in_string = true,
            '“' => cn_string = 1,
            '(' | '[' | '{' | '（' => {
                levels.push(0);
                if levels.len() - 1 + words > MAX_NESTING {
                    return Some(too_deep(
                        i,
                        1,
                        Text::from((
                            format!("brackets are nested more than {MAX_NESTING} deep"),
                            format!("括号嵌套超过 {MAX_NESTING} 层"),
                        )),
                    ));
                }
            }
            ')' | ']' | '}' | '）' if levels.len() > 1 => {
                if let Some(top) = levels.pop() {
                    words -= top;
                }
            }
            _ => {}
        }
    }
    None
}

/// Words for the grammar's rules, as a person would name what was expected.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule as R;
    Some(match rule {
        R::EOI => "the end of the file",
        R::item | R::policy_block | R::dimension | R::enum_decl | R::record_decl | R::fact_decl
        | R::parameter | R::definition | R::article | R::chapter | R::annex => {
            "an item (`policy`, `dimension`, `enum`, `record`, `fact`, `parameter`, `definition`, `article`, `chapter` or `annex`)"
        }
        R::annex_item => "`item`",
        R::item_style => "`items`",
        R::not_assessed => "`not assessed`",
        R::numeral => "a number (1…99 or 一…九十九)",
        R::policy_field => "`document`, `issued_by`, `issued_on` or `in_force`",
        R::version_block | R::kw_version => "`version`",
        R::period => "a period (`YYYY-MM-DD to YYYY-MM-DD` or `from YYYY-MM-DD`)",
        // `dating` and `dated_value` are optional or alternatives at places where the
        // common slip is another (a missing `:` or `=`): left out of "expected …".
        R::kw_from => "`from`",
        R::unit_def => "a unit (`万元 = 10000 元`)",
        R::variant => "a variant name",
        R::field_decl => "a field (`name: type`)",
        R::type_expr | R::named_type | R::unit_term => "a type",
        R::source | R::interpretation | R::assumption => "`source`, `interpretation` or `assumption`",
        R::params | R::param => "parameters",
        R::type_ann => "`:` and a type",
        R::applies => "`applies when`",
        R::clause => "`clause`",
        R::clause_alias => "`as`",
        R::text_item => "`text`",
        R::rule_item | R::rule_kind => "`rule` or `guideline`",
        R::rule_when => "`when`",
        R::decision => "`decision`",
        R::expr | R::or_expr | R::and_expr | R::not_expr | R::cmp_expr | R::add_expr
        | R::mul_expr | R::unary | R::postfix | R::paren | R::list_lit | R::if_expr
        | R::quantifier | R::count_expr | R::aggregate | R::call | R::clause_ref | R::path | R::quantity
        | R::true_lit | R::false_lit | R::today | R::none_lit => "an expression",
        R::cmp_op => "a comparison (`>=`, `<=`, `=`, `!=`, `>`, `<`)",
        R::in_op => "`in`",
        R::add_op => "`+` or `-`",
        R::mul_op => "`*` or `/`",
        R::index => "`[`",
        R::field => "`.`",
        R::filter => "`where`",
        R::quant_kind => "`every`, `any` or `none`",
        R::agg_kind => "`sum`, `mean`, `min` or `max`",
        R::date_lit => "a date (YYYY-MM-DD)",
        R::month_day => "a day of the year (`4月10日`)",
        R::number | R::integer => "a number",
        R::string | R::string_inner => "a quoted text (\"…\")",
        R::ident | R::unit_name => "a name",
        R::kw_policy => "`policy`",
        R::kw_to => "`to`",
        R::kw_of => "`of`",
        R::kw_when => "`when`",
        R::kw_in => "`in`",
        R::kw_then => "`then`",
        R::kw_else => "`else`",
        R::kw_none => "`none`",
        _ => return None,
    })
}

/// `e` is an error of the text that starts at `base` in the file's `text`.
fn translate_error(file: u32, text: &str, base: usize, e: &pest::error::Error<Rule>) -> Diag {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = base
        + match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    if let Some(d) = joined_before(file, text, pos) {
        return d;
    }
    let found = found_at(text, pos);
    let mut expected: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            if let Some(w) = describe(*r) {
                if !expected.iter().any(|x| x == w) {
                    expected.push(w.to_string());
                }
            }
        }
    }
    // Literal tokens pest tried at the furthest position (`:`, `=`, `{` …).
    let mut tokens: Vec<String> = Vec::new();
    if let Some(attempts) = Some(e.parse_attempts()).flatten() {
        for t in attempts.expected_tokens() {
            let s = t.to_string();
            let s = s.trim_matches('\'').trim_matches('"').to_string();
            let punct = s.chars().all(|c| c.is_ascii_punctuation()) && s != "#" && s != "_";
            if punct && !s.is_empty() && s.len() <= 3 && !tokens.contains(&s) {
                tokens.push(s);
            }
        }
    }
    for t in &tokens {
        let w = format!("`{t}`");
        if !expected.contains(&w) {
            expected.push(w);
        }
    }
    // The list of items already names `policy`.
    if expected.iter().any(|w| w.starts_with("an item (")) {
        expected.retain(|w| w != "`policy`");
    }
    let what = match expected.len() {
        0 => "something else".to_string(),
        1 => expected.first().cloned().unwrap_or_default(),
        _ => match expected.split_last() {
            Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
            None => String::new(),
        },
    };
    // The keywords to write are those of the file's set.
    let what = match first_word_set(text) {
        Some(KeywordSet::Zh) => keywords_of_set(&what),
        _ => what,
    };
    let mut d = Diag::error(
        "policy::parse::syntax",
        (
            format!("expected {what}, found {}", found.0),
            format!(
                "此处应为{}，实际是{}",
                crate::diag::zh_term(&what),
                crate::diag::zh_term(&found.0)
            ),
        ),
    )
    .at(Span::new(file, pos, pos + found.1))
    .label((
        format!("expected {what}"),
        format!("应为{}", crate::diag::zh_term(&what)),
    ));
    if let Some(help) = full_width_help(text, pos) {
        d = d.help(help);
    } else if let Some(help) = heading_help(text, pos) {
        d = d.help(help);
    } else {
        d = d.help((
            "see the language tour in README.md for the shape of each item",
            "各部分的写法见 README.md 中的语言导览",
        ));
    }
    d
}

/// The keyword set a file is written in, by its first word (every item begins with a
/// keyword or a heading): for the words of a syntax error in a file that does not parse.
fn first_word_set(text: &str) -> Option<KeywordSet> {
    let mut rest = text.trim_start_matches('\u{FEFF}');
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix('#') {
            Some(r) => rest = r.split_once('\n').map_or("", |(_, after)| after),
            None => break,
        }
    }
    let c = rest.chars().next()?;
    if c.is_ascii_alphabetic() {
        Some(KeywordSet::En)
    } else if c.is_alphabetic() {
        Some(KeywordSet::Zh)
    } else {
        None
    }
}

/// `what` with each keyword quoted in it (`` `rule` ``) written in the Chinese set
/// (`` `规则` ``); other quoted tokens (`` `>=` ``) are kept.
fn keywords_of_set(what: &str) -> String {
    let mut out = String::with_capacity(what.len());
    let mut parts = what.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Odd parts are quoted, even parts are not.
    for (i, part) in parts.enumerate() {
        out.push('`');
        if i % 2 == 0 {
            let zh = match part {
                "applies when" => Some("适用条件"),
                "not assessed" => Some("留待评审"),
                w => keywords::zh(w),
            };
            out.push_str(zh.unwrap_or(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// What stands at `pos`, for a message, and its length in bytes.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    match rest.chars().next() {
        None => ("the end of the file".to_string(), 0),
        Some(c) if c == '\n' || c == '\r' => ("the end of the line".to_string(), c.len_utf8()),
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            let len = word.len();
            (format!("`{word}`"), len)
        }
        Some(c) => (format!("`{c}`"), c.len_utf8()),
    }
}

/// `clause （二）`: the Chinese heading after the English keyword.
fn heading_help(text: &str, pos: usize) -> Option<Text> {
    let rest = text.get(pos..)?;
    if !rest.starts_with(['（', '(']) {
        return None;
    }
    let before = text.get(..pos)?.trim_end();
    let word = ["clause", "item", "article"]
        .into_iter()
        .find(|w| before.ends_with(w))?;
    Some(Text::from((
        format!(
            "`{word}` takes a number: write `{word} 2`; in the Chinese keyword set the heading stands alone, `（二）` / 英文关键字 `{word}` 后写数字；中文关键字写作 `（二）`，不加 `{word}`"
        ),
        format!("英文关键字 `{word}` 后写数字，如 `{word} 2`；中文关键字写作 `（二）`，不加 `{word}`"),
    )))
}

/// Chinese input methods produce full-width punctuation and digits that look
/// right but are different characters; say so.
pub fn full_width_help(text: &str, pos: usize) -> Option<Text> {
    let c = text.get(pos..)?.chars().next()?;
    // `：` `，` `（` `）` and “…” are accepted where the ASCII form is syntax (a
    // Chinese input method types them by default), so they are not named here.
    let ascii = match c {
        '＝' => "=",
        '＞' => ">",
        '＜' => "<",
        '＋' => "+",
        '－' => "-",
        '＊' => "*",
        '／' => "/",
        '％' => "%",
        '［' => "[",
        '］' => "]",
        '｛' => "{",
        '｝' => "}",
        '．' | '。' => ".",
        '０'..='９' => {
            let d = (c as u32 - '０' as u32) as u8;
            let d = char::from(d + b'0');
            return Some(Text::from((
                format!(
                    "`{c}` is a full-width digit; write the ASCII digit `{d}` instead (switch the input method to half-width)"
                ),
                format!("`{c}` 是全角数字；请改写为半角数字 `{d}`（将输入法切换为半角）"),
            )));
        }
        _ => return None,
    };
    Some(Text::from((
        format!(
            "`{c}` is full-width punctuation; write the ASCII `{ascii}` instead (switch the input method to half-width)"
        ),
        format!("`{c}` 是全角标点；请改写为半角的 `{ascii}`（将输入法切换为半角）"),
    )))
}

struct Builder {
    file: u32,
    /// Where the parsed text starts in the file (an item parsed again on its own).
    base: usize,
    /// Errors found while building the tree (a heading's number that is not one).
    errors: RefCell<Vec<Diag>>,
}

/// See [`Builder::ranged`].
struct Ranged {
    keyword: Option<Rule>,
    var: Ident,
    over: Box<Expr>,
    filter: Option<Box<Expr>>,
    tail: Option<Expr>,
}

/// The exact decimal of a number literal; `None` when it has more digits than an
/// exact decimal holds (it is never rounded). Trailing zeros of a fraction are dropped.
fn exact_decimal(text: &str) -> Option<Decimal> {
    match Decimal::from_str_exact(text) {
        Ok(d) => Some(d),
        Err(_) if text.contains('.') => {
            Decimal::from_str_exact(text.trim_end_matches('0').trim_end_matches('.')).ok()
        }
        Err(_) => None,
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Builder {
    /// The span of a pair, without the whitespace and comments pest lets trail it.
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        let mut text = p.as_str();
        loop {
            let trimmed = text.trim_end_matches(|c: char| c.is_whitespace());
            // A trailing comment line: drop it and look again.
            match trimmed.rfind('\n') {
                Some(nl)
                    if trimmed
                        .get(nl + 1..)
                        .is_some_and(|l| l.trim_start().starts_with('#')) =>
                {
                    text = trimmed.get(..nl).unwrap_or("");
                }
                _ => {
                    text = trimmed;
                    break;
                }
            }
        }
        let start = self.base + s.start();
        Span::new(self.file, start, start + text.len())
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn string(&self, p: Pair<Rule>) -> Str {
        let span = self.span(&p);
        let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        Str {
            value: unescape(inner),
            span,
        }
    }

    fn date(&self, p: Pair<Rule>) -> DateLit {
        DateLit {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn integer(&self, p: &Pair<Rule>) -> u32 {
        p.as_str().parse().unwrap_or(u32::MAX)
    }

    /// The number of a Chinese heading (`第六条`, `（二）`): Arabic numerals as written,
    /// Chinese numerals exactly 一…九十九 (else `policy::check::bad_numeral`, and 0).
    fn head_number(&self, p: &Pair<Rule>, what: &str) -> u32 {
        let text = p.as_str();
        if text.starts_with(|c: char| c.is_ascii_digit()) {
            return self.integer(p);
        }
        match crate::numeral::read(text) {
            Some(n) => n,
            None => {
                self.errors.borrow_mut().push(
                    Diag::error(
                        "policy::check::bad_numeral",
                        (format!("`{text}` is not {what}: write 1…99 or 一…九十九"), format!("`{text}` 不是有效的{}：请写 1…99 或 一…九十九", crate::diag::zh_term(what))),
                    )
                    .at(self.span(p))
                    .label(("编号应为 1…99 或 一…九十九", "编号应为 1…99 或 一…九十九"))
                    .help(("Chinese numerals are read in their standard spelling only: 一…九, 十, 十一…十九, 二十, 二十一 … 九十九 (not 零, 一十, 十十, 二二 or 一百); Arabic numerals as written", "中文数字只接受标准写法：一…九、十、十一…十九、二十、二十一……九十九（不接受零、一十、十十、二二或一百）；阿拉伯数字按所写读取")),
                );
                0
            }
        }
    }

    /// The number inside a Chinese heading pair (its `head_number` or `integer`) and its span.
    fn heading(&self, p: Pair<Rule>, what: &str) -> Option<(u32, Span)> {
        p.into_inner().find_map(|x| match x.as_rule() {
            Rule::head_number => Some((self.head_number(&x, what), self.span(&x))),
            Rule::integer => Some((self.integer(&x), self.span(&x))),
            _ => None,
        })
    }

    /// `第十五条` or `附件1` before a `.`: the name the English set writes `article15`, `annex1`.
    fn part_ref(&self, p: Pair<Rule>) -> Ident {
        let span = self.span(&p);
        let article = p.as_str().starts_with('第');
        let number = p.into_inner().find_map(|x| match x.as_rule() {
            Rule::head_number => Some(self.head_number(&x, "an article number").to_string()),
            Rule::integer => Some(x.as_str().to_string()),
            _ => None,
        });
        let name = match (article, number) {
            (true, n) => format!("article{}", n.unwrap_or_default()),
            (false, Some(n)) => format!("annex{n}"),
            (false, None) => "annex".to_string(),
        };
        Ident { name, span }
    }

    fn item(&self, p: Pair<Rule>) -> Item {
        match p.as_rule() {
            Rule::policy_block => Item::Policy(self.policy(p)),
            Rule::dimension => Item::Dimension(self.dimension(p)),
            Rule::enum_decl => Item::Enum(self.enum_decl(p)),
            Rule::record_decl => Item::Record(self.record(p)),
            Rule::fact_decl => Item::Fact(self.fact(p)),
            Rule::parameter => Item::Parameter(self.parameter(p)),
            Rule::definition => Item::Definition(self.definition(p)),
            Rule::chapter => Item::Chapter(self.chapter(p)),
            _ => Item::Article(self.article(p)),
        }
    }

    fn policy(&self, p: Pair<Rule>) -> PolicyHeader {
        let span = self.span(&p);
        let mut h = PolicyHeader {
            title: Str {
                value: String::new(),
                span,
            },
            document: None,
            issued_by: None,
            issued_on: None,
            in_force: None,
            versions: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => h.title = self.string(c),
                Rule::policy_field => {
                    let (document, issued_by, issued_on, in_force) = (
                        &mut h.document,
                        &mut h.issued_by,
                        &mut h.issued_on,
                        &mut h.in_force,
                    );
                    self.header_field(c, document, issued_by, issued_on, in_force);
                }
                Rule::version_block => h.versions.push(self.version_block(c)),
                _ => {}
            }
        }
        h
    }

    /// One `document`, `issued_by`, `issued_on` or `in_force` field of a header or version.
    fn header_field(
        &self,
        c: Pair<Rule>,
        document: &mut Option<Str>,
        issued_by: &mut Option<Str>,
        issued_on: &mut Option<DateLit>,
        in_force: &mut Option<InForce>,
    ) {
        for f in c.into_inner() {
            let rule = f.as_rule();
            if rule == Rule::in_force_field {
                *in_force = self.in_force(f);
                continue;
            }
            let mut parts = f
                .into_inner()
                .filter(|x| matches!(x.as_rule(), Rule::string | Rule::date_lit));
            match rule {
                Rule::document_field => *document = parts.next().map(|x| self.string(x)),
                Rule::issued_by_field => *issued_by = parts.next().map(|x| self.string(x)),
                Rule::issued_on_field => *issued_on = parts.next().map(|x| self.date(x)),
                _ => {}
            }
        }
    }

    fn version_block(&self, p: Pair<Rule>) -> VersionDecl {
        let span = self.span(&p);
        let mut v = VersionDecl {
            name: Str {
                value: String::new(),
                span,
            },
            document: None,
            issued_by: None,
            issued_on: None,
            in_force: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => v.name = self.string(c),
                Rule::policy_field => self.header_field(
                    c,
                    &mut v.document,
                    &mut v.issued_by,
                    &mut v.issued_on,
                    &mut v.in_force,
                ),
                _ => {}
            }
        }
        v
    }

    /// `in_force PERIOD source? ` (an `in_force_field`) or `in_force PERIOD` of a dating.
    fn in_force(&self, p: Pair<Rule>) -> Option<InForce> {
        let span = self.span(&p);
        let mut period = None;
        let mut source = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::period => period = Some(self.period(c)),
                Rule::source => {
                    if let Some(Annotation::Source(s)) = self.annotation(c) {
                        source = Some(s);
                    }
                }
                _ => {}
            }
        }
        let (from, until) = period?;
        Some(InForce {
            from,
            until,
            source,
            span,
        })
    }

    /// `from D` or `D to E`.
    fn period(&self, p: Pair<Rule>) -> (DateLit, Option<DateLit>) {
        let span = self.span(&p);
        let mut dates = p
            .into_inner()
            .filter(|x| x.as_rule() == Rule::date_lit)
            .map(|x| self.date(x));
        let from = dates.next().unwrap_or(DateLit {
            text: String::new(),
            span,
        });
        (from, dates.next())
    }

    /// `in_force PERIOD` or `version "name"` after an item's title.
    fn dating(&self, p: Pair<Rule>) -> Option<Dating> {
        let span = self.span(&p);
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::period => {
                    let (from, until) = self.period(c);
                    return Some(Dating::Period(InForce {
                        from,
                        until,
                        source: None,
                        span,
                    }));
                }
                Rule::string => return Some(Dating::Version(self.string(c))),
                _ => {}
            }
        }
        None
    }

    /// `from D: value annotations` or `version "name": value annotations`.
    fn dated_value(&self, p: Pair<Rule>) -> DatedValue {
        let span = self.span(&p);
        let mut when = None;
        let mut value = None;
        let mut annotations = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::date_lit => {
                    let d = self.date(c);
                    when = Some(Dating::Period(InForce {
                        span: d.span,
                        from: d,
                        until: None,
                        source: None,
                    }))
                }
                Rule::string => when = Some(Dating::Version(self.string(c))),
                Rule::expr => value = Some(self.expr(c)),
                Rule::source | Rule::interpretation | Rule::assumption => {
                    annotations.extend(self.annotation(c))
                }
                _ => {}
            }
        }
        DatedValue {
            when: when.unwrap_or(Dating::Version(Str {
                value: String::new(),
                span,
            })),
            value: value.unwrap_or(Expr {
                kind: ExprKind::Bool(false),
                span,
            }),
            annotations,
            span,
        }
    }

    fn dimension(&self, p: Pair<Rule>) -> Dimension {
        let span = self.span(&p);
        let mut name = None;
        let mut label = None;
        let mut units = Vec::new();
        let mut bare_numbers = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(c)),
                Rule::string => label = Some(self.string(c)),
                Rule::bare_numbers => bare_numbers = true,
                Rule::unit_def => units.push(self.unit_def(c)),
                _ => {}
            }
        }
        Dimension {
            name: name.unwrap_or_else(|| self.missing_ident(span)),
            label,
            bare_numbers,
            units,
            span,
        }
    }

    fn missing_ident(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    fn unit_def(&self, p: Pair<Rule>) -> UnitDef {
        let span = self.span(&p);
        let mut names = Vec::new();
        let mut factor = Decimal::ONE;
        let mut factor_span = span;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::unit_name => names.push(self.ident(c)),
                Rule::number => {
                    factor_span = self.span(&c);
                    factor = exact_decimal(c.as_str()).unwrap_or(Decimal::ZERO);
                }
                _ => {}
            }
        }
        let mut names = names.into_iter();
        UnitDef {
            name: names.next().unwrap_or_else(|| self.missing_ident(span)),
            factor,
            factor_span,
            of: names.next(),
            span,
        }
    }

    fn enum_decl(&self, p: Pair<Rule>) -> EnumDecl {
        let span = self.span(&p);
        let mut d = EnumDecl {
            name: self.missing_ident(span),
            label: None,
            ordered: false,
            variants: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => d.name = self.ident(c),
                Rule::string => d.label = Some(self.string(c)),
                Rule::ordered => d.ordered = true,
                Rule::variant => {
                    let mut v = Variant {
                        name: self.missing_ident(span),
                        label: None,
                    };
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::ident => v.name = self.ident(x),
                            Rule::string => v.label = Some(self.string(x)),
                            _ => {}
                        }
                    }
                    d.variants.push(v);
                }
                _ => {}
            }
        }
        d
    }

    fn record(&self, p: Pair<Rule>) -> RecordDecl {
        let span = self.span(&p);
        let mut d = RecordDecl {
            name: self.missing_ident(span),
            label: None,
            fields: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => d.name = self.ident(c),
                Rule::string => d.label = Some(self.string(c)),
                Rule::field_decl => {
                    let mut name = self.missing_ident(span);
                    let mut ty = None;
                    let mut label = None;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::ident => name = self.ident(x),
                            Rule::type_expr => ty = Some(self.type_expr(x)),
                            Rule::string => label = Some(self.string(x)),
                            _ => {}
                        }
                    }
                    if let Some(ty) = ty {
                        d.fields.push(FieldDecl { name, ty, label });
                    }
                }
                _ => {}
            }
        }
        d
    }

    fn fact(&self, p: Pair<Rule>) -> FactDecl {
        let span = self.span(&p);
        let mut name = self.missing_ident(span);
        let mut label = None;
        let mut ty = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::path => name = self.dotted(c),
                Rule::string => label = Some(self.string(c)),
                Rule::type_expr => ty = Some(self.type_expr(c)),
                _ => {}
            }
        }
        FactDecl {
            name,
            label,
            ty: ty.unwrap_or_else(|| self.unknown_type(span)),
            span,
        }
    }

    fn unknown_type(&self, span: Span) -> TypeExpr {
        TypeExpr {
            optional: false,
            or_none: false,
            base: BaseType::Text,
            span,
        }
    }

    /// A dotted path as one name: `recognition.date`.
    fn dotted(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p
                .clone()
                .into_inner()
                .map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join("."),
            span: self.span(&p),
        }
    }

    fn type_expr(&self, p: Pair<Rule>) -> TypeExpr {
        let span = self.span(&p);
        let mut t = self.unknown_type(span);
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::optional => t.optional = true,
                Rule::or_none => t.or_none = true,
                _ => t.base = self.base_type(c),
            }
        }
        t
    }

    fn base_type(&self, p: Pair<Rule>) -> BaseType {
        match p.as_rule() {
            Rule::list_type => BaseType::List(Box::new(self.inner_base(p))),
            Rule::series_type => BaseType::Series(Box::new(self.inner_base(p))),
            Rule::count_type => BaseType::Count(
                p.into_inner()
                    .find(|c| c.as_rule() == Rule::unit_term)
                    .map(|c| self.unit_term(c)),
            ),
            _ => {
                // named_type
                match p.into_inner().next() {
                    Some(c) if c.as_rule() == Rule::unit_term => BaseType::Named(self.unit_term(c)),
                    _ => BaseType::Text,
                }
            }
        }
    }

    fn inner_base(&self, p: Pair<Rule>) -> BaseType {
        p.into_inner()
            .find(|c| {
                matches!(
                    c.as_rule(),
                    Rule::list_type | Rule::series_type | Rule::count_type | Rule::named_type
                )
            })
            .map(|c| self.base_type(c))
            .unwrap_or(BaseType::Text)
    }

    fn unit_term(&self, p: Pair<Rule>) -> UnitTerm {
        let span = self.span(&p);
        let mut first = None;
        let mut rest = Vec::new();
        let mut op = UnitOp::Mul;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::unit_name => {
                    let id = self.ident(c);
                    if first.is_none() {
                        first = Some(id);
                    } else {
                        rest.push((op, id));
                    }
                }
                Rule::unit_op => {
                    op = if c.as_str() == "/" {
                        UnitOp::Div
                    } else {
                        UnitOp::Mul
                    }
                }
                _ => {}
            }
        }
        UnitTerm {
            first: first.unwrap_or_else(|| self.missing_ident(span)),
            rest,
            span,
        }
    }

    fn annotation(&self, p: Pair<Rule>) -> Option<Annotation> {
        let rule = p.as_rule();
        let s = p.into_inner().find(|c| c.as_rule() == Rule::string)?;
        let s = self.string(s);
        Some(match rule {
            Rule::source => Annotation::Source(s),
            Rule::interpretation => Annotation::Interpretation(s),
            _ => Annotation::Assumption(s),
        })
    }

    fn parameter(&self, p: Pair<Rule>) -> Parameter {
        let span = self.span(&p);
        let mut name = self.missing_ident(span);
        let mut label = None;
        let mut ty = None;
        let mut value = None;
        let mut annotations = Vec::new();
        let mut dated = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = self.ident(c),
                Rule::string => label = Some(self.string(c)),
                Rule::type_ann => ty = self.type_ann(c),
                Rule::expr => value = Some(self.expr(c)),
                Rule::dated_value => dated.push(self.dated_value(c)),
                Rule::source | Rule::interpretation | Rule::assumption => {
                    annotations.extend(self.annotation(c))
                }
                _ => {}
            }
        }
        Parameter {
            name,
            label,
            ty,
            value: value.unwrap_or(Expr {
                kind: ExprKind::Bool(false),
                span,
            }),
            annotations,
            dated,
            span,
        }
    }

    fn type_ann(&self, p: Pair<Rule>) -> Option<TypeExpr> {
        p.into_inner()
            .find(|c| c.as_rule() == Rule::type_expr)
            .map(|c| self.type_expr(c))
    }

    fn definition(&self, p: Pair<Rule>) -> Definition {
        let span = self.span(&p);
        let mut d = Definition {
            name: self.missing_ident(span),
            params: None,
            label: None,
            ty: None,
            body: Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            annotations: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => d.name = self.ident(c),
                Rule::params => {
                    let mut ps = Vec::new();
                    for x in c.into_inner() {
                        let mut name = self.missing_ident(span);
                        let mut ty = self.unknown_type(span);
                        for y in x.into_inner() {
                            match y.as_rule() {
                                Rule::ident => name = self.ident(y),
                                Rule::type_expr => ty = self.type_expr(y),
                                _ => {}
                            }
                        }
                        ps.push(Param { name, ty });
                    }
                    d.params = Some(ps);
                }
                Rule::string => d.label = Some(self.string(c)),
                Rule::type_ann => d.ty = self.type_ann(c),
                Rule::expr => d.body = self.expr(c),
                Rule::source | Rule::interpretation | Rule::assumption => {
                    d.annotations.extend(self.annotation(c))
                }
                _ => {}
            }
        }
        d
    }

    fn applies(&self, p: Pair<Rule>) -> Option<Expr> {
        p.into_inner()
            .find(|c| c.as_rule() == Rule::expr)
            .map(|c| self.expr(c))
    }

    fn article(&self, p: Pair<Rule>) -> Article {
        let span = self.span(&p);
        let mut a = Article {
            number: 0,
            number_span: span,
            title: None,
            dated: None,
            applies: None,
            items: Vec::new(),
            span,
            kind: if p.as_rule() == Rule::annex {
                PartKind::Annex
            } else {
                PartKind::Article
            },
            item_style: None,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::integer => {
                    a.number = self.integer(&c);
                    a.number_span = self.span(&c);
                }
                Rule::cn_article | Rule::cn_annex => {
                    if let Some((n, s)) = self.heading(c, "an article number") {
                        a.number = n;
                        a.number_span = s;
                    }
                }
                Rule::item_style => {
                    a.item_style = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::string)
                        .map(|x| self.string(x))
                }
                Rule::annex_item => a.items.push(ArticleItem::Clause(self.clause(c))),
                Rule::string => a.title = Some(self.string(c)),
                Rule::dating => a.dated = self.dating(c),
                Rule::applies => a.applies = self.applies(c),
                Rule::text_item => {
                    if let Some(s) = self.text_item(c) {
                        a.items.push(ArticleItem::Text(s))
                    }
                }
                Rule::clause => a.items.push(ArticleItem::Clause(self.clause(c))),
                Rule::parameter => a.items.push(ArticleItem::Parameter(self.parameter(c))),
                Rule::definition => a.items.push(ArticleItem::Definition(self.definition(c))),
                Rule::decision => a.items.push(ArticleItem::Decision(self.decision(c))),
                Rule::rule_item => a.items.push(ArticleItem::Rule(self.rule(c))),
                _ => {}
            }
        }
        a
    }

    fn numeral(&self, p: Pair<Rule>) -> Numeral {
        Numeral {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn chapter(&self, p: Pair<Rule>) -> Chapter {
        let span = self.span(&p);
        let mut ch = Chapter {
            number: Numeral {
                text: String::new(),
                span,
            },
            title: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::numeral => ch.number = self.numeral(c),
                Rule::cn_chapter => {
                    if let Some(n) = c.into_inner().find(|x| x.as_rule() == Rule::numeral) {
                        ch.number = self.numeral(n);
                    }
                }
                Rule::string => ch.title = Some(self.string(c)),
                _ => {}
            }
        }
        ch
    }

    fn text_item(&self, p: Pair<Rule>) -> Option<Str> {
        p.into_inner()
            .find(|c| c.as_rule() == Rule::string)
            .map(|c| self.string(c))
    }

    fn clause(&self, p: Pair<Rule>) -> Clause {
        let span = self.span(&p);
        let mut cl = Clause {
            number: 0,
            number_span: span,
            title: None,
            alias: None,
            dated: None,
            applies: None,
            items: Vec::new(),
            span,
            numeral: None,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::integer => {
                    cl.number = self.integer(&c);
                    cl.number_span = self.span(&c);
                }
                Rule::cn_clause => {
                    if let Some((n, s)) = self.heading(c, "a clause number") {
                        cl.number = n;
                        cl.number_span = s;
                    }
                }
                Rule::numeral | Rule::cn_item => {
                    let c = match c.as_rule() {
                        Rule::cn_item => {
                            match c.into_inner().find(|x| x.as_rule() == Rule::numeral) {
                                Some(n) => n,
                                None => continue,
                            }
                        }
                        _ => c,
                    };
                    let n = self.numeral(c);
                    cl.number = n.value().unwrap_or(0);
                    cl.number_span = n.span;
                    cl.numeral = Some(n);
                }
                Rule::not_assessed => {
                    let span = self.span(&c);
                    let mut strings = c
                        .into_inner()
                        .filter(|x| x.as_rule() == Rule::string)
                        .map(|x| self.string(x));
                    let blank = Str {
                        value: String::new(),
                        span,
                    };
                    let phrase = strings.next().unwrap_or_else(|| blank.clone());
                    let reason = strings.next().unwrap_or(blank);
                    cl.items.push(ClauseItem::NotAssessed(NotAssessed {
                        phrase,
                        reason,
                        span,
                    }))
                }
                Rule::string => cl.title = Some(self.string(c)),
                Rule::dating => cl.dated = self.dating(c),
                Rule::clause_alias => {
                    cl.alias = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::ident)
                        .map(|x| self.ident(x))
                }
                Rule::applies => cl.applies = self.applies(c),
                Rule::text_item => {
                    if let Some(s) = self.text_item(c) {
                        cl.items.push(ClauseItem::Text(s))
                    }
                }
                Rule::parameter => cl.items.push(ClauseItem::Parameter(self.parameter(c))),
                Rule::definition => cl.items.push(ClauseItem::Definition(self.definition(c))),
                Rule::rule_item => cl.items.push(ClauseItem::Rule(self.rule(c))),
                _ => {}
            }
        }
        cl
    }

    fn rule(&self, p: Pair<Rule>) -> RuleDecl {
        let span = self.span(&p);
        let mut r = RuleDecl {
            kind: RuleKind::Rule,
            title: Str {
                value: String::new(),
                span,
            },
            dated: None,
            when: None,
            body: Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            annotations: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::rule_kind
                    if c.clone()
                        .into_inner()
                        .any(|k| k.as_rule() == Rule::kw_guideline) =>
                {
                    r.kind = RuleKind::Guideline
                }
                Rule::string => r.title = self.string(c),
                Rule::dating => r.dated = self.dating(c),
                Rule::rule_when => {
                    r.when = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::expr)
                        .map(|x| self.expr(x))
                }
                Rule::expr => r.body = self.expr(c),
                Rule::source | Rule::interpretation | Rule::assumption => {
                    r.annotations.extend(self.annotation(c))
                }
                _ => {}
            }
        }
        r
    }

    fn decision(&self, p: Pair<Rule>) -> Decision {
        let span = self.span(&p);
        let mut d = Decision {
            name: self.missing_ident(span),
            label: None,
            dated: None,
            ty: None,
            body: Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            annotations: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => d.name = self.ident(c),
                Rule::string => d.label = Some(self.string(c)),
                Rule::dating => d.dated = self.dating(c),
                Rule::type_ann => d.ty = self.type_ann(c),
                Rule::expr => d.body = self.expr(c),
                Rule::source | Rule::interpretation | Rule::assumption => {
                    d.annotations.extend(self.annotation(c))
                }
                _ => {}
            }
        }
        d
    }

    // ── expressions ──

    fn expr(&self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::expr => match p.into_inner().next() {
                Some(c) => self.expr(c),
                None => self.bad(span),
            },
            Rule::or_expr => self.left_assoc(p, |_| BinOp::Or),
            Rule::and_expr => self.left_assoc(p, |_| BinOp::And),
            Rule::not_expr => {
                let mut nots = 0;
                let mut inner = None;
                for c in p.into_inner() {
                    if c.as_rule() == Rule::not_op {
                        nots += 1;
                    } else {
                        inner = Some(self.expr(c));
                    }
                }
                let mut e = inner.unwrap_or_else(|| self.bad(span));
                for _ in 0..nots {
                    e = Expr {
                        kind: ExprKind::Not(Box::new(e)),
                        span,
                    };
                }
                e
            }
            Rule::cmp_expr => {
                let mut it = p.into_inner();
                let lhs = it
                    .next()
                    .map(|c| self.expr(c))
                    .unwrap_or_else(|| self.bad(span));
                match (it.next(), it.next()) {
                    (Some(op), Some(rhs)) => {
                        let op = match op.as_str() {
                            ">=" | "≥" => BinOp::Ge,
                            "<=" | "≤" => BinOp::Le,
                            "!=" | "≠" => BinOp::Ne,
                            "=" => BinOp::Eq,
                            ">" => BinOp::Gt,
                            "<" => BinOp::Lt,
                            _ => BinOp::In,
                        };
                        Expr {
                            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(self.expr(rhs))),
                            span,
                        }
                    }
                    _ => lhs,
                }
            }
            Rule::add_expr => {
                self.left_assoc(p, |s| if s == "+" { BinOp::Add } else { BinOp::Sub })
            }
            Rule::mul_expr => self.left_assoc(p, |s| {
                if s == "*" || s == "×" {
                    BinOp::Mul
                } else {
                    BinOp::Div
                }
            }),
            Rule::unary => {
                let mut negs = 0;
                let mut inner = None;
                for c in p.into_inner() {
                    if c.as_rule() == Rule::neg_op {
                        negs += 1;
                    } else {
                        inner = Some(self.expr(c));
                    }
                }
                let mut e = inner.unwrap_or_else(|| self.bad(span));
                for _ in 0..negs {
                    e = Expr {
                        kind: ExprKind::Neg(Box::new(e)),
                        span,
                    };
                }
                e
            }
            Rule::postfix => {
                let mut it = p.into_inner();
                let mut e = it
                    .next()
                    .map(|c| self.expr(c))
                    .unwrap_or_else(|| self.bad(span));
                for c in it {
                    let cs = self.span(&c);
                    let whole = Span::new(self.file, e.span.start as usize, cs.end as usize);
                    match c.as_rule() {
                        Rule::index => {
                            let idx = c
                                .into_inner()
                                .next()
                                .map(|x| self.expr(x))
                                .unwrap_or_else(|| self.bad(cs));
                            e = Expr {
                                kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                                span: whole,
                            };
                        }
                        _ => {
                            let f = c
                                .into_inner()
                                .next()
                                .map(|x| self.ident(x))
                                .unwrap_or_else(|| self.missing_ident(cs));
                            e = Expr {
                                kind: ExprKind::Field(Box::new(e), f),
                                span: whole,
                            };
                        }
                    }
                }
                e
            }
            Rule::paren => {
                let inner = p
                    .into_inner()
                    .next()
                    .map(|c| self.expr(c))
                    .unwrap_or_else(|| self.bad(span));
                Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span,
                }
            }
            Rule::list_lit => Expr {
                kind: ExprKind::List(p.into_inner().map(|c| self.expr(c)).collect()),
                span,
            },
            Rule::if_expr => {
                let mut parts = p.into_inner().filter(|c| c.as_rule() == Rule::expr);
                let c = parts
                    .next()
                    .map(|x| self.expr(x))
                    .unwrap_or_else(|| self.bad(span));
                let t = parts
                    .next()
                    .map(|x| self.expr(x))
                    .unwrap_or_else(|| self.bad(span));
                let e = parts
                    .next()
                    .map(|x| self.expr(x))
                    .unwrap_or_else(|| self.bad(span));
                Expr {
                    kind: ExprKind::If(Box::new(c), Box::new(t), Box::new(e)),
                    span,
                }
            }
            Rule::quantifier | Rule::count_expr => {
                let is_count = p.as_rule() == Rule::count_expr;
                let r = self.ranged(p, span);
                let kind = match r.keyword {
                    Some(Rule::kw_any) => Quant::Any,
                    Some(Rule::kw_none) => Quant::None,
                    _ => Quant::Every,
                };
                let kind = if is_count {
                    ExprKind::Count {
                        var: r.var,
                        over: r.over,
                        filter: r.filter,
                    }
                } else {
                    ExprKind::Quantifier {
                        kind,
                        var: r.var,
                        over: r.over,
                        filter: r.filter,
                        body: Box::new(r.tail.unwrap_or_else(|| self.bad(span))),
                    }
                };
                Expr { kind, span }
            }
            Rule::aggregate => {
                let r = self.ranged(p, span);
                let kind = match r.keyword {
                    Some(Rule::kw_mean) => Agg::Mean,
                    Some(Rule::kw_min) => Agg::Min,
                    Some(Rule::kw_max) => Agg::Max,
                    _ => Agg::Sum,
                };
                Expr {
                    kind: ExprKind::Aggregate {
                        kind,
                        var: r.var,
                        over: r.over,
                        filter: r.filter,
                        body: Box::new(r.tail.unwrap_or_else(|| self.bad(span))),
                    },
                    span,
                }
            }
            Rule::pick_expr => {
                let r = self.ranged(p, span);
                Expr {
                    kind: ExprKind::Pick {
                        latest: r.keyword != Some(Rule::kw_earliest),
                        var: r.var,
                        over: r.over,
                        filter: r.filter,
                        key: Box::new(r.tail.unwrap_or_else(|| self.bad(span))),
                    },
                    span,
                }
            }
            Rule::call => {
                let mut it = p.into_inner();
                let name = it
                    .next()
                    .and_then(|head| head.into_inner().next())
                    .map(|c| Ident {
                        // `any(…)` and `latest(…)` are keywords used as functions, in any
                        // keyword set.
                        name: match c.as_rule() {
                            Rule::kw_any => "any".to_string(),
                            Rule::kw_latest => "latest".to_string(),
                            _ => c.as_str().to_string(),
                        },
                        span: self.span(&c),
                    })
                    .unwrap_or_else(|| self.missing_ident(span));
                Expr {
                    kind: ExprKind::Call(name, it.map(|c| self.expr(c)).collect()),
                    span,
                }
            }
            Rule::item_ref => {
                let n = p
                    .into_inner()
                    .flatten()
                    .find(|c| c.as_rule() == Rule::numeral)
                    .map(|c| self.numeral(c))
                    .unwrap_or(Numeral {
                        text: String::new(),
                        span,
                    });
                Expr {
                    kind: ExprKind::ItemRef(n),
                    span,
                }
            }
            Rule::clause_ref => {
                let n = p
                    .into_inner()
                    .flatten()
                    .find_map(|c| match c.as_rule() {
                        Rule::integer => Some(self.integer(&c)),
                        Rule::head_number => Some(self.head_number(&c, "a clause number")),
                        _ => None,
                    })
                    .unwrap_or(0);
                Expr {
                    kind: ExprKind::ClauseRef(n),
                    span,
                }
            }
            Rule::path => Expr {
                kind: ExprKind::Path(
                    p.into_inner()
                        .map(|c| match c.as_rule() {
                            Rule::cn_part_ref => self.part_ref(c),
                            _ => self.ident(c),
                        })
                        .collect(),
                ),
                span,
            },
            Rule::quantity => {
                let mut it = p.into_inner();
                let text = it
                    .next()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default();
                let unit = it.next().map(|c| self.ident(c));
                match exact_decimal(&text) {
                    Some(value) => Expr {
                        kind: ExprKind::Quantity { value, text, unit },
                        span,
                    },
                    // Too many digits for an exact decimal: the checker reports it.
                    None => Expr {
                        kind: ExprKind::Quantity {
                            value: Decimal::MAX,
                            text,
                            unit,
                        },
                        span,
                    },
                }
            }
            Rule::date_lit => Expr {
                kind: ExprKind::Date(p.as_str().to_string()),
                span,
            },
            Rule::month_day => {
                let s = p.as_str();
                let digits: Vec<u32> = s
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|x| !x.is_empty())
                    .map(|x| x.parse().unwrap_or(0))
                    .collect();
                Expr {
                    kind: ExprKind::MonthDay {
                        month: digits.first().copied().unwrap_or(0),
                        day: digits.get(1).copied().unwrap_or(0),
                    },
                    span,
                }
            }
            Rule::string => Expr {
                kind: ExprKind::Str(self.string(p).value),
                span,
            },
            Rule::true_lit => Expr {
                kind: ExprKind::Bool(true),
                span,
            },
            Rule::false_lit => Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            Rule::today => Expr {
                kind: ExprKind::Today,
                span,
            },
            Rule::none_lit => Expr {
                kind: ExprKind::NoneLit,
                span,
            },
            _ => self.bad(span),
        }
    }

    /// The parts every `KEYWORD x in L where F …` form shares: the keyword (`every`,
    /// `any`, `none`, `latest`, `earliest`; none for `count`), the variable, the list,
    /// the filter, and what follows (a body after `:`, a key after `by`).
    fn ranged(&self, p: Pair<Rule>, span: Span) -> Ranged {
        let mut r = Ranged {
            keyword: None,
            var: self.missing_ident(span),
            over: Box::new(self.bad(span)),
            filter: None,
            tail: None,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::quant_kind | Rule::pick_kind | Rule::agg_kind => {
                    r.keyword = c.into_inner().next().map(|k| k.as_rule())
                }
                Rule::ident => r.var = self.ident(c),
                Rule::postfix => r.over = Box::new(self.expr(c)),
                Rule::filter => {
                    r.filter = c
                        .into_inner()
                        .find(|x| x.as_rule() == Rule::expr)
                        .map(|x| Box::new(self.expr(x)))
                }
                Rule::expr | Rule::add_expr => r.tail = Some(self.expr(c)),
                _ => {}
            }
        }
        r
    }

    fn bad(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Bool(false),
            span,
        }
    }

    fn left_assoc(&self, p: Pair<Rule>, op_of: impl Fn(&str) -> BinOp) -> Expr {
        let span = self.span(&p);
        let mut it: Pairs = p.into_inner();
        let mut e = it
            .next()
            .map(|c| self.expr(c))
            .unwrap_or_else(|| self.bad(span));
        while let Some(op) = it.next() {
            let Some(rhs) = it.next() else { break };
            let rhs = self.expr(rhs);
            let whole = Span::new(self.file, e.span.start as usize, rhs.span.end as usize);
            e = Expr {
                kind: ExprKind::Binary(op_of(op.as_str()), Box::new(e), Box::new(rhs)),
                span: whole,
            };
        }
        e
    }
}
