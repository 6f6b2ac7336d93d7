//! The list files of a CSV input: `clusters.incidents.csv` beside `clusters.csv`, one per
//! list fact, read whole (bounded) into [`Lists`] before the main file's rows stream.

use crate::common::{exit, print_diags};
use crate::records::{CsvReader, CsvRecord};
use policy::diag::{Diag, Sources};
use policy::facts::table::{self, ListRow, Lists};
use policy::ir::Program;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The largest list file read.
pub const MAX_LIST_BYTES: u64 = 64 << 20;
/// The most rows of one list file.
pub const MAX_LIST_ROWS: usize = 1_000_000;

/// A file that is not UTF-8: most often a CSV saved by Excel on Chinese Windows, in GBK.
pub fn not_utf8(shown: &str, offset: usize) -> Diag {
    Diag::error(
        "policy::io::not_utf8",
        (
            format!("`{shown}` is not UTF-8 text (invalid byte at offset {offset}); a CSV saved by Excel on Chinese Windows is in GBK"),
            format!("`{shown}` 不是 UTF-8 文本（第 {offset} 字节无效）；中文 Windows 上的 Excel 默认把 CSV 存为 GBK"),
        ),
    )
    .help((
        "in Excel choose File › Save As › “CSV UTF-8 (Comma delimited) (*.csv)”; in WPS choose UTF-8 encoding; or give the workbook (.xlsx) itself",
        "在 Excel 中选择“文件 › 另存为 › CSV UTF-8（逗号分隔）(*.csv)”；WPS 中选择 UTF-8 编码；或直接提供 .xlsx 工作簿",
    ))
}

/// `dir/clusters.incidents.csv` for `dir/clusters.csv` and the fact `incidents`.
pub fn list_path(main: &Path, fact: &str) -> Option<PathBuf> {
    let stem = main.file_stem()?.to_string_lossy();
    let name = format!("{stem}.{fact}.csv");
    Some(match main.parent() {
        Some(p) => p.join(name),
        None => PathBuf::from(name),
    })
}

fn fail(d: Diag) -> u8 {
    print_diags(&Sources::new(), &[d]);
    exit::FACTS
}

/// Read every list file found beside `main`; none found is no list (the lists are then
/// unknown). A list file that cannot be read whole stops the run: a record left out
/// would change a decision silently.
pub fn csv_lists(program: &Program, main: &Path) -> Result<Lists, u8> {
    let mut lists = Lists::default();
    for (fact, record) in table::list_facts(program) {
        let Some(def) = program.facts.get(fact) else {
            continue;
        };
        let Some(path) = list_path(main, &def.name) else {
            continue;
        };
        if !path.exists() {
            continue;
        }
        let shown = path.display().to_string();
        let (f, meta) = crate::common::open_regular("list file", &path).map_err(|d| fail(*d))?;
        if meta.len() > MAX_LIST_BYTES {
            return Err(fail(
                Diag::error(
                    "policy::io::too_large",
                    (
                        format!("`{shown}` is larger than {} MiB", MAX_LIST_BYTES >> 20),
                        format!("`{shown}` 大于 {} MiB", MAX_LIST_BYTES >> 20),
                    ),
                )
                .help((
                    "split the clusters over several files",
                    "请把集群分到多个文件",
                )),
            ));
        }
        use std::io::Read as _;
        let mut rdr = CsvReader::new(
            BufReader::new(f.take(MAX_LIST_BYTES + 1)),
            crate::batch::MAX_CSV_RECORD_BYTES,
        );
        let mut header: Option<Vec<String>> = None;
        let mut rows = 0usize;
        let index = lists.tables.len();
        loop {
            let rec = rdr.next_record().map_err(|e| {
                fail(Diag::error(
                    "policy::io",
                    (
                        format!("cannot read `{shown}`: {e}"),
                        format!("无法读取 `{shown}`：{e}"),
                    ),
                ))
            })?;
            let (cells, line) = match rec {
                None => break,
                Some(CsvRecord::Cells { cells, line }) => (cells, line),
                Some(CsvRecord::NotUtf8 { offset, .. }) => {
                    return Err(fail(not_utf8(&shown, offset)))
                }
                Some(CsvRecord::TooLong { line }) => {
                    return Err(fail(
                        Diag::error(
                            "policy::io::too_large",
                            (
                                format!(
                                    "`{shown}`:{line}: the row is longer than {} MiB",
                                    crate::batch::MAX_CSV_RECORD_BYTES >> 20
                                ),
                                format!(
                                    "`{shown}` 第 {line} 行超过 {} MiB",
                                    crate::batch::MAX_CSV_RECORD_BYTES >> 20
                                ),
                            ),
                        )
                        .help((
                            "an unclosed quote makes the rest of the file one cell",
                            "未闭合的引号会让文件其余部分成为一个单元格",
                        )),
                    ));
                }
            };
            let Some(h) = &header else {
                match table::list_columns(program, fact, record, &cells) {
                    Ok((cols, warnings)) => {
                        if !warnings.is_empty() {
                            print_diags(&Sources::new(), &warnings);
                        }
                        lists.tables.push((cols, Default::default()));
                    }
                    Err(errors) => {
                        print_diags(&Sources::new(), &errors);
                        eprintln!("error: the header of `{shown}` cannot be read");
                        return Err(exit::FACTS);
                    }
                }
                header = Some(cells);
                continue;
            };
            rows += 1;
            if rows > MAX_LIST_ROWS {
                return Err(fail(Diag::error(
                    "policy::io::too_large",
                    (
                        format!("`{shown}` has more than {MAX_LIST_ROWS} rows"),
                        format!("`{shown}` 超过 {MAX_LIST_ROWS} 行"),
                    ),
                )));
            }
            if cells.len() != h.len() {
                return Err(fail(
                    Diag::error(
                        "policy::facts::csv_row",
                        (
                            format!(
                                "`{shown}`:{line}: the row has {} cells, but the header has {}",
                                cells.len(),
                                h.len()
                            ),
                            format!(
                                "`{shown}` 第 {line} 行有 {} 个单元格，表头有 {} 列",
                                cells.len(),
                                h.len()
                            ),
                        ),
                    )
                    .help((
                        "give every row one cell per column",
                        "每行的单元格数应与表头列数相同",
                    )),
                ));
            }
            let places = h
                .iter()
                .map(|col| format!("{shown}:{line} {col}"))
                .collect();
            lists.add_row(index, ListRow { cells, places });
        }
    }
    Ok(lists)
}
