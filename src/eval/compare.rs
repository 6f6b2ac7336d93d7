//! Comparisons and arithmetic, and how values are shown in explanations.

use super::*;
use std::cmp::Ordering;

/// `base^n` exactly, or `None` on overflow.
fn pow(base: Decimal, n: u32) -> Option<Decimal> {
    let mut acc = Decimal::ONE;
    for _ in 0..n {
        acc = acc.checked_mul(base)?;
    }
    Some(acc)
}

/// Compare `(ratio^(1/n) − 1) × scale` with `t` exactly: raise `1 + t/scale` to
/// the n-th power rather than take a root.
fn cmp_growth(ratio: Decimal, n: u32, scale: Decimal, t: Decimal) -> Option<Ordering> {
    let base = Decimal::ONE.checked_add(t.checked_div(scale)?)?;
    if base.is_sign_negative() || base.is_zero() {
        // Growth is at least −100%, so it is above any threshold at or below −100%.
        return Some(Ordering::Greater);
    }
    Some(ratio.cmp(&pow(base, n)?))
}

/// An approximate value of a growth, for display only.
pub fn approx_growth(ratio: Decimal, n: u32, scale: Decimal) -> Option<Decimal> {
    use rust_decimal::MathematicalOps;
    let root = if n == 1 {
        ratio
    } else if n == 2 {
        ratio.sqrt()?
    } else {
        ratio.checked_powd(Decimal::ONE.checked_div(Decimal::from(n))?)?
    };
    root.checked_sub(Decimal::ONE)?.checked_mul(scale)
}

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

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        o => o,
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
                match (a, b) {
                    (V::Known(x), V::Known(Value::List(list))) => V::bool(list.items.contains(&x)),
                    (V::Unknown(w), _) | (_, V::Unknown(w)) => V::Unknown(w),
                    _ => V::reason("not a list"),
                }
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let a = self.eval(l);
                let b = self.eval(r);
                let (a, b) = match (a, b) {
                    (V::Known(a), V::Known(b)) => (a, b),
                    (a, b) => return V::why(why_of(&[&a, &b])),
                };
                arith(op, a, b)
            }
            _ => self.compare(op, l, r, whole),
        }
    }

    fn compare(&mut self, op: BinOp, l: &Expr, r: &Expr, whole: &Expr) -> V {
        let a = self.eval(l);
        let b = self.eval(r);
        let result = match (&a, &b) {
            (V::Known(x), V::Known(y)) => match order(x, y, op) {
                Ok(o) => V::bool(o),
                Err(reason) => V::reason(reason),
            },
            _ => V::why(why_of(&[&a, &b])),
        };
        if self.explain && self.recording {
            let check = self.make_check(op, l, r, &a, &b, &result, whole.span);
            self.push_check(check);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
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
            V::Unknown(_) => None,
        };
        let margin = match (a, b) {
            (V::Known(x), V::Known(y)) => self.margin(x, y, unit_ty),
            _ => None,
        };
        let bindings = self.bindings();
        Check {
            span,
            bindings,
            left: show(a, &l.ty),
            op,
            right: show(b, &r.ty),
            holds: result.as_bool(),
            margin,
        }
    }

    fn margin(&self, a: &Value, b: &Value, ty: &Ty) -> Option<Shown> {
        let unit = self.unit_name(ty);
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => Some(Shown {
                value: show_decimal(x.checked_sub(*y)?),
                unit,
                label: None,
            }),
            (Value::Growth { ratio, n, scale }, Value::Num(y)) => Some(Shown {
                value: show_decimal(
                    approx_growth(*ratio, *n, *scale)?
                        .checked_sub(*y)?
                        .round_dp(2),
                ),
                unit,
                label: None,
            }),
            (Value::Num(x), Value::Growth { ratio, n, scale }) => Some(Shown {
                value: show_decimal(
                    x.checked_sub(approx_growth(*ratio, *n, *scale)?)?
                        .round_dp(2),
                ),
                unit,
                label: None,
            }),
            (Value::Date(x), Value::Date(y)) => Some(Shown {
                value: (*x - *y).num_days().to_string(),
                unit: "days".into(),
                label: None,
            }),
            _ => None,
        }
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
            Value::Growth { ratio, n, scale } => Shown {
                value: approx_growth(*ratio, *n, *scale)
                    .map(|g| show_decimal(g.round_dp(2)))
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
fn order(a: &Value, b: &Value, op: BinOp) -> Result<bool, String> {
    let o = match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.cmp(y),
        (Value::Growth { ratio, n, scale }, Value::Num(t)) => {
            cmp_growth(*ratio, *n, *scale, *t).ok_or("overflow comparing a growth rate")?
        }
        (Value::Num(t), Value::Growth { ratio, n, scale }) => {
            let o = cmp_growth(*ratio, *n, *scale, *t).ok_or("overflow comparing a growth rate")?;
            return Ok(holds(flip(op), o));
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

fn arith(op: BinOp, a: Value, b: Value) -> V {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => {
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
                Some(v) => V::Known(Value::Num(v)),
                None => V::reason("the result is too large for an exact decimal"),
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
