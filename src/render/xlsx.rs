//! The results as an Excel workbook (`policy check --format xlsx --output FILE`).
//!
//! Five sheets, their headers in the reader's language:
//! - results (结果): one row per cluster, a column per decision coloured by outcome and
//!   spelled out (满足 / 不满足 / 无法判定 / 不适用), each followed by its reason and
//!   its missing facts;
//! - margins (差距): one row per cluster, comparison against a threshold the rules state,
//!   and year — value, threshold, gap and relative gap as numbers that sort;
//! - summary (汇总): counts per decision;
//! - about (说明): document, period in force, evaluation date, rule-set fingerprint and
//!   the assumptions of the rule set;
//! - refused (未读入的记录): the records that could not be read.
//!
//! Exact decimals: a value is written as an Excel number when the double Excel stores
//! gives back exactly the decimal the facts or rules wrote (at most 15 significant
//! digits); otherwise the cell holds the nearest double (it still sorts) and the column
//! “exact values” beside it holds the exact texts of the row. A value the JSON output
//! marks `≈` (a share, a growth rate, rounded) is written as that rounded number, with its
//! `≈` text in the same column.
//!
//! This module does no IO of its own: [`Book::finish`] returns the file's bytes, and
//! [`Book::finish_to`] writes them to a writer it is given. For a
//! batch, [`Book::new`] can be given a folder where the workbook spools its rows
//! (rust_xlsxwriter's constant-memory mode), so that memory does not grow with the number
//! of clusters.

use super::rows::{Cell, ClusterRow, Column, Margin, Num, Refused, Verdict};
use super::*;
use crate::diag::Lang;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

const RESULTS: usize = 0;
const MARGINS: usize = 1;
const SUMMARY: usize = 2;
const ABOUT: usize = 3;
const REFUSED: usize = 4;

/// Excel's last row (1,048,576 rows, the header being one).
const MAX_ROW: u32 = 1_048_575;

/// What the about sheet says of the run.
pub struct Meta {
    pub fingerprint: String,
    pub as_of: chrono::NaiveDate,
}

