//! What an evaluation date fixes before any facts are read.
//!
//! A parameter (`产值下限 = 30 亿元`) or a definition that uses no fact and no decision
//! (`近三年 = years(year(评价日) - 3, year(评价日) - 1)`) has the same value, and makes
//! the same comparisons, for every cluster evaluated on one date. A [`Plan`] evaluates
//! them once; each evaluation made with it starts from those values instead of
//! computing them again. Nothing else changes: a value taken from the plan is used,
//! and its comparisons are shown, exactly where the definition's own first evaluation
//! would have been. Only [`Evaluation::steps`] is smaller, by the steps the plan took.

use super::code::Code;
use super::{Check, Evaluation, Evaluator, Facts, V};
use crate::ir::{Expr, ExprKind, Program, SlotId};
use chrono::NaiveDate;
use std::sync::Arc;

/// The values of the fact-free definitions and parameters of a program on one
/// evaluation date, with or without explanations. Build it once for a batch.
#[derive(Clone)]
pub struct Plan<'p> {
    program: &'p Program,
    as_of: NaiveDate,
    explain: bool,
    /// By slot: its value and (when explaining) its comparisons; `None` for a slot that
    /// uses facts or decisions, which each evaluation computes for itself.
    pub(super) slots: Vec<Option<(V, Vec<Check>)>>,
    /// By fact: its value when it is not given (unknown, missing that fact), made once.
    absent: Vec<V>,
    /// The program made ready for the quick evaluation on this date (without
    /// explanations only; empty otherwise).
    code: Arc<Code<'p>>,
}

impl<'p> Plan<'p> {
    /// Evaluate the fact-free slots of `program` as of `as_of`.
    pub fn new(program: &'p Program, as_of: NaiveDate, explain: bool) -> Plan<'p> {
        let free = fact_free(program);
        let none = Facts::default();
        let mut ev = Evaluator::new(program, &none, as_of, explain);
        for (id, _) in free.iter().enumerate().filter(|(_, f)| **f) {
            ev.slot(id);
        }
        // A rule set whose constants alone exhaust the step budget: keep nothing, so
        // that each evaluation runs (and stops) as it would without a plan.
        let slots = if ev.budget.is_some() {
            vec![None; program.slots.len()]
        } else {
            ev.slots
                .into_iter()
                .zip(&free)
                .map(|(s, f)| s.filter(|_| *f))
                .collect()
        };
        let mut plan = Plan {
            program,
            as_of,
            explain,
            slots,
            absent: (0..program.facts.len())
                .map(|id| super::absent(program, id))
                .collect(),
            code: Arc::new(Code::default()),
        };
        if !explain {
            plan.code = Arc::new(super::code::compile(&plan));
        }
        plan
    }

    pub(super) fn code(&self) -> &Code<'p> {
        &self.code
    }

    pub fn program(&self) -> &'p Program {
        self.program
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Every decision of the program on `facts`: the same as
    /// [`super::evaluate`]`(program, facts, as_of, explain)`.
    pub fn evaluate(&self, facts: &Facts) -> Evaluation {
        self.evaluate_with_budget(facts, super::MAX_STEPS)
    }

    /// [`Plan::evaluate`] with a step budget other than [`super::MAX_STEPS`].
    pub fn evaluate_with_budget(&self, facts: &Facts, max_steps: u64) -> Evaluation {
        let mut ev = Evaluator::new(self.program, facts, self.as_of, self.explain);
        ev.fixed = &self.slots;
        ev.absent = &self.absent;
        ev.max_steps = max_steps;
        ev.run()
    }

    /// The decisions alone: [`Plan::evaluate`] without the results of a clause's rules
    /// ([`DecisionResult::rules`](super::DecisionResult::rules) is empty), for a caller
    /// that reads each decision's status, value and reasons only (the lines of a batch).
    /// Every decision is the same as [`Plan::evaluate`]'s; [`Evaluation::steps`] may differ.
    ///
    /// Without explanations, the decisions that known values decide are decided first
    /// on those values alone (`src/eval/fast.rs`), and the evaluator evaluates the rest.
    pub fn decisions(&self, facts: &Facts) -> Evaluation {
        self.decisions_with_budget(facts, super::MAX_STEPS)
    }

