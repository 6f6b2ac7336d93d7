//! Units and dimensions: declared in the rule files (`dimension 金额 { 元 … }`),
//! combined by multiplication and division, converted by exact factors.

use crate::ir::{Dim, Unit, UnitId};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct UnitTable {
    pub units: Vec<Unit>,
    pub base_dims: Vec<String>,
    /// Per base dimension: declared `bare_numbers` (a bare number beside one of its
    /// quantities takes that quantity's unit).
    pub bare_dims: Vec<bool>,
}

impl Default for UnitTable {
    fn default() -> Self {
        UnitTable {
            units: vec![
                Unit {
                    name: String::new(),
                    dim: Vec::new(),
                    scale: Decimal::ONE,
                },
                Unit {
                    name: "%".to_string(),
                    dim: Vec::new(),
                    scale: Decimal::new(1, 2),
                },
                // `crate::ir::UNIT_GROWTH`: nameless, so no rule or fact can name it.
                Unit {
                    name: String::new(),
                    dim: Vec::new(),
                    scale: Decimal::ONE,
                },
            ],
            base_dims: Vec::new(),
            bare_dims: Vec::new(),
        }
    }
}

pub fn dim_mul(a: &Dim, b: &Dim, sign: i32) -> Dim {
    let mut out: Dim = a.clone();
    for (k, e) in b {
        match out.iter_mut().find(|(kk, _)| kk == k) {
            Some(slot) => slot.1 += sign * e,
            None => out.push((*k, sign * e)),
        }
    }
    out.retain(|(_, e)| *e != 0);
    out.sort();
    out
}

impl UnitTable {
    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(id)
    }
    pub fn find(&self, name: &str) -> Option<UnitId> {
        self.units
            .iter()
            .position(|u| u.name == name && !name.is_empty())
    }
    pub fn dim(&self, id: UnitId) -> Dim {
        self.get(id).map(|u| u.dim.clone()).unwrap_or_default()
    }
    pub fn scale(&self, id: UnitId) -> Decimal {
        self.get(id).map(|u| u.scale).unwrap_or(Decimal::ONE)
    }
    pub fn same_dim(&self, a: UnitId, b: UnitId) -> bool {
        self.dim(a) == self.dim(b)
    }
    /// A unit with this dimension and scale: an existing one if there is one
    /// (the first declared), else a new compound unit named `name`.
    pub fn intern(&mut self, dim: Dim, scale: Decimal, name: String) -> UnitId {
        if dim.is_empty() && scale == Decimal::ONE {
            return crate::ir::UNIT_ONE;
        }
        if let Some(i) = self
            .units
            .iter()
            .position(|u| u.dim == dim && u.scale == scale && !u.name.is_empty())
        {
            return i;
        }
        self.units.push(Unit { name, dim, scale });
        self.units.len() - 1
    }
    pub fn product(&mut self, a: UnitId, b: UnitId, divide: bool) -> Option<UnitId> {
        let (ua, ub) = (self.get(a)?.clone(), self.get(b)?.clone());
        let dim = dim_mul(&ua.dim, &ub.dim, if divide { -1 } else { 1 });
        let scale = if divide {
            ua.scale.checked_div(ub.scale)?
        } else {
            ua.scale.checked_mul(ub.scale)?
        };
        let name = match (ua.name.as_str(), ub.name.as_str(), divide) {
            ("", n, false) | (n, "", _) => n.to_string(),
            ("", n, true) => format!("1/{n}"),
            (x, y, true) => format!("{x}/{y}"),
            (x, y, false) => format!("{x}·{y}"),
        };
        Some(self.intern(dim, scale, name))
    }
    /// The finer of two units of one dimension (the smaller scale): converting to it
    /// only multiplies, so it is exact.
    pub fn finer(&self, a: UnitId, b: UnitId) -> UnitId {
        if self.scale(b) < self.scale(a) {
            b
        } else {
            a
        }
    }
    /// The factor that converts a value in `from` to `to`.
    pub fn factor(&self, from: UnitId, to: UnitId) -> Option<Decimal> {
        self.scale(from).checked_div(self.scale(to))
    }
    /// Whether the unit has a dimension (亿元, 平方公里, 吨/万元), as opposed to a plain
    /// number, a percentage or a ratio.
    pub fn is_real(&self, id: UnitId) -> bool {
        !self.dim(id).is_empty()
    }
    /// Whether a bare number beside a quantity in `id` is read in `id` (every base
    /// dimension of its unit declared `bare_numbers`).
    pub fn bare_allowed(&self, id: UnitId) -> bool {
        let dim = self.dim(id);
        !dim.is_empty()
            && dim
                .iter()
                .all(|(k, _)| self.bare_dims.get(*k).copied().unwrap_or(false))
    }
    pub fn describe_dim(&self, id: UnitId) -> String {
        let dim = self.dim(id);
        if dim.is_empty() {
            return "a plain number or ratio".to_string();
        }
        dim.iter()
            .map(|(k, e)| {
                let n = self.base_dims.get(*k).cloned().unwrap_or_default();
                if *e == 1 {
                    n
                } else {
                    format!("{n}^{e}")
                }
            })
            .collect::<Vec<_>>()
            .join("·")
    }
}
