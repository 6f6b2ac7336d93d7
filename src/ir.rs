//! The checked program: every name resolved to an index, every expression typed,
//! every unit conversion made explicit. Evaluation never looks a name up by string.

use crate::syntax::ast::{BinOp, PartKind, RuleKind, Span};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A decimal kept as its sixteen bytes (the cached rule set, `src/cache.rs`): exact, and
/// readable by any serde format, including those that cannot tell a value's type by itself.
mod exact {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        d.serialize().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        <[u8; 16]>::deserialize(d).map(Decimal::deserialize)
    }
}

/// Text read back from the cached rule set (`src/cache.rs`): written as any string is, read
/// as its bytes and checked to be UTF-8 by `simdutf8`, with vector instructions. The texts
/// of articles, clauses and rules are mostly Chinese, which the standard check reads a
/// byte at a time: at every `policy check`, reading them back took nearly as long as the
/// check's evaluation. (JSON, asked for bytes, gives a string's bytes: the same reading.)
mod text {
    use serde::de::{Deserializer, Error, SeqAccess, Visitor};

    struct One;

    impl<'de> Visitor<'de> for One {
        type Value = String;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("UTF-8 text")
        }

        fn visit_bytes<E: Error>(self, b: &[u8]) -> Result<String, E> {
            simdutf8::basic::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| E::custom("text that is not UTF-8"))
        }
    }

    /// One text.
    pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_bytes(One)
    }

    /// A text or none.
    pub fn maybe<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct Maybe;
        impl<'de> Visitor<'de> for Maybe {
            type Value = Option<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("UTF-8 text or none")
            }
            fn visit_none<E: Error>(self) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
                one(d).map(Some)
            }
        }
        d.deserialize_option(Maybe)
    }

    /// Texts in order (paragraphs).
    pub fn many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct Many;
        struct Item(String);
        impl<'de> serde::Deserialize<'de> for Item {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
                one(d).map(Item)
            }
        }
        impl<'de> Visitor<'de> for Many {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of UTF-8 texts")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
                // Room for what the format says is there, up to a bound: a corrupt length
                // reserves nothing large.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(Item(t)) = seq.next_element()? {
                    out.push(t);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Many)
    }
}

/// The body of a function, shared by its calls (`ExprKind::Inline`), written once in the
/// cached rule set (`src/cache.rs`) and read back shared.
///
/// A program is a graph: the calls of a function with the same argument types share one
/// checked body. Written out as a tree, a chain of functions each calling the one
/// before twice would be 2³¹ bodies long. Within [`shared::writing`], a body is
/// written whole the first time it is met and by its number after that; within
/// [`shared::reading`], numbers are taken back in the same order. Bodies are numbered
/// once written whole, after the bodies inside them, which is also the order in which
/// they are read back. Outside those two, a body is written whole every time (the
/// program as a tree), and a number is refused.
pub mod shared {
    use super::Expr;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::Arc;

    thread_local! {
        /// While writing: the number of each body written, by its address.
        static WRITTEN: RefCell<Option<HashMap<usize, u32>>> = const { RefCell::new(None) };
        /// While reading: the bodies read, by number.
        static READ: RefCell<Option<Vec<Arc<Expr>>>> = const { RefCell::new(None) };
    }

    #[derive(Serialize)]
    enum Out<'a> {
        Whole(&'a Expr),
        Seen(u32),
    }

    #[derive(Deserialize)]
    enum In {
        Whole(Expr),
        Seen(u32),
    }

