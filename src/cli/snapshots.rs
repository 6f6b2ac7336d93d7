//! The stored reports of `policy test` (see `policy::snapshot`): compare, keep pending,
//! review, accept, and find the ones no case uses any more.

use crate::common::{exit, tr};
use policy::snapshot;
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// What `policy test` does with a report that differs from the stored one, or is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Fail, and keep the new report as `….snap.new` for review.
    Check,
    /// Show each difference and ask: accept, reject or skip.
    Review,
    /// Store every new report.
    Accept,
}

/// What to do with stored reports that no case has any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Unreferenced {
    /// List them (the run does not fail).
    #[default]
    Warn,
    /// Fail the run when there are any.
    Reject,
    /// Delete them.
    Delete,
}

/// A report that differs from the stored one (or has none yet).
pub struct Pending {
    pub case: String,
    pub case_file: PathBuf,
    pub snap: PathBuf,
    pub old: Option<String>,
    pub new_file: String,
    pub new_body: String,
    /// The case met its expectations: accepting its report makes it pass.
    pub expectations_met: bool,
    /// The expectations the case did not meet, rewritten to the values the rules gave
    /// (positions in the case file as it was read). Made when the report is accepted.
    pub edits: Vec<snapshot::Edit>,
}

impl Pending {
    fn new_path(&self) -> PathBuf {
        let mut p = self.snap.clone().into_os_string();
        p.push(".new");
        PathBuf::from(p)
    }
}

pub struct Store {
    pub mode: Mode,
    /// Whether to write `.snap.new` files (not on CI, as insta).
    write_pending: bool,
    color: bool,
    /// Every stored report a case of this run uses.
    referenced: BTreeSet<PathBuf>,
    /// The folders whose reports this run owns (`cases/snapshots` of each case file).
    dirs: BTreeSet<PathBuf>,
    pub pending: Vec<Pending>,
    /// Per case file, the edits already made: (position in the file as read, change of length).
    shifts: std::collections::HashMap<PathBuf, Vec<(usize, isize)>>,
}

/// Whether this runs on CI: `CI` set to anything but `false` or `0`.
fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Write `text` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    write_atomic_bytes(path, text.as_bytes())
}

/// [`write_atomic`] for bytes (a workbook).
pub fn write_atomic_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    // A temporary file is private (0600); the file written keeps the permissions of the
    // one it replaces, or is readable by all as a new file would be.
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::Permissions::from_mode(0o644)
            }
            #[cfg(not(unix))]
            {
                tmp.as_file().metadata()?.permissions()
            }
        }
    };
    tmp.as_file().set_permissions(perms)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

impl Store {
    pub fn new(mode: Mode) -> Self {
        Store {
            mode,
            write_pending: !on_ci(),
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            referenced: BTreeSet::new(),
            dirs: BTreeSet::new(),
            pending: Vec::new(),
            shifts: std::collections::HashMap::new(),
        }
    }

    /// Where the reports of `case_file`'s cases are stored.
    pub fn dir_of(case_file: &Path) -> PathBuf {
        case_file
            .parent()
            .unwrap_or(Path::new("."))
            .join("snapshots")
    }

