//! The decisions alone, on known values: the quick evaluation of a batch's lines.
//!
//! [`Plan::decisions`](super::Plan::decisions) without explanations gives each
//! decision's status, value and reasons, and nothing else. Most decisions of most
//! clusters are decided from facts that are given; for them, what the evaluator keeps
//! besides the value (three-valued results with their reasons, frames, remembered calls,
//! a result per decision with its checks) is work nobody reads. This module evaluates a
//! decision on known values alone, and gives up on it as soon as anything is not known:
//! a fact not given, a decision undetermined or not applying, a zero divisor, a value an
//! operation does not take. It walks the expressions as the plan made them ready for the
//! evaluation date (`super::code`: constants found once, a series read at a constant
//! year, a function's body made ready for a call), and an expression without a node of
//! its own as it is written. The evaluator then evaluates the decisions given up, with
//! every reason, starting from those decided here. (One question about an unknown is
//! answered here: `known(x)` of a fact, or of a field of a record, that is surely not
//! given is no — the condition of the articles on recognised clusters.)
//!
//! So a decision given here is the evaluator's, value for value: on known values both
//! make the same operations ([`order`], [`arith`], [`member`],
//! [`Evaluator::apply`](super::Evaluator::apply), the aggregates' `combine`, the same
//! conversions), in the same order, stopping where the evaluator stops without
//! explanations (`and` at a first no, a clause at its first rule not met, a quantifier at
//! its first witness).
//!
//! **Steps.** A step is counted wherever the evaluator counts one, and none fewer: a call
//! of a function is evaluated again each time (the evaluator may remember it), and a
//! decision given up has counted the steps it took. The evaluator then has the budget
//! less the steps taken here; should that run out, the whole evaluation is made again by
//! the evaluator alone. Hence the budget cuts short exactly what it would cut short
//! without this module: if the evaluator's second part stays within what is left, the
//! evaluator alone stays within the budget too (its steps are at most those counted here
//! for the decisions decided here, plus those of its second part).

use super::aggregate::{combine, Elem};
use super::code::{Code, DecisionCode, Node};
use super::compare::{arith, member, order, order_quotient, quotient};
use super::exact::{self, Frac};
use super::{
    compare_keys, to_i32, DecisionResult, Evaluator, Facts, List, Plan, Status, Value, Why, V,
};
use crate::ir::{Builtin, DecisionId, Expr, ExprKind, FactId, Program, SlotId};
use crate::syntax::ast::{BinOp, Quant, RuleKind};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::sync::Arc;

/// The most steps taken here for one cluster before the evaluator takes over: enough
/// for any cluster of the shipped rules but those with lists of thousands of elements,
/// little enough that a rule set whose calls double (which the evaluator remembers)
/// costs only this much in vain.
pub(super) const FAST_STEPS: u64 = 1_000_000;

/// What became of one decision here.
#[derive(Clone)]
enum Got {
    /// Not evaluated yet.
    New,
    /// Being evaluated: a use of it now is a cycle (which the checker refuses).
    Running,
    /// Decided, with this value.
    Value(Value),
    /// Its article's or clause's condition is not met, or none of its rules applies.
    NotApplicable,
    /// Given up: the evaluator evaluates it.
    GivenUp,
}

pub(super) struct Fast<'a, 'p> {
    p: &'p Program,
    facts: &'a Facts,
    plan: &'a Plan<'p>,
    /// The program made ready for this evaluation date (`super::code`).
    code: &'a Code<'p>,
    /// By slot not in the plan: `None` until evaluated; `Some(None)` while being
    /// evaluated and when given up.
    slots: Vec<Option<Option<Value>>>,
    /// By article: whether its condition holds (`None` inside: given up), once evaluated.
    articles: Vec<Option<Option<bool>>>,
    got: Vec<Got>,
    env: Vec<Value>,
    steps: u64,
    limit: u64,
}

/// The decisions decided here, and the steps taken.
pub(super) struct Decided {
    /// By decision: its result, or [`DecisionResult::pending`] for one given up.
    pub results: Vec<DecisionResult>,
    /// By decision: whether it was decided here.
    pub decided: Vec<bool>,
    /// Whether every decision was.
    pub all: bool,
    pub steps: u64,
}

impl<'a, 'p> Fast<'a, 'p> {
    pub(super) fn new(plan: &'a Plan<'p>, facts: &'a Facts, limit: u64) -> Self {
        let p = plan.program();
        Fast {
            p,
            facts,
            plan,
            code: plan.code(),
            // Made without `vec![x; n]`, which clones `x` for each element through
            // `Value`'s `Clone`: each element here is only its tag.
            slots: std::iter::repeat_with(|| None)
                .take(p.slots.len())
                .collect(),
            articles: vec![None; p.articles.len()],
            got: std::iter::repeat_with(|| Got::New)
                .take(p.decisions.len())
                .collect(),
            env: Vec::new(),
            steps: 0,
            limit,
        }
    }

    /// Every decision that can be decided here, in order.
    pub(super) fn run(mut self) -> Decided {
        for id in 0..self.p.decisions.len() {
            self.ensure(id);
        }
        let mut decided = Vec::with_capacity(self.got.len());
        // Made in place, one result at a time.
        let results: Vec<DecisionResult> = self
            .got
            .into_iter()
            .map(|g| {
                let (status, value) = match g {
                    Got::Value(v) => (Status::Decided, Some(v)),
                    Got::NotApplicable => (Status::NotApplicable, None),
                    Got::New | Got::Running | Got::GivenUp => {
                        decided.push(false);
                        return DecisionResult::pending();
                    }
                };
                decided.push(true);
                DecisionResult {
                    status,
                    value,
                    why: Why::default(),
                    rules: Vec::new(),
                    checks: Vec::new(),
                }
            })
            .collect();
        Decided {
            all: decided.iter().all(|d| *d),
            results,
            decided,
            steps: self.steps,
        }
    }

    /// Count a step; false once the limit is passed (and from then on).
    #[inline(always)]
    fn step(&mut self) -> bool {
        self.steps += 1;
        self.steps <= self.limit
    }

    /// Count `n` steps at once (a node made ready); false once the limit is passed.
    #[inline(always)]
    fn steps_of(&mut self, n: u64) -> bool {
        self.steps = self.steps.saturating_add(n);
        self.steps <= self.limit
    }

    /// The steps taken so far.
    pub(super) fn steps(&self) -> u64 {
        self.steps
    }

