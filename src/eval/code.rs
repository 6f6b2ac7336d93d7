//! The program made ready for the quick evaluation on one date.
//!
//! The quick evaluation ([`super::fast`]) walks a decision's expression for every
//! cluster. Much of what it meets is the same for every cluster of one evaluation date:
//! a parameter, the window `近三年`, its last year, the date three years before the
//! evaluation date. [`compile`] walks each expression once, when a
//! [`Plan`](super::Plan) is made, and keeps a [`Node`] tree beside it in which:
//!
//! - an expression that reads no fact, decision or variable, and whose value the quick
//!   evaluation knows on that date, is that value ([`Node::Const`]), with the steps its
//!   evaluation takes (it is evaluated once, here, by the quick evaluation itself);
//! - a series given as a fact, read at a year that is such a constant
//!   (`output_value[最近完整年度]`), is read at that year directly ([`Node::SeriesAt`]);
//! - a call of a function whose body is `growth(s, w)` or `mean_growth(s, w)`, with a
//!   series given as a fact and a constant window (`年均增速(output_value, 近三年)`),
//!   computes the growth from the window's years, found once ([`Node::Growth`]);
//! - the rest keeps its shape (a comparison, `and`, `if`, a quantifier, a call), its
//!   parts made ready in the same way; what has no [`Node`] of its own is evaluated
//!   as it is written ([`Node::Expr`]).
//!
//! Nothing is decided differently: a node gives the value the quick evaluation gives for
//! its expression, by the same operations, and gives up where it gives up. Steps are
//! counted as the quick evaluation counts them — or more, where a node gives up earlier
//! than the expression would have (a fact not given): counting more only leaves the
//! evaluator less of the budget, and an evaluator that runs out starts again alone (see
//! `super::fast`).
//!
//! Work and size are linear in the program: one node per expression, a function's body
//! made ready once for all its calls, and a constant looked for only in a small
//! expression ([`CONST_SIZE`] parts at most).

use super::fast::{Fast, FAST_STEPS};
use super::{to_i32, window_years, Facts, Plan, Value, V};
use crate::ir::{Builtin, DecisionKind, Expr, ExprKind, FactId, RuleDef, SlotId};
use crate::syntax::ast::{BinOp, Quant};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// The most parts of an expression looked at for a constant: the constants of a rule
/// set are small (`评价日 - 3 years`, `last(近三年)`), and the look stays linear.
const CONST_SIZE: usize = 64;

