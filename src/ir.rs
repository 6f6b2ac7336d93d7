//! The checked program: every name resolved to an index, every expression typed,
//! every unit conversion made explicit. Evaluation never looks a name up by string.

use crate::syntax::ast::{BinOp, RuleKind, Span};
use chrono::NaiveDate;
use rust_decimal::Decimal;

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

#[derive(Debug, Clone)]
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
    pub fact_index: std::collections::HashMap<String, FactId>,
}

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
}

#[derive(Debug, Clone)]
pub struct Header {
    pub title: String,
    pub document: Option<String>,
    pub issued_by: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub in_force: Option<(NaiveDate, NaiveDate)>,
    pub span: Span,
}

/// A unit: its display name, its dimension (base dimension → exponent) and its size
/// in the dimension's base units.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: String,
    pub dim: Dim,
    pub scale: Decimal,
}

/// A dimension as exponents of base dimensions, sorted by base index; empty for a plain number.
pub type Dim = Vec<(usize, i32)>;

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub label: Option<String>,
    pub ordered: bool,
    pub variants: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub struct RecordDef {
    pub name: String,
    pub label: Option<String>,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub label: Option<String>,
    pub ty: Ty,
    /// Absent means unknown.
    pub optional: bool,
    /// `null` or absent means the known value `none`.
    pub or_none: bool,
}

#[derive(Debug, Clone)]
pub struct FactDef {
    pub name: String,
    pub label: Option<String>,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
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

#[derive(Debug, Clone)]
pub struct Annot {
    pub kind: AnnotKind,
    pub text: String,
    /// The item it is attached to (a parameter or definition name).
    pub owner: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotKind {
    Source,
    Interpretation,
    Assumption,
}

/// A parameter or a definition without parameters: evaluated at most once per evaluation.
#[derive(Debug, Clone)]
pub struct Slot {
    pub name: String,
    pub label: Option<String>,
    pub kind: SlotKind,
    pub ty: Ty,
    pub body: Expr,
    pub span: Span,
    pub annotations: Vec<AnnotId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Parameter,
    Definition,
}

#[derive(Debug, Clone)]
pub struct ArticleDef {
    pub number: u32,
    pub title: Option<String>,
    pub text: Vec<String>,
    pub applies: Option<Expr>,
    pub clauses: Vec<ClauseDef>,
    /// Rules directly under the article (not in a clause).
    pub rules: Vec<RuleDef>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ClauseDef {
    pub number: u32,
    pub title: Option<String>,
    pub text: Vec<String>,
    pub applies: Option<Expr>,
    pub rules: Vec<RuleDef>,
    pub decision: DecisionId,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub kind: RuleKind,
    pub title: String,
    pub when: Option<Expr>,
    pub body: Expr,
    pub span: Span,
    pub annotations: Vec<AnnotId>,
}

#[derive(Debug, Clone)]
pub struct DecisionDef {
    /// `article6.clause1`, `article19.revoke`.
    pub name: String,
    pub label: Option<String>,
    pub article: usize,
    pub kind: DecisionKind,
    pub ty: Ty,
    pub span: Span,
    /// Interpretations and assumptions it relies on, directly or through what it uses.
    pub annotations: Vec<AnnotId>,
}

#[derive(Debug, Clone)]
pub enum DecisionKind {
    /// All the rules of a clause (index into the article's clauses).
    Clause(usize),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub enum ExprKind {
    Bool(bool),
    Num(Decimal),
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
    Convert(Box<Expr>, Decimal),
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
        body: std::sync::Arc<Expr>,
        depth: usize,
    },
}
