//! What runs before `main`, and so needs `unsafe`.
//!
//! The allocator is chosen from the command line ([`one_check`]): the system's for a check
//! of one cluster, mimalloc for everything else (`alloc.rs`). It must be chosen before the
//! first allocation, hence a constructor that reads the arguments as the C runtime gives
//! them, without allocating. A wrong guess costs time, never correctness: either allocator
//! serves any run. Only glibc passes the arguments to such a constructor, and only its
//! `malloc` is worth choosing: musl's executes some 600,000 more instructions for one check
//! than mimalloc (25% of the check), for some 20 pages fewer touched, so a build on musl
//! takes mimalloc for every run (BENCHMARKS.md, "One check without the C library's
//! start-up").
//!
//! Transparent huge pages are turned off for the process. The allocator (mimalloc) asks
//! the kernel for huge pages for its arenas, and the kernel then clears a whole 2 MiB page
//! on the first allocation: a third of the start-up of a short run such as one
//! `policy check`, and more memory than a batch needs (BENCHMARKS.md). It must happen
//! before the first allocation, which the Rust runtime makes before `main`, hence a
//! constructor in `.init_array`.

#![allow(unsafe_code)]

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes plain integers, reads and
    // writes no memory of the process and cannot fail in a way that matters: if the
    // kernel refuses, huge pages simply stay as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Choose the allocator from the command line, as the C runtime passes it to the
