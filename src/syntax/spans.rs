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

impl Spans for Ident {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl Spans for Str {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl Spans for DateLit {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl Spans for Numeral {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
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

impl Spans for PolicyHeader {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let PolicyHeader {
            title,
            document,
            issued_by,
            issued_on,
            in_force,
            versions,
            span,
        } = self;
        title.spans_mut(f);
        document.spans_mut(f);
        issued_by.spans_mut(f);
        issued_on.spans_mut(f);
        in_force.spans_mut(f);
        versions.spans_mut(f);
        f(span);
    }
}

impl Spans for InForce {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let InForce {
            from,
            until,
            source,
            span,
        } = self;
        from.spans_mut(f);
        until.spans_mut(f);
        source.spans_mut(f);
        f(span);
    }
}

impl Spans for VersionDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let VersionDecl {
            name,
            document,
            issued_by,
            issued_on,
            in_force,
            span,
        } = self;
        name.spans_mut(f);
        document.spans_mut(f);
        issued_by.spans_mut(f);
        issued_on.spans_mut(f);
        in_force.spans_mut(f);
        f(span);
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

impl Spans for DatedValue {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let DatedValue {
            when,
            value,
            annotations,
            span,
        } = self;
        when.spans_mut(f);
        value.spans_mut(f);
        annotations.spans_mut(f);
        f(span);
    }
}

impl Spans for Dimension {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Dimension {
            name,
            label,
            bare_numbers: _,
            units,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        units.spans_mut(f);
        f(span);
    }
}

impl Spans for UnitDef {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let UnitDef {
            name,
            factor: _,
            factor_span,
            of,
            span,
        } = self;
        name.spans_mut(f);
        f(factor_span);
        of.spans_mut(f);
        f(span);
    }
}

impl Spans for EnumDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let EnumDecl {
            name,
            label,
            ordered: _,
            variants,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        variants.spans_mut(f);
        f(span);
    }
}

impl Spans for Variant {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Variant { name, label } = self;
        name.spans_mut(f);
        label.spans_mut(f);
    }
}

impl Spans for RecordDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let RecordDecl {
            name,
            label,
            fields,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        fields.spans_mut(f);
        f(span);
    }
}

impl Spans for FieldDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let FieldDecl { name, ty, label } = self;
        name.spans_mut(f);
        ty.spans_mut(f);
        label.spans_mut(f);
    }
}

impl Spans for FactDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let FactDecl {
            name,
            label,
            ty,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        ty.spans_mut(f);
        f(span);
    }
}

impl Spans for TypeExpr {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let TypeExpr {
            optional: _,
            or_none: _,
            base,
            span,
        } = self;
        base.spans_mut(f);
        f(span);
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

impl Spans for UnitTerm {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let UnitTerm { first, rest, span } = self;
        first.spans_mut(f);
        for (_, x) in rest {
            x.spans_mut(f);
        }
        f(span);
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

impl Spans for Parameter {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Parameter {
            name,
            label,
            ty,
            value,
            annotations,
            dated,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        ty.spans_mut(f);
        value.spans_mut(f);
        annotations.spans_mut(f);
        dated.spans_mut(f);
        f(span);
    }
}

impl Spans for Param {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Param { name, ty } = self;
        name.spans_mut(f);
        ty.spans_mut(f);
    }
}

impl Spans for Definition {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Definition {
            name,
            params,
            label,
            ty,
            body,
            annotations,
            span,
        } = self;
        name.spans_mut(f);
        params.spans_mut(f);
        label.spans_mut(f);
        ty.spans_mut(f);
        body.spans_mut(f);
        annotations.spans_mut(f);
        f(span);
    }
}

impl Spans for Article {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Article {
            number: _,
            number_span,
            title,
            dated,
            applies,
            items,
            span,
            kind: _,
            item_style,
        } = self;
        f(number_span);
        title.spans_mut(f);
        dated.spans_mut(f);
        applies.spans_mut(f);
        items.spans_mut(f);
        f(span);
        item_style.spans_mut(f);
    }
}

impl Spans for Chapter {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Chapter {
            number,
            title,
            span,
        } = self;
        number.spans_mut(f);
        title.spans_mut(f);
        f(span);
    }
}

impl Spans for NotAssessed {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let NotAssessed {
            phrase,
            reason,
            span,
        } = self;
        phrase.spans_mut(f);
        reason.spans_mut(f);
        f(span);
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

impl Spans for Clause {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Clause {
            number: _,
            number_span,
            title,
            alias,
            dated,
            applies,
            items,
            span,
            numeral,
        } = self;
        f(number_span);
        title.spans_mut(f);
        alias.spans_mut(f);
        dated.spans_mut(f);
        applies.spans_mut(f);
        items.spans_mut(f);
        f(span);
        numeral.spans_mut(f);
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

impl Spans for RuleDecl {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let RuleDecl {
            kind: _,
            title,
            dated,
            when,
            body,
            annotations,
            span,
        } = self;
        title.spans_mut(f);
        dated.spans_mut(f);
        when.spans_mut(f);
        body.spans_mut(f);
        annotations.spans_mut(f);
        f(span);
    }
}

impl Spans for Decision {
    fn spans_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        let Decision {
            name,
            label,
            dated,
            ty,
            body,
            annotations,
            span,
        } = self;
        name.spans_mut(f);
        label.spans_mut(f);
        dated.spans_mut(f);
        ty.spans_mut(f);
        body.spans_mut(f);
        annotations.spans_mut(f);
        f(span);
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
