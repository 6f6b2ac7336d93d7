//! The facts loader on arbitrary text against the shipped rules: the first byte
//! picks JSON, YAML or TOML. Facts that load are evaluated and rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy::facts::Format;
use policy_fuzz::{check_diags, evaluate_and_render, shipped_rule_set};
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<(policy::diag::Sources, policy::RuleSet)> = OnceLock::new();
    let (base, rules) = RULES.get_or_init(shipped_rule_set);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (format, name) = match mode % 3 {
        0 => (Format::Json, "fuzz.json"),
        1 => (Format::Yaml, "fuzz.yaml"),
        _ => (Format::Toml, "fuzz.toml"),
    };
    let mut sources = base.clone();
    let id = sources.add(name, text);
    match policy::facts::load(&rules.program, format, text, id) {
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()), "failed without an error");
            check_diags(&sources, &diags);
        }
        Ok((facts, warnings)) => {
            check_diags(&sources, &warnings);
            let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
            evaluate_and_render(&sources, &rules.program, &facts, &warnings, as_of);
        }
    }
});
