//! The evaluator: a checked program and a cluster's facts in, decisions and their
//! explanations out.
//!
//! Every value is three-valued ([`V`]): known, or unknown with the facts that were
//! missing. `and`/`all` are false as soon as one part is false, else unknown if one
//! part is unknown; `or`/`any` dually (interpretation §13). Arithmetic never panics:
//! a zero divisor or an overflow makes the value unknown with a reason.
//!
//! With `explain` on, each comparison is recorded as a [`Check`] (the values, the
//! threshold, the margin, the quantifier bindings) for the rule being evaluated.

mod code;
pub mod exact;
mod fast;
mod plan;
pub mod value;

use crate::ir::*;
use crate::syntax::ast::{Agg, BinOp, Quant, RuleKind, Span};
use chrono::{Datelike, Months, NaiveDate};
pub use compare::{approx_growth, show_frac, PERCENTAGE_POINTS};
pub use plan::{fact_free, Plan};
use rust_decimal::Decimal;
use std::sync::Arc;
pub use value::{List, Record, Series, Value, Why, V};

/// The facts of one cluster, by fact id; `None` where the fact is absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub values: Vec<Option<Value>>,
}

impl Facts {
    /// `n` facts, none given. (Each place is written as absent; `vec![None; n]` would
    /// clone an absent value into each, which costs more for a value this large.)
    pub fn none(n: usize) -> Facts {
        Facts {
            values: std::iter::repeat_with(|| None).take(n).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Decided,
    Undetermined,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Undetermined => "undetermined",
            Status::NotApplicable => "not_applicable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    NotMet,
    Undetermined,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::NotMet => "not_met",
            Outcome::Undetermined => "undetermined",
            Outcome::NotApplicable => "not_applicable",
        }
    }
    fn of(v: &V) -> Outcome {
        match v.as_bool() {
            Some(true) => Outcome::Met,
            Some(false) => Outcome::NotMet,
            None => Outcome::Undetermined,
        }
    }
}

/// A value as shown to a person or an integrator.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// `28.40`, `2025-04-11`, `larger`, `true`.
    pub value: String,
    /// `亿元`, `%`, or empty.
    pub unit: String,
    /// A Chinese label for a category value (`较大`).
    pub label: Option<String>,
}

/// One comparison made while evaluating a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub span: Span,
    /// Quantifier variables and function arguments in force: (`y`, `2022`).
    pub bindings: Vec<(String, String)>,
    pub left: Option<Shown>,
    pub op: BinOp,
    pub right: Option<Shown>,
    pub holds: Option<bool>,
    /// `left − right`, in the unit of the comparison (days for dates).
    pub margin: Option<Shown>,
    /// For a yes/no check: the fact or decision that was read, so that a report can
    /// name it by its label.
    pub read: Option<Read>,
    /// What each side of a comparison is, so that a report can say whether its margin
    /// is to a limit the rule states, to a deadline, or between two values.
    pub sides: (Side, Side),
}

/// The fact or decision a yes/no check read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Fact(FactId),
    Decision(DecisionId),
}

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// A value from the facts, or computed from them.
    #[default]
    Value,
    /// A value the rules state: a number, a date, a parameter, or one computed from
    /// those alone (a limit, a threshold, a deadline).
    Stated,
    /// The evaluation date (`today`).
    Today,
}

impl Side {
    /// What `e` is, as one side of a comparison.
    pub fn of(e: &Expr) -> Side {
        if matches!(e.kind, ExprKind::Today) {
            Side::Today
        } else if stated(e) {
            Side::Stated
        } else {
            Side::Value
        }
    }
}

/// Whether `e` is computed from what the rules state alone (no fact, no decision, not
/// `today`); quantifier variables and function arguments (a year) count as stated.
fn stated(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(_)
        | ExprKind::Date(_)
        | ExprKind::Duration { .. }
        | ExprKind::MonthDay(..)
        | ExprKind::Slot(_)
        | ExprKind::Local(_) => true,
        ExprKind::Convert(x, _) | ExprKind::Neg(x) => stated(x),
        ExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, a, b) => {
            stated(a) && stated(b)
        }
        ExprKind::Call(_, args) => args.iter().all(stated),
        ExprKind::Inline { args, body, .. } => args.iter().all(stated) && stated(body),
        _ => false,
    }
}

#[derive(Debug, Clone)]
pub struct RuleResult {
    pub outcome: Outcome,
    pub checks: Vec<Check>,
    pub why: Why,
    /// More checks were made than are kept.
    pub checks_truncated: usize,
}

#[derive(Debug, Clone)]
pub struct DecisionResult {
    pub status: Status,
    pub value: Option<Value>,
    pub why: Why,
    /// For clause decisions: each rule's result, in order. Without explanations
    /// (`explain` false), a clause stops at its first rule not met, which decides it:
    /// the rules after that one are neither evaluated nor listed. Empty from
    /// [`Plan::decisions`], which keeps the decisions alone.
    pub rules: Vec<RuleResult>,
    /// For expression decisions: the comparisons made.
    pub checks: Vec<Check>,
}

impl DecisionResult {
    /// A clause's outcome as a report shows it: met when its value is yes, not met for
    /// any other value, not applicable, or undetermined.
    pub fn outcome(&self) -> Outcome {
        match (self.status, self.value.as_ref()) {
            (Status::NotApplicable, _) => Outcome::NotApplicable,
            (_, Some(Value::Bool(true))) => Outcome::Met,
            (_, Some(_)) => Outcome::NotMet,
            _ => Outcome::Undetermined,
        }
    }

    /// Undetermined for no reason yet: where an evaluation keeps a decision's place
    /// until it is evaluated. Allocates nothing.
    pub(super) fn pending() -> DecisionResult {
        DecisionResult {
            status: Status::Undetermined,
            value: None,
            why: Why::default(),
            rules: Vec::new(),
            checks: Vec::new(),
        }
    }
}

/// The states of a decision in an evaluation: not yet evaluated, being evaluated (a
/// use of it now is a cycle), evaluated.
const NEW: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub as_of: NaiveDate,
    pub decisions: Vec<DecisionResult>,
    /// Set when the evaluation ran out of its step budget ([`MAX_STEPS`]): what was
    /// running then. The decisions it left are undetermined with [`BUDGET_REASON`].
    pub budget: Option<BudgetNote>,
    /// The steps the evaluation took (expressions evaluated).
    pub steps: u64,
}

/// The rule or decision that was being evaluated when the step budget ran out.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetNote {
    /// `article6.clause2`, `article19.revoke`.
    pub decision: String,
    /// The title of the rule of the clause, if it was in a rule.
    pub rule: Option<String>,
    /// The place of the rule, or of the decision.
    pub span: Span,
}

impl BudgetNote {
    /// The diagnostic for a person: `policy::eval::budget`, at the rule or decision.
    pub fn diag(&self) -> crate::diag::Diag {
        let what = match &self.rule {
            Some(r) => format!("rule \"{r}\" of `{}`", self.decision),
            None => format!("`{}`", self.decision),
        };
        crate::diag::Diag::warning(
            "policy::eval::budget",
            (format!(
                "the evaluation stopped after {MAX_STEPS} steps, in {what}; \
                 the decisions it had not finished are undetermined"
            ), format!("评估在 {MAX_STEPS} 步后于{}处停止；尚未完成的判定为无法判定", crate::diag::zh_term(&what))),
        )
        .at(self.span)
        .label(("still running here", "在此处仍未完成"))
        .help(
            ("the rule does too much work for these facts (quantifiers nested over long lists, \
             say): filter the lists first, or compare each element with fewer others", "对这些事实而言，该规则的计算量过大（例如在长列表上嵌套量词）：请先筛选列表，或减少每个元素需比较的对象"),
        )
    }
}

/// The most checks kept for one rule or decision.
pub const MAX_CHECKS: usize = 40;

/// The most evaluation steps (expressions evaluated) for one cluster. The shipped
/// rules on the largest facts accepted (four lists of `facts::MAX_ITEMS` elements)
/// take about 4.3 million; a rule set that would take far longer (three nested
/// quantifiers over 10,000 incidents: 10^12 comparisons, days) stops here instead,
/// after well under a second.
pub const MAX_STEPS: u64 = 20_000_000;

/// The reason of a value left unknown because the step budget ran out.
pub const BUDGET_REASON: &str =
    "the evaluation stopped: it needed more steps than the budget allows";

/// Evaluate every decision of `program` on `facts` as of `as_of`.
pub fn evaluate(program: &Program, facts: &Facts, as_of: NaiveDate, explain: bool) -> Evaluation {
    evaluate_with_budget(program, facts, as_of, explain, MAX_STEPS)
}

