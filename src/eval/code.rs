//! The program made ready for the quick evaluation on one date.
//!
//! The quick evaluation ([`super::fast`]) walks a decision's expression for every
//! cluster. Much of what it meets is the same for every cluster of one evaluation date:
//! a parameter, the window `近三年`, its last year, the date three years before the
//! evaluation date. [`compile`] walks each expression once, when a
//! [`Plan`] is made, and keeps a [`Node`] tree beside it in which:
//!
//! - an expression that reads no fact, decision or variable, and whose value the quick
//!   evaluation knows on that date, is that value ([`Node::Const`]), with the steps its
//!   evaluation takes (it is evaluated once, here, by the quick evaluation itself); so is
//!   an operation whose parts all became constants (folded upwards);
//! - a series given as a fact, read at a year that is such a constant
//!   (`output_value[最近完整年度]`), is read at that year directly ([`Node::SeriesAt`]);
//! - a comparison or an operation with a constant on the right holds the constant
//!   ([`Node::BinaryConst`]); a quotient compared with a constant number is kept as a
//!   fraction ([`Node::QuotientConst`]);
//! - a call of a function whose arguments are constants or facts has the function's
//!   body made ready for that call, with those arguments in it: `年均增速(output_value,
//!   近三年)` becomes `growth(output_value, [2022, 2023, 2024])`, computed from the
//!   window's years, found once ([`Node::Growth`]); a body that then reads no variable
//!   has none pushed ([`Node::Inline`]);
//! - the rest keeps its shape (a comparison, `and`, `if`, a quantifier, a call), its
//!   parts made ready in the same way; what has no [`Node`] of its own (`known(…)`,
//!   `count`, a record's field) is evaluated as it is written ([`Node::Expr`]).
//!
//! Nothing is decided differently: a node gives the value the quick evaluation gives for
//! its expression, by the same operations, and gives up where it gives up. Steps are
//! counted as the quick evaluation counts them — or more, where a node gives up earlier
//! than the expression would have (a fact not given): counting more only leaves the
//! evaluator less of the budget, and an evaluator that runs out starts again alone (see
//! `super::fast`).
//!
//! Work and size stay bounded: one node per expression; a function's body made ready for
//! one call only while fewer than [`CALL_NODES`] nodes have been made so, then once for
//! all its calls; a constant looked for only in a small expression ([`CONST_SIZE`] parts
//! at most).

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
    /// A fact as given, in one step.
    Fact(FactId),
    /// A variable (an argument of a function, an element of a list), in one step.
    Local(usize),
    /// The series given as the fact, at a year.
    Index(FactId, Box<Node<'p>>),
    /// A definition that uses facts or decisions: its value, once per evaluation.
    Slot(SlotId),
    Not(Box<Node<'p>>),
    Neg(Box<Node<'p>>),
    /// A number converted between units by a factor.
    Convert(Box<Node<'p>>, Decimal),
    /// `op` (not `in`) on two sides.
    Binary(BinOp, Box<[Node<'p>; 2]>),
    /// `op` (an arithmetic operation or a comparison) with a constant on the right,
    /// found in `steps` steps: `x >= 30 亿元`, `y - 1`.
    BinaryConst(BinOp, Box<Node<'p>>, Value, u64),
    /// A quotient compared with a constant number (`a / b >= 50%`): the quotient kept
    /// as a fraction, as `op` orders it.
    QuotientConst(BinOp, Box<[Node<'p>; 2]>, Value, u64),
    If(Box<[Node<'p>; 3]>),
    /// A call of a built-in function (not `known`).
    Call(&'p Builtin, Vec<Node<'p>>),
    /// A call of a function of the rule set: its arguments pushed at `depth` (`push`:
    /// only evaluated, when the body reads no variable), then its body.
    Inline {
        args: Vec<Node<'p>>,
        body: Arc<Node<'p>>,
        depth: usize,
        push: bool,
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
        binds: Vec::new(),
        room: CALL_NODES,
        in_call: 0,
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
    /// The body of each function called, by address, made ready once (for the calls
    /// whose arguments are made ready with it).
    bodies: HashMap<*const Expr, Arc<Node<'p>>>,
    /// In the body of a function made ready for one call: its arguments known where the
    /// call is made ready (a constant, a fact), by variable.
    binds: Vec<(usize, Bind)>,
    /// Nodes left for bodies made ready for one call ([`CALL_NODES`] in all).
    room: usize,
    /// How many bodies made ready for one call are being made.
    in_call: usize,
}

/// An argument of a call known where the call is made ready.
#[derive(Clone)]
enum Bind {
    /// A constant: its variable is this value, read in one step (as a variable is).
    Const(Value),
    /// A fact: its variable is the fact's value (the call has read it).
    Fact(FactId),
}

/// The most nodes made for the bodies of functions made ready call by call: past
/// these, a body is made ready once for all its calls (a rule set whose functions call
/// each other stays linear).
const CALL_NODES: usize = 50_000;

impl<'p> Compiler<'_, 'p> {
    fn expr(&mut self, e: &'p Expr) -> Node<'p> {
        if let Some(c) = self.constant(e) {
            return c;
        }
        if self.in_call > 0 {
            self.room = self.room.saturating_sub(1);
        }
        let node = match &e.kind {
            ExprKind::Fact(id) => Node::Fact(*id),
            ExprKind::Local(i) => match self.binds.iter().find(|(l, _)| l == i) {
                Some((_, Bind::Const(v))) => Node::Const {
                    value: v.clone(),
                    steps: 1,
                },
                Some((_, Bind::Fact(id))) => Node::Fact(*id),
                None => Node::Local(*i),
            },
            ExprKind::Index(s, y) => {
                let year = self.expr(y);
                match (self.expr(s), year) {
                    (
                        Node::Fact(fact),
                        Node::Const {
                            value: Value::Num(n),
                            steps,
                        },
                    ) => match to_i32(&n) {
                        // The index, the series read in place, then the year.
                        Some(year) => Node::SeriesAt {
                            fact,
                            year,
                            steps: 2 + steps,
                        },
                        None => Node::Expr(e),
                    },
                    (Node::Fact(fact), year) => Node::Index(fact, Box::new(year)),
                    _ => Node::Expr(e),
                }
            }
            ExprKind::Binary(op, l, r) if *op != BinOp::In => {
                let (l, r) = (self.expr(l), self.expr(r));
                match r {
                    Node::Const { value, steps }
                        if !matches!(op, BinOp::And | BinOp::Or) && !is_const(&l) =>
                    {
                        let compares =
                            !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div);
                        match l {
                            Node::Binary(BinOp::Div, sides)
                                if compares && matches!(value, Value::Num(_) | Value::Ratio(_)) =>
                            {
                                Node::QuotientConst(*op, sides, value, steps)
                            }
                            l => Node::BinaryConst(*op, Box::new(l), value, steps),
                        }
                    }
                    r => Node::Binary(*op, Box::new([l, r])),
                }
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
                let args: Vec<Node<'p>> = args.iter().map(|a| self.expr(a)).collect();
                match growth(b, &args) {
                    Some(g) => g,
                    None => Node::Call(b, args),
                }
            }
            ExprKind::Inline {
                args, body, depth, ..
            } => self.inline(args, body, *depth),
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
        };
        self.fold(node)
    }

    /// A call of a function of the rule set. When an argument is a constant or a fact,
    /// the body is made ready for this call, with that argument in it (while there is
    /// room); otherwise once for all calls.
    fn inline(&mut self, args: &'p [Expr], body: &'p Arc<Expr>, depth: usize) -> Node<'p> {
        let args: Vec<Node<'p>> = args.iter().map(|a| self.expr(a)).collect();
        let binds: Vec<(usize, Bind)> = args
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a {
                Node::Const { value, .. } => Some((depth + i, Bind::Const(value.clone()))),
                Node::Fact(id) => Some((depth + i, Bind::Fact(*id))),
                _ => None,
            })
            .collect();
        let body = if !binds.is_empty() && self.room > 0 {
            // The body sees its arguments only (and its own variables).
            let outer = std::mem::replace(&mut self.binds, binds);
            self.in_call += 1;
            let b = self.expr(body);
            self.in_call -= 1;
            self.binds = outer;
            Arc::new(b)
        } else {
            let key = Arc::as_ptr(body);
            match self.bodies.get(&key) {
                Some(b) => Arc::clone(b),
                None => {
                    let outer = std::mem::take(&mut self.binds);
                    let b = Arc::new(self.expr(body));
                    self.binds = outer;
                    self.bodies.insert(key, Arc::clone(&b));
                    b
                }
            }
        };
        let push = reads_variables(&body);
        Node::Inline {
            args,
            body,
            depth,
            push,
        }
    }

    /// `node` as a constant when its parts are constants (and the quick evaluation
    /// knows its value): evaluated once, here, with the steps it takes.
    fn fold(&self, node: Node<'p>) -> Node<'p> {
        let parts_fixed = match &node {
            Node::Not(x) | Node::Neg(x) | Node::Convert(x, _) => is_const(x),
            Node::Binary(_, sides) => sides.iter().all(is_const),
            Node::If(parts) => parts.iter().all(is_const),
            Node::Call(_, args) => args.iter().all(is_const),
            _ => false,
        };
        if !parts_fixed {
            return node;
        }
        let mut fast = Fast::new(self.plan, self.facts, FAST_STEPS);
        match fast.node(&node) {
            Some(value) => Node::Const {
                value,
                steps: fast.steps(),
            },
            None => node,
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
}

fn is_const(n: &Node<'_>) -> bool {
    matches!(n, Node::Const { .. })
}

/// `growth(a, b)` or `mean_growth(a, b)` of a series given as a fact and a constant
/// list of years: [`Node::Growth`], in the steps of the call, the fact and the list.
fn growth<'p>(b: &Builtin, args: &[Node<'p>]) -> Option<Node<'p>> {
    let mean = match b {
        Builtin::Growth => false,
        Builtin::MeanGrowth => true,
        _ => return None,
    };
    let [Node::Fact(fact), Node::Const {
        value: Value::List(list),
        steps,
    }] = args
    else {
        return None;
    };
    Some(Node::Growth {
        fact: *fact,
        years: window_years(list),
        mean,
        steps: 2 + steps,
    })
}

/// Whether a function's body (made ready) may read the variables its call pushes:
/// its arguments, or its own variables (a quantifier's, which stand after them). An
/// expression evaluated as written may read any.
fn reads_variables(n: &Node<'_>) -> bool {
    match n {
        Node::Expr(_) | Node::Local(_) | Node::Quantifier { .. } | Node::Inline { .. } => true,
        Node::Const { .. }
        | Node::Fact(_)
        | Node::SeriesAt { .. }
        | Node::Growth { .. }
        | Node::Slot(_) => false,
        Node::Index(_, x)
        | Node::Not(x)
        | Node::Neg(x)
        | Node::Convert(x, _)
        | Node::BinaryConst(_, x, _, _) => reads_variables(x),
        Node::Binary(_, sides) | Node::QuotientConst(_, sides, _, _) => {
            sides.iter().any(reads_variables)
        }
        Node::If(parts) => parts.iter().any(reads_variables),
        Node::Call(_, args) => args.iter().any(reads_variables),
    }
}

/// A node's shape, for tests: `Ge(call(s, const) {growth(s, [2022, 2023, 2024])}×100; 10)`
/// (`;` before a constant the node holds, `s[at y]` a series read at a year found then).
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
        Node::Fact(id) => format!("fact{id}"),
        Node::Local(i) => format!("local{i}"),
        Node::Index(fact, year) => format!("fact{fact}[at {}]", shape(year)),
        Node::Not(x) => format!("not {}", shape(x)),
        Node::Neg(x) => format!("-{}", shape(x)),
        Node::Convert(x, f) => format!("{}×{f}", shape(x)),
        Node::Binary(op, sides) => format!("{op:?}({})", list(&**sides)),
        Node::QuotientConst(op, sides, value, steps) => format!(
            "{op:?}(Quotient({}); {})",
            list(&**sides),
            shape(&Node::Const {
                value: value.clone(),
                steps: *steps
            })
        ),
        Node::BinaryConst(op, l, value, steps) => format!(
            "{op:?}({}; {})",
            shape(l),
            shape(&Node::Const {
                value: value.clone(),
                steps: *steps
            })
        ),
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

/// How many nodes `code` holds, a body shared by several calls counted once (for tests).
#[cfg(test)]
pub(super) fn size(code: &Code<'_>) -> usize {
    fn walk(n: &Node<'_>, seen: &mut std::collections::HashSet<*const Node<'static>>) -> usize {
        let kids = |ns: &[Node<'_>], seen: &mut _| ns.iter().map(|x| walk(x, seen)).sum::<usize>();
        1 + match n {
            Node::Expr(_)
            | Node::Const { .. }
            | Node::SeriesAt { .. }
            | Node::Growth { .. }
            | Node::Fact(_)
            | Node::Local(_)
            | Node::Slot(_) => 0,
            Node::Index(_, x)
            | Node::Not(x)
            | Node::Neg(x)
            | Node::Convert(x, _)
            | Node::BinaryConst(_, x, _, _) => walk(x, seen),
            Node::Binary(_, sides) | Node::QuotientConst(_, sides, _, _) => kids(&**sides, seen),
            Node::If(parts) => kids(&**parts, seen),
            Node::Call(_, args) => kids(args, seen),
            Node::Inline { args, body, .. } => {
                let key = Arc::as_ptr(body).cast::<Node<'static>>();
                kids(args, seen)
                    + if seen.insert(key) {
                        walk(body, seen)
                    } else {
                        0
                    }
            }
            Node::Quantifier {
                over, filter, body, ..
            } => {
                walk(over, seen) + filter.as_deref().map_or(0, |f| walk(f, seen)) + walk(body, seen)
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for d in &code.decisions {
        total += match d {
            DecisionCode::Expr(n) => walk(n, &mut seen),
            DecisionCode::Clause { applies, rules } => {
                applies.as_ref().map_or(0, |a| walk(a, &mut seen))
                    + rules
                        .iter()
                        .map(|(_, w, b)| {
                            w.as_ref().map_or(0, |w| walk(w, &mut seen)) + walk(b, &mut seen)
                        })
                        .sum::<usize>()
            }
            DecisionCode::Missing => 0,
        };
    }
    for n in code.slots.iter().chain(&code.articles).flatten() {
        total += walk(n, &mut seen);
    }
    total
}
