//! Reading an XLSX workbook of facts: the first sheet one cluster per row, a sheet per
//! list fact (named by the fact or its label), as cell texts for [`policy::facts::table`].
//!
//! Everything is bounded before and while it is read: the file's size
//! ([`MAX_XLSX_BYTES`]), the zip archive's entries and declared unpacked size
//! ([`MAX_UNPACKED_BYTES`], against zip bombs), and the cells streamed from each sheet
//! ([`MAX_ROWS`], [`MAX_COLUMNS`], [`MAX_CELLS`]); a workbook past a limit is refused
//! with a diagnostic, never read on. Numbers arrive as binary floats and are written back
//! as the decimal the user typed ([`table::float_text`]); date cells become dates.

use calamine::{DataRef, Reader as _, Xlsx};
use policy::batch::Problem;
use policy::diag::Diag;
use policy::facts::table::{self, ListRow, Lists};
use policy::ir::Program;
use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read as _};
use std::path::Path;

/// The largest workbook file read.
pub const MAX_XLSX_BYTES: u64 = 64 << 20;
/// The most bytes the workbook's parts may unpack to, as their zip entries declare.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;
/// The most parts (zip entries) of a workbook.
pub const MAX_ENTRIES: usize = 10_000;
/// The most rows of one sheet.
pub const MAX_ROWS: u32 = 200_000;
/// The most columns of one sheet.
pub const MAX_COLUMNS: u32 = 1_024;
/// The most non-empty cells of a workbook.
pub const MAX_CELLS: usize = 4_000_000;

/// One data row of the main sheet.
pub struct SheetRow {
    /// The row's number in the sheet (1-based, as Excel shows it).
    pub line: u64,
    pub cells: Vec<String>,
    /// The sheet's name, for the places of its cells.
    pub sheet: std::sync::Arc<str>,
    /// Cells that cannot be read (an error value, a number with too many digits): the
    /// row is refused. Warnings (a formula without a value) do not refuse it.
    pub problems: Vec<Problem>,
}

pub struct Workbook {
    /// The main sheet's columns, checked against the rule set.
    pub columns: policy::facts::csv::Columns,
    pub rows: Vec<SheetRow>,
    pub lists: Lists,
    /// About the workbook as a whole: unknown columns and fields, list rows of no cluster.
    pub warnings: Vec<Diag>,
}

fn err(code: &'static str, en: String, zh: String, help_en: &str, help_zh: &str) -> Box<Diag> {
    Box::new(Diag::error(code, (en, zh)).help((help_en.to_string(), help_zh.to_string())))
}

/// `A`, `Z`, `AA`, … for a 0-based column.
pub fn column_name(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + u8::try_from(c % 26).unwrap_or(0)));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

fn place(sheet: &str, row: u32, col: u32) -> String {
    format!("{sheet}!{}{}", column_name(col), u64::from(row) + 1)
}

/// A cell read: its text, or why it cannot be.
enum Cell {
    Text(String),
    /// An error value, or a number that is not what anyone typed: refuses the record.
    /// (Boxed: a sheet holds many cells, few of them bad.)
    Bad(Box<Problem>),
    /// A formula whose value was never computed: the fact is absent, with a warning.
    NoValue(Box<Problem>),
}

fn cell_problem(
    warning: bool,
    code: &'static str,
    at: &str,
    en: String,
    zh: String,
    help: (&str, &str),
) -> Box<Problem> {
    Box::new(Problem {
        warning,
        code,
        message: (en, zh).into(),
        help: Some((help.0.to_string(), help.1.to_string()).into()),
        line: None,
        column: None,
        field: Some(at.to_string()),
    })
}