    /// Puts the table back as it was, also if the work panics.
    struct Restore<T: 'static> {
        key: &'static std::thread::LocalKey<RefCell<Option<T>>>,
        before: Option<T>,
    }

    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            let before = self.before.take();
            self.key.with(|t| *t.borrow_mut() = before);
        }
    }

    fn within<T, R>(
        key: &'static std::thread::LocalKey<RefCell<Option<T>>>,
        fresh: T,
        f: impl FnOnce() -> R,
    ) -> R {
        let before = key.with(|t| t.borrow_mut().replace(fresh));
        let _restore = Restore { key, before };
        f()
    }

    /// Run `f`, which serializes programs, writing each shared body once.
    pub fn writing<R>(f: impl FnOnce() -> R) -> R {
        within(&WRITTEN, HashMap::new(), f)
    }

    /// Run `f`, which deserializes what [`writing`] serialized, sharing the bodies again.
    pub fn reading<R>(f: impl FnOnce() -> R) -> R {
        within(&READ, Vec::new(), f)
    }

    pub fn serialize<S: Serializer>(body: &Arc<Expr>, s: S) -> Result<S::Ok, S::Error> {
        let at = Arc::as_ptr(body) as usize;
        let seen = WRITTEN.with(|w| w.borrow().as_ref().and_then(|m| m.get(&at).copied()));
        if let Some(n) = seen {
            return Out::Seen(n).serialize(s);
        }
        let out = Out::Whole(body).serialize(s)?;
        WRITTEN.with(|w| {
            if let Some(m) = w.borrow_mut().as_mut() {
                // Past 2³² bodies, a body is no longer numbered, and is written whole
                // each time (the reader numbers it all the same, and is never asked).
                if let Ok(n) = u32::try_from(m.len()) {
                    m.insert(at, n);
                }
            }
        });
        Ok(out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Expr>, D::Error> {
        match In::deserialize(d)? {
            In::Whole(e) => {
                let body = Arc::new(e);
                READ.with(|r| {
                    if let Some(v) = r.borrow_mut().as_mut() {
                        v.push(Arc::clone(&body));
                    }
                });
                Ok(body)
            }
            In::Seen(n) => READ
                .with(|r| r.borrow().as_ref().and_then(|v| v.get(n as usize).cloned()))
                .ok_or_else(|| D::Error::custom("a function body numbered before it was read")),
        }
    }
}

pub type FactId = usize;
pub type UnitId = usize;
pub type EnumId = usize;
pub type RecordId = usize;
pub type SlotId = usize;
pub type DecisionId = usize;
pub type AnnotId = usize;

/// The dimensionless unit (a plain number).
pub const UNIT_ONE: UnitId = 0;
/// The percent unit: dimensionless, one hundredth.
pub const UNIT_PERCENT: UnitId = 1;
/// The unit of a compound growth rate (`growth(s, w)`): a plain number that can be
/// compared but not computed with, since it is kept as an exact root.
pub const UNIT_GROWTH: UnitId = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Program {
    pub header: Header,
    pub units: Vec<Unit>,
    pub enums: Vec<EnumDef>,
    pub records: Vec<RecordDef>,
    pub facts: Vec<FactDef>,
    pub slots: Vec<Slot>,
    pub articles: Vec<ArticleDef>,
    pub decisions: Vec<DecisionDef>,
    /// Interpretations and assumptions, referred to by [`AnnotId`].
    pub annotations: Vec<Annot>,
    /// Fact ids by name, for reading facts files.
    pub fact_index: NameIndex,
    /// The groups of facts a facts file may nest (`cluster` for `cluster.name`): every
    /// dotted prefix of a fact's name, sorted.
    pub fact_groups: Vec<String>,
}

/// Fact ids by name: looked up for every key of every facts file, so hashed with the
/// (randomly seeded) foldhash rather than SipHash.
pub type NameIndex = std::collections::HashMap<String, FactId, foldhash::fast::RandomState>;

impl Program {
    /// The name of variant `i` of the category of type `ty` (`"valid"`).
    pub fn variant_name(&self, ty: &Ty, i: usize) -> Option<&str> {
        match ty.strip_none() {
            Ty::Enum(e) => self.enums.get(*e)?.variants.get(i).map(|(n, _)| n.as_str()),
            _ => None,
        }
    }

    /// The fact declared with this name.
    pub fn fact_id(&self, name: &str) -> Option<FactId> {
        self.fact_index.get(name).copied()
    }

    /// Whether `name` is a group of facts: some fact is named `name.…`.
    pub fn is_fact_group(&self, name: &str) -> bool {
        self.fact_groups
            .binary_search_by(|g| g.as_str().cmp(name))
            .is_ok()
    }

    /// The groups of the facts `facts`, for [`Program::fact_groups`].
    pub fn groups_of(facts: &[FactDef]) -> Vec<String> {
        let mut groups: Vec<String> = facts
            .iter()
            .flat_map(|f| {
                f.name
                    .match_indices('.')
                    .filter_map(|(i, _)| f.name.get(..i).map(str::to_string))
            })
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }
}

/// The header of the version this program is: the rule set's title, and the name,
/// document, issuer, issue date and period in force of the version that applies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub title: String,
    /// The applied version's name (`None` for a header without `version` blocks).
    pub version: Option<String>,
    pub document: Option<String>,
    pub issued_by: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// The applied version's period in force (`Period::ALWAYS` when none is declared).
    pub in_force: Period,
    /// The measures' words on the period (`in_force … source "第二十一条 …"`).
    pub in_force_source: Option<String>,
    /// The dates this program serves: the applied version's period, or the part of it
    /// between two dates on which a dated item or parameter value changes.
    pub applies: Period,
    /// Every version of the rule set, by start date (one for a header without versions).
    pub versions: Vec<Version>,
    /// The applied version's declaration (the `policy` block for a header without versions).
    pub span: Span,
}

