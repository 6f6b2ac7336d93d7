//! Batch checking without IO: one record's decisions as a JSON line, a refused
//! record's diagnostics, and the summary of a run.
//!
//! The CLI (`src/cli/batch.rs`) reads the records, spreads them over threads and
//! writes what this module formats. A JSON line carries the contract's decisions
//! (`value`, `status`, `missing`) and the record's `source`; it is written directly,
//! without building a JSON tree, because it is the hot path of a large run.

use crate::diag::{line_col, Diag, Text};
use crate::eval::{Evaluation, Status, Value};
use crate::ir::{DecisionKind, Program, Ty};
use crate::render::printable;
use std::fmt::Write as _;
use std::sync::Arc;

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: Arc<str>,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A whole facts file (from a directory).
    File,
    /// A line of a JSON Lines file (1-based).
    Line(u64),
    /// A data row of a CSV file (1-based, the header not counted) and its line.
    Row { row: u64, line: u64 },
}

impl Source {
    /// `"source":{…}` members, without braces.
    fn write_json(&self, out: &mut String) {
        out.push_str("\"source\":{\"file\":");
        json_str(out, &self.file);
        match self.place {
            Place::File => {}
            Place::Line(l) => {
                let _ = write!(out, ",\"line\":{l}");
            }
            Place::Row { row, line } => {
                let _ = write!(out, ",\"row\":{row},\"line\":{line}");
            }
        }
        out.push('}');
    }

    /// `file`, `file:12` or `file row 7 (line 8)`, for people.
    pub fn display(&self) -> String {
        match self.place {
            Place::File => self.file.to_string(),
            Place::Line(l) => format!("{}:{l}", self.file),
            Place::Row { row, line } => format!("{}:{line} (row {row})", self.file),
        }
    }

    /// [`display`](Self::display) in `lang` (`file:8（数据第 7 行）`).
    pub fn display_in(&self, lang: crate::diag::Lang) -> String {
        match (self.place, lang) {
            (Place::Row { row, line }, crate::diag::Lang::Zh) => {
                format!("{}:{line}（数据第 {row} 行）", self.file)
            }
            _ => self.display(),
        }
    }
}

/// A JSON string literal.
pub fn json_str(out: &mut String, s: &str) {
    // Most strings (names, numbers) need no escape: copied whole.
    if crate::facts::quick::plain_len(s.as_bytes()) == s.len() {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or(""));
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// A decision's value as the contract writes it (as `render::json::value` does).
fn write_value(out: &mut String, program: &Program, v: &Value, ty: &Ty) {
    match v {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Date(d) => push_date(out, *d),
        Value::Enum(i) => {
            let name = program.variant_name(ty, *i);
            match name {
                Some(n) => json_str(out, n),
                None => {
                    let _ = write!(out, "\"{i}\"");
                }
            }
        }
        Value::Num(_) | Value::Ratio(_) => {
            json_str(out, &crate::render::json::number_text(program, v, ty));
        }
        Value::Text(t) => json_str(out, t),
        Value::None => out.push_str("null"),
        other => json_str(out, &format!("{other:?}")),
    }
}

/// What follows a decision's value in a line, up to its missing facts: its status
/// ([`Status::as_str`]) in one piece.
fn status_entry(status: Status) -> &'static str {
    match status {
        Status::Decided => ",\"status\":\"decided\",\"missing\":[",
        Status::Undetermined => ",\"status\":\"undetermined\",\"missing\":[",
        Status::NotApplicable => ",\"status\":\"not_applicable\",\"missing\":[",
    }
}