/// [`evaluate`] with a step budget other than [`MAX_STEPS`].
pub fn evaluate_with_budget(
    program: &Program,
    facts: &Facts,
    as_of: NaiveDate,
    explain: bool,
    max_steps: u64,
) -> Evaluation {
    let mut ev = Evaluator::new(program, facts, as_of, explain);
    ev.max_steps = max_steps;
    ev.run()
}

struct Frame {
    name: String,
    value: V,
    shown: String,
}

/// A memoised call of a user function: its value and the checks made inside, with
/// the bindings of the caller's quantifiers left out (they are put back at each use).
#[derive(Clone)]
struct Memo {
    /// The arguments, when a key is by identity: held so that the allocations the keys
    /// point to stay alive (a freed list's address could otherwise be reused by another
    /// list). Empty when every key is by value.
    _args: Vec<V>,
    value: V,
    checks: Vec<Check>,
    truncated: usize,
}

/// A function argument as a memo key: scalars by value, lists, records, series and
/// unknowns by identity (equal contents elsewhere are just not shared).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ArgKey {
    Bool(bool),
    Num(Decimal),
    Ratio(Decimal, Decimal),
    Growth(Decimal, Decimal, u32, Decimal),
    Date(NaiveDate),
    Duration(i32, i32, i32),
    MonthDay(u32, u32),
    Text(Arc<str>),
    Enum(usize),
    None,
    Shared(usize),
    Unknown(usize),
}

fn arg_key(v: &V) -> ArgKey {
    match v {
        V::Unknown(w) => ArgKey::Unknown(Arc::as_ptr(w) as usize),
        V::Known(x) => match x {
            Value::Bool(b) => ArgKey::Bool(*b),
            Value::Num(n) => ArgKey::Num(exact::norm(*n)),
            Value::Ratio(f) => ArgKey::Ratio(f.num, f.den),
            Value::Growth {
                first,
                last,
                n,
                scale,
            } => ArgKey::Growth(*first, *last, *n, *scale),
            Value::Date(d) => ArgKey::Date(*d),
            Value::Duration {
                years,
                months,
                days,
            } => ArgKey::Duration(*years, *months, *days),
            Value::MonthDay(m, d) => ArgKey::MonthDay(*m, *d),
            Value::Text(t) => ArgKey::Text(t.clone()),
            Value::Enum(i) => ArgKey::Enum(*i),
            Value::None => ArgKey::None,
            Value::Record(r) => ArgKey::Shared(Arc::as_ptr(r) as usize),
            Value::List(l) => ArgKey::Shared(Arc::as_ptr(l) as usize),
            Value::Series(s) => ArgKey::Shared(Arc::as_ptr(s) as usize),
        },
    }
}

/// (body, arguments, recording checks)
type MemoKey = (usize, Vec<ArgKey>, bool);

/// How many functions' first calls an evaluation without explanations leaves
/// unremembered ([`Evaluator::first_call`]).
const FIRST_CALLS: usize = 8;

struct Evaluator<'p> {
    p: &'p Program,
    facts: &'p Facts,
    today: NaiveDate,
    explain: bool,
    slots: Vec<Option<(V, Vec<Check>)>>,
    /// By decision: its result once [`DONE`] (a placeholder before).
    decisions: Vec<DecisionResult>,
    /// By decision: [`NEW`], [`RUNNING`] or [`DONE`].
    state: Vec<u8>,
    env: Vec<Frame>,
    checks: Vec<Check>,
    truncated: usize,
    recording: bool,
    /// Calls of user functions already evaluated, by body and argument values.
    memo: std::collections::HashMap<MemoKey, Memo, foldhash::fast::RandomState>,
    /// Without explanations: the bodies of the functions called once so far, not
    /// remembered ([`Evaluator::first_call`]).
    called: smallvec::SmallVec<[usize; FIRST_CALLS]>,
    steps: u64,
    max_steps: u64,
    /// What is being evaluated: (decision, rule title and span).
    running: Vec<(DecisionId, Option<&'p RuleDef>)>,
    budget: Option<BudgetNote>,
    /// The slots a [`Plan`] evaluated before the facts were read, by slot id.
    fixed: &'p [Option<(V, Vec<Check>)>],
    /// Whether a clause's decision lists its rules' results ([`DecisionResult::rules`]);
    /// false only for [`Plan::decisions`], whose caller reads the decisions alone.
    keep_rules: bool,
    /// From a [`Plan`]: by fact id, the unknown a fact that is not given has (the same
    /// for every cluster), shared rather than built again at each use. Empty without
    /// a plan.
    absent: &'p [V],
    /// By article: whether its condition holds, once evaluated in this evaluation. It is
    /// the same for every decision of the article: the checker refuses a condition that
    /// depends on a decision relying on it (`policy::check::cycle`), so its evaluation
    /// never meets a decision being evaluated, whichever decision asks first.
    article_applies: Vec<Option<Result<(), (Status, Why)>>>,
}

/// The value of fact `id` when it is not given: unknown, missing that fact.
fn absent(p: &Program, id: FactId) -> V {
    let name = p.facts.get(id).map(|f| f.name.clone()).unwrap_or_default();
    V::why(Why::missing(id, name))
}

/// The outcome of a rule whose test gave `v`, and (if unknown) why, as the test gave it.
fn tested(v: V) -> (Outcome, Option<Arc<Why>>) {
    match v {
        V::Unknown(w) => (Outcome::Undetermined, Some(w)),
        v => (Outcome::of(&v), None),
    }
}

/// The unknown whose reasons are those of every unknown among `vs`, merged.
#[inline(never)]
pub(crate) fn unknown_of(vs: &[&V]) -> V {
    V::why(why_of(vs))
}

/// An element whose filter gave `pass` (not known to be true or false) and whose body
/// gave `b`: unknown, for the reasons of both.
#[inline(never)]
fn scope_unknown(pass: &V, b: &V) -> V {
    let mut w = None;
    merge_unknown(&mut w, pass);
    merge_unknown(&mut w, b);
    V::why(w.unwrap_or_default())
}

/// Add the reasons of `v`, when it is unknown, to those gathered in `into` (none is
/// `Why::default()`'s).
#[inline(never)]
fn merge_unknown(into: &mut Option<Why>, v: &V) {
    let w = match v {
        V::Unknown(w) => (**w).clone(),
        _ => Why::default(),
    };
    match into {
        Some(u) => u.merge(&w),
        None => *into = Some(w),
    }
}

/// The reasons of every unknown among `vs`, merged.
#[inline(never)]
pub(crate) fn why_of(vs: &[&V]) -> Why {
    let mut w = Why::default();
    for v in vs {
        if let V::Unknown(x) = v {
            w.merge(x);
        }
    }
    w
}

/// Three-valued `and` (`dominant` false) and `or` (`dominant` true): a side with the
/// dominant value decides; otherwise the result is unknown if either side is.
fn junction(a: V, b: impl FnOnce() -> V, dominant: bool) -> V {
    match a.as_bool() {
        Some(x) if x == dominant => a,
        Some(_) => b(),
        None => {
            let b = b();
            match b.as_bool() {
                Some(x) if x == dominant => b,
                _ => unknown_of(&[&a, &b]),
            }
        }
    }
}

fn and3(a: V, b: impl FnOnce() -> V) -> V {
    junction(a, b, false)
}

fn or3(a: V, b: impl FnOnce() -> V) -> V {
    junction(a, b, true)
}

fn not3(a: V) -> V {
    match a {
        V::Known(Value::Bool(b)) => V::bool(!b),
        other => other,
    }
}

/// Add a number of months, the day clamped to the month's length.
pub fn add_months(d: NaiveDate, months: i64) -> Option<NaiveDate> {
    if months >= 0 {
        d.checked_add_months(Months::new(u32::try_from(months).ok()?))
    } else {
        d.checked_sub_months(Months::new(u32::try_from(-months).ok()?))
    }
}

/// Two checks of one place with the same content. Spans compare equal whatever their
/// place, so the places are compared explicitly.
fn same_check(a: &Check, c: &Check) -> bool {
    a.span.file == c.span.file && a.span.start == c.span.start && a.span.end == c.span.end && a == c
}

/// `d` plus (`sign` 1) or minus (`sign` −1) a duration; `None` when the result is
/// not a date of years 1 to 9999 (the dates facts and rules can be written with).
pub fn add_duration(
    d: NaiveDate,
    years: i32,
    months: i32,
    days: i32,
    sign: i64,
) -> Option<NaiveDate> {
    let m = (i64::from(years) * 12 + i64::from(months)) * sign;
    let d = add_months(d, m)?;
    let days = i64::from(days) * sign;
    let d = if days >= 0 {
        d.checked_add_days(chrono::Days::new(u64::try_from(days).ok()?))
    } else {
        d.checked_sub_days(chrono::Days::new(u64::try_from(-days).ok()?))
    }?;
    in_range(d)
}

