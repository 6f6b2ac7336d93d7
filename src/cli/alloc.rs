//! The process's allocator: mimalloc, asked for a plain block wherever a plain block is
//! aligned enough.
//!
//! The `mimalloc` crate asks for every block by `mi_malloc_aligned`, which looks at the
//! alignment before it allocates: about 50 instructions a block where `mi_malloc` takes
//! about 20. A batch makes some sixty allocations per cluster, almost all with the
//! alignment of a pointer, so here a block whose alignment any block of its size already
//! has is a plain one, the rule the standard library follows for the system's `malloc`
//! (its `MIN_ALIGN`). Blocks more aligned than that (none in `policy` today) still go
//! through the aligned functions. Measured in BENCHMARKS.md.

#![allow(unsafe_code)]

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// The alignment every block of `mi_malloc` has when its size is a multiple of it
/// (mimalloc's `MI_MAX_ALIGN_SIZE`, 16 bytes on 64-bit targets; 8 on 32-bit ones). A
/// smaller block of a size that is a multiple of 8 only is aligned to 8, which is all its
/// layout can ask for: a layout's size is a multiple of its alignment.
#[cfg(target_pointer_width = "64")]
const PLAIN_ALIGN: usize = 16;
#[cfg(not(target_pointer_width = "64"))]
const PLAIN_ALIGN: usize = 8;

/// Whether a block of `size` bytes from the plain functions is aligned to `align`.
#[inline(always)]
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

pub struct MiMalloc;

// SAFETY: every block comes from mimalloc and goes back to it; a plain function is used
// only where its block has the layout's alignment (`plain`), and mimalloc frees blocks
// of either kind with `mi_free`.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's functions take any size; a null result is the allocation
        // failure `GlobalAlloc` expects.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new block must have
        // the same alignment at its new size.
        unsafe {
            if plain(layout.align(), new_size) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}
