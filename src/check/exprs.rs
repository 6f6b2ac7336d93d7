//! Expressions: names, types, units and conversions.

use super::*;

/// A checked bare number literal (`30`, `-1`), as [`is_bare_number`] on the tree.
fn is_bare_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(_) => e.ty == Ty::Num(UNIT_ONE),
        ExprKind::Neg(x) => is_bare_literal(x),
        _ => false,
    }
}

/// The value of a bare number literal (`10`, `-10`, `(10)`).
fn bare_value(e: &ast::Expr) -> Option<Decimal> {
    match &e.kind {
        AK::Quantity {
            unit: None, value, ..
        } => Some(*value),
        AK::Neg(x) => bare_value(x).map(|v| -v),
        AK::Paren(x) => bare_value(x),
        _ => None,
    }
}

fn is_bare_number(e: &ast::Expr) -> bool {
    match &e.kind {
        AK::Quantity { unit: None, .. } => true,
        AK::Neg(x) | AK::Paren(x) => is_bare_number(x),
        _ => false,
    }
}

/// Whether a parameter type with `number` (any unit) inside accepts `got`.
fn wildcard_accepts(want: &Ty, got: &Ty) -> bool {
    match (want, got) {
        (Ty::Num(ANY_UNIT), Ty::Num(_) | Ty::Count(_)) => true,
        (Ty::Series(a), Ty::Series(b)) | (Ty::List(a), Ty::List(b)) => wildcard_accepts(a, b),
        _ => false,
    }
}