/// The date if it lies in 0001-01-01 ..= 9999-12-31, else `None`: a date outside it
/// would print with a sign (`+10005-12-31`) that no reader or facts file accepts.
pub fn in_range(d: NaiveDate) -> Option<NaiveDate> {
    (1..=9999).contains(&d.year()).then_some(d)
}

/// The years of a growth's window: its whole numbers, in order (a window of a few
/// years, held on the stack).
pub(super) fn window_years(w: &List) -> smallvec::SmallVec<[i32; 8]> {
    w.items
        .iter()
        .filter_map(|v| match v {
            Value::Num(n) => to_i32(n),
            _ => None,
        })
        .collect()
}

fn to_i32(d: &Decimal) -> Option<i32> {
    // A whole number written without decimals (a year, mostly): no division needed.
    if d.scale() == 0 {
        return i32::try_from(d.mantissa()).ok();
    }
    if d.fract() != Decimal::ZERO {
        return None;
    }
    rust_decimal::prelude::ToPrimitive::to_i32(d)
}

/// A number for display: exactly as it is when it has few decimals; otherwise
/// (a quotient, say) rounded to four places and marked `≈` — unless rounding would
/// hide that it differs from zero.
pub fn show_decimal(d: Decimal) -> String {
    if d.scale() <= 6 {
        return d.to_string();
    }
    let exact = d.normalize();
    let rounded = d.round_dp(4).normalize();
    if rounded == exact || rounded.is_zero() {
        exact.to_string()
    } else {
        format!("≈{rounded}")
    }
}

impl<'p> Evaluator<'p> {
    fn new(p: &'p Program, facts: &'p Facts, today: NaiveDate, explain: bool) -> Self {
        Self::seeded(p, facts, today, explain, None)
    }

    /// [`Self::new`], from the decisions decided before this evaluation ([`fast`]):
    /// `results` by decision, those `decided` done, the others (placeholders) still to
    /// evaluate. Results of another length are not taken.
    fn seeded(
        p: &'p Program,
        facts: &'p Facts,
        today: NaiveDate,
        explain: bool,
        seed: Option<(Vec<DecisionResult>, &[bool])>,
    ) -> Self {
        let n = p.decisions.len();
        let (decisions, state) = match seed {
            Some((results, decided)) if results.len() == n => {
                let state = (0..n)
                    .map(|i| match decided.get(i) {
                        Some(true) => DONE,
                        _ => NEW,
                    })
                    .collect();
                (results, state)
            }
            _ => (
                std::iter::repeat_with(DecisionResult::pending)
                    .take(n)
                    .collect(),
                vec![NEW; n],
            ),
        };
        Evaluator {
            p,
            facts,
            today,
            explain,
            slots: std::iter::repeat_with(|| None)
                .take(p.slots.len())
                .collect(),
            decisions,
            state,
            env: Vec::new(),
            checks: Vec::new(),
            truncated: 0,
            recording: true,
            memo: std::collections::HashMap::default(),
            called: smallvec::SmallVec::new(),
            steps: 0,
            max_steps: MAX_STEPS,
            running: Vec::new(),
            budget: None,
            fixed: &[],
            absent: &[],
            keep_rules: true,
            article_applies: vec![None; p.articles.len()],
        }
    }

    /// Evaluate every decision, in order.
    fn run(mut self) -> Evaluation {
        for i in 0..self.p.decisions.len() {
            self.ensure_decision(i);
        }
        // Every decision is DONE here: at the top level none is running, so
        // `ensure_decision` evaluates each to the end.
        Evaluation {
            as_of: self.today,
            decisions: self.decisions,
            budget: self.budget,
            steps: self.steps,
        }
    }

    fn take_checks(&mut self) -> (Vec<Check>, usize) {
        let t = std::mem::take(&mut self.truncated);
        (std::mem::take(&mut self.checks), t)
    }

    /// Whether article `id` applies: its condition evaluated once per evaluation.
    fn article_applies(&mut self, id: usize, article: &ArticleDef) -> Result<(), (Status, Why)> {
        let Some(cond) = article.applies.as_ref() else {
            return Ok(());
        };
        if let Some(Some(known)) = self.article_applies.get(id) {
            return known.clone();
        }
        let r = self.applies(Some(cond));
        if let Some(slot) = self.article_applies.get_mut(id) {
            *slot = Some(r.clone());
        }
        r
    }

    fn applies(&mut self, cond: Option<&Expr>) -> Result<(), (Status, Why)> {
        let Some(c) = cond else { return Ok(()) };
        let saved = std::mem::take(&mut self.checks);
        let v = self.eval(c);
        self.checks = saved;
        match v {
            V::Known(Value::Bool(true)) => Ok(()),
            V::Known(_) => Err((Status::NotApplicable, Why::default())),
            V::Unknown(w) => Err((Status::Undetermined, Arc::unwrap_or_clone(w))),
        }
    }

    /// Evaluate decision `id` unless it has been, keeping the result. False while
    /// it is being evaluated (a decision that depends on itself).
    fn ensure_decision(&mut self, id: DecisionId) -> bool {
        match self.state.get_mut(id) {
            Some(s) if *s == DONE => return true,
            Some(s) if *s == NEW => *s = RUNNING,
            _ => return false,
        }
        let saved_env = std::mem::take(&mut self.env);
        let saved_checks = self.take_checks();
        self.running.push((id, None));
        let r = self.decision_inner(id);
        self.running.pop();
        self.env = saved_env;
        self.checks = saved_checks.0;
        self.truncated = saved_checks.1;
        if let Some(slot) = self.decisions.get_mut(id) {
            // The slot held the placeholder of a decision not yet evaluated
            // ([`DecisionResult::pending`]), which owns no memory: nothing to drop.
            std::mem::forget(std::mem::replace(slot, r));
        }
        if let Some(s) = self.state.get_mut(id) {
            *s = DONE;
        }
        true
    }

    /// What another expression needs of decision `id`: its value (known, or why not),
    /// and (when explaining) its checks — not its rules.
    fn decision_view(&mut self, id: DecisionId) -> (V, Vec<Check>) {
        if self.ensure_decision(id) {
            if let Some(r) = self.decisions.get(id) {
                let checks = if self.explain {
                    r.checks.clone()
                } else {
                    Vec::new()
                };
                // Only what the status needs is copied: the reasons of an undetermined
                // decision, the value of a decided one.
                let v = match (r.status, &r.value) {
                    (Status::Decided, Some(v)) => V::Known(v.clone()),
                    (Status::Decided, None) => V::reason("no value"),
                    (Status::Undetermined, _) => V::why(r.why.clone()),
                    (Status::NotApplicable, _) => {
                        let name = self
                            .p
                            .decisions
                            .get(id)
                            .map(|d| d.name.as_str())
                            .unwrap_or_default();
                        V::reason(format!("`{name}` does not apply"))
                    }
                };
                return (v, checks);
            }
        }
        (V::reason("the decision depends on itself"), Vec::new())
    }

    fn decision_inner(&mut self, id: DecisionId) -> DecisionResult {
        let p = self.p;
        let na = |status: Status, why: Why| DecisionResult {
            status,
            value: None,
            why,
            rules: Vec::new(),
            checks: Vec::new(),
        };
        let Some(d) = p.decisions.get(id) else {
            return na(Status::Undetermined, Why::reason("no such decision"));
        };
        let Some(article) = p.articles.get(d.article) else {
            return na(Status::Undetermined, Why::reason("no such article"));
        };
        if let Err((s, w)) = self.article_applies(d.article, article) {
            return na(s, w);
        }
        match &d.kind {
            DecisionKind::Clause(ci) => {
                let Some(clause) = article.clauses.get(*ci) else {
                    return na(Status::Undetermined, Why::reason("no such clause"));
                };
                if let Err((s, w)) = self.applies(clause.applies.as_ref()) {
                    return na(s, w);
                }
                let keep = self.keep_rules;
                let mut rules: Vec<RuleResult> =
                    Vec::with_capacity(if keep { clause.rules.len() } else { 0 });
                // The clause's value: every rule that applies (guidelines aside) met,
                // three-valued.
                let mut acc = V::bool(true);
                let mut any_applicable = false;
                for r in &clause.rules {
                    if let Some(top) = self.running.last_mut() {
                        top.1 = Some(r);
                    }
                    let (outcome, mut why) = self.rule(r);
                    let (checks, checks_truncated) = self.take_checks();
                    if let Some(top) = self.running.last_mut() {
                        top.1 = None;
                    }
                    // Decisions only: a rule not met decides the clause, whatever the
                    // rules after it say; they are not evaluated.
                    let decides = !self.explain
                        && r.kind != RuleKind::Guideline
                        && outcome == Outcome::NotMet;
                    let counted =
                        r.kind != RuleKind::Guideline && outcome != Outcome::NotApplicable;
                    any_applicable |= counted;
                    // A rule met changes nothing: `x and true` is `x`, whether the clause
                    // stands met, not met or undetermined (a yes/no value has no bounds to
                    // lose). The fold is for the rules not met and undetermined. An
                    // undetermined rule's reasons go into it as the test gave them: shared
                    // when the rule's result is kept, moved when it is not.
                    if counted && outcome != Outcome::Met {
                        let v = if outcome == Outcome::NotMet {
                            V::bool(false)
                        } else if keep {
                            V::Unknown(why.clone().unwrap_or_default())
                        } else {
                            V::Unknown(why.take().unwrap_or_default())
                        };
                        acc = and3(acc, || v);
                    }
                    if keep {
                        rules.push(RuleResult {
                            outcome,
                            checks,
                            why: why.map(Arc::unwrap_or_clone).unwrap_or_default(),
                            checks_truncated,
                        });
                    }
                    if decides {
                        break;
                    }
                }
                if !any_applicable {
                    return DecisionResult {
                        rules,
                        ..na(Status::NotApplicable, Why::default())
                    };
                }
                self.result(acc, rules, Vec::new())
            }
            DecisionKind::Expr(e) => {
                let v = self.eval(e);
                let (checks, _) = self.take_checks();
                self.result(v, Vec::new(), checks)
            }
        }
    }

