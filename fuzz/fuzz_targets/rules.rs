//! Grammar, parser and checker on arbitrary rule text: alone (first byte even) or
//! added to the shipped rule set (first byte odd). A rule set that checks is
//! evaluated with no facts and rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy::diag::Sources;
use policy_fuzz::{check_diags, evaluate_and_render, shipped};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut files = if mode % 2 == 1 { shipped() } else { Vec::new() };
    files.push(("fuzz.policy".to_string(), text.to_string()));
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, files) {
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()), "failed without an error");
            check_diags(&sources, &diags);
        }
        Ok(rules) => {
            check_diags(&sources, &rules.warnings);
            let facts = policy::eval::Facts {
                values: vec![None; rules.program.facts.len()],
            };
            let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
            evaluate_and_render(&sources, &rules.program, &facts, &[], as_of);
        }
    }
});