/// `"YYYY-MM-DD"`, as a date displays, its digits written directly for the years a
/// date has here (0 to 9999).
fn push_date(out: &mut String, d: chrono::NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    let Ok(y) = u32::try_from(y) else {
        let _ = write!(out, "\"{d}\"");
        return;
    };
    if y > 9999 {
        let _ = write!(out, "\"{d}\"");
        return;
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    out.push('"');
    for c in [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        '-',
        digit(m / 10),
        digit(m),
        '-',
        digit(day / 10),
        digit(day),
        '"',
    ] {
        out.push(c);
    }
}

/// The start of each decision's entry in a line of [`decisions_line`]
/// (`,"article6.clause1":{"value":`, the first without the comma): the same for every
/// line of a batch, so written once.
pub fn line_keys(program: &Program) -> Vec<String> {
    let key = |(i, d): (usize, &crate::ir::DecisionDef)| {
        let mut key = String::new();
        push_key(&mut key, i, &d.name);
        key
    };
    program.decisions.iter().enumerate().map(key).collect()
}

fn push_key(out: &mut String, i: usize, name: &str) {
    if i > 0 {
        out.push(',');
    }
    json_str(out, name);
    out.push_str(":{\"value\":");
}

/// One cluster's decisions as a line of JSON (with the newline):
/// `{"source":{…},"decisions":{"article6.eligible":{"value":…,"status":…,"missing":[…]},…}}`,
/// plus `"warnings"` (unknown facts and fields, placed as [`warnings`] places them; an
/// evaluation stopped by its step budget) when there are any.
///
/// `keys` are the [`line_keys`] of `program`, made once for a batch; a decision past
/// their end has its entry's start written from its name (`&[]`: every one).
pub fn decisions_line(
    out: &mut String,
    program: &Program,
    keys: &[String],
    ev: &Evaluation,
    source: &Source,
    warnings: &[Problem],
) {
    out.push('{');
    source.write_json(out);
    out.push_str(",\"decisions\":{");
    let mut names: Vec<&str> = Vec::new();
    for (i, (d, r)) in program.decisions.iter().zip(&ev.decisions).enumerate() {
        match keys.get(i) {
            Some(key) => out.push_str(key),
            None => push_key(out, i, &d.name),
        }
        match (r.status, &r.value) {
            (Status::Decided, Some(v)) => write_value(out, program, v, &d.ty),
            _ => out.push_str("null"),
        }
        out.push_str(status_entry(r.status));
        names.clear();
        names.extend(
            r.why
                .missing
                .iter()
                .filter_map(|f| program.facts.get(*f))
                .map(|f| f.name.as_str()),
        );
        names.sort_unstable();
        names.dedup();
        for (j, n) in names.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            json_str(out, n);
        }
        out.push_str("]}");
    }
    out.push('}');
    // An evaluation stopped by its step budget says so among the record's warnings.
    let budget = ev.budget.as_ref().map(|b| Problem::unplaced(b.diag()));
    let warnings: Vec<Problem> = warnings.iter().cloned().chain(budget).collect();
    if !warnings.is_empty() {
        out.push_str(",\"warnings\":");
        problems_json(out, &warnings);
    }
    out.push_str("}\n");
}

/// Where in a record a diagnostic points, for people and for JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A warning (an unknown fact, say) does not refuse its record.
    pub warning: bool,
    pub code: &'static str,
    pub message: Text,
    pub help: Option<Text>,
    /// Line in the input file (1-based), when known.
    pub line: Option<u64>,
    /// Column in that line (1-based, in characters), when known.
    pub column: Option<u64>,
    /// The CSV column (header name) the problem is in.
    pub field: Option<String>,
}

/// Place the diagnostics of a refused record. `text` is what their spans index:
/// the facts file, the JSON line, or the CSV row's `column = value` lines.
pub fn problems(diags: &[Diag], text: &str, source: &Source) -> Vec<Problem> {
    placed(diags.iter().filter(|d| d.is_error()), text, source)
}

/// Place the warnings of a record that was read (unknown facts and fields, with their
/// did-you-mean), as [`problems`] places errors.
pub fn warnings(diags: &[Diag], text: &str, source: &Source) -> Vec<Problem> {
    placed(diags.iter().filter(|d| !d.is_error()), text, source)
}

