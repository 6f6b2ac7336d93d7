//! `count`, `sum`, `mean`, `min` and `max` with three values: the result when every
//! element is known, otherwise what the known part says about it ([`Bounds`]).
//!
//! Each element either surely passes the filter ("definite") or may pass it ("maybe",
//! its filter unknown); its value is known or not. An unknown value may be anything,
//! or anything from 0 up for counts (`nonneg`). The bounds are those of every way the
//! unknowns could turn out, so a comparison they decide is decided whatever the missing
//! facts say.

use super::exact::Frac;
use super::value::{Bounds, Value, Why, V};
use crate::syntax::ast::Agg;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// One element of an aggregate.
pub(super) struct Elem {
    /// It surely passes the filter (else it may or may not).
    pub definite: bool,
    /// Its value, when known.
    pub value: Option<Value>,
}

/// The range of one element's value: `None` where unbounded.
type Range = (Option<Frac>, Option<Frac>);

fn range(e: &Elem, nonneg: bool) -> Range {
    match e.value.as_ref().and_then(Value::as_frac) {
        Some(f) => (Some(f), Some(f)),
        None if nonneg => (Some(Frac::whole(Decimal::ZERO)), None),
        None => (None, None),
    }
}

const OVERFLOW: &str =
    "the result cannot be held as an exact decimal (too large or too many decimal places)";

/// The aggregate `kind` (`None`: count) of `elems`. `why` holds the reasons of every
/// unknown filter and value met.
pub(super) fn combine(kind: Option<Agg>, elems: &[Elem], nonneg: bool, why: Why) -> V {
    let all_known = elems.iter().all(|e| e.definite && e.value.is_some());
    if all_known {
        let values: Vec<&Value> = elems.iter().filter_map(|e| e.value.as_ref()).collect();
        return exact(kind, &values);
    }
    let mut why = why;
    // A date has no numeric range (`range` gives it none), so the least or greatest of
    // dates with one unknown has open bounds, which decide nothing.
    why.bounds = bounds(kind, elems, nonneg).map(Box::new);
    V::why(why)
}

/// The aggregate of known values.
fn exact(kind: Option<Agg>, values: &[&Value]) -> V {
    let zero = Frac::whole(Decimal::ZERO);
    match kind {
        None => V::Known(Value::Num(Decimal::from(values.len()))),
        Some(Agg::Sum) | Some(Agg::Mean) => {
            let mut sum = zero;
            for v in values {
                let Some(f) = v.as_frac() else {
                    return V::reason("only numbers can be added");
                };
                sum = match sum.checked_add(f) {
                    Some(x) => x,
                    None => return V::reason(OVERFLOW),
                };
            }
            if kind == Some(Agg::Sum) {
                return V::Known(Value::number(sum));
            }
            if values.is_empty() {
                return V::reason("there are no elements to take the mean of");
            }
            match sum.checked_div(Frac::whole(Decimal::from(values.len()))) {
                Some(m) => V::Known(Value::number(m)),
                None => V::reason(OVERFLOW),
            }
        }
        Some(k @ (Agg::Min | Agg::Max)) => {
            let mut best: Option<&Value> = None;
            for v in values {
                best = Some(match best {
                    None => v,
                    Some(b) => match order(v, b) {
                        Some(o)
                            if (o == Ordering::Less) == (k == Agg::Min) && o != Ordering::Equal =>
                        {
                            v
                        }
                        Some(_) => b,
                        None => return V::reason("the values cannot be compared"),
                    },
                });
            }
            match best {
                Some(v) => V::Known(v.clone()),
                None => V::reason(format!(
                    "there are no elements to take the {} of",
                    if k == Agg::Min { "minimum" } else { "maximum" }
                )),
            }
        }
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => Some(a.as_frac()?.order(b.as_frac()?)),
    }
}

fn add(a: Option<Frac>, b: Option<Frac>) -> Option<Frac> {
    a?.checked_add(b?)
}

/// The smaller (`less`) or larger of two bounds where `None` stands for the infinity
/// on that side (−∞ for `less`, +∞ otherwise).
fn pick(a: Option<Frac>, b: Option<Frac>, less: bool) -> Option<Frac> {
    let (a, b) = (a?, b?);
    Some(if (a.order(b) == Ordering::Less) == less {
        a
    } else {
        b
    })
}

