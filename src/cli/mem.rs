//! Copying and comparing memory for the static musl build: `memcpy`, `memmove`, `memcmp`
//! and `bcmp`, in place of musl's.
//!
//! musl's `memcpy` for x86-64 copies every block, however short, with `rep movsq` after
//! aligning the destination byte by byte, and its `memcmp` compares byte by byte. A batch
//! copies and compares many short blocks (a decision's result, a key of the JSON line, a
//! fact's name against the key read), and on musl spent a fifth of its time in the two
//! (BENCHMARKS.md, "One check without the C library's start-up"). Here a block of up to 64
//! bytes is copied by loading it whole into registers (its first and last 4, 8, 16 or 32
//! bytes, which may overlap) before storing it; a longer one by `rep movsb`, which
//! processors since 2013 (ERMSB) run at full speed. Comparison goes eight bytes at a time.
//!
//! These functions must not call themselves: the compiler may turn a loop that copies or
//! compares into a call to `memcpy` or `memcmp`, so the loops here copy nothing and
//! compare words, and the long copies are written in assembly.

#![allow(unsafe_code)]

use std::ptr::{read_unaligned, write_unaligned};

/// Copy `n` bytes from `s` to `d`, for `size_of::<T>() <= n <= 2 * size_of::<T>()`, as the
/// first and the last `T` of the block (which overlap unless `n` is twice the size): both
/// are loaded before either is stored, so the blocks may overlap.
///
/// # Safety
/// `s` readable and `d` writable for `n` bytes, and `n` in that range.
#[inline(always)]
unsafe fn ends<T>(d: *mut u8, s: *const u8, n: usize) {
    let last = n - std::mem::size_of::<T>();
    // SAFETY: both `T`s lie within the `n` bytes from `s` and from `d`.
    unsafe {
        let a = read_unaligned(s.cast::<T>());
        let b = read_unaligned(s.add(last).cast::<T>());
        write_unaligned(d.cast::<T>(), a);
        write_unaligned(d.add(last).cast::<T>(), b);
    }
}

/// Copy `n` bytes from `s` to `d` for `n <= 64`: every byte is loaded before any is
/// stored, so the blocks may overlap.
///
/// # Safety
/// `s` readable and `d` writable for `n` bytes.
#[inline(always)]
unsafe fn copy_short(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY (all below): each width is taken only for the lengths `ends` takes it for,
    // and the three single bytes lie within the `n`.
    unsafe {
        if n >= 32 {
            ends::<[u128; 2]>(d, s, n);
        } else if n >= 16 {
            ends::<u128>(d, s, n);
        } else if n >= 8 {
            ends::<u64>(d, s, n);
        } else if n >= 4 {
            ends::<u32>(d, s, n);
        } else if n > 0 {
            // 1 to 3 bytes: the first, the middle and the last (some the same).
            let a = *s;
            let b = *s.add(n / 2);
            let c = *s.add(n - 1);
            *d = a;
            *d.add(n / 2) = b;
            *d.add(n - 1) = c;
        }
    }
}

/// `memcpy`: `n` bytes from `s` to `d`. The blocks may overlap where `d` is not inside the
/// source past its start: an upward copy then reads every byte before it is overwritten
/// (as [`copy_within`] uses it).
///
/// # Safety
/// `s` readable and `d` writable for `n` bytes.
pub unsafe fn copy(d: *mut u8, s: *const u8, n: usize) {
    if n <= 64 {
        // SAFETY: as the caller promises.
        unsafe { copy_short(d, s, n) }
    } else {
        // SAFETY: `rep movsb` copies `rcx` bytes upwards from `rsi` to `rdi` (the
        // direction flag is clear, as the ABI requires at every call).
        unsafe {
            std::arch::asm!(
                "rep movsb",
                inout("rcx") n => _,
                inout("rdi") d => _,
                inout("rsi") s => _,
                options(nostack, preserves_flags)
            );
        }
    }
}

/// `memmove`: `n` bytes from `s` to `d`, which may overlap.
///
/// # Safety
/// `s` readable and `d` writable for `n` bytes.
pub unsafe fn copy_within(d: *mut u8, s: *const u8, n: usize) {
    let gap = (d as usize).wrapping_sub(s as usize);
    if n <= 64 || gap >= n {
        // Short (loaded whole first), or `d` not inside the source past its start: an
        // upward copy reads every byte before it is overwritten.
        // SAFETY: as the caller promises.
        unsafe { copy(d, s, n) }
    } else {
        // `d` above `s` within the block: downwards, from the last byte.
        // SAFETY: with the direction flag set, `rep movsb` copies `rcx` bytes downwards
        // from `rsi` to `rdi`, both at the last byte; the flag is cleared again before the
        // block ends, as the ABI requires.
        unsafe {
            std::arch::asm!(
                "std",
                "rep movsb",
                "cld",
                inout("rcx") n => _,
                inout("rdi") d.add(n - 1) => _,
                inout("rsi") s.add(n - 1) => _,
                options(nostack)
            );
        }
    }
}