fn w(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn err(e: XlsxError) -> Box<Diag> {
    Box::new(
        Diag::error(
            "policy::render::xlsx",
            (
                format!("cannot write the workbook: {e}"),
                format!("无法生成工作簿：{e}"),
            ),
        )
        .help((
            "check that the output folder is writable and has room",
            "请检查输出文件夹是否可写、空间是否足够",
        )),
    )
}

/// A workbook being written, one cluster at a time.
pub struct Book {
    wb: Workbook,
    lang: Lang,
    columns: Vec<Column>,
    /// Per decision: how many clusters had each verdict, and, for a category, each value.
    counts: Vec<[u64; 5]>,
    values: Vec<BTreeMap<String, u64>>,
    categorical: Vec<bool>,
    row: u32,
    margin_row: u32,
    refused_row: u32,
    clusters: u64,
    refused: u64,
    /// Rows that did not fit in a sheet.
    dropped: u64,
    header: Format,
    wrap: Format,
    verdict_formats: [Format; 5],
    numbers: HashMap<(u32, String), Format>,
    date: Format,
    percent: Format,
    about: Vec<(String, String)>,
}

fn width(s: &str) -> f64 {
    unicode_width::UnicodeWidthStr::width(s) as f64
}

fn verdict_format(v: Verdict) -> Format {
    let base = Format::new().set_border(FormatBorder::Thin);
    match v {
        Verdict::Met => base.set_background_color(Color::RGB(0xC6EFCE)),
        Verdict::NotMet => base.set_background_color(Color::RGB(0xFFC7CE)).set_bold(),
        Verdict::Undetermined => base.set_background_color(Color::RGB(0xFFEB9C)).set_italic(),
        Verdict::NotApplicable => base.set_background_color(Color::RGB(0xEDEDED)),
        Verdict::Value => base,
    }
}

fn verdict_index(v: Verdict) -> usize {
    match v {
        Verdict::Met => 0,
        Verdict::NotMet => 1,
        Verdict::Undetermined => 2,
        Verdict::NotApplicable => 3,
        Verdict::Value => 4,
    }
}

impl Book {
    /// A new workbook for `program`'s decisions. With `spool`, the results, margins and
    /// refused sheets keep only their current row in memory and the rest in temporary files
    /// in that folder.
    pub fn new(
        program: &Program,
        meta: &Meta,
        lang: Lang,
        spool: Option<&Path>,
    ) -> Result<Book, Box<Diag>> {
        let mut wb = Workbook::new();
        if let Some(dir) = spool {
            wb.set_tempdir(dir).map_err(err)?;
        }
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border(FormatBorder::Thin);
        let names = [
            w(lang, "Results", "结果"),
            w(lang, "Margins", "差距"),
            w(lang, "Summary", "汇总"),
            w(lang, "About", "说明"),
            w(lang, "Refused records", "未读入的记录"),
        ];
        for (i, name) in names.iter().enumerate() {
            let big = spool.is_some() && matches!(i, RESULTS | MARGINS | REFUSED);
            let ws = if big {
                wb.add_worksheet_with_constant_memory().map_err(err)?
            } else {
                wb.add_worksheet()
            };
            ws.set_name(*name).map_err(err)?;
        }
        let columns = rows::columns(program);
        let categorical = program
            .decisions
            .iter()
            .map(|d| matches!(d.ty, crate::ir::Ty::Enum(_)))
            .collect();
        let mut book = Book {
            counts: vec![[0; 5]; columns.len()],
            values: vec![BTreeMap::new(); columns.len()],
            categorical,
            columns,
            lang,
            row: 0,
            margin_row: 0,
            refused_row: 0,
            clusters: 0,
            refused: 0,
            dropped: 0,
            verdict_formats: Verdict::ALL.map(verdict_format),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            numbers: HashMap::new(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            percent: Format::new().set_num_format("0.0%"),
            header,
            wb,
            about: about_lines(program, meta, lang),
        };
        book.headers().map_err(err)?;
        Ok(book)
    }

    fn headers(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let header = self.header.clone();
        let cols = self.columns.clone();
        let ws = self.wb.worksheet_from_index(RESULTS)?;
        let mut heads: Vec<(String, f64)> = vec![
            (w(lang, "Cluster", "集群").into(), 24.0),
            (w(lang, "Source", "来源").into(), 18.0),
        ];
        for c in &cols {
            let t = c.title.clone();
            let wd = (width(&t) / 2.0).clamp(10.0, 24.0);
            heads.push((format!("{t}\n[{}]", c.id), wd));
            heads.push((
                format!("{}{}", w(lang, "Reason: ", "原因："), short(&t)),
                28.0,
            ));
            heads.push((
                format!("{}{}", w(lang, "Missing: ", "缺少："), short(&t)),
                20.0,
            ));
        }
        write_head(ws, &heads, &header)?;
        ws.set_row_height(0, 60)?;
        ws.set_freeze_panes(1, 1)?;

        let ws = self.wb.worksheet_from_index(MARGINS)?;
        let heads: Vec<(String, f64)> = [
            (w(lang, "Cluster", "集群"), 24.0),
            (w(lang, "Source", "来源"), 18.0),
            (w(lang, "Decision", "决定"), 24.0),
            (w(lang, "Rule", "规则"), 28.0),
            (w(lang, "Expression", "比较"), 28.0),
            (w(lang, "Year", "年度"), 8.0),
            (
                w(lang, "Value (unit in the cell)", "数值（单位见单元格）"),
                14.0,
            ),
            (
                w(lang, "Threshold (unit in the cell)", "门槛（单位见单元格）"),
                14.0,
            ),
            (
                w(lang, "Gap = value − threshold", "差距 = 数值 − 门槛"),
                14.0,
            ),
            (
                w(
                    lang,
                    "Relative gap (gap ÷ threshold)",
                    "相对差距（差距 ÷ 门槛）",
                ),
                12.0,
            ),
            (w(lang, "Unit", "单位"), 10.0),
            (w(lang, "Outcome", "结果"), 10.0),
            (
                w(lang, "Exact values (when rounded)", "精确值（有舍入时）"),
                24.0,
            ),
            (w(lang, "Place in the rule file", "规则文件位置"), 24.0),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), *b))
        .collect();
        write_head(ws, &heads, &header)?;
        ws.set_row_height(0, 45)?;
        ws.set_freeze_panes(1, 1)?;

        let ws = self.wb.worksheet_from_index(REFUSED)?;
        let heads: Vec<(String, f64)> = [
            (w(lang, "Source", "来源"), 24.0),
            (w(lang, "Code", "代码"), 28.0),
            (w(lang, "Message", "信息"), 60.0),
            (w(lang, "Place", "位置"), 20.0),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), *b))
        .collect();
        write_head(ws, &heads, &header)?;
        ws.set_freeze_panes(1, 0)?;
        Ok(())
    }

    /// Add one cluster: its row of results and its margins.
    pub fn add(&mut self, row: &ClusterRow) -> Result<(), Box<Diag>> {
        self.clusters += 1;
        for (i, c) in row.cells.iter().enumerate() {
            if let Some(n) = self.counts.get_mut(i) {
                if let Some(x) = n.get_mut(verdict_index(c.verdict)) {
                    *x += 1;
                }
            }
            if c.verdict == Verdict::Value && self.categorical.get(i) == Some(&true) {
                if let Some(m) = self.values.get_mut(i) {
                    *m.entry(c.value.clone()).or_default() += 1;
                }
            }
        }
        if self.row >= MAX_ROW {
            self.dropped += 1;
            return Ok(());
        }
        self.row += 1;
        self.write_row(row).map_err(err)?;
        for m in &row.margins {
            if self.margin_row >= MAX_ROW {
                self.dropped += 1;
                break;
            }
            self.margin_row += 1;
            self.write_margin(row, m).map_err(err)?;
        }
        Ok(())
    }

    fn write_row(&mut self, row: &ClusterRow) -> Result<(), XlsxError> {
        let r = self.row;
        let lang = self.lang;
        let formats = self.verdict_formats.clone();
        let wrap = self.wrap.clone();
        let ws = self.wb.worksheet_from_index(RESULTS)?;
        ws.write_string(r, 0, &row.name)?;
        ws.write_string(r, 1, &row.source)?;
        for (i, c) in row.cells.iter().enumerate() {
            let col = 2 + 3 * i as u16;
            let f = formats
                .get(verdict_index(c.verdict))
                .cloned()
                .unwrap_or_default();
            ws.write_string_with_format(r, col, cell_text(c, lang), &f)?;
            if !c.reason.is_empty() {
                ws.write_string_with_format(r, col + 1, &c.reason, &wrap)?;
            }
            if !c.missing.is_empty() {
                ws.write_string_with_format(r, col + 2, c.missing.join(", "), &wrap)?;
            }
        }
        Ok(())
    }

    fn number_format(&mut self, scale: u32, unit: &str) -> Format {
        let key = (scale.min(10), unit.to_string());
        if let Some(f) = self.numbers.get(&key) {
            return f.clone();
        }
        let digits = if key.0 == 0 {
            "0".to_string()
        } else {
            format!("0.{}", "0".repeat(key.0 as usize))
        };
        // The unit as literal text: `"` cannot be in it, and `%` must not scale the number.
        let unit_text: String = unit.chars().filter(|c| *c != '"' && *c != '\\').collect();
        let fmt = if unit_text.is_empty() {
            digits
        } else {
            format!("{digits}\"{unit_text}\"")
        };
        let f = Format::new().set_num_format(fmt);
        self.numbers.insert(key, f.clone());
        f
    }

    /// Write a number (or date, or text) given as the JSON output writes it; returns
    /// the exact text when the cell could not hold it exactly.
    fn put(
        &mut self,
        sheet: usize,
        r: u32,
        col: u16,
        text: &str,
        unit: &str,
    ) -> Result<Option<String>, XlsxError> {
        let parsed = Num::parse(text);
        match parsed {
            Num::Exact(d) | Num::Approx(d) => {
                let (f, exact) = to_f64(d);
                let fmt = self.number_format(d.scale(), unit);
                let ws = self.wb.worksheet_from_index(sheet)?;
                ws.write_number_with_format(r, col, f, &fmt)?;
                let approx = matches!(parsed, Num::Approx(_));
                Ok((approx || !exact).then(|| format!("{text}{unit}")))
            }
            Num::Date(d) => {
                let date = self.date.clone();
                let ws = self.wb.worksheet_from_index(sheet)?;
                let (y, m, dd) = (
                    u16::try_from(chrono::Datelike::year(&d)).unwrap_or(0),
                    u8::try_from(chrono::Datelike::month(&d)).unwrap_or(0),
                    u8::try_from(chrono::Datelike::day(&d)).unwrap_or(0),
                );
                match ExcelDateTime::from_ymd(y, m, dd) {
                    Ok(x) => {
                        ws.write_datetime_with_format(r, col, &x, &date)?;
                        Ok(None)
                    }
                    // Before 1900 or past 9999: Excel has no such date; keep the text.
                    Err(_) => {
                        ws.write_string(r, col, text)?;
                        Ok(None)
                    }
                }
            }
            Num::Other => {
                if !text.is_empty() {
                    let ws = self.wb.worksheet_from_index(sheet)?;
                    ws.write_string(r, col, format!("{text}{unit}"))?;
                }
                Ok(None)
            }
        }
    }

    fn write_margin(&mut self, row: &ClusterRow, m: &Margin) -> Result<(), XlsxError> {
        let r = self.margin_row;
        let lang = self.lang;
        let title = self
            .columns
            .get(m.decision)
            .map(|c| c.title.clone())
            .unwrap_or_default();
        {
            let ws = self.wb.worksheet_from_index(MARGINS)?;
            ws.write_string(r, 0, &row.name)?;
            ws.write_string(r, 1, &row.source)?;
            ws.write_string(r, 2, &title)?;
            ws.write_string(r, 3, &m.rule)?;
            ws.write_string(r, 4, &m.expression)?;
            if let Ok(y) = m.year.parse::<i32>() {
                ws.write_number(r, 5, f64::from(y))?;
            } else if !m.year.is_empty() {
                ws.write_string(r, 5, &m.year)?;
            }
        }
        let mut exact = Vec::new();
        let gap_unit = unit_shown(&m.gap_unit, lang);
        for (col, text, unit, name) in [
            (6, &m.value, m.unit.as_str(), w(lang, "value", "数值")),
            (
                7,
                &m.threshold,
                m.unit.as_str(),
                w(lang, "threshold", "门槛"),
            ),
            (8, &m.gap, gap_unit.as_str(), w(lang, "gap", "差距")),
        ] {
            if let Some(t) = self.put(MARGINS, r, col, text, unit)? {
                exact.push(format!("{name} {t}"));
            }
        }
        let percent = self.percent.clone();
        let ws = self.wb.worksheet_from_index(MARGINS)?;
        if let Some(rel) = m.relative() {
            ws.write_number_with_format(r, 9, to_f64(rel).0, &percent)?;
        }
        ws.write_string(r, 10, &m.unit)?;
        let word = match m.holds {
            Some(true) => Verdict::Met.word(lang),
            Some(false) => Verdict::NotMet.word(lang),
            None => Verdict::Undetermined.word(lang),
        };
        let v = match m.holds {
            Some(true) => Verdict::Met,
            Some(false) => Verdict::NotMet,
            None => Verdict::Undetermined,
        };
        let f = self
            .verdict_formats
            .get(verdict_index(v))
            .cloned()
            .unwrap_or_default();
        let ws = self.wb.worksheet_from_index(MARGINS)?;
        ws.write_string_with_format(r, 11, word, &f)?;
        if !exact.is_empty() {
            ws.write_string(
                r,
                12,
                exact.join(if lang == Lang::Zh { "；" } else { "; " }),
            )?;
        }
        ws.write_string(r, 13, &m.place)?;
        Ok(())
    }

    /// Add a record that could not be read.
    pub fn add_refused(&mut self, rec: &Refused) -> Result<(), Box<Diag>> {
        self.refused += 1;
        let wrap = self.wrap.clone();
        for p in &rec.problems {
            if self.refused_row >= MAX_ROW {
                self.dropped += 1;
                return Ok(());
            }
            self.refused_row += 1;
            let r = self.refused_row;
            let ws = self.wb.worksheet_from_index(REFUSED).map_err(err)?;
            let res = (|| -> Result<(), XlsxError> {
                ws.write_string(r, 0, &rec.source)?;
                ws.write_string(r, 1, &p.code)?;
                ws.write_string_with_format(r, 2, &p.message, &wrap)?;
                ws.write_string(r, 3, &p.place)?;
                Ok(())
            })();
            res.map_err(err)?;
        }
        Ok(())
    }

    /// How many clusters were added, and how many records refused.
    pub fn counts(&self) -> (u64, u64) {
        (self.clusters, self.refused)
    }

    /// The summary and about sheets, and the whole file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, Box<Diag>> {
        self.summary().map_err(err)?;
        self.about_sheet().map_err(err)?;
        self.wb.save_to_buffer().map_err(err)
    }

    /// [`Book::finish`], the file written to `out` as it is made, so that a large workbook
    /// is never whole in memory.
    pub fn finish_to(mut self, out: &mut (dyn std::io::Write + Send)) -> Result<(), Box<Diag>> {
        self.summary().map_err(err)?;
        self.about_sheet().map_err(err)?;
        self.wb.save_to_writer(out).map_err(err)
    }

    fn summary(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let header = self.header.clone();
        let formats = self.verdict_formats.clone();
        let mut heads: Vec<(String, f64)> = vec![
            (w(lang, "Decision", "决定").into(), 36.0),
            (w(lang, "Id", "编号").into(), 22.0),
        ];
        for v in Verdict::ALL {
            heads.push((v.word(lang).into(), 10.0));
        }
        heads.push((w(lang, "Total", "合计").into(), 10.0));
        heads.push((w(lang, "Values", "取值").into(), 36.0));
        let ws = self.wb.worksheet_from_index(SUMMARY)?;
        write_head(ws, &heads, &header)?;
        ws.set_freeze_panes(1, 0)?;
        for (i, c) in self.columns.iter().enumerate() {
            let r = 1 + i as u32;
            ws.write_string(r, 0, &c.title)?;
            ws.write_string(r, 1, &c.id)?;
            let counts = self.counts.get(i).copied().unwrap_or_default();
            for (k, n) in counts.iter().enumerate() {
                let f = formats.get(k).cloned().unwrap_or_default();
                ws.write_number_with_format(r, 2 + k as u16, *n as f64, &f)?;
            }
            ws.write_number(r, 7, counts.iter().sum::<u64>() as f64)?;
            if let Some(vals) = self.values.get(i).filter(|v| !v.is_empty()) {
                let t: Vec<String> = vals.iter().map(|(k, n)| format!("{k} {n}")).collect();
                ws.write_string(r, 8, t.join(if lang == Lang::Zh { "；" } else { "; " }))?;
            }
        }
        Ok(())
    }

    fn about_sheet(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let header = self.header.clone();
        let wrap = self.wrap.clone();
        let mut lines = self.about.clone();
        lines.push((
            w(lang, "Clusters evaluated", "已评价的集群").into(),
            self.clusters.to_string(),
        ));
        lines.push((
            w(lang, "Records refused", "未读入的记录").into(),
            self.refused.to_string(),
        ));
        if self.dropped > 0 {
            lines.push((
                w(
                    lang,
                    "Rows beyond Excel's limit, not written",
                    "超出 Excel 行数上限而未写入的行",
                )
                .into(),
                self.dropped.to_string(),
            ));
        }
        let ws = self.wb.worksheet_from_index(ABOUT)?;
        write_head(
            ws,
            &[
                (w(lang, "Item", "项目").into(), 24.0),
                (w(lang, "Value", "内容").into(), 90.0),
            ],
            &header,
        )?;
        ws.set_freeze_panes(1, 0)?;
        for (i, (k, v)) in lines.iter().enumerate() {
            let r = 1 + i as u32;
            ws.write_string(r, 0, k)?;
            ws.write_string_with_format(r, 1, v, &wrap)?;
        }
        Ok(())
    }
}