fn placed<'a>(diags: impl Iterator<Item = &'a Diag>, text: &str, source: &Source) -> Vec<Problem> {
    diags
        .map(|d| {
            let at = d.span.map(|s| line_col(text, s.start as usize));
            let (line, column, field) = match (source.place, at) {
                (Place::File, Some((l, c))) => (Some(l as u64), Some(c as u64), None),
                (Place::Line(n), Some((_, c))) => (Some(n), Some(c as u64), None),
                (Place::Line(n), None) => (Some(n), None, None),
                (Place::Row { line, .. }, Some((l, _))) => {
                    let field = text
                        .lines()
                        .nth(l.saturating_sub(1))
                        .and_then(|x| x.split_once(" = "))
                        .map(|(k, _)| k.to_string());
                    (Some(line), None, field)
                }
                (Place::Row { line, .. }, None) => (Some(line), None, None),
                (Place::File, None) => (None, None, None),
            };
            Problem {
                warning: !d.is_error(),
                code: d.code,
                message: d.message.clone(),
                help: d.help.clone(),
                line,
                column,
                field,
            }
        })
        .collect()
}

impl Problem {
    /// A diagnostic whose place is not in the record (a rule file's, say): its code,
    /// message and help only.
    pub fn unplaced(d: Diag) -> Problem {
        Problem {
            warning: !d.is_error(),
            code: d.code,
            message: d.message,
            help: d.help,
            line: None,
            column: None,
            field: None,
        }
    }

    /// One line for stderr: `file:12:5: error[policy::facts::wrong_type]: … (help: …)`.
    /// Text from the input (the file's name, values quoted in the message) is shown with
    /// control characters escaped, so that it cannot forge a line.
    pub fn display(&self, source: &Source) -> String {
        self.display_in(source, crate::diag::Lang::En)
    }

    /// [`display`](Self::display) in `lang`: under Chinese,
    /// `file:12:5（第 3 行，列 `x`）：错误[policy::facts::wrong_type]：…（帮助：…）`.
    pub fn display_in(&self, source: &Source, lang: crate::diag::Lang) -> String {
        let zh = lang == crate::diag::Lang::Zh;
        let mut s = printable(&source.file).into_owned();
        if let Some(l) = self.line {
            let _ = write!(s, ":{l}");
            if let Some(c) = self.column {
                let _ = write!(s, ":{c}");
            }
        }
        if let Place::Row { row, .. } = source.place {
            if zh {
                let _ = write!(s, "（数据第 {row} 行");
            } else {
                let _ = write!(s, " (row {row}");
            }
            if let Some(f) = &self.field {
                if zh {
                    let _ = write!(s, "，列 `{}`", printable(f));
                } else {
                    let _ = write!(s, ", column `{}`", printable(f));
                }
            }
            s.push(if zh { '）' } else { ')' });
        }
        let level = match (self.warning, zh) {
            (true, false) => "warning",
            (false, false) => "error",
            (true, true) => "警告",
            (false, true) => "错误",
        };
        let colon = if zh { "：" } else { ": " };
        let _ = write!(
            s,
            "{}{level}[{}]{colon}{}",
            if zh { "：" } else { ": " },
            self.code,
            printable(self.message.get(lang))
        );
        if let Some(h) = &self.help {
            if zh {
                let _ = write!(s, "（帮助：{}）", printable(h.get(lang)));
            } else {
                let _ = write!(s, " (help: {})", printable(h.get(lang)));
            }
        }
        s
    }
}

/// A refused record as a line of JSON (with the newline):
/// `{"source":{…},"refused":[{"code":…,"message":…,"line":…,"column":…,"help":…}]}`.
pub fn refused_line(out: &mut String, source: &Source, problems: &[Problem]) {
    out.push('{');
    source.write_json(out);
    out.push_str(",\"refused\":");
    problems_json(out, problems);
    out.push_str("}\n");
}

/// `[{"code":…,"message":…,"line":…,"column":…,"field":…,"help":…}, …]`
fn problems_json(out: &mut String, problems: &[Problem]) {
    out.push('[');
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"code\":");
        json_str(out, p.code);
        out.push_str(",\"message\":");
        json_str(out, &p.message.en);
        if let Some(l) = p.line {
            let _ = write!(out, ",\"line\":{l}");
        }
        if let Some(c) = p.column {
            let _ = write!(out, ",\"column\":{c}");
        }
        if let Some(f) = &p.field {
            out.push_str(",\"field\":");
            json_str(out, f);
        }
        if let Some(h) = &p.help {
            out.push_str(",\"help\":");
            json_str(out, &h.en);
        }
        out.push('}');
    }
    out.push(']');
}