/// The bounds of the aggregate over every way the unknown filters and values could turn
/// out; `None` when the known part says nothing (for `mean`, `min` and `max`: when no
/// element surely counts, the selection may be empty and the result undetermined).
fn bounds(kind: Option<Agg>, elems: &[Elem], nonneg: bool) -> Option<Bounds> {
    let one = Frac::whole(Decimal::ONE);
    let zero = Frac::whole(Decimal::ZERO);
    let ranges: Vec<(bool, Range)> = elems
        .iter()
        .map(|e| {
            let r = match kind {
                None => (Some(one), Some(one)),
                Some(_) => range(e, nonneg),
            };
            (e.definite, r)
        })
        .collect();
    let definite: Vec<Range> = ranges.iter().filter(|(d, _)| *d).map(|(_, r)| *r).collect();
    let maybe: Vec<Range> = ranges
        .iter()
        .filter(|(d, _)| !*d)
        .map(|(_, r)| *r)
        .collect();
    match kind {
        None | Some(Agg::Sum) => {
            // Each definite element adds its value; a maybe adds it or nothing.
            let mut lo = Some(zero);
            let mut hi = Some(zero);
            for (l, h) in &definite {
                lo = add(lo, *l);
                hi = add(hi, *h);
            }
            for (l, h) in &maybe {
                lo = add(lo, pick(*l, Some(zero), true));
                hi = add(hi, pick(*h, Some(zero), false));
            }
            Some(Bounds { lo, hi })
        }
        _ if definite.is_empty() => None,
        Some(Agg::Min) => {
            // The least of all that may count, down to the least that surely counts.
            let lo = ranges
                .iter()
                .map(|(_, r)| r.0)
                .try_fold(None, |acc: Option<Frac>, x| {
                    let x = x?;
                    Some(Some(match acc {
                        None => x,
                        Some(a) => pick(Some(a), Some(x), true)?,
                    }))
                });
            let hi = definite
                .iter()
                .filter_map(|r| r.1)
                .fold(None, |acc: Option<Frac>, x| {
                    Some(match acc {
                        None => x,
                        Some(a) => pick(Some(a), Some(x), true).unwrap_or(a),
                    })
                });
            Some(Bounds {
                lo: lo.flatten(),
                hi,
            })
        }
        Some(Agg::Max) => {
            let lo = definite
                .iter()
                .filter_map(|r| r.0)
                .fold(None, |acc: Option<Frac>, x| {
                    Some(match acc {
                        None => x,
                        Some(a) => pick(Some(a), Some(x), false).unwrap_or(a),
                    })
                });
            let hi = ranges
                .iter()
                .map(|(_, r)| r.1)
                .try_fold(None, |acc: Option<Frac>, x| {
                    let x = x?;
                    Some(Some(match acc {
                        None => x,
                        Some(a) => pick(Some(a), Some(x), false)?,
                    }))
                });
            Some(Bounds {
                lo,
                hi: hi.flatten(),
            })
        }
        Some(Agg::Mean) => {
            let lo = mean_bound(
                &definite.iter().map(|r| r.0).collect::<Vec<_>>(),
                &maybe.iter().map(|r| r.0).collect::<Vec<_>>(),
                true,
            );
            let hi = mean_bound(
                &definite.iter().map(|r| r.1).collect::<Vec<_>>(),
                &maybe.iter().map(|r| r.1).collect::<Vec<_>>(),
                false,
            );
            Some(Bounds { lo, hi })
        }
    }
}

/// The least (`low`) or greatest mean of the `definite` values with any of the `maybe`
/// ones added: the best choice takes the maybes most extreme first, so trying each
/// number of them in that order finds it. `None` if any value is unbounded that way.
fn mean_bound(definite: &[Option<Frac>], maybe: &[Option<Frac>], low: bool) -> Option<Frac> {
    let mut sum = Frac::whole(Decimal::ZERO);
    for d in definite {
        sum = sum.checked_add((*d)?)?;
    }
    let mut extra: Vec<Frac> = maybe.iter().copied().collect::<Option<Vec<_>>>()?;
    extra.sort_by(|a, b| if low { a.order(*b) } else { b.order(*a) });
    let mut n = definite.len();
    let mut best = sum.checked_div(Frac::whole(Decimal::from(n)))?;
    for x in extra {
        sum = sum.checked_add(x)?;
        n += 1;
        let m = sum.checked_div(Frac::whole(Decimal::from(n)))?;
        if (m.order(best) == Ordering::Less) == low && m.order(best) != Ordering::Equal {
            best = m;
        }
    }
    Some(best)
}

