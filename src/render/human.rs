//! The report for a policy officer: each article, clause and rule with ✓ ✗ ? –,
//! the values compared, how far from the threshold, what is missing, and where the
//! rule stands in its file.

use super::*;
use crate::eval::{Check, Read, Shown, Side, Value};
use crate::ir::Ty;
use crate::render::printable::printable;
use crate::syntax::ast::BinOp;
use std::fmt::Write as _;

/// Terminal styling; all empty when output is not a terminal.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

fn mark(o: Outcome, st: Style) -> String {
    match o {
        Outcome::Met => st.green("✓"),
        Outcome::NotMet => st.red("✗"),
        Outcome::Undetermined => st.yellow("?"),
        Outcome::NotApplicable => st.dim("–"),
    }
}

/// The language of the report's own words (labels and titles come from the rule files).
pub use crate::diag::Lang;

/// The report's words in `lang`, keyed by their English text; `{}` stands for a value.
fn t(lang: Lang, en: &'static str) -> &'static str {
    if lang == Lang::En {
        // Keys that only Chinese tells apart.
        return match en {
            "{} before (today)" => "{} before",
            "{} after (today)" => "{} after",
            "on the deadline" => "the same day",
            "{} early" => "{} to spare",
            _ => en,
        };
    }
    match en {
        "met" => "满足",
        "not met" => "不满足",
        "undetermined" => "无法判定",
        "not applicable" => "不适用",
        "yes" => "是",
        "no" => "否",
        "unknown" => "缺少数据",
        "short by {}" => "差{}",
        "{} above" => "高出{}",
        "over by {}" => "超出上限{}",
        "{} below" => "低于上限{}",
        "exactly at the threshold" => "恰好等于门槛",
        "{} lower" => "低{}",
        "{} higher" => "高{}",
        "equal" => "相等",
        "{} late" => "逾期{}",
        "{} early" => "提前{}",
        "on the deadline" => "截止日当天",
        "{} to spare" => "尚余{}",
        "{} past" => "已过{}",
        "{} before (today)" => "尚余{}",
        "{} after (today)" => "已过{}",
        "{} before" => "在其前{}",
        "{} after" => "在其后{}",
        "the same day" => "同一天",
        "1 day" => "1天",
        "{} days" => "{}天",
        "{} percentage points" => "{}个百分点",
        "in force {} · evaluated as of {}" => "施行期限 {} · 评价日 {}",
        "{} to {}" => "{}至{}",
        "in force from {} · evaluated as of {}" => "自{}起施行 · 评价日 {}",
        "version “{}” · " => "版本“{}” · ",
        "version “{}”" => "版本“{}”",
        "from {}" => "自{}起",
        "evaluated as of {}" => "评价日 {}",
        " (guideline)" => "（指导性要求）",
        "… and {} more comparisons" => "……另有{}项比较未列出",
        "Warnings" => "提示",
        "Assumptions (not in the measures)" => "假定（办法未作规定）",
        "missing:" => "缺少：",
        "because:" => "原因：",
        "guideline not met: {}" => "未达到指导性要求：{}",
        "; the reviewers should give the reason" => "；请评审说明理由",
        "left to the reviewers:" => "留待评审：",
        _ => en,
    }
}

fn sep(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    }
}

fn t1(lang: Lang, en: &'static str, a: &str) -> String {
    t(lang, en).replacen("{}", a, 1)
}

fn word(o: Outcome, lang: Lang) -> &'static str {
    t(
        lang,
        match o {
            Outcome::Met => "met",
            Outcome::NotMet => "not met",
            Outcome::Undetermined => "undetermined",
            Outcome::NotApplicable => "not applicable",
        },
    )
}

/// A value: a category by its label under `--lang zh`, by its name and label in English.
fn show(s: &Shown, lang: Lang) -> String {
    match (&s.label, lang) {
        (Some(l), Lang::Zh) => l.clone(),
        (Some(l), Lang::En) => format!("{} ({l})", s.value),
        (None, _) => format!("{}{}", s.value, s.unit),
    }
}

fn negate(op: BinOp) -> BinOp {
    match op {
        BinOp::Ge => BinOp::Lt,
        BinOp::Gt => BinOp::Le,
        BinOp::Le => BinOp::Gt,
        BinOp::Lt => BinOp::Ge,
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        o => o,
    }
}

