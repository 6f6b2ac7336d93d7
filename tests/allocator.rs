//! Which allocator serves a run, as the binary chooses it from its command line before
//! `main` (`src/cli/startup.rs`): the system's for a check of one cluster, mimalloc for a
//! batch. Seen from outside through mimalloc's own statistics (`MIMALLOC_SHOW_STATS`),
//! which it prints to stderr as the process ends: a run it does not serve has no segment.
//! (The choice is made on Linux with glibc only: with musl, whose `malloc` is slower,
//! mimalloc serves every run. mimalloc's version, and so the layout of its statistics, is
//! the one Cargo.lock holds.)

#![cfg(target_os = "linux")]

mod common;

use common::*;

const RULES: &str = "tests/fixtures/shanghai";

/// The peak of mimalloc's segments in a run of `policy` with `args`: 0 when it served no
/// block.
fn mimalloc_segments(args: &[&str]) -> u64 {
    let (code, _, stderr) = run_env(args, &[("MIMALLOC_SHOW_STATS", "1")]);
    // (The batch's file has records the run refuses: it ends with an error, its statistics
    // all the same.)
    assert_ne!(code, -1, "the run ends by itself");
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("segments:"))
        .unwrap_or_else(|| panic!("mimalloc's statistics, with its segments:\n{stderr}"));
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of segments: {line}"))
}

#[test]
fn one_clusters_check_is_served_by_the_system_allocator_with_glibc_and_a_batch_by_mimalloc() {
    let one = [
        "check",
        "--policy",
        RULES,
        "--facts",
        "tests/fixtures/facts/exact-decimals.json",
        "--as-of",
        "2025-06-30",
    ];
    let mut as_json = one.to_vec();
    as_json.extend(["--format", "json"]);
    for args in [&one[..], &as_json] {
        if cfg!(target_env = "gnu") {
            assert_eq!(mimalloc_segments(args), 0, "{args:?}");
        } else {
            assert!(mimalloc_segments(args) > 0, "{args:?}");
        }
    }

    let batch = [
        "check",
        "--policy",
        RULES,
        "--facts",
        "tests/fixtures/batch/clusters.jsonl",
        "--as-of",
        "2025-06-30",
        "--format",
        "jsonl",
    ];
    assert!(mimalloc_segments(&batch) > 0);
    // One file, but asked for as JSON Lines: a batch of one.
    let mut one_as_lines = one.to_vec();
    one_as_lines.extend(["--format", "jsonl"]);
    assert!(mimalloc_segments(&one_as_lines) > 0);
    // Other commands keep mimalloc.
    assert!(mimalloc_segments(&["test", "--policy", RULES]) > 0);
}
