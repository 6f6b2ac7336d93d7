//! The checked rule set in a compact binary form, so that a run whose rule files have
//! not changed since the last one skips parsing and checking them.
//!
//! This module only turns a [`RuleSet`] into bytes and back; where the bytes are kept is
//! the command line's business (`src/cli/cache.rs`). An entry is addressed by a
//! [`key`]: a BLAKE3 digest of the rule files' names and bytes and of a stamp of the
//! program that wrote it, so any change to a rule file, or a new build of the program,
//! simply misses. An entry is never trusted as it is: [`decode`] accepts it only when its
//! header, its key, its length and a BLAKE3 digest of its contents all agree, and falls
//! back to `None` (check the rule files again) on anything else.
//!
//! BLAKE3 rather than SHA-256: a check hashes the rule files and the entry on every run
//! (some 60 kB for the measures), which SHA-256 does in about 40 µs on a processor with
//! SHA instructions and in about 0.3 ms on one without; BLAKE3 in about 20 µs on either
//! (BENCHMARKS.md).
//!
//! Only a rule set without warnings is cached ([`encode`] gives `None` otherwise): the
//! warnings are shown on every run, and a rule set that has them is one being revised.

use crate::ir::Program;
use crate::RuleSet;
use serde::{Deserialize, Serialize};

/// The first bytes of every entry; the number changes whenever the layout of an entry or
/// of the checked program changes in a way the stamp would not show.
const MAGIC: &[u8; 16] = b"policy-rules-v3\n";

/// Bytes before the contents: magic, key, length of the contents, digest of the contents.
const HEADER: usize = MAGIC.len() + 32 + 8 + 32;

/// An entry's address: the digest of the stamp (what identifies the program that reads
/// and writes entries, and anything else the checked programs depend on, such as the
/// number of the first rule file among the sources: spans name files by number) and of
/// every rule file's name and text, in order.
pub fn key(stamp: &[u8], files: &[(String, String)]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(MAGIC);
    let mut part = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(stamp);
    for (name, text) in files {
        part(name.as_bytes());
        part(text.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// The key as 64 lowercase hexadecimal digits (an entry's file name).
pub fn key_hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Serialize)]
struct CachedRef<'a> {
    program: &'a Program,
    earlier: &'a [Program],
}

#[derive(Deserialize)]
struct Cached {
    program: Program,
    earlier: Vec<Program>,
}

/// The entry for `rules` under `key`, or `None` when the rule set is not to be cached
/// (it has warnings) or cannot be encoded.
pub fn encode(key: &[u8; 32], rules: &RuleSet) -> Option<Vec<u8>> {
    if !rules.warnings.is_empty() {
        return None;
    }
    // Each function body shared by calls is written once (`ir::shared`).
    let body = crate::ir::shared::writing(|| {
        postcard::to_allocvec(&CachedRef {
            program: &rules.program,
            earlier: &rules.earlier,
        })
    })
    .ok()?;
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(blake3::hash(&body).as_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

/// The rule set an entry holds, if the entry is whole and was written under `key`;
/// `None` for anything else (another key, another layout, a short or altered file).
pub fn decode(key: &[u8; 32], bytes: &[u8]) -> Option<RuleSet> {
    let (magic, rest) = bytes.split_at_checked(MAGIC.len())?;
    let (stored_key, rest) = rest.split_at_checked(32)?;
    let (len, rest) = rest.split_at_checked(8)?;
    let (digest, body) = rest.split_at_checked(32)?;
    let len = u64::from_le_bytes(len.try_into().ok()?);
    if magic != MAGIC || stored_key != key || len != body.len() as u64 {
        return None;
    }
    if blake3::hash(body).as_bytes().as_slice() != digest {
        return None;
    }
    let cached: Cached = crate::ir::shared::reading(|| postcard::from_bytes(body)).ok()?;
    Some(RuleSet {
        program: cached.program,
        earlier: cached.earlier,
        warnings: Vec::new(),
    })
}
