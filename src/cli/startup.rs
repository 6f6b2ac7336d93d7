//! What runs before `main`, and so needs `unsafe`.
//!
//! The allocator is chosen from the command line ([`one_check`]): the system's for a check
//! of one cluster, mimalloc for everything else (`alloc.rs`). It must be chosen before the
//! first allocation, hence a constructor that reads the arguments as the C runtime gives
//! them, without allocating. A wrong guess costs time, never correctness: either allocator
//! serves any run.
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
/// constructors of `.init_array` (glibc gives them `argc`, `argv` and `envp`).
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
    choose_for(args);
}

/// Choose the allocator from the command line as the kernel keeps it: musl calls the
/// constructors of `.init_array` with no arguments. `/proc/self/cmdline` is read into a
/// buffer on the stack (nothing allocated); a command line longer than the buffer, or
/// none readable, leaves the choice to the first block (mimalloc).
#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
#[used]
#[link_section = ".init_array"]
static CHOOSE_ALLOCATOR: extern "C" fn() = choose_allocator;

#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
extern "C" fn choose_allocator() {
    let mut buf = [0u8; 4096];
    let Some(n) = read_cmdline(&mut buf) else {
        return;
    };
    let args = buf.get(..n).and_then(cmdline_args);
    if let Some(args) = args {
        choose_for(args);
    }
}

/// The bytes of `/proc/self/cmdline` read into `buf`: how many, or `None` if it cannot
/// be read or does not fit.
#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
fn read_cmdline(buf: &mut [u8]) -> Option<usize> {
    // SAFETY: `open` takes a NUL-terminated path; `read` writes at most the bytes left in
    // `buf`, which it is given the address and length of; `close` takes the descriptor
    // `open` returned.
    unsafe {
        let fd = libc::open(
            c"/proc/self/cmdline".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return None;
        }
        let mut n = 0;
        let read = loop {
            let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) else {
                break None; // full: the line may go on
            };
            let got = libc::read(fd, rest.as_mut_ptr().cast(), rest.len());
            match usize::try_from(got) {
                Ok(0) => break Some(n),
                Ok(k) => n += k,
                Err(_) => break None,
            }
        };
        libc::close(fd);
        read
    }
}

/// The arguments of a command line as `/proc/self/cmdline` holds it (each argument ends
/// in NUL), or `None` if its last one does not end so.
#[cfg(all(target_os = "linux", any(test, not(target_env = "gnu"))))]
fn cmdline_args(bytes: &[u8]) -> Option<impl Iterator<Item = &std::ffi::CStr>> {
    if bytes.last().is_some_and(|b| *b != 0) {
        return None;
    }
    Some(
        bytes
            .split_inclusive(|b| *b == 0)
            .filter_map(|a| std::ffi::CStr::from_bytes_with_nul(a).ok()),
    )
}

/// Take the system allocator for the check of one cluster (see [`one_check`]).
#[cfg(target_os = "linux")]
fn choose_for<'a>(args: impl IntoIterator<Item = &'a std::ffi::CStr>) {
    // Anything else takes mimalloc with its first block.
    if one_check(args, is_dir) && crate::alloc::choose(true) {
        // One arena for the whole process: the thread `main` starts for the work then
        // allocates where the C runtime already has, rather than setting up an arena of
        // its own (in a `cargo build`, some thirty pages fewer touched by one check; the
        // static release archive measured the same either way).
        // SAFETY: `mallopt` takes two integers; before `main` no other thread allocates.
        #[cfg(target_env = "gnu")]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

/// Whether `path` names a folder (following links), by `stat`, which allocates nothing.
#[cfg(target_os = "linux")]
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
#[cfg(target_os = "linux")]
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

    /// The command line as `/proc/self/cmdline` holds it (for musl, whose constructors
    /// get no arguments) gives the same arguments as `argv`.
    #[test]
    fn a_command_line_of_nul_ended_arguments_is_read_as_argv() {
        let args = |b: &'static [u8]| {
            super::cmdline_args(b).map(|a| a.map(|c| c.to_str().unwrap()).collect::<Vec<_>>())
        };
        assert_eq!(
            args(b"policy\0check\0--facts\0a b.json\0"),
            Some(vec!["policy", "check", "--facts", "a b.json"])
        );
        assert_eq!(args(b"policy\0\0x\0"), Some(vec!["policy", "", "x"]));
        assert_eq!(args(b""), Some(vec![]));
        // Cut short (a line longer than the buffer): not read at all.
        assert_eq!(args(b"policy\0check\0--fa"), None);
        let line = b"policy\0check\0--facts\0a.json\0";
        assert!(one_check(super::cmdline_args(line).unwrap(), |_| false));
        let batch = b"policy\0check\0--facts\0a.jsonl\0";
        assert!(!one_check(super::cmdline_args(batch).unwrap(), |_| false));
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
