//! `policy fmt`: rewrite rule files in the canonical layout, or check that they are.
//!
//! A file is never left half written: the formatted text goes to a temporary file in
//! the same folder, which is flushed to disk, given the original's permissions and
//! renamed over the original (one step for every reader). Just before the rename the
//! file on disk is read again; if it no longer holds the text that was formatted
//! (someone saved it, or another `policy fmt` rewrote it meanwhile) it is left alone
//! with an error. A symbolic link is not rewritten (that would replace the link by a
//! file, or change a file elsewhere); `--check` reads through it.

use crate::common::{exit, is_rule_file, print_diags, read_text, read_text_diag};
use policy::diag::{Diag, Sources};
use policy::render::{printable, printable_lines};
use policy::syntax::KeywordSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The rule files named: files as given, folders as their `*.policy` files.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    crate::common::expand(paths, "the folder", is_rule_file)
}

/// A unified diff of `old` and `new`, for `--check`.
fn unified(path: &Path, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!(
                "{} {}",
                path.display(),
                crate::common::tr("(as written)", "（原文）")
            ),
            &format!(
                "{} {}",
                path.display(),
                crate::common::tr("(formatted)", "（格式化后）")
            ),
        )
        .to_string()
}

fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

fn write_error(path: &Path, e: &std::io::Error) -> Box<Diag> {
    Box::new(
        Diag::error(
            "policy::io",
            (
                format!("cannot write rule file `{}`: {e}", shown(path)),
                format!("无法写入规则文件 `{}`：{e}", shown(path)),
            ),
        )
        .help((
            "check that the file and its folder can be written",
            "请检查该文件及其所在文件夹是否可写",
        )),
    )
}

/// Replace the rule file at `path`, which held `old` when it was read, by `new`:
/// atomically, or not at all.
fn replace(path: &Path, old: &str, new: &str) -> Result<(), Box<Diag>> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| write_error(path, &e))?;
    if meta.file_type().is_symlink() {
        return Err(Box::new(Diag::error(
            "policy::fmt::symlink",
            (format!(
                "rule file `{}` is a symbolic link; `policy fmt` does not rewrite through links",
                shown(path)
            ), format!("规则文件 `{}` 是符号链接；`policy fmt` 不经链接改写文件", shown(path))),
        )
        .help(("run `policy fmt` on the file the link points to (`policy fmt --check` may name the link)", "请对链接所指的文件运行 `policy fmt`（`policy fmt --check` 可以检查链接）"))));
    }
    // A file that may not be written is not replaced either (the rename would
    // succeed in a writable folder): open it for writing, without truncating, first.
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| write_error(path, &e))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Not a `.policy` name, so that a rule set read meanwhile never includes it.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| write_error(path, &e))?;
    tmp.write_all(new.as_bytes())
        .map_err(|e| write_error(path, &e))?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(|e| write_error(path, &e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| write_error(path, &e))?;
    let now = read_text_diag("rule file", path)?;
    if now != old {
        return Err(Box::new(Diag::error(
            "policy::fmt::changed",
            (format!(
                "rule file `{}` changed while it was being formatted; it was left as it is",
                shown(path)
            ), format!("规则文件 `{}` 在格式化过程中被改动，未作改写", shown(path))),
        )
        .help(("another program (an editor, another `policy fmt`) wrote it meanwhile: check it, then run `policy fmt` again", "其间有其他程序（编辑器或另一个 `policy fmt`）写入了该文件：请检查后再运行 `policy fmt`"))));
    }
    tmp.persist(path).map_err(|e| write_error(path, &e.error))?;
    // Make the rename itself durable (where a folder can be opened and synced).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Format the rule files named, in their own keyword set or, with `keywords`, in that one.
pub fn fmt(paths: &[PathBuf], check: bool, keywords: Option<KeywordSet>) -> u8 {
    let files = match expand(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut sources = Sources::new();
    let mut unformatted = 0;
    let mut failed = false;
    for path in &files {
        let text = match read_text("rule file", path) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let id = sources.add(path.display().to_string(), text.clone());
        let formatted = match policy::fmt::format_in(id, &text, keywords) {
            Ok(f) => f,
            Err(diags) => {
                print_diags(&sources, &diags);
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if check {
            unformatted += 1;
            // The rule file's own text, for a person: control characters escaped.
            let diff = printable_lines(&unified(path, &text, &formatted));
            print!("{diff}");
            if !diff.ends_with('\n') {
                println!();
            }
        } else if let Err(d) = replace(path, &text, &formatted) {
            print_diags(&sources, &[*d]);
            return exit::IO;
        } else {
            println!(
                "{} {}",
                crate::common::tr("formatted", "已格式化"),
                shown(path)
            );
        }
    }
    if failed {
        return exit::RULES;
    }
    if unformatted > 0 {
        match crate::common::lang() {
            policy::diag::Lang::En => eprintln!(
                "error: {unformatted} rule file{} not formatted; run `policy fmt` on {}",
                if unformatted == 1 { " is" } else { "s are" },
                if unformatted == 1 { "it" } else { "them" }
            ),
            policy::diag::Lang::Zh => {
                eprintln!("错误：{unformatted} 个规则文件未按规范排版；请对其运行 `policy fmt`")
            }
        }
        return exit::RULES;
    }
    exit::OK
}