    fn result(&self, v: V, rules: Vec<RuleResult>, checks: Vec<Check>) -> DecisionResult {
        match v {
            V::Known(value) => DecisionResult {
                status: Status::Decided,
                value: Some(value),
                why: Why::default(),
                rules,
                checks,
            },
            V::Unknown(w) => DecisionResult {
                status: Status::Undetermined,
                value: None,
                why: Arc::unwrap_or_clone(w),
                rules,
                checks,
            },
        }
    }

    /// A rule's outcome and, when it is undetermined, why: its test's reasons, or with
    /// an unknown condition those of the condition and the test together. The checks it
    /// made are left in `self.checks`.
    fn rule(&mut self, r: &RuleDef) -> (Outcome, Option<Arc<Why>>) {
        match &r.when {
            None => tested(self.eval(&r.body)),
            Some(cond) => {
                let c = self.eval(cond);
                match c.as_bool() {
                    Some(false) => (Outcome::NotApplicable, None),
                    Some(true) => tested(self.eval(&r.body)),
                    None => {
                        // Unknown whether it applies: met only if the test is met
                        // anyway (interpretation §9), else undetermined.
                        let v = self.eval(&r.body);
                        if v.as_bool() == Some(true) {
                            (Outcome::Met, None)
                        } else {
                            let mut why = Why::default();
                            if let V::Unknown(w) = &c {
                                why.merge(w);
                            }
                            if let V::Unknown(w) = &v {
                                why.merge(w);
                            }
                            (Outcome::Undetermined, Some(Arc::new(why)))
                        }
                    }
                }
            }
        }
    }

    fn slot(&mut self, id: SlotId) -> V {
        let fixed = self.fixed;
        let known = match fixed.get(id) {
            Some(Some(x)) => Some(x),
            _ => self.slots.get(id).and_then(Option::as_ref),
        };
        if let Some((v, checks)) = known {
            let v = v.clone();
            if self.explain && self.recording {
                let cs = checks.clone();
                self.push_all(cs);
            }
            return v;
        }
        let Some(slot) = self.p.slots.get(id) else {
            return V::reason("no such definition");
        };
        let saved_env = std::mem::take(&mut self.env);
        let saved_checks = self.take_checks();
        let saved_rec = std::mem::replace(&mut self.recording, true);
        let v = self.eval(&slot.body);
        let (own, _) = self.take_checks();
        self.recording = saved_rec;
        self.env = saved_env;
        self.checks = saved_checks.0;
        self.truncated = saved_checks.1;
        if self.explain && self.recording {
            self.push_all(own.clone());
        }
        if let Some(s) = self.slots.get_mut(id) {
            *s = Some((v.clone(), own));
        }
        v
    }

    /// Whether the quantifier's current element passes its `where` filter (true without
    /// one). Filters only choose elements: their comparisons are not explanations.
    fn filter(&mut self, filter: Option<&Expr>) -> V {
        let Some(f) = filter else {
            return V::bool(true);
        };
        let rec = std::mem::replace(&mut self.recording, false);
        let v = self.eval(f);
        self.recording = rec;
        v
    }

    /// The quantifier variables and function arguments in force, as shown to a person.
    pub(super) fn bindings(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .filter(|f| !f.name.is_empty() && !f.shown.is_empty())
            .map(|f| (f.name.clone(), f.shown.clone()))
            .collect()
    }

    /// Record that a yes/no fact or a decision was read, with its value.
    #[inline(never)]
    fn record_read(&mut self, e: &Expr, v: &V) {
        let left = match v {
            V::Known(x) => Some(self.show(x, &e.ty)),
            V::Unknown(_) => None,
        };
        let bindings = self.bindings();
        self.push_check(Check {
            span: e.span,
            bindings,
            left,
            op: BinOp::Eq,
            right: None,
            holds: v.as_bool(),
            margin: None,
            read: match e.kind {
                ExprKind::Fact(f) => Some(Read::Fact(f)),
                ExprKind::Decision(d) => Some(Read::Decision(d)),
                _ => None,
            },
            sides: (Side::Value, Side::Value),
        });
    }

    fn show_record(&self, r: &Record, ty: &Ty, name: &str) -> String {
        let Ty::Record(rid) = ty else {
            return name.to_string();
        };
        let Some(def) = self.p.records.get(*rid) else {
            return name.to_string();
        };
        let parts: Vec<String> = def
            .fields
            .iter()
            .zip(&r.fields)
            .filter_map(|(f, v)| match v {
                V::Known(
                    x @ (Value::Date(_) | Value::Num(_) | Value::Ratio(_) | Value::Enum(_)),
                ) => Some(format!("{} {}", f.name, self.show(x, &f.ty).value)),
                _ => None,
            })
            .take(3)
            .collect();
        if parts.is_empty() {
            name.to_string()
        } else {
            format!("{name} ({})", parts.join(", "))
        }
    }

    /// [`push_check`](Self::push_check) each of `checks`, in order.
    #[inline(never)]
    fn push_all(&mut self, checks: Vec<Check>) {
        for c in checks {
            self.push_check(c);
        }
    }

    /// Keep a check, once per place and content; past [`MAX_CHECKS`] only count it. A check
    /// already kept is neither kept again nor counted as not shown.
    #[inline(never)]
    fn push_check(&mut self, c: Check) {
        if self.checks.iter().any(|a| same_check(a, &c)) {
            return;
        }
        if self.checks.len() < MAX_CHECKS {
            self.checks.push(c);
        } else {
            self.truncated += 1;
        }
    }

    fn fact(&self, id: FactId) -> V {
        match self.facts.values.get(id) {
            Some(Some(v)) => V::Known(v.clone()),
            _ => match self.absent.get(id) {
                Some(v) => v.clone(),
                None => absent(self.p, id),
            },
        }
    }

    /// Count a step; false once the budget has run out (noting what was running).
    #[inline(always)]
    fn step(&mut self) -> bool {
        if self.budget.is_some() {
            return false;
        }
        self.steps += 1;
        if self.steps <= self.max_steps {
            return true;
        }
        self.out_of_steps();
        false
    }

    /// Note what was running when the step budget ran out.
    #[cold]
    #[inline(never)]
    fn out_of_steps(&mut self) {
        let (decision, rule) = self.running.last().copied().unwrap_or((0, None));
        let def = self.p.decisions.get(decision);
        self.budget = Some(BudgetNote {
            decision: def.map(|d| d.name.clone()).unwrap_or_default(),
            span: match rule {
                Some(r) => r.span,
                None => def.map(|d| d.span).unwrap_or_default(),
            },
            rule: rule.map(|r| r.title.clone()),
        });
    }

