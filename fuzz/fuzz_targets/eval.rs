//! Evaluation of the shipped rule set against structure-aware facts: a facts file
//! is generated from the fact declarations (the right shapes, mostly, with values
//! near the thresholds, wrong types, nulls and missing keys now and then), read by
//! the loader, evaluated and rendered; rendering twice gives the same bytes.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use policy::facts::Format;
use policy::ir::{Program, Ty};
use policy_fuzz::{check_diags, evaluate_and_render, shipped_rule_set};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Numbers near the shipped thresholds and at the edges of exact decimals.
const NUMBERS: &[&str] = &[
    "0", "-0", "1", "-1", "2", "3", "5", "9.99", "10", "10.01", "14.999", "15", "29.999999999",
    "30", "30.000000000000000000000000001", "49.99", "50", "50.01", "99.9999", "100", "100.01",
    "0.5", "0.4999999", "0.05", "0.1", "1e3", "1E-2", "79228162514264337593543950335",
    "-79228162514264337593543950335", "0.0000000000000000000000000001", "1e28", "1e-28",
    "1e400", "99999999999999999999999999999", "12345678901234567.89", "",
];

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    p: &'a Program,
}

impl Gen<'_, '_> {
    fn number_text(&mut self) -> Result<String> {
        if self.u.ratio(1, 4)? {
            let n: i64 = self.u.arbitrary()?;
            let scale = self.u.int_in_range(0..=30)?;
            let digits = n.unsigned_abs().to_string();
            let sign = if n < 0 { "-" } else { "" };
            return Ok(if scale == 0 || scale >= digits.len() {
                format!("{sign}{digits}")
            } else {
                let (a, b) = digits.split_at(digits.len() - scale);
                format!("{sign}{a}.{b}")
            });
        }
        Ok(self.u.choose(NUMBERS)?.to_string())
    }

