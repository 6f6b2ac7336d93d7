//! CSV rows as facts: one cluster per row, one fact per column.
//!
//! The header names the facts (`land_area`, `cluster.name`); a series takes one
//! column per year, `output_value.2022`. List facts (`incidents`, `reviews`,
//! `annual_reports`, `changes`) cannot be written in a cell: a header naming one is
//! refused, and they come in tables of their own ([`super::table`]). An empty cell is
//! a fact not given.
//!
//! [`quick_row`] reads a plain row straight into typed facts. Any other row becomes
//! the same [`Raw`] tree a JSON file would, with each cell's text kept
//! exactly (a number never passes through a float), so [`super::load_tree`] types it
//! like any other facts file. The tree's spans point into a small text that lists the
//! row's cells as `column = value` lines, which is what diagnostics show.

use super::raw::{Key, Raw, RawKind, Span};
use crate::diag::{Diag, Text};
use crate::eval::{Facts, Value};
use crate::ir::{FactId, Program, Ty};
use std::collections::HashMap;

/// What one column holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Fact(FactId),
    /// One year of a series.
    Year(FactId, String),
    /// Not a fact of the rule set: ignored (warned about once, for the header).
    Ignored,
}

/// The header of a CSV file, checked against the rule set.
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<String>,
    cols: Vec<Column>,
}

impl Columns {
    pub fn len(&self) -> usize {
        self.cols.len()
    }
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }
    /// The name of column `i` (0-based).
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
}

fn is_list(ty: &Ty) -> bool {
    matches!(ty, Ty::List(_))
}

/// Check a header: every column a fact, or a year of a series fact. Returns the
/// columns and warnings (unknown columns), or the errors that make every row
/// unreadable (a list fact, a series without a year, a column given twice).
/// Unknown columns are listed up to [`super::MAX_WARNINGS`], then counted; errors stop at
/// [`super::MAX_ERRORS`]. Every check is linear in the number of columns.
pub fn columns(program: &Program, header: &[String]) -> Result<(Columns, Vec<Diag>), Vec<Diag>> {
    let mut cols = Vec::with_capacity(header.len());
    let mut errors: Vec<Diag> = Vec::new();
    let mut warnings = Vec::new();
    let mut unlisted = 0usize;
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    // The first column of each name, to refuse a name given twice.
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    let fact = |name: &str| program.fact_id(name);
    for (i, name) in names.iter().enumerate() {
        if errors.len() >= super::MAX_ERRORS {
            break;
        }
        let name = name.as_str();
        let n = i + 1;
        if let Some(earlier) = first.insert(name, n) {
            first.insert(name, earlier);
            errors.push(
                Diag::error(
                    "policy::facts::duplicate_key",
                    (format!(
                        "column {n} `{}` of the CSV header is given twice (first as column {earlier})",
                        super::quoted(name)
                    ), format!("CSV 表头第 {n} 列 `{}` 重复（首次出现在第 {earlier} 列）", super::quoted(name))),
                )
                .help(("give each column once", "每列只给一次")),
            );
            cols.push(Column::Ignored);
            continue;
        }
        if let Some(id) = fact(name) {
            let ty = program.facts.get(id).map(|f| &f.ty);
            match ty {
                Some(t) if is_list(t) => errors.push(
                    Diag::error(
                        "policy::facts::csv_list",
                        (
                            format!("column {n} `{name}` is a list fact, which a cell cannot hold"),
                            format!("第 {n} 列 `{name}` 是列表事实，一个单元格装不下"),
                        ),
                    )
                    .help((
                        format!("remove the column and give `{name}` in a table of its own: a sheet `{name}` of the workbook, or a file `<name>.{name}.csv` beside the CSV (see docs/facts.md)"),
                        format!("删除该列，把 `{name}` 写在单独的表里：工作簿中名为 `{name}` 的工作表，或与 CSV 同目录的 `<文件名>.{name}.csv`（见 docs/facts.md）"),
                    )),
                ),
                Some(Ty::Series(_)) => errors.push(
                    Diag::error(
                        "policy::facts::csv_series",
                        (format!("column {n} `{name}` is a series and needs a year"), format!("第 {n} 列 `{name}` 是逐年序列，须注明年份")),
                    )
                    .help((format!("give one column per year, such as `{name}.2024`"), format!("每年一列，例如 `{name}.2024`"))),
                ),
                _ => {}
            }
            cols.push(Column::Fact(id));
            continue;
        }
        if let Some((base, year)) = name.rsplit_once('.') {
            if let Some(id) = fact(base) {
                if matches!(program.facts.get(id).map(|f| &f.ty), Some(Ty::Series(_))) {
                    cols.push(Column::Year(id, year.to_string()));
                    continue;
                }
            }
        }
        cols.push(Column::Ignored);
        // The cluster column of a table with list tables: it names the row, not a fact.
        if i == 0 && name == super::table::CLUSTER_COLUMN {
            continue;
        }
        if warnings.len() >= super::MAX_WARNINGS {
            unlisted += 1;
            continue;
        }
        let declared = program.facts.iter().map(|f| f.name.as_str());
        let help: Text = match super::suggest(name, declared) {
            Some(s) => (
                format!("did you mean `{s}`? the column is ignored"),
                format!("是否应为 `{s}`？此列已忽略"),
            )
                .into(),
            None => (
                "the column is ignored; columns are fact names, series as `output_value.2024`",
                "此列已忽略；列名应为事实名称，逐年序列写作 `output_value.2024`",
            )
                .into(),
        };
        warnings.push(
            Diag::warning(
                "policy::facts::unknown_fact",
                (
                    format!("column {n} `{}` is not a fact", super::quoted(name)),
                    format!("第 {n} 列 `{}` 不是事实", super::quoted(name)),
                ),
            )
            .help(help),
        );
    }
    if unlisted > 0 {
        warnings.push(
            Diag::warning(
                "policy::facts::unknown_fact",
                (
                    format!(
                        "… and {unlisted} more column{} that are not facts, not listed",
                        if unlisted == 1 { "" } else { "s" }
                    ),
                    format!("……另有 {unlisted} 列不是事实，未逐一列出"),
                ),
            )
            .help((
                format!(
                    "these columns are ignored; only the first {} are listed",
                    super::MAX_WARNINGS
                ),
                format!("这些列已忽略；只列出前 {} 个", super::MAX_WARNINGS),
            )),
        );
    }
    if errors.is_empty() {
        Ok((Columns { names, cols }, warnings))
    } else {
        Err(errors)
    }
}