    fn ensure(&mut self, id: DecisionId) {
        match self.got.get_mut(id) {
            Some(g @ Got::New) => *g = Got::Running,
            _ => return,
        }
        // A decision is evaluated outside any quantifier or call, as the evaluator's is.
        let env = std::mem::take(&mut self.env);
        let g = self.decision(id);
        self.env = env;
        if let Some(slot) = self.got.get_mut(id) {
            *slot = g;
        }
    }

    fn decision(&mut self, id: DecisionId) -> Got {
        let (p, code) = (self.p, self.code);
        let Some(d) = p.decisions.get(id) else {
            return Got::GivenUp;
        };
        if p.articles.get(d.article).is_none() {
            return Got::GivenUp;
        }
        if let Some(Some(cond)) = code.articles.get(d.article) {
            let holds = match self.articles.get(d.article).copied().flatten() {
                Some(h) => h,
                None => {
                    let h = self.applies(cond);
                    if let Some(a) = self.articles.get_mut(d.article) {
                        *a = Some(h);
                    }
                    h
                }
            };
            match holds {
                Some(true) => {}
                Some(false) => return Got::NotApplicable,
                None => return Got::GivenUp,
            }
        }
        match code.decisions.get(id) {
            Some(DecisionCode::Clause { applies, rules }) => {
                if let Some(cond) = applies {
                    match self.applies(cond) {
                        Some(true) => {}
                        Some(false) => return Got::NotApplicable,
                        None => return Got::GivenUp,
                    }
                }
                let mut any_applicable = false;
                for (r, when, body) in rules {
                    // A guideline's outcome decides nothing, but the evaluator evaluates
                    // it all the same: one given up here leaves the decision to it, so
                    // that no step it counts is missed here.
                    let Some(outcome) = self.rule(when.as_ref(), body) else {
                        return Got::GivenUp;
                    };
                    if r.kind == RuleKind::Guideline {
                        continue;
                    }
                    match outcome {
                        Rule::NotApplicable => {}
                        Rule::Met => any_applicable = true,
                        // Not met decides the clause; the rules after it are not
                        // evaluated, as by the evaluator without explanations.
                        Rule::NotMet => return Got::Value(Value::Bool(false)),
                    }
                }
                if any_applicable {
                    Got::Value(Value::Bool(true))
                } else {
                    Got::NotApplicable
                }
            }
            Some(DecisionCode::Expr(n)) => match self.node(n) {
                Some(v) => Got::Value(v),
                None => Got::GivenUp,
            },
            Some(DecisionCode::Missing) | None => Got::GivenUp,
        }
    }

    /// An article's or clause's condition: `Some(true)` when it is known to be yes,
    /// `Some(false)` when it is known to be anything else (the evaluator's "does not
    /// apply"), `None` when it is given up.
    fn applies(&mut self, cond: &Node<'p>) -> Option<bool> {
        self.node(cond).map(|v| matches!(v, Value::Bool(true)))
    }

    /// A rule's outcome; `None` when given up (its condition or test not a known yes or
    /// no).
    fn rule(&mut self, when: Option<&Node<'p>>, body: &Node<'p>) -> Option<Rule> {
        if let Some(cond) = when {
            match self.node(cond)? {
                Value::Bool(true) => {}
                Value::Bool(false) => return Some(Rule::NotApplicable),
                _ => return None,
            }
        }
        match self.node(body)? {
            Value::Bool(true) => Some(Rule::Met),
            Value::Bool(false) => Some(Rule::NotMet),
            _ => None,
        }
    }