    fn number(&mut self, unit: usize) -> Result<Value> {
        let text = self.number_text()?;
        match self.u.int_in_range(0..=3)? {
            // A bare JSON number, where JSON can write it.
            0 | 1 => Ok(text
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<f64>().map(|f| json!(f)))
                .unwrap_or(Value::String(text))),
            // A text with the declared unit or another one.
            2 => {
                let name = self.p.units.get(unit).map(|u| u.name.clone()).unwrap_or_default();
                Ok(Value::String(format!("{text}{name}")))
            }
            _ => {
                let other = self.u.choose(&self.p.units)?.name.clone();
                Ok(Value::String(format!("{text}{other}")))
            }
        }
    }

    fn date(&mut self) -> Result<Value> {
        let y = self.u.int_in_range(2018..=2027)?;
        let m = self.u.int_in_range(1..=13)?;
        let d = self.u.int_in_range(1..=31)?;
        Ok(Value::String(format!("{y:04}-{m:02}-{d:02}")))
    }

    fn junk(&mut self) -> Result<Value> {
        Ok(match self.u.int_in_range(0..=6)? {
            0 => Value::Null,
            1 => Value::Bool(self.u.arbitrary()?),
            2 => json!(self.u.arbitrary::<i32>()?),
            3 => Value::String(self.u.arbitrary()?),
            4 => json!([]),
            5 => json!({}),
            _ => Value::String("３０亿元".into()),
        })
    }

    fn value(&mut self, ty: &Ty, depth: usize) -> Result<Value> {
        if depth > 6 || self.u.ratio(1, 24)? {
            return self.junk();
        }
        Ok(match ty {
            Ty::Bool => Value::Bool(self.u.arbitrary()?),
            Ty::Num(u) | Ty::Count(u) => self.number(*u)?,
            Ty::Date => self.date()?,
            Ty::Text => Value::String(self.u.arbitrary()?),
            Ty::Enum(e) => {
                let Some(def) = self.p.enums.get(*e) else {
                    return self.junk();
                };
                let (name, label) = self.u.choose(&def.variants)?.clone();
                match (self.u.int_in_range(0..=4)?, label) {
                    (0, Some(l)) => Value::String(l),
                    (1, _) => Value::String(format!(" {name} ")),
                    (2, _) => Value::String(name.to_uppercase()),
                    _ => Value::String(name),
                }
            }
            Ty::Record(r) => {
                let Some(def) = self.p.records.get(*r) else {
                    return self.junk();
                };
                let fields: Vec<(String, Ty)> =
                    def.fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect();
                let mut m = Map::new();
                for (name, ty) in fields {
                    match self.u.int_in_range(0..=9)? {
                        0 => {}
                        1 => {
                            m.insert(name, Value::Null);
                        }
                        _ => {
                            let v = self.value(&ty, depth + 1)?;
                            m.insert(name, v);
                        }
                    }
                }
                if self.u.ratio(1, 16)? {
                    m.insert("extra".into(), Value::Bool(true));
                }
                Value::Object(m)
            }
            Ty::List(inner) => {
                let n = self.u.int_in_range(0..=5)?;
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.value(inner, depth + 1)?);
                }
                Value::Array(items)
            }
            Ty::Series(inner) => {
                let mut m = Map::new();
                let from = self.u.int_in_range(2017..=2026)?;
                let n = self.u.int_in_range(0..=5)?;
                for y in from..from + n {
                    let key = if self.u.ratio(1, 32)? {
                        format!("{y}年")
                    } else {
                        y.to_string()
                    };
                    let v = if self.u.ratio(1, 10)? {
                        Value::Null
                    } else {
                        self.value(inner, depth + 1)?
                    };
                    m.insert(key, v);
                }
                Value::Object(m)
            }
            Ty::OrNone(inner) => {
                if self.u.ratio(1, 4)? {
                    Value::Null
                } else {
                    self.value(inner, depth)?
                }
            }
            Ty::Duration | Ty::MonthDay | Ty::NoneLit | Ty::Error => self.junk()?,
        })
    }

    fn facts(&mut self) -> Result<Value> {
        let mut m = Map::new();
        let decls: Vec<(String, Ty)> =
            self.p.facts.iter().map(|f| (f.name.clone(), f.ty.clone())).collect();
        for (name, ty) in decls {
            match self.u.int_in_range(0..=9)? {
                0 => {}
                1 => {
                    m.insert(name, Value::Null);
                }
                _ => {
                    let v = self.value(&ty, 0)?;
                    m.insert(name, v);
                }
            }
        }
        if self.u.ratio(1, 16)? {
            m.insert("unknown_fact".into(), json!(1));
        }
        Ok(Value::Object(m))
    }
}

fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<(policy::diag::Sources, policy::RuleSet)> = OnceLock::new();
    let (base, rules) = RULES.get_or_init(shipped_rule_set);
    let mut u = Unstructured::new(data);
    let Ok(facts) = (Gen { u: &mut u, p: &rules.program }).facts() else {
        return;
    };
    let days = u.int_in_range(0..=3650).unwrap_or(0);
    let as_of = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        .unwrap_or_default();
    let text = serde_json::to_string_pretty(&facts).unwrap_or_default();
    let mut sources = base.clone();
    let id = sources.add("fuzz.json", text.as_str());
    match policy::facts::load(&rules.program, Format::Json, &text, id) {
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()), "failed without an error");
            check_diags(&sources, &diags);
        }
        Ok((facts, warnings)) => {
            check_diags(&sources, &warnings);
            evaluate_and_render(&sources, &rules.program, &facts, &warnings, as_of);
            // The same input renders to the same bytes.
            let render = || {
                let ev = policy::eval::evaluate(&rules.program, &facts, as_of, true);
                let report = policy::render::Report {
                    program: &rules.program,
                    evaluation: &ev,
                    sources: &sources,
                    fact_warnings: &warnings,
                };
                serde_json::to_string(&policy::render::json::render(&report)).unwrap_or_default()
            };
            assert_eq!(render(), render());
        }
    }
});
