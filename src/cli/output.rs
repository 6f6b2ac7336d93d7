//! `--format xlsx|html` and `--output FILE`: where a report file goes, written whole or
//! not at all (a temporary file in the same folder, renamed over the target).

use crate::common::{exit, print_diags};
use crate::CheckFormat;
use policy::diag::{Diag, Sources};
use policy::render::rows::{ClusterRow, Line, Refused};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Refuse what cannot work before any evaluation: a workbook to a terminal, `--output`
/// with a format printed to the terminal, an output that is a folder.
pub fn check_request(
    sources: &Sources,
    format: CheckFormat,
    output: Option<&Path>,
) -> Result<(), u8> {
    let d = match (format, output) {
        (CheckFormat::Xlsx, None) if std::io::stdout().is_terminal() => Some(binary_to_terminal()),
        (CheckFormat::Human | CheckFormat::Json | CheckFormat::Jsonl, Some(_)) => Some(
            Diag::error(
                "policy::usage::output_format",
                (
                    "`--output` is for `--format xlsx` and `--format html`",
                    "`--output` 只用于 `--format xlsx` 和 `--format html`",
                ),
            )
            .help((
                "send the text formats to a file with the shell: > results.json",
                "文本格式请用重定向写入文件：> results.json",
            )),
        ),
        (_, Some(p)) if p.is_dir() || p.as_os_str().is_empty() => Some(
            Diag::error(
                "policy::io::output",
                (
                    format!("cannot write `{}`: it is a folder", p.display()),
                    format!("无法写入 `{}`：这是一个文件夹", p.display()),
                ),
            )
            .help((
                "name a file: --output results.xlsx",
                "请指定一个文件：--output 结果.xlsx",
            )),
        ),
        _ => None,
    };
    match d {
        Some(d) => {
            print_diags(sources, &[d]);
            Err(exit::USAGE)
        }
        None => Ok(()),
    }
}

/// `policy::usage::binary_to_terminal`: a workbook asked for on a terminal.
pub fn binary_to_terminal() -> Diag {
    Diag::error(
        "policy::usage::binary_to_terminal",
        (
            "`--format xlsx` writes a workbook, which a terminal cannot show",
            "`--format xlsx` 生成的是 Excel 工作簿，无法在终端中显示",
        ),
    )
    .help((
        "name the file to write: --output results.xlsx",
        "请用 --output 指定要写入的文件，例如 --output 结果.xlsx",
    ))
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn write_error(path: &Path, e: &std::io::Error) -> u8 {
    let d = Diag::error(
        "policy::io::output",
        (
            format!("cannot write `{}`: {e}", path.display()),
            format!("无法写入 `{}`：{e}", path.display()),
        ),
    )
    .help((
        "check that the folder exists and is writable; the file was left as it was",
        "请检查文件夹是否存在、是否可写；原文件未被改动",
    ));
    print_diags(&Sources::new(), &[d]);
    exit::IO
}

/// Write `bytes` to `path` whole (a temporary file beside it, renamed over it), or to
/// stdout when there is no path.
pub fn write(path: Option<&Path>, bytes: &[u8]) -> u8 {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(bytes).and_then(|()| out.flush()) {
            Ok(()) => exit::OK,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
            Err(_) => exit::IO,
        };
    };
    let dir = folder_of(path);
    let done = (|| -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".policy-report-")
            .tempfile_in(&dir)?;
        tmp.write_all(bytes)?;
        finish_file(tmp, path, &dir)
    })();
    match done {
        Ok(()) => exit::OK,
        Err(e) => write_error(path, &e),
    }
}