    /// The value of a node made ready (`super::code`), or `None`: not known here.
    pub(super) fn node(&mut self, n: &Node<'p>) -> Option<Value> {
        match n {
            Node::Expr(e) => self.val(e),
            Node::Const { value, steps } => self.steps_of(*steps).then(|| value.clone()),
            Node::SeriesAt { fact, year, steps } => {
                if !self.steps_of(*steps) {
                    return None;
                }
                match self.fact(*fact)? {
                    Value::Series(s) => s.get(*year).cloned(),
                    _ => None,
                }
            }
            Node::Growth {
                fact,
                years,
                mean,
                steps,
            } => self.growth_node(*fact, years, *mean, *steps),
            Node::Fact(id) => {
                if !self.step() {
                    return None;
                }
                self.fact(*id).cloned()
            }
            Node::Local(i) => {
                if !self.step() {
                    return None;
                }
                self.env.get(*i).cloned()
            }
            Node::Index(fact, year) => self.index_node(*fact, year),
            Node::Slot(id) => {
                if !self.step() {
                    return None;
                }
                self.slot(*id)
            }
            Node::Not(x) => {
                if !self.step() {
                    return None;
                }
                not(self.node(x)?)
            }
            Node::Neg(x) => {
                if !self.step() {
                    return None;
                }
                neg(self.node(x)?)
            }
            Node::Convert(x, f) => {
                if !self.step() {
                    return None;
                }
                convert(self.node(x)?, *f)
            }
            Node::Binary(op, sides) => {
                if !self.step() {
                    return None;
                }
                let [l, r] = &**sides;
                self.binary(*op, l, r, None)
            }
            Node::BinaryConst(op, l, value, steps) => {
                if !self.step() {
                    return None;
                }
                // As `binary` with a constant on the right: the left side first.
                let a = self.node(l)?;
                if !self.steps_of(*steps) {
                    return None;
                }
                match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                        known_v(arith(*op, a, value.clone()))
                    }
                    _ => order(&a, value, *op).ok().map(Value::Bool),
                }
            }
            Node::QuotientConst(op, sides, value, steps) => {
                // The comparison's step, then the division's, its sides, the constant.
                if !self.steps_of(2) {
                    return None;
                }
                let [x, y] = &**sides;
                let a = self.node(x)?;
                let b = self.node(y)?;
                let q = quotient(&a, &b)?;
                if !self.steps_of(*steps) {
                    return None;
                }
                order_quotient(q, value, *op).map(Value::Bool)
            }
            Node::If(parts) => {
                if !self.step() {
                    return None;
                }
                let [c, t, f] = &**parts;
                match self.node(c)? {
                    Value::Bool(true) => self.node(t),
                    Value::Bool(false) => self.node(f),
                    _ => None,
                }
            }
            Node::Call(b, args) => {
                if !self.step() {
                    return None;
                }
                self.builtin_args(b, args)
            }
            Node::Inline {
                args,
                body,
                depth,
                push,
            } => self.inline_node(args, body, *depth, *push),
            Node::Quantifier {
                kind,
                over,
                filter,
                body,
                depth,
            } => {
                if !self.step() {
                    return None;
                }
                self.quantifier(*kind, &**over, filter.as_deref(), &**body, *depth)
            }
        }
    }

    /// [`Node::Index`]: the index's step, then [`Self::fact_index`].
    #[inline(never)]
    fn index_node(&mut self, fact: FactId, year: &Node<'p>) -> Option<Value> {
        if !self.step() {
            return None;
        }
        self.fact_index(fact, year)
    }

    #[inline(never)]
    fn growth_node(
        &mut self,
        fact: FactId,
        years: &[i32],
        mean: bool,
        steps: u64,
    ) -> Option<Value> {
        if !self.steps_of(steps) {
            return None;
        }
        match self.fact(fact)? {
            Value::Series(s) => known_v(Evaluator::growth_over(self.p, s, years, mean)),
            _ => None,
        }
    }

    #[inline(never)]
    fn inline_node(
        &mut self,
        args: &[Node<'p>],
        body: &Node<'p>,
        depth: usize,
        push: bool,
    ) -> Option<Value> {
        if !self.step() {
            return None;
        }
        if push {
            return self.call(args, body, depth);
        }
        // A body that reads no variable: its arguments evaluated (each must be known, as
        // for a call), nothing pushed.
        for a in args {
            self.node(a)?;
        }
        self.node(body)
    }

    /// The value of `e`, or `None`: not known here.
    pub(super) fn val(&mut self, e: &Expr) -> Option<Value> {
        if !self.step() {
            return None;
        }
        match &e.kind {
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Num(n) => Some(Value::Num(*n)),
            ExprKind::Date(d) => Some(Value::Date(*d)),
            ExprKind::Duration {
                years,
                months,
                days,
            } => Some(Value::Duration {
                years: *years,
                months: *months,
                days: *days,
            }),
            ExprKind::MonthDay(m, d) => Some(Value::MonthDay(*m, *d)),
            ExprKind::Text(t) => Some(Value::Text(t.clone())),
            ExprKind::Enum(_, v) => Some(Value::Enum(*v)),
            ExprKind::NoneLit => Some(Value::None),
            ExprKind::Today => Some(Value::Date(self.plan.as_of())),
            ExprKind::List(items) => self.list(items),
            ExprKind::Fact(id) => self.fact(*id).cloned(),
            ExprKind::Slot(id) => self.slot(*id),
            ExprKind::Decision(id) => {
                self.ensure(*id);
                match self.got.get(*id)? {
                    Got::Value(v) => Some(v.clone()),
                    Got::New | Got::Running | Got::NotApplicable | Got::GivenUp => None,
                }
            }
            ExprKind::Local(i) => self.env.get(*i).cloned(),
            ExprKind::Field(base, i) => self.field(base, *i),
            ExprKind::Index(s, y) => self.index(s, y),
            ExprKind::Convert(x, f) => convert(self.val(x)?, *f),
            // (A value the checker's types rule out, here and below, is given up:
            // giving up is always right, the evaluator deciding instead.)
            ExprKind::Not(x) => not(self.val(x)?),
            ExprKind::Neg(x) => neg(self.val(x)?),
            ExprKind::Binary(op, l, r) => {
                let written = match &r.kind {
                    ExprKind::List(items) => Some(items.as_slice()),
                    _ => None,
                };
                self.binary(*op, &**l, &**r, written)
            }
            ExprKind::If(c, t, f) => match self.val(c)? {
                Value::Bool(true) => self.val(t),
                Value::Bool(false) => self.val(f),
                _ => None,
            },
            ExprKind::Quantifier {
                kind,
                over,
                filter,
                body,
                depth,
                ..
            } => self.quantifier(*kind, &**over, filter.as_deref(), &**body, *depth),
            ExprKind::Count {
                over,
                filter,
                depth,
                ..
            } => self.aggregate(None, over, filter.as_deref(), None, *depth, true),
            ExprKind::Aggregate {
                kind,
                over,
                filter,
                body,
                depth,
                nonneg,
                ..
            } => self.aggregate(
                Some(*kind),
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
                args, body, depth, ..
            } => self.call(args.as_slice(), &**body, *depth),
        }
    }

    /// A call of a function of the rule set: its arguments pushed at `depth`, then its
    /// body. (Apart from [`val`](Self::val), which recurses: its frame stays small.)
    #[inline(never)]
    fn call<P: Part<'p>>(&mut self, args: &[P], body: &P, depth: usize) -> Option<Value> {
        let mut vals: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
        for a in args {
            vals.push(a.value(self)?);
        }
        self.env.truncate(depth);
        let base = self.env.len();
        self.env.extend(vals);
        let v = body.value(self);
        self.env.truncate(base);
        v
    }

    /// A list written out.
    #[inline(never)]
    fn list(&mut self, items: &[Expr]) -> Option<Value> {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.val(i)?);
        }
        Some(Value::List(Arc::new(List {
            origin: None,
            items: out,
        })))
    }

    /// A fact as given; `None` when it is not.
    fn fact(&self, id: FactId) -> Option<&'a Value> {
        self.facts.values.get(id)?.as_ref()
    }

    fn slot(&mut self, id: SlotId) -> Option<Value> {
        let plan = self.plan;
        if let Some(Some((v, _))) = plan.slots.get(id) {
            return match v {
                V::Known(x) => Some(x.clone()),
                V::Unknown(_) => None,
            };
        }
        if let Some(Some(known)) = self.slots.get(id) {
            return known.clone();
        }
        let body = &self.p.slots.get(id)?.body;
        // Being evaluated: a use of it now (a cycle, which the checker refuses) gives up.
        *self.slots.get_mut(id)? = Some(None);
        // A definition sees no quantifier variable or argument of its user.
        let env = std::mem::take(&mut self.env);
        let v = match self.code.slots.get(id) {
            Some(Some(n)) => self.node(n),
            _ => self.val(body),
        };
        self.env = env;
        if let Some(s) = self.slots.get_mut(id) {
            *s = Some(v.clone());
        }
        v
    }

    fn field(&mut self, base: &Expr, i: usize) -> Option<Value> {
        // The evaluator reads a quantifier's record in place, for one step more.
        if let ExprKind::Local(l) = base.kind {
            if matches!(self.env.get(l), Some(Value::Record(_))) {
                if !self.step() {
                    return None;
                }
                return match self.env.get(l) {
                    Some(Value::Record(r)) => known(r.fields.get(i)?),
                    _ => None,
                };
            }
        }
        match self.val(base)? {
            Value::Record(r) => known(r.fields.get(i)?),
            _ => None,
        }
    }

    fn index(&mut self, s: &Expr, y: &Expr) -> Option<Value> {
        if let ExprKind::Fact(id) = s.kind {
            return self.fact_index(id, y);
        }
        let sv = self.val(s)?;
        let year = self.val(y)?;
        match sv {
            Value::Series(series) => year_of(&series, &year),
            _ => None,
        }
    }

    /// The series given as the fact `fact` at the year `y` (after the index's own step).
    /// The evaluator reads a series given as a fact in place, for one step more; a fact
    /// not given (or not a series) takes the step of reading it, then the year's.
    fn fact_index<P: Part<'p>>(&mut self, fact: FactId, y: &P) -> Option<Value> {
        if !self.step() {
            return None;
        }
        if let Some(Value::Series(series)) = self.fact(fact) {
            let year = y.value(self)?;
            return year_of(series, &year);
        }
        self.fact(fact)?;
        y.value(self)?;
        None
    }

    /// `l op r`; `written`: `r` when it is a list written out (for `in`).
    fn binary<P: Part<'p>>(
        &mut self,
        op: BinOp,
        l: &P,
        r: &P,
        written: Option<&[Expr]>,
    ) -> Option<Value> {
        let a = l.value(self)?;
        match op {
            // `and`/`or` on known values (the evaluator's `junction`): a first side
            // with the dominant value decides, as it stops the evaluator without
            // explanations; otherwise the second side is the value.
            BinOp::And | BinOp::Or => {
                let dominant = op == BinOp::Or;
                match a {
                    Value::Bool(x) if x == dominant => Some(a),
                    Value::Bool(_) => r.value(self),
                    _ => None,
                }
            }
            BinOp::In => {
                // A list of names written out (`i.category in ["safety", "quality"]`):
                // looked through where it is written, not made; its steps counted as the
                // evaluator counts them (the list and each name).
                if let Some(items) = written {
                    if let Some(found) = written_member(items, &a) {
                        for _ in 0..=items.len() {
                            if !self.step() {
                                return None;
                            }
                        }
                        return Some(Value::Bool(found));
                    }
                }
                let b = r.value(self)?;
                known_v(member(V::Known(a), V::Known(b)))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let b = r.value(self)?;
                known_v(arith(op, a, b))
            }
            _ => {
                let b = r.value(self)?;
                order(&a, &b, op).ok().map(Value::Bool)
            }
        }
    }

    /// For a quantifier's or `latest`'s element `item`, bound at `depth`: the value of
    /// `body` (`Some(None)` when the element does not pass `filter`); `None` when given
    /// up, a filter not known to be yes or no among the reasons.
    fn element<P: Part<'p>>(
        &mut self,
        item: &Value,
        filter: Option<&P>,
        body: &P,
        depth: usize,
    ) -> Option<Option<Value>> {
        self.env.push(item.clone());
        let passes = match filter {
            None => true,
            Some(f) => match f.value(self)? {
                Value::Bool(b) => b,
                _ => return None,
            },
        };
        let v = if passes {
            Some(body.value(self)?)
        } else {
            None
        };
        self.env.truncate(depth);
        Some(v)
    }

    /// The list a quantifier, aggregate or `latest` goes over.
    fn items<P: Part<'p>>(&mut self, over: &P) -> Option<Arc<List>> {
        match over.value(self)? {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    #[inline(never)]
    fn quantifier<P: Part<'p>>(
        &mut self,
        kind: Quant,
        over: &P,
        filter: Option<&P>,
        body: &P,
        depth: usize,
    ) -> Option<Value> {
        let list = self.items(over)?;
        self.env.truncate(depth);
        for item in &list.items {
            let Some(v) = self.element(item, filter, body, depth)? else {
                continue;
            };
            match (kind, v) {
                (Quant::Every, Value::Bool(false)) | (Quant::None, Value::Bool(true)) => {
                    return Some(Value::Bool(false));
                }
                (Quant::Any, Value::Bool(true)) => return Some(Value::Bool(true)),
                (_, Value::Bool(_)) => {}
                _ => return None,
            }
        }
        Some(Value::Bool(matches!(kind, Quant::Every | Quant::None)))
    }

    fn aggregate(
        &mut self,
        kind: Option<crate::syntax::ast::Agg>,
        over: &Expr,
        filter: Option<&Expr>,
        body: Option<&Expr>,
        depth: usize,
        nonneg: bool,
    ) -> Option<Value> {
        let list = self.items(over)?;
        // `count` keeps no elements: its value is how many pass.
        let mut count: usize = 0;
        let mut elems: Vec<Elem> = Vec::new();
        self.env.truncate(depth);
        for item in &list.items {
            self.env.push(item.clone());
            if let Some(f) = filter {
                // Anything known but yes leaves the element out, as in the evaluator.
                if self.val(f)? != Value::Bool(true) {
                    self.env.truncate(depth);
                    continue;
                }
            }
            match body {
                None => count += 1,
                Some(b) => {
                    let v = self.val(b)?;
                    elems.push(Elem {
                        definite: true,
                        value: Some(v),
                    });
                }
            }
            self.env.truncate(depth);
        }
        if body.is_none() {
            return Some(Value::Num(Decimal::from(count)));
        }
        known_v(combine(kind, &elems, nonneg, Why::default()))
    }

    fn pick(
        &mut self,
        latest: bool,
        over: &Expr,
        filter: Option<&Expr>,
        key: &Expr,
        depth: usize,
    ) -> Option<Value> {
        let list = self.items(over)?;
        // The best element so far: (key, element). Of equal keys the first stays.
        let mut best: Option<(Value, &Value)> = None;
        self.env.truncate(depth);
        for item in &list.items {
            let Some(k) = self.element(item, filter, key, depth)? else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((bk, _)) => match compare_keys(&k, bk) {
                    Some(o) => o != Ordering::Equal && (o == Ordering::Greater) == latest,
                    None => false,
                },
            };
            if better {
                best = Some((k, item));
            }
        }
        Some(best.map(|(_, v)| v.clone()).unwrap_or(Value::None))
    }

    fn builtin(&mut self, b: &Builtin, args: &[Expr]) -> Option<Value> {
        match b {
            Builtin::Known => match args.first() {
                None => Some(Value::Bool(false)),
                Some(a) => match self.val(a) {
                    Some(_) => Some(Value::Bool(true)),
                    None if self.steps <= self.limit && self.surely_unknown(a) => {
                        Some(Value::Bool(false))
                    }
                    None => None,
                },
            },
            _ => self.builtin_args(b, args),
        }
    }

    /// A call of a built-in function other than `known` (which is given up here).
    fn builtin_args<P: Part<'p>>(&mut self, b: &Builtin, args: &[P]) -> Option<Value> {
        match b {
            // all/any on known values: the first dominant one decides. One that is not
            // yes or no gives up (the evaluator's three values take over).
            Builtin::All | Builtin::AnyOf => {
                let dominant = matches!(b, Builtin::AnyOf);
                for a in args {
                    match a.value(self)? {
                        Value::Bool(x) if x == dominant => return Some(Value::Bool(x)),
                        Value::Bool(_) => {}
                        _ => return None,
                    }
                }
                Some(Value::Bool(!dominant))
            }
            Builtin::Known => None,
            _ => {
                let mut vals: smallvec::SmallVec<[Value; 3]> = smallvec::SmallVec::new();
                for a in args {
                    vals.push(a.value(self)?);
                }
                known_v(Evaluator::apply(self.p, b, &vals))
            }
        }
    }
}

