//! Facts from tables: a workbook's sheets or CSV files, with list facts in tables of
//! their own.
//!
//! A main table holds one cluster per row (see [`super::csv`]); its header names facts
//! by key (`land_area`, `output_value.2024`) or by their Chinese label (`占地面积`,
//! `集群总产值 2024年（亿元）`). A list fact (`incidents`) gets a table of its own: the
//! first column names the cluster (the value of the main table's first column), the
//! others are the fields of its records, one record per row. A row whose first field
//! is `无` (or `none`) says the cluster has none; a cluster with no row is unknown.
//!
//! Everything here works on cell texts: the reader of a workbook has already turned
//! numbers into their exact decimal text ([`float_text`]) and dates into `YYYY-MM-DD`,
//! so a cell is read exactly as a CSV cell or a JSON value would be.

use super::raw::{Key, Raw, RawKind, Span};
use crate::diag::Diag;
use crate::ir::{FactId, Program, RecordId, Ty};
use std::collections::HashMap;

/// The header of the column that names the cluster in a list table, and the column a
/// main table may start with when no fact names the cluster.
pub const CLUSTER_COLUMN: &str = "cluster";
/// Its Chinese label.
pub const CLUSTER_LABEL: &str = "集群";
/// The words that say a cluster has no records of a list (`无`, `none`).
pub const NONE_WORDS: [&str; 3] = ["无", "none", "没有"];
/// The most significant digits a spreadsheet number keeps (Excel's precision).
pub const MAX_DIGITS: usize = 15;

/// Whether a cell says "none": `无`, `none` (any case) or `没有`.
pub fn is_none_word(s: &str) -> bool {
    let t = s.trim();
    NONE_WORDS.iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// A yes/no cell as `true`/`false`: `是`/`否`, `有`/`无`, `TRUE`/`FALSE` (any case).
pub fn yes_no(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") || matches!(t, "是" | "有") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || matches!(t, "否" | "无") {
        Some(false)
    } else {
        None
    }
}

/// A date typed as text in another common way (`2024/3/15`, `2024年3月15日`,
/// `2024.03.15`) as `YYYY-MM-DD`; `None` when it is not one of these shapes (the
/// loader then reports the text as it is).
pub fn date_text(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['/', '年', '月', '.', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let all_digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    if y.len() != 4 || !all_digits(y) || !all_digits(m) || !all_digits(d) {
        return None;
    }
    if m.len() > 2 || d.len() > 2 {
        return None;
    }
    Some(format!("{y}-{m:0>2}-{d:0>2}"))
}

/// Why a spreadsheet number cannot be taken as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FloatError {
    /// Not a finite number.
    NotFinite,
    /// It needs more than [`MAX_DIGITS`] significant digits to be written exactly
    /// (a computed result such as `0.30000000000000004`): not what anyone typed.
    TooPrecise(String),
}

/// A spreadsheet number (a binary float) as the decimal text the user typed: the
/// shortest decimal that reads back as the same float, which is what was typed
/// whenever it had at most [`MAX_DIGITS`] significant digits (Excel keeps no more).
/// A typed trailing zero (`28.40`) is not kept by the file and comes back as `28.4`,
/// the same number. No arithmetic is done on the float.
pub fn float_text(x: f64) -> Result<String, FloatError> {
    if !x.is_finite() {
        return Err(FloatError::NotFinite);
    }
    // Rust's `{}` of an f64 is the shortest text that reads back as the same value,
    // written without an exponent.
    let s = format!("{x}");
    let s = if s == "-0" { "0".to_string() } else { s };
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let significant = digits.trim_start_matches('0');
    // Trailing zeros of a whole number (`3000000`) are not significant either.
    let significant = if s.contains('.') {
        significant
    } else {
        significant.trim_end_matches('0')
    };
    if significant.len() > MAX_DIGITS {
        return Err(FloatError::TooPrecise(s));
    }
    Ok(s)
}