/// An expression made ready for the quick evaluation (see the module's documentation).
pub(super) enum Node<'p> {
    /// Evaluated as it is written.
    Expr(&'p Expr),
    /// The same value for every cluster, found in `steps` steps.
    Const {
        value: Value,
        steps: u64,
    },
    /// The series given as the fact `fact`, at the year `year` (a constant), in `steps`
    /// steps.
    SeriesAt {
        fact: FactId,
        year: i32,
        steps: u64,
    },
    /// `growth` (`mean`: `mean_growth`) of the series given as the fact `fact` over the
    /// window `years` (a constant), in `steps` steps.
    Growth {
        fact: FactId,
        years: smallvec::SmallVec<[i32; 8]>,
        mean: bool,
        steps: u64,
    },
    /// A definition that uses facts or decisions: its value, once per evaluation.
    Slot(SlotId),
    Not(Box<Node<'p>>),
    Neg(Box<Node<'p>>),
    /// A number converted between units by a factor.
    Convert(Box<Node<'p>>, Decimal),
    /// `op` (not `in`) on two sides.
    Binary(BinOp, Box<[Node<'p>; 2]>),
    If(Box<[Node<'p>; 3]>),
    /// A call of a built-in function (not `known`).
    Call(&'p Builtin, Vec<Node<'p>>),
    /// A call of a function of the rule set: its arguments pushed at `depth`, then its
    /// body (shared by the calls of one body).
    Inline {
        args: Vec<Node<'p>>,
        body: Arc<Node<'p>>,
        depth: usize,
    },
    Quantifier {
        kind: Quant,
        over: Box<Node<'p>>,
        filter: Option<Box<Node<'p>>>,
        body: Box<Node<'p>>,
        depth: usize,
    },
}

/// The nodes of a program: by decision, by slot, by article.
#[derive(Default)]
pub(super) struct Code<'p> {
    /// By decision: an expression decision's node, or a clause's condition and rules.
    pub decisions: Vec<DecisionCode<'p>>,
    /// By slot: the node of the body of a slot the plan holds no value for.
    pub slots: Vec<Option<Node<'p>>>,
    /// By article: the node of its condition.
    pub articles: Vec<Option<Node<'p>>>,
}

pub(super) enum DecisionCode<'p> {
    Expr(Node<'p>),
    Clause {
        applies: Option<Node<'p>>,
        /// Each rule with the nodes of its condition and its test.
        rules: Vec<(&'p RuleDef, Option<Node<'p>>, Node<'p>)>,
    },
    /// A decision whose article or clause is not found (never, in a checked program):
    /// given up.
    Missing,
}

/// Make `plan`'s program ready for the quick evaluation on `plan`'s date.
pub(super) fn compile<'p>(plan: &Plan<'p>) -> Code<'p> {
    let p = plan.program();
    let none = Facts::default();
    let mut c = Compiler {
        plan,
        facts: &none,
        bodies: HashMap::new(),
    };
    let decisions = p
        .decisions
        .iter()
        .map(|d| {
            let Some(article) = p.articles.get(d.article) else {
                return DecisionCode::Missing;
            };
            match &d.kind {
                DecisionKind::Expr(e) => DecisionCode::Expr(c.expr(e)),
                DecisionKind::Clause(ci) => match article.clauses.get(*ci) {
                    Some(clause) => DecisionCode::Clause {
                        applies: clause.applies.as_ref().map(|e| c.expr(e)),
                        rules: clause
                            .rules
                            .iter()
                            .map(|r| (r, r.when.as_ref().map(|e| c.expr(e)), c.expr(&r.body)))
                            .collect(),
                    },
                    None => DecisionCode::Missing,
                },
            }
        })
        .collect();
    let slots = p
        .slots
        .iter()
        .enumerate()
        .map(|(id, s)| match plan.slots.get(id) {
            Some(Some(_)) => None,
            _ => Some(c.expr(&s.body)),
        })
        .collect();
    let articles = p
        .articles
        .iter()
        .map(|a| a.applies.as_ref().map(|e| c.expr(e)))
        .collect();
    Code {
        decisions,
        slots,
        articles,
    }
}

struct Compiler<'c, 'p> {
    plan: &'c Plan<'p>,
    /// No facts: what a constant is evaluated on.
    facts: &'c Facts,
    /// The body of each function called, by address, made ready once.
    bodies: HashMap<*const Expr, Arc<Node<'p>>>,
}

impl<'p> Compiler<'_, 'p> {
    fn expr(&mut self, e: &'p Expr) -> Node<'p> {
        if let Some(c) = self.constant(e) {
            return c;
        }
        match &e.kind {
            ExprKind::Index(s, y) => {
                if let (
                    ExprKind::Fact(fact),
                    Some(Node::Const {
                        value: Value::Num(n),
                        steps,
                    }),
                ) = (&s.kind, self.constant(y))
                {
                    if let Some(year) = to_i32(&n) {
                        // The index, the series read in place, then the year.
                        return Node::SeriesAt {
                            fact: *fact,
                            year,
                            steps: 2 + steps,
                        };
                    }
                }
                Node::Expr(e)
            }
            ExprKind::Binary(op, l, r) if *op != BinOp::In => {
                Node::Binary(*op, Box::new([self.expr(l), self.expr(r)]))
            }
            ExprKind::Not(x) => Node::Not(Box::new(self.expr(x))),
            ExprKind::Neg(x) => Node::Neg(Box::new(self.expr(x))),
            ExprKind::Convert(x, f) => Node::Convert(Box::new(self.expr(x)), *f),
            ExprKind::If(c, t, f) => Node::If(Box::new([self.expr(c), self.expr(t), self.expr(f)])),
            ExprKind::Slot(id) => match self.plan.slots.get(*id) {
                // A slot the plan holds: a constant (above) or unknown, given up as written.
                Some(Some(_)) => Node::Expr(e),
                _ => Node::Slot(*id),
            },
            ExprKind::Call(b, args) if !matches!(b, Builtin::Known) => {
                Node::Call(b, args.iter().map(|a| self.expr(a)).collect())
            }
            ExprKind::Inline {
                args, body, depth, ..
            } => {
                if let Some(g) = self.growth(args, body, *depth) {
                    return g;
                }
                let args = args.iter().map(|a| self.expr(a)).collect();
                let key = Arc::as_ptr(body);
                let body = match self.bodies.get(&key) {
                    Some(b) => Arc::clone(b),
                    None => {
                        let b = Arc::new(self.expr(body));
                        self.bodies.insert(key, Arc::clone(&b));
                        b
                    }
                };
                Node::Inline {
                    args,
                    body,
                    depth: *depth,
                }
            }
            ExprKind::Quantifier {
                kind,
                over,
                filter,
                body,
                depth,
                ..
            } => Node::Quantifier {
                kind: *kind,
                over: Box::new(self.expr(over)),
                filter: filter.as_deref().map(|f| Box::new(self.expr(f))),
                body: Box::new(self.expr(body)),
                depth: *depth,
            },
            _ => Node::Expr(e),
        }
    }

    /// `e` as a constant: when it reads no fact, decision or variable, calls no function
    /// of the rule set, goes over no list, and the quick evaluation knows its value.
    fn constant(&self, e: &Expr) -> Option<Node<'p>> {
        let mut size = 0;
        if !self.fixed(e, &mut size) {
            return None;
        }
        let mut fast = Fast::new(self.plan, self.facts, FAST_STEPS);
        let value = fast.val(e)?;
        Some(Node::Const {
            value,
            steps: fast.steps(),
        })
    }

    /// Whether `e` is the same for every cluster of the plan's date (and is small).
    fn fixed(&self, e: &Expr, size: &mut usize) -> bool {
        *size += 1;
        if *size > CONST_SIZE {
            return false;
        }
        let own = match &e.kind {
            ExprKind::Fact(_)
            | ExprKind::Decision(_)
            | ExprKind::Local(_)
            | ExprKind::Inline { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Count { .. }
            | ExprKind::Aggregate { .. }
            | ExprKind::Pick { .. } => false,
            ExprKind::Call(b, _) => !matches!(b, Builtin::Known),
            ExprKind::Slot(id) => matches!(self.plan.slots.get(*id), Some(Some((V::Known(_), _)))),
            _ => true,
        };
        if !own {
            return false;
        }
        let mut all = true;
        e.each_child(&mut |c| all = all && self.fixed(c, size));
        all
    }

    /// A call at the top (`depth` 0) of a function whose body is `growth(a, b)` or
    /// `mean_growth(a, b)` of its two arguments, the first a fact, the second a
    /// constant list: [`Node::Growth`].
    fn growth(&self, args: &'p [Expr], body: &Expr, depth: usize) -> Option<Node<'p>> {
        let ExprKind::Call(b @ (Builtin::Growth | Builtin::MeanGrowth), params) = &body.kind else {
            return None;
        };
        let ([series, window], [first, second]) = (args, params.as_slice()) else {
            return None;
        };
        if depth != 0
            || !matches!(first.kind, ExprKind::Local(0))
            || !matches!(second.kind, ExprKind::Local(1))
        {
            return None;
        }
        let ExprKind::Fact(fact) = series.kind else {
            return None;
        };
        let Some(Node::Const {
            value: Value::List(list),
            steps,
        }) = self.constant(window)
        else {
            return None;
        };
        Some(Node::Growth {
            fact,
            years: window_years(&list),
            mean: matches!(b, Builtin::MeanGrowth),
            // The call, the fact, the window; the body's call and its two variables.
            steps: 1 + 1 + steps + 3,
        })
    }
}

/// A node's shape, for tests: `>=(growth[2021, 2022, 2023], 0.1)`.
#[cfg(test)]
pub(super) fn shape(n: &Node<'_>) -> String {
    let list = |ns: &[Node<'_>]| ns.iter().map(shape).collect::<Vec<_>>().join(", ");
    match n {
        Node::Expr(_) => "expr".into(),
        Node::Const {
            value: Value::Num(d),
            ..
        } => d.to_string(),
        Node::Const { .. } => "const".into(),
        Node::SeriesAt { fact, year, .. } => format!("fact{fact}[{year}]"),
        Node::Growth {
            fact, years, mean, ..
        } => format!(
            "{}(fact{fact}, {years:?})",
            if *mean { "mean_growth" } else { "growth" }
        ),
        Node::Slot(id) => format!("slot{id}"),
        Node::Not(x) => format!("not {}", shape(x)),
        Node::Neg(x) => format!("-{}", shape(x)),
        Node::Convert(x, f) => format!("{}×{f}", shape(x)),
        Node::Binary(op, sides) => format!("{op:?}({})", list(&**sides)),
        Node::If(parts) => format!("if({})", list(&**parts)),
        Node::Call(b, args) => format!("{b:?}({})", list(args)),
        Node::Inline { args, body, .. } => format!("call({}) {{{}}}", list(args), shape(body)),
        Node::Quantifier {
            kind,
            over,
            filter,
            body,
            ..
        } => format!(
            "{kind:?} in {}{}: {}",
            shape(over),
            filter
                .as_deref()
                .map(|f| format!(" where {}", shape(f)))
                .unwrap_or_default(),
            shape(body)
        ),
    }
}
