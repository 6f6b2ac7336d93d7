//! What every subcommand shares: reading files, printing diagnostics, exit codes.

use policy::diag::{Diag, Lang, Sources};
use policy::render::printable;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The language of everything the command says: reports, diagnostics, help. Set once,
/// before the command line is parsed (see [`lang_of_args`]).
static LANG: OnceLock<Lang> = OnceLock::new();

/// The language every subcommand speaks in.
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or_default()
}

/// Fix the language for the rest of the run (the first call wins).
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The text in the language of the run: `zh` under `--lang zh`, `en` otherwise.
pub fn tr<'a>(en: &'a str, zh: &'a str) -> &'a str {
    match lang() {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// The language a command line asks for: the last `--lang zh|en` (or `--lang=…`)
/// before a `--`; without one, Chinese when the locale (`LC_ALL`, `LC_MESSAGES`,
/// `LANG`: the first one set and not empty) starts with `zh`, else English. A
/// `--lang` with another value is left for the parser to refuse.
pub fn lang_of_args(args: &[std::ffi::OsString], env: impl Fn(&str) -> Option<String>) -> Lang {
    let mut chosen = None;
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        let value = if arg == "--lang" {
            iter.next().map(|v| v.to_string_lossy().into_owned())
        } else {
            arg.strip_prefix("--lang=").map(str::to_owned)
        };
        match value.as_deref() {
            Some("zh") => chosen = Some(Lang::Zh),
            Some("en") => chosen = Some(Lang::En),
            _ => {}
        }
    }
    chosen.unwrap_or_else(|| lang_of_locale(env))
}

/// Chinese when the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty
/// starts with `zh` (`zh_CN.UTF-8`, `zh_TW`, `zh`), else English.
pub fn lang_of_locale(env: impl Fn(&str) -> Option<String>) -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| env(k))
        .find(|v| !v.is_empty());
    match locale {
        Some(l) if l.starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// Exit codes (also in README.md).
pub mod exit {
    /// The facts were evaluated (whatever the outcome); the tests passed.
    pub const OK: u8 = 0;
    /// A rule file is wrong.
    pub const RULES: u8 = 1;
    /// The command line is wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// The facts file is wrong.
    pub const FACTS: u8 = 3;
    /// The evaluation date lies outside the period in force.
    pub const OUT_OF_FORCE: u8 = 4;
    /// A file could not be read or written.
    pub const IO: u8 = 5;
    /// A batch run: some records could not be read (each is reported); the others
    /// were evaluated.
    pub const SOME_REFUSED: u8 = 7;
}

/// Print diagnostics to stderr: with colour on a terminal, plain otherwise.
pub fn print_diags(sources: &Sources, diags: &[Diag]) {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        for d in diags {
            eprintln!("{:?}", sources.report_in(d, lang()));
        }
    } else {
        eprint!("{}", sources.render_plain_in(diags, lang()));
    }
}

pub fn io_error(what: &str, path: &Path, e: &std::io::Error) -> u8 {
    print_diags(&Sources::new(), &[io_diag(what, path, e)]);
    exit::IO
}

/// The largest file `policy` reads: the facts limit ([`policy::facts::raw::MAX_BYTES`]);
/// rule files have a smaller limit of their own, checked on their text.
const MAX_FILE_BYTES: usize = policy::facts::raw::MAX_BYTES;

/// What kind of thing a path names, in words, when it is not a regular file.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

fn not_a_file(what: &str, path: &Path, kind: &str) -> Diag {
    Diag::error(
        "policy::io::not_a_file",
        (
            format!(
                "{what} `{}` is {kind}, not a regular file",
                printable(&path.display().to_string())
            ),
            format!(
                "{} `{}` 是{}，不是普通文件",
                policy::diag::zh_term(what),
                printable(&path.display().to_string()),
                policy::diag::zh_term(kind)
            ),
        ),
    )
    .help((
        "name a regular file; pipes and devices are never read, so that nothing can hang",
        "请指定普通文件；管道和设备一概不读，以免程序挂起",
    ))
}