/// One version of the document a rule set holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub name: Option<String>,
    pub document: Option<String>,
    pub issued_by: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub in_force: Period,
    pub in_force_source: Option<String>,
    pub span: Span,
}

impl Version {
    /// How a message names the version: `“2023年申报通知”（沪经信…）` or the document alone.
    pub fn describe(&self) -> String {
        match (&self.name, &self.document) {
            (Some(n), Some(d)) => format!("“{n}”（{d}）"),
            (Some(n), None) => format!("“{n}”"),
            (None, Some(d)) => d.clone(),
            (None, None) => "the rule set".into(),
        }
    }
}

/// A span of dates, both ends included; an end that is `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Period {
    /// Every date.
    pub const ALWAYS: Period = Period {
        from: None,
        until: None,
    };

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u)
    }

    /// Whether some date lies in both.
    pub fn overlaps(&self, other: &Period) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(a), Some(b)) => a <= b,
            _ => true,
        };
        let other_starts_before_end = match (other.from, self.until) {
            (Some(a), Some(b)) => a <= b,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_end
    }

    /// Whether every date of `other` lies in this one.
    pub fn covers(&self, other: &Period) -> bool {
        let from_ok = match (self.from, other.from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let until_ok = match (self.until, other.until) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => b <= a,
        };
        from_ok && until_ok
    }

    /// `2024-02-22 to 2029-02-21`, `from 2024-02-22`, `until 2024-02-21`, `every date`.
    pub fn text(&self) -> String {
        match (self.from, self.until) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            (Some(a), None) => format!("from {a}"),
            (None, Some(b)) => format!("until {b}"),
            (None, None) => "every date".into(),
        }
    }

    /// The same in Chinese: `2024-02-22至2029-02-21`, `自2024-02-22起施行`.
    pub fn text_zh(&self) -> String {
        match (self.from, self.until) {
            (Some(a), Some(b)) => format!("{a}至{b}"),
            (Some(a), None) => format!("自{a}起施行"),
            (None, Some(b)) => format!("至{b}"),
            (None, None) => "不限日期".into(),
        }
    }
}

/// A unit: its display name, its dimension (base dimension → exponent) and its size
/// in the dimension's base units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub name: String,
    pub dim: Dim,
    #[serde(with = "exact")]
    pub scale: Decimal,
}

/// A dimension as exponents of base dimensions, sorted by base index; empty for a plain number.
pub type Dim = Vec<(usize, i32)>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnumDef {
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub ordered: bool,
    pub variants: Vec<(String, Option<String>)>,
}