impl Fast<'_, '_> {
    /// Whether the evaluator's value of `e`, which was just given up here after the
    /// evaluator's own steps, is unknown: a fact not given, or a field of a record that
    /// is not given or whose field is not. (What `known(…)` asks, most often of a
    /// record's field: `known(recognition.date)`.) False when it cannot say.
    fn surely_unknown(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Fact(id) => self.fact(*id).is_none(),
            ExprKind::Field(base, i) => match &base.kind {
                ExprKind::Fact(id) => match self.fact(*id) {
                    None => true,
                    Some(Value::Record(r)) => matches!(r.fields.get(*i), Some(V::Unknown(_))),
                    Some(_) => false,
                },
                ExprKind::Local(l) => match self.env.get(*l) {
                    Some(Value::Record(r)) => matches!(r.fields.get(*i), Some(V::Unknown(_))),
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        }
    }
}

/// What the quick evaluation evaluates: an expression as written, or a node made ready.
pub(super) trait Part<'p> {
    fn value(&self, f: &mut Fast<'_, 'p>) -> Option<Value>;
}

impl<'p> Part<'p> for Expr {
    fn value(&self, f: &mut Fast<'_, 'p>) -> Option<Value> {
        f.val(self)
    }
}

impl<'p> Part<'p> for Node<'p> {
    fn value(&self, f: &mut Fast<'_, 'p>) -> Option<Value> {
        f.node(self)
    }
}

