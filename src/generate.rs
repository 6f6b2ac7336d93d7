//! Synthetic clusters for benchmarks and batch tests: realistic facts files for the
//! Shanghai rule set, seeded so a run can be repeated exactly.
//!
//! Cluster `index` of seed `seed` depends only on `(seed, index, as_of)`, never on
//! the clusters before it, so a corpus can be generated in any order or in part.
//! Figures are drawn near every threshold of Article 6 (30亿元, 50%, 10% growth, 5%
//! and 15% growth, 15 patents per 10,000, 10% adoption, the counts), some facts are
//! missing, some clusters have incidents, and the lifecycle states of Articles 15,
//! 16 and 19 all occur: not recognised, recognised later than the evaluation date,
//! valid, under review, lapsed, renewed, late reports, unfiled changes.
//!
//! Numbers are produced as decimal text with integer arithmetic: no binary floats.

use chrono::{Datelike, NaiveDate};
use std::fmt::Write as _;

/// One value of a generated cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Bool(bool),
    /// A number as decimal text (`31.50`).
    Num(String),
    /// A text, a date or a category.
    Text(String),
    /// Figures by year; `None` for a year without a figure.
    Series(Vec<(i32, Option<String>)>),
    /// A list fact, as JSON text (lists are not written to CSV).
    List(String),
}

/// A generated cluster: fact names (dotted, `cluster.name`) and values, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub facts: Vec<(&'static str, Field)>,
}

/// SplitMix64: small, fast, and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from(hi - lo).unwrap_or(0).saturating_add(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        let n = u64::try_from(xs.len()).unwrap_or(1).max(1);
        let i = usize::try_from(self.next() % n).unwrap_or(0);
        xs.get(i).copied().unwrap_or("")
    }
}

/// `v` hundredths as decimal text: 3150 → `31.50`.
fn cents(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// `v` thousandths as decimal text: 182 → `0.182`.
fn mills(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:03}", a / 1000, a % 1000)
}

/// Grow `v` by `rate` (in hundredths of a percent, 1000 = 10%) once, rounding down.
fn grow(v: i64, rate: i64) -> i64 {
    v.saturating_mul(10_000 + rate) / 10_000
}

/// A value around `t`: exactly on it, just below or above, or well away.
fn near(r: &mut Rng, t: i64, step: i64) -> i64 {
    match r.range(0, 9) {
        0 | 1 => t,
        2 | 3 => t - step * r.range(1, 3),
        4 | 5 => t + step * r.range(1, 3),
        6 => t / 2 + r.range(0, t / 4 + 1),
        _ => t + t / 2 + r.range(0, t + 1),
    }
}

