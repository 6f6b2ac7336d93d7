//! HTML reports (`policy check --format html`): a page for one cluster, and a summary
//! page for a batch.
//!
//! Each page stands alone: one file, its CSS inline, its charts inline SVG drawn here, no
//! script, no font, image or link fetched from anywhere. Everything that comes from a
//! file — names, labels, titles, values — is escaped (`<script>` shows as text), with
//! control and bidirectional characters made visible as in every other report. The same
//! input gives the same bytes: there is no time but the evaluation date.
//!
//! The words are the human report's (`docs/glossary.md`): 满足 / 不满足 / 无法判定 /
//! 不适用, and the comparison lines are the human report's lines. Outcomes are shown by
//! colour and by a mark and a word, so that a page printed in grey reads the same.

use super::human::check_text;
use super::rows::{ClusterRow, Margin, Num, Refused, Verdict};
use super::xlsx::{unit_shown, Meta};
use super::*;
use crate::diag::Lang;
use crate::eval::{Facts, Value};
use crate::ir::Ty;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// One element of a drawing per line, so that a page reads (and diffs) line by line.
fn lines(svg: String) -> String {
    svg.replace("/><", "/>\n<")
        .replace("</text><", "</text>\n<")
}

/// Text from a file, made safe for HTML: control and bidirectional characters shown
/// escaped, then `& < > " '` as entities.
pub fn esc(s: &str) -> String {
    let p = printable(s);
    let mut o = String::with_capacity(p.len());
    for ch in p.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn w(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

const CSS: &str = r#"
body{font-family:"WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#111;line-height:1.5}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #999;margin-top:1.6em}h3{font-size:1.05em;margin:.8em 0 .3em}
.meta{color:#444;font-size:.9em}.meta code{font-size:.85em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#eef}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.v{display:inline-block;border:1px solid #555;border-radius:3px;padding:0 .4em;font-weight:bold;white-space:nowrap}
.met{background:#c6efce}.not_met{background:#ffc7ce}.undetermined{background:#ffeb9c;font-style:italic}.not_applicable{background:#ededed;font-weight:normal}.decided{background:#fff}
.decision{border-left:4px solid #999;padding:.2em .8em;margin:.6em 0;break-inside:avoid;page-break-inside:avoid}
.rule{margin:.3em 0 .3em 1.2em}.check{margin:0 0 0 2.4em;font-size:.92em;color:#222}
.place{color:#555;font-size:.85em}.missing{color:#7a4b00}.reason{color:#333}
figure{margin:.8em 0;break-inside:avoid;page-break-inside:avoid}figcaption{font-size:.9em;color:#333}
svg{display:block;max-width:100%;height:auto}svg text{font-family:inherit}
@media print{body{margin:0;max-width:none}h2{break-after:avoid;page-break-after:avoid}section.page{break-before:page;page-break-before:always}a{color:inherit;text-decoration:none}}
"#;

fn head(o: &mut String, title: &str, lang: Lang) {
    let l = w(lang, "en", "zh-CN");
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{l}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(title)
    );
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "✓",
        Verdict::NotMet => "✗",
        Verdict::Undetermined => "?",
        Verdict::NotApplicable => "–",
        Verdict::Value => "•",
    }
}

fn badge(v: Verdict, lang: Lang) -> String {
    format!(
        "<span class=\"v {}\">{} {}</span>",
        v.as_str(),
        mark(v),
        v.word(lang)
    )
}

fn outcome_verdict(o: Outcome) -> Verdict {
    match o {
        Outcome::Met => Verdict::Met,
        Outcome::NotMet => Verdict::NotMet,
        Outcome::Undetermined => Verdict::Undetermined,
        Outcome::NotApplicable => Verdict::NotApplicable,
    }
}

fn meta_block(o: &mut String, p: &Program, meta: &Meta, lang: Lang) {
    let h = &p.header;
    let _ = write!(o, "<h1>{}", esc(&h.title));
    if let Some(d) = &h.document {
        let _ = write!(o, "（{}）", esc(d));
    }
    o.push_str("</h1>\n<p class=\"meta\">");
    let mut parts = Vec::new();
    if let Some(v) = &h.version {
        parts.push(format!("{} {}", w(lang, "version", "版本"), esc(v)));
    }
    if let Some(from) = h.in_force.from {
        let until = h
            .in_force
            .until
            .map(|d| d.to_string())
            .unwrap_or_else(|| w(lang, "(no end)", "（无截止日）").into());
        parts.push(format!(
            "{} {from} – {until}",
            w(lang, "in force", "有效期")
        ));
    }
    parts.push(format!(
        "{} {}",
        w(lang, "evaluated as of", "评价日"),
        meta.as_of
    ));
    parts.push(format!(
        "{} <code>{}</code>",
        w(lang, "rule-set fingerprint", "规则集指纹"),
        esc(&meta.fingerprint)
    ));
    o.push_str(&parts.join(" · "));
    o.push_str("</p>\n");
}

fn names(p: &Program, list: &[String], lang: Lang) -> String {
    list.iter()
        .map(|n| esc(&rows::fact_name(p, n, lang)))
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "，" } else { ", " })
}

fn missing_html(r: &Report, why: &crate::eval::Why, lang: Lang) -> String {
    let mut s = String::new();
    let m = r.missing_names(why);
    if !m.is_empty() {
        let _ = write!(
            s,
            "<div class=\"missing\">{} {}",
            w(lang, "missing:", "缺少："),
            names(r.program, &m, lang)
        );
        if !why.details.is_empty() {
            let d: Vec<String> = why.details.iter().map(|x| esc(x)).collect();
            let _ = write!(s, " <span class=\"place\">({})</span>", d.join(", "));
        }
        s.push_str("</div>\n");
    }
    if !why.reasons.is_empty() {
        let d: Vec<String> = why
            .reasons
            .iter()
            .map(|x| esc(&super::reasons::in_lang(x, lang)))
            .collect();
        let _ = writeln!(
            s,
            "<div class=\"reason\">{} {}</div>",
            w(lang, "because:", "原因："),
            d.join("; ")
        );
    }
    s
}

fn place_html(r: &Report, span: crate::syntax::ast::Span) -> String {
    let (file, line, _) = r.place(span);
    format!("<span class=\"place\">{}:{line}</span>", esc(&file))
}

/// The page of one cluster. `facts` (when given) adds the dates the facts hold to the
/// timeline.
pub fn single(r: &Report, facts: Option<&Facts>, meta: &Meta, lang: Lang) -> String {
    let p = r.program;
    let mut o = String::with_capacity(64 * 1024);
    head(&mut o, &p.header.title, lang);
    meta_block(&mut o, p, meta, lang);
    let row = rows::cluster_row(r, String::new(), String::new(), lang);

    // Counts.
    let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
    for c in &row.cells {
        *counts.entry(c.verdict).or_default() += 1;
    }
    o.push_str("<p>");
    for (v, n) in &counts {
        let _ = write!(o, "{} {n} &nbsp; ", badge(*v, lang));
    }
    o.push_str("</p>\n");

    // The report, article by article.
    let _ = writeln!(o, "<h2>{}</h2>", w(lang, "Criteria", "逐条结果"));
    for (ai, a) in p.articles.iter().enumerate() {
        let title = a.title.as_deref().unwrap_or_default();
        let _ = writeln!(o, "<h3>{} {}</h3>", esc(&a.heading()), esc(title));
        for (id, d) in p.decisions.iter().enumerate() {
            if d.article != ai {
                continue;
            }
            let Some(res) = r.result(id) else { continue };
            let v = rows::verdict(res);
            let _ = write!(o, "<div class=\"decision\" id=\"{}\">", esc(&d.name));
            match d.kind {
                DecisionKind::Clause(ci) => {
                    let Some(c) = a.clauses.get(ci) else {
                        o.push_str("</div>\n");
                        continue;
                    };
                    let _ = writeln!(
                        o,
                        "{} <b>{}{}</b> <span class=\"place\">[{}]</span> {}",
                        badge(v, lang),
                        esc(&a.clause_heading(c)),
                        esc(c.title.as_deref().unwrap_or_default()),
                        esc(&d.name),
                        place_html(r, d.span)
                    );
                    for (rule, rr) in c.rules.iter().zip(&res.rules) {
                        let kind = if rule.kind == RuleKind::Guideline {
                            w(lang, " (guideline)", "（指导性要求）")
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            o,
                            "<div class=\"rule\">{} {}{kind} {}</div>",
                            badge(outcome_verdict(rr.outcome), lang),
                            esc(&rule.title),
                            place_html(r, rule.span)
                        );
                        if rr.outcome == Outcome::NotApplicable {
                            continue;
                        }
                        for ch in &rr.checks {
                            let _ = writeln!(
                                o,
                                "<div class=\"check\">{}</div>",
                                esc(&check_text(p, ch, &r.text(ch.span), lang))
                            );
                        }
                        if rr.checks_truncated > 0 {
                            let _ = writeln!(
                                o,
                                "<div class=\"check\">{}</div>",
                                match lang {
                                    Lang::En =>
                                        format!("… and {} more comparisons", rr.checks_truncated),
                                    Lang::Zh =>
                                        format!("……另有{}项比较未列出", rr.checks_truncated),
                                }
                            );
                        }
                        if rr.outcome == Outcome::Undetermined {
                            o.push_str(&missing_html(r, &rr.why, lang));
                        }
                    }
                    if v == Verdict::Met {
                        for n in &c.not_assessed {
                            let _ = writeln!(
                                o,
                                "<div class=\"reason\">{} {} <span class=\"place\">({})</span></div>",
                                w(lang, "left to the reviewers:", "留待评审："),
                                esc(&n.text),
                                esc(&n.reason)
                            );
                        }
                    }
                }
                DecisionKind::Expr(_) => {
                    let value = match (&res.status, &res.value) {
                        (Status::Decided, Some(val)) => {
                            esc(&super::human::value_words(p, val, &d.ty, lang))
                        }
                        _ => badge(v, lang),
                    };
                    let _ = writeln!(
                        o,
                        "<b>{}</b>{} {value} <span class=\"place\">[{}]</span> {}",
                        esc(d.label.as_deref().unwrap_or(&d.name)),
                        w(lang, ": ", "："),
                        esc(&d.name),
                        place_html(r, d.span)
                    );
                    if res.status != Status::NotApplicable {
                        for ch in &res.checks {
                            let _ = writeln!(
                                o,
                                "<div class=\"check\">{}</div>",
                                esc(&check_text(p, ch, &r.text(ch.span), lang))
                            );
                        }
                    }
                }
            }
            if res.status == Status::Undetermined {
                o.push_str(&missing_html(r, &res.why, lang));
            }
            o.push_str("</div>\n");
        }
    }

    // Charts: one per threshold, bars per year or a bullet for a single value.
    let groups = group_margins(&row.margins);
    let charts: Vec<String> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| chart(p, i, g, lang))
        .collect();
    if !charts.is_empty() {
        let _ = writeln!(
            o,
            "<section class=\"page\"><h2>{}</h2>",
            w(lang, "Values against thresholds", "数值与门槛")
        );
        for c in charts {
            o.push_str(&c);
        }
        o.push_str("</section>\n");
    }

    // Timeline.
    let dates = timeline_dates(r, facts, lang);
    if dates.len() > 1 {
        let _ = writeln!(
            o,
            "<section class=\"page\"><h2>{}</h2>",
            w(lang, "Timeline", "时间线")
        );
        o.push_str(&timeline_svg(&dates, lang));
        let _ = writeln!(
            o,
            "<table><tr><th>{}</th><th>{}</th></tr>",
            w(lang, "Date", "日期"),
            w(lang, "What", "事项")
        );
        for (d, label) in &dates {
            let _ = writeln!(o, "<tr><td>{d}</td><td>{}</td></tr>", esc(label));
        }
        o.push_str("</table></section>\n");
    }

    // Warnings and assumptions.
    let warnings = r.rule_warnings();
    if !warnings.is_empty() || !r.fact_warnings.is_empty() {
        let _ = writeln!(o, "<h2>{}</h2><ul>", w(lang, "Warnings", "提示"));
        for wn in &warnings {
            let _ = writeln!(
                o,
                "<li>{} {}：{} {}</li>",
                esc(&wn.heading),
                w(lang, "guideline not met", "未达到指导性要求"),
                esc(&wn.rule),
                place_html(r, wn.span)
            );
        }
        for d in r.fact_warnings {
            let _ = writeln!(o, "<li>{}</li>", esc(d.message.get(lang)));
        }
        o.push_str("</ul>\n");
    }
    let assumptions = r.assumptions();
    if !assumptions.is_empty() {
        let _ = writeln!(
            o,
            "<h2>{}</h2><ul>",
            w(
                lang,
                "Assumptions (not in the measures)",
                "假定（办法未作规定）"
            )
        );
        for a in assumptions {
            let _ = writeln!(o, "<li>{}</li>", esc(&a));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// The margins of one threshold: the same decision, rule, expression and threshold.
struct Group<'a> {
    items: Vec<&'a Margin>,
}

fn group_margins(ms: &[Margin]) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<(usize, &str, &str, &str, &str), usize> = HashMap::new();
    for m in ms {
        // Only numbers can be drawn; dates go to the timeline.
        if Num::parse(&m.threshold).decimal().is_none() {
            continue;
        }
        match index.get(&m.key()) {
            Some(&i) => {
                if let Some(g) = out.get_mut(i) {
                    if !g.items.iter().any(|x| x.year == m.year) {
                        g.items.push(m);
                    }
                }
            }
            None => {
                index.insert(m.key(), out.len());
                out.push(Group { items: vec![m] });
            }
        }
    }
    out
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn holds_class(h: Option<bool>) -> &'static str {
    match h {
        Some(true) => "#2e7d32",
        Some(false) => "#c62828",
        None => "#9e9e9e",
    }
}

fn holds_mark(h: Option<bool>) -> &'static str {
    match h {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "?",
    }
}

/// A chart for one threshold: bars per year (several years) or a bullet (one value).
/// `index` numbers the charts of a page, so that each has its own id.
fn chart(p: &Program, index: usize, g: &Group, lang: Lang) -> Option<String> {
    let first = g.items.first()?;
    let th = Num::parse(&first.threshold).decimal()?;
    let title = p
        .decisions
        .get(first.decision)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let caption = format!(
        "{} · {} <code>{}</code> {} {}{}",
        esc(&first.rule),
        w(lang, "comparison", "比较"),
        esc(&first.expression),
        esc(&first.op),
        esc(&first.threshold),
        esc(&first.unit)
    );
    let unit = esc(&first.unit);
    let values: Vec<(String, Option<Decimal>, &Margin)> = g
        .items
        .iter()
        .map(|m| (m.year.clone(), Num::parse(&m.value).decimal(), *m))
        .collect();
    let max = values
        .iter()
        .filter_map(|(_, v, _)| v.map(f))
        .chain(std::iter::once(f(th)))
        .fold(0.0f64, |a, b| a.max(b.abs()))
        .max(1e-9)
        * 1.15;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<figure id=\"chart-{index}-{}\"><figcaption>{caption}</figcaption>",
        esc(&title)
    );
    let is_bars = values.len() > 1 || values.iter().any(|(y, _, _)| !y.is_empty());
    if is_bars {
        // Bars per year, the threshold as a dashed line.
        let (wd, ht, left, top, bottom) = (520.0, 220.0, 60.0, 20.0, 40.0);
        let plot_h = ht - top - bottom;
        let n = values.len().max(1) as f64;
        let slot = (wd - left - 10.0) / n;
        let bar_w = (slot * 0.6).min(60.0);
        let y_of = |v: f64| top + plot_h - (v.max(0.0) / max) * plot_h;
        let _ = write!(
            s,
            "<svg class=\"chart bars\" role=\"img\" width=\"{wd}\" height=\"{ht}\" viewBox=\"0 0 {wd} {ht}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
            top + plot_h,
            wd - 10.0,
            top + plot_h
        );
        for (i, (year, v, m)) in values.iter().enumerate() {
            let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
            let label = if year.is_empty() {
                "—".to_string()
            } else {
                esc(year)
            };
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{label}</text>",
                x + bar_w / 2.0,
                ht - bottom + 16.0
            );
            match v {
                Some(v) => {
                    let y = y_of(f(*v));
                    let _ = write!(
                        s,
                        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.5\"/>",
                        (top + plot_h - y).max(0.5),
                        holds_class(m.holds)
                    );
                    let _ = write!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{} {}</text>",
                        x + bar_w / 2.0,
                        (y - 4.0).max(10.0),
                        esc(&m.value),
                        holds_mark(m.holds)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                        x + bar_w / 2.0,
                        top + plot_h - 4.0,
                        w(lang, "unknown", "缺少数据")
                    );
                }
            }
        }
        let ty = y_of(f(th));
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\" stroke=\"#000\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
             <text x=\"4\" y=\"{:.1}\" font-size=\"11\">{}{unit}</text>",
            wd - 10.0,
            ty + 4.0,
            esc(&first.threshold)
        );
        s.push_str("</svg>");
    } else {
        // A bullet: the value as a bar, the threshold as a mark.
        let (wd, ht, left) = (520.0, 56.0, 10.0);
        let plot_w = wd - left - 20.0;
        let x_of = |v: f64| left + (v.max(0.0) / max) * plot_w;
        let (_, v, m) = values.first()?;
        let _ = write!(
            s,
            "<svg class=\"chart bullet\" role=\"img\" width=\"{wd}\" height=\"{ht}\" viewBox=\"0 0 {wd} {ht}\" xmlns=\"http://www.w3.org/2000/svg\">\
             <rect x=\"{left}\" y=\"8\" width=\"{plot_w}\" height=\"20\" fill=\"#eee\" stroke=\"#999\"/>"
        );
        if let Some(v) = v {
            let _ = write!(
                s,
                "<rect x=\"{left}\" y=\"12\" width=\"{:.1}\" height=\"12\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.5\"/>",
                (x_of(f(*v)) - left).max(0.5),
                holds_class(m.holds)
            );
        }
        let tx = x_of(f(th));
        let value_text = if m.value.is_empty() {
            w(lang, "unknown", "缺少数据").to_string()
        } else {
            format!("{}{unit}", esc(&m.value))
        };
        let _ = write!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"4\" x2=\"{tx:.1}\" y2=\"32\" stroke=\"#000\" stroke-width=\"2\"/>\
             <text x=\"{left}\" y=\"48\" font-size=\"12\">{} {value_text} {} · {} {}{unit}</text></svg>",
            w(lang, "value", "数值"),
            holds_mark(m.holds),
            w(lang, "threshold", "门槛"),
            esc(&first.threshold)
        );
    }
    s.push_str("</figure>\n");
    Some(lines(s))
}

