//! What the fuzz targets share: the shipped rule set, compiled in, and the checks
//! every diagnostic must pass.

use policy::diag::{Diag, Sources};
use policy::render::{human, json, Report};

/// The shipped rule files, in the order the command line reads them.
pub const SHIPPED: &[(&str, &str)] = &[
    ("policies/00-measures.policy", include_str!("../../policies/00-measures.policy")),
    ("policies/01-units.policy", include_str!("../../policies/01-units.policy")),
    ("policies/02-facts.policy", include_str!("../../policies/02-facts.policy")),
    ("policies/03-interpretation.policy", include_str!("../../policies/03-interpretation.policy")),
    ("policies/article06.policy", include_str!("../../policies/article06.policy")),
    ("policies/article15.policy", include_str!("../../policies/article15.policy")),
    ("policies/article16.policy", include_str!("../../policies/article16.policy")),
    ("policies/article19.policy", include_str!("../../policies/article19.policy")),
];

pub fn shipped() -> Vec<(String, String)> {
    SHIPPED
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

/// The shipped rule set, checked, with the sources it points into.
pub fn shipped_rule_set() -> (Sources, policy::RuleSet) {
    let mut sources = Sources::new();
    match policy::load_rule_set(&mut sources, shipped()) {
        Ok(rules) => (sources, rules),
        Err(d) => panic!("the shipped rules do not check:\n{}", sources.render_plain(&d)),
    }
}

/// Every diagnostic has a stable code, help, and a span inside its file on
/// character boundaries; rendering it does not panic.
pub fn check_diags(sources: &Sources, diags: &[Diag]) {
    for d in diags {
        assert!(d.code.starts_with("policy::"), "code {:?}", d.code);
        assert!(d.help.is_some(), "{} has no help: {}", d.code, d.message);
        // Only a rule set without files has no place to point at.
        if d.code != "policy::check::no_rules" {
            let span = d.span.unwrap_or_else(|| panic!("{} has no span: {}", d.code, d.message));
            check_span(sources, span, d);
        }
        for (span, _) in &d.related {
            check_span(sources, *span, d);
        }
    }
    let _ = sources.render_plain(diags);
}

fn check_span(sources: &Sources, span: policy::syntax::ast::Span, d: &Diag) {
    assert!((span.file as usize) < sources.len(), "{}: bad file", d.code);
    let text = sources.text(span.file);
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(s <= e && e <= text.len(), "{}: span {s}..{e} outside 0..{}", d.code, text.len());
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "{}: span {s}..{e} not on character boundaries",
        d.code
    );
}

/// Evaluate and render in both formats.
pub fn evaluate_and_render(
    sources: &Sources,
    program: &policy::ir::Program,
    facts: &policy::eval::Facts,
    warnings: &[Diag],
    as_of: chrono::NaiveDate,
) {
    let fast = policy::eval::evaluate(program, facts, as_of, false);
    let evaluation = policy::eval::evaluate(program, facts, as_of, true);
    // Explaining changes what is recorded, never what is decided.
    assert_eq!(fast.decisions.len(), evaluation.decisions.len());
    for (a, b) in fast.decisions.iter().zip(&evaluation.decisions) {
        assert_eq!(a.status, b.status);
        assert_eq!(format!("{:?}", a.value), format!("{:?}", b.value));
        let outcomes = |d: &policy::eval::DecisionResult| {
            d.rules.iter().map(|r| r.outcome).collect::<Vec<_>>()
        };
        assert_eq!(outcomes(a), outcomes(b));
    }
    let report = Report {
        program,
        evaluation: &evaluation,
        sources,
        fact_warnings: warnings,
    };
    let _ = human::render(&report, human::Style { color: false });
    let j = json::render(&report);
    let _ = serde_json::to_string(&j);
}