    pub(crate) fn eval(&mut self, e: &Expr) -> V {
        if !self.step() {
            return V::reason(BUDGET_REASON);
        }
        match &e.kind {
            ExprKind::Bool(b) => V::bool(*b),
            ExprKind::Num(n) => V::Known(Value::Num(*n)),
            ExprKind::Date(d) => V::Known(Value::Date(*d)),
            ExprKind::Duration {
                years,
                months,
                days,
            } => V::Known(Value::Duration {
                years: *years,
                months: *months,
                days: *days,
            }),
            ExprKind::MonthDay(m, d) => V::Known(Value::MonthDay(*m, *d)),
            ExprKind::Text(t) => V::Known(Value::Text(t.clone())),
            ExprKind::Enum(_, v) => V::Known(Value::Enum(*v)),
            ExprKind::NoneLit => V::Known(Value::None),
            ExprKind::Today => V::Known(Value::Date(self.today)),
            ExprKind::List(items) => self.list(items),
            ExprKind::Fact(id) => {
                let v = self.fact(*id);
                if self.explain && self.recording && e.ty == Ty::Bool {
                    self.record_read(e, &v);
                }
                v
            }
            ExprKind::Slot(id) => self.slot(*id),
            ExprKind::Decision(id) => self.decision_ref(e, *id),
            ExprKind::Local(i) => self
                .env
                .get(*i)
                .map(|f| f.value.clone())
                .unwrap_or_else(|| V::reason("internal: unbound variable")),
            ExprKind::Field(base, i) => self.field(base, *i),
            ExprKind::Index(s, y) => self.index(s, y),
            ExprKind::Convert(x, f) => self.convert(x, f),
            ExprKind::Not(x) => not3(self.eval(x)),
            ExprKind::Neg(x) => self.neg(x),
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e),
            ExprKind::If(c, t, f) => self.cond(c, t, f),
            ExprKind::Quantifier {
                kind,
                var_name,
                over_text,
                over,
                filter,
                body,
                depth,
            } => self.quantifier(
                *kind,
                var_name,
                over_text,
                over,
                filter.as_deref(),
                body,
                *depth,
            ),
            ExprKind::Count {
                var_name,
                over_text,
                over,
                filter,
                depth,
            } => self.aggregate(
                None,
                (var_name, over_text),
                over,
                filter.as_deref(),
                None,
                *depth,
                true,
            ),
            ExprKind::Aggregate {
                kind,
                var_name,
                over_text,
                over,
                filter,
                body,
                depth,
                nonneg,
            } => self.aggregate(
                Some(*kind),
                (var_name, over_text),
                over,
                filter.as_deref(),
                Some(body),
                *depth,
                *nonneg,
            ),
            ExprKind::Pick {
                latest,
                over,
                filter,
                key,
                depth,
            } => self.pick(*latest, over, filter.as_deref(), key, *depth),
            ExprKind::Call(b, args) => self.builtin(b, args),
            ExprKind::Inline {
                name: _,
                args,
                body,
                depth,
                loops,
            } => self.inline_call(args, body, *depth, *loops),
        }
    }

    /// A list written out: every item known, or the first unknown (a list, with none of
    /// the item's bounds: those say what a number may be, not a list).
    #[inline(never)]
    fn list(&mut self, items: &[Expr]) -> V {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            match self.eval(i) {
                V::Known(v) => out.push(v),
                u => return u.unbounded(),
            }
        }
        V::Known(Value::List(Arc::new(List {
            origin: None,
            items: out,
        })))
    }

    /// A decision used in an expression: its value, or why there is none.
    #[inline(never)]
    fn decision_ref(&mut self, e: &Expr, id: DecisionId) -> V {
        let (v, checks) = self.decision_view(id);
        if self.explain && self.recording {
            self.record_read(e, &v);
            // What decided it, when it is not a clause (whose rules are reported with it).
            self.push_all(checks);
        }
        v
    }

    /// One year's figure of a series.
    #[inline(never)]
    fn index(&mut self, s: &Expr, y: &Expr) -> V {
        // A series given as a fact is read where it is, not copied (the step of
        // reading it is counted all the same).
        let facts = self.facts;
        if let ExprKind::Fact(id) = s.kind {
            if let Some(Some(Value::Series(series))) = facts.values.get(id) {
                if !self.step() {
                    return V::reason(BUDGET_REASON);
                }
                let yv = self.eval(y);
                return self.year_of(series, yv);
            }
        }
        let sv = self.eval(s);
        let yv = self.eval(y);
        match sv {
            V::Known(Value::Series(s)) => self.year_of(&s, yv),
            V::Unknown(w) => V::Unknown(w).unbounded(),
            // The checker types the indexed expression as a series: a known value of
            // it is one.
            V::Known(_) => V::reason("not a series"),
        }
    }

    /// The figure of series `s` for the year `yv`.
    fn year_of(&self, s: &Series, yv: V) -> V {
        match yv {
            V::Known(Value::Num(y)) => {
                let Some(year) = to_i32(&y) else {
                    return V::reason(format!("`{y}` is not a year"));
                };
                match s.get(year) {
                    Some(v) => V::Known(v.clone()),
                    None => {
                        let (id, name) = match s.origin {
                            Some(id) => (
                                Some(id),
                                self.p
                                    .facts
                                    .get(id)
                                    .map(|f| f.name.clone())
                                    .unwrap_or_default(),
                            ),
                            None => (None, String::new()),
                        };
                        match id {
                            Some(id) => V::why(Why::missing(id, format!("{name}[{year}]"))),
                            None => V::reason(format!("no figure for {year}")),
                        }
                    }
                }
            }
            V::Unknown(w) => V::Unknown(w).unbounded(),
            _ => V::reason("not a series"),
        }
    }

    /// Field `i` of a record.
    #[inline(never)]
    fn field(&mut self, base: &Expr, i: usize) -> V {
        // A quantifier's record is read where it is, not copied (the step of reading
        // it is counted all the same).
        if let ExprKind::Local(l) = base.kind {
            if matches!(
                self.env.get(l),
                Some(Frame {
                    value: V::Known(Value::Record(_)),
                    ..
                })
            ) {
                if !self.step() {
                    return V::reason(BUDGET_REASON);
                }
                if let Some(Frame {
                    value: V::Known(Value::Record(r)),
                    ..
                }) = self.env.get(l)
                {
                    return r
                        .fields
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| V::reason("no such field"));
                }
            }
        }
        match self.eval(base) {
            V::Known(Value::None) => V::reason("there is no such record"),
            V::Known(Value::Record(r)) => r
                .fields
                .get(i)
                .cloned()
                .unwrap_or_else(|| V::reason("no such field")),
            V::Known(_) => V::reason("not a record"),
            u => u,
        }
    }

    /// A number converted between units by the factor `f`.
    #[inline(never)]
    fn convert(&mut self, x: &Expr, f: &Decimal) -> V {
        match self.eval(x) {
            // A converted number has no written precision left: no trailing zeros
            // (`77.4%`, not `77.400%`).
            V::Known(Value::Num(n)) => match exact::mul(n, *f) {
                Some(v) => V::Known(Value::Num(exact::norm(v))),
                None => V::reason("the number is too large to convert between units"),
            },
            V::Known(Value::Ratio(r)) => match r.checked_mul(exact::Frac::whole(*f)) {
                Some(v) => V::Known(Value::number(v)),
                None => V::reason("the number is too large to convert between units"),
            },
            V::Known(Value::Growth {
                first,
                last,
                n,
                scale,
            }) => match exact::mul(scale, *f) {
                Some(s) => V::Known(Value::Growth {
                    first,
                    last,
                    n,
                    scale: s,
                }),
                None => V::reason("the number is too large to convert between units"),
            },
            V::Unknown(w) => match w.bounds.as_deref().copied() {
                Some(b) => {
                    let mut w = w;
                    Arc::make_mut(&mut w).bounds = b.scaled(exact::Frac::whole(*f)).map(Box::new);
                    V::Unknown(w)
                }
                None => V::Unknown(w),
            },
            other => other,
        }
    }

    /// A number negated.
    #[inline(never)]
    fn neg(&mut self, x: &Expr) -> V {
        match self.eval(x) {
            V::Known(Value::Num(n)) => V::Known(Value::Num(-n)),
            V::Known(Value::Ratio(r)) => V::Known(Value::Ratio(r.negate())),
            V::Known(Value::Growth { .. }) => {
                V::reason("growth rates can only be compared, not computed with")
            }
            V::Unknown(w) => match w.bounds.as_deref().copied() {
                Some(b) => {
                    let mut w = w;
                    Arc::make_mut(&mut w).bounds = Some(Box::new(b.negated()));
                    V::Unknown(w)
                }
                None => V::Unknown(w),
            },
            other => other,
        }
    }

    /// `如果 c 则 t 否则 f`: with an unknown condition, known only where both branches agree.
    #[inline(never)]
    fn cond(&mut self, c: &Expr, t: &Expr, f: &Expr) -> V {
        let cv = self.eval(c);
        match cv.as_bool() {
            Some(true) => self.eval(t),
            Some(false) => self.eval(f),
            None => {
                let tv = self.eval(t);
                let fv = self.eval(f);
                // Unknown condition: the value is known only if both branches agree.
                match (&tv, &fv) {
                    (V::Known(a), V::Known(b)) if a == b => tv,
                    _ => unknown_of(&[&cv, &tv, &fv]),
                }
            }
        }
    }

    /// A call of a function of the rule set, its body inlined by the checker.
    #[inline(never)]
    fn inline_call(&mut self, args: &[Expr], body: &Arc<Expr>, depth: usize, loops: bool) -> V {
        let mut frames = Vec::with_capacity(args.len());
        for a in args {
            let v = self.eval(a);
            // A function's arguments are not shown as bindings (the frame has no
            // name): the checks inside the call show the compared values.
            frames.push(Frame {
                name: String::new(),
                value: v,
                shown: String::new(),
            });
        }
        self.env.truncate(depth);
        let base = self.env.len();
        // Without explanations, a body that neither calls nor loops is cheaper
        // to evaluate again than to look up: it is not remembered. Nor is the first call
        // of a function (most are called once an evaluation): see `first_call`.
        if !self.explain && (!loops || self.first_call(body)) {
            self.env.extend(frames);
            let v = self.eval(body);
            self.env.truncate(base);
            return v;
        }
        self.remembered_call(frames, body, base)
    }

    /// Without explanations: whether this is the first call, in this evaluation, of the
    /// function whose body is `body` (noted now). A call that is never made again is not
    /// worth its key and its memo, and the shipped rules call each of their functions
    /// once an evaluation. From a function's second call on, its calls are remembered:
    /// one set of arguments is evaluated at most twice, so a chain of calls that double
    /// stays linear. Past [`FIRST_CALLS`] functions every call is remembered, so that
    /// this list stays short to search.
    fn first_call(&mut self, body: &Arc<Expr>) -> bool {
        let key = Arc::as_ptr(body) as usize;
        if self.called.len() >= FIRST_CALLS || self.called.contains(&key) {
            return false;
        }
        self.called.push(key);
        true
    }

    /// A call whose value is remembered: looked up by its arguments' values, or
    /// evaluated and kept. Apart from [`inline_call`](Self::inline_call), the frame of
    /// every call.
    #[inline(never)]
    fn remembered_call(&mut self, frames: Vec<Frame>, body: &Arc<Expr>, base: usize) -> V {
        // The body sees only its arguments (the caller's entries below them are
        // nameless), so a call is evaluated once per argument set.
        let rec = self.explain && self.recording;
        let key: MemoKey = (
            Arc::as_ptr(body) as usize,
            frames.iter().map(|f| arg_key(&f.value)).collect(),
            rec,
        );
        let outer = if rec { self.bindings() } else { Vec::new() };
        if let Some(m) = self.memo.get(&key) {
            let value = m.value.clone();
            // Without checks to put back (a call remembered while nothing was
            // recorded has none, and none not shown), the memo is not copied.
            if rec {
                let m = m.clone();
                self.replay(&m, outer);
            }
            return value;
        }
        // Only a key by identity (a list, a record, a series, an unknown) needs its value
        // held: a key by value stays right when the value is gone.
        let by_identity = key
            .1
            .iter()
            .any(|k| matches!(k, ArgKey::Shared(_) | ArgKey::Unknown(_)));
        let args_held: Vec<V> = if by_identity {
            frames.iter().map(|f| f.value.clone()).collect()
        } else {
            Vec::new()
        };
        self.env.extend(frames);
        let saved = self.take_checks();
        let v = self.eval(body);
        let (checks, truncated) = self.take_checks();
        self.checks = saved.0;
        self.truncated = saved.1;
        self.env.truncate(base);
        let m = Memo {
            _args: args_held,
            value: v.clone(),
            checks: checks
                .into_iter()
                .map(|mut c| {
                    c.bindings.drain(..outer.len().min(c.bindings.len()));
                    c
                })
                .collect(),
            truncated,
        };
        // Without explanations there are no checks to put back.
        if self.explain {
            self.replay(&m, outer);
        }
        // A value cut short by the budget is not kept: it was not computed.
        if self.budget.is_none() {
            self.memo.insert(key, m);
        }
        v
    }

    /// Record the checks of a memoised call under the caller's current bindings.
    #[inline(never)]
    fn replay(&mut self, m: &Memo, outer: Vec<(String, String)>) {
        let checks: Vec<Check> = m
            .checks
            .iter()
            .map(|c| {
                let mut c = c.clone();
                let mut b = outer.clone();
                b.append(&mut c.bindings);
                c.bindings = b;
                c
            })
            .collect();
        // The same call under the same bindings, already explained in this rule: its
        // comparisons are the same places, those not shown included.
        if !checks.is_empty()
            && checks
                .iter()
                .all(|c| self.checks.iter().any(|a| same_check(a, c)))
        {
            return;
        }
        self.push_all(checks);
        self.truncated += m.truncated;
    }

    fn items_of(&mut self, over: &Expr) -> Result<(Arc<List>, Option<FactId>), V> {
        match self.eval(over) {
            V::Known(Value::List(l)) => {
                let origin = l.origin;
                Ok((l, origin))
            }
            V::Known(_) => Err(V::reason("not a list")),
            u => Err(u),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn quantifier(
        &mut self,
        kind: Quant,
        var: &str,
        over_text: &str,
        over: &Expr,
        filter: Option<&Expr>,
        body: &Expr,
        depth: usize,
    ) -> V {
        let (list, _) = match self.items_of(over) {
            Ok(x) => x,
            Err(u) => return u,
        };
        // every: false wins; any/none: true (a witness) wins. When explaining, every
        // element is still looked at, so the report shows all of them.
        let mut unknown: Option<Why> = None;
        let mut decided: Option<bool> = None;
        self.env.truncate(depth);
        for (i, item) in list.items.iter().enumerate() {
            // Shown only in the checks kept: none once a rule has all it keeps.
            let shown = if self.explain && self.recording && self.checks.len() < MAX_CHECKS {
                self.show_item(item, &over.ty, over_text, i)
            } else {
                String::new()
            };
            self.env.push(Frame {
                // The name is shown only in explanations: no allocation otherwise.
                name: if shown.is_empty() {
                    String::new()
                } else {
                    var.to_string()
                },
                value: V::Known(item.clone()),
                shown,
            });
            let pass = self.filter(filter);
            let v = match pass.as_bool() {
                Some(false) => {
                    self.env.truncate(depth);
                    continue;
                }
                Some(true) => self.eval(body),
                None => {
                    // Unknown whether the item is in scope: it matters only if the
                    // body could decide the result.
                    let b = self.eval(body);
                    match (kind, b.as_bool()) {
                        (Quant::Every, Some(true)) | (Quant::Any | Quant::None, Some(false)) => {
                            self.env.truncate(depth);
                            continue;
                        }
                        _ => scope_unknown(&pass, &b),
                    }
                }
            };
            self.env.truncate(depth);
            match (kind, v.as_bool()) {
                (Quant::Every, Some(false)) | (Quant::None, Some(true)) => {
                    if !self.explain {
                        return V::bool(false);
                    }
                    decided = Some(false);
                }
                (Quant::Any, Some(true)) => {
                    if !self.explain {
                        return V::bool(true);
                    }
                    decided = Some(true);
                }
                (_, Some(_)) => {}
                (_, None) => merge_unknown(&mut unknown, &v),
            }
        }
        if let Some(b) = decided {
            return V::bool(b);
        }
        match unknown {
            Some(w) => V::why(w),
            None => V::bool(matches!(kind, Quant::Every | Quant::None)),
        }
    }

    /// An element of a list as shown in an explanation: `{over_text}[i+1]` for a record.
    #[inline(never)]
    fn show_item(&self, item: &Value, list_ty: &Ty, over_text: &str, i: usize) -> String {
        match item {
            Value::Record(r) => {
                self.show_record(r, &elem_ty(list_ty), &format!("{over_text}[{}]", i + 1))
            }
            other => self.show(other, &elem_ty(list_ty)).value,
        }
    }

    /// The element with the greatest (latest) or smallest key among those that pass
    /// the filter; `none` when none does. Of elements with equal keys the first in the
    /// list wins, so the answer never depends on anything but the list.
    ///
    /// An element whose filter or key is unknown makes the answer unknown only if it
    /// could be the answer: its key is unknown, or it would beat (or, earlier in the
    /// list, tie with) the best element known to pass. One known to lose whatever its
    /// filter says is irrelevant.
    fn pick(
        &mut self,
        latest: bool,
        over: &Expr,
        filter: Option<&Expr>,
        key: &Expr,
        depth: usize,
    ) -> V {
        use std::cmp::Ordering;
        let (list, _) = match self.items_of(over) {
            Ok(x) => x,
            Err(u) => return u,
        };
        // The best element known to pass: (key, index, element).
        let mut best: Option<(Value, usize, Value)> = None;
        // Elements that may or may not pass, or whose key is unknown: (key, index, why).
        let mut uncertain: Vec<(Option<Value>, usize, Why)> = Vec::new();
        self.env.truncate(depth);
        // Keys, like filters, choose elements; they are not explanations.
        let rec = std::mem::replace(&mut self.recording, false);
        for (i, item) in list.items.iter().enumerate() {
            self.env.push(Frame {
                name: String::new(),
                value: V::Known(item.clone()),
                shown: String::new(),
            });
            let pass = self.filter(filter);
            let k = if pass.as_bool() == Some(false) {
                None
            } else {
                Some(self.eval(key))
            };
            self.env.truncate(depth);
            let k = match (pass, k) {
                (_, None) => continue,
                (V::Known(Value::Bool(true)), Some(V::Known(k))) => k,
                (p, Some(k)) => {
                    let w = why_of(&[&p, &k]);
                    let known = match k {
                        V::Known(k) => Some(k),
                        V::Unknown(_) => None,
                    };
                    uncertain.push((known, i, w));
                    continue;
                }
            };
            // Strictly better only: on a tie the earlier element stays.
            let better = match &best {
                None => true,
                Some((bk, _, _)) => match compare_keys(&k, bk) {
                    Some(o) => o != Ordering::Equal && (o == Ordering::Greater) == latest,
                    None => false,
                },
            };
            if better {
                best = Some((k, i, item.clone()));
            }
        }
        self.recording = rec;
        let mut unknown: Option<Why> = None;
        for (k, i, w) in uncertain {
            let could_be_the_answer = match (&k, &best) {
                (None, _) | (Some(_), None) => true,
                (Some(k), Some((bk, bi, _))) => match compare_keys(k, bk) {
                    Some(Ordering::Equal) => i < *bi,
                    Some(o) => (o == Ordering::Greater) == latest,
                    None => true,
                },
            };
            if could_be_the_answer {
                match &mut unknown {
                    Some(u) => u.merge(&w),
                    None => unknown = Some(w),
                }
            }
        }
        if let Some(w) = unknown {
            return V::why(w);
        }
        V::Known(best.map(|(_, _, v)| v).unwrap_or(Value::None))
    }

    /// `count` (no `kind`, no body), `sum`, `mean`, `min`, `max` over the elements of
    /// `over` that pass `filter`. When explaining, each element's filter comparisons and
    /// value are recorded. An element whose filter is unknown may or may not count, one
    /// whose value is unknown may be anything (anything but negative for counts); the
    /// value is then unknown, with the [`Bounds`](value::Bounds) the known part gives.
    #[allow(clippy::too_many_arguments)]
    fn aggregate(
        &mut self,
        kind: Option<Agg>,
        (var, over_text): (&str, &str),
        over: &Expr,
        filter: Option<&Expr>,
        body: Option<&Expr>,
        depth: usize,
        nonneg: bool,
    ) -> V {
        let (list, _) = match self.items_of(over) {
            Ok(x) => x,
            Err(u) => return u.unbounded(),
        };
        let mut elems: Vec<aggregate::Elem> = Vec::with_capacity(list.items.len());
        let mut why = Why::default();
        self.env.truncate(depth);
        for (i, item) in list.items.iter().enumerate() {
            let explain = self.explain && self.recording && self.checks.len() < MAX_CHECKS;
            let shown = if explain {
                match item {
                    Value::Record(r) => {
                        self.show_record(r, &elem_ty(&over.ty), &format!("{over_text}[{}]", i + 1))
                    }
                    other => self.show(other, &elem_ty(&over.ty)).value,
                }
            } else {
                String::new()
            };
            self.env.push(Frame {
                name: if shown.is_empty() {
                    String::new()
                } else {
                    var.to_string()
                },
                value: V::Known(item.clone()),
                shown,
            });
            // The filter chooses what is aggregated: its comparisons are explanations here,
            // and a filter that compares nothing (`d.eligible`) is shown as read.
            let before = (self.checks.len(), self.truncated);
            let pass = match filter {
                Some(f) => {
                    let v = self.eval(f);
                    if self.explain
                        && self.recording
                        && before == (self.checks.len(), self.truncated)
                    {
                        self.record_read(f, &v);
                    }
                    v
                }
                None => V::bool(true),
            };
            let definite = match &pass {
                V::Known(Value::Bool(true)) => true,
                V::Known(_) => {
                    self.env.truncate(depth);
                    continue;
                }
                V::Unknown(w) => {
                    why.merge(w);
                    false
                }
            };
            let value = match body {
                None => V::Known(Value::Num(Decimal::ONE)),
                Some(b) => {
                    let v = self.eval(b);
                    if self.explain && self.recording {
                        self.record_read(b, &v);
                    }
                    v
                }
            };
            self.env.truncate(depth);
            let value = match value {
                V::Known(x) => Some(x),
                V::Unknown(w) => {
                    why.merge(&w);
                    None
                }
            };
            elems.push(aggregate::Elem { definite, value });
        }
        aggregate::combine(kind, &elems, nonneg, why)
    }

    fn builtin(&mut self, b: &Builtin, args: &[Expr]) -> V {
        // Built-ins take one to three arguments: held here, not on the heap.
        let mut vals: smallvec::SmallVec<[Value; 3]> = smallvec::SmallVec::new();
        // all/any/known handle unknowns themselves.
        match b {
            Builtin::All => {
                let mut acc = V::bool(true);
                for a in args {
                    let v = self.eval(a);
                    acc = and3(acc, || v);
                    if acc.as_bool() == Some(false) {
                        // keep evaluating for explanations only when asked
                        if !self.explain {
                            break;
                        }
                    }
                }
                return acc;
            }
            Builtin::AnyOf => {
                let mut acc = V::bool(false);
                for a in args {
                    let v = self.eval(a);
                    acc = or3(acc, || v);
                    if acc.as_bool() == Some(true) && !self.explain {
                        break;
                    }
                }
                return acc;
            }
            Builtin::Known => {
                let v = args.first().map(|a| self.eval(a));
                return V::bool(matches!(v, Some(V::Known(_))));
            }
            _ => {}
        }
        for a in args {
            match self.eval(a) {
                V::Known(v) => vals.push(v),
                u => return u.unbounded(),
            }
        }
        Self::apply(self.p, b, &vals)
    }

    /// A built-in function applied to its arguments' known values. Apart from
    /// [`builtin`](Self::builtin), which evaluates them: its frame stays small.
    #[inline(never)]
    pub(super) fn apply(p: &Program, b: &Builtin, vals: &[Value]) -> V {
        let num = |i: usize| match vals.get(i) {
            Some(Value::Num(n)) => Some(*n),
            _ => None,
        };
        match b {
            Builtin::Years => {
                let (Some(a), Some(z)) = (
                    num(0).and_then(|x| to_i32(&x)),
                    num(1).and_then(|x| to_i32(&x)),
                ) else {
                    return V::reason("a year must be a whole number");
                };
                if z.saturating_sub(a) > 1000 {
                    return V::reason("the range of years is too long");
                }
                let items = (a..=z).map(|y| Value::Num(Decimal::from(y))).collect();
                V::Known(Value::List(Arc::new(List {
                    origin: None,
                    items,
                })))
            }
            Builtin::Year => match vals.first() {
                Some(Value::Date(d)) => V::Known(Value::Num(Decimal::from(d.year()))),
                _ => V::reason("not a date"),
            },
            Builtin::First | Builtin::Last => match vals.first() {
                Some(Value::List(l)) => {
                    let x = if matches!(b, Builtin::First) {
                        l.items.first()
                    } else {
                        l.items.last()
                    };
                    match x {
                        Some(v) => V::Known(v.clone()),
                        None => V::reason("the list is empty"),
                    }
                }
                _ => V::reason("not a list"),
            },
            Builtin::Latest => match vals.first() {
                Some(Value::Series(s)) => match s.entries.last() {
                    Some((_, v)) => V::Known(v.clone()),
                    None => match s.origin {
                        Some(id) => {
                            let n = p.facts.get(id).map(|f| f.name.clone()).unwrap_or_default();
                            V::why(Why::missing(id, n))
                        }
                        None => V::reason("the series is empty"),
                    },
                },
                _ => V::reason("not a series"),
            },
            Builtin::Growth | Builtin::MeanGrowth => {
                let (Some(Value::Series(s)), Some(Value::List(w))) = (vals.first(), vals.get(1))
                else {
                    return V::reason("growth needs a series and a list of years");
                };
                Self::growth(p, s, w, matches!(b, Builtin::MeanGrowth))
            }
            Builtin::DateIn => {
                let (Some(y), Some(Value::MonthDay(m, d))) =
                    (num(0).and_then(|x| to_i32(&x)), vals.get(1))
                else {
                    return V::reason("date_in needs a year and a day of the year");
                };
                // 2月29日 in a common year falls on 2月28日.
                let date = NaiveDate::from_ymd_opt(y, *m, *d)
                    .or_else(|| NaiveDate::from_ymd_opt(y, *m, d.saturating_sub(1)));
                match date {
                    Some(x) if in_range(x).is_none() => V::reason("the date is out of range"),
                    Some(x) => V::Known(Value::Date(x)),
                    None => V::reason(format!("{y}年{m}月{d}日 is not a date")),
                }
            }
            Builtin::Extend => {
                let (
                    Some(Value::Date(d)),
                    Some(Value::Duration {
                        years,
                        months,
                        days,
                    }),
                    Some(n),
                ) = (vals.first(), vals.get(1), num(2).and_then(|x| to_i32(&x)))
                else {
                    return V::reason("extend needs a date, a duration and a whole number");
                };
                if !(0..=10000).contains(&n) {
                    return V::reason(format!("cannot extend {n} times"));
                }
                let mut cur = *d;
                for _ in 0..n {
                    match add_duration(cur, *years, *months, *days, 1) {
                        Some(x) => cur = x,
                        None => return V::reason("the date is out of range"),
                    }
                }
                V::Known(Value::Date(cur))
            }
            Builtin::Min | Builtin::Max => {
                let mut best: Option<&Value> = None;
                for v in vals {
                    best = Some(match best {
                        None => v,
                        Some(bv) => {
                            let less = compare_keys(v, bv) == Some(std::cmp::Ordering::Less);
                            if less == matches!(b, Builtin::Min) {
                                v
                            } else {
                                bv
                            }
                        }
                    });
                }
                best.map(|v| V::Known(v.clone()))
                    .unwrap_or_else(|| V::reason("nothing to compare"))
            }
            Builtin::Len => match vals.first() {
                Some(Value::List(l)) => V::Known(Value::Num(Decimal::from(l.items.len()))),
                _ => V::reason("not a list"),
            },
            Builtin::Abs => match vals.first() {
                Some(Value::Num(n)) => V::Known(Value::Num(n.abs())),
                Some(Value::Ratio(r)) if r.signum() == std::cmp::Ordering::Less => {
                    V::Known(Value::Ratio(r.negate()))
                }
                Some(Value::Ratio(r)) => V::Known(Value::Ratio(*r)),
                _ => V::reason("not a number"),
            },
            Builtin::All | Builtin::AnyOf | Builtin::Known => V::reason("internal"),
        }
    }

    fn growth(p: &Program, s: &Series, w: &List, mean: bool) -> V {
        Self::growth_over(p, s, &window_years(w), mean)
    }

    /// [`Self::growth`] over the years of its window, as [`window_years`] reads them.
    pub(super) fn growth_over(p: &Program, s: &Series, years: &[i32], mean: bool) -> V {
        let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
            return V::reason("growth needs at least two years");
        };
        if years.len() < 2 {
            return V::reason("growth needs at least two years");
        }
        // The series' name, for the reasons only.
        let name = || {
            s.origin
                .and_then(|id| p.facts.get(id))
                .map(|f| f.name.as_str())
                .unwrap_or_default()
        };
        let mut missing = Why::default();
        let mut vals: smallvec::SmallVec<[Decimal; 8]> = smallvec::SmallVec::new();
        for y in years {
            match s.get(*y) {
                Some(Value::Num(n)) => vals.push(*n),
                _ => {
                    if let Some(id) = s.origin {
                        missing.merge(&Why::missing(id, format!("{}[{y}]", name())));
                    } else {
                        missing.reasons.push(format!("no figure for {y}"));
                    }
                }
            }
        }
        // Every year of the window needs its figure, for either reading (interpretation §3:
        // a figure missing for one of the years makes the criterion undetermined).
        if !missing.missing.is_empty() || !missing.reasons.is_empty() {
            return V::why(missing);
        }
        if mean {
            // The mean of the yearly rates (b − a)/a, kept exact as a fraction.
            let overflow =
                || V::reason("the numbers are too large to compute a growth rate exactly");
            let mut sum = exact::Frac::whole(Decimal::ZERO);
            for pair in vals.windows(2) {
                let (Some(a), Some(b)) = (pair.first(), pair.get(1)) else {
                    continue;
                };
                if a.is_zero() {
                    return V::reason(format!(
                        "{}: a year's value is zero, so its growth rate is undefined",
                        name()
                    ));
                }
                let Some(d) = exact::sub(*b, *a) else {
                    return overflow();
                };
                let Some(r) = exact::Frac::new(d, *a) else {
                    return overflow();
                };
                sum = match sum.checked_add(r) {
                    Some(x) => x,
                    None => return overflow(),
                };
            }
            let n = exact::Frac::whole(Decimal::from(vals.len().saturating_sub(1)));
            return match sum.checked_div(n) {
                Some(x) => V::Known(Value::number(x)),
                None => overflow(),
            };
        }
        // Compound growth needs only the first and last years.
        let (vf, vl) = (s.get(first), s.get(last));
        let (Some(Value::Num(vf)), Some(Value::Num(vl))) = (vf, vl) else {
            let mut w = Why::default();
            for y in [first, last] {
                if s.get(y).is_none() {
                    match s.origin {
                        Some(id) => w.merge(&Why::missing(id, format!("{}[{y}]", name()))),
                        None => w.reasons.push(format!("no figure for {y}")),
                    }
                }
            }
            return V::why(w);
        };
        if vf.is_zero() {
            return V::reason(format!(
                "{}: the first year's value ({first}) is zero, so growth is undefined",
                name()
            ));
        }
        if vf.is_sign_negative() || vl.is_sign_negative() {
            return V::reason(format!(
                "{}: growth is undefined for negative values",
                name()
            ));
        }
        let n = u32::try_from(last - first).unwrap_or(0);
        if n == 0 {
            return V::reason("growth needs two different years");
        }
        V::Known(Value::Growth {
            first: *vf,
            last: *vl,
            n,
            scale: Decimal::ONE,
        })
    }
}