/// A title shortened for a neighbouring column's header.
fn short(t: &str) -> String {
    let mut s: String = t.chars().take(12).collect();
    if t.chars().count() > 12 {
        s.push('…');
    }
    s
}

fn write_head(
    ws: &mut Worksheet,
    heads: &[(String, f64)],
    header: &Format,
) -> Result<(), XlsxError> {
    for (i, (h, wd)) in heads.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.set_column_width(c, *wd)?;
        ws.write_string_with_format(0, c, h, header)?;
    }
    Ok(())
}

/// A decision's cell: the outcome's word, or the value decided.
pub fn cell_text(c: &Cell, lang: Lang) -> String {
    match c.verdict {
        Verdict::Value => c.value.clone(),
        v => v.word(lang).to_string(),
    }
}

/// The unit of a gap as a person reads it.
pub fn unit_shown(unit: &str, lang: Lang) -> String {
    match (unit, lang) {
        ("days", Lang::Zh) => "天".into(),
        (u, Lang::Zh) if u == crate::eval::PERCENTAGE_POINTS => "个百分点".into(),
        (u, _) => u.to_string(),
    }
}

/// The double nearest `d`, and whether it gives `d` back exactly (at most 15 significant
/// digits, and the shortest text of the double is `d`).
pub fn to_f64(d: Decimal) -> (f64, bool) {
    let f = d.to_f64().unwrap_or(f64::NAN);
    let n = d.normalize();
    let digits = n
        .mantissa()
        .unsigned_abs()
        .to_string()
        .trim_end_matches('0')
        .len();
    let back = Decimal::from_str(&format!("{f}"))
        .ok()
        .map(|x| x.normalize());
    (f, f.is_finite() && digits <= 15 && back == Some(n))
}