/// Text a number may be written as; anything else stays a text for the loader
/// to read (`30亿元`) or refuse.
fn number_like(s: &str) -> bool {
    let mut digits = false;
    for (i, c) in s.char_indices() {
        match c {
            '0'..='9' => digits = true,
            '-' | '+' if i == 0 => {}
            '.' | 'e' | 'E' | '-' | '+' => {}
            _ => return false,
        }
    }
    digits
}

fn numeric(ty: &Ty) -> bool {
    match ty {
        Ty::Num(_) | Ty::Count(_) => true,
        Ty::Series(inner) | Ty::OrNone(inner) => numeric(inner),
        _ => false,
    }
}

/// A cell as a tree node: a number's text, yes/no (`true`/`false`, `是`/`否`), a date
/// typed as `2024/3/15` or `2024年3月15日` as `2024-03-15`, or a text.
pub(crate) fn cell(ty: &Ty, s: &str, span: Span) -> Raw {
    let kind = match ty.strip_none() {
        Ty::Bool => match super::table::yes_no(s) {
            Some(b) => RawKind::Bool(b),
            None => RawKind::String(s.to_string()),
        },
        Ty::Date => RawKind::String(super::table::date_text(s).unwrap_or_else(|| s.to_string())),
        t if numeric(t) && number_like(s) => RawKind::Number(s.to_string()),
        _ => RawKind::String(s.to_string()),
    };
    Raw { kind, span }
}

/// The facts of one row read straight from its cells, or `None` where the full reading
/// ([`row`], then [`super::load_tree`]) must decide. As [`super::quick`] does for JSON,
/// it takes only what it reads exactly as the full reading would — yes/no, dates,
/// plain numbers, texts and categories, each of its declared type, every fact once —
/// and gives up at the first cell that is anything else (a number with a unit, a
/// value of the wrong type): the full reading then says what is wrong, where.
pub fn quick_row<S: AsRef<str>>(
    program: &Program,
    columns: &Columns,
    cells: &[S],
) -> Option<Facts> {
    let n = program.facts.len();
    let mut facts = Facts::none(n);
    let mut given = vec![false; n];
    // Series being gathered: the fact, its figures and the years seen.
    type Gathered = (FactId, Vec<(i32, Value)>, super::YearsSeen);
    let mut series: Vec<Gathered> = Vec::new();
    let mut entries = 0;
    // A fact given by this row: once, and within the limit of entries.
    let mut claim = |id: FactId| -> Option<()> {
        entries += 1;
        let seen = given.get_mut(id)?;
        if *seen || entries > super::MAX_FACTS {
            return None;
        }
        *seen = true;
        Some(())
    };
    for (c, value) in columns.cols.iter().zip(cells) {
        let s = value.as_ref().trim();
        if s.is_empty() {
            continue;
        }
        match c {
            Column::Ignored => {}
            Column::Fact(id) => {
                let def = program.facts.get(*id)?;
                claim(*id)?;
                *facts.values.get_mut(*id)? = Some(quick_cell(program, &def.ty, s)?);
            }
            Column::Year(id, year) => {
                let def = program.facts.get(*id)?;
                let Ty::Series(inner) = def.ty.strip_none() else {
                    return None;
                };
                let whole = match inner.strip_none() {
                    Ty::Num(_) => false,
                    Ty::Count(_) => true,
                    _ => return None,
                };
                if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let y: i32 = year.parse().ok()?;
                let at = match series.iter().position(|(f, _, _)| f == id) {
                    Some(at) => at,
                    None => {
                        claim(*id)?;
                        series.push((*id, Vec::new(), super::YearsSeen::default()));
                        series.len() - 1
                    }
                };
                let (_, figures, years) = series.get_mut(at)?;
                if !years.insert(y) || !number_like(s) {
                    return None;
                }
                figures.push((y, Value::Num(super::quick::number(s, whole)?)));
            }
        }
    }
    for (id, entries, _) in series {
        *facts.values.get_mut(id)? = Some(super::series(Some(id), entries));
    }
    Some(facts)
}