/// One cluster as a line for people: its source, its name, and the value of each
/// decision that is not a clause (`article6.eligible=true article15.status=valid …`).
pub fn human_line(
    out: &mut String,
    program: &Program,
    ev: &Evaluation,
    source: &Source,
    name: Option<&str>,
) {
    human_line_in(out, program, ev, source, name, crate::diag::Lang::En);
}

/// [`human_line`] in `lang`: under Chinese each decision by its label and its value in
/// words (`撤销认定=否  认定状态=有效`); the ids are in the summary table.
pub fn human_line_in(
    out: &mut String,
    program: &Program,
    ev: &Evaluation,
    source: &Source,
    name: Option<&str>,
    lang: crate::diag::Lang,
) {
    let zh = lang == crate::diag::Lang::Zh;
    out.push_str(&printable(&source.display_in(lang)));
    if let Some(n) = name {
        out.push_str("  ");
        out.push_str(&printable(n));
    }
    for (d, r) in program.decisions.iter().zip(&ev.decisions) {
        if matches!(d.kind, DecisionKind::Clause(_)) {
            continue;
        }
        out.push_str("  ");
        match (&d.label, zh) {
            (Some(l), true) => out.push_str(&printable(l)),
            _ => out.push_str(&d.name),
        }
        out.push('=');
        match (r.status, &r.value) {
            (Status::Decided, Some(v)) => {
                let mut s = String::new();
                write_value(&mut s, program, v, &d.ty);
                let s = s.trim_matches('"');
                if zh {
                    out.push_str(&printable(&value_zh(program, d, s)));
                } else {
                    out.push_str(&printable(s));
                }
            }
            (s, _) if zh => out.push_str(&value_zh(program, d, s.as_str())),
            (s, _) => out.push_str(s.as_str()),
        }
    }
    out.push('\n');
}

/// A value of a batch line or summary in Chinese: 是、否、无法判定、不适用、已判定, a
/// category by its label; anything else (a date) as it is.
fn value_zh(program: &Program, d: &crate::ir::DecisionDef, v: &str) -> String {
    let clause = matches!(d.kind, DecisionKind::Clause(_));
    let ty = &d.ty;
    match v {
        "true" if clause => "满足".into(),
        "false" if clause => "不满足".into(),
        "true" => "是".into(),
        "false" => "否".into(),
        "undetermined" => "无法判定".into(),
        "not_applicable" => "不适用".into(),
        "decided" => "已判定".into(),
        _ => match ty {
            Ty::Enum(e) => program
                .enums
                .get(*e)
                .and_then(|d| d.variants.iter().find(|(n, _)| n == v))
                .and_then(|(_, l)| l.clone())
                .unwrap_or_else(|| v.to_string()),
            _ => v.to_string(),
        },
    }
}

/// The counts of a run: records read and refused, and for each decision how many
/// clusters had each value. Yes/no and category decisions are counted by value;
/// decisions of other types (dates) by status (`decided`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub read: u64,
    pub refused: u64,
    /// Per decision: counts by key (see [`Summary::key_name`]).
    counts: Vec<Vec<u64>>,
}

const NOT_APPLICABLE: usize = 0;
const UNDETERMINED: usize = 1;
const DECIDED: usize = 2;
const FALSE: usize = 3;
const TRUE: usize = 4;
const ENUM0: usize = 5;

impl Summary {
    pub fn new(program: &Program) -> Summary {
        Summary {
            read: 0,
            refused: 0,
            counts: vec![Vec::new(); program.decisions.len()],
        }
    }

    /// Count one evaluated cluster.
    pub fn add(&mut self, ev: &Evaluation) {
        self.read += 1;
        for (c, r) in self.counts.iter_mut().zip(&ev.decisions) {
            let k = match (r.status, &r.value) {
                (Status::NotApplicable, _) => NOT_APPLICABLE,
                (Status::Undetermined, _) | (Status::Decided, None) => UNDETERMINED,
                (Status::Decided, Some(Value::Bool(false))) => FALSE,
                (Status::Decided, Some(Value::Bool(true))) => TRUE,
                (Status::Decided, Some(Value::Enum(i))) => ENUM0 + i,
                (Status::Decided, Some(_)) => DECIDED,
            };
            if c.len() <= k {
                c.resize(k + 1, 0);
            }
            if let Some(x) = c.get_mut(k) {
                *x += 1;
            }
        }
    }