/// The magnitude of a shown number: `-1.6` → `1.6`, `≈-0.0181` → `≈0.0181`.
fn strip_minus(s: &str) -> String {
    match s.strip_prefix('≈') {
        Some(rest) => format!("≈{}", rest.strip_prefix('-').unwrap_or(rest)),
        None => s.strip_prefix('-').unwrap_or(s).to_string(),
    }
}

/// `2022: 28.40亿元 < 30亿元, short by 1.60亿元`
pub fn check_line(c: &Check) -> String {
    check_line_with(c, None)
}

/// A check line; `expr` (the compared expression's text) is added for date and
/// yes/no checks, whose values alone do not say what was compared.
pub fn check_line_with(c: &Check, expr: Option<&str>) -> String {
    check_line_in(c, expr, Lang::En)
}

/// A check line in `lang`.
pub fn check_line_in(c: &Check, expr: Option<&str>, lang: Lang) -> String {
    check_line_for(c, expr, lang, None)
}

/// The label of the fact or decision a yes/no check read, as the rule files declare it:
/// a fact's or decision's label, a clause's heading and title.
fn read_label(p: &Program, c: &Check) -> Option<String> {
    match c.read? {
        Read::Fact(f) => p.facts.get(f)?.label.clone(),
        Read::Decision(id) => {
            let d = p.decisions.get(id)?;
            if let DecisionKind::Clause(ci) = d.kind {
                let a = p.articles.get(d.article)?;
                let cl = a.clauses.get(ci)?;
                let title = cl.title.as_deref().unwrap_or_default();
                return Some(format!("{}{title}", a.clause_heading(cl)));
            }
            d.label.clone()
        }
    }
}

/// An expression's text with the names a person reads in Chinese: `today` as 评价日,
/// a fact by its label.
fn zh_expr(p: &Program, expr: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let named = if word == "today" {
            Some("评价日".to_string())
        } else {
            p.facts
                .iter()
                .find(|f| f.name == *word)
                .and_then(|f| f.label.clone())
        };
        out.push_str(named.as_deref().unwrap_or(word));
        word.clear();
    };
    for ch in expr.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '.' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A check line in `lang`; with the program, under `--lang zh`, what was read or
/// compared is named by its label.
pub fn check_line_for(c: &Check, expr: Option<&str>, lang: Lang, p: Option<&Program>) -> String {
    let zh_names = if lang == Lang::Zh { p } else { None };
    let colon = if lang == Lang::Zh { "：" } else { ": " };
    let mut out = String::new();
    if !c.bindings.is_empty() {
        let b: Vec<&str> = c.bindings.iter().map(|(_, v)| v.as_str()).collect();
        let _ = write!(out, "{}{colon}", b.join(sep(lang)));
    }
    if c.right.is_none() && c.op == BinOp::Eq {
        // A yes/no fact or a decision that was read.
        let v = c.left.as_ref().map(|l| match l.value.as_str() {
            "true" => t(lang, "yes").to_string(),
            "false" => t(lang, "no").to_string(),
            _ => show(l, lang),
        });
        let name = zh_names
            .and_then(|p| read_label(p, c))
            .unwrap_or_else(|| expr.unwrap_or("?").to_string());
        // A decision without a value is an outcome the facts do not decide; a fact
        // without one is data that is missing.
        let absent = match c.read {
            Some(Read::Decision(_)) => t(lang, "undetermined"),
            _ => t(lang, "unknown"),
        };
        let _ = write!(out, "{name} = {}", v.unwrap_or_else(|| absent.into()));
        return out;
    }
    if let (Some(e), Some(m)) = (expr, &c.margin) {
        if m.unit == "days" {
            let e = match zh_names {
                Some(p) => zh_expr(p, e),
                None => e.to_string(),
            };
            let _ = write!(out, "{e}{colon}");
        }
    }
    let (l, r) = match (&c.left, &c.right) {
        (Some(l), Some(r)) => (show(l, lang), show(r, lang)),
        (l, r) => {
            let l = l
                .as_ref()
                .map(|x| show(x, lang))
                .unwrap_or_else(|| t(lang, "unknown").into());
            let r = r
                .as_ref()
                .map(|x| show(x, lang))
                .unwrap_or_else(|| t(lang, "unknown").into());
            let _ = write!(
                out,
                "{l} {} {r}{colon}{}",
                c.op.symbol(),
                t(lang, "undetermined")
            );
            return out;
        }
    };
    let op = match c.holds {
        Some(false) => negate(c.op),
        _ => c.op,
    };
    let _ = write!(out, "{l} {} {r}", op.symbol());
    if c.holds.is_none() {
        // Both sides are (partly) known, yet they do not decide it.
        let _ = write!(out, "{colon}{}", t(lang, "undetermined"));
        return out;
    }
    if let Some(m) = &c.margin {
        if let Some(text) = margin_words(c, m, lang) {
            let _ = write!(out, "{}{text}", sep(lang));
        }
    }
    out
}