fn about_lines(p: &Program, meta: &Meta, lang: Lang) -> Vec<(String, String)> {
    let h = &p.header;
    let mut v: Vec<(String, String)> = vec![(w(lang, "Title", "标题").into(), h.title.clone())];
    if let Some(d) = &h.document {
        v.push((w(lang, "Document", "文件").into(), d.clone()));
    }
    if let Some(name) = &h.version {
        v.push((w(lang, "Version", "版本").into(), name.clone()));
    }
    if h.in_force.from.is_some() {
        let until = h
            .in_force
            .until
            .map(|d| d.to_string())
            .unwrap_or_else(|| w(lang, "(no end)", "（无截止日）").into());
        let from = h.in_force.from.map(|d| d.to_string()).unwrap_or_default();
        v.push((
            w(lang, "In force", "有效期").into(),
            format!("{from} – {until}"),
        ));
    }
    v.push((
        w(lang, "Evaluation date", "评价日").into(),
        meta.as_of.to_string(),
    ));
    v.push((
        w(
            lang,
            "Rule-set fingerprint (SHA-256)",
            "规则集指纹（SHA-256）",
        )
        .into(),
        meta.fingerprint.clone(),
    ));
    let mut seen: Vec<&str> = Vec::new();
    for a in &p.annotations {
        if a.kind == AnnotKind::Assumption && !seen.contains(&a.text.as_str()) {
            seen.push(&a.text);
            v.push((
                w(
                    lang,
                    "Assumption (not in the measures)",
                    "假定（办法未作规定）",
                )
                .into(),
                a.text.clone(),
            ));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimals_are_numbers_only_when_they_round_trip() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(to_f64(d("28.40")), (28.4, true));
        assert_eq!(to_f64(d("0.1")), (0.1, true));
        assert!(!to_f64(d("1234567890.1234567")).1);
        assert!(!to_f64(d("0.1234567890123456")).1);
        assert!(to_f64(d("123456789012345")).1);
        assert!(!to_f64(d("1234567890123456")).1);
    }
}