fn read_cell(v: &DataRef<'_>, formula: bool, at: &str) -> Cell {
    let no_value = match v {
        DataRef::Empty => true,
        DataRef::String(s) => s.is_empty(),
        _ => false,
    };
    match v {
        _ if formula && no_value => Cell::NoValue(cell_problem(
            true,
            "policy::facts::formula_without_value",
            at,
            format!("cell {at} holds a formula without a computed value; the fact is taken as not given"),
            format!("单元格 {at} 是公式但没有计算结果，按未填写处理"),
            (
                "open the workbook in Excel or WPS and save it again, so that every formula's value is stored",
                "用 Excel 或 WPS 打开工作簿后重新保存，使公式的结果写入文件",
            ),
        )),
        DataRef::Empty => Cell::Text(String::new()),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Int(i) => Cell::Text(i.to_string()),
        DataRef::Bool(b) => Cell::Text(if *b { "true" } else { "false" }.into()),
        DataRef::Float(f) => match table::float_text(*f) {
            Ok(t) => Cell::Text(t),
            Err(table::FloatError::TooPrecise(t)) => Cell::Bad(cell_problem(
                false,
                "policy::facts::too_precise",
                at,
                format!("cell {at} holds {t}, more than {} significant digits: not a number anyone typed", table::MAX_DIGITS),
                format!("单元格 {at} 的值 {t} 超过 {} 位有效数字，不是录入的数", table::MAX_DIGITS),
                (
                    "round the value (=ROUND(…, 2)) or type the figure itself; exact figures are compared exactly",
                    "请用 =ROUND(…, 2) 取整，或直接录入数值；数字按精确值比较",
                ),
            )),
            Err(table::FloatError::NotFinite) => Cell::Bad(cell_problem(
                false,
                "policy::facts::bad_number",
                at,
                format!("cell {at} does not hold a finite number"),
                format!("单元格 {at} 不是有限数值"),
                ("type the figure", "请录入数值"),
            )),
        },
        DataRef::DateTime(d) => {
            if d.is_duration() {
                return Cell::Text(format!("{}", d.as_f64()));
            }
            match d.as_datetime() {
                Some(dt) => Cell::Text(dt.date().to_string()),
                None => Cell::Bad(cell_problem(
                    false,
                    "policy::facts::bad_date",
                    at,
                    format!("cell {at} holds a date outside the calendar"),
                    format!("单元格 {at} 的日期无效"),
                    ("type the date as YYYY-MM-DD", "请按 YYYY-MM-DD 录入日期"),
                )),
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.get(..10).filter(|d| policy::facts::parse_date(d).is_some()).unwrap_or(s).to_string())
        }
        DataRef::Error(e) => Cell::Bad(cell_problem(
            false,
            "policy::facts::cell_error",
            at,
            format!("cell {at} holds the error {e}"),
            format!("单元格 {at} 是错误值 {e}"),
            (
                "correct the formula or type the value; a cell in error cannot be read as a fact",
                "请修正公式或直接录入数值；错误值不能作为事实读取",
            ),
        )),
    }
}

/// A sheet's cells by row: (row, [(column, cell)]), rows ascending.
type Cells = Vec<(u32, Vec<(u32, Cell)>)>;

