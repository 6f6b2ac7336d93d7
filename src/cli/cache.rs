//! Where the checked rule set is kept between runs (see `policy::cache` for what an entry
//! is, and README.md, "The rule-set cache", for the user's side).
//!
//! The folder is `POLICY_CACHE_DIR` when set, else `$XDG_CACHE_HOME/policy`, else
//! `~/.cache/policy`; `POLICY_CACHE_DIR=off` (or empty) turns the cache off. The cache is
//! only ever a shortcut: every failure to read or write it is silent and the rule files
//! are checked as if it were not there.
//!
//! - An entry is written whole or not at all: to a temporary file in the folder, then
//!   renamed over its name, so two runs that race write the same complete bytes and a
//!   run that is killed leaves at most a stray temporary file (removed by the next write).
//! - An entry is read only when it is a regular file of bounded size, and used only when
//!   its digest agrees (`policy::cache::decode`).
//! - The folder holds at most [`KEEP`] entries: a write removes the oldest beyond that.

use std::io::{Read, Write};
use std::path::PathBuf;

/// The most entries kept; each is a few hundred kilobytes at most for rule sets like the
/// measures'.
const KEEP: usize = 32;

/// An entry larger than this is not read (no real rule set comes near it).
const MAX_ENTRY: u64 = 64 << 20;

const SUFFIX: &str = ".rules";

/// The cache folder, or `None` when the cache is off or no folder can be named.
fn folder() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("POLICY_CACHE_DIR") {
        if v.is_empty() || v == "off" {
            return None;
        }
        return Some(PathBuf::from(v));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("policy"))
}

/// What identifies this build of `policy`: its version and the size and modification
/// time of its executable, so that an entry written by another build is never read.
fn stamp() -> Option<Vec<u8>> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut s = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    s.extend_from_slice(&meta.len().to_le_bytes());
    s.extend_from_slice(&modified.as_nanos().to_le_bytes());
    Some(s)
}

/// A cache ready to be asked for the rule set of some files.
pub struct Cache {
    dir: PathBuf,
    key: [u8; 32],
}

impl Cache {
    /// The cache entry for these rule files, or `None` when the cache is off. `first_id`
    /// is the number the first rule file gets among the run's sources: the checked
    /// programs point into the files by these numbers, so a command that reads another
    /// file first (`policy test` reads the case file) has entries of its own.
    pub fn for_files(files: &[(String, String)], first_id: usize) -> Option<Cache> {
        let dir = folder()?;
        let mut stamp = stamp()?;
        stamp.extend_from_slice(&(first_id as u64).to_le_bytes());
        let key = policy::cache::key(&stamp, files);
        Some(Cache { dir, key })
    }

    fn path(&self) -> PathBuf {
        self.dir
            .join(format!("{}{SUFFIX}", policy::cache::key_hex(&self.key)))
    }

    /// The rule set checked by an earlier run, if its entry is there, whole, and could
    /// only have been written by this user.
    pub fn get(&self) -> Option<policy::RuleSet> {
        let file = std::fs::File::open(self.path()).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() > MAX_ENTRY || !private(&self.dir, &meta) {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_ENTRY).read_to_end(&mut bytes).ok()?;
        policy::cache::decode(&self.key, &bytes)
    }

    /// Keep `rules` for the next run (nothing when it is not to be cached, or the folder
    /// cannot be written).
    pub fn put(&self, rules: &policy::RuleSet) {
        let Some(bytes) = policy::cache::encode(&self.key, rules) else {
            return;
        };
        let written = (|| -> std::io::Result<()> {
            create_private_dir(&self.dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".entry-")
                .tempfile_in(&self.dir)?;
            tmp.write_all(&bytes)?;
            tmp.persist(self.path()).map_err(|e| e.error)?;
            Ok(())
        })();
        if written.is_ok() {
            self.prune();
        }
    }

    /// Remove the oldest entries beyond [`KEEP`], and temporary files left by runs that
    /// were killed (older than a minute).
    fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = std::time::SystemTime::now();
        let mut entries = Vec::new();
        for e in dir.flatten().take(10_000) {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let Ok(meta) = e.metadata() else { continue };
            let Ok(modified) = meta.modified() else {
                continue;
            };
            if name.starts_with(".entry-") {
                let stale = now
                    .duration_since(modified)
                    .is_ok_and(|age| age.as_secs() > 60);
                if stale {
                    let _ = std::fs::remove_file(e.path());
                }
            } else if name.ends_with(SUFFIX) && meta.is_file() {
                entries.push((modified, e.path()));
            }
        }
        if entries.len() > KEEP {
            entries.sort();
            let extra = entries.len() - KEEP;
            for (_, path) in entries.into_iter().take(extra) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Whether an entry can only have come from this user: on Unix, the entry and its folder
/// belong to the user running `policy` and neither can be written by anyone else. (An
/// entry's digest shows it is whole, not who wrote it; a folder others can write to, such as
/// one named in a shared place, could otherwise hand a run someone else's rule set.)
#[cfg(unix)]
fn private(dir: &std::path::Path, entry: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(folder) = std::fs::metadata(dir) else {
        return false;
    };
    // The owner of this process's own entry in /proc is the user it runs as; elsewhere,
    // the folder's owner stands for it.
    let me = std::fs::metadata("/proc/self").map_or(folder.uid(), |m| m.uid());
    let others_may_write = |m: &std::fs::Metadata| m.mode() & 0o022 != 0;
    folder.uid() == me
        && entry.uid() == me
        && !others_may_write(&folder)
        && !others_may_write(entry)
}

#[cfg(not(unix))]
fn private(_dir: &std::path::Path, _entry: &std::fs::Metadata) -> bool {
    true
}

/// Make the cache folder (and its parents), the folder itself readable and writable by
/// this user only.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
