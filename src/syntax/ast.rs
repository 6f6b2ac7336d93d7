//! The syntax tree of a rule file, as written, with a span on every node.
//!
//! Nothing here is resolved: names are strings and units are spelled as in the
//! file. The checker (`crate::check`) turns a set of these into a [`crate::ir::Program`].
//! Spans compare equal whatever their position (see [`Span`]), so two trees that
//! differ only in layout compare equal — which is what `policy fmt` relies on.

use rust_decimal::Decimal;

/// A byte range in one source file. Spans are left out of equality: every span
/// equals every other, so syntax trees compare by content alone.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Self {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Policy(PolicyHeader),
    Dimension(Dimension),
    Enum(EnumDecl),
    Record(RecordDecl),
    Fact(FactDecl),
    Parameter(Parameter),
    Definition(Definition),
    Article(Article),
    /// `chapter 2 "认定标准"`: heads the articles after it in its file.
    Chapter(Chapter),
}

impl Item {
    /// The whole item, from its keyword to its end.
    pub fn span(&self) -> Span {
        match self {
            Item::Policy(x) => x.span,
            Item::Dimension(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Record(x) => x.span,
            Item::Fact(x) => x.span,
            Item::Parameter(x) => x.span,
            Item::Definition(x) => x.span,
            Item::Article(x) => x.span,
            Item::Chapter(x) => x.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyHeader {
    pub title: Str,
    pub document: Option<Str>,
    pub issued_by: Option<Str>,
    pub issued_on: Option<DateLit>,
    pub in_force: Option<InForce>,
    /// `version "name" { … }` blocks: successive versions of the document.
    pub versions: Vec<VersionDecl>,
    pub span: Span,
}

/// `in_force 2024-02-22 to 2029-02-21` or `in_force from 2024-02-22` (no end), with
/// an optional `source "第二十一条 …"`.
#[derive(Debug, Clone, PartialEq)]
pub struct InForce {
    pub from: DateLit,
    pub until: Option<DateLit>,
    pub source: Option<Str>,
    pub span: Span,
}

/// `version "2023年申报通知" { document … issued_by … issued_on … in_force … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionDecl {
    pub name: Str,
    pub document: Option<Str>,
    pub issued_by: Option<Str>,
    pub issued_on: Option<DateLit>,
    pub in_force: Option<InForce>,
    pub span: Span,
}

/// When an item is in force: `in_force A to B`, `in_force from A`, or `version "name"`
/// (the period of a version declared in the header).
#[derive(Debug, Clone, PartialEq)]
pub enum Dating {
    Period(InForce),
    Version(Str),
}

/// One dated value of a parameter: `from 2024-02-22: 30 亿元` or
/// `version "2023年申报通知": 20 亿元`, each with its own annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedValue {
    pub when: Dating,
    pub value: Expr,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    pub name: Ident,
    pub label: Option<Str>,
    /// `bare_numbers`: a number without a unit beside a quantity of this dimension is
    /// read in that quantity's unit.
    pub bare_numbers: bool,
    pub units: Vec<UnitDef>,
    pub span: Span,
}

/// `亿元 = 100000000 元`: a unit and its size in another unit of the dimension
/// (or in the dimension's base unit when `of` is absent).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitDef {
    pub name: Ident,
    pub factor: Decimal,
    pub factor_span: Span,
    pub of: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub label: Option<Str>,
    pub ordered: bool,
    pub variants: Vec<Variant>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: Ident,
    pub label: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordDecl {
    pub name: Ident,
    pub label: Option<Str>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub label: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    /// Dotted name, e.g. `recognition.date`.
    pub name: Ident,
    pub label: Option<Str>,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// `optional T`: absent means unknown (the default for facts; for record fields,
    /// a field without `optional` must be present).
    pub optional: bool,
    /// `T or none`: an explicit `null` (or an absent field) is the known value `none`.
    pub or_none: bool,
    pub base: BaseType,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BaseType {
    List(Box<BaseType>),
    Series(Box<BaseType>),
    /// `count 家`: a whole number, optionally with a unit.
    Count(Option<UnitTerm>),
    /// `text`
    Text,
    /// A type name (`bool`, `date`, an enum or record) or a unit (`亿元`, `吨/万元`, `%`).
    Named(UnitTerm),
}

/// `吨/万元`: unit names joined by `/` and `*`; a single name may also be a type name.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTerm {
    pub first: Ident,
    pub rest: Vec<(UnitOp, Ident)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitOp {
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Annotation {
    /// The measures' words this item implements.
    Source(Str),
    /// A reading of the measures (`docs/readings.md`), listed in every explanation that relies on it.
    Interpretation(Str),
    /// A choice not found in the measures, listed under `assumptions` wherever it is used.
    Assumption(Str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: Ident,
    pub label: Option<Str>,
    pub ty: Option<TypeExpr>,
    /// The value when it is not dated (a placeholder when `dated` is not empty).
    pub value: Expr,
    pub annotations: Vec<Annotation>,
    /// Values by date or version, in the order written (empty for a plain value).
    pub dated: Vec<DatedValue>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: Ident,
    /// `None` for a plain value; `Some` (possibly empty) for a function.
    pub params: Option<Vec<Param>>,
    pub label: Option<Str>,
    pub ty: Option<TypeExpr>,
    pub body: Expr,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub number: u32,
    pub number_span: Span,
    pub title: Option<Str>,
    /// `in_force …` or `version "…"`: absent from evaluations on other dates.
    pub dated: Option<Dating>,
    pub applies: Option<Expr>,
    pub items: Vec<ArticleItem>,
    pub span: Span,
    /// An article, or an annex (`annex 1 "…" { … }`; number 0 when it has none).
    pub kind: PartKind,
    /// `items "（一）"`: how an annex heads its items.
    pub item_style: Option<Str>,
}

/// What an [`Article`] is in the document.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum PartKind {
    #[default]
    Article,
    Annex,
}

/// Annex keys lie above every article number (see [`Article::key`]).
pub const ANNEX_KEY: u32 = 1 << 31;

impl Article {
    /// The key naming this article or annex inside a rule set: the article number, or
    /// [`ANNEX_KEY`] plus the annex number. Annexes sort after the articles.
    pub fn key(&self) -> u32 {
        part_key(self.kind, self.number)
    }
}

/// See [`Article::key`].
pub fn part_key(kind: PartKind, number: u32) -> u32 {
    match kind {
        PartKind::Article => number,
        PartKind::Annex => ANNEX_KEY | number,
    }
}

/// The prefix of the decisions of the article or annex with this key: `article6`,
/// `annex1`, `annex` (an annex without a number).
pub fn part_prefix(key: u32) -> String {
    if key & ANNEX_KEY == 0 {
        format!("article{key}")
    } else if key == ANNEX_KEY {
        "annex".to_string()
    } else {
        format!("annex{}", key & !ANNEX_KEY)
    }
}

/// How the article or annex with this key is named in messages: `article 6`, `annex 1`.
pub fn part_name(key: u32) -> String {
    if key & ANNEX_KEY == 0 {
        format!("article {key}")
    } else if key == ANNEX_KEY {
        "the annex".to_string()
    } else {
        format!("annex {}", key & !ANNEX_KEY)
    }
}

/// `chapter 2 "认定标准"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub number: Numeral,
    pub title: Option<Str>,
    pub span: Span,
}

/// A number as written in the document's numbering: `3` or `三`. The checker reads it
/// ([`crate::numeral::read`]) and refuses what is not exactly 1…99 or 一…九十九.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numeral {
    pub text: String,
    pub span: Span,
}

impl Numeral {
    /// Its value, when it is one of 1…99 or 一…九十九.
    pub fn value(&self) -> Option<u32> {
        crate::numeral::read(&self.text)
    }
    /// Written in Chinese numerals.
    pub fn is_chinese(&self) -> bool {
        !self.text.starts_with(|c: char| c.is_ascii_digit())
    }
}

/// `not assessed "产业链布局合理" because "由专家评审判断"`: words of the clause's text
/// that no rule tests, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NotAssessed {
    pub phrase: Str,
    pub reason: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArticleItem {
    Text(Str),
    Clause(Clause),
    Parameter(Parameter),
    Definition(Definition),
    Decision(Decision),
    Rule(RuleDecl),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub number: u32,
    pub number_span: Span,
    pub title: Option<Str>,
    /// `as ground1`: the decision's name instead of `clauseN`.
    pub alias: Option<Ident>,
    pub dated: Option<Dating>,
    pub applies: Option<Expr>,
    pub items: Vec<ClauseItem>,
    pub span: Span,
    /// `item 三 "…" { … }` in an annex: the number as written (`number` is its value).
    pub numeral: Option<Numeral>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClauseItem {
    Text(Str),
    Parameter(Parameter),
    Definition(Definition),
    Rule(RuleDecl),
    NotAssessed(NotAssessed),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleKind {
    /// A test that must be met.
    Rule,
    /// A soft rule (“一般不超过”): not meeting it warns, never fails.
    Guideline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    pub kind: RuleKind,
    pub title: Str,
    pub dated: Option<Dating>,
    /// `when cond`: not applicable when `cond` is false.
    pub when: Option<Expr>,
    pub body: Expr,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub name: Ident,
    pub label: Option<Str>,
    pub dated: Option<Dating>,
    pub ty: Option<TypeExpr>,
    pub body: Expr,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
    /// The same comparison with its sides swapped: `a < b` ⇔ `b > a`.
    pub fn flipped(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            o => o,
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Quant {
    Every,
    Any,
    None,
}

/// The aggregates written `KIND x in L where F: body`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Agg {
    Sum,
    Mean,
    Min,
    Max,
}

impl Agg {
    pub fn word(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    /// A number with an optional unit as written (`30 亿元`, `10%`, `3 years`).
    Quantity {
        value: Decimal,
        text: String,
        unit: Option<Ident>,
    },
    Date(String),
    /// `4月10日`
    MonthDay {
        month: u32,
        day: u32,
    },
    Str(String),
    Today,
    NoneLit,
    List(Vec<Expr>),
    /// A name, possibly dotted (`recognition.date`, `article15.status`); the checker
    /// decides where the name ends and field access begins.
    Path(Vec<Ident>),
    ClauseRef(u32),
    /// `item 三`: an item of the annex the expression stands in.
    ItemRef(Numeral),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call(Ident, Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quantifier {
        kind: Quant,
        var: Ident,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    Count {
        var: Ident,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `sum y in 近三年: output_value[y]`, `mean`, `min`, `max`: the body's values over
    /// the elements that pass the filter.
    Aggregate {
        kind: Agg,
        var: Ident,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    /// `latest r in reviews where … by r.applied_on`: the element with the greatest
    /// (or, for `earliest`, the smallest) key; `none` when no element qualifies.
    Pick {
        latest: bool,
        var: Ident,
        over: Box<Expr>,
        filter: Option<Box<Expr>>,
        key: Box<Expr>,
    },
    Paren(Box<Expr>),
}