fn read_sheet(
    wb: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    shown: &str,
    budget: &mut usize,
) -> Result<Cells, Box<Diag>> {
    // A sheet that cannot be read, at its start or at any cell.
    let unreadable = |e: &dyn std::fmt::Display| {
        err(
            "policy::facts::xlsx",
            format!("cannot read the sheet `{name}` of `{shown}`: {e}"),
            format!("无法读取 `{shown}` 的工作表“{name}”：{e}"),
            "save the workbook again from Excel or WPS as .xlsx",
            "请用 Excel 或 WPS 重新另存为 .xlsx",
        )
    };
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(&e))?;
    let mut rows: Cells = Vec::new();
    loop {
        let next = reader
            .next_cell_with_formula()
            .map_err(|e| unreadable(&e))?;
        let Some(c) = next else { break };
        let (r, col) = c.pos;
        if matches!(c.value, DataRef::Empty) && c.formula.is_none() {
            continue;
        }
        if r >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(err(
                "policy::io::too_large",
                format!(
                    "the sheet `{name}` of `{shown}` has a cell at {}, past the limit of {MAX_ROWS} rows and {MAX_COLUMNS} columns",
                    place(name, r, col)
                ),
                format!(
                    "`{shown}` 的工作表“{name}”在 {} 有内容，超出 {MAX_ROWS} 行、{MAX_COLUMNS} 列的上限",
                    place(name, r, col)
                ),
                "split the clusters over several workbooks, and clear stray cells far to the right or below",
                "请把集群分到多个工作簿，并清除远处的零散单元格",
            ));
        }
        if *budget == 0 {
            return Err(err(
                "policy::io::too_large",
                format!("`{shown}` has more than {MAX_CELLS} filled cells"),
                format!("`{shown}` 的非空单元格超过 {MAX_CELLS} 个"),
                "split the clusters over several workbooks",
                "请把集群分到多个工作簿",
            ));
        }
        *budget -= 1;
        let at = place(name, r, col);
        let cell = read_cell(&c.value, c.formula.is_some(), &at);
        match rows.last_mut() {
            Some((last, cells)) if *last == r => cells.push((col, cell)),
            _ => rows.push((r, vec![(col, cell)])),
        }
    }
    rows.sort_by_key(|(r, _)| *r);
    Ok(rows)
}

impl SheetRow {
    /// The place of the row's cell in column `c` (0-based): `集群!D3`.
    pub fn place(&self, c: usize) -> String {
        let row = u32::try_from(self.line.saturating_sub(1)).unwrap_or(u32::MAX);
        place(&self.sheet, row, u32::try_from(c).unwrap_or(u32::MAX))
    }
}

/// A row's cells as texts, `width` wide, with their places and problems.
fn texts(
    sheet: &str,
    r: u32,
    cells: Vec<(u32, Cell)>,
    width: usize,
    with_places: bool,
) -> (Vec<String>, Vec<String>, Vec<Problem>) {
    let mut out = vec![String::new(); width];
    let places = if with_places {
        (0..width)
            .map(|c| place(sheet, r, u32::try_from(c).unwrap_or(u32::MAX)))
            .collect()
    } else {
        Vec::new()
    };
    let mut problems = Vec::new();
    for (c, cell) in cells {
        let Some(slot) = out.get_mut(c as usize) else {
            continue; // beyond the header: no fact
        };
        match cell {
            Cell::Text(t) => *slot = t,
            Cell::Bad(p) | Cell::NoValue(p) => problems.push(*p),
        }
    }
    (out, places, problems)
}