/// constructors of `.init_array` (glibc gives them `argc`, `argv` and `envp`; musl gives
/// them nothing, so not there).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[link_section = ".init_array"]
static CHOOSE_ALLOCATOR: extern "C" fn(
    libc::c_int,
    *const *const libc::c_char,
    *const *const libc::c_char,
) = choose_allocator;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn choose_allocator(
    argc: libc::c_int,
    argv: *const *const libc::c_char,
    _envp: *const *const libc::c_char,
) {
    if argv.is_null() {
        return;
    }
    let n = usize::try_from(argc).unwrap_or(0);
    // SAFETY: the C runtime passes `argc` pointers in `argv`, each to a string ending in
    // NUL, alive for the whole process; none is null before `argv[argc]`.
    let args = (0..n).map(|i| unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) });
    // Anything else takes mimalloc with its first block.
    if one_check(args, is_dir) && crate::alloc::choose(true) {
        // One arena for the whole process: the thread `main` starts for the work then
        // allocates where the C runtime already has, rather than setting up an arena of
        // its own (in a `cargo build`, some thirty pages fewer touched by one check; the
        // static release archive measured the same either way).
        // SAFETY: `mallopt` takes two integers; before `main` no other thread allocates.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

/// Whether `path` names a folder (following links), by `stat`, which allocates nothing.
#[cfg(all(target_os = "linux", any(test, target_env = "gnu")))]
fn is_dir(path: &std::ffi::CStr) -> bool {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `path` is a NUL-terminated string; `stat` writes the structure only on
    // success, and it is read only then.
    unsafe {
        libc::stat(path.as_ptr(), st.as_mut_ptr()) == 0
            && (st.assume_init().st_mode & libc::S_IFMT) == libc::S_IFDIR
    }
}

/// Whether a command line (with the program's name first) asks for the check of one
/// cluster: `policy check` of one facts file, not a folder (`is_dir`) nor a JSON Lines,
/// CSV or workbook file, and not as `--format jsonl`, which `policy check` also takes as a
/// batch. Read as clap reads it, as far as that matters: options before the subcommand
/// (`--lang`), `--name value` and `--name=value`.
#[cfg(all(target_os = "linux", any(test, target_env = "gnu")))]
pub fn one_check<'a>(
    args: impl IntoIterator<Item = &'a std::ffi::CStr>,
    is_dir: impl Fn(&std::ffi::CStr) -> bool,
) -> bool {
    /// The options of `policy check` (and the global `--lang`) that take a value. An
    /// option added to `check` with a value belongs here: missing, it costs time only.
    const VALUED: [&[u8]; 8] = [
        b"--lang",
        b"--policy",
        b"--facts",
        b"--as-of",
        b"--format",
        b"--output",
        b"--jobs",
        b"--color",
    ];
    let mut args = args.into_iter().skip(1);
    loop {
        let Some(a) = args.next() else { return false };
        match a.to_bytes() {
            b"--lang" => {
                args.next();
            }
            b"check" => break,
            x if x.starts_with(b"-") => {}
            _ => return false,
        }
    }
    let mut facts: Option<&std::ffi::CStr> = None;
    while let Some(a) = args.next() {
        let bytes = a.to_bytes();
        // `--name=value`; an argument that is no option is never one of the names below.
        let (name, value) = match bytes.iter().position(|b| *b == b'=') {
            Some(i) => {
                let rest = a.to_bytes_with_nul().get(i + 1..).unwrap_or_default();
                (
                    bytes.get(..i).unwrap_or_default(),
                    std::ffi::CStr::from_bytes_with_nul(rest).ok(),
                )
            }
            _ if VALUED.contains(&bytes) => (bytes, args.next()),
            _ => (bytes, None),
        };
        match name {
            b"--facts" => facts = value,
            b"--format" if value.map(std::ffi::CStr::to_bytes) == Some(b"jsonl") => return false,
            b"--" => return false,
            _ => {}
        }
    }
    let Some(facts) = facts else { return false };
    // The extension as `batch::Input::of` reads it (a path of bytes, nothing allocated).
    use std::os::unix::ffi::OsStrExt as _;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(facts.to_bytes()));
    let batch_file = path.extension().is_some_and(|e| {
        !matches!(
            crate::batch::Input::of_extension(e.as_bytes()),
            crate::batch::Input::Single
        )
    });
    !batch_file && !is_dir(facts)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::one_check;
    use std::ffi::{CStr, CString};

    fn one(line: &str, dirs: &[&str]) -> bool {
        let args: Vec<CString> = line.split(' ').map(|a| CString::new(a).unwrap()).collect();
        one_check(args.iter().map(CString::as_c_str), |p: &CStr| {
            dirs.contains(&p.to_str().unwrap())
        })
    }

    #[test]
    fn one_clusters_check_is_told_from_a_batch_and_from_other_commands() {
        // One cluster: a facts file of one document, whatever the other options.
        assert!(one("policy check --facts a.json", &[]));
        assert!(one("policy check --facts=x/a.yaml --as-of 2025-06-30", &[]));
        assert!(one(
            "policy --lang zh check --policy p --facts a.toml --format json",
            &[]
        ));
        assert!(one(
            "policy --lang=en check --facts a.JSON --format=html --output r.html",
            &[]
        ));
        assert!(one("policy check --facts .jsonl", &[]));
        assert!(one("policy check --facts dir.jsonl/a.json", &["dir.jsonl"]));
        // A batch: by extension in any case, a folder, or as JSON Lines.
        assert!(!one("policy check --facts a.jsonl", &[]));
        assert!(!one("policy check --facts a.NDJSON", &[]));
        assert!(!one("policy check --facts=a.csv", &[]));
        assert!(!one(
            "policy check --facts a.xlsx --format xlsx --output b.xlsx",
            &[]
        ));
        assert!(!one("policy check --facts a.Xlsm", &[]));
        assert!(!one("policy check --facts clusters", &["clusters"]));
        assert!(!one("policy check --facts a.json --format jsonl", &[]));
        assert!(!one("policy check --format=jsonl --facts a.json", &[]));
        // A value is not taken for an option: `--policy --facts` names a folder.
        assert!(!one("policy check --policy --facts --facts a.csv", &[]));
        assert!(one("policy check --policy --facts --facts a.json", &[]));
        // An option without a value takes nothing after it.
        assert!(one("policy check --help --facts a.json", &[]));
        assert!(one("policy check --facts a.json x=--format=jsonl", &[]));
        // Other commands, and lines that are not a check.
        assert!(!one("policy test", &[]));
        assert!(!one("policy diff old check --facts a.json", &[]));
        assert!(!one("policy generate --count 10 --facts a.json", &[]));
        assert!(!one("policy lsp", &[]));
        assert!(!one("policy check", &[]));
        assert!(!one("policy", &[]));
        assert!(!one("policy --lang check --facts a.json", &[]));
        assert!(!one("policy check -- --facts a.json", &[]));
    }

    /// A folder is told from a file, a link to a folder is a folder, and a path that
    /// names nothing is no folder.
    #[test]
    fn a_folder_is_told_by_stat() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let file = dir.join("a.json");
        std::fs::write(&file, "{}").unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(dir, &link).unwrap();
        let c = |p: &std::path::Path| CString::new(p.to_str().unwrap()).unwrap();
        assert!(super::is_dir(&c(dir)));
        assert!(super::is_dir(&c(&link)));
        assert!(!super::is_dir(&c(&file)));
        assert!(!super::is_dir(&c(&dir.join("nothing"))));
    }
}