/// A check line as the human report writes it under `lang`, naming what was read or
/// compared by its label under Chinese (for the XLSX and HTML reports, which must say the
/// same).
pub fn check_text(p: &Program, c: &Check, expr: &str, lang: Lang) -> String {
    check_line_for(c, Some(expr), lang, Some(p))
}

/// The word for an outcome: met / 满足, not met / 不满足, undetermined / 无法判定,
/// not applicable / 不适用 (docs/glossary.md).
pub fn outcome_word(o: Outcome, lang: Lang) -> &'static str {
    word(o, lang)
}

/// A decision's value in words: yes/no (是/否), a category by its label.
pub fn value_words(p: &Program, v: &Value, ty: &Ty, lang: Lang) -> String {
    value_text(p, v, ty, lang)
}

/// How far the compared values are apart, in words that fit the comparison: to a limit
/// the rule states (`short by`, `over by`; 差, 超出上限), to a deadline (`to spare`,
/// `late`; 提前, 逾期), or between two values (`lower`, `higher`; 低, 高).
fn margin_words(c: &Check, m: &Shown, lang: Lang) -> Option<String> {
    let neg = m.value.trim_start_matches('≈').starts_with('-');
    let zero = m
        .value
        .trim_start_matches(['≈', '-'])
        .chars()
        .all(|ch| ch == '0' || ch == '.');
    let (left, right) = c.sides;
    let upper = matches!(c.op, BinOp::Le | BinOp::Lt);
    let lower = matches!(c.op, BinOp::Ge | BinOp::Gt);
    if m.unit == "days" {
        let n = strip_minus(&m.value);
        let days = if n == "1" {
            t(lang, "1 day").to_string()
        } else {
            t1(lang, "{} days", &n)
        };
        let text = if left == Side::Today {
            // How long until, or since, a date: a period still running or run out.
            match (zero, neg, upper) {
                (true, _, _) => t(lang, "the same day").to_string(),
                (false, true, true) => t1(lang, "{} to spare", &days),
                (false, false, true) => t1(lang, "{} past", &days),
                (false, true, false) => t1(lang, "{} before (today)", &days),
                (false, false, false) => t1(lang, "{} after (today)", &days),
            }
        } else if right == Side::Stated && upper {
            // A date held against a deadline the rule states.
            match (zero, neg) {
                (true, _) => t(lang, "on the deadline").to_string(),
                (false, true) => t1(lang, "{} early", &days),
                (false, false) => t1(lang, "{} late", &days),
            }
        } else {
            match (zero, neg) {
                (true, _) => t(lang, "the same day").to_string(),
                (false, true) => t1(lang, "{} before", &days),
                (false, false) => t1(lang, "{} after", &days),
            }
        };
        return Some(text);
    }
    let amount = if m.unit == crate::eval::PERCENTAGE_POINTS {
        t1(lang, "{} percentage points", &strip_minus(&m.value))
    } else {
        format!("{}{}", strip_minus(&m.value), m.unit)
    };
    if right == Side::Stated && (upper || lower) {
        // A threshold the rule states: a lower limit for >= and >, an upper one for <= and <.
        if zero {
            return matches!(c.op, BinOp::Ge | BinOp::Le)
                .then(|| t(lang, "exactly at the threshold").to_string());
        }
        return Some(match (lower, neg) {
            (true, true) => t1(lang, "short by {}", &amount),
            (true, false) => t1(lang, "{} above", &amount),
            (false, false) => t1(lang, "over by {}", &amount),
            (false, true) => t1(lang, "{} below", &amount),
        });
    }
    if !(upper || lower) {
        return None;
    }
    // Two values from the facts: no limit, only which is higher and by how much.
    Some(match (zero, neg) {
        (true, _) => t(lang, "equal").to_string(),
        (false, true) => t1(lang, "{} lower", &amount),
        (false, false) => t1(lang, "{} higher", &amount),
    })
}

