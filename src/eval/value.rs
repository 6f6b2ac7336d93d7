//! Runtime values and three-valued results.

use super::exact::Frac;
use crate::ir::FactId;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::sync::Arc;

/// A known value. Numbers are exact decimals in the unit the checker gave their
/// expression; no unit travels at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(Decimal),
    /// A quotient that is not an exact decimal, kept exact as a fraction: arithmetic
    /// keeps it exact and comparisons cross-multiply. Shown rounded, marked `≈`.
    /// (A quotient that is an exact decimal is a [`Value::Num`].)
    Ratio(Frac),
    /// Compound growth kept exact: the value is `((last/first)^(1/n) − 1) × scale`.
    /// Comparisons raise the other side to the n-th power instead of taking roots,
    /// and multiply out `first` instead of dividing by it.
    Growth {
        first: Decimal,
        last: Decimal,
        n: u32,
        scale: Decimal,
    },
    Date(NaiveDate),
    Duration {
        years: i32,
        months: i32,
        days: i32,
    },
    MonthDay(u32, u32),
    Text(Arc<str>),
    Enum(usize),
    /// The known absence of a value (`T or none`).
    None,
    Record(Arc<Record>),
    List(Arc<List>),
    Series(Arc<Series>),
}

impl Value {
    /// The number `f`: a decimal when it is one exactly, else the fraction.
    pub fn number(f: Frac) -> Value {
        match f.to_decimal() {
            Some(d) => Value::Num(d),
            None => Value::Ratio(f),
        }
    }

    /// A number (decimal or fraction) as a fraction.
    pub fn as_frac(&self) -> Option<Frac> {
        match self {
            Value::Num(d) => Some(Frac::whole(*d)),
            Value::Ratio(f) => Some(*f),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where it came from, for messages: `incidents[2]`.
    pub origin: Option<(FactId, usize)>,
    pub fields: Vec<V>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub origin: Option<FactId>,
    pub items: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub origin: Option<FactId>,
    /// Sorted by year; a year without a figure is simply not there.
    pub entries: Vec<(i32, Value)>,
}

impl Series {
    pub fn get(&self, year: i32) -> Option<&Value> {
        self.entries
            .binary_search_by_key(&year, |(y, _)| *y)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }
}

/// Why a value is unknown: the facts that were missing (by id, for `missing`),
/// where exactly (`output_value[2023]`), and reasons that are not missing facts
/// (a zero divisor, an overflow, a rule that does not apply).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Why {
    pub missing: Vec<FactId>,
    pub details: Vec<String>,
    pub reasons: Vec<String>,
    /// For an unknown number that is an aggregate (`count`, `sum`, `mean`, `min`,
    /// `max`): what its known part already says about it. A comparison decided by
    /// the bounds alone is decided. Never merged: a value computed from an unknown
    /// with bounds has none.
    pub bounds: Option<Box<Bounds>>,
}

/// The range an unknown number lies in: `lo <= x <= hi`; `None` where unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    pub lo: Option<Frac>,
    pub hi: Option<Frac>,
}

impl Bounds {
    /// Both ends multiplied by `f > 0` (a conversion between units).
    pub fn scaled(self, f: Frac) -> Option<Bounds> {
        Some(Bounds {
            lo: match self.lo {
                Some(x) => Some(x.checked_mul(f)?),
                None => None,
            },
            hi: match self.hi {
                Some(x) => Some(x.checked_mul(f)?),
                None => None,
            },
        })
    }

    /// The bounds of `-x`.
    pub fn negated(self) -> Bounds {
        Bounds {
            lo: self.hi.map(Frac::negate),
            hi: self.lo.map(Frac::negate),
        }
    }
}

impl Why {
    pub fn missing(fact: FactId, detail: String) -> Self {
        Why {
            missing: vec![fact],
            details: vec![detail],
            ..Why::default()
        }
    }
    pub fn reason(r: impl Into<String>) -> Self {
        Why {
            reasons: vec![r.into()],
            ..Why::default()
        }
    }
    pub fn merge(&mut self, other: &Why) {
        for m in &other.missing {
            if !self.missing.contains(m) {
                self.missing.push(*m);
            }
        }
        for d in &other.details {
            if !self.details.contains(d) && self.details.len() < 50 {
                self.details.push(d.clone());
            }
        }
        for r in &other.reasons {
            if !self.reasons.contains(r) && self.reasons.len() < 20 {
                self.reasons.push(r.clone());
            }
        }
    }
}

/// A three-valued value: known, or unknown with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Known(Value),
    Unknown(Arc<Why>),
}

impl V {
    pub fn bool(b: bool) -> V {
        V::Known(Value::Bool(b))
    }
    pub fn why(w: Why) -> V {
        V::Unknown(Arc::new(w))
    }
    pub fn reason(r: impl Into<String>) -> V {
        V::why(Why::reason(r))
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            V::Known(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    /// The same value without bounds: for a value passed on by an operation that
    /// does not keep them.
    pub fn unbounded(self) -> V {
        match self {
            V::Unknown(mut w) if w.bounds.is_some() => {
                Arc::make_mut(&mut w).bounds = None;
                V::Unknown(w)
            }
            v => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_each_fact_detail_and_reason_once_up_to_its_cap() {
        let mut w = Why::default();
        for i in 0..60usize {
            let mut o = Why::missing(i % 7, format!("fact[{}]", i % 55));
            o.reasons.push(format!("reason {}", i % 25));
            w.merge(&o);
            // A second merge of the same adds nothing.
            w.merge(&o);
        }
        assert_eq!(w.missing.len(), 7, "{:?}", w.missing);
        assert_eq!(w.details.len(), 50, "details are kept up to 50");
        assert_eq!(w.reasons.len(), 20, "reasons are kept up to 20");
        let unique = |v: &[String]| {
            let mut s = v.to_vec();
            s.sort();
            s.dedup();
            s.len()
        };
        assert_eq!(unique(&w.details), 50);
        assert_eq!(unique(&w.reasons), 20);
        // The first ones met are the ones kept, in order.
        assert_eq!(w.details[0], "fact[0]");
        assert_eq!(w.reasons[19], "reason 19");
    }
}