    /// Compare the report of one case with the stored one. `Ok(true)` when they agree
    /// (or the new one was accepted), `Ok(false)` when it waits for review.
    pub fn case(
        &mut self,
        case_file: &Path,
        file_name: &str,
        source: &str,
        case: &str,
        body: &str,
        edits: Vec<snapshot::Edit>,
    ) -> Result<bool, String> {
        let expectations_met = edits.is_empty();
        let dir = Self::dir_of(case_file);
        let snap = dir.join(file_name);
        self.dirs.insert(dir);
        self.referenced.insert(snap.clone());
        let old = match std::fs::read_to_string(&snap) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read `{}`: {e}", snap.display())),
        };
        let old_body = old.as_deref().and_then(snapshot::body_of);
        let p = Pending {
            case: case.to_string(),
            case_file: case_file.to_path_buf(),
            new_file: snapshot::to_file(source, case, body),
            new_body: body.to_string(),
            old: old_body.map(str::to_string),
            snap,
            expectations_met,
            edits,
        };
        if expectations_met && old_body.is_some_and(|b| snapshot::same(b, body)) {
            // Agreed: a pending file left from an earlier run is stale.
            remove_if_there(&p.new_path()).map_err(|e| e.to_string())?;
            return Ok(true);
        }
        if self.mode == Mode::Accept {
            self.accept(&p)?;
            return Ok(true);
        }
        if self.write_pending {
            write_atomic(&p.new_path(), &p.new_file)
                .map_err(|e| format!("cannot write `{}`: {e}", p.new_path().display()))?;
        }
        self.pending.push(p);
        Ok(false)
    }

    fn accept(&mut self, p: &Pending) -> Result<(), String> {
        if !p.edits.is_empty() {
            self.edit_case_file(p)?;
        }
        write_atomic(&p.snap, &p.new_file)
            .map_err(|e| format!("cannot write `{}`: {e}", p.snap.display()))?;
        remove_if_there(&p.new_path()).map_err(|e| e.to_string())
    }

    /// Rewrite the unmet expectations of an accepted case in its file.
    fn edit_case_file(&mut self, p: &Pending) -> Result<(), String> {
        let path = &p.case_file;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let shifts = self.shifts.entry(path.clone()).or_default();
        // Positions were taken from the file as first read; earlier edits moved them.
        let moved: Vec<snapshot::Edit> = p
            .edits
            .iter()
            .map(|e| {
                let delta: isize = shifts
                    .iter()
                    .filter(|(at, _)| *at < e.start)
                    .map(|(_, d)| *d)
                    .sum();
                let shift = |x: usize| x.checked_add_signed(delta).unwrap_or(x);
                snapshot::Edit {
                    start: shift(e.start),
                    end: shift(e.end),
                    ..e.clone()
                }
            })
            .collect();
        let new = snapshot::apply(&text, &moved).ok_or_else(|| {
            format!(
                "`{}` changed while the cases ran; its expectations were not updated (run `policy test` again)",
                path.display()
            )
        })?;
        write_atomic(path, &new).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        for e in &p.edits {
            let delta = e.new.len() as isize - e.old.len() as isize;
            shifts.push((e.start, delta));
        }
        Ok(())
    }

    /// The difference of one pending report, as lines for a person.
    pub fn describe(&self, p: &Pending) -> Vec<String> {
        let paint = |code: &str, s: &str| {
            if self.color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        match &p.old {
            None => {
                let mut out = vec![format!(
                    "      {} {}{}",
                    tr(
                        "new report (no stored report yet:",
                        "新报告（尚无存档报告："
                    ),
                    p.snap.display(),
                    tr(")", "）")
                )];
                for l in p.new_body.lines() {
                    out.push(paint("32", &format!("      + {l}")));
                }
                out
            }
            Some(old) => {
                let mut out = vec![format!(
                    "      {} {}",
                    tr("report changed:", "报告有变化："),
                    p.snap.display()
                )];
                for e in &p.edits {
                    out.push(format!(
                        "      {} {} → {}",
                        tr("accepting it sets the expectation", "接受后，预期将改为"),
                        e.old,
                        e.new
                    ));
                }
                for l in snapshot::diff(old, &p.new_body, 2) {
                    let line = format!("      {} {}", l.tag, l.text);
                    out.push(match l.tag {
                        '-' => paint("31", &line),
                        '+' => paint("32", &line),
                        _ => line,
                    });
                }
                out
            }
        }
    }

    /// Walk the pending reports one by one, asking on stdin. Returns how many cases now
    /// pass: their report was accepted and they met their expectations.
    pub fn review(&mut self) -> Result<usize, String> {
        let mut resolved = 0;
        let pending = std::mem::take(&mut self.pending);
        let total = pending.len();
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        let mut left = Vec::new();
        let mut accept_rest = false;
        let mut queue = pending.into_iter().enumerate();
        while let Some((i, p)) = queue.next() {
            println!(
                "\n[{}/{total}] {}  ({})",
                i + 1,
                policy::render::printable(&p.case),
                p.case_file.display()
            );
            for l in self.describe(&p) {
                println!("{l}");
            }
            let answer = if accept_rest {
                "a".to_string()
            } else {
                print!(
                    "{}",
                    tr(
                        "  a accept · r reject · s skip · A accept all the rest · q quit > ",
                        "  a 接受 · r 拒绝 · s 跳过 · A 接受其余全部 · q 退出 > "
                    )
                );
                let _ = std::io::stdout().flush();
                match lines.next() {
                    Some(Ok(l)) => l.trim().to_string(),
                    // No more answers: leave the rest pending.
                    _ => "q".to_string(),
                }
            };
            match answer.as_str() {
                "a" | "accept" | "A" => {
                    accept_rest |= answer == "A";
                    self.accept(&p)?;
                    resolved += usize::from(p.expectations_met);
                    println!("  {}", tr("accepted", "已接受"));
                }
                "r" | "reject" => {
                    remove_if_there(&p.new_path()).map_err(|e| e.to_string())?;
                    println!(
                        "  {}",
                        tr("rejected: the stored report stays", "已拒绝：保留存档报告")
                    );
                    left.push(p);
                }
                "q" | "quit" => {
                    println!(
                        "  {}",
                        tr(
                            "left for later (kept as ….snap.new)",
                            "留待以后处理（保存为 ….snap.new）"
                        )
                    );
                    left.push(p);
                    left.extend(queue.by_ref().map(|(_, p)| p));
                }
                _ => {
                    println!(
                        "  {} {}{}",
                        tr("skipped (kept as", "已跳过（保存为"),
                        p.new_path().display(),
                        tr(")", "）")
                    );
                    left.push(p);
                }
            }
        }
        self.pending = left;
        Ok(resolved)
    }

    /// Stored reports in the folders of this run that no case used, with their pending files.
    pub fn unreferenced(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            names.sort();
            for p in names {
                let name = p.to_string_lossy();
                let base = name.strip_suffix(".new").unwrap_or(&name);
                if base.ends_with(".snap") && !self.referenced.contains(Path::new(base)) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Report, reject or delete unreferenced reports. The exit code to use, if it fails.
    pub fn handle_unreferenced(&self, what: Unreferenced) -> Option<u8> {
        let orphans = self.unreferenced();
        if orphans.is_empty() {
            return None;
        }
        match what {
            Unreferenced::Delete => {
                for p in &orphans {
                    match std::fs::remove_file(p) {
                        Ok(()) => println!(
                            "{} {} {}",
                            tr("deleted", "已删除"),
                            p.display(),
                            tr("(no case uses it)", "（已无案例使用）")
                        ),
                        Err(e) => {
                            eprintln!(
                                "{} `{}`{}{e}",
                                tr("error: cannot delete", "错误：无法删除"),
                                p.display(),
                                tr(": ", "：")
                            );
                            return Some(exit::IO);
                        }
                    }
                }
                None
            }
            Unreferenced::Warn | Unreferenced::Reject => {
                match crate::common::lang() {
                    policy::diag::Lang::En => println!(
                        "\n{} stored report{} no case uses (a case was renamed or removed):",
                        orphans.len(),
                        if orphans.len() == 1 { "" } else { "s" }
                    ),
                    policy::diag::Lang::Zh => println!(
                        "\n{} 份存档报告已无案例使用（案例已改名或删除）：",
                        orphans.len()
                    ),
                }
                for p in &orphans {
                    println!("  {}", p.display());
                }
                println!(
                    "  {}",
                    tr(
                        "delete them with `policy test --unreferenced delete`",
                        "可用 `policy test --unreferenced delete` 删除"
                    )
                );
                (what == Unreferenced::Reject).then_some(crate::test::TESTS_FAILED)
            }
        }
    }
}
