//! Comparisons and arithmetic, and how values are shown in explanations.

use super::exact::{self, Frac};
use super::*;
use std::cmp::Ordering;

/// A number's approximate value, for display only.
fn approx_frac(f: Frac) -> Option<Decimal> {
    match f.to_decimal() {
        Some(d) => Some(d),
        None => f.num.checked_div(f.den),
    }
}

/// A fraction for a person (see [`exact::show_frac`]).
pub fn show_frac(f: Frac) -> String {
    exact::show_frac(f, show_decimal)
}

/// Compare the growth `((last/first)^(1/n) − 1) × scale` with `t` exactly: raise
/// `1 + t/scale` to the n-th power rather than take a root, and multiply by `first`
/// rather than divide by it. `first > 0` and `last >= 0` (checked where a growth is made).
fn cmp_growth(
    first: Decimal,
    last: Decimal,
    n: u32,
    scale: Decimal,
    t: Frac,
) -> Result<Ordering, &'static str> {
    const OVERFLOW: &str = "the numbers are too large to compare a growth rate exactly";
    if scale.is_zero() {
        return Ok(Frac::whole(Decimal::ZERO).order(t));
    }
    // growth ? t  ⇔  root ? 1 + t/scale (the order reversed when scale < 0),
    // with root = (last/first)^(1/n) >= 0.
    let base = one_plus_over(t, scale).ok_or(OVERFLOW)?;
    let o = match base.signum() {
        // The root is at least 0, so above any base below 0.
        Ordering::Less => Ordering::Greater,
        Ordering::Equal => last.cmp(&Decimal::ZERO),
        Ordering::Greater => {
            // last/first ? bn^n/bd^n  ⇔  last·bd^n ? first·bn^n  (first, bd > 0)
            exact::cmp_power_products(last, base.den, first, base.num, n)
        }
    };
    Ok(if scale.is_sign_negative() {
        o.reverse()
    } else {
        o
    })
}

/// `1 + t/scale`, the rate `t` as a factor: with `t = tn/td`, `(scale·td + tn) / (scale·td)`,
/// one product and one sum. `None` for a zero scale or on overflow.
fn one_plus_over(t: Frac, scale: Decimal) -> Option<Frac> {
    let sd = exact::mul(scale, t.den)?;
    Frac::new(exact::add(sd, t.num)?, sd)
}

/// The margin `growth − t` to first order, for a growth too close to `t` for the
/// approximate root to tell them apart: with `b = 1 + t/scale`,
/// `(last/first − bⁿ) / (n·bⁿ⁻¹) × scale`, every part exact.
fn growth_margin_linear(
    first: Decimal,
    last: Decimal,
    n: u32,
    scale: Decimal,
    t: Frac,
) -> Option<Frac> {
    let b = one_plus_over(t, scale)?;
    let bn1 = Frac::new(
        exact::pow(b.num, n.checked_sub(1)?)?,
        exact::pow(b.den, n.checked_sub(1)?)?,
    )?;
    let bn = bn1.checked_mul(b)?;
    let diff = Frac::new(last, first)?.checked_sub(bn)?;
    let deriv = bn1.checked_mul(Frac::whole(Decimal::from(n)))?;
    diff.checked_div(deriv)?.checked_mul(Frac::whole(scale))
}

/// An approximate value of a growth, for display only.
pub fn approx_growth(first: Decimal, last: Decimal, n: u32, scale: Decimal) -> Option<Decimal> {
    use rust_decimal::MathematicalOps;
    let ratio = last.checked_div(first)?;
    let root = if n == 1 {
        ratio
    } else if n == 2 {
        ratio.sqrt()?
    } else {
        ratio.checked_powd(Decimal::ONE.checked_div(Decimal::from(n))?)?
    };
    root.checked_sub(Decimal::ONE)?.checked_mul(scale)
}