/// `memcmp`: the order of the first `n` bytes at `a` and at `b`, byte by byte, as
/// unsigned numbers: negative, zero or positive.
///
/// # Safety
/// `a` and `b` readable for `n` bytes.
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    // SAFETY (all below): every read lies within the first `n` bytes.
    unsafe {
        while i + 8 <= n {
            let x = read_unaligned(a.add(i).cast::<u64>());
            let y = read_unaligned(b.add(i).cast::<u64>());
            if x != y {
                // The first byte that differs decides: read as big-endian numbers,
                // the first byte is the highest.
                return if u64::from_be(x) < u64::from_be(y) {
                    -1
                } else {
                    1
                };
            }
            i += 8;
        }
        while i < n {
            let (x, y) = (*a.add(i), *b.add(i));
            if x != y {
                return i32::from(x) - i32::from(y);
            }
            i += 1;
        }
    }
    0
}

#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
mod exported {
    /// # Safety
    /// As C's `memcpy`.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(d: *mut u8, s: *const u8, n: usize) -> *mut u8 {
        // SAFETY: as the caller promises.
        unsafe { super::copy(d, s, n) };
        d
    }

    /// # Safety
    /// As C's `memmove`.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(d: *mut u8, s: *const u8, n: usize) -> *mut u8 {
        // SAFETY: as the caller promises.
        unsafe { super::copy_within(d, s, n) };
        d
    }

    /// # Safety
    /// As C's `memcmp`.
    #[no_mangle]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: as the caller promises.
        unsafe { super::compare(a, b, n) }
    }

    /// # Safety
    /// As C's `bcmp`.
    #[no_mangle]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: as the caller promises.
        unsafe { super::compare(a, b, n) }
    }
}

#[cfg(test)]
mod tests {
    /// Every length to 300, at every offset of source and destination to 8, against a copy
    /// byte by byte: the bytes copied and none outside them touched.
    #[test]
    fn copies_are_exact_at_every_length_and_offset() {
        let src: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..300 {
            for so in 0..8 {
                for d_off in 0..8 {
                    let mut dst = vec![0xAAu8; 400];
                    // SAFETY: both blocks hold `n + 8` bytes from their offsets.
                    unsafe { super::copy(dst.as_mut_ptr().add(d_off), src.as_ptr().add(so), n) };
                    let mut want = vec![0xAAu8; 400];
                    want[d_off..d_off + n].copy_from_slice(&src[so..so + n]);
                    assert_eq!(dst, want, "n {n} source {so} destination {d_off}");
                }
            }
        }
    }

    /// Overlapping blocks, the destination below, on, and above the source, at every
    /// length to 300: the result of copying through a buffer.
    #[test]
    fn moves_within_one_block_are_exact_both_ways() {
        for n in 0..300 {
            for shift in [
                -70i64, -65, -64, -17, -9, -8, -1, 0, 1, 3, 8, 15, 16, 33, 64, 65, 90,
            ] {
                let mut buf: Vec<u8> = (0..800u32).map(|i| (i * 13 + 1) as u8).collect();
                let s = 300usize;
                let d = (s as i64 + shift) as usize;
                let mut want = buf.clone();
                want.copy_within(s..s + n, d);
                // SAFETY: both ranges lie inside the 800 bytes.
                unsafe { super::copy_within(buf.as_mut_ptr().add(d), buf.as_ptr().add(s), n) };
                assert_eq!(buf, want, "n {n} shift {shift}");
            }
        }
    }

    /// The sign of a comparison is the order of the first byte that differs, at every
    /// length to 40 and every place of the difference, both ways; equal blocks are 0.
    #[test]
    fn comparisons_order_by_the_first_differing_byte() {
        let sign = |x: i32| x.signum();
        for n in 0..40 {
            let a: Vec<u8> = (0..n as u32).map(|i| (i * 5 + 100) as u8).collect();
            // SAFETY: both hold `n` bytes.
            assert_eq!(
                unsafe { super::compare(a.as_ptr(), a.clone().as_ptr(), n) },
                0
            );
            for at in 0..n {
                for (lo, hi) in [(0u8, 1u8), (0x7f, 0x80), (0x01, 0xff), (0xfe, 0xff)] {
                    let (mut x, mut y) = (a.clone(), a.clone());
                    x[at] = lo;
                    y[at] = hi;
                    // A later byte that differs the other way does not count.
                    if at + 1 < n {
                        x[at + 1] = 0xff;
                        y[at + 1] = 0;
                    }
                    let xy = unsafe { super::compare(x.as_ptr(), y.as_ptr(), n) };
                    let yx = unsafe { super::compare(y.as_ptr(), x.as_ptr(), n) };
                    assert_eq!((sign(xy), sign(yx)), (-1, 1), "n {n} at {at} {lo}/{hi}");
                    assert_eq!(sign(xy), x.cmp(&y) as i32);
                }
            }
        }
    }
}