    pub fn merge(&mut self, other: &Summary) {
        self.read += other.read;
        self.refused += other.refused;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    /// Records in the input: read + refused.
    pub fn records(&self) -> u64 {
        self.read + self.refused
    }

    fn key_name(program: &Program, ty: &Ty, k: usize) -> String {
        match k {
            NOT_APPLICABLE => "not_applicable".into(),
            UNDETERMINED => "undetermined".into(),
            DECIDED => "decided".into(),
            FALSE => "false".into(),
            TRUE => "true".into(),
            _ => {
                let i = k - ENUM0;
                match ty {
                    Ty::Enum(e) => program
                        .enums
                        .get(*e)
                        .and_then(|d| d.variants.get(i))
                        .map(|(n, _)| n.clone())
                        .unwrap_or_else(|| i.to_string()),
                    _ => i.to_string(),
                }
            }
        }
    }

    /// For each decision, (value, count) in a fixed order: values first, then
    /// `undetermined` and `not_applicable`; values never seen are left out.
    pub fn counts(&self, program: &Program) -> Vec<(String, Vec<(String, u64)>)> {
        program
            .decisions
            .iter()
            .zip(&self.counts)
            .map(|(d, c)| {
                let order = (TRUE..=TRUE)
                    .chain(FALSE..=FALSE)
                    .chain(ENUM0..c.len().max(ENUM0))
                    .chain([DECIDED, UNDETERMINED, NOT_APPLICABLE]);
                let v = order
                    .filter_map(|k| {
                        let n = c.get(k).copied().unwrap_or(0);
                        (n > 0).then(|| (Self::key_name(program, &d.ty, k), n))
                    })
                    .collect();
                (d.name.clone(), v)
            })
            .collect()
    }

    /// The summary as one line of JSON (with the newline).
    pub fn json_line(&self, program: &Program) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\"summary\":{{\"records\":{},\"read\":{},\"refused\":{},\"decisions\":{{",
            self.records(),
            self.read,
            self.refused
        );
        for (i, (name, vals)) in self.counts(program).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(&mut out, name);
            out.push_str(":{");
            for (j, (k, n)) in vals.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                json_str(&mut out, k);
                let _ = write!(out, ":{n}");
            }
            out.push('}');
        }
        out.push_str("}}}\n");
        out
    }

    /// The summary as a table for people.
    pub fn table(&self, program: &Program) -> String {
        self.table_in(program, crate::diag::Lang::En)
    }

    /// [`table`](Self::table) in `lang`: under Chinese, decisions by label with the id
    /// in brackets and values in words, columns aligned by display width.
    pub fn table_in(&self, program: &Program, lang: crate::diag::Lang) -> String {
        use unicode_width::UnicodeWidthStr as _;
        let zh = lang == crate::diag::Lang::Zh;
        let mut out = String::new();
        if zh {
            let _ = writeln!(
                out,
                "已读取集群：{}   拒收：{}   记录：{}",
                self.read,
                self.refused,
                self.records()
            );
        } else {
            let _ = writeln!(
                out,
                "clusters read: {}   refused: {}   records: {}",
                self.read,
                self.refused,
                self.records()
            );
        }
        let rows: Vec<(String, String, u64)> = self
            .counts(program)
            .into_iter()
            .zip(&program.decisions)
            .flat_map(|((name, vals), d)| {
                let name = match (&d.label, zh) {
                    (Some(l), true) => format!("{} [{name}]", printable(l)),
                    _ => name,
                };
                vals.into_iter().enumerate().map(move |(i, (k, n))| {
                    let k = if zh { value_zh(program, d, &k) } else { k };
                    (if i == 0 { name.clone() } else { String::new() }, k, n)
                })
            })
            .collect();
        let w1 = rows.iter().map(|r| r.0.width()).max().unwrap_or(0).max(8);
        let w2 = rows.iter().map(|r| r.1.width()).max().unwrap_or(0).max(5);
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.width())));
        let (h1, h2, h3) = if zh {
            ("判定", "值", "集群数")
        } else {
            ("decision", "value", "clusters")
        };
        let _ = writeln!(
            out,
            "{}  {}  {}{h3}",
            pad(h1, w1),
            pad(h2, w2),
            " ".repeat(8usize.saturating_sub(h3.width()))
        );
        for (a, b, n) in rows {
            let _ = writeln!(out, "{}  {}  {n:>8}", pad(&a, w1), pad(&b, w2));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A date's digits written directly are the date as it displays, at every width of
    /// year and at the ends of the range written so; past them, as it displays.
    #[test]
    fn dates_are_written_as_they_display() {
        let days = [
            (0, 1, 1),
            (7, 2, 9),
            (99, 10, 31),
            (999, 12, 1),
            (2024, 2, 29),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 6, 15),
            (-2024, 3, 1),
        ];
        for (y, m, d) in days {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            let mut out = String::from("x");
            push_date(&mut out, date);
            assert_eq!(out, format!("x\"{date}\""));
        }
    }

    /// A status in a line is its name, in one piece with what surrounds it.
    #[test]
    fn a_status_is_written_by_its_name() {
        for s in [Status::Decided, Status::Undetermined, Status::NotApplicable] {
            assert_eq!(
                status_entry(s),
                format!(",\"status\":\"{}\",\"missing\":[", s.as_str())
            );
        }
    }

    /// The entries' starts made once give the line that writing each name gives.
    #[test]
    fn a_line_with_its_keys_made_once_is_the_line_written_name_by_name() {
        let text = "policy \"甲\" {\n  in_force 2020-01-01 to 2099-12-31\n}\n\
                    fact 甲 \"甲\": bool\nfact 乙 \"乙\": bool\n\
                    article 1 \"一\" {\n  clause 1 \"一\" {\n    rule \"甲\": 甲\n  }\n\
                    clause 2 \"二\" {\n    rule \"乙\": 乙\n  }\n}\n";
        let p = &crate::program_of(text);
        let keys = line_keys(p);
        assert_eq!(
            keys,
            [
                "\"article1.clause1\":{\"value\":",
                ",\"article1.clause2\":{\"value\":"
            ]
        );
        let facts = crate::eval::Facts {
            values: p
                .facts
                .iter()
                .map(|f| (f.name == "甲").then_some(Value::Bool(true)))
                .collect(),
        };
        let day = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
        let ev = crate::eval::evaluate(p, &facts, day, false);
        let source = Source {
            file: Arc::from("f.jsonl"),
            place: Place::Line(1),
        };
        let (mut with, mut without) = (String::new(), String::new());
        decisions_line(&mut with, p, &keys, &ev, &source, &[]);
        decisions_line(&mut without, p, &[], &ev, &source, &[]);
        assert_eq!(with, without);
        assert_eq!(
            with,
            "{\"source\":{\"file\":\"f.jsonl\",\"line\":1},\"decisions\":{\
             \"article1.clause1\":{\"value\":true,\"status\":\"decided\",\"missing\":[]},\
             \"article1.clause2\":{\"value\":null,\"status\":\"undetermined\",\"missing\":[\"乙\"]}}}\n"
        );
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        json_str(&mut s, "a\"b\\c\nd\u{1}张");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001张\"");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v, "a\"b\\c\nd\u{1}张");
        // Nothing to escape: copied whole.
        for plain in ["article6.clause1", "集群名称0", "", "28.40"] {
            let mut s = String::new();
            json_str(&mut s, plain);
            assert_eq!(s, format!("\"{plain}\""));
        }
        // One character to escape, at either end.
        for (raw, escaped) in [
            ("\"a", "\"\\\"a\""),
            ("a\t", "\"a\\t\""),
            ("\u{1f}", "\"\\u001f\""),
        ] {
            let mut s = String::new();
            json_str(&mut s, raw);
            assert_eq!(s, escaped);
        }
    }
}