/// The dates of the timeline: the evaluation date, every decided date-valued decision,
/// and (with the facts) every date the facts give, at the top level or in the records of
/// a list — sorted by date, each with what it is.
fn timeline_dates(
    r: &Report,
    facts: Option<&Facts>,
    lang: Lang,
) -> Vec<(chrono::NaiveDate, String)> {
    let p = r.program;
    let mut out: Vec<(chrono::NaiveDate, String)> = vec![(
        r.evaluation.as_of,
        w(lang, "evaluation date", "评价日").to_string(),
    )];
    for (id, d) in p.decisions.iter().enumerate() {
        if let Some(Value::Date(x)) = r.result(id).and_then(|res| res.value.as_ref()) {
            out.push((*x, d.label.clone().unwrap_or_else(|| d.name.clone())));
        }
    }
    if let Some(facts) = facts {
        for (fd, v) in p.facts.iter().zip(&facts.values) {
            let label = fd.label.clone().unwrap_or_else(|| fd.name.clone());
            match (v, &fd.ty) {
                (Some(Value::Date(x)), _) => out.push((*x, label)),
                (Some(Value::List(list)), Ty::List(inner)) => {
                    let Ty::Record(rid) = inner.as_ref() else {
                        continue;
                    };
                    let Some(rd) = p.records.get(*rid) else {
                        continue;
                    };
                    for (i, item) in list.items.iter().enumerate().take(50) {
                        let Value::Record(rec) = item else { continue };
                        for (field, val) in rd.fields.iter().zip(&rec.fields) {
                            if let crate::eval::value::V::Known(Value::Date(x)) = val {
                                let fl = field.label.clone().unwrap_or_else(|| field.name.clone());
                                out.push((*x, format!("{label}[{}] {fl}", i + 1)));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn timeline_svg(dates: &[(chrono::NaiveDate, String)], lang: Lang) -> String {
    let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
        return String::new();
    };
    let span = (last.0 - first.0).num_days().max(1) as f64;
    let (wd, left, right) = (720.0, 20.0, 20.0);
    let rows = dates.len().min(30);
    let ht = 60.0 + 16.0 * rows as f64;
    let x_of = |d: chrono::NaiveDate| {
        left + ((d - first.0).num_days() as f64 / span) * (wd - left - right)
    };
    let mut s = format!(
        "<figure id=\"timeline\"><svg class=\"chart timeline\" role=\"img\" width=\"{wd}\" height=\"{ht}\" viewBox=\"0 0 {wd} {ht}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title><line x1=\"{left}\" y1=\"30\" x2=\"{}\" y2=\"30\" stroke=\"#333\" stroke-width=\"2\"/>",
        w(lang, "Timeline", "时间线"),
        wd - right
    );
    for (i, (d, label)) in dates.iter().take(rows).enumerate() {
        let x = x_of(*d);
        let y = 50.0 + 16.0 * i as f64;
        let anchor = if x > wd / 2.0 { "end" } else { "start" };
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"30\" r=\"4\" fill=\"#1565c0\"/>\
             <line x1=\"{x:.1}\" y1=\"30\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"2 2\"/>\
             <text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"11\" text-anchor=\"{anchor}\">{d} {}</text>",
            y - 10.0,
            esc(label)
        );
    }
    s.push_str("</svg></figure>\n");
    lines(s)
}

/// Bins of the relative gap to a threshold (gap ÷ threshold), in percent.
const EDGES: [i64; 7] = [-50, -20, -10, 0, 10, 20, 50];

fn bin_label(i: usize) -> String {
    let e = |k: usize| EDGES.get(k).copied().unwrap_or(0);
    if i == 0 {
        format!("<{}%", e(0))
    } else if i == EDGES.len() {
        format!("≥{}%", e(EDGES.len() - 1))
    } else {
        format!("{}…{}%", e(i - 1), e(i))
    }
}

fn bin_of(rel: Decimal) -> usize {
    let pct = rel * Decimal::ONE_HUNDRED;
    EDGES
        .iter()
        .position(|e| pct < Decimal::from(*e))
        .unwrap_or(EDGES.len())
}

/// How close to a threshold one cluster's value is.
#[derive(Clone)]
struct Near {
    distance: Decimal,
    name: String,
    source: String,
    year: String,
    value: String,
    gap: String,
    holds: Option<bool>,
}

struct ThresholdStats {
    decision: usize,
    rule: String,
    expression: String,
    op: String,
    threshold: String,
    unit: String,
    gap_unit: String,
    bins: [u64; 8],
    within10: u64,
    n: u64,
    nearest: Vec<Near>,
}

/// How many clusters are listed nearest to each threshold.
const NEAREST: usize = 10;
/// At most this many thresholds are summarised (a rule set has far fewer).
const MAX_THRESHOLDS: usize = 500;
/// At most this many refused records are listed (all are counted).
const MAX_REFUSED_LISTED: usize = 100;

/// The summary page of a batch, built one cluster at a time in bounded memory: counts,
/// histograms and the nearest clusters of each threshold, the facts most often missing.
pub struct BatchPage {
    lang: Lang,
    columns: Vec<rows::Column>,
    counts: Vec<[u64; 5]>,
    thresholds: Vec<ThresholdStats>,
    index: HashMap<(usize, String, String, String, String), usize>,
    missing: HashMap<String, u64>,
    clusters: u64,
    refused: u64,
    refused_listed: Vec<Refused>,
}

impl BatchPage {
    pub fn new(program: &Program, lang: Lang) -> BatchPage {
        let columns = rows::columns(program);
        BatchPage {
            lang,
            counts: vec![[0; 5]; columns.len()],
            columns,
            thresholds: Vec::new(),
            index: HashMap::new(),
            missing: HashMap::new(),
            clusters: 0,
            refused: 0,
            refused_listed: Vec::new(),
        }
    }

    pub fn add(&mut self, row: &ClusterRow) {
        self.clusters += 1;
        let mut missing: Vec<&String> = Vec::new();
        for (i, c) in row.cells.iter().enumerate() {
            let k = Verdict::ALL
                .iter()
                .position(|v| *v == c.verdict)
                .unwrap_or(0);
            if let Some(x) = self.counts.get_mut(i).and_then(|n| n.get_mut(k)) {
                *x += 1;
            }
            missing.extend(c.missing.iter());
        }
        missing.sort();
        missing.dedup();
        for m in missing {
            // Fact names come from the rule set: their number is bounded by it.
            *self.missing.entry(m.clone()).or_default() += 1;
        }
        for m in &row.margins {
            let Some(rel) = m.relative() else { continue };
            let key = (
                m.decision,
                m.rule.clone(),
                m.expression.clone(),
                m.threshold.clone(),
                m.unit.clone(),
            );
            let i = match self.index.get(&key) {
                Some(i) => *i,
                None if self.thresholds.len() < MAX_THRESHOLDS => {
                    self.index.insert(key, self.thresholds.len());
                    self.thresholds.push(ThresholdStats {
                        decision: m.decision,
                        rule: m.rule.clone(),
                        expression: m.expression.clone(),
                        op: m.op.clone(),
                        threshold: m.threshold.clone(),
                        unit: m.unit.clone(),
                        gap_unit: m.gap_unit.clone(),
                        bins: [0; 8],
                        within10: 0,
                        n: 0,
                        nearest: Vec::new(),
                    });
                    self.thresholds.len() - 1
                }
                None => continue,
            };
            let Some(t) = self.thresholds.get_mut(i) else {
                continue;
            };
            t.n += 1;
            if let Some(b) = t.bins.get_mut(bin_of(rel)) {
                *b += 1;
            }
            if rel.abs() <= Decimal::new(1, 1) {
                t.within10 += 1;
            }
            let near = Near {
                distance: rel.abs(),
                name: row.name.clone(),
                source: row.source.clone(),
                year: m.year.clone(),
                value: m.value.clone(),
                gap: m.gap.clone(),
                holds: m.holds,
            };
            let worse = |a: &Near, b: &Near| {
                (a.distance, &a.name, &a.source, &a.year)
                    > (b.distance, &b.name, &b.source, &b.year)
            };
            if t.nearest.len() < NEAREST {
                t.nearest.push(near);
            } else if let Some((wi, _)) = t.nearest.iter().enumerate().max_by(|(_, a), (_, b)| {
                if worse(a, b) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            }) {
                if t.nearest.get(wi).is_some_and(|x| worse(x, &near)) {
                    if let Some(slot) = t.nearest.get_mut(wi) {
                        *slot = near;
                    }
                }
            }
        }
    }

    pub fn add_refused(&mut self, r: &Refused) {
        self.refused += 1;
        if self.refused_listed.len() < MAX_REFUSED_LISTED {
            self.refused_listed.push(r.clone());
        }
    }

    /// The page.
    pub fn finish(mut self, program: &Program, meta: &Meta) -> String {
        let lang = self.lang;
        let p = program;
        let mut o = String::with_capacity(64 * 1024);
        head(&mut o, &p.header.title, lang);
        meta_block(&mut o, p, meta, lang);
        let _ = writeln!(
            o,
            "<p>{} <b>{}</b> · {} <b>{}</b></p>",
            w(lang, "clusters evaluated", "已评价的集群"),
            self.clusters,
            w(lang, "records refused", "未读入的记录"),
            self.refused
        );

        // Counts per decision.
        let _ = writeln!(
            o,
            "<h2>{}</h2>\n<table class=\"counts\"><tr><th>{}</th>",
            w(lang, "Outcomes per decision", "各项决定的结果"),
            w(lang, "Decision", "决定")
        );
        for v in Verdict::ALL {
            let _ = write!(o, "<th>{}</th>", badge(v, lang));
        }
        let _ = writeln!(o, "<th>{}</th></tr>", w(lang, "Share", "构成"));
        for (c, n) in self.columns.iter().zip(&self.counts) {
            let _ = write!(
                o,
                "<tr><td>{} <span class=\"place\">[{}]</span></td>",
                esc(&c.title),
                esc(&c.id)
            );
            for k in n {
                let _ = write!(o, "<td class=\"n\">{k}</td>");
            }
            let _ = writeln!(o, "<td>{}</td></tr>", stacked(n));
        }
        o.push_str("</table>\n");

        // Thresholds.
        if !self.thresholds.is_empty() {
            let _ = writeln!(
                o,
                "<section class=\"page\"><h2>{}</h2><p>{}</p>",
                w(lang, "Margins to each threshold", "与各门槛的差距"),
                w(
                    lang,
                    "Relative gap = (value − threshold) ÷ threshold, one count per cluster and year. The clusters listed are those nearest to the threshold.",
                    "相对差距 =（数值 − 门槛）÷ 门槛，每个集群每个年度计一次。所列集群为最接近门槛者。"
                )
            );
            for (ti, t) in self.thresholds.iter_mut().enumerate() {
                t.nearest.sort_by(|a, b| {
                    (a.distance, &a.name, &a.source, &a.year)
                        .cmp(&(b.distance, &b.name, &b.source, &b.year))
                });
                let title = self
                    .columns
                    .get(t.decision)
                    .map(|c| c.title.clone())
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "<figure id=\"threshold-{ti}\"><h3>{} · {}</h3><figcaption><code>{}</code> {} {}{} · {} <b>{}</b> / {}</figcaption>",
                    esc(&title),
                    esc(&t.rule),
                    esc(&t.expression),
                    esc(&t.op),
                    esc(&t.threshold),
                    esc(&t.unit),
                    w(lang, "within ±10%:", "在 ±10% 以内："),
                    t.within10,
                    t.n
                );
                o.push_str(&histogram(&t.bins, lang));
                let _ = writeln!(
                    o,
                    "<table class=\"nearest\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                    w(lang, "Cluster", "集群"),
                    w(lang, "Year", "年度"),
                    w(lang, "Value", "数值"),
                    w(lang, "Gap", "差距"),
                    w(lang, "Outcome", "结果")
                );
                let gap_unit = esc(&unit_shown(&t.gap_unit, lang));
                for n in &t.nearest {
                    let v = match n.holds {
                        Some(true) => Verdict::Met,
                        Some(false) => Verdict::NotMet,
                        None => Verdict::Undetermined,
                    };
                    let _ = writeln!(
                        o,
                        "<tr><td>{} <span class=\"place\">{}</span></td><td>{}</td><td class=\"n\">{}{}</td><td class=\"n\">{}{gap_unit}</td><td>{}</td></tr>",
                        esc(&n.name),
                        esc(&n.source),
                        esc(&n.year),
                        esc(&n.value),
                        esc(&t.unit),
                        esc(&n.gap),
                        badge(v, lang)
                    );
                }
                o.push_str("</table></figure>\n");
            }
            o.push_str("</section>\n");
        }

        // Missing facts.
        if !self.missing.is_empty() {
            let mut m: Vec<(&String, &u64)> = self.missing.iter().collect();
            m.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(
                o,
                "<h2>{}</h2><table class=\"missing-facts\"><tr><th>{}</th><th>{}</th></tr>",
                w(lang, "Facts most often missing", "最常缺少的数据"),
                w(lang, "Fact", "数据"),
                w(lang, "Clusters", "集群数")
            );
            for (name, n) in m.iter().take(30) {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
                    esc(&rows::fact_name(p, name, lang))
                );
            }
            o.push_str("</table>\n");
        }

        // Refused.
        if self.refused > 0 {
            let _ = writeln!(
                o,
                "<h2>{}</h2><table class=\"refused\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                w(lang, "Records that could not be read", "未读入的记录"),
                w(lang, "Source", "来源"),
                w(lang, "Code", "代码"),
                w(lang, "Message", "信息"),
                w(lang, "Place", "位置")
            );
            for r in &self.refused_listed {
                for pb in &r.problems {
                    let _ = writeln!(
                        o,
                        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        esc(&r.source),
                        esc(&pb.code),
                        esc(&pb.message),
                        esc(&pb.place)
                    );
                }
            }
            o.push_str("</table>\n");
            if self.refused > self.refused_listed.len() as u64 {
                let _ = writeln!(
                    o,
                    "<p>{} {}</p>",
                    w(lang, "Not listed:", "未列出："),
                    self.refused - self.refused_listed.len() as u64
                );
            }
        }
        o.push_str("</body>\n</html>\n");
        o
    }
}

/// A bar split by outcome, its parts in the order of the table's columns.
fn stacked(n: &[u64; 5]) -> String {
    let total: u64 = n.iter().sum();
    let (wd, ht) = (160.0, 14.0);
    let mut s = format!(
        "<svg class=\"chart stacked\" role=\"img\" width=\"{wd}\" height=\"{ht}\" viewBox=\"0 0 {wd} {ht}\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"0\" y=\"0\" width=\"{wd}\" height=\"{ht}\" fill=\"#fff\" stroke=\"#999\"/>"
    );
    if total > 0 {
        let colours = ["#c6efce", "#ffc7ce", "#ffeb9c", "#ededed", "#bbdefb"];
        let mut x = 0.0;
        for (k, c) in n.iter().zip(colours) {
            if *k == 0 {
                continue;
            }
            let part = *k as f64 / total as f64 * wd;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"0\" width=\"{part:.1}\" height=\"{ht}\" fill=\"{c}\" stroke=\"#555\" stroke-width=\"0.5\"/>"
            );
            x += part;
        }
    }
    s.push_str("</svg>");
    s
}

fn histogram(bins: &[u64; 8], lang: Lang) -> String {
    let max = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (wd, ht, top, bottom) = (560.0, 170.0, 16.0, 36.0);
    let plot_h = ht - top - bottom;
    let slot = wd / bins.len() as f64;
    let mut s = format!(
        "<svg class=\"chart histogram\" role=\"img\" width=\"{wd}\" height=\"{ht}\" viewBox=\"0 0 {wd} {ht}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\
         <line x1=\"0\" y1=\"{}\" x2=\"{wd}\" y2=\"{}\" stroke=\"#333\"/>",
        w(lang, "Relative gap to the threshold", "与门槛的相对差距"),
        top + plot_h,
        top + plot_h
    );
    for (i, n) in bins.iter().enumerate() {
        let h = (*n as f64 / max) * plot_h;
        let x = slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        // Below the threshold on the left, above it on the right; the middle two bins are
        // within 10%.
        let fill = if i < 4 { "#ef9a9a" } else { "#a5d6a7" };
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#000\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            top + plot_h - h,
            h.max(0.5),
            x + bw / 2.0,
            (top + plot_h - h - 3.0).max(10.0),
            x + bw / 2.0,
            ht - bottom + 16.0,
            bin_label(i)
        );
    }
    s.push_str("</svg>\n");
    lines(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn bins_split_at_their_edges() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(bin_of(d("-0.6")), 0);
        assert_eq!(bin_of(d("-0.5")), 1);
        assert_eq!(bin_of(d("-0.0001")), 3);
        assert_eq!(bin_of(d("0")), 4);
        assert_eq!(bin_of(d("0.0999")), 4);
        assert_eq!(bin_of(d("0.1")), 5);
        assert_eq!(bin_of(d("0.5")), 7);
        assert_eq!(bin_label(0), "<-50%");
        assert_eq!(bin_label(4), "0…10%");
        assert_eq!(bin_label(7), "≥50%");
    }
}