/// The order of two keys of `latest`/`earliest`.
fn compare_keys(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(y)),
        (Value::Num(_) | Value::Ratio(_), Value::Num(_) | Value::Ratio(_)) => {
            Some(a.as_frac()?.order(b.as_frac()?))
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Enum(x), Value::Enum(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn elem_ty(t: &Ty) -> Ty {
    match t {
        Ty::List(x) => (**x).clone(),
        _ => Ty::Error,
    }
}

mod aggregate;
mod compare;

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Evaluate every decision of the one-article rule set whose functions are
    /// `functions` and whose single rule is `rule`, on `x = 5`, without explanations;
    /// then give the number of remembered calls and of functions noted as called once.
    fn memo_after(functions: &str, rule: &str) -> (usize, usize) {
        let text = format!(
            "policy \"p\" {{\n  in_force 2024-01-01 to 2029-12-31\n}}\n\
             fact x \"数\": number\n{functions}\
             article 1 \"测试\" {{\n  clause 1 \"c\" {{\n    rule \"r\": {rule}\n  }}\n}}\n"
        );
        let mut sources = crate::diag::Sources::new();
        let Ok(rules) = crate::load_rule_set(&mut sources, vec![("t.policy".into(), text)]) else {
            panic!("the rule set checks");
        };
        let p = &rules.program;
        let (facts, _) =
            crate::facts::load(p, crate::facts::Format::Json, r#"{"x": 5}"#, 0).expect("facts");
        let date = NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date");
        let mut ev = Evaluator::new(p, &facts, date, false);
        for i in 0..p.decisions.len() {
            ev.ensure_decision(i);
        }
        assert_eq!(
            ev.decisions.first().and_then(|d| d.value.clone()),
            Some(Value::Bool(false)),
            "every year from 1 to 3 is at least 5: no"
        );
        (ev.memo.len(), ev.called.len())
    }

    /// Function `name`: whether every year from 1 to 3 is at least its argument (a body
    /// that loops, so its calls may be remembered).
    fn function(name: &str) -> String {
        format!("definition {name}(a: number) = every y in years(1, 3): y >= a\n")
    }

    /// Without explanations, a function's first call in an evaluation is not remembered;
    /// its second is (and a third would find it); past `FIRST_CALLS` functions, every call
    /// is remembered.
    #[test]
    fn a_functions_first_call_is_not_remembered_and_its_second_is() {
        assert_eq!(memo_after(&function("f"), "f(x)"), (0, 1));
        assert_eq!(memo_after(&function("f"), "f(x) or f(x)"), (1, 1));
        let mut many = String::new();
        let mut calls = Vec::new();
        for i in 0..=FIRST_CALLS {
            many.push_str(&function(&format!("f{i}")));
            calls.push(format!("f{i}(x)"));
        }
        // Each called once: the first eight are noted, the ninth is remembered.
        assert_eq!(memo_after(&many, &calls.join(" or ")), (1, FIRST_CALLS));
    }

    /// A year is a whole number however it is written: `2022`, `2022.0`, `-3`; not
    /// `2022.5`, nor one past the range of `i32`.
    #[test]
    fn years_are_whole_numbers_however_written() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(to_i32(&d("2022")), Some(2022));
        assert_eq!(to_i32(&d("2022.0")), Some(2022));
        assert_eq!(to_i32(&d("2022.000")), Some(2022));
        assert_eq!(to_i32(&d("-3")), Some(-3));
        assert_eq!(to_i32(&d("-0")), Some(0));
        assert_eq!(to_i32(&d("2022.5")), None);
        assert_eq!(to_i32(&d("3000000000")), None);
        assert_eq!(to_i32(&d("3000000000.0")), None);
    }
}
