//! What runs before `main`: the one place of the command line that needs `unsafe`.
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