fn value_text(p: &Program, v: &Value, ty: &Ty, lang: Lang) -> String {
    match v {
        Value::Bool(true) => t(lang, "yes").into(),
        Value::Bool(false) => t(lang, "no").into(),
        Value::Enum(i) => {
            if let Ty::Enum(e) = ty {
                if let Some((n, l)) = p.enums.get(*e).and_then(|d| d.variants.get(*i)) {
                    return match (l, lang) {
                        (Some(l), Lang::Zh) => l.clone(),
                        (Some(l), Lang::En) => format!("{n} ({l})"),
                        (None, _) => n.clone(),
                    };
                }
            }
            i.to_string()
        }
        other => match json::value(p, other, ty) {
            serde_json::Value::String(s) => s,
            j => j.to_string(),
        },
    }
}

/// The whole human report, in English words.
pub fn render(r: &Report, st: Style) -> String {
    render_in(r, st, Lang::En)
}

/// The whole human report, its own words in `lang`.
pub fn render_in(r: &Report, st: Style, lang: Lang) -> String {
    let p = r.program;
    let mut o = String::new();
    let h = &p.header;
    let _ = write!(o, "{}", st.bold(&printable(&h.title)));
    if let Some(d) = &h.document {
        let _ = write!(o, "（{}）", printable(d));
    }
    o.push('\n');
    let mut line = String::new();
    if let Some(v) = &h.version {
        line.push_str(&t1(lang, "version “{}” · ", &printable(v)));
    }
    let as_of = r.evaluation.as_of.to_string();
    match (h.in_force.from, h.in_force.until) {
        (Some(a), Some(b)) => {
            let period = t(lang, "{} to {}")
                .replacen("{}", &a.to_string(), 1)
                .replacen("{}", &b.to_string(), 1);
            line.push_str(
                &t(lang, "in force {} · evaluated as of {}")
                    .replacen("{}", &period, 1)
                    .replacen("{}", &as_of, 1),
            );
        }
        (Some(a), None) => line.push_str(
            &t(lang, "in force from {} · evaluated as of {}")
                .replacen("{}", &a.to_string(), 1)
                .replacen("{}", &as_of, 1),
        ),
        _ => line.push_str(&t1(lang, "evaluated as of {}", &as_of)),
    }
    let _ = writeln!(o, "{line}");
    // Parameters with values by date or version: the value in force, and its words.
    for slot in &p.slots {
        let Some(d) = &slot.dated else { continue };
        let when = match (&d.version, d.from) {
            (Some(v), _) => t1(lang, "version “{}”", &printable(v)),
            (None, Some(f)) => t1(lang, "from {}", &f.to_string()),
            (None, None) => String::new(),
        };
        let source = d
            .source
            .as_ref()
            .map(|s| format!(" · {}", printable(s)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {} = {} · {when}{source}",
            printable(&slot.name),
            printable(&d.value)
        );
    }
    let mut chapter: Option<&crate::ir::ChapterDef> = None;
    for (ai, a) in p.articles.iter().enumerate() {
        o.push('\n');
        if a.chapter.is_some() && a.chapter.as_ref() != chapter {
            let _ = writeln!(
                o,
                "{}",
                st.bold(&printable(
                    &a.chapter.as_ref().map(|c| c.heading()).unwrap_or_default()
                ))
            );
        }
        chapter = a.chapter.as_ref();
        let title = printable(a.title.as_deref().unwrap_or_default()).into_owned();
        let _ = writeln!(o, "{}", st.bold(&format!("{} {title}", a.heading())));
        // Decisions of the article that are not clauses: value first.
        let article_decisions: Vec<usize> = p
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.article == ai)
            .map(|(i, _)| i)
            .collect();
        for &id in &article_decisions {
            let (Some(d), Some(res)) = (p.decisions.get(id), r.result(id)) else {
                continue;
            };
            if !matches!(d.kind, DecisionKind::Expr(_)) {
                continue;
            }
            let label = printable(d.label.as_deref().unwrap_or_default()).into_owned();
            let val = match (&res.status, &res.value) {
                (Status::Decided, Some(v)) => {
                    printable(&value_text(p, v, &d.ty, lang)).into_owned()
                }
                (Status::NotApplicable, _) => st.dim(t(lang, "not applicable")),
                _ => st.yellow(t(lang, "undetermined")),
            };
            match lang {
                Lang::En => {
                    let _ = writeln!(
                        o,
                        "  {} {label}: {val}",
                        st.dim(&format!("{} =", printable(&d.name)))
                    );
                }
                // The label first; the id once, for whoever reads the JSON beside it.
                Lang::Zh => {
                    let _ = writeln!(
                        o,
                        "  {label}：{val}  {}",
                        st.dim(&format!("[{}]", printable(&d.name)))
                    );
                }
            }
            if res.status == Status::Undetermined {
                missing_lines(r, &res.why, "      ", &mut o, st, lang);
            }
            if res.status != Status::NotApplicable {
                for c in &res.checks {
                    let _ = writeln!(
                        o,
                        "      {}",
                        st.dim(&printable(&check_line_for(
                            c,
                            Some(&r.text(c.span)),
                            lang,
                            Some(p)
                        )))
                    );
                }
            }
        }
        for c in &a.clauses {
            let id = c.decision;
            let (Some(d), Some(res)) = (p.decisions.get(id), r.result(id)) else {
                continue;
            };
            let outcome = res.outcome();
            let title = printable(c.title.as_deref().unwrap_or_default()).into_owned();
            let _ = writeln!(
                o,
                "  {} {}{title}  {}",
                mark(outcome, st),
                a.clause_heading(c),
                st.dim(&match lang {
                    Lang::En => format!("{}: {}", printable(&d.name), word(outcome, lang)),
                    Lang::Zh => format!("{}  [{}]", word(outcome, lang), printable(&d.name)),
                })
            );
            if res.status == Status::NotApplicable && res.rules.is_empty() {
                continue;
            }
            for (rule, rr) in c.rules.iter().zip(&res.rules) {
                let (file, line, _) = r.place(rule.span);
                let kind = if rule.kind == RuleKind::Guideline {
                    t(lang, " (guideline)")
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "      {} {}{kind}  {}",
                    mark(rr.outcome, st),
                    printable(&rule.title),
                    st.dim(&format!("{}:{line}", printable(&file)))
                );
                if rr.outcome == Outcome::NotApplicable {
                    continue;
                }
                for ch in &rr.checks {
                    let _ = writeln!(
                        o,
                        "          {}",
                        printable(&check_line_for(ch, Some(&r.text(ch.span)), lang, Some(p)))
                    );
                }
                if rr.checks_truncated > 0 {
                    let _ = writeln!(
                        o,
                        "          {}",
                        st.dim(&t1(
                            lang,
                            "… and {} more comparisons",
                            &rr.checks_truncated.to_string()
                        ))
                    );
                }
                if rr.outcome == Outcome::Undetermined {
                    missing_lines(r, &rr.why, "          ", &mut o, st, lang);
                }
            }
            // Beside a met clause: the words of its text that no rule tested.
            if outcome == Outcome::Met {
                for n in &c.not_assessed {
                    let (open, close) = match lang {
                        Lang::En => (" (", ")"),
                        Lang::Zh => ("（", "）"),
                    };
                    let _ = writeln!(
                        o,
                        "      {}{}{}{}",
                        st.yellow(t(lang, "left to the reviewers:")),
                        if lang == Lang::Zh { "" } else { " " },
                        printable(&n.text),
                        st.dim(&format!("{open}{}{close}", printable(&n.reason)))
                    );
                }
            }
        }
    }
    let warnings = r.rule_warnings();
    if !warnings.is_empty() || !r.fact_warnings.is_empty() {
        o.push('\n');
        let _ = writeln!(o, "{}", st.bold(t(lang, "Warnings")));
        for w in &warnings {
            let (file, line, _) = r.place(w.span);
            let _ = writeln!(
                o,
                "  {} {} {}  {}",
                st.yellow("!"),
                printable(&w.heading),
                printable(&guideline_message(w, lang)),
                st.dim(&format!("{}:{line}", printable(&file)))
            );
        }
        for d in r.fact_warnings {
            let place = d
                .span
                .map(|s| {
                    let (f, l, _) = r.place(s);
                    format!("  {}", st.dim(&format!("{}:{l}", printable(&f))))
                })
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  {} {}{place}",
                st.yellow("!"),
                printable(d.message.get(lang))
            );
        }
    }
    let assumptions = r.assumptions();
    if !assumptions.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "{}",
            st.bold(t(lang, "Assumptions (not in the measures)"))
        );
        for a in assumptions {
            let _ = writeln!(o, "  • {}", printable(&a));
        }
    }
    o
}