/// One cell (trimmed, not empty) of a fact of type `ty`, as [`cell`] and the full
/// reading read it, or `None`.
fn quick_cell(program: &Program, ty: &Ty, s: &str) -> Option<Value> {
    Some(match ty.strip_none() {
        Ty::Bool => Value::Bool(super::table::yes_no(s)?),
        Ty::Date => {
            let typed = super::table::date_text(s);
            Value::Date(super::parse_date(typed.as_deref().unwrap_or(s).trim())?)
        }
        Ty::Num(_) if number_like(s) => Value::Num(super::quick::number(s, false)?),
        Ty::Count(_) if number_like(s) => Value::Num(super::quick::number(s, true)?),
        Ty::Text => Value::Text(s.into()),
        Ty::Enum(e) => Value::Enum(program.enums.get(*e)?.variant(s)?),
        _ => return None,
    })
}

/// One row as a facts tree, and the text its spans point into (`column = value`
/// lines for the cells given). A row with a different number of cells than the
/// header is the caller's to refuse.
pub fn row<S: AsRef<str>>(program: &Program, columns: &Columns, cells: &[S]) -> (String, Raw) {
    row_at(program, columns, cells, None)
}

/// [`row`], naming each cell's line of the text by `places` (`集群!D3`) rather than by
/// its column's name.
pub fn row_at<S: AsRef<str>>(
    program: &Program,
    columns: &Columns,
    cells: &[S],
    places: Option<&dyn Fn(usize) -> String>,
) -> (String, Raw) {
    let mut text = String::new();
    let mut entries: Vec<(Key, Raw)> = Vec::with_capacity(cells.len());
    // Series columns gather under their fact, in the order first seen.
    let mut series: Vec<(FactId, usize)> = Vec::new();
    for (i, (c, value)) in columns.cols.iter().zip(cells).enumerate() {
        let value = value.as_ref().trim();
        if value.is_empty() || matches!(c, Column::Ignored) {
            continue;
        }
        let key_start = text.len();
        match places {
            Some(place) => text.push_str(&place(i)),
            None => text.push_str(columns.name(i)),
        }
        let key_end = text.len();
        text.push_str(" = ");
        let v_start = text.len();
        text.push_str(value);
        let v_end = text.len();
        text.push('\n');
        let span = Span {
            start: v_start,
            end: v_end,
        };
        match c {
            Column::Fact(id) => {
                let Some(def) = program.facts.get(*id) else {
                    continue;
                };
                entries.push((
                    Key {
                        name: def.name.clone(),
                        span: Span {
                            start: key_start,
                            end: key_end,
                        },
                    },
                    cell(&def.ty, value, span),
                ));
            }
            Column::Year(id, year) => {
                let Some(def) = program.facts.get(*id) else {
                    continue;
                };
                let year_start = key_end.saturating_sub(year.len()).max(key_start);
                let node = cell(&def.ty, value, span);
                let key = Key {
                    name: year.clone(),
                    span: Span {
                        start: year_start,
                        end: key_end,
                    },
                };
                match series.iter().find(|(f, _)| f == id) {
                    Some((_, at)) => {
                        if let Some((
                            _,
                            Raw {
                                kind: RawKind::Object(years),
                                span: whole,
                            },
                        )) = entries.get_mut(*at)
                        {
                            whole.end = v_end;
                            years.push((key, node));
                        }
                    }
                    None => {
                        series.push((*id, entries.len()));
                        entries.push((
                            Key {
                                name: def.name.clone(),
                                span: Span {
                                    start: key_start,
                                    end: key_end.saturating_sub(year.len() + 1).max(key_start),
                                },
                            },
                            Raw {
                                kind: RawKind::Object(vec![(key, node)]),
                                span: Span {
                                    start: key_start,
                                    end: v_end,
                                },
                            },
                        ));
                    }
                }
            }
            Column::Ignored => {}
        }
    }
    let end = text.len();
    (
        text,
        Raw {
            kind: RawKind::Object(entries),
            span: Span { start: 0, end },
        },
    )
}
