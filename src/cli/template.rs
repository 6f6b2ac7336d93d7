//! `policy template` and `policy schema`: a blank facts file (JSON, YAML or an XLSX
//! workbook) and the JSON Schema of facts files, derived from a rule set.

use crate::check::load_rules;
use crate::common::{exit, print_diags};
use chrono::NaiveDate;
use policy::diag::{Diag, Sources};
use policy::facts::table::{self, CLUSTER_COLUMN, CLUSTER_LABEL};
use policy::ir::{Program, Ty};
use policy::template::{self as t, Template};
use rust_xlsxwriter::{DataValidation, Format, Note, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// The main sheet's name in a template.
pub const MAIN_SHEET: &str = "集群";
/// The notes sheet's name.
pub const NOTES_SHEET: &str = "说明";

/// `policy template`.
pub fn template(
    policy_dir: &Path,
    format: &str,
    as_of: Option<NaiveDate>,
    out: Option<&Path>,
) -> u8 {
    let mut sources = Sources::new();
    let given = as_of.is_some();
    let as_of = as_of.unwrap_or_else(crate::today_in_shanghai);
    if format == "xlsx" && out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        print_diags(&sources, &[crate::output::binary_to_terminal()]);
        return exit::USAGE;
    }
    let rules = match load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let program = rules.at_or_latest(Some(as_of));
    let tpl = t::describe(program, as_of);
    if !given {
        eprintln!(
            "{}",
            crate::common::tr(
                &format!("note: the years asked for follow the evaluation date {as_of} (today); give --as-of for another"),
                &format!("注意：年份按评估日期 {as_of}（今天）确定，可用 --as-of 指定其他日期"),
            )
        );
    }
    let bytes = match format {
        "json" => t::json(&tpl).into_bytes(),
        "yaml" => t::yaml(program, &tpl).into_bytes(),
        _ => match workbook(program, &tpl) {
            Ok(b) => b,
            Err(e) => {
                let d = Diag::error(
                    "policy::io::output",
                    (
                        format!("cannot make the workbook: {e}"),
                        format!("无法生成工作簿：{e}"),
                    ),
                )
                .help((
                    "nothing was written; report this with the rule set, it is a fault of `policy`",
                    "没有写入任何文件；这是 `policy` 的缺陷，请连同规则集一起报告",
                ));
                print_diags(&sources, &[d]);
                return exit::IO;
            }
        },
    };
    crate::output::write(out, &bytes)
}

/// `policy schema`.
pub fn schema(policy_dir: &Path, as_of: Option<NaiveDate>, out: Option<&Path>) -> u8 {
    let mut sources = Sources::new();
    let as_of = as_of.unwrap_or_else(crate::today_in_shanghai);
    let rules = match load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let program = rules.at_or_latest(Some(as_of));
    let tpl = t::describe(program, as_of);
    let s = t::schema(program, &tpl);
    let text = serde_json::to_string_pretty(&s).unwrap_or_default() + "\n";
    crate::output::write(out, text.as_bytes())
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), or `None`.
fn sheet_name(s: &str) -> Option<&str> {
    let ok = !s.is_empty()
        && s.chars().count() <= 31
        && !s
            .chars()
            .any(|c| matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'));
    ok.then_some(s)
}

/// The main sheet's columns: (label row text, key, note, type for a dropdown).
struct Col {
    label: String,
    key: String,
    note: String,
    ty: Ty,
}

fn columns(program: &Program, tpl: &Template) -> Vec<Col> {
    let mut cols = Vec::new();
    // The first column names the cluster: the first text fact, else a `cluster` column.
    let first_text = tpl.facts.iter().position(|f| f.ty == Ty::Text);
    if first_text.is_none() {
        cols.push(Col {
            label: CLUSTER_LABEL.into(),
            key: CLUSTER_COLUMN.into(),
            note: "集群的名称或编号；列表工作表的第一列引用它 · the cluster's name or number; list sheets refer to it".into(),
            ty: Ty::Text,
        });
    }
    let order = first_text
        .into_iter()
        .chain((0..tpl.facts.len()).filter(|i| Some(*i) != first_text));
    for i in order {
        let Some(f) = tpl.facts.get(i) else { continue };
        if matches!(f.ty, Ty::List(_)) {
            continue;
        }
        let label = f.label.clone().unwrap_or_else(|| f.name.clone());
        let mut note = format!("{} · {}", f.kind.1, f.kind.0);
        if !f.used_by.is_empty() {
            note.push_str(&format!("\n用于 used by: {}", f.used_by.join("、")));
        }
        match &f.ty {
            Ty::Series(inner) => {
                for y in &tpl.years {
                    let unit = f
                        .unit
                        .as_deref()
                        .map(|u| format!("（{u}）"))
                        .unwrap_or_default();
                    cols.push(Col {
                        label: format!("{label} {y}年{unit}"),
                        key: format!("{}.{y}", f.name),
                        note: note.clone(),
                        ty: (**inner).clone(),
                    });
                }
            }
            ty => {
                let unit = f
                    .unit
                    .as_deref()
                    .map(|u| format!("（{u}）"))
                    .unwrap_or_default();
                cols.push(Col {
                    label: format!("{label}{unit}"),
                    key: f.name.clone(),
                    note,
                    ty: ty.clone(),
                });
            }
        }
    }
    let _ = program;
    cols
}

/// A dropdown for a yes/no or category column.
fn dropdown(program: &Program, ty: &Ty) -> Option<DataValidation> {
    let items: Vec<String> = match ty.strip_none() {
        Ty::Bool => vec!["是".into(), "否".into()],
        Ty::Enum(e) => program
            .enums
            .get(*e)?
            .variants
            .iter()
            .map(|(n, l)| l.clone().unwrap_or_else(|| n.clone()))
            .collect(),
        _ => return None,
    };
    DataValidation::new().allow_list_strings(&items).ok()
}

/// Rows a template's dropdowns cover.
const TEMPLATE_ROWS: u32 = 1_000;

fn header(
    program: &Program,
    ws: &mut Worksheet,
    cols: &[(String, String, String, Ty)],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_background_color("#DDEBF7");
    let key = Format::new().set_font_color("#808080").set_italic();
    for (i, (label, k, note, ty)) in cols.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, label, &bold)?;
        ws.write_string_with_format(1, c, k, &key)?;
        if !note.is_empty() {
            ws.insert_note(0, c, &Note::new(note).set_width(320).set_height(120))?;
        }
        ws.set_column_width(c, (label.chars().count() as f64 * 2.0).clamp(10.0, 36.0))?;
        if let Some(v) = dropdown(program, ty) {
            ws.add_data_validation(2, c, TEMPLATE_ROWS, c, &v)?;
        }
        if matches!(ty.strip_none(), Ty::Date) {
            let date = Format::new().set_num_format("yyyy-mm-dd");
            ws.set_column_format(c, &date)?;
        }
    }
    ws.set_freeze_panes(2, 1)?;
    Ok(())
}

