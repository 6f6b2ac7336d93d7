//! What every subcommand shares: reading files, printing diagnostics, exit codes.

use policy::diag::{Diag, Sources};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
            eprintln!("{:?}", sources.report(d));
        }
    } else {
        eprint!("{}", sources.render_plain(diags));
    }
}

pub fn io_error(what: &str, path: &Path, e: &std::io::Error) -> u8 {
    let d = Diag::error(
        "policy::io",
        format!("cannot read {what} `{}`: {e}", path.display()),
    )
    .help(match e.kind() {
        std::io::ErrorKind::NotFound => "check the path",
        std::io::ErrorKind::InvalidData => "the file must be UTF-8 text",
        _ => "check that the file exists and can be read",
    });
    print_diags(&Sources::new(), &[d]);
    exit::IO
}

/// The largest file `policy` reads: the facts limit ([`policy::facts::raw::MAX_BYTES`]);
/// rule files have a smaller limit of their own, checked on their text.
const MAX_FILE_BYTES: usize = policy::facts::raw::MAX_BYTES;

/// Read a text file, refusing invalid UTF-8 with a diagnostic. A file larger than
/// [`MAX_FILE_BYTES`] is refused without reading more than that.
pub fn read_text(what: &str, path: &Path) -> Result<String, u8> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| io_error(what, path, &e))?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_FILE_BYTES).unwrap_or(u64::MAX);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(what, path, &e))?;
    if bytes.len() > MAX_FILE_BYTES {
        let d = Diag::error(
            "policy::io::too_large",
            format!(
                "{what} `{}` is larger than {} MiB",
                path.display(),
                MAX_FILE_BYTES >> 20
            ),
        )
        .help("check that this is the right file; split a cluster's facts or a rule set into smaller files");
        print_diags(&Sources::new(), &[d]);
        return Err(exit::IO);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let d = Diag::error(
            "policy::io::not_utf8",
            format!(
                "{what} `{}` is not UTF-8 text (invalid byte at offset {at})",
                path.display()
            ),
        )
        .help("save the file as UTF-8 (for example 'UTF-8' in the editor's save dialog, not GBK)");
        print_diags(&Sources::new(), &[d]);
        exit::IO
    })
}

/// The files directly in a folder (not in its subfolders) that `keep` accepts, by name.
/// `what` names the folder in the message when it cannot be read.
pub fn files_in(dir: &Path, what: &str, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, u8> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(what, dir, &e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && keep(p))
        .collect();
    paths.sort();
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

/// The rule files of a folder: every `*.policy` file in it, by name.
pub fn rule_files(dir: &Path) -> Result<Vec<(String, String)>, u8> {
    let paths = files_in(dir, "the policy folder", is_rule_file)?;
    let mut out = Vec::new();
    for p in paths {
        let text = read_text("rule file", &p)?;
        out.push((p.display().to_string(), text));
    }
    Ok(out)
}