/// The key a header cell names: a fact's name (`land_area`), a year of a series
/// (`output_value.2024`), or the same by label — `占地面积`, `占地面积（平方公里）`,
/// `集群总产值 2024年（亿元）`, `集群总产值（2024）`. `None` when it names no fact (the
/// header is kept as it is, for the reader to warn about).
pub fn header_key(program: &Program, cell: &str) -> Option<String> {
    let t = cell.trim().trim_start_matches('\u{feff}').trim();
    if program.fact_id(t).is_some() {
        return Some(t.to_string());
    }
    if let Some((base, year)) = t.rsplit_once('.') {
        if program.fact_id(base).is_some() && is_year(year) {
            return Some(t.to_string());
        }
    }
    let (label, year) = split_label(t);
    let f = program
        .facts
        .iter()
        .find(|f| f.label.as_deref().is_some_and(|l| l == label || l == t))?;
    match (&f.ty, year) {
        (Ty::Series(_), Some(y)) => Some(format!("{}.{y}", f.name)),
        (Ty::Series(_), None) => None,
        (_, None) => Some(f.name.clone()),
        (_, Some(_)) => None,
    }
}

fn is_year(s: &str) -> bool {
    s.len() == 4 && s.chars().all(|c| c.is_ascii_digit())
}

/// A label header without its unit in brackets and with its year apart:
/// `集群总产值 2024年（亿元）` → (`集群总产值`, Some("2024")).
fn split_label(t: &str) -> (&str, Option<&str>) {
    let mut s = t.trim();
    // A trailing bracket: a unit or a year.
    let mut year = None;
    for _ in 0..2 {
        let Some(open) = s.rfind(['（', '(']) else {
            break;
        };
        if !s.ends_with(['）', ')']) {
            break;
        }
        let inner = s
            .get(open..)
            .unwrap_or("")
            .trim_start_matches(['（', '('])
            .trim_end_matches(['）', ')'])
            .trim()
            .trim_end_matches('年');
        if is_year(inner) {
            year = Some(inner);
        }
        s = s.get(..open).unwrap_or("").trim_end();
    }
    if year.is_none() {
        // `集群总产值 2024年` or `集群总产值2024`
        let stripped = s.trim_end_matches('年');
        let n = stripped.len();
        if n > 4 {
            if let (Some(head), Some(tail)) = (stripped.get(..n - 4), stripped.get(n - 4..)) {
                if is_year(tail) {
                    year = Some(tail);
                    s = head.trim_end_matches([' ', '·', '_', '-', '　']).trim_end();
                }
            }
        }
    }
    (s, year)
}

/// A header row with every cell that names a fact by label replaced by its key.
pub fn header_keys(program: &Program, cells: &[String]) -> Vec<String> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 && is_cluster_header(c) {
                return CLUSTER_COLUMN.to_string();
            }
            header_key(program, c).unwrap_or_else(|| c.trim().to_string())
        })
        .collect()
}

/// Whether a header is the cluster column (`cluster` or `集群`).
pub fn is_cluster_header(c: &str) -> bool {
    let t = c.trim().trim_start_matches('\u{feff}').trim();
    t.eq_ignore_ascii_case(CLUSTER_COLUMN) || t == CLUSTER_LABEL
}

/// Whether a row is a row of keys (the machine's header under the people's labels):
/// every non-empty cell a fact's name, a year of a series or `cluster`, and one at least.
pub fn is_key_row(program: &Program, cells: &[String]) -> bool {
    let mut any = false;
    for c in cells {
        let t = c.trim();
        if t.is_empty() {
            continue;
        }
        let ok = t == CLUSTER_COLUMN
            || program.fact_id(t).is_some()
            || t.rsplit_once('.')
                .is_some_and(|(b, y)| program.fact_id(b).is_some() && is_year(y));
        if !ok {
            return false;
        }
        any = true;
    }
    any
}

