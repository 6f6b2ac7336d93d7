//! Every span of a syntax tree, in place: an editor that parses one item of a file
//! again moves the items after it by the change in length instead of parsing them again
//! (see [`crate::syntax::parse::reparse`]).

use super::ast::*;

/// A node whose spans can be visited and changed in place.
pub trait Spans {
    /// Call `f` on every span of the node and of the nodes under it.
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span));

    /// Move every span by `delta` bytes.
    fn shift(&mut self, delta: isize) {
        self.spans_mut(&mut |s| {
            s.start = s.start.saturating_add_signed(delta as i32);
            s.end = s.end.saturating_add_signed(delta as i32);
        });
    }
}

impl<T: Spans> Spans for Option<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        if let Some(x) = self {
            x.spans_mut(f);
        }
    }
}

impl<T: Spans> Spans for Vec<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for x in self {
            x.spans_mut(f);
        }
    }
}

impl<T: Spans> Spans for Box<T> {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        (**self).spans_mut(f);
    }
}

impl Spans for Span {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(self);
    }
}

/// `Spans` for a struct: the fields that hold spans, then (after `;`) the fields that do
/// not. Every field is named, so a field added to the struct and not here fails to compile.
macro_rules! spans_of {
    ($($t:ident { $($f:ident),* $(; $($skip:ident),*)? })*) => {$(
        impl Spans for $t {
            fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
                let $t { $($f,)* $($($skip: _,)*)? } = self;
                $($f.spans_mut(f);)*
            }
        }
    )*};
}

spans_of! {
    Ident { span; name }
    Str { span; value }
    DateLit { span; text }
    Numeral { span; text }
    PolicyHeader { title, document, issued_by, issued_on, in_force, versions, span }
    InForce { from, until, source, span }
    VersionDecl { name, document, issued_by, issued_on, in_force, span }
    DatedValue { when, value, annotations, span }
    Dimension { name, label, units, span; bare_numbers }
    UnitDef { name, factor_span, of, span; factor }
    EnumDecl { name, label, variants, span; ordered }
    Variant { name, label }
    RecordDecl { name, label, fields, span }
    FieldDecl { name, ty, label }
    FactDecl { name, label, ty, span }
    TypeExpr { base, span; optional, or_none }
    UnitTerm { first, rest, span }
    Parameter { name, label, ty, value, annotations, dated, span }
    Param { name, ty }
    Definition { name, params, label, ty, body, annotations, span }
    Article { number_span, title, dated, applies, items, span, item_style; number, kind }
    Chapter { number, title, span }
    NotAssessed { phrase, reason, span }
    Clause { number_span, title, alias, dated, applies, items, span, numeral; number }
    RuleDecl { title, dated, when, body, annotations, span; kind }
    Decision { name, label, dated, ty, body, annotations, span }
}

/// A unit written after `*` or `/`.
impl Spans for (UnitOp, Ident) {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.1.spans_mut(f);
    }
}

impl Spans for File {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.items.spans_mut(f);
    }
}

impl Spans for Item {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Item::Policy(x) => x.spans_mut(f),
            Item::Dimension(x) => x.spans_mut(f),
            Item::Enum(x) => x.spans_mut(f),
            Item::Record(x) => x.spans_mut(f),
            Item::Fact(x) => x.spans_mut(f),
            Item::Parameter(x) => x.spans_mut(f),
            Item::Definition(x) => x.spans_mut(f),
            Item::Article(x) => x.spans_mut(f),
            Item::Chapter(x) => x.spans_mut(f),
        }
    }
}

impl Spans for Dating {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Dating::Period(x) => x.spans_mut(f),
            Dating::Version(x) => x.spans_mut(f),
        }
    }
}

impl Spans for BaseType {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            BaseType::List(x) | BaseType::Series(x) => x.spans_mut(f),
            BaseType::Count(x) => x.spans_mut(f),
            BaseType::Text => {}
            BaseType::Named(x) => x.spans_mut(f),
        }
    }
}

impl Spans for Annotation {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Annotation::Source(x) | Annotation::Interpretation(x) | Annotation::Assumption(x) => {
                x.spans_mut(f)
            }
        }
    }
}

impl Spans for ArticleItem {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            ArticleItem::Text(x) => x.spans_mut(f),
            ArticleItem::Clause(x) => x.spans_mut(f),
            ArticleItem::Parameter(x) => x.spans_mut(f),
            ArticleItem::Definition(x) => x.spans_mut(f),
            ArticleItem::Decision(x) => x.spans_mut(f),
            ArticleItem::Rule(x) => x.spans_mut(f),
        }
    }
}

impl Spans for ClauseItem {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            ClauseItem::Text(x) => x.spans_mut(f),
            ClauseItem::Parameter(x) => x.spans_mut(f),
            ClauseItem::Definition(x) => x.spans_mut(f),
            ClauseItem::Rule(x) => x.spans_mut(f),
            ClauseItem::NotAssessed(x) => x.spans_mut(f),
        }
    }
}

impl Spans for Expr {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::MonthDay { .. }
            | ExprKind::Str(_)
            | ExprKind::Today
            | ExprKind::NoneLit
            | ExprKind::ClauseRef(_) => {}
            ExprKind::Quantity { unit, .. } => unit.spans_mut(f),
            ExprKind::List(xs) => xs.spans_mut(f),
            ExprKind::Path(xs) => xs.spans_mut(f),
            ExprKind::ItemRef(n) => n.spans_mut(f),
            ExprKind::Field(x, name) => {
                x.spans_mut(f);
                name.spans_mut(f);
            }
            ExprKind::Index(a, b) => {
                a.spans_mut(f);
                b.spans_mut(f);
            }
            ExprKind::Call(name, args) => {
                name.spans_mut(f);
                args.spans_mut(f);
            }
            ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Paren(x) => x.spans_mut(f),
            ExprKind::Binary(_, a, b) => {
                a.spans_mut(f);
                b.spans_mut(f);
            }
            ExprKind::If(c, t, e) => {
                c.spans_mut(f);
                t.spans_mut(f);
                e.spans_mut(f);
            }
            ExprKind::Quantifier {
                kind: _,
                var,
                over,
                filter,
                body,
            }
            | ExprKind::Aggregate {
                kind: _,
                var,
                over,
                filter,
                body,
            } => {
                var.spans_mut(f);
                over.spans_mut(f);
                filter.spans_mut(f);
                body.spans_mut(f);
            }
            ExprKind::Count { var, over, filter } => {
                var.spans_mut(f);
                over.spans_mut(f);
                filter.spans_mut(f);
            }
            ExprKind::Pick {
                latest: _,
                var,
                over,
                filter,
                key,
            } => {
                var.spans_mut(f);
                over.spans_mut(f);
                filter.spans_mut(f);
                key.spans_mut(f);
            }
        }
    }
}