/// `approx` (an approximation of a margin) for a person, rounded to two places when
/// that agrees in sign with the exact order `exact`; otherwise with as many places as
/// it takes, marked `≈`. A margin is never shown as 0 unless the values are equal.
fn show_margin_approx(
    approx: Decimal,
    exact: Ordering,
    linear: impl FnOnce() -> Option<Frac>,
) -> String {
    let sign = |d: Decimal| {
        if d.is_zero() {
            Ordering::Equal
        } else if d.is_sign_negative() {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    };
    let two = approx.round_dp(2);
    if exact == Ordering::Equal {
        return "0".into();
    }
    if sign(two) == exact {
        return show_decimal(two.normalize());
    }
    // Too close for the approximate root: the first-order margin, computed exactly.
    if let Some(m) = linear().filter(|m| m.signum() == exact) {
        let shown = show_frac(m);
        return if shown.starts_with('≈') {
            shown
        } else {
            format!("≈{shown}")
        };
    }
    for dp in (4..=28).step_by(2) {
        let r = approx.round_dp(dp);
        if sign(r) == exact {
            return format!("≈{}", r.normalize());
        }
    }
    if exact == Ordering::Less {
        "≈-0.0000000000000000000000000001".into()
    } else {
        "≈0.0000000000000000000000000001".into()
    }
}

/// The unit of a margin between two percentages.
pub const PERCENTAGE_POINTS: &str = "percentage points";

fn holds(op: BinOp, o: Ordering) -> bool {
    match op {
        BinOp::Eq => o == Ordering::Equal,
        BinOp::Ne => o != Ordering::Equal,
        BinOp::Lt => o == Ordering::Less,
        BinOp::Le => o != Ordering::Greater,
        BinOp::Gt => o == Ordering::Greater,
        BinOp::Ge => o != Ordering::Less,
        _ => false,
    }
}

impl<'p> Evaluator<'p> {
    pub(super) fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, whole: &Expr) -> V {
        match op {
            BinOp::And => {
                let a = self.eval(l);
                if a.as_bool() == Some(false) && !self.explain {
                    return a;
                }
                let b = self.eval(r);
                and3(a, || b)
            }
            BinOp::Or => {
                let a = self.eval(l);
                if a.as_bool() == Some(true) && !self.explain {
                    return a;
                }
                let b = self.eval(r);
                or3(a, || b)
            }
            BinOp::In => {
                let a = self.eval(l);
                let b = self.eval(r);
                member(a, b)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let a = self.eval(l);
                let b = self.eval(r);
                let (a, b) = match (a, b) {
                    (V::Known(a), V::Known(b)) => (a, b),
                    (a, b) => return unknown_of(&[&a, &b]),
                };
                arith(op, a, b)
            }
            _ => self.compare(op, l, r, whole),
        }
    }

    fn compare(&mut self, op: BinOp, l: &Expr, r: &Expr, whole: &Expr) -> V {
        let a = self.eval(l);
        let b = self.eval(r);
        self.compared(op, (l, r, whole), a, b)
    }

    /// The comparison of the values `a` and `b` of `l` and `r`, and its check. Apart
    /// from [`compare`](Self::compare), which recurses: its frame stays small.
    #[inline(never)]
    fn compared(&mut self, op: BinOp, (l, r, whole): (&Expr, &Expr, &Expr), a: V, b: V) -> V {
        let result = match (&a, &b) {
            (V::Known(x), V::Known(y)) => match order(x, y, op) {
                Ok(o) => V::bool(o),
                Err(reason) => V::reason(reason),
            },
            // An aggregate whose known part already decides the comparison.
            _ => match super::aggregate::decide(op, &a, &b) {
                Some(x) => V::bool(x),
                None => unknown_of(&[&a, &b]),
            },
        };
        if self.explain && self.recording {
            if self.checks.len() >= MAX_CHECKS {
                // Not kept: only counted (see `push_check`), so not shown either.
                self.truncated += 1;
            } else {
                let check = self.make_check(op, l, r, &a, &b, &result, whole.span);
                self.push_check(check);
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn make_check(
        &self,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        a: &V,
        b: &V,
        result: &V,
        span: Span,
    ) -> Check {
        let unit_ty = if l.ty.unit().is_some() { &l.ty } else { &r.ty };
        let show = |v: &V, ty: &Ty| match v {
            V::Known(x) => Some(self.show(x, ty)),
            // What the known part of an aggregate says: `≥2`, `≤1`, `2…3`.
            V::Unknown(w) => w.bounds.as_deref().and_then(|b| {
                let value = match (b.lo, b.hi) {
                    (Some(l), Some(h)) => format!("{}…{}", show_frac(l), show_frac(h)),
                    (Some(l), None) => format!("≥{}", show_frac(l)),
                    (None, Some(h)) => format!("≤{}", show_frac(h)),
                    (None, None) => return None,
                };
                Some(Shown {
                    value,
                    unit: self.unit_name(ty),
                    label: None,
                })
            }),
        };
        let margin = match (a, b) {
            (V::Known(x), V::Known(y)) => self.margin(x, y, unit_ty),
            _ => None,
        };
        let bindings = self.bindings();
        let mut left = show(a, &l.ty);
        let mut right = show(b, &r.ty);
        // `≈50% < 50%` would read as a contradiction: when the rounded values read
        // the same but are not equal, show them with every digit.
        if let (Some(ls), Some(rs), V::Known(x), V::Known(y)) = (&left, &right, a, b) {
            let plain = |s: &Shown| {
                let t = s.value.trim_start_matches('≈');
                t.parse::<Decimal>()
                    .map(|d| d.normalize().to_string())
                    .unwrap_or_else(|_| t.to_string())
            };
            if plain(ls) == plain(rs) && order(x, y, BinOp::Eq) == Ok(false) {
                left = Some(self.show_precise(x, y, &l.ty));
                right = Some(self.show_precise(y, x, &r.ty));
            }
        }
        Check {
            span,
            bindings,
            left,
            op,
            right,
            holds: result.as_bool(),
            margin,
            read: None,
            sides: (Side::of(l), Side::of(r)),
        }
    }

    /// A number with as many digits as a decimal holds (`≈` when not exact); a growth
    /// rate compared with `other` as `other` plus the margin to first order, so that
    /// it does not read as equal to it.
    fn show_precise(&self, v: &Value, other: &Value, ty: &Ty) -> Shown {
        if let (
            Value::Growth {
                first,
                last,
                n,
                scale,
            },
            Some(t),
        ) = (v, other.as_frac())
        {
            let near = growth_margin_linear(*first, *last, *n, *scale, t)
                .and_then(|m| t.checked_add(m))
                .and_then(|g| g.num.checked_div(g.den));
            if let Some(g) = near {
                return Shown {
                    value: format!("≈{}", g.normalize()),
                    unit: self.unit_name(ty),
                    label: None,
                };
            }
        }
        let value = match v {
            Value::Num(d) => Some(d.normalize().to_string()),
            Value::Ratio(f) => f
                .num
                .checked_div(f.den)
                .filter(|q| !q.is_zero())
                .map(|q| format!("≈{}", q.normalize())),
            Value::Growth {
                first,
                last,
                n,
                scale,
            } => approx_growth(*first, *last, *n, *scale).map(|g| format!("≈{}", g.normalize())),
            _ => None,
        };
        match value {
            Some(value) => Shown {
                value,
                unit: self.unit_name(ty),
                label: None,
            },
            None => self.show(v, ty),
        }
    }

    fn margin(&self, a: &Value, b: &Value, ty: &Ty) -> Option<Shown> {
        // The difference of two percentages is in percentage points.
        let unit = if ty.unit() == Some(UNIT_PERCENT) {
            PERCENTAGE_POINTS.to_string()
        } else {
            self.unit_name(ty)
        };
        let value = match (a, b) {
            (Value::Num(_) | Value::Ratio(_), Value::Num(_) | Value::Ratio(_)) => {
                let d = a.as_frac()?.checked_sub(b.as_frac()?)?;
                show_frac(d)
            }
            (
                Value::Growth {
                    first,
                    last,
                    n,
                    scale,
                },
                y,
            ) => {
                let t = y.as_frac()?;
                let exact = cmp_growth(*first, *last, *n, *scale, t).ok()?;
                let approx =
                    approx_growth(*first, *last, *n, *scale)?.checked_sub(approx_frac(t)?)?;
                show_margin_approx(approx, exact, || {
                    growth_margin_linear(*first, *last, *n, *scale, t)
                })
            }
            (
                x,
                Value::Growth {
                    first,
                    last,
                    n,
                    scale,
                },
            ) => {
                let t = x.as_frac()?;
                let exact = cmp_growth(*first, *last, *n, *scale, t).ok()?.reverse();
                let approx =
                    approx_frac(t)?.checked_sub(approx_growth(*first, *last, *n, *scale)?)?;
                show_margin_approx(approx, exact, || {
                    growth_margin_linear(*first, *last, *n, *scale, t).map(Frac::negate)
                })
            }
            (Value::Date(x), Value::Date(y)) => {
                return Some(Shown {
                    value: (*x - *y).num_days().to_string(),
                    unit: "days".into(),
                    label: None,
                })
            }
            _ => return None,
        };
        Some(Shown {
            value,
            unit,
            label: None,
        })
    }

    fn unit_name(&self, ty: &Ty) -> String {
        ty.unit()
            .and_then(|u| self.p.units.get(u))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// A value for a person: the number as written, its unit, a category's label.
    pub(super) fn show(&self, v: &Value, ty: &Ty) -> Shown {
        let plain = |s: String| Shown {
            value: s,
            unit: String::new(),
            label: None,
        };
        match v {
            Value::Bool(b) => plain(b.to_string()),
            Value::Num(n) => Shown {
                value: show_decimal(*n),
                unit: self.unit_name(ty),
                label: None,
            },
            Value::Ratio(f) => Shown {
                value: show_frac(*f),
                unit: self.unit_name(ty),
                label: None,
            },
            Value::Growth {
                first,
                last,
                n,
                scale,
            } => Shown {
                value: approx_growth(*first, *last, *n, *scale)
                    .map(|g| show_decimal(g.round_dp(2).normalize()))
                    .unwrap_or_else(|| "?".into()),
                unit: self.unit_name(ty),
                label: None,
            },
            Value::Date(d) => plain(d.to_string()),
            Value::Duration {
                years,
                months,
                days,
            } => plain(format!("{years}y{months}m{days}d")),
            Value::MonthDay(m, d) => plain(format!("{m}月{d}日")),
            Value::Text(t) => plain(t.to_string()),
            Value::Enum(i) => {
                let def = match ty.strip_none() {
                    Ty::Enum(e) => self.p.enums.get(*e),
                    _ => None,
                };
                let (name, label) = def
                    .and_then(|d| d.variants.get(*i))
                    .map(|(n, l)| (n.clone(), l.clone()))
                    .unwrap_or((i.to_string(), None));
                Shown {
                    value: name,
                    unit: String::new(),
                    label,
                }
            }
            Value::None => plain("none".into()),
            Value::Record(_) => plain("(record)".into()),
            Value::List(l) => plain(format!("({} items)", l.items.len())),
            Value::Series(s) => plain(format!("({} years)", s.entries.len())),
        }
    }
}

/// Order two known values for `op`; an error is a reason the comparison is undetermined.
pub(super) fn order(a: &Value, b: &Value, op: BinOp) -> Result<bool, String> {
    let o = match (a, b) {
        (Value::Num(x), Value::Num(y)) => exact::order(*x, *y),
        (Value::Num(_) | Value::Ratio(_), Value::Num(_) | Value::Ratio(_)) => {
            let (Some(x), Some(y)) = (a.as_frac(), b.as_frac()) else {
                return Err("the values cannot be compared".into());
            };
            x.order(y)
        }
        (
            Value::Growth {
                first,
                last,
                n,
                scale,
            },
            t @ (Value::Num(_) | Value::Ratio(_)),
        ) => {
            let t = t.as_frac().ok_or("the values cannot be compared")?;
            cmp_growth(*first, *last, *n, *scale, t)?
        }
        (
            t @ (Value::Num(_) | Value::Ratio(_)),
            Value::Growth {
                first,
                last,
                n,
                scale,
            },
        ) => {
            let t = t.as_frac().ok_or("the values cannot be compared")?;
            let o = cmp_growth(*first, *last, *n, *scale, t)?;
            return Ok(holds(op.flipped(), o));
        }
        (
            Value::Growth {
                first: f1,
                last: l1,
                n: n1,
                scale: s1,
            },
            Value::Growth {
                first: f2,
                last: l2,
                n: n2,
                scale: s2,
            },
        ) => {
            if s1 != s2 {
                return Err("growth rates in different units cannot be compared".into());
            }
            // (l1/f1)^(1/n1) ? (l2/f2)^(1/n2)  ⇔  l1^n2 · f2^n1 ? l2^n1 · f1^n2
            // (first > 0, last >= 0), the order reversed for a negative scale.
            let o = exact::cmp_two_powers((*l1, *n2), (*f2, *n1), (*l2, *n1), (*f1, *n2));
            match s1.cmp(&Decimal::ZERO) {
                Ordering::Less => o.reverse(),
                Ordering::Equal => Ordering::Equal,
                Ordering::Greater => o,
            }
        }
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Enum(x), Value::Enum(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) if matches!(op, BinOp::Eq | BinOp::Ne) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, BinOp::Eq | BinOp::Ne) => x.cmp(y),
        (Value::None, Value::None) => Ordering::Equal,
        (Value::None, _) | (_, Value::None) => {
            if matches!(op, BinOp::Eq | BinOp::Ne) {
                Ordering::Less
            } else {
                return Err("there is no value to compare".into());
            }
        }
        (
            Value::Duration {
                years,
                months,
                days,
            },
            Value::Duration {
                years: y2,
                months: m2,
                days: d2,
            },
        ) => {
            if matches!(op, BinOp::Eq | BinOp::Ne) {
                (years, months, days).cmp(&(y2, m2, d2))
            } else {
                return Err("durations in different units cannot be ordered".into());
            }
        }
        _ => return Err("the values cannot be compared".into()),
    };
    Ok(holds(op, o))
}

/// Whether `a` is in the list `b`.
#[inline(never)]
pub(super) fn member(a: V, b: V) -> V {
    match (a, b) {
        // Numbers by value: a fraction is equal to another of the same value.
        (V::Known(x), V::Known(Value::List(list))) => V::bool(
            list.items
                .iter()
                .any(|i| *i == x || order(i, &x, BinOp::Eq) == Ok(true)),
        ),
        // Yes or no: an unknown number's bounds do not pass to its membership.
        (V::Unknown(w), _) | (_, V::Unknown(w)) => V::Unknown(w).unbounded(),
        _ => V::reason("not a list"),
    }
}

/// Why an arithmetic result is undetermined when it does not fit an exact decimal.
const TOO_LARGE: &str =
    "the result cannot be held as an exact decimal (too large or too many decimal places)";

/// `x / y` kept as the fraction it is, for a comparison: the quotient [`arith`] makes,
/// without making it a decimal when it is one (a comparison orders both alike). `None`
/// where `arith` has no value: a side not a number, a zero divisor, an overflow.
pub(super) fn quotient(x: &Value, y: &Value) -> Option<Frac> {
    let (Some(x), Some(y)) = (x.as_frac(), y.as_frac()) else {
        return None;
    };
    if y.is_zero() {
        return None;
    }
    x.checked_div(y)
}

/// `q op b` for a quotient `q` kept as a fraction and a number `b`: what [`order`]
/// says of the quotient's value and `b`. `None` when `b` is not a number.
pub(super) fn order_quotient(q: Frac, b: &Value, op: BinOp) -> Option<bool> {
    match b {
        Value::Num(_) | Value::Ratio(_) => Some(holds(op, q.order(b.as_frac()?))),
        _ => None,
    }
}

#[inline(never)]
pub(super) fn arith(op: BinOp, a: Value, b: Value) -> V {
    // Two decimals added, subtracted or multiplied: the decimal the fractions below
    // give (over a denominator of one, and a product without trailing zeros), made
    // directly.
    if let (Value::Num(x), Value::Num(y)) = (&a, &b) {
        let r = match op {
            BinOp::Add => Some(exact::add(*x, *y)),
            BinOp::Sub => Some(exact::sub(*x, *y)),
            BinOp::Mul => Some(exact::mul(*x, *y).map(exact::norm)),
            _ => None,
        };
        match r {
            Some(Some(d)) => return V::Known(Value::Num(d)),
            Some(None) => return V::reason(TOO_LARGE),
            None => {}
        }
    }
    match (a, b) {
        (x @ (Value::Num(_) | Value::Ratio(_)), y @ (Value::Num(_) | Value::Ratio(_))) => {
            let (Some(x), Some(y)) = (x.as_frac(), y.as_frac()) else {
                return V::reason("the values cannot be combined");
            };
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ => {
                    if y.is_zero() {
                        return V::reason("division by zero");
                    }
                    x.checked_div(y)
                }
            };
            match r {
                // A product has no written precision: `6`, not `6.0` (a sum keeps the
                // places of its terms: 28.40 + 1.60 is 30.00).
                Some(v) if op == BinOp::Mul => match Value::number(v) {
                    Value::Num(d) => V::Known(Value::Num(exact::norm(d))),
                    other => V::Known(other),
                },
                Some(v) => V::Known(Value::number(v)),
                None => V::reason(TOO_LARGE),
            }
        }
        (
            Value::Date(d),
            Value::Duration {
                years,
                months,
                days,
            },
        ) => {
            let sign = if op == BinOp::Sub { -1 } else { 1 };
            match add_duration(d, years, months, days, sign) {
                Some(x) => V::Known(Value::Date(x)),
                None => V::reason("the date is out of range"),
            }
        }
        (Value::Date(x), Value::Date(y)) if op == BinOp::Sub => {
            V::Known(Value::Num(Decimal::from((x - y).num_days())))
        }
        (
            Value::Duration {
                years,
                months,
                days,
            },
            Value::Duration {
                years: y2,
                months: m2,
                days: d2,
            },
        ) => {
            let s = if op == BinOp::Sub { -1 } else { 1 };
            V::Known(Value::Duration {
                years: years.saturating_add(s * y2),
                months: months.saturating_add(s * m2),
                days: days.saturating_add(s * d2),
            })
        }
        (Value::Growth { .. }, _) | (_, Value::Growth { .. }) => {
            V::reason("growth rates can only be compared, not computed with")
        }
        _ => V::reason("the values cannot be combined"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(v: &V) -> Vec<String> {
        match v {
            V::Unknown(w) => w.reasons.clone(),
            V::Known(_) => Vec::new(),
        }
    }

    #[test]
    fn dividing_by_zero_is_undetermined_and_says_so() {
        let one = Value::Num(Decimal::ONE);
        let zero = Value::Num(Decimal::ZERO);
        let v = arith(BinOp::Div, one.clone(), zero);
        assert_eq!(reasons(&v), ["division by zero"]);
        // A fraction that is zero divides no better.
        let zero_third = Value::Ratio(Frac::new(Decimal::ZERO, Decimal::from(3)).unwrap());
        let v = arith(BinOp::Div, one.clone(), zero_third);
        assert_eq!(reasons(&v), ["division by zero"]);
        let v = arith(BinOp::Div, one, Value::Num(Decimal::from(4)));
        assert!(matches!(v, V::Known(_)));
    }

    #[test]
    fn a_growth_compares_with_a_threshold_as_its_root_with_one_plus_the_threshold() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // The reference: (last/first)^(1/n) against 1 + t/scale, both raised to the n-th
        // power and compared as fractions, the order reversed for a negative scale.
        let reference = |first: Decimal, last: Decimal, n: u32, scale: Decimal, t: Frac| {
            let one = Frac::whole(Decimal::ONE);
            let base = one.checked_add(t.checked_div(Frac::whole(scale))?)?;
            let o = if base.signum() == Ordering::Less {
                Ordering::Greater
            } else {
                let mut p = one;
                for _ in 0..n {
                    p = p.checked_mul(base)?;
                }
                Frac::new(last, first)?.order(p)
            };
            Some(if scale.is_sign_negative() {
                o.reverse()
            } else {
                o
            })
        };
        let firsts = ["100", "3.7", "0.01"];
        let lasts = ["0", "121", "121.21", "99.9", "4.4", "0.0121", "250"];
        let scales = ["1", "100", "-100", "0.5"];
        let thresholds = [
            Frac::whole(d("10")),
            Frac::whole(d("0.1")),
            Frac::whole(d("-20")),
            Frac::whole(d("-150")),
            Frac::whole(d("-100")),
            Frac::new(d("1"), d("3")).unwrap(),
            Frac::new(d("-7"), d("30")).unwrap(),
        ];
        let mut compared = 0;
        for f in firsts {
            for l in lasts {
                for n in 1..=3 {
                    for sc in scales {
                        for t in thresholds {
                            let (f, l, sc) = (d(f), d(l), d(sc));
                            let got = cmp_growth(f, l, n, sc, t).ok();
                            assert_eq!(got, reference(f, l, n, sc, t), "{f} {l} {n} {sc} {t:?}");
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 3 * 7 * 3 * 4 * 7);
        // 100 → 121 over two years is exactly 10% a year, in percent and as a share.
        assert_eq!(
            cmp_growth(d("100"), d("121"), 2, d("100"), Frac::whole(d("10"))),
            Ok(Ordering::Equal)
        );
        assert_eq!(
            cmp_growth(
                d("100"),
                d("121.01"),
                2,
                Decimal::ONE,
                Frac::whole(d("0.1"))
            ),
            Ok(Ordering::Greater)
        );
    }

    #[test]
    fn the_margin_of_a_growth_near_its_threshold_is_its_first_order_difference() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let ten = Frac::whole(d("0.1"));
        // 100 → 121 over two years is exactly 10% a year: no margin.
        let m = growth_margin_linear(d("100"), d("121"), 2, Decimal::ONE, ten).unwrap();
        assert!(m.is_zero());
        // 100 → 121.21: (1.2121 − 1.1²) / (2 × 1.1) = 0.0021 / 2.2.
        let m = growth_margin_linear(d("100"), d("121.21"), 2, Decimal::ONE, ten).unwrap();
        assert_eq!(
            m.order(Frac::new(d("0.0021"), d("2.2")).unwrap()),
            Ordering::Equal
        );
        // In percent (scale 100) the margin is a hundred times larger.
        let m = growth_margin_linear(
            d("100"),
            d("121.21"),
            2,
            Decimal::from(100),
            Frac::whole(Decimal::from(10)),
        )
        .unwrap();
        assert_eq!(
            m.order(Frac::new(d("0.21"), d("2.2")).unwrap()),
            Ordering::Equal
        );
    }
}
