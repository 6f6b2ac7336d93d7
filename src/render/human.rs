//! The report for a policy officer: each article, clause and rule with ✓ ✗ ? –,
//! the values compared, how far from the threshold, what is missing, and where the
//! rule stands in its file.

use super::*;
use crate::eval::{Check, Shown, Value};
use crate::ir::Ty;
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

fn word(o: Outcome) -> &'static str {
    match o {
        Outcome::Met => "met",
        Outcome::NotMet => "not met",
        Outcome::Undetermined => "undetermined",
        Outcome::NotApplicable => "not applicable",
    }
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

fn strip_minus(s: &str) -> &str {
    s.strip_prefix('-').unwrap_or(s)
}

/// `2022: 28.40亿元 < 30亿元, short by 1.60亿元`
pub fn check_line(c: &Check) -> String {
    check_line_with(c, None)
}

/// A check line; `expr` (the compared expression's text) is added for date and
/// yes/no checks, whose values alone do not say what was compared.
pub fn check_line_with(c: &Check, expr: Option<&str>) -> String {
    let mut out = String::new();
    if !c.bindings.is_empty() {
        let b: Vec<&str> = c.bindings.iter().map(|(_, v)| v.as_str()).collect();
        let _ = write!(out, "{}: ", b.join(", "));
    }
    if c.right.is_none() && c.op == BinOp::Eq {
        // A yes/no fact or a decision that was read.
        let v = c.left.as_ref().map(|l| match l.value.as_str() {
            "true" => "yes".to_string(),
            "false" => "no".to_string(),
            _ => show(l),
        });
        let _ = write!(
            out,
            "{} = {}",
            expr.unwrap_or("?"),
            v.unwrap_or_else(|| "unknown".into())
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
            let l = l.as_ref().map(show).unwrap_or_else(|| "unknown".into());
            let r = r.as_ref().map(show).unwrap_or_else(|| "unknown".into());
            let _ = write!(out, "{l} {} {r}: undetermined", c.op.symbol());
            return out;
        }
    };
    let op = match c.holds {
        Some(false) => negate(c.op),
        _ => c.op,
    };
    let _ = write!(out, "{l} {} {r}", op.symbol());
    if let Some(m) = &c.margin {
        let neg = m.value.starts_with('-');
        let zero = m
            .value
            .trim_start_matches('-')
            .chars()
            .all(|ch| ch == '0' || ch == '.');
        let amount = format!(
            "{}{}",
            strip_minus(&m.value),
            if m.unit == "days" {
                String::new()
            } else {
                m.unit.clone()
            }
        );
        if m.unit == "days" {
            let n = strip_minus(&m.value);
            let days = if n == "1" {
                "1 day".to_string()
            } else {
                format!("{n} days")
            };
            let text = match (c.op, c.holds) {
                _ if zero => "the same day".to_string(),
                (BinOp::Le | BinOp::Lt, Some(false)) => format!("{days} late"),
                (BinOp::Le | BinOp::Lt, Some(true)) => format!("{days} to spare"),
                _ if neg => format!("{days} before"),
                _ => format!("{days} after"),
            };
            let _ = write!(out, ", {text}");
        } else if !zero {
            let text = match (c.op, c.holds) {
                (BinOp::Ge | BinOp::Gt, Some(false)) => format!("short by {amount}"),
                (BinOp::Ge | BinOp::Gt, Some(true)) => format!("{amount} above"),
                (BinOp::Le | BinOp::Lt, Some(false)) => format!("over by {amount}"),
                (BinOp::Le | BinOp::Lt, Some(true)) => format!("{amount} below"),
                _ => String::new(),
            };
            if !text.is_empty() {
                let _ = write!(out, ", {text}");
            }
        } else if matches!(c.op, BinOp::Ge | BinOp::Le) {
            let _ = write!(out, ", exactly at the threshold");
        }
    }
    out
}