/// The list facts of a rule set whose elements are records: (fact, record).
pub fn list_facts(program: &Program) -> Vec<(FactId, RecordId)> {
    program
        .facts
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.ty {
            Ty::List(inner) => match inner.as_ref() {
                Ty::Record(r) => Some((i, *r)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The columns of a list table: column 0 names the cluster, the others a field of the
/// record (`None`: not a field, ignored).
#[derive(Debug, Clone)]
pub struct ListColumns {
    pub fact: FactId,
    pub record: RecordId,
    fields: Vec<Option<usize>>,
}

/// Check a list table's header against the record of `fact`: the first column is the
/// cluster, the others fields by name or label (`日期`, `date`). Returns the columns and
/// warnings (columns that are not fields), or errors (no cluster column, a field twice).
pub fn list_columns(
    program: &Program,
    fact: FactId,
    record: RecordId,
    header: &[String],
) -> Result<(ListColumns, Vec<Diag>), Vec<Diag>> {
    let fact_name = program
        .facts
        .get(fact)
        .map(|f| f.name.as_str())
        .unwrap_or("");
    let Some(def) = program.records.get(record) else {
        return Err(Vec::new());
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if !header.first().is_some_and(|c| is_cluster_header(c)) {
        errors.push(
            Diag::error(
                "policy::facts::list_table",
                (
                    format!("the first column of the table of `{fact_name}` is not `cluster` (集群)"),
                    format!("`{fact_name}` 表的第一列不是“集群”（cluster）"),
                ),
            )
            .help((
                "start the table with a column `集群` holding, on each row, the value of the main table's first column (the cluster's name)",
                "表的第一列应为“集群”，每行填写该集群在主表第一列中的值（集群名称）",
            )),
        );
    }
    let mut fields = vec![None];
    for (i, h) in header.iter().enumerate().skip(1) {
        let t = h.trim();
        let (label, _) = split_label(t);
        let found = def
            .fields
            .iter()
            .position(|f| f.name == t || f.label.as_deref().is_some_and(|l| l == t || l == label));
        if let Some(j) = found {
            if fields.contains(&Some(j)) {
                errors.push(
                    Diag::error(
                        "policy::facts::duplicate_key",
                        (
                            format!(
                                "column {} `{}` of the table of `{fact_name}` is given twice",
                                i + 1,
                                super::quoted(t)
                            ),
                            format!(
                                "`{fact_name}` 表的第 {} 列“{}”重复",
                                i + 1,
                                super::quoted(t)
                            ),
                        ),
                    )
                    .help(("give each field once", "每个字段只写一列")),
                );
            }
        } else if !t.is_empty() {
            let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
            warnings.push(
                Diag::warning(
                    "policy::facts::unknown_field",
                    (
                        format!(
                            "column {} `{}` of the table of `{fact_name}` is not a field",
                            i + 1,
                            super::quoted(t)
                        ),
                        format!(
                            "`{fact_name}` 表的第 {} 列“{}”不是字段",
                            i + 1,
                            super::quoted(t)
                        ),
                    ),
                )
                .help((
                    format!(
                        "the column is ignored; the fields are: {}",
                        names.join(", ")
                    ),
                    format!("该列被忽略；字段为：{}", names.join("、")),
                )),
            );
        }
        fields.push(found);
    }
    if errors.is_empty() {
        Ok((
            ListColumns {
                fact,
                record,
                fields,
            },
            warnings,
        ))
    } else {
        Err(errors)
    }
}

/// One row of a list table: its cells, and each cell's place for messages
/// (`incidents!B4`, `clusters.incidents.csv:4`).
#[derive(Debug, Clone)]
pub struct ListRow {
    pub cells: Vec<String>,
    pub places: Vec<String>,
}

/// What a list table says about one cluster.
#[derive(Debug, Clone)]
pub enum Listed {
    /// A `无` row: none, at this place.
    None(String),
    Rows(Vec<ListRow>),
    /// Both a `无` row and records: the cluster is refused.
    Both(String),
}

/// The list tables of an input: for each list fact, its rows by cluster.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    pub tables: Vec<(ListColumns, HashMap<String, Listed>)>,
}

impl Lists {
    /// Add a list table's row (cells as read, places of its cells). A row without a
    /// cluster or without any field is skipped (`false`).
    pub fn add_row(&mut self, table: usize, row: ListRow) -> bool {
        let Some((cols, by)) = self.tables.get_mut(table) else {
            return false;
        };
        let key = row.cells.first().map(|c| c.trim()).unwrap_or("");
        if key.is_empty() {
            return false;
        }
        // The `无` marker stands in the column after the cluster, whatever that column is.
        let rest: Vec<&str> = row
            .cells
            .iter()
            .skip(1)
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        let none = rest.len() == 1 && row.cells.get(1).is_some_and(|c| is_none_word(c));
        let fields = row
            .cells
            .iter()
            .zip(&cols.fields)
            .skip(1)
            .any(|(c, f)| f.is_some() && !c.trim().is_empty());
        if !none && !fields {
            return false;
        }
        let place = row.places.first().cloned().unwrap_or_default();
        let key = key.to_string();
        let entry = by.remove(&key);
        let next = match (entry, none) {
            (None, true) => Listed::None(place),
            (None, false) => Listed::Rows(vec![row]),
            (Some(Listed::None(p)), true) => Listed::None(p),
            (Some(Listed::Rows(mut rows)), false) => {
                rows.push(row);
                Listed::Rows(rows)
            }
            (Some(Listed::Both(p)), _) => Listed::Both(p),
            (Some(Listed::None(p)), false) => Listed::Both(p),
            (Some(Listed::Rows(_)), true) => Listed::Both(place),
        };
        by.insert(key, next);
        true
    }

    /// Keys of list rows that name no cluster of `keys`, by list fact, for a warning.
    pub fn unmatched<'a>(
        &'a self,
        keys: &std::collections::HashSet<String>,
    ) -> Vec<(FactId, Vec<&'a str>)> {
        self.tables
            .iter()
            .filter_map(|(cols, by)| {
                let mut missing: Vec<&str> = by
                    .keys()
                    .filter(|k| !keys.contains(k.as_str()))
                    .map(String::as_str)
                    .collect();
                missing.sort_unstable();
                (!missing.is_empty()).then_some((cols.fact, missing))
            })
            .collect()
    }
}

/// The refusal of a main-table row whose cluster name an earlier row already has, when
/// list tables are given: their rows could belong to either.
pub fn duplicate_cluster(key: &str, first_line: u64) -> Diag {
    Diag::error(
        "policy::facts::duplicate_cluster",
        (
            format!(
                "the cluster `{}` is also on line {first_line}; the rows of the list tables cannot be told apart",
                super::quoted(key)
            ),
            format!(
                "集群“{}”与第 {first_line} 行重名，列表表中的记录无法区分归属",
                super::quoted(key)
            ),
        ),
    )
    .help((
        "give each cluster a name of its own in the main table's first column",
        "主表第一列中每个集群的名称应唯一",
    ))
}

/// One main-table row as a facts tree with its list facts attached: the CSV reading of
/// the row ([`super::csv::row`]), each cell's text line named by `places` when given
/// (`集群!D3`), and for each list table the records of the cluster `key`. Errors that
/// refuse the row (a `无` row beside records) are returned with the tree.
pub fn row(
    program: &Program,
    columns: &super::csv::Columns,
    cells: &[String],
    places: Option<&dyn Fn(usize) -> String>,
    lists: &Lists,
) -> (String, Raw, Vec<Diag>) {
    let (mut text, mut raw) = super::csv::row_at(program, columns, cells, places);
    let mut errors = Vec::new();
    let key = cells.first().map(|c| c.trim()).unwrap_or("");
    if key.is_empty() || lists.tables.is_empty() {
        return (text, raw, errors);
    }
    let RawKind::Object(entries) = &mut raw.kind else {
        return (text, raw, errors);
    };
    for (cols, by) in &lists.tables {
        let Some(fact) = program.facts.get(cols.fact) else {
            continue;
        };
        let Some(def) = program.records.get(cols.record) else {
            continue;
        };
        let key_span = |text: &mut String, place: &str| {
            let start = text.len();
            text.push_str(place);
            let end = text.len();
            text.push_str(" = ");
            text.push_str(&fact.name);
            text.push('\n');
            Span { start, end }
        };
        match by.get(key) {
            None => {}
            Some(Listed::None(place)) => {
                let span = key_span(&mut text, place);
                entries.push((
                    Key {
                        name: fact.name.clone(),
                        span,
                    },
                    Raw {
                        kind: RawKind::Array(Vec::new()),
                        span,
                    },
                ));
            }
            Some(Listed::Both(place)) => {
                let span = key_span(&mut text, place);
                errors.push(
                    Diag::error(
                        "policy::facts::list_none_and_rows",
                        (
                            format!(
                                "`{}` of cluster `{}` is marked `无` (none) but also has rows",
                                fact.name,
                                super::quoted(key)
                            ),
                            format!(
                                "集群“{}”的 `{}` 既标为“无”又有记录",
                                super::quoted(key),
                                fact.name
                            ),
                        ),
                    )
                    .at(crate::syntax::ast::Span::new(0, span.start, span.end))
                    .help((
                        "remove the `无` row, or the records, so that the table says one thing",
                        "删除“无”行或删除记录，二者只留其一",
                    )),
                );
            }
            Some(Listed::Rows(rows)) => {
                let start = text.len();
                let mut items = Vec::with_capacity(rows.len());
                for r in rows {
                    let item_start = text.len();
                    let mut fields = Vec::new();
                    for ((c, f), place) in r.cells.iter().zip(&cols.fields).zip(&r.places) {
                        let (Some(j), c) = (f, c.trim()) else {
                            continue;
                        };
                        if c.is_empty() {
                            continue;
                        }
                        let Some(fd) = def.fields.get(*j) else {
                            continue;
                        };
                        let k_start = text.len();
                        text.push_str(place);
                        let k_end = text.len();
                        text.push_str(" = ");
                        let v_start = text.len();
                        text.push_str(c);
                        let v_end = text.len();
                        text.push('\n');
                        fields.push((
                            Key {
                                name: fd.name.clone(),
                                span: Span {
                                    start: k_start,
                                    end: k_end,
                                },
                            },
                            super::csv::cell(
                                &fd.ty,
                                c,
                                Span {
                                    start: v_start,
                                    end: v_end,
                                },
                            ),
                        ));
                    }
                    items.push(Raw {
                        kind: RawKind::Object(fields),
                        span: Span {
                            start: item_start,
                            end: text.len(),
                        },
                    });
                }
                let span = Span {
                    start,
                    end: text.len(),
                };
                entries.push((
                    Key {
                        name: fact.name.clone(),
                        span,
                    },
                    Raw {
                        kind: RawKind::Array(items),
                        span,
                    },
                ));
            }
        }
    }
    raw.span.end = text.len();
    (text, raw, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_come_back_as_typed() {
        assert_eq!(float_text(28.4).as_deref(), Ok("28.4"));
        assert_eq!(float_text(28.40).as_deref(), Ok("28.4"));
        assert_eq!(float_text(0.1).as_deref(), Ok("0.1"));
        assert_eq!(float_text(3_000_000.0).as_deref(), Ok("3000000"));
        assert_eq!(float_text(-0.0).as_deref(), Ok("0"));
        assert_eq!(
            float_text(123456789012345.0).as_deref(),
            Ok("123456789012345")
        );
        assert_eq!(
            float_text(0.123456789012345).as_deref(),
            Ok("0.123456789012345")
        );
        assert_eq!(
            float_text(0.1 + 0.2),
            Err(FloatError::TooPrecise("0.30000000000000004".into()))
        );
        assert!(matches!(
            float_text(1234567890123456.0),
            Err(FloatError::TooPrecise(_))
        ));
        assert_eq!(float_text(f64::NAN), Err(FloatError::NotFinite));
    }

    #[test]
    fn dates_typed_other_ways() {
        assert_eq!(date_text("2024/3/15").as_deref(), Some("2024-03-15"));
        assert_eq!(date_text("2024年3月5日").as_deref(), Some("2024-03-05"));
        assert_eq!(date_text("2024.03.15").as_deref(), Some("2024-03-15"));
        assert_eq!(date_text("2024-3-15").as_deref(), Some("2024-03-15"));
        assert_eq!(date_text("15/3/2024"), None);
        assert_eq!(date_text("2024/3"), None);
        assert_eq!(date_text("2024/123/1"), None);
    }

    #[test]
    fn yes_no_words() {
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no(" 否 "), Some(false));
        assert_eq!(yes_no("TRUE"), Some(true));
        assert_eq!(yes_no("maybe"), None);
        assert!(is_none_word("无"));
        assert!(is_none_word("None"));
        assert!(!is_none_word("无锡"));
    }

    #[test]
    fn label_headers_split() {
        assert_eq!(
            split_label("集群总产值 2024年（亿元）"),
            ("集群总产值", Some("2024"))
        );
        assert_eq!(
            split_label("集群总产值（2024）"),
            ("集群总产值", Some("2024"))
        );
        assert_eq!(split_label("集群总产值2024"), ("集群总产值", Some("2024")));
        assert_eq!(split_label("占地面积（平方公里）"), ("占地面积", None));
        assert_eq!(split_label("集群名称"), ("集群名称", None));
    }
}