/// Whether `a op b` is decided by what is known of each side: a known number is a
/// point, an unknown aggregate its bounds. `None` when it is not decided.
pub(super) fn decide(op: crate::syntax::ast::BinOp, a: &V, b: &V) -> Option<bool> {
    use crate::syntax::ast::BinOp as B;
    let range = |v: &V| -> Option<(Option<Frac>, Option<Frac>)> {
        match v {
            V::Known(x) => {
                let f = x.as_frac()?;
                Some((Some(f), Some(f)))
            }
            V::Unknown(w) => w.bounds.as_deref().map(|b| (b.lo, b.hi)),
        }
    };
    // A side without a range (an unknown without bounds, a date) decides nothing.
    let ((al, ah), (bl, bh)) = (range(a)?, range(b)?);
    // x < y, x <= y for bounds that may be missing (then nothing follows).
    let lt = |x: Option<Frac>, y: Option<Frac>| -> bool {
        matches!((x, y), (Some(x), Some(y)) if x.order(y) == Ordering::Less)
    };
    let le = |x: Option<Frac>, y: Option<Frac>| -> bool {
        matches!((x, y), (Some(x), Some(y)) if x.order(y) != Ordering::Greater)
    };
    let eq = || -> Option<bool> {
        if lt(ah, bl) || lt(bh, al) {
            return Some(false);
        }
        // Two ranges that are single points and not apart (above) are the same point.
        let point = |l: Option<Frac>, h: Option<Frac>| matches!((l, h), (Some(l), Some(h)) if l.order(h) == Ordering::Equal);
        (point(al, ah) && point(bl, bh)).then_some(true)
    };
    match op {
        B::Ge if le(bh, al) => Some(true),
        B::Ge if lt(ah, bl) => Some(false),
        B::Gt if lt(bh, al) => Some(true),
        B::Gt if le(ah, bl) => Some(false),
        B::Le if le(ah, bl) => Some(true),
        B::Le if lt(bh, al) => Some(false),
        B::Lt if lt(ah, bl) => Some(true),
        B::Lt if le(bh, al) => Some(false),
        B::Eq => eq(),
        B::Ne => eq().map(|x| !x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: i64) -> Option<Value> {
        Some(Value::Num(Decimal::from(x)))
    }
    fn known(x: i64) -> Elem {
        Elem {
            definite: true,
            value: n(x),
        }
    }
    fn unknown() -> Elem {
        Elem {
            definite: true,
            value: None,
        }
    }
    fn maybe(x: i64) -> Elem {
        Elem {
            definite: false,
            value: n(x),
        }
    }
    fn f(x: i64) -> Option<Frac> {
        Some(Frac::whole(Decimal::from(x)))
    }
    fn b(kind: Option<Agg>, es: &[Elem], nonneg: bool) -> (Option<Frac>, Option<Frac>) {
        match combine(kind, es, nonneg, Why::default()) {
            V::Unknown(w) => w
                .bounds
                .as_deref()
                .map(|b| (b.lo, b.hi))
                .unwrap_or((None, None)),
            V::Known(v) => panic!("known: {v:?}"),
        }
    }

    #[test]
    fn the_bounds_of_each_aggregate() {
        // count: two pass, one may.
        let es = [known(1), known(1), maybe(1)];
        assert_eq!(b(None, &es, true), (f(2), f(3)));
        // sum of counts: an unknown count adds 0 or more.
        let es = [known(5), unknown(), maybe(-2), maybe(4)];
        assert_eq!(b(Some(Agg::Sum), &es, true), (f(3), None));
        // sum of numbers that may be negative: no bound.
        assert_eq!(b(Some(Agg::Sum), &es, false), (None, None));
        // min: at most the least definite, at least the least of all.
        let es = [known(5), known(3), maybe(1)];
        assert_eq!(b(Some(Agg::Min), &es, false), (f(1), f(3)));
        let es = [known(5), unknown()];
        assert_eq!(b(Some(Agg::Min), &es, false), (None, f(5)));
        // max: at least the greatest definite.
        let es = [known(5), known(3), maybe(9)];
        assert_eq!(b(Some(Agg::Max), &es, false), (f(5), f(9)));
        // mean of 2 and 4, with a maybe 0 and a maybe 10: from 2 (2, 4, 0) to 16/3.
        let es = [known(2), known(4), maybe(0), maybe(10)];
        let (lo, hi) = b(Some(Agg::Mean), &es, false);
        assert_eq!(lo.unwrap().order(f(2).unwrap()), Ordering::Equal);
        let want = Frac::new(Decimal::from(16), Decimal::from(3)).unwrap();
        assert_eq!(hi.unwrap().order(want), Ordering::Equal);
        // Nothing surely counts: the selection may be empty.
        assert_eq!(b(Some(Agg::Mean), &[maybe(3)], false), (None, None));
    }

    #[test]
    fn empty_aggregates() {
        assert_eq!(
            combine(None, &[], true, Why::default()),
            V::Known(n(0).unwrap())
        );
        assert_eq!(
            combine(Some(Agg::Sum), &[], false, Why::default()),
            V::Known(n(0).unwrap())
        );
        for k in [Agg::Mean, Agg::Min, Agg::Max] {
            assert!(matches!(
                combine(Some(k), &[], false, Why::default()),
                V::Unknown(_)
            ));
        }
    }
}
