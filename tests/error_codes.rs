//! Every diagnostic code used in `src/` is documented in `docs/errors.md`, and the
//! page documents no code that is gone.

mod common;

use common::root;
use std::collections::BTreeSet;
use std::path::Path;

/// Every `"policy::…"` string literal in the Rust files under `dir`.
fn codes_in(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            codes_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("\"policy::") {
                let rest = &text[i + 1..];
                let end = rest.find('"').unwrap();
                let code = &rest[..end];
                if code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':')
                {
                    out.insert(code.to_string());
                }
            }
        }
    }
}

/// The codes `docs/errors.md` documents: its `## \`policy::…\`` headings.
fn documented() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("docs/errors.md")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("## `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_code_is_documented_and_every_documented_code_exists() {
    let mut used = BTreeSet::new();
    codes_in(&root().join("src"), &mut used);
    assert!(used.len() > 40, "found only {used:?}");
    let documented = documented();
    let undocumented: Vec<_> = used.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&used).collect();
    assert!(
        undocumented.is_empty(),
        "codes used in src/ but not in docs/errors.md: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "codes in docs/errors.md that src/ no longer uses: {stale:?}"
    );
}
