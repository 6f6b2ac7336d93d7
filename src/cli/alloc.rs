//! The process's allocator: mimalloc, asked for a plain block wherever a plain block is
//! aligned enough; or, for a run that checks one cluster, the system's (with glibc; with
//! musl, whose `malloc` is slower, mimalloc serves every run).
//!
//! Which of the two serves the process is decided once, before its first block
//! ([`choose`], called from `startup.rs` with the command line), and never changes, so
//! every block goes back to the allocator it came from. mimalloc gives each size of block
//! its own area, which a batch of many clusters pays back many times over; one check makes
//! about 2,500 allocations in all, spread over some forty sizes, and mimalloc's areas then
//! cost it about a hundred more pages of memory touched than the system allocator, which
//! packs them together (BENCHMARKS.md, "One check on the system's allocator").
//!
//! The `mimalloc` crate asks for every block by `mi_malloc_aligned`, which looks at the
//! alignment before it allocates: about 50 instructions a block where `mi_malloc` takes
//! about 20. A batch makes some sixty allocations per cluster, almost all with the
//! alignment of a pointer, so here a block whose alignment any block of its size already
//! has is a plain one (see [`PLAIN_ALIGN`]); the others still go through the aligned
//! functions. Measured in BENCHMARKS.md ("A check without SHA-256, and the allocator's
//! plain blocks").

#![allow(unsafe_code)]

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub use choice::choose;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
use choice::on_system;
use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;

/// The choice of allocator, made with glibc only, where `startup.rs` reads the command line
/// before `main`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod choice {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

    /// No block made yet, and no choice: the first block made takes mimalloc.
    const UNDECIDED: u8 = 0;
    const MIMALLOC: u8 = 1;
    const SYSTEM: u8 = 2;

    /// The allocator of this process, once decided.
    static CHOICE: AtomicU8 = AtomicU8::new(UNDECIDED);

    /// Serve the process from the system allocator (`system`) or from mimalloc: taken only
    /// before the first block is made, and then for good. True if the choice was taken.
    pub fn choose(system: bool) -> bool {
        let to = if system { SYSTEM } else { MIMALLOC };
        CHOICE
            .compare_exchange(UNDECIDED, to, Relaxed, Relaxed)
            .is_ok()
    }

    /// Whether the system allocator serves this process. Read at every block: the first
    /// block made without a choice fixes mimalloc, so that a later [`choose`] changes
    /// nothing.
    #[inline(always)]
    pub fn on_system() -> bool {
        match CHOICE.load(Relaxed) {
            SYSTEM => true,
            UNDECIDED => {
                // Before `main` and on one thread: nothing else can choose meanwhile.
                CHOICE.store(MIMALLOC, Relaxed);
                false
            }
            _ => false,
        }
    }
}

/// Without glibc nothing is chosen: mimalloc serves every block.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[inline(always)]
fn on_system() -> bool {
    false
}

/// mimalloc's `MI_MAX_ALIGN_SIZE`. mimalloc rounds every block of this size or more up to a
/// multiple of it and places each at a multiple of it (only 8-byte blocks are aligned to 8
/// alone), so a plain block of `size` bytes is aligned to any `align` up to this one that
/// is not larger than `size`: the test mimalloc itself makes before it serves an aligned
/// request with a plain block (`mi_malloc_is_naturally_aligned`, `src/alloc-aligned.c`).
const PLAIN_ALIGN: usize = 16;

/// Whether a block of `size` bytes from the plain functions is aligned to `align`.
#[inline(always)]
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

/// A new block for `layout`: from `plain` where a plain block is aligned enough, else
/// from `aligned` (`mi_malloc` and `mi_malloc_aligned`, or their zeroing pair).
///
/// # Safety
///
/// As [`GlobalAlloc::alloc`]: `layout` has a non-zero size.
#[inline(always)]
unsafe fn new_block(
    layout: Layout,
    plain_fn: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned_fn: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: mimalloc's functions take any size; a null result is the allocation
    // failure `GlobalAlloc` expects.
    unsafe {
        if plain(layout.align(), layout.size()) {
            plain_fn(layout.size()).cast()
        } else {
            aligned_fn(layout.size(), layout.align()).cast()
        }
    }
}

/// The process's allocator: the system's or mimalloc, as [`choose`] decided.
pub struct Allocator;

// SAFETY: the allocator chosen is fixed before the first block and never changes, so every
// block goes back to the allocator it came from. Of mimalloc, a plain function is used
// only where its block has the layout's alignment (`plain`), and mimalloc frees blocks of
// either kind with `mi_free`.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promises `GlobalAlloc::alloc`.
        unsafe {
            if on_system() {
                return System.alloc(layout);
            }
            new_block(layout, mi_malloc, mi_malloc_aligned)
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if on_system() {
                return System.alloc_zeroed(layout);
            }
            new_block(layout, mi_zalloc, mi_zalloc_aligned)
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, and the choice has not changed since it
        // was made: from the system allocator with `layout`, or from mimalloc.
        unsafe {
            if on_system() {
                return System.dealloc(ptr, layout);
            }
            mi_free(ptr.cast::<c_void>())
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`, from the one chosen; the
        // new block must have the same alignment at its new size.
        unsafe {
            if on_system() {
                return System.realloc(ptr, layout, new_size);
            }
            if plain(layout.align(), new_size) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block has its layout's alignment, whichever functions served it, keeps
    /// what was written into it across a reallocation, and goes back without harm.
    #[test]
    fn blocks_are_aligned_as_asked_and_keep_their_bytes() {
        let a = Allocator;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            // Sizes that are not multiples of the alignment too: a hash table asks for
            // 52 bytes aligned to 16.
            for size in [1, 8, 13, 24, 40, 52, 100, 1000, 70_000, align, 3 * align] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a layout of non-zero size; each block is freed once, with
                // the layout it was made with.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "alloc {size} aligned {align}");
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let bigger = size * 2 + 8;
                    let q = a.realloc(p, layout, bigger);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "realloc {bigger} aligned {align}");
                    for i in 0..size {
                        assert_eq!(*q.add(i), (i % 251) as u8);
                    }
                    a.dealloc(q, Layout::from_size_align(bigger, align).unwrap());

                    let z = a.alloc_zeroed(layout);
                    assert!(!z.is_null());
                    assert_eq!(z as usize % align, 0, "zeroed {size} aligned {align}");
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }

    /// The allocator is chosen once: the test's process has made blocks already (and its
    /// command line is no check of one cluster), so a later choice is refused.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn the_allocator_is_not_chosen_again_once_blocks_are_made() {
        let made = String::from("a block");
        assert!(!choose(true));
        assert!(!choose(false));
        assert!(!on_system());
        assert_eq!(made, "a block");
    }

    #[test]
    fn a_plain_block_is_used_only_where_its_alignment_suffices() {
        assert!(plain(8, 8));
        assert!(plain(16, 16));
        assert!(plain(8, 24));
        assert!(plain(16, 52), "served from 64-byte blocks");
        assert!(!plain(32, 32), "more aligned than a plain block");
        assert!(!plain(16, 8), "a block smaller than its alignment");
    }
}