fn header_texts(cells: &[(u32, Cell)]) -> Vec<String> {
    let width = cells
        .iter()
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut out = vec![String::new(); width];
    for (c, cell) in cells {
        if let (Some(slot), Cell::Text(t)) = (out.get_mut(*c as usize), cell) {
            *slot = t.trim().to_string();
        }
    }
    // Trailing empty headers hold nothing.
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// Check the file is a workbook before unpacking anything: a zip archive (an old `.xls`
/// or a WPS `.et` file is not), of bounded entries and declared unpacked size.
fn check_archive(bytes: &[u8], shown: &str) -> Result<(), Box<Diag>> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(err(
            "policy::facts::xlsx",
            format!("`{shown}` is an old-style .xls (or WPS .et) workbook, not .xlsx"),
            format!("`{shown}` 是旧版 .xls（或 WPS .et）工作簿，不是 .xlsx"),
            "open it in Excel or WPS and save it as “Excel 工作簿 (*.xlsx)”",
            "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿 (*.xlsx)”",
        ));
    }
    let not_xlsx = |why: String| {
        err(
            "policy::facts::xlsx",
            format!("`{shown}` is not an .xlsx workbook ({why})"),
            format!("`{shown}` 不是 .xlsx 工作簿（{why}）"),
            "give a workbook saved by Excel or WPS as .xlsx, or a CSV file",
            "请提供 Excel 或 WPS 保存的 .xlsx 工作簿，或 CSV 文件",
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(e.to_string()))?;
    if zip.len() > MAX_ENTRIES {
        return Err(not_xlsx(format!(
            "{} parts, more than {MAX_ENTRIES}",
            zip.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| not_xlsx(e.to_string()))?;
        total = total.saturating_add(f.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(err(
            "policy::io::too_large",
            format!(
                "`{shown}` unpacks to {} MiB, more than the limit of {} MiB",
                total >> 20,
                MAX_UNPACKED_BYTES >> 20
            ),
            format!(
                "`{shown}` 解压后 {} MiB，超过 {} MiB 的上限",
                total >> 20,
                MAX_UNPACKED_BYTES >> 20
            ),
            "split the clusters over several workbooks; a workbook of facts is far smaller",
            "请把集群分到多个工作簿；事实工作簿通常小得多",
        ));
    }
    Ok(())
}

/// Read a workbook of facts for `program`.
pub fn read(program: &Program, path: &Path) -> Result<Workbook, Box<Diag>> {
    let shown = path.display().to_string();
    let (f, meta) = crate::common::open_regular("facts file", path)?;
    if meta.len() > MAX_XLSX_BYTES {
        return Err(err(
            "policy::io::too_large",
            format!("`{shown}` is larger than {} MiB", MAX_XLSX_BYTES >> 20),
            format!("`{shown}` 大于 {} MiB", MAX_XLSX_BYTES >> 20),
            "split the clusters over several workbooks",
            "请把集群分到多个工作簿",
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.take(MAX_XLSX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            err(
                "policy::io",
                format!("cannot read `{shown}`: {e}"),
                format!("无法读取 `{shown}`：{e}"),
                "check that the file can be read",
                "请检查文件是否可读",
            )
        })?;
    check_archive(&bytes, &shown)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        err(
            "policy::facts::xlsx",
            format!("`{shown}` cannot be read as a workbook: {e}"),
            format!("无法把 `{shown}` 读作工作簿：{e}"),
            "save the workbook again from Excel or WPS as .xlsx",
            "请用 Excel 或 WPS 重新另存为 .xlsx",
        )
    })?;
    let names = wb.sheet_names();
    let Some(main) = names.first().cloned() else {
        return Err(err(
            "policy::facts::xlsx",
            format!("`{shown}` has no sheet"),
            format!("`{shown}` 没有工作表"),
            "put one cluster per row on the first sheet",
            "请在第一个工作表中每行填写一个集群",
        ));
    };
    let mut budget = MAX_CELLS;
    let mut warnings = Vec::new();

    // The main sheet: labels in row 1 and keys in row 2 (the template), or one header row.
    let mut cells = read_sheet(&mut wb, &main, &shown, &mut budget)?
        .into_iter()
        .peekable();
    let first = cells
        .next_if(|(r, _)| *r == 0)
        .map(|(_, c)| header_texts(&c));
    let second_is_keys = cells
        .peek()
        .is_some_and(|(r, c)| *r == 1 && table::is_key_row(program, &header_texts(c)));
    let header = if second_is_keys {
        cells
            .next()
            .map(|(_, c)| header_texts(&c))
            .unwrap_or_default()
    } else {
        table::header_keys(program, &first.unwrap_or_default())
    };
    let columns = match policy::facts::csv::columns(program, &header) {
        Ok((c, w)) => {
            warnings.extend(w);
            c
        }
        Err(e) => {
            return Err(Box::new(e.into_iter().next().unwrap_or_else(|| {
                Diag::error(
                    "policy::facts::xlsx",
                    ("the header cannot be read", "无法读取表头"),
                )
            })))
        }
    };
    let width = header.len();
    let mut rows = Vec::new();
    let sheet: std::sync::Arc<str> = main.as_str().into();
    for (r, cells) in cells {
        let (cells, _, problems) = texts(&main, r, cells, width, false);
        if cells.iter().all(|c| c.trim().is_empty()) && problems.is_empty() {
            continue;
        }
        rows.push(SheetRow {
            line: u64::from(r) + 1,
            cells,
            sheet: sheet.clone(),
            problems,
        });
    }

    // List sheets, by the fact's name or label.
    let mut lists = Lists::default();
    let mut list_problems: HashMap<String, Vec<Problem>> = HashMap::new();
    for (fact, record) in table::list_facts(program) {
        let Some(def) = program.facts.get(fact) else {
            continue;
        };
        let Some(sheet) = names
            .iter()
            .skip(1)
            .find(|n| n.trim() == def.name || def.label.as_deref().is_some_and(|l| l == n.trim()))
        else {
            continue;
        };
        let sheet = sheet.clone();
        let mut cells = read_sheet(&mut wb, &sheet, &shown, &mut budget)?
            .into_iter()
            .peekable();
        let first = cells
            .next_if(|(r, _)| *r == 0)
            .map(|(_, c)| header_texts(&c));
        let second_is_keys = cells.peek().is_some_and(|(r, c)| {
            *r == 1
                && header_texts(c)
                    .first()
                    .is_some_and(|h| h == table::CLUSTER_COLUMN)
        });
        let header = if second_is_keys {
            cells
                .next()
                .map(|(_, c)| header_texts(&c))
                .unwrap_or_default()
        } else {
            first.unwrap_or_default()
        };
        let cols = match table::list_columns(program, fact, record, &header) {
            Ok((c, w)) => {
                warnings.extend(w);
                c
            }
            Err(mut e) => {
                let first = e.remove(0);
                return Err(Box::new(first));
            }
        };
        let width = header.len();
        let index = lists.tables.len();
        lists.tables.push((cols, HashMap::new()));
        for (r, cells) in cells {
            let (cells, places, problems) = texts(&sheet, r, cells, width, true);
            let key = cells
                .first()
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            if problems.iter().any(|p| !p.warning) {
                list_problems.entry(key).or_default().extend(problems);
                continue;
            }
            if !problems.is_empty() {
                list_problems.entry(key).or_default().extend(problems);
            }
            lists.add_row(index, ListRow { cells, places });
        }
    }

    // Attach list-sheet problems to their cluster's row, and warn of list rows naming no
    // cluster.
    let keys: HashSet<String> = rows
        .iter()
        .filter_map(|r| r.cells.first().map(|c| c.trim().to_string()))
        .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in &mut rows {
        if let Some(p) = row.cells.first().and_then(|k| list_problems.get(k.trim())) {
            row.problems.extend(p.iter().cloned());
        }
        let key = row.cells.first().map(|c| c.trim()).unwrap_or("");
        if lists.tables.is_empty() || key.is_empty() {
            continue;
        }
        match seen.get(key) {
            Some(first) => row
                .problems
                .push(Problem::unplaced(table::duplicate_cluster(key, *first))),
            None => {
                seen.insert(key.to_string(), row.line);
            }
        }
    }
    for (fact, missing) in lists.unmatched(&keys) {
        let name = program
            .facts
            .get(fact)
            .map(|f| f.name.as_str())
            .unwrap_or("");
        let shown_keys: Vec<String> = missing.iter().take(5).map(|k| format!("`{k}`")).collect();
        warnings.push(
            Diag::warning(
                "policy::facts::list_unmatched",
                (
                    format!(
                        "{} cluster{} in the sheet of `{name}` {} not on the main sheet: {}",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        if missing.len() == 1 { "is" } else { "are" },
                        shown_keys.join(", ")
                    ),
                    format!(
                        "`{name}` 工作表中有 {} 个集群不在主表中：{}",
                        missing.len(),
                        shown_keys.join("、")
                    ),
                ),
            )
            .help((
                "the first column of a list sheet holds the value of the main sheet's first column (the cluster's name); these rows are ignored",
                "列表工作表的第一列应填写主表第一列的值（集群名称）；这些行被忽略",
            )),
        );
    }
    Ok(Workbook {
        columns,
        rows,
        lists,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