impl EnumDef {
    /// The value written `s`, by its name (`"larger"`) or its label (`"较大"`).
    pub fn variant(&self, s: &str) -> Option<usize> {
        self.variants
            .iter()
            .position(|(n, l)| n == s || l.as_deref() == Some(s))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordDef {
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub ty: Ty,
    /// Absent means unknown.
    pub optional: bool,
    /// `null` or absent means the known value `none`.
    pub or_none: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactDef {
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Ty {
    Bool,
    Num(UnitId),
    /// A whole number (`count 家`, `year`).
    Count(UnitId),
    Date,
    Duration,
    MonthDay,
    Text,
    Enum(EnumId),
    Record(RecordId),
    List(Box<Ty>),
    Series(Box<Ty>),
    /// `T or none`.
    OrNone(Box<Ty>),
    /// The literal `none`.
    NoneLit,
    /// An expression that already produced a diagnostic.
    Error,
}

impl Ty {
    pub fn unit(&self) -> Option<UnitId> {
        match self {
            Ty::Num(u) | Ty::Count(u) => Some(*u),
            _ => None,
        }
    }
    pub fn strip_none(&self) -> &Ty {
        match self {
            Ty::OrNone(t) => t,
            t => t,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Annot {
    pub kind: AnnotKind,
    #[serde(deserialize_with = "text::one")]
    pub text: String,
    /// The item it is attached to (a parameter or definition name).
    pub owner: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnnotKind {
    Source,
    Interpretation,
    Assumption,
}

/// A parameter or a definition without parameters: evaluated at most once per evaluation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub kind: SlotKind,
    pub ty: Ty,
    pub body: Expr,
    pub span: Span,
    pub annotations: Vec<AnnotId>,
    /// For a parameter with values by date or version: which one is in force here.
    pub dated: Option<DatedFrom>,
}

/// The dated value of a parameter in force in a program: `from 2024-02-22: 30 亿元`
/// or `version "管理办法": 50%`, with the value as written and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatedFrom {
    pub from: Option<NaiveDate>,
    pub version: Option<String>,
    /// The value as written in the rule file (`30 亿元`).
    #[serde(deserialize_with = "text::one")]
    pub value: String,
    #[serde(deserialize_with = "text::maybe")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotKind {
    Parameter,
    Definition,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleDef {
    pub number: u32,
    #[serde(deserialize_with = "text::maybe")]
    pub title: Option<String>,
    #[serde(deserialize_with = "text::many")]
    pub text: Vec<String>,
    pub applies: Option<Expr>,
    pub clauses: Vec<ClauseDef>,
    /// Rules directly under the article (not in a clause).
    pub rules: Vec<RuleDef>,
    pub span: Span,
    /// An article, or an annex (number 0: an annex without a number).
    pub kind: PartKind,
    /// The chapter it stands in (`chapter 2 "认定标准"` before it in its file).
    pub chapter: Option<ChapterDef>,
    /// How an annex heads its items (`（一）`); see [`crate::numeral::heading`].
    pub item_style: Option<String>,
}

/// `chapter 2 "认定标准"`: shown as the heading 第二章 认定标准.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterDef {
    pub number: u32,
    pub title: Option<String>,
}

impl ChapterDef {
    /// `第二章 认定标准`
    pub fn heading(&self) -> String {
        let n = format!("第{}章", crate::numeral::chinese(self.number));
        match &self.title {
            Some(t) if !t.is_empty() => format!("{n} {t}"),
            _ => n,
        }
    }
}

impl ArticleDef {
    /// How the document names it: `第六条`, `附件1`, `附件`.
    pub fn heading(&self) -> String {
        match self.kind {
            PartKind::Article => format!("第{}条", crate::render::chinese_number(self.number)),
            PartKind::Annex if self.number == 0 => "附件".to_string(),
            PartKind::Annex => format!("附件{}", self.number),
        }
    }

    /// How the document heads one of its clauses or items: `（二）` in an article; in an
    /// annex, the `items` style, or by default `三、` (items numbered 一…) or `3.`.
    pub fn clause_heading(&self, c: &ClauseDef) -> String {
        match self.kind {
            PartKind::Article => format!("（{}）", crate::render::chinese_number(c.number)),
            PartKind::Annex => {
                let default = if c.chinese { "一、" } else { "1." };
                let style = self.item_style.as_deref().unwrap_or(default);
                crate::numeral::heading(style, c.number)
                    .or_else(|| crate::numeral::heading(default, c.number))
                    .unwrap_or_else(|| c.number.to_string())
            }
        }
    }

    /// Where one of its clauses or items stands: `第六条（二）`, `附件1 三、`.
    pub fn clause_place(&self, c: &ClauseDef) -> String {
        match self.kind {
            PartKind::Article => format!("{}{}", self.heading(), self.clause_heading(c)),
            PartKind::Annex => format!("{} {}", self.heading(), self.clause_heading(c)),
        }
    }

    /// The key of its decisions' names (see [`crate::syntax::ast::Article::key`]).
    pub fn key(&self) -> u32 {
        crate::syntax::ast::part_key(self.kind, self.number)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClauseDef {
    pub number: u32,
    #[serde(deserialize_with = "text::maybe")]
    pub title: Option<String>,
    #[serde(deserialize_with = "text::many")]
    pub text: Vec<String>,
    pub applies: Option<Expr>,
    pub rules: Vec<RuleDef>,
    pub decision: DecisionId,
    pub span: Span,
    /// An annex item numbered in Chinese numerals (`item 三`).
    pub chinese: bool,
    /// Words of its text that no rule tests, left to the reviewers, with the reason.
    pub not_assessed: Vec<NotAssessedDef>,
}

/// `not assessed "…" because "…"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAssessedDef {
    #[serde(deserialize_with = "text::one")]
    pub text: String,
    #[serde(deserialize_with = "text::one")]
    pub reason: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleDef {
    pub kind: RuleKind,
    #[serde(deserialize_with = "text::one")]
    pub title: String,
    pub when: Option<Expr>,
    pub body: Expr,
    pub span: Span,
    pub annotations: Vec<AnnotId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionDef {
    /// `article6.clause1`, `article19.revoke`.
    pub name: String,
    #[serde(deserialize_with = "text::maybe")]
    pub label: Option<String>,
    pub article: usize,
    pub kind: DecisionKind,
    pub ty: Ty,
    pub span: Span,
    /// Interpretations and assumptions it relies on, directly or through what it uses.
    pub annotations: Vec<AnnotId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum DecisionKind {
    /// All the rules of a clause (index into the article's clauses).
    Clause(usize),
    Expr(Expr),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Builtin {
    Years,
    Year,
    First,
    Last,
    Latest,
    Growth,
    MeanGrowth,
    Known,
    DateIn,
    Extend,
    All,
    AnyOf,
    Min,
    Max,
    Len,
    Abs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ExprKind {
    Bool(bool),
    Num(#[serde(with = "exact")] Decimal),
    Date(NaiveDate),
    Duration {
        years: i32,
        months: i32,
        days: i32,
    },
    MonthDay(u32, u32),
    Text(std::sync::Arc<str>),
    Enum(EnumId, usize),
    NoneLit,
    Today,
    List(Vec<Expr>),
    Fact(FactId),
    Slot(SlotId),
    Decision(DecisionId),
    /// A quantifier variable or function argument, by depth in the local stack.
    Local(usize),
    Field(Box<Expr>, usize),
    Index(Box<Expr>, Box<Expr>),
    /// Multiply by an exact factor: a unit conversion inserted by the checker.
    Convert(Box<Expr>, #[serde(with = "exact")] Decimal),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quantifier {
        kind: crate::syntax::ast::Quant,
        var_name: String,
        over_text: String,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
        depth: usize,
    },
    Count {
        var_name: String,
        over_text: String,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        depth: usize,
    },
    /// `sum`, `mean`, `min`, `max` of `body` over the elements that pass `filter`.
    /// `nonneg`: the body's values are counts, never negative (a bound for unknowns).
    Aggregate {
        kind: crate::syntax::ast::Agg,
        var_name: String,
        over_text: String,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
        depth: usize,
        nonneg: bool,
    },
    /// `latest`/`earliest … by key`: the element with the greatest/smallest key, or `none`.
    Pick {
        latest: bool,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        key: Box<Expr>,
        depth: usize,
    },
    Call(Builtin, Vec<Expr>),
    /// A call of a user function: the arguments are pushed at `depth`, then `body`
    /// runs. Calls with the same argument types at the same depth share one checked
    /// body, so the program is a graph (a DAG) as large as the rule text: walk it
    /// remembering the bodies seen (by `Arc::as_ptr`), not as a tree.
    Inline {
        name: String,
        args: Vec<Expr>,
        #[serde(with = "shared")]
        body: std::sync::Arc<Expr>,
        depth: usize,
        /// Whether the body calls a function or goes over a list (a quantifier,
        /// `count`, an aggregate, `latest`): only such a body can cost more than its
        /// size, so only its calls are remembered when nothing is explained
        /// ([`Expr::loops`]).
        loops: bool,
    },
}

impl Expr {
    /// Whether it calls a function or goes over a list anywhere in it (not looking
    /// into the bodies of the functions it calls).
    pub fn loops(&self) -> bool {
        if matches!(
            self.kind,
            ExprKind::Inline { .. }
                | ExprKind::Quantifier { .. }
                | ExprKind::Count { .. }
                | ExprKind::Aggregate { .. }
                | ExprKind::Pick { .. }
        ) {
            return true;
        }
        let mut found = false;
        self.each_child(&mut |c| found = found || c.loops());
        found
    }

    /// Call `f` on each of its direct subexpressions, the body of a function call included.
    pub fn each_child<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Bool(_)
            | ExprKind::Num(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. }
            | ExprKind::MonthDay(..)
            | ExprKind::Text(_)
            | ExprKind::Enum(..)
            | ExprKind::NoneLit
            | ExprKind::Today
            | ExprKind::Fact(_)
            | ExprKind::Slot(_)
            | ExprKind::Decision(_)
            | ExprKind::Local(_) => {}
            ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().for_each(f),
            ExprKind::Field(x, _)
            | ExprKind::Convert(x, _)
            | ExprKind::Not(x)
            | ExprKind::Neg(x) => f(x),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            ExprKind::If(c, t, e) => {
                f(c);
                f(t);
                f(e);
            }
            ExprKind::Quantifier {
                over, filter, body, ..
            }
            | ExprKind::Aggregate {
                over, filter, body, ..
            }
            | ExprKind::Pick {
                over,
                filter,
                key: body,
                ..
            } => {
                f(over);
                if let Some(x) = filter {
                    f(x);
                }
                f(body);
            }
            ExprKind::Count { over, filter, .. } => {
                f(over);
                if let Some(x) = filter {
                    f(x);
                }
            }
            ExprKind::Inline { args, body, .. } => {
                args.iter().for_each(&mut *f);
                f(body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn call(body: &Arc<Expr>) -> Expr {
        Expr {
            kind: ExprKind::Inline {
                name: "f".into(),
                args: Vec::new(),
                body: Arc::clone(body),
                depth: 0,
                loops: false,
            },
            ty: Ty::Bool,
            span: Span::default(),
        }
    }

    #[test]
    fn a_shared_body_is_written_once_and_its_number_is_read_only_after_it() {
        let body = Arc::new(Expr {
            kind: ExprKind::Bool(true),
            ty: Ty::Bool,
            span: Span::default(),
        });
        let calls = vec![call(&body), call(&body), call(&body)];
        let shared_bytes = shared::writing(|| postcard::to_allocvec(&calls)).unwrap();
        let tree_bytes = postcard::to_allocvec(&calls).unwrap();
        assert!(shared_bytes.len() < tree_bytes.len());
        // Read back within `reading`: the calls share one body again.
        let back: Vec<Expr> = shared::reading(|| postcard::from_bytes(&shared_bytes)).unwrap();
        let bodies: Vec<&Arc<Expr>> = back
            .iter()
            .filter_map(|e| match &e.kind {
                ExprKind::Inline { body, .. } => Some(body),
                _ => None,
            })
            .collect();
        assert_eq!(bodies.len(), 3);
        assert!(bodies.iter().all(|b| Arc::ptr_eq(b, bodies[0])));
        assert!(matches!(bodies[0].kind, ExprKind::Bool(true)));
        // Outside `reading`, a number is refused, not guessed; the tree reads anywhere.
        assert!(postcard::from_bytes::<Vec<Expr>>(&shared_bytes).is_err());
        assert!(postcard::from_bytes::<Vec<Expr>>(&tree_bytes).is_ok());
        // A number that comes before its body (the first call written, then thrown away)
        // is refused too.
        let second_only = shared::writing(|| {
            postcard::to_allocvec(&calls[..1])?;
            postcard::to_allocvec(&calls[1..2])
        })
        .unwrap();
        assert!(shared::reading(|| postcard::from_bytes::<Vec<Expr>>(&second_only)).is_err());
        // The tables are gone after each: writing again outside `writing` gives the tree.
        assert_eq!(postcard::to_allocvec(&calls).unwrap(), tree_bytes);
    }

    /// Texts read back by their bytes: the same texts as the standard reading, short and
    /// long (past the 64 bytes from which `simdutf8` uses vector instructions), and bytes
    /// that are not UTF-8 refused, wherever they stand.
    #[test]
    fn texts_are_read_back_as_written_and_other_bytes_are_refused() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct T {
            #[serde(deserialize_with = "text::one")]
            one: String,
            #[serde(deserialize_with = "text::maybe")]
            maybe: Option<String>,
            #[serde(deserialize_with = "text::maybe")]
            none: Option<String>,
            #[serde(deserialize_with = "text::many")]
            many: Vec<String>,
        }
        let long = "集群内企业近三年未发生较大及以上安全、质量和环境污染等事故。".repeat(5);
        let t = T {
            one: long.clone(),
            maybe: Some("产值下限".to_string()),
            none: None,
            many: vec![
                String::new(),
                "ascii".to_string(),
                long.clone(),
                "😀".to_string(),
            ],
        };
        let bytes = postcard::to_allocvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<T>(&bytes).unwrap(), t);
        // The same value through JSON, which gives a string's bytes where bytes are asked
        // for; what is not text is refused as such.
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), t);
        for wrong in [
            r#"{"one":5,"maybe":null,"none":null,"many":[]}"#,
            r#"{"one":"a","maybe":5,"none":null,"many":[]}"#,
            r#"{"one":"a","maybe":null,"none":null,"many":["b",5]}"#,
        ] {
            let e = serde_json::from_str::<T>(wrong).unwrap_err().to_string();
            assert!(e.contains("expected UTF-8 text"), "{e}");
        }
        let e = serde_json::from_str::<T>(r#"{"one":"a","maybe":null,"none":null,"many":5}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a sequence of UTF-8 texts"), "{e}");

        /// Bytes written as a string is, whatever they are.
        #[derive(Clone, Copy)]
        struct B<'a>(&'a [u8]);
        impl Serialize for B<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        #[derive(Serialize)]
        struct Raw<'a> {
            one: B<'a>,
            maybe: Option<B<'a>>,
            none: Option<B<'a>>,
            many: Vec<B<'a>>,
        }
        // Bytes written as bytes read back as the text they are.
        let same = Raw {
            one: B(long.as_bytes()),
            maybe: Some(B("产值下限".as_bytes())),
            none: None,
            many: vec![B(b""), B(b"ascii"), B(long.as_bytes()), B("😀".as_bytes())],
        };
        assert_eq!(postcard::to_allocvec(&same).unwrap(), bytes);
        let ok = B(b"ok");
        for bad in [&b"\xc4\xe3"[..], b"\x80", b"\xe4\xb8", b"\xed\xa0\x80"] {
            let mut far = long.as_bytes().to_vec();
            far.extend_from_slice(bad);
            for b in [B(bad), B(&far)] {
                let raws = [
                    Raw {
                        one: b,
                        maybe: None,
                        none: None,
                        many: vec![],
                    },
                    Raw {
                        one: ok,
                        maybe: Some(b),
                        none: None,
                        many: vec![],
                    },
                    Raw {
                        one: ok,
                        maybe: None,
                        none: None,
                        many: vec![ok, b],
                    },
                ];
                for raw in raws {
                    let bytes = postcard::to_allocvec(&raw).unwrap();
                    assert!(postcard::from_bytes::<T>(&bytes).is_err(), "{bad:?}");
                }
            }
        }
    }
}