/// A rule's outcome here.
enum Rule {
    Met,
    NotMet,
    NotApplicable,
}

/// Whether the text or category `x` is among `items`, when each is one of its kind
/// written out (as [`member`] finds it in the list they make); `None` for anything else,
/// which the list made answers.
fn written_member(items: &[Expr], x: &Value) -> Option<bool> {
    let mut found = false;
    for i in items {
        found |= match (&i.kind, x) {
            (ExprKind::Text(t), Value::Text(y)) => t == y,
            (ExprKind::Enum(_, v), Value::Enum(y)) => v == y,
            _ => return None,
        };
    }
    Some(found)
}

fn known(v: &V) -> Option<Value> {
    match v {
        V::Known(x) => Some(x.clone()),
        V::Unknown(_) => None,
    }
}

fn known_v(v: V) -> Option<Value> {
    match v {
        V::Known(x) => Some(x),
        V::Unknown(_) => None,
    }
}

/// `not` of a known value; anything but yes or no is given up.
fn not(v: Value) -> Option<Value> {
    match v {
        Value::Bool(b) => Some(Value::Bool(!b)),
        _ => None,
    }
}

/// `-` of a known number (a fraction stays one); anything else is given up.
fn neg(v: Value) -> Option<Value> {
    match v {
        Value::Num(n) => Some(Value::Num(-n)),
        Value::Ratio(r) => Some(Value::Ratio(r.negate())),
        _ => None,
    }
}

/// The figure of `s` for the year `year`, as the evaluator's `year_of` finds it.
fn year_of(s: &super::Series, year: &Value) -> Option<Value> {
    let Value::Num(y) = year else {
        return None;
    };
    s.get(to_i32(y)?).cloned()
}

