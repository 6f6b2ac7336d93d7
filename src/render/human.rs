//! The report for a policy officer: each article, clause and rule with ✓ ✗ ? –,
//! the values compared, how far from the threshold, what is missing, and where the
//! rule stands in its file.

use super::*;
use crate::eval::{Check, Shown, Value};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// The report's words in `lang`, keyed by their English text; `{}` stands for a value.
fn t(lang: Lang, en: &'static str) -> &'static str {
    if lang == Lang::En {
        return en;
    }
    match en {
        "met" => "满足",
        "not met" => "不满足",
        "undetermined" => "无法判定",
        "not applicable" => "不适用",
        "yes" => "是",
        "no" => "否",
        "unknown" => "未知",
        "short by {}" => "差{}",
        "{} above" => "高出{}",
        "over by {}" => "超出{}",
        "{} below" => "低于上限{}",
        "exactly at the threshold" => "恰好等于门槛",
        "{} late" => "逾期{}",
        "{} to spare" => "尚余{}",
        "{} before" => "早{}",
        "{} after" => "晚{}",
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

fn show(s: &Shown) -> String {
    match &s.label {
        Some(l) => format!("{} ({l})", s.value),
        None => format!("{}{}", s.value, s.unit),
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
    let mut out = String::new();
    if !c.bindings.is_empty() {
        let b: Vec<&str> = c.bindings.iter().map(|(_, v)| v.as_str()).collect();
        let _ = write!(out, "{}: ", b.join(", "));
    }
    if c.right.is_none() && c.op == BinOp::Eq {
        // A yes/no fact or a decision that was read.
        let v = c.left.as_ref().map(|l| match l.value.as_str() {
            "true" => t(lang, "yes").to_string(),
            "false" => t(lang, "no").to_string(),
            _ => show(l),
        });
        let _ = write!(
            out,
            "{} = {}",
            expr.unwrap_or("?"),
            v.unwrap_or_else(|| t(lang, "unknown").into())
        );
        return out;
    }
    if let (Some(e), Some(m)) = (expr, &c.margin) {
        if m.unit == "days" {
            let _ = write!(out, "{e}: ");
        }
    }
    let (l, r) = match (&c.left, &c.right) {
        (Some(l), Some(r)) => (show(l), show(r)),
        (l, r) => {
            let l = l
                .as_ref()
                .map(show)
                .unwrap_or_else(|| t(lang, "unknown").into());
            let r = r
                .as_ref()
                .map(show)
                .unwrap_or_else(|| t(lang, "unknown").into());
            let _ = write!(
                out,
                "{l} {} {r}: {}",
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
        let _ = write!(out, ": {}", t(lang, "undetermined"));
        return out;
    }
    if let Some(m) = &c.margin {
        let neg = m.value.starts_with('-');
        let zero = m
            .value
            .trim_start_matches(['≈', '-'])
            .chars()
            .all(|ch| ch == '0' || ch == '.');
        let amount = if m.unit == crate::eval::PERCENTAGE_POINTS {
            t1(lang, "{} percentage points", &strip_minus(&m.value))
        } else {
            format!(
                "{}{}",
                strip_minus(&m.value),
                if m.unit == "days" {
                    String::new()
                } else {
                    m.unit.clone()
                }
            )
        };
        if m.unit == "days" {
            let n = strip_minus(&m.value);
            let days = if n == "1" {
                t(lang, "1 day").to_string()
            } else {
                t1(lang, "{} days", &n)
            };
            let text = match (c.op, c.holds) {
                _ if zero => t(lang, "the same day").to_string(),
                (BinOp::Le | BinOp::Lt, Some(false)) => t1(lang, "{} late", &days),
                (BinOp::Le | BinOp::Lt, Some(true)) => t1(lang, "{} to spare", &days),
                _ if neg => t1(lang, "{} before", &days),
                _ => t1(lang, "{} after", &days),
            };
            let _ = write!(out, "{}{text}", sep(lang));
        } else if !zero {
            let text = match (c.op, c.holds) {
                (BinOp::Ge | BinOp::Gt, Some(false)) => t1(lang, "short by {}", &amount),
                (BinOp::Ge | BinOp::Gt, Some(true)) => t1(lang, "{} above", &amount),
                (BinOp::Le | BinOp::Lt, Some(false)) => t1(lang, "over by {}", &amount),
                (BinOp::Le | BinOp::Lt, Some(true)) => t1(lang, "{} below", &amount),
                _ => String::new(),
            };
            if !text.is_empty() {
                let _ = write!(out, "{}{text}", sep(lang));
            }
        } else if matches!(c.op, BinOp::Ge | BinOp::Le) {
            let _ = write!(out, "{}{}", sep(lang), t(lang, "exactly at the threshold"));
        }
    }
    out
}

fn value_text(p: &Program, v: &Value, ty: &Ty, lang: Lang) -> String {
    match v {
        Value::Bool(true) => t(lang, "yes").into(),
        Value::Bool(false) => t(lang, "no").into(),
        Value::Enum(i) => {
            if let Ty::Enum(e) = ty {
                if let Some((n, l)) = p.enums.get(*e).and_then(|d| d.variants.get(*i)) {
                    return match l {
                        Some(l) => format!("{n} ({l})"),
                        None => n.clone(),
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
            let _ = writeln!(
                o,
                "  {} {label}: {val}",
                st.dim(&format!("{} =", printable(&d.name)))
            );
            if res.status == Status::Undetermined {
                missing_lines(r, &res.why, "      ", &mut o, st, lang);
            }
            if res.status != Status::NotApplicable {
                for c in &res.checks {
                    let _ = writeln!(
                        o,
                        "      {}",
                        st.dim(&printable(&check_line_in(c, Some(&r.text(c.span)), lang)))
                    );
                }
            }
        }
        for c in &a.clauses {
            let id = c.decision;
            let (Some(d), Some(res)) = (p.decisions.get(id), r.result(id)) else {
                continue;
            };
            let outcome = match (res.status, res.value.as_ref()) {
                (Status::NotApplicable, _) => Outcome::NotApplicable,
                (_, Some(Value::Bool(true))) => Outcome::Met,
                (_, Some(_)) => Outcome::NotMet,
                _ => Outcome::Undetermined,
            };
            let title = printable(c.title.as_deref().unwrap_or_default()).into_owned();
            let _ = writeln!(
                o,
                "  {} {}{title}  {}",
                mark(outcome, st),
                a.clause_heading(c),
                st.dim(&format!("{}: {}", printable(&d.name), word(outcome, lang)))
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
                        printable(&check_line_in(ch, Some(&r.text(ch.span)), lang))
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
            let _ = writeln!(o, "  {} {}{place}", st.yellow("!"), printable(&d.message));
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
                match label {
                    Some(l) => format!("{d} ({l})"),
                    None => d.clone(),
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "{indent}{} {}",
            st.yellow(t(lang, "missing:")),
            printable(&labelled.join(", "))
        );
    }
    for reason in &why.reasons {
        let _ = writeln!(
            o,
            "{indent}{} {}",
            st.yellow(t(lang, "because:")),
            printable(reason)
        );
    }
}