/// A blank workbook: the main sheet (labels in row 1, keys in row 2, one cluster per row
/// from row 3), a sheet per list fact, and a notes sheet.
pub fn workbook(program: &Program, tpl: &Template) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let main: Vec<(String, String, String, Ty)> = columns(program, tpl)
        .into_iter()
        .map(|c| (c.label, c.key, c.note, c.ty))
        .collect();
    {
        let ws = wb.add_worksheet();
        ws.set_name(MAIN_SHEET)?;
        header(program, ws, &main)?;
    }
    let mut used_names = vec![MAIN_SHEET.to_string(), NOTES_SHEET.to_string()];
    let mut list_sheets = Vec::new();
    for (fact, record) in table::list_facts(program) {
        let (Some(f), Some(rec)) = (tpl.facts.get(fact), program.records.get(record)) else {
            continue;
        };
        let name = f
            .label
            .as_deref()
            .and_then(sheet_name)
            .filter(|n| !used_names.iter().any(|u| u == n))
            .unwrap_or(&f.name)
            .to_string();
        used_names.push(name.clone());
        let mut cols = vec![(
            CLUSTER_LABEL.to_string(),
            CLUSTER_COLUMN.to_string(),
            "主表第一列的值（集群名称）；写“无”于下一列表示该集群没有此类记录 · the main sheet's first column; `无` in the next column says the cluster has none".to_string(),
            Ty::Text,
        )];
        for fd in &rec.fields {
            let (zh, en) = {
                let (en, zh) = t::kind(program, &fd.ty);
                (zh, en)
            };
            let opt = if fd.optional || fd.or_none {
                "\n可空 may be left empty"
            } else {
                ""
            };
            let unit = t::unit_of(program, &fd.ty)
                .map(|u| format!("（{u}）"))
                .unwrap_or_default();
            cols.push((
                format!(
                    "{}{unit}",
                    fd.label.clone().unwrap_or_else(|| fd.name.clone())
                ),
                fd.name.clone(),
                format!("{zh} · {en}{opt}"),
                fd.ty.clone(),
            ));
        }
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        header(program, ws, &cols)?;
        let used = if f.used_by.is_empty() {
            String::new()
        } else {
            format!("（用于 {}）", f.used_by.join("、"))
        };
        list_sheets.push(format!(
            "“{name}”：{}{used}，每行一条记录；集群没有此类记录时写一行：集群名称 + “无”；不写任何行表示未知 · one record per row; a row `name, 无` says none; no row is unknown",
            f.label.as_deref().unwrap_or(&f.name)
        ));
    }
    let ws = wb.add_worksheet();
    ws.set_name(NOTES_SHEET)?;
    let lines = [
        format!("{} · 事实模板 facts template", program.header.title),
        format!(
            "评估日期 evaluation date: {}；按年份的事实列出该日期下规则所需的年份 {}",
            tpl.as_of,
            tpl.years.iter().map(i32::to_string).collect::<Vec<_>>().join("、")
        ),
        "“集群”工作表：第 1 行为中文名称，第 2 行为事实键（请勿修改），从第 3 行起每行一个集群；第一列为集群名称，列表工作表用它对应集群。".to_string(),
        "留空即“未知”：依赖它的判定为“无法判定”，不是“不满足”。是/否 列填“是”或“否”；数值按表头单位填写，也可写带单位的文本（如 28.4亿元）；日期用日期格式或 YYYY-MM-DD。".to_string(),
        "Sheet 集群: row 1 labels, row 2 fact keys (keep them), one cluster per row from row 3. Blank = unknown.".to_string(),
    ];
    for (r, l) in (0u32..).zip(lines.iter().chain(&list_sheets)) {
        ws.write_string(r, 0, l)?;
    }
    ws.set_column_width(0, 120)?;
    wb.save_to_buffer()
}