fn value_text(p: &Program, v: &Value, ty: &Ty) -> String {
    match v {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
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

/// The whole human report.
pub fn render(r: &Report, st: Style) -> String {
    let p = r.program;
    let mut o = String::new();
    let h = &p.header;
    let _ = write!(o, "{}", st.bold(&h.title));
    if let Some(d) = &h.document {
        let _ = write!(o, "（{d}）");
    }
    o.push('\n');
    if let Some((a, b)) = h.in_force {
        let _ = writeln!(
            o,
            "in force {a} to {b} · evaluated as of {}",
            r.evaluation.as_of
        );
    } else {
        let _ = writeln!(o, "evaluated as of {}", r.evaluation.as_of);
    }
    for (ai, a) in p.articles.iter().enumerate() {
        o.push('\n');
        let title = a.title.clone().unwrap_or_default();
        let _ = writeln!(
            o,
            "{}",
            st.bold(&format!("第{}条 {title}", chinese_number(a.number)))
        );
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
            let label = d.label.clone().unwrap_or_default();
            let val = match (&res.status, &res.value) {
                (Status::Decided, Some(v)) => value_text(p, v, &d.ty),
                (Status::NotApplicable, _) => st.dim("not applicable"),
                _ => st.yellow("undetermined"),
            };
            let _ = writeln!(o, "  {} {label}: {val}", st.dim(&format!("{} =", d.name)));
            if res.status == Status::Undetermined {
                missing_lines(r, &res.why, "      ", &mut o, st);
            }
            if res.status != Status::NotApplicable {
                for c in &res.checks {
                    let _ = writeln!(
                        o,
                        "      {}",
                        st.dim(&check_line_with(c, Some(&r.text(c.span))))
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
            let title = c.title.clone().unwrap_or_default();
            let _ = writeln!(
                o,
                "  {} （{}）{title}  {}",
                mark(outcome, st),
                chinese_number(c.number),
                st.dim(&format!("{}: {}", d.name, word(outcome)))
            );
            if res.status == Status::NotApplicable && res.rules.is_empty() {
                continue;
            }
            for (rule, rr) in c.rules.iter().zip(&res.rules) {
                let (file, line, _) = r.place(rule.span);
                let kind = if rule.kind == RuleKind::Guideline {
                    " (guideline)"
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "      {} {}{kind}  {}",
                    mark(rr.outcome, st),
                    rule.title,
                    st.dim(&format!("{file}:{line}"))
                );
                if rr.outcome == Outcome::NotApplicable {
                    continue;
                }
                for ch in &rr.checks {
                    let _ = writeln!(
                        o,
                        "          {}",
                        check_line_with(ch, Some(&r.text(ch.span)))
                    );
                }
                if rr.checks_truncated > 0 {
                    let _ = writeln!(
                        o,
                        "          {}",
                        st.dim(&format!("… and {} more comparisons", rr.checks_truncated))
                    );
                }
                if rr.outcome == Outcome::Undetermined {
                    missing_lines(r, &rr.why, "          ", &mut o, st);
                }
            }
        }
    }
    let warnings = r.rule_warnings();
    if !warnings.is_empty() || !r.fact_warnings.is_empty() {
        o.push('\n');
        let _ = writeln!(o, "{}", st.bold("Warnings"));
        for w in &warnings {
            let (file, line, _) = r.place(w.span);
            let clause = w
                .clause
                .map(|c| format!("（{}）", chinese_number(c)))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  {} 第{}条{clause} {}  {}",
                st.yellow("!"),
                chinese_number(w.article),
                w.message,
                st.dim(&format!("{file}:{line}"))
            );
        }
        for d in r.fact_warnings {
            let place = d
                .span
                .map(|s| {
                    let (f, l, _) = r.place(s);
                    format!("  {}", st.dim(&format!("{f}:{l}")))
                })
                .unwrap_or_default();
            let _ = writeln!(o, "  {} {}{place}", st.yellow("!"), d.message);
        }
    }
    let assumptions = r.assumptions();
    if !assumptions.is_empty() {
        o.push('\n');
        let _ = writeln!(o, "{}", st.bold("Assumptions (not in the measures)"));
        for a in assumptions {
            let _ = writeln!(o, "  • {a}");
        }
    }
    o
}

fn missing_lines(r: &Report, why: &crate::eval::Why, indent: &str, o: &mut String, st: Style) {
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
            st.yellow("missing:"),
            labelled.join(", ")
        );
    }
    for reason in &why.reasons {
        let _ = writeln!(o, "{indent}{} {reason}", st.yellow("because:"));
    }
}