    /// [`Plan::decisions`] with a step budget other than [`super::MAX_STEPS`].
    pub fn decisions_with_budget(&self, facts: &Facts, max_steps: u64) -> Evaluation {
        if self.explain {
            return self.evaluator_decisions(facts, max_steps, None);
        }
        let quick =
            super::fast::Fast::new(self, facts, max_steps.min(super::fast::FAST_STEPS)).run();
        if quick.all {
            return Evaluation {
                as_of: self.as_of,
                decisions: quick.results,
                budget: None,
                steps: quick.steps,
            };
        }
        let ev = self.evaluator_decisions(facts, max_steps, Some(quick));
        if ev.budget.is_some() {
            // Out of what was left of the budget: made again by the evaluator alone, so
            // that what the budget stops is what it stops without the quick evaluation.
            return self.evaluator_decisions(facts, max_steps, None);
        }
        ev
    }

    /// The decisions by the evaluator, from those the quick evaluation decided (in the
    /// steps it took of `max_steps`).
    fn evaluator_decisions(
        &self,
        facts: &Facts,
        max_steps: u64,
        quick: Option<super::fast::Decided>,
    ) -> Evaluation {
        let spent = quick.as_ref().map_or(0, |q| q.steps);
        let mut ev = match quick {
            Some(q) => Evaluator::seeded(
                self.program,
                facts,
                self.as_of,
                self.explain,
                Some((q.results, &q.decided)),
            ),
            None => Evaluator::new(self.program, facts, self.as_of, self.explain),
        };
        ev.fixed = &self.slots;
        ev.absent = &self.absent;
        ev.keep_rules = false;
        ev.max_steps = max_steps.saturating_sub(spent);
        let mut e = ev.run();
        e.steps += spent;
        e
    }

    /// How many slots the plan holds a value for.
    pub fn fixed(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

/// By slot: whether its value depends on no fact and no decision, through the
/// definitions and functions it uses. A slot on a cycle (which the checker refuses)
/// counts as depending on facts.
pub fn fact_free(program: &Program) -> Vec<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unseen,
        Visiting,
        Done(bool),
    }
    /// What is known so far: the slots by id, the function bodies by address (a body is
    /// shared by all the calls of its function, and looked at once in all).
    struct Walk<'p> {
        p: &'p Program,
        slots: Vec<Mark>,
        bodies: std::collections::HashMap<usize, bool>,
    }
    impl Walk<'_> {
        fn slot(&mut self, id: SlotId) -> bool {
            match self.slots.get(id).copied() {
                Some(Mark::Done(b)) => return b,
                Some(Mark::Visiting) | None => return false,
                Some(Mark::Unseen) => {}
            }
            if let Some(m) = self.slots.get_mut(id) {
                *m = Mark::Visiting;
            }
            let p = self.p;
            let free = p.slots.get(id).is_some_and(|s| self.expr(&s.body));
            if let Some(m) = self.slots.get_mut(id) {
                *m = Mark::Done(free);
            }
            free
        }
        fn expr(&mut self, e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Fact(_) | ExprKind::Decision(_) => return false,
                ExprKind::Slot(id) => return self.slot(*id),
                ExprKind::Inline { args, body, .. } => {
                    if !args.iter().all(|a| self.expr(a)) {
                        return false;
                    }
                    let key = std::sync::Arc::as_ptr(body) as usize;
                    if let Some(free) = self.bodies.get(&key) {
                        return *free;
                    }
                    // A body that calls itself (which the checker refuses) adds nothing.
                    self.bodies.insert(key, true);
                    let free = self.expr(body);
                    self.bodies.insert(key, free);
                    return free;
                }
                _ => {}
            }
            let mut free = true;
            e.each_child(&mut |c| {
                if free {
                    free = self.expr(c);
                }
            });
            free
        }
    }
    let mut walk = Walk {
        p: program,
        slots: vec![Mark::Unseen; program.slots.len()],
        bodies: std::collections::HashMap::new(),
    };
    (0..program.slots.len()).map(|id| walk.slot(id)).collect()
}