fn mk(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

impl<'a> Checker<'a> {
    pub(super) fn type_name(&self, t: &Ty) -> String {
        match t {
            Ty::Bool => "yes/no".into(),
            Ty::Num(u) | Ty::Count(u) => {
                if *u == ANY_UNIT {
                    return "a number".into();
                }
                if *u == UNIT_GROWTH {
                    return "a growth rate".into();
                }
                let name = self
                    .units
                    .get(*u)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                if name.is_empty() {
                    "a number".into()
                } else {
                    format!("a quantity in {name}")
                }
            }
            Ty::Date => "a date".into(),
            Ty::Duration => "a duration".into(),
            Ty::MonthDay => "a day of the year".into(),
            Ty::Text => "text".into(),
            Ty::Enum(e) => format!(
                "`{}`",
                self.enums.get(*e).map(|x| x.name.as_str()).unwrap_or("?")
            ),
            Ty::Record(r) => format!(
                "a `{}` record",
                self.records.get(*r).map(|x| x.name.as_str()).unwrap_or("?")
            ),
            Ty::List(t) => format!("a list of {}", self.type_name(t)),
            Ty::Series(t) => format!("a series by year of {}", self.type_name(t)),
            Ty::OrNone(t) => format!("{} or none", self.type_name(t)),
            Ty::NoneLit => "`none`".into(),
            Ty::Error => "?".into(),
        }
    }

    pub(super) fn type_error(&mut self, span: Span, want: &str, got: &Ty, help: impl Into<Text>) {
        if *got == Ty::Error {
            return;
        }
        let got = self.type_name(got);
        self.err(
            Diag::error(
                "policy::check::type_mismatch",
                (
                    format!("expected {want}, found {got}"),
                    format!(
                        "此处应为{}，实际是{}",
                        crate::diag::zh_term(want),
                        crate::diag::zh_term(&got)
                    ),
                ),
            )
            .at(span)
            .label((
                format!("this is {got}"),
                format!("此处是{}", crate::diag::zh_term(&got)),
            ))
            .help(help),
        );
    }

    fn error_expr(span: Span) -> Expr {
        mk(ExprKind::Bool(false), Ty::Error, span)
    }

    /// Make `e` have type `want`, converting units and reading text as an
    /// enumeration's variant where needed; report a mismatch otherwise.
    pub(super) fn coerce(&mut self, e: Expr, want: &Ty, span: Span) -> Expr {
        if e.ty == Ty::Error || *want == Ty::Error || e.ty == *want {
            return e;
        }
        if wildcard_accepts(want, &e.ty) {
            return e;
        }
        if let ExprKind::If(c, t, f) = e.kind {
            let (ts, fs) = (t.span, f.span);
            let t = self.coerce(*t, want, ts);
            let f = self.coerce(*f, want, fs);
            let ty = if t.ty == Ty::Error || f.ty == Ty::Error {
                Ty::Error
            } else {
                want.clone()
            };
            return mk(ExprKind::If(c, Box::new(t), Box::new(f)), ty, e.span);
        }
        match (&e.ty, want) {
            (Ty::Num(a) | Ty::Count(a), Ty::Num(b) | Ty::Count(b)) => {
                let (a, b) = (*a, *b);
                // (A wanted `number` of any unit was accepted above.) The wanted type
                // wins: a number declared a count is a count, never negative.
                if a == b {
                    return Expr {
                        ty: want.clone(),
                        ..e
                    };
                }
                if self.units.same_dim(a, b) {
                    return self.convert(e, b);
                }
                if a == UNIT_ONE && is_bare_literal(&e) && self.units.is_real(b) {
                    if self.units.bare_allowed(b) {
                        return Expr {
                            ty: want.clone(),
                            ..e
                        };
                    }
                    let text = self.text_of(e.span);
                    self.bare_number(e.span, &text, b);
                    return Self::error_expr(span);
                }
                self.unit_mismatch(span, a, b, None);
                Self::error_expr(span)
            }
            (Ty::Text, Ty::Enum(id)) => self.enum_literal(e, *id),
            (Ty::List(_), Ty::List(w)) if matches!(e.kind, ExprKind::List(_)) => {
                let ExprKind::List(items) = e.kind else {
                    return Self::error_expr(span);
                };
                let items: Vec<Expr> = items
                    .into_iter()
                    .map(|x| {
                        let s = x.span;
                        self.coerce(x, w, s)
                    })
                    .collect();
                mk(ExprKind::List(items), want.clone(), e.span)
            }
            (Ty::NoneLit, Ty::OrNone(_)) => Expr {
                ty: want.clone(),
                ..e
            },
            (t, Ty::OrNone(inner)) if t == inner.as_ref() => Expr {
                ty: want.clone(),
                ..e
            },
            (_, Ty::OrNone(inner)) => {
                let inner = (**inner).clone();
                let x = self.coerce(e, &inner, span);
                Expr {
                    ty: want.clone(),
                    ..x
                }
            }
            _ => {
                let w = self.type_name(want);
                self.type_error(
                    span,
                    &w,
                    &e.ty,
                    (
                        "change the expression or the declared type",
                        "请修改表达式或所声明的类型",
                    ),
                );
                Self::error_expr(span)
            }
        }
    }

    fn enum_literal(&mut self, e: Expr, id: EnumId) -> Expr {
        let ExprKind::Text(ref s) = e.kind else {
            let w = self.type_name(&Ty::Enum(id));
            self.type_error(
                e.span,
                &w,
                &Ty::Text,
                (
                    "compare with a variant name in quotes",
                    "请与带引号的分类取值名称比较",
                ),
            );
            return Self::error_expr(e.span);
        };
        let Some(def) = self.enums.get(id) else {
            return Self::error_expr(e.span);
        };
        let found = def.variant(s);
        match found {
            Some(v) => mk(ExprKind::Enum(id, v), Ty::Enum(id), e.span),
            None => {
                let names: Vec<String> = def.variants.iter().map(|(n, _)| n.clone()).collect();
                let ename = def.name.clone();
                let mut d = Diag::error(
                    "policy::check::unknown_variant",
                    (
                        format!("`{s}` is not a value of `{ename}`"),
                        format!("`{s}` 不是 `{ename}` 的取值"),
                    ),
                )
                .at(e.span)
                .label(("unknown value", "未知取值"));
                d = match suggest(s, names.iter().map(|x| x.as_str())) {
                    Some(x) => {
                        d.help((format!("did you mean `{x}`?"), format!("是否应为 `{x}`？")))
                    }
                    None => d.help((
                        format!("the values of `{ename}` are: {}", names.join(", ")),
                        format!("`{ename}` 的取值有：{}", names.join("、")),
                    )),
                };
                self.err(d);
                Self::error_expr(e.span)
            }
        }
    }

    fn convert(&mut self, e: Expr, to: UnitId) -> Expr {
        let Some(from) = e.ty.unit() else { return e };
        if from == to {
            return e;
        }
        let span = e.span;
        match self.units.factor(from, to) {
            Some(f) => mk(ExprKind::Convert(Box::new(e), f), Ty::Num(to), span),
            None => {
                self.err(
                    Diag::error(
                        "policy::check::overflow",
                        ("the unit conversion overflows", "单位换算溢出"),
                    )
                    .at(span)
                    .help(("use units of closer sizes", "请使用大小相近的单位")),
                );
                Self::error_expr(span)
            }
        }
    }

    fn unit_mismatch(&mut self, span: Span, a: UnitId, b: UnitId, op: Option<BinOp>) {
        let name = |u: UnitId, this: &Self| {
            let n = this
                .units
                .get(u)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            if n.is_empty() {
                "a plain number".to_string()
            } else {
                format!("{n} ({})", this.units.describe_dim(u))
            }
        };
        let (na, nb) = (name(a, self), name(b, self));
        let what = match op {
            Some(o) if o.is_comparison() => "compare",
            Some(BinOp::Add) | Some(BinOp::Sub) => "add or subtract",
            _ => "combine",
        };
        self.err(
            Diag::error(
                "policy::check::unit_mismatch",
                (
                    format!("cannot {what} {na} with {nb}"),
                    format!(
                        "无法{}{}与{}",
                        crate::diag::zh_term(what),
                        crate::diag::zh_term(&na),
                        crate::diag::zh_term(&nb)
                    ),
                ),
            )
            .at(span)
            .label(("units of different dimensions", "量纲不同的单位"))
            .help((
                "both sides must measure the same thing (money with money, area with area)",
                "两边须度量同一种量（金额对金额，面积对面积）",
            )),
        );
    }

    /// `30` beside a quantity in 亿元: a bare number where a unit is due.
    fn bare_number(&mut self, span: Span, text: &str, unit: UnitId) {
        let name = self
            .units
            .get(unit)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let dim = self
            .units
            .dim(unit)
            .first()
            .and_then(|(k, _)| self.units.base_dims.get(*k).cloned())
            .unwrap_or_default();
        let text = text.trim();
        self.err(
            Diag::error(
                "policy::check::bare_number",
                (format!("`{text}` has no unit, beside a quantity in {name} (数字没有单位)"), format!("`{text}` 没有单位，而另一边是以{name}计的数量")),
            )
            .at(span)
            .label(("a number without a unit", "没有单位的数字"))
            .help((format!(
                "写作 {text} {name} / write `{text} {name}`; a bare number is a plain number, \
                 not a quantity (to read bare numbers in the other side's unit, declare \
                 `dimension {dim} bare_numbers {{ … }}`)"
            ), format!("请写作 `{text} {name}`；不带单位的数字只是纯数，不是数量（如要让不带单位的数字按另一边的单位读取，请声明 `dimension {dim} bare_numbers {{ … }}`，中文关键字：`量纲 … 可省单位`）"))),
        );
    }

    /// A growth rate in arithmetic: refused, since it is kept as an exact root that
    /// can only be compared.
    pub(super) fn growth_arithmetic(&mut self, span: Span, what: &str) {
        self.err(
            Diag::error(
                "policy::check::growth_arithmetic",
                (format!("a growth rate can only be compared, not {what} (增速只能比较，不能运算)"), format!("增速只能比较，不能{}", crate::diag::zh_term(what))),
            )
            .at(span)
            .label(("a growth rate here", "此处是增速"))
            .help(
                ("move the arithmetic to the threshold: `growth(s, w) >= 10%` rather than \
                 `growth(s, w) * 2 >= 20%`; `mean_growth(s, w)` is a rate that can be computed with", "请把运算移到门槛一侧：写 `growth(s, w) >= 10%`，不写 `growth(s, w) * 2 >= 20%`；`mean_growth(s, w)` 是可以参与运算的比率"),
            ),
        );
    }

    /// Bring two numeric operands to one unit (the finer one).
    fn unify_nums(
        &mut self,
        l: Expr,
        r: Expr,
        la: &ast::Expr,
        ra: &ast::Expr,
        op: BinOp,
        span: Span,
    ) -> Option<(Expr, Expr, UnitId)> {
        let (Some(mut ul), Some(mut ur)) = (l.ty.unit(), r.ty.unit()) else {
            return None;
        };
        let (mut l, mut r) = (l, r);
        // A bare number is a plain number. Beside a quantity with a dimension it is an
        // error, unless the dimension declares `bare_numbers`: then it takes the unit
        // of the other side (`x >= 1` for `x` in 家).
        if is_bare_number(la) && ul == UNIT_ONE && self.units.is_real(ur) {
            if !self.units.bare_allowed(ur) {
                let text = self.text_of(la.span);
                self.bare_number(la.span, &text, ur);
                return None;
            }
            l.ty = Ty::Num(ur);
            ul = ur;
        } else if is_bare_number(ra) && ur == UNIT_ONE && self.units.is_real(ul) {
            if !self.units.bare_allowed(ul) {
                let text = self.text_of(ra.span);
                self.bare_number(ra.span, &text, ul);
                return None;
            }
            r.ty = Ty::Num(ul);
            ur = ul;
        }
        if !self.units.same_dim(ul, ur) {
            self.unit_mismatch(span, ul, ur, Some(op));
            return None;
        }
        // `adoption >= 10` beside a percentage means 1000%: most likely `10%` was meant.
        for (bare, other) in [(la, ur), (ra, ul)] {
            let Some(v) = bare_value(bare).filter(|v| v.abs() > Decimal::ONE) else {
                continue;
            };
            if other == UNIT_PERCENT
                && (op.is_comparison() || matches!(op, BinOp::Add | BinOp::Sub))
            {
                let text = self.text_of(bare.span);
                let pct = (v * Decimal::ONE_HUNDRED).normalize();
                self.err(
                    Diag::warning(
                        "policy::check::bare_number_beside_percent",
                        (format!("`{text}` beside a percentage is {pct}% (数字{text}即{pct}%)"), format!("百分数旁的 `{text}` 即 {pct}%")),
                    )
                    .at(bare.span)
                    .label(("a plain number, not a percentage", "纯数，不是百分数"))
                    .help((format!(
                        "`%` is one hundredth and a bare number a plain number: write `{text}%` \
                         if a percentage was meant (写作 {text}%)"
                    ), format!("`%` 表示百分之一，不带单位的数字是纯数：如本意是百分数，请写作 `{text}%`"))),
                );
            }
        }
        // A plain number plus or minus a percentage is a plain number: `1 + 10%` is 1.1.
        let plain_and_percent = matches!(
            (ul, ur),
            (UNIT_ONE, UNIT_PERCENT) | (UNIT_PERCENT, UNIT_ONE)
        );
        let u = if plain_and_percent && matches!(op, BinOp::Add | BinOp::Sub) {
            UNIT_ONE
        } else {
            self.units.finer(ul, ur)
        };
        let l = self.convert(l, u);
        let r = self.convert(r, u);
        Some((l, r, u))
    }

    pub(super) fn expr(&mut self, e: &ast::Expr) -> Expr {
        self.depth += 1;
        let out = if self.depth > MAX_EXPR_DEPTH {
            // Once per expression: its other branches past the limit say nothing new.
            if !self.too_deep_noted {
                self.too_deep_noted = true;
                self.err(
                    Diag::error(
                        "policy::check::too_deep",
                        ("the expression is nested too deeply", "表达式嵌套过深"),
                    )
                    .at(e.span)
                    .help(("split it into named definitions", "请拆成若干具名的定义")),
                );
            }
            Self::error_expr(e.span)
        } else {
            self.expr_inner(e)
        };
        self.depth -= 1;
        if self.depth == 0 {
            self.too_deep_noted = false;
        }
        out
    }

    fn expr_inner(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        match &e.kind {
            AK::Bool(b) => mk(ExprKind::Bool(*b), Ty::Bool, span),
            AK::Quantity { value, text, unit } => {
                if *value == Decimal::MAX && text != &Decimal::MAX.to_string() {
                    self.err(
                        Diag::error(
                            "policy::check::number_too_large",
                            (
                                format!(
                                    "`{text}` has more digits than an exact decimal holds (28)"
                                ),
                                format!("`{text}` 的位数超过精确小数所能容纳的 28 位"),
                            ),
                        )
                        .at(span)
                        .help((
                            "use a larger unit (亿元 instead of 元) or fewer decimal places",
                            "请使用较大的单位（如用亿元代替元）或减少小数位数",
                        )),
                    );
                    return Self::error_expr(span);
                }
                match unit {
                    None => mk(ExprKind::Num(*value), Ty::Num(UNIT_ONE), span),
                    Some(u) => {
                        if let Some((y, m, d)) = duration_unit(&u.name) {
                            if value.fract() != Decimal::ZERO {
                                self.err(
                                    Diag::error(
                                        "policy::check::bad_duration",
                                        ("a duration must be a whole number", "期限必须是整数"),
                                    )
                                    .at(span)
                                    .help((
                                        "write whole years, months or days",
                                        "请写整年、整月或整天",
                                    )),
                                );
                                return Self::error_expr(span);
                            }
                            let n: i32 = value.trunc().to_string().parse().unwrap_or(i32::MAX);
                            if n > 10000 {
                                self.err(
                                    Diag::error(
                                        "policy::check::bad_duration",
                                        ("the duration is too long", "期限过长"),
                                    )
                                    .at(span)
                                    .help((
                                        "durations up to 10000 units are allowed",
                                        "期限最多 10000 个单位",
                                    )),
                                );
                                return Self::error_expr(span);
                            }
                            return mk(
                                ExprKind::Duration {
                                    years: y * n,
                                    months: m * n,
                                    days: d * n,
                                },
                                Ty::Duration,
                                span,
                            );
                        }
                        match self.unit_named(u) {
                            Some(id) => mk(ExprKind::Num(*value), Ty::Num(id), span),
                            None => Self::error_expr(span),
                        }
                    }
                }
            }
            AK::Date(t) => match date(t) {
                Some(d) => mk(ExprKind::Date(d), Ty::Date, span),
                None => {
                    self.err(
                        Diag::error(
                            "policy::check::bad_date",
                            (
                                format!("`{t}` is not a date in the calendar"),
                                format!("`{t}` 不是日历上的日期"),
                            ),
                        )
                        .at(span)
                        .help((
                            "write a real date as YYYY-MM-DD",
                            "请写真实的日期，格式为 YYYY-MM-DD",
                        )),
                    );
                    Self::error_expr(span)
                }
            },
            AK::MonthDay { month, day } => {
                // 2024 is a leap year: every day of the year is accepted.
                if NaiveDate::from_ymd_opt(2024, *month, *day).is_none() {
                    self.err(
                        Diag::error(
                            "policy::check::bad_date",
                            (
                                format!("{month}月{day}日 is not a day of the year"),
                                format!("{month}月{day}日不是一年中的日子"),
                            ),
                        )
                        .at(span)
                        .help(("write a real month and day", "请写真实的月份和日期")),
                    );
                    return Self::error_expr(span);
                }
                mk(ExprKind::MonthDay(*month, *day), Ty::MonthDay, span)
            }
            AK::Str(s) => mk(ExprKind::Text(s.as_str().into()), Ty::Text, span),
            AK::Today => mk(ExprKind::Today, Ty::Date, span),
            AK::NoneLit => mk(ExprKind::NoneLit, Ty::NoneLit, span),
            AK::List(items) => {
                let items: Vec<Expr> = items.iter().map(|x| self.expr(x)).collect();
                let ty = items.first().map(|x| x.ty.clone()).unwrap_or(Ty::Error);
                let items: Vec<Expr> = items
                    .into_iter()
                    .map(|x| {
                        let s = x.span;
                        self.coerce(x, &ty, s)
                    })
                    .collect();
                mk(ExprKind::List(items), Ty::List(Box::new(ty)), span)
            }
            AK::Paren(x) => self.expr(x),
            AK::Path(parts) => self.path(parts, span),
            AK::ClauseRef(n) => self.clause_ref(*n, false, span),
            AK::ItemRef(n) => match n.value() {
                Some(v) => self.clause_ref(v, true, span),
                None => {
                    self.bad_numeral(n, "an item number");
                    Self::error_expr(span)
                }
            },
            AK::Field(x, f) => {
                let base = self.expr(x);
                self.field(base, f, span)
            }
            AK::Index(x, i) => {
                let base = self.expr(x);
                let idx = self.expr(i);
                let idx = self.coerce(idx, &Ty::Count(UNIT_ONE), i.span);
                match &base.ty {
                    Ty::Series(t) => {
                        let t = (**t).clone();
                        mk(ExprKind::Index(Box::new(base), Box::new(idx)), t, span)
                    }
                    other => {
                        let other = other.clone();
                        self.type_error(
                            x.span,
                            "a series by year",
                            &other,
                            (
                                "only a series by year can be indexed by a year: `output_value[2024]`",
                                "只有逐年序列才能按年份取值：`output_value[2024]`",
                            ),
                        );
                        Self::error_expr(span)
                    }
                }
            }
            AK::Call(name, args) => self.call(name, args, span),
            AK::Not(x) => {
                let c = self.condition(x);
                mk(ExprKind::Not(Box::new(c)), Ty::Bool, span)
            }
            AK::Neg(x) => {
                let v = self.expr(x);
                match v.ty.unit() {
                    Some(UNIT_GROWTH) => {
                        self.growth_arithmetic(x.span, "negated");
                        Self::error_expr(span)
                    }
                    Some(_) => {
                        let ty = v.ty.clone();
                        mk(ExprKind::Neg(Box::new(v)), ty, span)
                    }
                    None => {
                        let t = v.ty.clone();
                        self.type_error(
                            x.span,
                            "a number",
                            &t,
                            ("only numbers can be negated", "只有数才能取负"),
                        );
                        Self::error_expr(span)
                    }
                }
            }
            AK::Binary(op, l, r) => self.binary(*op, l, r, span),
            AK::If(c, t, f) => {
                let c = self.condition(c);
                let tx = self.expr(t);
                let fx = self.expr(f);
                let ty = self.join(&tx, &fx, t, f);
                let tx = self.coerce(tx, &ty, t.span);
                let fx = self.coerce(fx, &ty, f.span);
                // A branch in error (reported) makes the whole `if` one: what uses it
                // is not reported again.
                let ty = if tx.ty == Ty::Error || fx.ty == Ty::Error {
                    Ty::Error
                } else {
                    ty
                };
                mk(
                    ExprKind::If(Box::new(c), Box::new(tx), Box::new(fx)),
                    ty,
                    span,
                )
            }
            AK::Quantifier {
                kind,
                var,
                over,
                filter,
                body,
            } => {
                let (over_x, _, depth, filter, body) =
                    self.in_scope(var, over, filter.as_deref(), |c| c.condition(body));
                mk(
                    ExprKind::Quantifier {
                        kind: *kind,
                        var_name: var.name.clone(),
                        over_text: self.text_of(over.span),
                        over: Box::new(over_x),
                        filter,
                        body: Box::new(body),
                        depth,
                    },
                    Ty::Bool,
                    span,
                )
            }
            AK::Pick {
                latest,
                var,
                over,
                filter,
                key,
            } => {
                let (over_x, elem, depth, filter, key_x) =
                    self.in_scope(var, over, filter.as_deref(), |c| c.expr(key));
                let orderable = key_x.ty.unit().is_some()
                    || matches!(key_x.ty, Ty::Date | Ty::Error)
                    || matches!(key_x.ty, Ty::Enum(e) if self.enums.get(e).is_some_and(|d| d.ordered));
                if !orderable {
                    let t = key_x.ty.clone();
                    self.type_error(
                        key.span,
                        "a number, a date or an ordered category",
                        &t,
                        (
                            "`latest … by` and `earliest … by` order the elements by this key",
                            "`latest … by` 和 `earliest … by` 按此键对元素排序",
                        ),
                    );
                }
                let ty = if elem == Ty::Error {
                    Ty::Error
                } else {
                    Ty::OrNone(Box::new(elem))
                };
                mk(
                    ExprKind::Pick {
                        latest: *latest,
                        over: Box::new(over_x),
                        filter,
                        key: Box::new(key_x),
                        depth,
                    },
                    ty,
                    span,
                )
            }
            AK::Count { var, over, filter } => {
                let (over_x, _, depth, filter, ()) =
                    self.in_scope(var, over, filter.as_deref(), |_| ());
                mk(
                    ExprKind::Count {
                        var_name: var.name.clone(),
                        over_text: self.text_of(over.span),
                        over: Box::new(over_x),
                        filter,
                        depth,
                    },
                    Ty::Count(UNIT_ONE),
                    span,
                )
            }
            AK::Aggregate {
                kind,
                var,
                over,
                filter,
                body,
            } => {
                let (over_x, _, depth, filter, body_x) =
                    self.in_scope(var, over, filter.as_deref(), |c| c.expr(body));
                let ty = self.aggregate_type(*kind, &body_x, body.span);
                let nonneg = matches!(body_x.ty, Ty::Count(_));
                mk(
                    ExprKind::Aggregate {
                        kind: *kind,
                        var_name: var.name.clone(),
                        over_text: self.text_of(over.span),
                        over: Box::new(over_x),
                        filter,
                        body: Box::new(body_x),
                        depth,
                        nonneg,
                    },
                    ty,
                    span,
                )
            }
        }
    }

    /// The type of an aggregate of `body`: a sum of counts is a count, a mean is a
    /// number in the body's unit; `min`/`max` also take dates.
    fn aggregate_type(&mut self, kind: ast::Agg, body: &Expr, span: Span) -> Ty {
        let t = body.ty.strip_none().clone();
        if t == Ty::Error {
            return Ty::Error;
        }
        if t.unit() == Some(UNIT_GROWTH) {
            self.growth_arithmetic(span, &format!("aggregated with `{}`", kind.word()));
            return Ty::Error;
        }
        match (kind, &t) {
            (ast::Agg::Sum, Ty::Num(_) | Ty::Count(_))
            | (ast::Agg::Min | ast::Agg::Max, Ty::Num(_) | Ty::Count(_) | Ty::Date) => t,
            (ast::Agg::Mean, Ty::Num(u) | Ty::Count(u)) => Ty::Num(*u),
            _ => {
                let (want, help) = if matches!(kind, ast::Agg::Min | ast::Agg::Max) {
                    (
                        "numbers or dates",
                        Text::from((
                            "`min` and `max` take the smallest or largest of numbers or dates",
                            "`min`（最小）和 `max`（最大）取数或日期中的最小或最大者",
                        )),
                    )
                } else {
                    (
                        "numbers",
                        Text::from((
                            "`sum` and `mean` add numbers: give the value to add after the `:`",
                            "`sum`（合计）和 `mean`（平均）对数求和：请在 `:` 后写出要相加的值",
                        )),
                    )
                };
                self.type_error(span, want, &t, help);
                Ty::Error
            }
        }
    }

    /// The common type of two branches.
    fn join(&mut self, a: &Expr, b: &Expr, aa: &ast::Expr, ba: &ast::Expr) -> Ty {
        match (&a.ty, &b.ty) {
            (Ty::Error, t) | (t, Ty::Error) => t.clone(),
            (Ty::Text, Ty::Enum(_)) | (Ty::NoneLit, _) => b.ty.clone(),
            (Ty::Enum(_), Ty::Text) | (_, Ty::NoneLit) => a.ty.clone(),
            (x, y) if x.unit().is_some() && y.unit().is_some() => {
                let (ux, uy) = (x.unit().unwrap_or(UNIT_ONE), y.unit().unwrap_or(UNIT_ONE));
                if is_bare_number(aa) {
                    Ty::Num(uy)
                } else if is_bare_number(ba) || !self.units.same_dim(ux, uy) {
                    Ty::Num(ux)
                } else {
                    Ty::Num(self.units.finer(ux, uy))
                }
            }
            (x, _) => x.clone(),
        }
    }

    /// The thing a quantifier runs over, and the type of its elements.
    /// A quantifier's list, and what is checked with its variable in scope: the filter, then
    /// `inner` (its body or key). Returns the list, the element type, the variable's depth,
    /// the filter and what `inner` gave.
    #[allow(clippy::type_complexity)]
    fn in_scope<R>(
        &mut self,
        var: &ast::Ident,
        over: &ast::Expr,
        filter: Option<&ast::Expr>,
        inner: impl FnOnce(&mut Self) -> R,
    ) -> (Expr, Ty, usize, Option<Box<Expr>>, R) {
        let (over_x, elem) = self.collection(over);
        let depth = self.scope.len();
        self.scope.push((var.name.clone(), elem.clone()));
        let filter = filter.map(|f| Box::new(self.condition(f)));
        let r = inner(self);
        self.scope.pop();
        (over_x, elem, depth, filter, r)
    }

    fn collection(&mut self, over: &ast::Expr) -> (Expr, Ty) {
        let x = self.expr(over);
        match &x.ty {
            Ty::List(t) => {
                let t = (**t).clone();
                (x, t)
            }
            Ty::Error => (x, Ty::Error),
            other => {
                let other = other.clone();
                self.type_error(
                    over.span,
                    "a list",
                    &other,
                    (
                        "`every`, `any`, `none` and `count` run over a list, such as a list fact or `years(2022, 2024)`",
                        "`every`（每个）、`any`（任一）、`none`（没有）和 `count`（计数）作用于列表，如列表类事实或 `years(2022, 2024)`",
                    ),
                );
                (Self::error_expr(over.span), Ty::Error)
            }
        }
    }

    fn field(&mut self, base: Expr, f: &ast::Ident, span: Span) -> Expr {
        let Ty::Record(rid) = base.ty.strip_none().clone() else {
            if base.ty != Ty::Error {
                let t = base.ty.clone();
                self.type_error(
                    base.span,
                    "a record",
                    &t,
                    ("only records have fields", "只有记录才有字段"),
                );
            }
            return Self::error_expr(span);
        };
        let Some(rec) = self.records.get(rid) else {
            return Self::error_expr(span);
        };
        match rec.fields.iter().position(|x| x.name == f.name) {
            Some(i) => {
                let ty = rec.fields.get(i).map(|x| x.ty.clone()).unwrap_or(Ty::Error);
                mk(ExprKind::Field(Box::new(base), i), ty, span)
            }
            None => {
                let names: Vec<String> = rec.fields.iter().map(|x| x.name.clone()).collect();
                let rname = rec.name.clone();
                let mut d = Diag::error(
                    "policy::check::unknown_field",
                    (
                        format!("record `{rname}` has no field `{}`", f.name),
                        format!("记录 `{rname}` 没有字段 `{}`", f.name),
                    ),
                )
                .at(f.span)
                .label(("no such field", "没有此字段"));
                d = match suggest(&f.name, names.iter().map(|s| s.as_str())) {
                    Some(s) => {
                        d.help((format!("did you mean `{s}`?"), format!("是否应为 `{s}`？")))
                    }
                    None => d.help((
                        format!("its fields are: {}", names.join(", ")),
                        format!("它的字段有：{}", names.join("、")),
                    )),
                };
                self.err(d);
                Self::error_expr(span)
            }
        }
    }

    /// `clause K` in an article, `item K` in an annex (`item` is true): that decision.
    fn clause_ref(&mut self, n: u32, item: bool, span: Span) -> Expr {
        let Some(art) = self.article else {
            let (word, what, example) = if item {
                ("item", "an item", "annex1.item2")
            } else {
                ("clause", "a clause", "article6.clause2")
            };
            self.err(
                Diag::error(
                    "policy::check::clause_outside_article",
                    (
                        format!(
                            "`{word} {n}` refers to {what}, but this is not inside an {}",
                            if item { "annex" } else { "article" }
                        ),
                        format!(
                            "`{word} {n}` 指的是{}，但此处不在{}之内",
                            if item { "某一项" } else { "某一款" },
                            if item { "附件" } else { "条" }
                        ),
                    ),
                )
                .at(span)
                .help((
                    format!("write the decision's full name, such as `{example}`"),
                    format!("请写判定的全称，如 `{example}`"),
                )),
            );
            return Self::error_expr(span);
        };
        // One spelling each: clauses of articles, items of annexes.
        let in_annex = art & ast::ANNEX_KEY != 0;
        if item != in_annex {
            let (wrong, right, part) = if item {
                ("item", "clause", "an article has clauses")
            } else {
                ("clause", "item", "an annex has items")
            };
            self.err(
                Diag::error(
                    "policy::check::unknown_clause",
                    (
                        format!("`{wrong} {n}` in {}: {part}", ast::part_name(art)),
                        format!(
                            "{}中的 `{wrong} {n}`：{}",
                            ast::part_name(art),
                            if item {
                                "条分为款，不分项"
                            } else {
                                "附件分为项，不分款"
                            }
                        ),
                    ),
                )
                .at(span)
                .help((
                    format!("write `{right} {n}`"),
                    format!("请写作 `{right} {n}`"),
                )),
            );
            return Self::error_expr(span);
        }
        let prefix = format!("{}.", ast::part_prefix(art));
        // A clause's decision may be renamed (`as ground1`): find it by number.
        let found = self
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name.starts_with(&prefix))
            .find(|(i, _)| self.clause_of.get(i) == Some(&n))
            .map(|(i, _)| i);
        match found {
            Some(id) => {
                self.used_dec.insert(id);
                mk(ExprKind::Decision(id), Ty::Bool, span)
            }
            None => {
                self.err(
                    Diag::error(
                        "policy::check::unknown_clause",
                        (
                            format!(
                                "{} has no {} {n}",
                                ast::part_name(art),
                                if art & ast::ANNEX_KEY == 0 {
                                    "clause"
                                } else {
                                    "item"
                                }
                            ),
                            format!(
                                "{}没有第 {n} {}",
                                ast::part_name(art),
                                if art & ast::ANNEX_KEY == 0 {
                                    "款"
                                } else {
                                    "项"
                                }
                            ),
                        ),
                    )
                    .at(span)
                    .help((
                        "refer to a clause declared in this article",
                        "请引用本条中声明的款",
                    )),
                );
                Self::error_expr(span)
            }
        }
    }

    /// Resolve a dotted name: the longest prefix that names something; the rest
    /// are fields.
    fn path(&mut self, parts: &[ast::Ident], span: Span) -> Expr {
        let Some(first) = parts.first() else {
            return Self::error_expr(span);
        };
        // Locals shadow everything, and are never dotted.
        if let Some(pos) = self.scope.iter().rposition(|(n, _)| *n == first.name) {
            let ty = self
                .scope
                .get(pos)
                .map(|(_, t)| t.clone())
                .unwrap_or(Ty::Error);
            let mut e = mk(ExprKind::Local(pos), ty, first.span);
            for f in parts.iter().skip(1) {
                let s = Span::new(span.file, span.start as usize, f.span.end as usize);
                e = self.field(e, f, s);
            }
            return e;
        }
        for take in (1..=parts.len()).rev() {
            let name = parts
                .iter()
                .take(take)
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let end = parts.get(take - 1).map(|p| p.span.end).unwrap_or(span.end);
            let head_span = Span::new(span.file, span.start as usize, end as usize);
            if let Some(mut e) = self.global(&name, head_span) {
                for f in parts.iter().skip(take) {
                    let s = Span::new(span.file, span.start as usize, f.span.end as usize);
                    e = self.field(e, f, s);
                }
                return e;
            }
        }
        let full = parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let names = self.all_names();
        let mut d = Diag::error(
            "policy::check::unknown_name",
            (
                format!("unknown name `{full}`"),
                format!("未知名称 `{full}`"),
            ),
        )
        .at(span)
        .label(("not declared", "未声明"));
        d = match suggest(&full, names.iter().map(|s| s.as_str())) {
            Some(s) => d.help((format!("did you mean `{s}`?"), format!("是否应为 `{s}`？"))),
            None => d.help((
                "declare it as a `fact`, `parameter` or `definition`",
                "请将其声明为 `fact`（事实）、`parameter`（参数）或 `definition`（定义）",
            )),
        };
        self.err(d);
        Self::error_expr(span)
    }

    fn global(&mut self, name: &str, span: Span) -> Option<Expr> {
        if let Some(&id) = self.slot_names.get(name) {
            if let Some(u) = self.slot_used.get_mut(id) {
                *u = true;
            }
            self.named_slots.insert(id);
            let ty = self.ensure_slot(id);
            let annots: Vec<AnnotId> = self
                .slot_annots
                .get(id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            self.used.extend(annots);
            let decs: Vec<DecisionId> = self
                .slot_dec
                .get(id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            self.used_dec.extend(decs);
            return Some(mk(ExprKind::Slot(id), ty, span));
        }
        if let Some(&id) = self.fact_names.get(name) {
            if let Some(u) = self.fact_used.get_mut(id) {
                *u = true;
            }
            let ty = self
                .facts
                .get(id)
                .map(|f| f.ty.clone())
                .unwrap_or(Ty::Error);
            return Some(mk(ExprKind::Fact(id), ty, span));
        }
        let qualified = self
            .article
            .map(|a| format!("{}.{name}", ast::part_prefix(a)));
        let id = self
            .decision_names
            .get(name)
            .or_else(|| qualified.as_ref().and_then(|q| self.decision_names.get(q)))
            .copied();
        if let Some(id) = id {
            let ty = self.ensure_decision(id);
            self.used_dec.insert(id);
            return Some(mk(ExprKind::Decision(id), ty, span));
        }
        if self.functions.contains_key(name) {
            self.err(
                Diag::error(
                    "policy::check::missing_arguments",
                    (
                        format!("`{name}` takes arguments"),
                        format!("`{name}` 需要参数"),
                    ),
                )
                .at(span)
                .help((
                    format!("call it as `{name}(…)`"),
                    format!("请写作 `{name}(…)` 调用"),
                )),
            );
            return Some(Self::error_expr(span));
        }
        None
    }

    fn binary(&mut self, op: BinOp, la: &ast::Expr, ra: &ast::Expr, span: Span) -> Expr {
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.condition(la);
                let r = self.condition(ra);
                return mk(
                    ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    Ty::Bool,
                    span,
                );
            }
            BinOp::In => {
                let l = self.expr(la);
                let r = self.expr(ra);
                let want = Ty::List(Box::new(l.ty.clone()));
                let r = self.coerce(r, &want, ra.span);
                return mk(
                    ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    Ty::Bool,
                    span,
                );
            }
            _ => {}
        }
        let l = self.expr(la);
        let r = self.expr(ra);
        if l.ty == Ty::Error || r.ty == Ty::Error {
            return Self::error_expr(span);
        }
        if op.is_comparison() {
            return self.comparison(op, l, r, la, ra, span);
        }
        // Arithmetic.
        match (op, &l.ty, &r.ty) {
            (BinOp::Add | BinOp::Sub, Ty::Date, Ty::Duration) => mk(
                ExprKind::Binary(op, Box::new(l), Box::new(r)),
                Ty::Date,
                span,
            ),
            (BinOp::Add, Ty::Duration, Ty::Date) => mk(
                ExprKind::Binary(op, Box::new(r), Box::new(l)),
                Ty::Date,
                span,
            ),
            (BinOp::Add | BinOp::Sub, Ty::Duration, Ty::Duration) => mk(
                ExprKind::Binary(op, Box::new(l), Box::new(r)),
                Ty::Duration,
                span,
            ),
            (BinOp::Sub, Ty::Date, Ty::Date) => {
                let days = self.units.intern(Vec::new(), Decimal::ONE, String::new());
                mk(
                    ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    Ty::Count(days),
                    span,
                )
            }
            (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, _, _)
                if l.ty.unit() == Some(UNIT_GROWTH) || r.ty.unit() == Some(UNIT_GROWTH) =>
            {
                let at = if l.ty.unit() == Some(UNIT_GROWTH) {
                    l.span
                } else {
                    r.span
                };
                self.growth_arithmetic(at, "computed with");
                Self::error_expr(span)
            }
            (BinOp::Add | BinOp::Sub, _, _) if l.ty.unit().is_some() && r.ty.unit().is_some() => {
                let count = matches!((&l.ty, &r.ty), (Ty::Count(_), Ty::Count(_)));
                match self.unify_nums(l, r, la, ra, op, span) {
                    Some((l, r, u)) => {
                        let ty = if count { Ty::Count(u) } else { Ty::Num(u) };
                        mk(ExprKind::Binary(op, Box::new(l), Box::new(r)), ty, span)
                    }
                    None => Self::error_expr(span),
                }
            }
            (BinOp::Mul | BinOp::Div, _, _) if l.ty.unit().is_some() && r.ty.unit().is_some() => {
                // A percentage scales a quantity as the plain number it is: 30 亿元 × 10%
                // is 3 亿元, not 300 亿元·%.
                let (l, r) = match (l.ty.unit(), r.ty.unit()) {
                    (Some(UNIT_PERCENT), Some(u)) if self.units.is_real(u) => {
                        (self.convert(l, UNIT_ONE), r)
                    }
                    (Some(u), Some(UNIT_PERCENT)) if self.units.is_real(u) => {
                        let r = self.convert(r, UNIT_ONE);
                        (l, r)
                    }
                    _ => (l, r),
                };
                let (ul, ur) = (
                    l.ty.unit().unwrap_or(UNIT_ONE),
                    r.ty.unit().unwrap_or(UNIT_ONE),
                );
                match self.units.product(ul, ur, op == BinOp::Div) {
                    Some(u) if u != UNIT_ONE && u != UNIT_PERCENT && !self.units.is_real(u) => {
                        // A ratio in a compound unit (`%·%`, `亿元/万元`) is shown in its
                        // natural unit: a percentage of a percentage stays a percentage,
                        // every other ratio is a plain number.
                        let to = if op == BinOp::Mul && ul == UNIT_PERCENT && ur == UNIT_PERCENT {
                            UNIT_PERCENT
                        } else {
                            UNIT_ONE
                        };
                        let x = mk(
                            ExprKind::Binary(op, Box::new(l), Box::new(r)),
                            Ty::Num(u),
                            span,
                        );
                        self.convert(x, to)
                    }
                    Some(u) => mk(
                        ExprKind::Binary(op, Box::new(l), Box::new(r)),
                        Ty::Num(u),
                        span,
                    ),
                    None => {
                        self.err(
                            Diag::error(
                                "policy::check::overflow",
                                ("the combined unit overflows", "组合单位溢出"),
                            )
                            .at(span)
                            .help(("use units of closer sizes", "请使用大小相近的单位")),
                        );
                        Self::error_expr(span)
                    }
                }
            }
            _ => {
                let (a, b) = (self.type_name(&l.ty), self.type_name(&r.ty));
                self.err(
                    Diag::error(
                        "policy::check::type_mismatch",
                        (format!("cannot apply `{}` to {a} and {b}", op.symbol()), format!("无法对{}与{}使用 `{}`", crate::diag::zh_term(&a), crate::diag::zh_term(&b), op.symbol())),
                    )
                    .at(span)
                    .label(("incompatible operands", "运算对象不相容"))
                    .help(("arithmetic works on numbers of matching units, and on dates with durations (`recognition.date + 3 years`)", "算术运算只适用于单位相符的数，以及日期与期限（`recognition.date + 3 years`）")),
                );
                Self::error_expr(span)
            }
        }
    }

    fn comparison(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        la: &ast::Expr,
        ra: &ast::Expr,
        span: Span,
    ) -> Expr {
        let ordering = !matches!(op, BinOp::Eq | BinOp::Ne);
        let lt = l.ty.strip_none().clone();
        let rt = r.ty.strip_none().clone();
        let ok = |l: Expr, r: Expr| {
            mk(
                ExprKind::Binary(op, Box::new(l), Box::new(r)),
                Ty::Bool,
                span,
            )
        };
        match (&lt, &rt) {
            (a, b) if a.unit().is_some() && b.unit().is_some() => {
                match self.unify_nums(l, r, la, ra, op, span) {
                    Some((l, r, _)) => ok(l, r),
                    None => Self::error_expr(span),
                }
            }
            (Ty::Date, Ty::Date) | (Ty::Duration, Ty::Duration) => ok(l, r),
            (Ty::Enum(e), Ty::Text) => {
                let e = *e;
                let r = self.enum_literal(r, e);
                self.enum_order(e, ordering, span);
                ok(l, r)
            }
            (Ty::Text, Ty::Enum(e)) => {
                let e = *e;
                let l = self.enum_literal(l, e);
                self.enum_order(e, ordering, span);
                ok(l, r)
            }
            (Ty::Enum(a), Ty::Enum(b)) if a == b => {
                self.enum_order(*a, ordering, span);
                ok(l, r)
            }
            (Ty::Text, Ty::Text) | (Ty::Bool, Ty::Bool) if !ordering => ok(l, r),
            (Ty::NoneLit, _) | (_, Ty::NoneLit) if !ordering => {
                let other = if lt == Ty::NoneLit { &r.ty } else { &l.ty };
                if matches!(other, Ty::OrNone(_)) {
                    ok(l, r)
                } else {
                    let other = other.clone();
                    self.type_error(
                        span,
                        "a value that may be `none`",
                        &other,
                        (
                            "only fields declared `T or none` can be `none`",
                            "只有声明为 `T or none` 的字段才能为 `none`（空值）",
                        ),
                    );
                    Self::error_expr(span)
                }
            }
            // Texts, yes/no and `none` have no order: say so, not "cannot compare".
            (Ty::Text, Ty::Text) | (Ty::Bool, Ty::Bool) | (Ty::NoneLit, _) | (_, Ty::NoneLit) => {
                let what = if lt == Ty::NoneLit || rt == Ty::NoneLit {
                    "`none`".to_string()
                } else {
                    self.type_name(&lt)
                };
                let word = op.symbol();
                self.err(
                    Diag::error(
                        "policy::check::unordered",
                        (
                            format!("`{word}` does not apply to {what}: it has no order"),
                            format!(
                                "`{word}` 不适用于{}：它没有大小顺序",
                                crate::diag::zh_term(&what)
                            ),
                        ),
                    )
                    .at(span)
                    .label(("compared in order", "按大小比较"))
                    .help(("compare it with `=` or `!=`", "请改用 `=` 或 `!=` 比较")),
                );
                Self::error_expr(span)
            }
            _ => {
                let (a, b) = (self.type_name(&l.ty), self.type_name(&r.ty));
                self.err(
                    Diag::error(
                        "policy::check::type_mismatch",
                        (format!("cannot compare {a} with {b}"), format!("无法比较{}与{}", crate::diag::zh_term(&a), crate::diag::zh_term(&b))),
                    )
                    .at(span)
                    .label(("incompatible comparison", "比较对象不相容"))
                    .help(("compare values of the same kind: numbers in matching units, dates with dates, a category with one of its values", "请比较同类的值：单位相符的数、日期与日期、分类与其取值之一")),
                );
                Self::error_expr(span)
            }
        }
    }

    fn enum_order(&mut self, e: EnumId, ordering: bool, span: Span) {
        if !ordering {
            return;
        }
        let Some(def) = self.enums.get(e) else { return };
        if !def.ordered {
            let n = def.name.clone();
            self.err(
                Diag::error(
                    "policy::check::unordered",
                    (format!("the values of `{n}` have no order"), format!("`{n}` 的取值之间没有大小顺序")),
                )
                .at(span)
                .help((format!("compare with `=` or `in`, or declare `enum {n} ordered {{ … }}` if the measures rank them"), format!("请用 `=` 或 `in`（属于）比较；如措施对其分了等级，请声明 `enum {n} ordered {{ … }}`（中文关键字：`分类 … 有序`）"))),
            );
        }
    }
}