/// Write to `path` whole, as [`write`] does, what `make` writes to the writer it is given
/// (to stdout when there is no path). A failure leaves the old file as it was.
pub fn write_with(
    path: Option<&Path>,
    make: impl FnOnce(&mut (dyn Write + Send)) -> Result<(), Box<Diag>>,
) -> u8 {
    let fail = |d: Box<Diag>| {
        print_diags(&Sources::new(), &[*d]);
        exit::IO
    };
    let Some(path) = path else {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        return match make(&mut out).map(|()| out.flush()) {
            Ok(Ok(())) => exit::OK,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
            Ok(Err(_)) => exit::IO,
            Err(d) => fail(d),
        };
    };
    let dir = folder_of(path);
    let mut tmp = match tempfile::Builder::new()
        .prefix(".policy-report-")
        .tempfile_in(&dir)
    {
        Ok(t) => t,
        Err(e) => return write_error(path, &e),
    };
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        if let Err(d) = make(&mut out) {
            return fail(d);
        }
        if let Err(e) = out.flush() {
            return write_error(path, &e);
        }
    }
    match finish_file(tmp, path, &dir) {
        Ok(()) => exit::OK,
        Err(e) => write_error(path, &e),
    }
}

/// Give a written temporary file its permissions, make it durable and rename it over
/// `path`.
fn finish_file(tmp: tempfile::NamedTempFile, path: &Path, dir: &Path) -> std::io::Result<()> {
    // A file replaced keeps its permissions; a new one gets the usual ones (the
    // temporary file is private to its owner).
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => tmp.as_file().set_permissions(m.permissions())?,
        _ => set_usual_permissions(tmp.as_file())?,
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A folder for the workbook's spooled rows, beside the output (removed when dropped).
pub fn spool_for(path: Option<&Path>) -> Option<tempfile::TempDir> {
    let dir = path.map(folder_of).unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix(".policy-spool-")
        .tempdir_in(dir)
        .ok()
}

/// What is done with each line of a kind: added to the workbook or page.
type Handler<'a, T> = Box<dyn FnMut(&T) -> Result<(), Box<Diag>> + 'a>;

/// Receives what a batch's workers wrote, one JSON [`Line`] per record, and hands each
/// to the workbook or the page being built, in input order.
pub struct LineSink<'a> {
    buf: Vec<u8>,
    on_cluster: Handler<'a, ClusterRow>,
    on_refused: Handler<'a, Refused>,
    pub error: Option<Diag>,
}

impl<'a> LineSink<'a> {
    pub fn new(
        on_cluster: impl FnMut(&ClusterRow) -> Result<(), Box<Diag>> + 'a,
        on_refused: impl FnMut(&Refused) -> Result<(), Box<Diag>> + 'a,
    ) -> Self {
        LineSink {
            buf: Vec::new(),
            on_cluster: Box::new(on_cluster),
            on_refused: Box::new(on_refused),
            error: None,
        }
    }

    fn line(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let done = match serde_json::from_slice::<Line>(bytes) {
            Ok(Line::Cluster(row)) => (self.on_cluster)(&row),
            Ok(Line::Refused(r)) => (self.on_refused)(&r),
            // The workers wrote it: it always reads.
            Err(e) => Err(Box::new(Diag::error(
                "policy::render::xlsx",
                (
                    format!("internal: a result line does not read: {e}"),
                    format!("内部错误：结果行无法读取：{e}"),
                ),
            ))),
        };
        done.map_err(|d| {
            let e = std::io::Error::other(d.message.en.clone());
            self.error = Some(*d);
            e
        })
    }
}

impl Write for LineSink<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut rest = data;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            let (head, tail) = rest.split_at(i);
            if self.buf.is_empty() {
                self.line(head)?;
            } else {
                let mut whole = std::mem::take(&mut self.buf);
                whole.extend_from_slice(head);
                self.line(&whole)?;
            }
            rest = tail.get(1..).unwrap_or_default();
        }
        self.buf.extend_from_slice(rest);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.buf);
        self.line(&rest)
    }
}

#[cfg(unix)]
fn set_usual_permissions(f: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // rw-r--r--: what a new file gets under the usual umask of 022.
    f.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_usual_permissions(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}