fn guideline_message(w: &super::RuleWarning, lang: Lang) -> String {
    let detail = w
        .check
        .as_ref()
        .map(|c| {
            format!(
                "{}{}",
                if lang == Lang::Zh { "：" } else { ": " },
                check_line_in(c, None, lang)
            )
        })
        .unwrap_or_default();
    format!(
        "{}{detail}{}",
        t1(lang, "guideline not met: {}", &w.rule),
        t(lang, "; the reviewers should give the reason")
    )
}

fn missing_lines(
    r: &Report,
    why: &crate::eval::Why,
    indent: &str,
    o: &mut String,
    st: Style,
    lang: Lang,
) {
    if !why.details.is_empty() {
        let labelled: Vec<String> = why
            .details
            .iter()
            .map(|d| {
                let base = d.split(['[', '.']).next().unwrap_or(d);
                let label = r
                    .program
                    .facts
                    .iter()
                    .find(|f| f.name == *d || f.name == base)
                    .and_then(|f| f.label.clone());
                match (label, lang) {
                    (Some(l), Lang::En) => format!("{d} ({l})"),
                    (Some(l), Lang::Zh) => format!("{l}（{d}）"),
                    (None, _) => d.clone(),
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "{indent}{}{}{}",
            st.yellow(t(lang, "missing:")),
            if lang == Lang::Zh { "" } else { " " },
            printable(&labelled.join(sep(lang)))
        );
    }
    for reason in &why.reasons {
        let _ = writeln!(
            o,
            "{indent}{}{}{}",
            st.yellow(t(lang, "because:")),
            if lang == Lang::Zh { "" } else { " " },
            printable(&super::reasons::in_lang(reason, lang))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn shown(value: &str, unit: &str) -> Shown {
        Shown {
            value: value.into(),
            unit: unit.into(),
            label: None,
        }
    }

    /// `left op right` that holds or not, with the margin `left − right`.
    fn check(l: &str, op: BinOp, r: &str, unit: &str, margin: &str, sides: (Side, Side)) -> Check {
        let holds = {
            let num = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap_or_default();
            let (a, b) = (num(l), num(r));
            match op {
                BinOp::Ge => a >= b,
                BinOp::Gt => a > b,
                BinOp::Le => a <= b,
                _ => a < b,
            }
        };
        Check {
            span: Span {
                file: 0,
                start: 0,
                end: 0,
            },
            bindings: Vec::new(),
            left: Some(shown(l, unit)),
            op,
            right: Some(shown(r, unit)),
            holds: Some(holds),
            margin: Some(shown(margin, unit)),
            read: None,
            sides,
        }
    }

    fn both(c: &Check) -> (String, String) {
        (
            check_line_in(c, None, Lang::En),
            check_line_in(c, None, Lang::Zh),
        )
    }

    const FACTS: (Side, Side) = (Side::Value, Side::Value);
    const LIMIT: (Side, Side) = (Side::Value, Side::Stated);

    #[test]
    fn a_decline_between_two_values_has_no_limit() {
        let c = check("0.171", BinOp::Lt, "0.182", "吨/万元", "-0.011", FACTS);
        let (en, zh) = both(&c);
        assert_eq!(en, "0.171吨/万元 < 0.182吨/万元, 0.011吨/万元 lower");
        assert_eq!(zh, "0.171吨/万元 < 0.182吨/万元，低0.011吨/万元");
        assert!(!zh.contains("上限"));
        let c = check("0.175", BinOp::Lt, "0.171", "吨/万元", "0.004", FACTS);
        let (en, zh) = both(&c);
        assert_eq!(en, "0.175吨/万元 >= 0.171吨/万元, 0.004吨/万元 higher");
        assert_eq!(zh, "0.175吨/万元 >= 0.171吨/万元，高0.004吨/万元");
    }

    #[test]
    fn an_upper_limit_is_named_only_for_le_and_lt() {
        let c = check("8.3", BinOp::Le, "100", "平方公里", "-91.7", LIMIT);
        assert_eq!(
            both(&c).1,
            "8.3平方公里 <= 100平方公里，低于上限91.7平方公里"
        );
        let c = check("120", BinOp::Le, "100", "平方公里", "20", LIMIT);
        let (en, zh) = both(&c);
        assert_eq!(en, "120平方公里 > 100平方公里, over by 20平方公里");
        assert_eq!(zh, "120平方公里 > 100平方公里，超出上限20平方公里");
        // A lower limit: 差 and 高出, never 上限.
        let c = check("28.40", BinOp::Ge, "30", "亿元", "-1.60", LIMIT);
        let (en, zh) = both(&c);
        assert_eq!(en, "28.40亿元 < 30亿元, short by 1.60亿元");
        assert_eq!(zh, "28.40亿元 < 30亿元，差1.60亿元");
        let c = check("69.98", BinOp::Ge, "70", "", "≈-0.02", LIMIT);
        assert_eq!(both(&c).1, "69.98 < 70，差≈0.02");
        let c = check("31.20", BinOp::Ge, "30", "亿元", "1.20", LIMIT);
        assert_eq!(both(&c).1, "31.20亿元 >= 30亿元，高出1.20亿元");
    }

    fn dates(l: &str, op: BinOp, r: &str, holds: bool, days: &str, sides: (Side, Side)) -> Check {
        Check {
            holds: Some(holds),
            left: Some(shown(l, "")),
            right: Some(shown(r, "")),
            margin: Some(shown(days, "days")),
            op,
            ..check("0", op, "0", "", "0", sides)
        }
    }

    #[test]
    fn early_and_late_only_against_a_deadline() {
        // A report submitted before the deadline the rule states, and one after it.
        let c = dates("2025-03-28", BinOp::Le, "2025-04-10", true, "-13", LIMIT);
        let (en, zh) = both(&c);
        assert_eq!(en, "2025-03-28 <= 2025-04-10, 13 days to spare");
        assert_eq!(zh, "2025-03-28 <= 2025-04-10，提前13天");
        let c = dates("2025-04-13", BinOp::Le, "2025-04-10", false, "3", LIMIT);
        let (en, zh) = both(&c);
        assert_eq!(en, "2025-04-13 > 2025-04-10, 3 days late");
        assert_eq!(zh, "2025-04-13 > 2025-04-10，逾期3天");
        // Whether the deadline has passed on the evaluation date is no lateness.
        let today = (Side::Today, Side::Stated);
        let c = dates("2025-06-30", BinOp::Gt, "2025-04-10", true, "81", today);
        let (en, zh) = both(&c);
        assert_eq!(en, "2025-06-30 > 2025-04-10, 81 days after");
        assert_eq!(zh, "2025-06-30 > 2025-04-10，已过81天");
        assert!(!zh.contains('晚') && !zh.contains("逾期"));
        // A validity that ran out is past, not late.
        let c = dates(
            "2027-06-30",
            BinOp::Lt,
            "2027-03-20",
            false,
            "102",
            (Side::Today, Side::Value),
        );
        let (en, zh) = both(&c);
        assert_eq!(en, "2027-06-30 >= 2027-03-20, 102 days past");
        assert_eq!(zh, "2027-06-30 >= 2027-03-20，已过102天");
        // Two dates from the facts: before or after, nothing more.
        let c = dates(
            "2027-01-15",
            BinOp::Le,
            "2027-06-30",
            true,
            "-166",
            (Side::Value, Side::Today),
        );
        let (en, zh) = both(&c);
        assert_eq!(en, "2027-01-15 <= 2027-06-30, 166 days before");
        assert_eq!(zh, "2027-01-15 <= 2027-06-30，在其前166天");
    }

    #[test]
    fn a_missing_value_and_an_undetermined_outcome_have_their_own_words() {
        let mut c = check("0", BinOp::Ge, "15", "个", "0", LIMIT);
        c.left = None;
        c.holds = None;
        c.margin = None;
        let (en, zh) = both(&c);
        assert_eq!(en, "unknown >= 15个: undetermined");
        assert_eq!(zh, "缺少数据 >= 15个：无法判定");
        // A decision read without a value is an outcome, not a missing value.
        let read = Check {
            left: None,
            right: None,
            op: BinOp::Eq,
            holds: None,
            margin: None,
            read: Some(Read::Decision(0)),
            ..c.clone()
        };
        assert_eq!(
            check_line_in(&read, Some("clause 5"), Lang::Zh),
            "clause 5 = 无法判定"
        );
        let fact = Check {
            read: Some(Read::Fact(0)),
            ..read
        };
        assert_eq!(check_line_in(&fact, Some("x"), Lang::Zh), "x = 缺少数据");
    }
}