/// Why `path` must not be read, as a diagnostic: it does not exist, is a link to
/// nothing, or is not a regular file (a folder, a FIFO, a device). Follows symbolic
/// links; nothing is opened.
pub fn regular_file(what: &str, path: &Path) -> Result<std::fs::Metadata, Box<Diag>> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(m),
        Ok(m) => Err(Box::new(not_a_file(what, path, kind_of(m.file_type())))),
        Err(e) => {
            let dangling = e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if dangling {
                Err(Box::new(
                    Diag::error(
                        "policy::io::dangling_link",
                        (
                            format!(
                                "{what} `{}` is a symbolic link to a file that does not exist",
                                printable(&path.display().to_string())
                            ),
                            format!(
                                "{} `{}` 是指向不存在文件的符号链接",
                                policy::diag::zh_term(what),
                                printable(&path.display().to_string())
                            ),
                        ),
                    )
                    .help((
                        "restore the file the link points to, or remove the link",
                        "请恢复链接所指的文件，或删除该链接",
                    )),
                ))
            } else {
                Err(Box::new(io_diag(what, path, &e)))
            }
        }
    }
}

fn io_diag(what: &str, path: &Path, e: &std::io::Error) -> Diag {
    Diag::error(
        "policy::io",
        (
            format!(
                "cannot read {what} `{}`: {e}",
                printable(&path.display().to_string())
            ),
            format!(
                "无法读取{} `{}`：{e}",
                policy::diag::zh_term(what),
                printable(&path.display().to_string())
            ),
        ),
    )
    .help((
        match e.kind() {
            std::io::ErrorKind::NotFound => "check the path",
            std::io::ErrorKind::InvalidData => "the file must be UTF-8 text",
            _ => "check that the file exists and can be read",
        },
        match e.kind() {
            std::io::ErrorKind::NotFound => "请检查路径",
            std::io::ErrorKind::InvalidData => "文件须为 UTF-8 文本",
            _ => "请检查文件是否存在、是否可读",
        },
    ))
}

/// Open a regular file for reading, and never anything else: the type is checked
/// before opening, the file is opened without blocking (a FIFO put in its place
/// meanwhile cannot make the open wait for a writer), and checked again once open.
/// Every file the CLI reads is opened here.
pub fn open_regular(
    what: &str,
    path: &Path,
) -> Result<(std::fs::File, std::fs::Metadata), Box<Diag>> {
    regular_file(what, path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| Box::new(io_diag(what, path, &e)))?;
    let meta = file
        .metadata()
        .map_err(|e| Box::new(io_diag(what, path, &e)))?;
    if !meta.is_file() {
        return Err(Box::new(not_a_file(what, path, kind_of(meta.file_type()))));
    }
    Ok((file, meta))
}

/// Read a regular text file: a diagnostic for anything else, for invalid UTF-8, or for a
/// file larger than [`MAX_FILE_BYTES`] (refused without reading more than that).
pub fn read_text_diag(what: &str, path: &Path) -> Result<String, Box<Diag>> {
    read_text_meta(what, path).map(|(text, _)| text)
}

/// Refuse a `--facts` path that is neither a folder nor a regular file (a FIFO, a
/// device, a link to nothing) before any reader opens it, so that nothing waits on a
/// pipe. Prints the diagnostic and gives the exit code.
pub fn facts_input(path: &Path) -> Result<(), u8> {
    if path.is_dir() {
        return Ok(());
    }
    regular_file("facts file", path).map(|_| ()).map_err(|d| {
        print_diags(&Sources::new(), &[*d]);
        exit::IO
    })
}

/// [`read_text_diag`], with the metadata of the file as it was opened.
fn read_text_meta(what: &str, path: &Path) -> Result<(String, std::fs::Metadata), Box<Diag>> {
    use std::io::Read as _;
    let (file, meta) = open_regular(what, path)?;
    let limit = u64::try_from(MAX_FILE_BYTES).unwrap_or(u64::MAX);
    // Room for the whole file as it was opened (and the byte that shows it is too
    // large), so that it is read in one call rather than in growing pieces.
    let mut bytes = Vec::with_capacity(
        usize::try_from(meta.len().min(limit))
            .unwrap_or(0)
            .saturating_add(1),
    );
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Box::new(io_diag(what, path, &e)))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Box::new(Diag::error(
            "policy::io::too_large",
            (format!(
                "{what} `{}` is larger than {} MiB",
                printable(&path.display().to_string()),
                MAX_FILE_BYTES >> 20
            ), format!("{} `{}` 超过 {} MiB", policy::diag::zh_term(what), printable(&path.display().to_string()), MAX_FILE_BYTES >> 20)),
        )
        .help(("check that this is the right file; split a cluster's facts or a rule set into smaller files", "请确认文件是否正确；可将一个集群的事实或一套规则拆分为较小的文件"))));
    }
    let text =
        crate::utf8::string(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            Box::new(Diag::error(
            "policy::io::not_utf8",
            (format!(
                "{what} `{}` is not UTF-8 text (invalid byte at offset {at})",
                printable(&path.display().to_string())
            ), format!("{} `{}` 不是 UTF-8 文本（偏移 {at} 处字节无效）", policy::diag::zh_term(what), printable(&path.display().to_string()))),
        )
        .help(("save the file as UTF-8 (for example 'UTF-8' in the editor's save dialog, not GBK)", "请将文件另存为 UTF-8 编码（例如在编辑器的“另存为”对话框中选择“UTF-8”，而不是 GBK）")))
        })?;
    Ok((text, meta))
}