/// A number converted between units by the factor `f`, as the evaluator's `convert`.
fn convert(v: Value, f: Decimal) -> Option<Value> {
    match v {
        Value::Num(n) => exact::mul(n, f).map(|x| Value::Num(exact::norm(x))),
        Value::Ratio(r) => r.checked_mul(Frac::whole(f)).map(Value::number),
        Value::Growth {
            first,
            last,
            n,
            scale,
        } => exact::mul(scale, f).map(|s| Value::Growth {
            first,
            last,
            n,
            scale: s,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// The rule set of `tests/fixtures/engine/`: each decision about one feature of
    /// the evaluator.
    const ENGINE: [(&str, &str); 9] = [
        (
            "00-base.policy",
            include_str!("../../tests/fixtures/engine/00-base.policy"),
        ),
        (
            "calls.policy",
            include_str!("../../tests/fixtures/engine/calls.policy"),
        ),
        (
            "dates.policy",
            include_str!("../../tests/fixtures/engine/dates.policy"),
        ),
        (
            "growth.policy",
            include_str!("../../tests/fixtures/engine/growth.policy"),
        ),
        (
            "lists.policy",
            include_str!("../../tests/fixtures/engine/lists.policy"),
        ),
        (
            "logic.policy",
            include_str!("../../tests/fixtures/engine/logic.policy"),
        ),
        (
            "plan.policy",
            include_str!("../../tests/fixtures/engine/plan.policy"),
        ),
        (
            "rules.policy",
            include_str!("../../tests/fixtures/engine/rules.policy"),
        ),
        (
            "sides.policy",
            include_str!("../../tests/fixtures/engine/sides.policy"),
        ),
    ];

    fn engine() -> crate::RuleSet {
        engine_with("")
    }

    /// The engine rule set and the rule file `extra`.
    fn engine_with(extra: &str) -> crate::RuleSet {
        let mut sources = crate::diag::Sources::new();
        let mut files: Vec<(String, String)> = ENGINE
            .iter()
            .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
            .collect();
        if !extra.is_empty() {
            files.push(("extra.policy".into(), extra.into()));
        }
        match crate::load_rule_set(&mut sources, files) {
            Ok(r) => r,
            Err(e) => panic!("the rule set checks: {e:?}"),
        }
    }

    /// What the engine rule set does not do: a series indexed as a function's argument,
    /// a series' latest figure, a text looked for in texts written out, a fraction negated,
    /// growth through a function (made ready as one node, `super::super::code`), a
    /// quantifier and a condition on constants and facts.
    const EXTRA: &str = "\
        definition 上一年(x: series of 万元, y: year) \"the year before\" = x[y - 1]\n\
        definition 增速(x: series of 万元, w: list of year) \"growth\" = growth(x, w)\n\
        definition 均速(x: series of 万元, w: list of year) \"mean growth\" = mean_growth(x, w)\n\
        definition 两倍n \"twice n\" = n * 2\n\
        definition 取(y: year, x: series of 万元) \"the figure of y\" = x[y]\n\
        definition 首年(w: list of year) \"the first year\" = first(w)\n\
        definition 负(x: number) \"minus x\" = -x\n\
        definition 择(x: number) \"x if above one\" = if x > 1 then x else 0\n\
        article 22 \"made ready\" {\n\
        \x20 decision fn_growth = 增速(s, 窗口) >= 10%\n\
        \x20 decision fn_growth_2y = 增速(s, years(2022, 2023)) < 10%\n\
        \x20 decision fn_mean = 均速(s, 窗口) > 12%\n\
        \x20 decision fn_scaled \"mean growth in percentage points\": number = -均速(s, 窗口) * 100\n\
        \x20 decision at_const = s[2021 + 1] + s[last(窗口)] > 200 万元\n\
        \x20 decision each_year = every y in 窗口: s[y] > 50 万元 and not (s[y] > 1000 万元)\n\
        \x20 decision pick = if n > 2 then s[2023] else s[2020]\n\
        \x20 decision share = n / m >= 0.4\n\
        \x20 decision pct \"n over m in percent\": number = n / m * 100\n\
        \x20 decision each_at = every y in 窗口: 取(y, s) > 50 万元\n\
        \x20 decision first_year = 首年(窗口) = 2021\n\
        \x20 decision neg_fold = 负(3) < 0\n\
        \x20 decision if_fold = 择(3) = 3\n\
        \x20 decision twice_n = 两倍n > 5\n\
        \x20 decision share_ratio = n / 7 < 0.43\n\
        \x20 decision share_by_zero = n / (m - m) > 1\n\
        }\n\
        article 21 \"arguments\" {\n\
        \x20 decision before \"the figure of 2023\": 万元 = 上一年(s, 2024)\n\
        \x20 decision last \"the latest figure\": 万元 = latest(s)\n\
        \x20 decision label_in = label in [\"乙\", \"丙\"]\n\
        \x20 decision label_out = label in [\"甲\"]\n\
        \x20 decision neg_ratio \"−n/7, a fraction\": number = -(n / 7)\n\
        }\n";

    /// The evaluation date of these tests.
    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
    }

    /// [`GIVEN`] with every yes/no the other way round: each branch of each condition.
    fn flipped() -> String {
        GIVEN
            .replace("true", "T")
            .replace("false", "true")
            .replace('T', "false")
    }

    /// Every fact of the engine rule set given.
    const GIVEN: &str = r#"{
      "p": true, "q": false, "r": true, "gate": true, "heavy": true, "efficient": true,
      "thirsty": false, "frugal": false,
      "s": {"2020": 80, "2021": 100, "2022": 110, "2023": 125.5, "2024": 130},
      "start": "2024-01-31", "end": "2025-03-01", "yr": 2024, "n": 3, "m": 7.5,
      "reviews": [{"applied_on": "2026-12-01", "result": "passed"},
                  {"applied_on": "2027-01-05", "result": "failed"}],
      "items": [{"tag": "a", "flag": true, "hit": true, "key": 3, "level": "mid"},
                {"tag": "b", "flag": false, "hit": true, "key": 5, "level": "high"},
                {"tag": "c", "flag": true, "hit": true, "key": 1, "level": "low"}],
      "tags": ["a", "c"], "tag": "b", "label": "乙", "cash": 12000
    }"#;

    /// The decisions of `text`'s facts by the quick evaluation and by the evaluator
    /// alone, by name.
    fn both(
        rules: &crate::RuleSet,
        text: &str,
    ) -> Vec<(String, Option<DecisionResult>, DecisionResult)> {
        let p = &rules.program;
        let Ok((facts, _)) = crate::facts::load(p, crate::facts::Format::Json, text, 0) else {
            panic!("the facts load");
        };
        let as_of = as_of();
        let plan = Plan::new(p, as_of, false);
        let quick = Fast::new(&plan, &facts, FAST_STEPS).run();
        let alone = super::super::evaluate(p, &facts, as_of, false);
        p.decisions
            .iter()
            .zip(quick.results.into_iter().zip(quick.decided))
            .zip(alone.decisions)
            .map(|((d, (q, given)), a)| (d.name.clone(), given.then_some(q), a))
            .collect()
    }

    fn same(q: &DecisionResult, a: &DecisionResult) -> bool {
        q.status == a.status
            && q.value == a.value
            && q.why == Why::default()
            && a.why == Why::default()
    }

    /// On facts all given, the quick evaluation decides every decision the evaluator
    /// decides from known values, as the evaluator does; it gives up only where the
    /// evaluator's value is not known (or is known through an unknown: `known(…)` of a
    /// value that is not).
    #[test]
    fn every_feature_is_decided_on_known_values_as_the_evaluator_decides_it() {
        let rules = engine_with(EXTRA);
        // And every yes/no fact the other way round: each branch of each condition.
        let flipped = flipped();
        // Flipped, clause 1 of article 2 does not apply (`heavy` is no), which makes it
        // unknown to `both = all(clause 1, clause 2)`; clause 2 is no (`p`), so `both` is
        // no: three values, left to the evaluator.
        // `n / (m - m)` divides by zero: undetermined, left to the evaluator either way.
        let zero = "article22.share_by_zero";
        for (facts, left) in [
            (GIVEN, vec![zero]),
            (flipped.as_str(), vec!["article2.both", zero]),
        ] {
            let mut given_up = Vec::new();
            for (name, q, a) in both(&rules, facts) {
                match q {
                    Some(q) => assert!(same(&q, &a), "{name}: {q:?} against {a:?}"),
                    None => given_up.push(name),
                }
            }
            assert_eq!(given_up, left, "{facts}");
        }
    }

    /// The plan makes the expressions of the rule set ready as the shapes they have
    /// (`super::super::code`): constants found once, a series read at a constant year,
    /// growth through a function in one node; the rest as written.
    #[test]
    fn expressions_are_made_ready_as_their_shapes_allow() {
        let rules = engine_with(EXTRA);
        let p = &rules.program;
        let plan = Plan::new(p, as_of(), false);
        let [s, n, m, yr] = ["s", "n", "m", "yr"].map(|f| p.fact_id(f).unwrap_or(usize::MAX));
        let twice = p
            .slots
            .iter()
            .position(|d| d.name == "两倍n")
            .unwrap_or(usize::MAX);
        let shape = |name: &str| {
            let id = p.decisions.iter().position(|d| d.name == name);
            match id.and_then(|id| plan.code().decisions.get(id)) {
                Some(DecisionCode::Expr(n)) => {
                    super::super::code::shape(n).replace(&format!("fact{s}"), "s")
                }
                _ => format!("{name}: no expression"),
            }
        };
        let y3 = "[2021, 2022, 2023]";
        for (name, expected) in [
            // Growth through a function: the function's body made ready for the call,
            // with the fact and the window in it (a rate is compared in percent: the
            // growth converted, the threshold 10).
            (
                "article22.fn_growth",
                format!("Ge(call(s, const) {{growth(s, {y3})}}×100; 10)"),
            ),
            (
                "article22.fn_growth_2y",
                "Lt(call(s, const) {growth(s, [2022, 2023])}×100; 10)".into(),
            ),
            (
                "article22.fn_mean",
                format!("Gt(call(s, const) {{mean_growth(s, {y3})}}×100; 12)"),
            ),
            (
                "article22.fn_scaled",
                format!("Mul(-call(s, const) {{mean_growth(s, {y3})}}; 100)"),
            ),
            (
                "article22.at_const",
                "Gt(Add(s[2022], s[2023]); 200)".into(),
            ),
            (
                "article22.each_year",
                "Every in const: And(Gt(s[at local0]; 50), not Gt(s[at local0]; 1000))".into(),
            ),
            (
                "article22.pick",
                format!("if(Gt(fact{n}; 2), s[2023], s[2020])"),
            ),
            ("article4.s2022", "s[2022]".into()),
            // A definition that reads a fact: its value once per evaluation.
            ("article22.twice_n", format!("Gt(slot{twice}; 5)")),
            // A quotient compared with a constant number: kept as a fraction.
            (
                "article22.share",
                format!("Ge(Quotient(fact{n}, fact{m}); 0.4)"),
            ),
            // An operation on a quotient: the quotient as it is, then the operation.
            ("article22.pct", format!("Mul(Div(fact{n}, fact{m}); 100)")),
            // A year that is a fact.
            ("article4.s_yr", format!("s[at fact{yr}]")),
            // `x[y - 1]` with `x` the fact `s` and `y` 2024: `s[2023]`.
            ("article21.before", "call(s, 2024) {s[2023]}".into()),
            // A constant on the left: both sides kept.
            (
                "article4.flip_le_10",
                format!("Le(10, growth(s, {y3})×100)"),
            ),
            // The fact as the second argument, in a quantifier (the call at depth 1).
            (
                "article22.each_at",
                "Every in const: Gt(call(local0, s) {s[at local1]}; 50)".into(),
            ),
            // Constants folded in a body made ready for the call.
            (
                "article22.first_year",
                "Eq(call(const) {2021}; 2021)".into(),
            ),
            ("article22.neg_fold", "Lt(call(3) {-3}; 0)".into()),
            ("article22.if_fold", "Eq(call(3) {3}; 3)".into()),
            // `known(…)`: as written.
            ("article1.known_p", "expr".into()),
        ] {
            assert_eq!(shape(name), expected, "{name}");
        }
        // With explanations, nothing is made ready: the evaluator alone evaluates.
        let explained = Plan::new(p, as_of(), true);
        assert!(explained.code().decisions.is_empty());
    }

    /// Functions that call each other twice with constant arguments, twenty deep: made
    /// ready call by call only while there is room, then once for all calls — a million
    /// calls stay a bounded number of nodes.
    #[test]
    fn bodies_made_ready_call_by_call_stay_bounded() {
        let mut extra = String::from("definition c0(x: number) \"c0\" = x + 1\n");
        for i in 1..=20 {
            extra.push_str(&format!(
                "definition c{i}(x: number) \"c{i}\" = c{j}(x) + c{j}(x + 1)\n",
                j = i - 1
            ));
        }
        extra.push_str("article 23 \"chain\" {\n  decision chain: number = c20(1)\n}\n");
        let rules = engine_with(&extra);
        let plan = Plan::new(&rules.program, as_of(), false);
        let nodes = super::super::code::size(plan.code());
        assert!(nodes < 200_000, "{nodes} nodes");
        // The first calls are made ready each with its argument: `c0(1)` is 2.
        let small = engine_with("definition c0(x: number) \"c0\" = x + 1\narticle 23 \"one\" {\n  decision one: number = c0(1) * 3\n}\n");
        let plan = Plan::new(&small.program, as_of(), false);
        let id = small
            .program
            .decisions
            .iter()
            .position(|d| d.name == "article23.one");
        match id.and_then(|id| plan.code().decisions.get(id)) {
            Some(DecisionCode::Expr(n)) => {
                assert_eq!(super::super::code::shape(n), "Mul(call(1) {2}; 3)")
            }
            _ => panic!("article23.one has no node"),
        }
    }

    /// Under every step budget, the decisions alone are the evaluator's alone, with the
    /// nodes made ready counting their steps (as many as the expressions, or more where
    /// one gives up early): the facts all given, flipped, and with gaps.
    #[test]
    fn made_ready_the_budget_stops_where_the_evaluator_stops() {
        let rules = engine_with(EXTRA);
        let p = &rules.program;
        let plan = Plan::new(p, as_of(), false);
        let flipped = flipped();
        for text in [GIVEN, flipped.as_str(), GAPS] {
            let Ok((facts, _)) = crate::facts::load(p, crate::facts::Format::Json, text, 0) else {
                panic!("the facts load");
            };
            let full = plan.evaluate(&facts).steps;
            for budget in 0..=full + 2 {
                let alone = plan.evaluate_with_budget(&facts, budget);
                let lean = plan.decisions_with_budget(&facts, budget);
                let strip = |e: &super::super::Evaluation| {
                    e.decisions
                        .iter()
                        .map(|d| (d.status, d.value.clone(), d.why.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(strip(&lean), strip(&alone), "budget {budget} on {text}");
                assert_eq!(lean.budget.is_some(), budget < full, "budget {budget}");
            }
        }
    }

    /// Facts with gaps: `p`, `start`, the items' keys and flags partly not given.
    const GAPS: &str = r#"{
      "q": false, "r": true, "gate": true, "heavy": true, "thirsty": false,
      "s": {"2021": 100, "2023": 125.5},
      "end": "2025-03-01", "yr": 2024, "n": 3, "m": 7.5,
      "reviews": [],
      "items": [{"tag": "a", "hit": true, "key": 3},
                {"tag": "b", "flag": false, "hit": false}],
      "tags": ["a"], "tag": "b", "label": "甲", "cash": 0
    }"#;

    /// With facts missing, a decision given here is the evaluator's; one the evaluator
    /// leaves undetermined is given up; and of those the evaluator decides through an
    /// unknown (three-valued logic: `false and unknown`), only these are given up.
    #[test]
    fn with_facts_missing_what_is_given_is_the_evaluators_and_the_rest_is_given_up() {
        let rules = engine();
        let mut decided = Vec::new();
        let mut left = Vec::new();
        for (name, q, a) in both(&rules, GAPS) {
            match q {
                Some(q) => {
                    assert!(same(&q, &a), "{name}: {q:?} against {a:?}");
                    decided.push((name, q.value));
                }
                None if a.status == Status::Undetermined => {}
                None => left.push(name),
            }
        }
        // `p and q` with `q` no and `p` not given is no, and so are `all(p, q)`,
        // `all(p, true, q)` and what reads `and2`; `every i in items where i.flag:
        // i.hit` is yes whether or not the item whose flag is not given counts.
        assert_eq!(
            left,
            [
                "article1.and2",
                "article1.all2",
                "article1.all3",
                "article6.every_hit",
                "article14.through_decision"
            ]
        );
        // The other 44 the evaluator decides are decided here, `known(p)` among them
        // (no, though `p` is not known: the evaluator's value of `p` is surely unknown).
        assert_eq!(decided.len(), 44, "{decided:?}");
        assert!(decided.contains(&("article1.known_p".to_string(), Some(Value::Bool(false)))));
    }

    /// `known(…)` of a fact, of a field of a record given as a fact, and of a field of
    /// a list's record: decided here as the evaluator decides it, yes or no.
    #[test]
    fn known_of_a_fact_or_a_records_field_is_decided_either_way() {
        let extra = "record Rec \"记录\" {\n  day: optional date \"日期\"\n}\n\
                     fact rec \"记录\": Rec\n\
                     article 20 \"known\" {\n\
                     \x20 decision rec_known = known(rec)\n\
                     \x20 decision day_known = known(rec.day)\n\
                     \x20 decision some_key = any i in items: known(i.key)\n\
                     \x20 decision no_key = every i in items: not known(i.key)\n\
                     \x20 decision p_or_yes = known(p or true)\n\
                     }\n";
        let rules = engine_with(extra);
        let yes = Some(Value::Bool(true));
        let no = Some(Value::Bool(false));
        // `known(p or true)` is yes, `p` given or not: with `p` not given it is left to
        // the evaluator (`None` here), for its value is known through an unknown.
        for (facts, expected) in [
            (
                r#"{"items": [{"tag": "a"}, {"tag": "b"}]}"#,
                [no.clone(), no.clone(), no.clone(), yes.clone(), None],
            ),
            (
                r#"{"rec": {}, "items": [{"tag": "a"}, {"tag": "b", "key": 2}], "p": false}"#,
                [
                    yes.clone(),
                    no.clone(),
                    yes.clone(),
                    no.clone(),
                    yes.clone(),
                ],
            ),
            (
                r#"{"rec": {"day": "2025-01-01"}, "items": [{"tag": "a", "key": 1}]}"#,
                [yes.clone(), yes.clone(), yes.clone(), no.clone(), None],
            ),
        ] {
            let got: Vec<Option<Value>> = both(&rules, facts)
                .into_iter()
                .filter(|(name, _, _)| name.starts_with("article20."))
                .map(|(name, q, a)| {
                    assert_eq!(a.status, Status::Decided, "{name} on {facts}");
                    let q = q?;
                    assert!(same(&q, &a), "{name}: {q:?} against {a:?}");
                    q.value
                })
                .collect();
            assert_eq!(got, expected, "{facts}");
        }
    }

    /// With some decisions decided here and some given up, the evaluator starts from
    /// those decided: it takes fewer steps than it takes alone, and the decisions are
    /// its own.
    #[test]
    fn the_evaluator_starts_from_the_decisions_decided_here() {
        let rules = engine();
        let p = &rules.program;
        let Ok((facts, _)) = crate::facts::load(p, crate::facts::Format::Json, GAPS, 0) else {
            panic!("the facts load");
        };
        let as_of = as_of();
        let plan = Plan::new(p, as_of, false);
        let quick = Fast::new(&plan, &facts, FAST_STEPS).run();
        assert!(!quick.all && quick.decided.iter().any(|d| *d));
        // The evaluator alone, from the same plan.
        let alone = plan.evaluate(&facts);
        let lean = plan.decisions(&facts);
        assert!(
            lean.steps < quick.steps + alone.steps,
            "{} {} {}",
            lean.steps,
            quick.steps,
            alone.steps
        );
        for (l, a) in lean.decisions.iter().zip(&alone.decisions) {
            assert_eq!((l.status, &l.value, &l.why), (a.status, &a.value, &a.why));
        }
    }

    /// A list of texts or of categories written out is looked through where it is
    /// written; any other list (a number among them, or a value of another kind) is left
    /// to the list made.
    #[test]
    fn written_texts_and_categories_are_looked_through_in_place() {
        let at = |kind: ExprKind, ty: crate::ir::Ty| Expr {
            kind,
            ty,
            span: crate::syntax::ast::Span::default(),
        };
        let text = |t: &str| at(ExprKind::Text(Arc::from(t)), crate::ir::Ty::Text);
        let cat = |v: usize| at(ExprKind::Enum(0, v), crate::ir::Ty::Enum(0));
        let texts = [text("甲"), text("乙")];
        let cats = [cat(1), cat(2)];
        let t = |s: &str| Value::Text(Arc::from(s));
        assert_eq!(written_member(&texts, &t("乙")), Some(true));
        assert_eq!(written_member(&texts, &t("丙")), Some(false));
        assert_eq!(written_member(&cats, &Value::Enum(2)), Some(true));
        assert_eq!(written_member(&cats, &Value::Enum(0)), Some(false));
        assert_eq!(written_member(&[], &Value::Enum(0)), Some(false));
        assert_eq!(written_member(&cats, &t("乙")), None);
        assert_eq!(written_member(&texts, &Value::None), None);
        let num = at(ExprKind::Num(Decimal::ONE), crate::ir::Ty::Num(0));
        assert_eq!(written_member(&[num], &Value::Num(Decimal::ONE)), None);
    }
}