/// Like [`near`], but comfortably above the threshold for a strong cluster.
fn fig(r: &mut Rng, strong: bool, t: i64, step: i64) -> i64 {
    if strong {
        t + t / 5 + step + r.range(0, t / 2 + 1)
    } else {
        near(r, t, step)
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(chrono::Duration::days(days))
        .unwrap_or(d)
}

const DISTRICTS: &[&str] = &[
    "浦东新区",
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
];
const INDUSTRIES: &[&str] = &[
    "智能传感器",
    "生物医药",
    "集成电路设计",
    "汽车零部件",
    "工业软件",
    "新材料",
    "航空航天配套",
    "美丽健康",
    "智能电网装备",
    "机器人",
];
const CATEGORIES: &[&str] = &[
    "safety",
    "quality",
    "environment",
    "network_security",
    "data_security",
    "tax_evasion",
    "illegal_conduct",
    "serious_dishonesty",
    "other_major",
];
const SEVERITIES: &[&str] = &["general", "larger", "major", "especially_major"];

/// Generate cluster `index` of the corpus `seed`, for evaluation on `as_of`.
pub fn cluster(seed: u64, index: u64, as_of: NaiveDate) -> Cluster {
    let mut r = Rng::new(seed, index);
    // A third of the clusters are strong candidates: every figure well above its
    // threshold, no fact missing. The others sit near the thresholds.
    let strong = r.chance(35);
    let y = as_of.year();
    // The three complete years before the evaluation year, sometimes one more.
    let first = if r.chance(20) { y - 4 } else { y - 3 };
    let years: Vec<i32> = (first..y).collect();
    let mut f: Vec<(&'static str, Field)> = Vec::with_capacity(56);
    let district = r.pick(DISTRICTS);
    let industry = r.pick(INDUSTRIES);
    f.push((
        "cluster.name",
        Field::Text(format!("{district}{industry}中小企业特色产业集群{index}")),
    ));
    f.push(("cluster.district", Field::Text(district.into())));
    f.push(("cluster.leading_industry", Field::Text(industry.into())));

    // A series grown by `rate` each year from `start`, with the odd year missing.
    let series = |r: &mut Rng, start: i64, rate: i64, show: fn(i64) -> String| {
        let mut v = start;
        let mut out = Vec::with_capacity(years.len());
        for (i, yr) in years.iter().enumerate() {
            if i > 0 {
                v = grow(v, rate + r.range(-30, 30));
            }
            let missing = !strong && r.chance(2);
            out.push((*yr, (!missing).then(|| show(v))));
        }
        Field::Series(out)
    };

    f.push((
        "industrial_policy_compliant",
        Field::Bool(!r.chance(if strong { 1 } else { 5 })),
    ));
    f.push((
        "district_pillar_or_featured",
        Field::Bool(!r.chance(if strong { 1 } else { 5 })),
    ));
    f.push((
        "segment_front_runner",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    f.push(("land_area", Field::Num(cents(near(&mut r, 10_000, 50)))));
    // Output around 30亿元 at the start, growth around 10% a year.
    let out0 = fig(&mut r, strong, 3_000, 20);
    let out_rate = fig(&mut r, strong, 1_000, 25);
    let output = series(&mut r, out0, out_rate, cents);
    let share = |r: &mut Rng, s: &Field, pct: i64| match s {
        Field::Series(v) => Field::Series(
            v.iter()
                .map(|(yr, x)| {
                    let x = x
                        .as_ref()
                        .and_then(|t| t.replace('.', "").parse::<i64>().ok());
                    (*yr, x.map(|c| cents(c * pct / 100 + r.range(-1, 1))))
                })
                .collect(),
        ),
        other => other.clone(),
    };
    let sme_pct = fig(&mut r, strong, 50, 1);
    let lead_pct = fig(&mut r, strong, 50, 1);
    let sme = share(&mut r, &output, sme_pct);
    let lead = share(&mut r, &output, lead_pct);
    f.push(("output_value", output));
    f.push(("sme_output_value", sme));
    f.push(("leading_industry_output_value", lead));
    f.push((
        "tiered_cultivation_ongoing",
        Field::Bool(!r.chance(if strong { 1 } else { 6 })),
    ));
    f.push((
        "champion_or_little_giant_count",
        Field::Num(r.range(i64::from(strong), 3).to_string()),
    ));
    f.push((
        "srdi_or_high_tech_count",
        Field::Num(fig(&mut r, strong, 10, 1).to_string()),
    ));
    for name in [
        "chain_coordination_mechanism",
        "chain_map_drawn",
        "sharing_mechanism",
        "chain_partner_cooperation",
    ] {
        f.push((name, Field::Bool(!r.chance(if strong { 1 } else { 15 }))));
    }
    let rd0 = r.range(20_000, 120_000);
    let rd_rate = fig(&mut r, strong, 500, 10);
    let rd = series(&mut r, rd0, rd_rate, |v| v.to_string());
    f.push(("sme_rd_expenditure", rd));
    f.push((
        "research_cooperation",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    f.push((
        "innovation_platforms",
        Field::Num(r.range(i64::from(strong), 3).to_string()),
    ));
    f.push((
        "standards_participated",
        Field::Num(fig(&mut r, strong, 2, 1).max(0).to_string()),
    ));
    // Patents per 10,000 employees around 15; patent growth around 15%.
    let employees0 = r.range(5_000, 60_000);
    let per10k = fig(&mut r, strong, 15, 1).max(1);
    let pat_rate = fig(&mut r, strong, 1_500, 20);
    let last_emp = employees0 + 400 * i64::try_from(years.len()).unwrap_or(3);
    let pat_last = last_emp * per10k / 10_000 + r.range(0, 1);
    // Work back from the last year so the ratio lands where intended.
    let mut pats = Vec::with_capacity(years.len());
    let mut p = pat_last.max(1);
    for _ in &years {
        pats.push(p);
        p = (p * 10_000 / (10_000 + pat_rate)).max(1);
    }
    pats.reverse();
    let patents = Field::Series(
        years
            .iter()
            .zip(&pats)
            .map(|(yr, p)| (*yr, (strong || !r.chance(2)).then(|| p.to_string())))
            .collect(),
    );
    let employees = Field::Series(
        years
            .iter()
            .enumerate()
            .map(|(i, yr)| {
                let n = employees0 + 400 * i64::try_from(i + 1).unwrap_or(0);
                (*yr, (strong || !r.chance(2)).then(|| n.to_string()))
            })
            .collect(),
    );
    f.push(("sme_invention_patents", patents));
    f.push(("sme_employees", employees));
    f.push((
        "digital_infrastructure",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    f.push((
        "digital_diagnosis_organised",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    let adopt0 = fig(&mut r, strong, 1_000, 20);
    let adoption = series(&mut r, adopt0, 200, cents);
    f.push(("industrial_internet_adoption", adoption));
    f.push((
        "production_data_connected",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    f.push((
        "industrial_internet_security",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    // CO2 intensity: usually falling, sometimes flat or rising in one year.
    let co2_rate = if strong || r.chance(75) { -400 } else { 0 };
    let co2_0 = r.range(120, 400);
    let co2 = series(&mut r, co2_0, co2_rate, mills);
    f.push(("co2_intensity", co2));
    f.push((
        "green_service_mechanism",
        Field::Bool(!r.chance(if strong { 1 } else { 8 })),
    ));
    let high_energy = r.chance(20);
    f.push(("high_energy_industry", Field::Bool(high_energy)));
    if high_energy || r.chance(10) {
        f.push((
            "energy_efficiency_above_benchmark",
            Field::Bool(!r.chance(if strong { 1 } else { 25 })),
        ));
    }
    let high_water = r.chance(15);
    f.push(("high_water_industry", Field::Bool(high_water)));
    if high_water || r.chance(10) {
        f.push((
            "water_efficiency_above_benchmark",
            Field::Bool(!r.chance(if strong { 1 } else { 25 })),
        ));
    }
    f.push((
        "international_cooperation",
        Field::Bool(!r.chance(if strong { 1 } else { 10 })),
    ));
    for name in [
        "operator_established",
        "public_service_institution",
        "service_specialist_team",
        "grievance_mechanism",
        "policy_full_coverage",
        "three_year_plan",
    ] {
        f.push((name, Field::Bool(!r.chance(if strong { 1 } else { 4 }))));
    }
    f.push(("incidents", Field::List(incidents(&mut r, as_of, strong))));
    lifecycle(&mut r, as_of, &mut f);

    // Some facts are simply not given.
    let mut kept = Vec::with_capacity(f.len());
    for (name, v) in f {
        let essential = name.starts_with("cluster.") || name == "recognition.date";
        if essential || strong || !r.chance(3) {
            kept.push((name, v));
        }
    }
    Cluster { facts: kept }
}

fn incidents(r: &mut Rng, as_of: NaiveDate, strong: bool) -> String {
    let n = match r.range(0, 9) {
        _ if strong && r.chance(80) => 0,
        0..=5 => 0,
        6 | 7 => 1,
        8 => 2,
        _ => 3,
    };
    let mut s = String::from("[");
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        // Around the three-year window's edge, inside and outside it.
        let d = shift(as_of, -r.range(0, 5 * 365));
        let cat = r.pick(CATEGORIES);
        let _ = write!(s, "{{\"date\": \"{}\", \"category\": \"{cat}\"", date(d));
        if !r.chance(10) {
            let _ = write!(s, ", \"severity\": \"{}\"", r.pick(SEVERITIES));
        }
        s.push('}');
    }
    s.push(']');
    s
}

/// Recognition, reviews, annual reports, changes and the Article 19 flags.
fn lifecycle(r: &mut Rng, as_of: NaiveDate, f: &mut Vec<(&'static str, Field)>) {
    let state = r.range(0, 9);
    let years_ago = |r: &mut Rng, lo: i64, hi: i64| shift(as_of, -r.range(lo, hi));
    let recognised = match state {
        // Not recognised: Articles 15, 16 and 19 do not apply.
        0 | 1 => None,
        // Recognised after the evaluation date: not yet applicable.
        2 => Some(shift(as_of, r.range(1, 200))),
        // Within the first three years: valid.
        3..=5 => Some(years_ago(r, 30, 3 * 365 - 30)),
        // Around the third anniversary.
        6 => Some(years_ago(r, 3 * 365 - 20, 3 * 365 + 20)),
        // Long ago: lapsed, under review or renewed, by the reviews below.
        _ => Some(years_ago(r, 3 * 365 + 30, 6 * 365 + 300)),
    };
    let Some(rec) = recognised else {
        return;
    };
    f.push(("recognition.date", Field::Text(date(rec))));
    let expiry = shift(rec, 3 * 365);
    let reviews = match (state, r.range(0, 3)) {
        (7..=9, 0) => "[]".to_string(),
        (7..=9, 1) => format!(
            "[{{\"applied_on\": \"{}\", \"result\": \"pending\"}}]",
            date(shift(expiry, -r.range(0, 60)))
        ),
        (7..=9, 2) => format!(
            "[{{\"applied_on\": \"{}\", \"result\": \"failed\"}}]",
            date(shift(expiry, -r.range(0, 60)))
        ),
        (7..=9, _) => format!(
            "[{{\"applied_on\": \"{}\", \"result\": \"passed\"}}]",
            date(shift(expiry, -r.range(0, 60)))
        ),
        _ => "[]".to_string(),
    };
    f.push(("reviews", Field::List(reviews)));
    // Annual reports: due by 10 April of each year after recognition.
    let mut reports = String::from("[");
    let mut first = true;
    for year in (rec.year() + 1)..=as_of.year() {
        if r.chance(8) {
            continue; // not submitted
        }
        let due = NaiveDate::from_ymd_opt(year, 4, 10).unwrap_or(as_of);
        let submitted = shift(due, -r.range(-3, 20));
        if submitted > as_of {
            continue;
        }
        if !first {
            reports.push_str(", ");
        }
        first = false;
        let _ = write!(
            reports,
            "{{\"year\": {}, \"submitted_on\": \"{}\"}}",
            year - 1,
            date(submitted)
        );
    }
    reports.push(']');
    f.push(("annual_reports", Field::List(reports)));
    let changes = if r.chance(80) {
        "[]".to_string()
    } else {
        let d = shift(rec, r.range(10, 700)).min(as_of);
        let kind = r.pick(&["leading_industry", "spatial_scope", "operator"]);
        let filed = match r.range(0, 2) {
            0 => "null".to_string(),
            1 => format!("\"{}\"", date(shift(d, r.range(0, 30)))),
            _ => format!("\"{}\"", date(shift(d, r.range(25, 40)))),
        };
        format!(
            "[{{\"kind\": \"{kind}\", \"date\": \"{}\", \"filed_on\": {filed}}}]",
            date(d)
        )
    };
    f.push(("changes", Field::List(changes)));
    f.push(("supervision_refused", Field::Bool(r.chance(3))));
    f.push(("false_application", Field::Bool(r.chance(3))));
    f.push(("operator_violation", Field::Bool(r.chance(3))));
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(out: &mut String, v: &Field) {
    match v {
        Field::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Field::Num(n) => out.push_str(n),
        Field::Text(t) => json_string(out, t),
        Field::List(l) => out.push_str(l),
        Field::Series(s) => {
            out.push('{');
            let mut first = true;
            for (y, x) in s {
                let Some(x) = x else { continue };
                if !first {
                    out.push_str(", ");
                }
                first = false;
                let _ = write!(out, "\"{y}\": {x}");
            }
            out.push('}');
        }
    }
}

impl Cluster {
    /// The cluster as one line of JSON (no newline), `cluster.*` and `recognition.*`
    /// nested as in the examples.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(2048);
        out.push('{');
        let mut i = 0;
        let mut first = true;
        while let Some((name, v)) = self.facts.get(i) {
            if !first {
                out.push_str(", ");
            }
            first = false;
            match name.split_once('.') {
                Some((group, _)) => {
                    json_string(&mut out, group);
                    out.push_str(": {");
                    let mut inner_first = true;
                    while let Some((n, v)) = self.facts.get(i) {
                        let Some((g, field)) = n.split_once('.') else {
                            break;
                        };
                        if g != group {
                            break;
                        }
                        if !inner_first {
                            out.push_str(", ");
                        }
                        inner_first = false;
                        json_string(&mut out, field);
                        out.push_str(": ");
                        json_value(&mut out, v);
                        i += 1;
                    }
                    out.push('}');
                    continue;
                }
                None => {
                    json_string(&mut out, name);
                    out.push_str(": ");
                    json_value(&mut out, v);
                }
            }
            i += 1;
        }
        out.push('}');
        out
    }

    /// The cells of a CSV row under [`csv_header`]; empty where a fact is not given.
    pub fn csv_cells(&self, header: &[String]) -> Vec<String> {
        header
            .iter()
            .map(|col| {
                for (name, v) in &self.facts {
                    match v {
                        Field::Series(s) => {
                            let Some((base, year)) = col.rsplit_once('.') else {
                                continue;
                            };
                            if base != *name {
                                continue;
                            }
                            let want: Option<i32> = year.parse().ok();
                            return s
                                .iter()
                                .find(|(y, _)| Some(*y) == want)
                                .and_then(|(_, x)| x.clone())
                                .unwrap_or_default();
                        }
                        _ if *name == col.as_str() => {
                            return match v {
                                Field::Bool(b) => b.to_string(),
                                Field::Num(n) | Field::Text(n) => n.clone(),
                                Field::List(_) | Field::Series(_) => String::new(),
                            };
                        }
                        _ => {}
                    }
                }
                String::new()
            })
            .collect()
    }
}

/// The CSV columns of generated clusters evaluated on `as_of`: every fact that is not
/// a list, series as one column per year (`output_value.2022`).
pub fn csv_header(as_of: NaiveDate) -> Vec<String> {
    let y = as_of.year();
    let mut out = Vec::new();
    for name in SCALARS_BEFORE_SERIES {
        out.push((*name).to_string());
    }
    for name in SERIES {
        for yr in (y - 4)..y {
            out.push(format!("{name}.{yr}"));
        }
    }
    for name in SCALARS_AFTER {
        out.push((*name).to_string());
    }
    out
}

const SCALARS_BEFORE_SERIES: &[&str] = &[
    "cluster.name",
    "cluster.district",
    "cluster.leading_industry",
    "recognition.date",
    "industrial_policy_compliant",
    "district_pillar_or_featured",
    "segment_front_runner",
    "land_area",
    "tiered_cultivation_ongoing",
    "champion_or_little_giant_count",
    "srdi_or_high_tech_count",
    "chain_coordination_mechanism",
    "chain_map_drawn",
    "sharing_mechanism",
    "chain_partner_cooperation",
    "research_cooperation",
    "innovation_platforms",
    "standards_participated",
];
const SERIES: &[&str] = &[
    "output_value",
    "sme_output_value",
    "leading_industry_output_value",
    "sme_rd_expenditure",
    "sme_invention_patents",
    "sme_employees",
    "industrial_internet_adoption",
    "co2_intensity",
];
const SCALARS_AFTER: &[&str] = &[
    "digital_infrastructure",
    "digital_diagnosis_organised",
    "production_data_connected",
    "industrial_internet_security",
    "green_service_mechanism",
    "high_energy_industry",
    "energy_efficiency_above_benchmark",
    "high_water_industry",
    "water_efficiency_above_benchmark",
    "international_cooperation",
    "operator_established",
    "public_service_institution",
    "service_specialist_team",
    "grievance_mechanism",
    "policy_full_coverage",
    "three_year_plan",
    "supervision_refused",
    "false_application",
    "operator_violation",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    #[test]
    fn repeatable_and_independent_of_order() {
        let a: Vec<String> = (0..20).map(|i| cluster(7, i, day()).to_json()).collect();
        let b: Vec<String> = (0..20)
            .rev()
            .map(|i| cluster(7, i, day()).to_json())
            .collect();
        let b: Vec<String> = b.into_iter().rev().collect();
        assert_eq!(a, b);
        assert_ne!(cluster(7, 0, day()), cluster(8, 0, day()));
    }

    #[test]
    fn decimal_text() {
        assert_eq!(cents(3000), "30.00");
        assert_eq!(cents(-5), "-0.05");
        assert_eq!(mills(182), "0.182");
        assert_eq!(grow(1000, 1000), 1100);
    }

    #[test]
    fn csv_cells_follow_the_header() {
        let h = csv_header(day());
        let c = cluster(1, 3, day());
        let cells = c.csv_cells(&h);
        assert_eq!(cells.len(), h.len());
        assert!(cells.first().is_some_and(|n| n.contains("集群")));
    }
}