/// [`read_text_diag`], printing the diagnostic and giving the exit code on failure.
pub fn read_text(what: &str, path: &Path) -> Result<String, u8> {
    read_text_diag(what, path).map_err(|d| {
        print_diags(&Sources::new(), &[*d]);
        exit::IO
    })
}

/// The files directly in a folder (not in its subfolders) whose names `keep` accepts,
/// by name. An accepted name that is not a regular file (a folder, a link to nothing, a
/// FIFO, a device) is an error, never skipped: a rule file that cannot be read must not
/// silently drop its article. `what` names the folder in the message when it cannot be
/// read.
pub fn files_in(dir: &Path, what: &str, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, u8> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(what, dir, &e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(what, dir, &e))?;
        let p = entry.path();
        if keep(&p) {
            paths.push(p);
        }
    }
    paths.sort();
    let bad: Vec<Diag> = paths
        .iter()
        .filter_map(|p| regular_file("the file", p).err().map(|d| *d))
        .collect();
    if !bad.is_empty() {
        print_diags(&Sources::new(), &bad);
        return Err(exit::IO);
    }
    Ok(paths)
}

/// Files as named, and folders as the files directly in them that `keep` accepts.
pub fn expand(
    paths: &[PathBuf],
    what: &str,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, u8> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(files_in(p, what, &keep)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Whether a path names a rule file.
pub fn is_rule_file(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "policy")
}

/// What identifies the content of a file that was read: a file rewritten (in place or
/// by a rename over it) gets another length, time of change or inode.
fn stamp(m: &std::fs::Metadata) -> (u64, Option<std::time::SystemTime>, u64) {
    #[cfg(unix)]
    let ino = {
        use std::os::unix::fs::MetadataExt as _;
        m.ino()
    };
    #[cfg(not(unix))]
    let ino = 0;
    (m.len(), m.modified().ok(), ino)
}

/// How often a rule set that changed while it was read is read again.
const RULE_SET_TRIES: usize = 3;

/// The rule files of a folder: every `*.policy` file in it, by name. A file that
/// changed while the set was read (an editor or `policy fmt` writing it) makes the
/// whole set be read again, so a set is never part old and part new; if it keeps
/// changing, it is refused.
pub fn rule_files(dir: &Path) -> Result<Vec<(String, String)>, u8> {
    for _ in 0..RULE_SET_TRIES {
        let paths = files_in(dir, "the policy folder", is_rule_file)?;
        let mut out = Vec::new();
        let mut stamps = Vec::new();
        for p in &paths {
            let (text, meta) = read_text_meta("rule file", p).map_err(|d| {
                print_diags(&Sources::new(), &[*d]);
                exit::IO
            })?;
            out.push((p.display().to_string(), text));
            stamps.push(stamp(&meta));
        }
        let unchanged = paths
            .iter()
            .zip(&stamps)
            .all(|(p, s)| std::fs::metadata(p).is_ok_and(|m| stamp(&m) == *s));
        if unchanged {
            return Ok(out);
        }
    }
    let d = Diag::error(
        "policy::io::changed",
        (format!(
            "the rule files in `{}` kept changing while they were read",
            printable(&dir.display().to_string())
        ), format!("`{}` 中的规则文件在读取过程中不断变化", printable(&dir.display().to_string()))),
    )
    .help(("wait until the rule files are saved (an editor or `policy fmt` is writing them), then run again", "请等规则文件保存完毕（编辑器或 `policy fmt` 正在写入）后再运行"));
    print_diags(&Sources::new(), &[d]);
    Err(exit::IO)
}
