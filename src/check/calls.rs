//! Calls: the built-in functions, and user functions inlined at each call.

use super::*;
use crate::diag::Text;

/// The built-in functions: name, what they take, what they do.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "years",
        "years(from, to): the list of years from `from` to `to`, both included",
    ),
    ("year", "year(date): the year of a date"),
    ("first", "first(list): the first element"),
    ("last", "last(list): the last element"),
    (
        "latest",
        "latest(series): the value of the latest year present",
    ),
    (
        "growth",
        "growth(series, years): compound average annual growth from the first to the last year",
    ),
    (
        "mean_growth",
        "mean_growth(series, years): arithmetic mean of the year-on-year growth rates",
    ),
    (
        "known",
        "known(x): yes when x is known, no when it is missing",
    ),
    ("date_in", "date_in(year, 4月10日): that day of that year"),
    (
        "extend",
        "extend(date, duration, n): add the duration n times, one period after another",
    ),
    ("all", "all(a, b, …): every condition holds"),
    ("any", "any(a, b, …): at least one condition holds"),
    ("min", "min(a, b, …): the smallest"),
    ("max", "max(a, b, …): the largest"),
    ("len", "len(list): how many elements"),
    ("abs", "abs(x): the absolute value"),
];

/// The Chinese of [`BUILTINS`], by name.
pub const BUILTINS_ZH: &[(&str, &str)] = &[
    ("years", "years(起, 止)：自 `起` 至 `止` 的各年，含首尾"),
    ("year", "year(日期)：日期所在的年份"),
    ("first", "first(列表)：第一个元素"),
    ("last", "last(列表)：最后一个元素"),
    ("latest", "latest(序列)：已有数据的最近一年的值"),
    ("growth", "growth(序列, 年份)：自首年至末年的年均复合增长率"),
    (
        "mean_growth",
        "mean_growth(序列, 年份)：各年同比增速的算术平均",
    ),
    ("known", "known(x)：x 已知时为是，缺少时为否"),
    ("date_in", "date_in(年份, 4月10日)：该年的该日"),
    (
        "extend",
        "extend(日期, 期限, n)：将期限连续加 n 次，一期接一期",
    ),
    ("all", "all(a, b, …)：每个条件都成立"),
    ("any", "any(a, b, …)：至少一个条件成立"),
    ("min", "min(a, b, …)：最小值"),
    ("max", "max(a, b, …)：最大值"),
    ("len", "len(列表)：元素个数"),
    ("abs", "abs(x)：绝对值"),
];

/// How deep user functions may call one another (`f` calling `g` calling `h` … ).
pub const MAX_CALL_DEPTH: usize = 32;

impl<'a> Checker<'a> {
    fn arity(&mut self, name: &ast::Ident, args: &[ast::Expr], n: usize, span: Span) -> bool {
        if args.len() == n {
            return true;
        }
        self.err(
            Diag::error(
                "policy::check::arity",
                (
                    format!(
                        "`{}` takes {n} argument{}, found {}",
                        name.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    format!(
                        "`{}` 需要 {n} 个参数，实际给了 {} 个",
                        name.name,
                        args.len()
                    ),
                ),
            )
            .at(span)
            .help(
                BUILTINS
                    .iter()
                    .zip(BUILTINS_ZH)
                    .find(|((n, _), _)| *n == name.name)
                    .map(|((_, en), (_, zh))| Text::from((*en, *zh)))
                    .unwrap_or_else(|| {
                        Text::from(("check the function's parameters", "请检查函数的参数"))
                    }),
            ),
        );
        false
    }

    fn arg(&mut self, args: &[ast::Expr], i: usize, want: &Ty) -> Expr {
        match args.get(i) {
            Some(a) => {
                let x = self.expr(a);
                self.coerce(x, want, a.span)
            }
            None => mk_err(Span::default()),
        }
    }

    fn any_arg(&mut self, args: &[ast::Expr], i: usize) -> Expr {
        match args.get(i) {
            Some(a) => self.expr(a),
            None => mk_err(Span::default()),
        }
    }

    pub(super) fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let year = Ty::Count(UNIT_ONE);
        match name.name.as_str() {
            "years" => {
                if !self.arity(name, args, 2, span) {
                    return mk_err(span);
                }
                let a = self.arg(args, 0, &year);
                let b = self.arg(args, 1, &year);
                built(Builtin::Years, vec![a, b], Ty::List(Box::new(year)), span)
            }
            "year" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let d = self.arg(args, 0, &Ty::Date);
                built(Builtin::Year, vec![d], year, span)
            }
            "first" | "last" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let l = self.any_arg(args, 0);
                let ty = match &l.ty {
                    Ty::List(t) => (**t).clone(),
                    Ty::Error => Ty::Error,
                    other => {
                        let o = other.clone();
                        self.type_error(
                            l.span,
                            "a list",
                            &o,
                            ("first/last take a list", "first/last 作用于列表"),
                        );
                        Ty::Error
                    }
                };
                let b = if name.name == "first" {
                    Builtin::First
                } else {
                    Builtin::Last
                };
                built(b, vec![l], ty, span)
            }
            "latest" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let s = self.any_arg(args, 0);
                let ty = self.series_elem(&s);
                built(Builtin::Latest, vec![s], ty, span)
            }
            "growth" | "mean_growth" => {
                if !self.arity(name, args, 2, span) {
                    return mk_err(span);
                }
                let s = self.any_arg(args, 0);
                let elem = self.series_elem(&s);
                if elem != Ty::Error && elem.unit().is_none() {
                    self.type_error(
                        s.span,
                        "a series of numbers",
                        &s.ty.clone(),
                        (
                            "growth is computed on numbers by year",
                            "增速按逐年的数计算",
                        ),
                    );
                }
                let w = self.arg(args, 1, &Ty::List(Box::new(year)));
                let b = if name.name == "growth" {
                    Builtin::Growth
                } else {
                    Builtin::MeanGrowth
                };
                let unit = if matches!(b, Builtin::Growth) {
                    UNIT_GROWTH
                } else {
                    UNIT_ONE
                };
                built(b, vec![s, w], Ty::Num(unit), span)
            }
            "known" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let x = self.any_arg(args, 0);
                built(Builtin::Known, vec![x], Ty::Bool, span)
            }
            "date_in" => {
                if !self.arity(name, args, 2, span) {
                    return mk_err(span);
                }
                let y = self.arg(args, 0, &year);
                let md = self.arg(args, 1, &Ty::MonthDay);
                built(Builtin::DateIn, vec![y, md], Ty::Date, span)
            }
            "extend" => {
                if !self.arity(name, args, 3, span) {
                    return mk_err(span);
                }
                let d = self.arg(args, 0, &Ty::Date);
                let p = self.arg(args, 1, &Ty::Duration);
                let n = self.arg(args, 2, &Ty::Count(UNIT_ONE));
                built(Builtin::Extend, vec![d, p, n], Ty::Date, span)
            }
            "all" | "any" => {
                if args.is_empty() {
                    self.arity(name, args, 1, span);
                    return mk_err(span);
                }
                let xs: Vec<Expr> = args.iter().map(|a| self.condition(a)).collect();
                let b = if name.name == "all" {
                    Builtin::All
                } else {
                    Builtin::AnyOf
                };
                built(b, xs, Ty::Bool, span)
            }
            "min" | "max" => {
                if args.is_empty() {
                    self.arity(name, args, 1, span);
                    return mk_err(span);
                }
                let xs: Vec<Expr> = args.iter().map(|a| self.expr(a)).collect();
                if let Some(g) = xs.iter().find(|x| x.ty.unit() == Some(UNIT_GROWTH)) {
                    let at = g.span;
                    self.growth_arithmetic(at, &format!("passed to `{}`", name.name));
                    return mk_err(span);
                }
                let ty = xs.first().map(|x| x.ty.clone()).unwrap_or(Ty::Error);
                let xs: Vec<Expr> = xs
                    .into_iter()
                    .map(|x| {
                        let s = x.span;
                        self.coerce(x, &ty, s)
                    })
                    .collect();
                if ty != Ty::Error && ty.unit().is_none() && ty != Ty::Date {
                    self.type_error(
                        span,
                        "numbers or dates",
                        &ty,
                        (
                            "min and max compare numbers or dates",
                            "min 和 max 比较数或日期",
                        ),
                    );
                }
                let b = if name.name == "min" {
                    Builtin::Min
                } else {
                    Builtin::Max
                };
                built(b, xs, ty, span)
            }
            "len" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let l = self.any_arg(args, 0);
                if !matches!(l.ty, Ty::List(_) | Ty::Error) {
                    self.type_error(
                        l.span,
                        "a list",
                        &l.ty.clone(),
                        ("len counts a list", "len 计算列表的元素个数"),
                    );
                }
                built(Builtin::Len, vec![l], Ty::Count(UNIT_ONE), span)
            }
            "abs" => {
                if !self.arity(name, args, 1, span) {
                    return mk_err(span);
                }
                let x = self.any_arg(args, 0);
                let ty = x.ty.clone();
                if ty.unit() == Some(UNIT_GROWTH) {
                    self.growth_arithmetic(x.span, "passed to `abs`");
                    return mk_err(span);
                }
                if ty != Ty::Error && ty.unit().is_none() {
                    self.type_error(
                        x.span,
                        "a number",
                        &ty,
                        ("abs takes a number", "abs 作用于数"),
                    );
                    // One error, not a second one where the result is used.
                    return mk_err(span);
                }
                built(Builtin::Abs, vec![x], ty, span)
            }
            _ => self.user_call(name, args, span),
        }
    }

    fn series_elem(&mut self, s: &Expr) -> Ty {
        match &s.ty {
            Ty::Series(t) => (**t).clone(),
            Ty::Error => Ty::Error,
            other => {
                let o = other.clone();
                self.type_error(
                    s.span,
                    "a series by year",
                    &o,
                    (
                        "pass a fact declared `series of …`",
                        "请传入声明为 `series of …`（逐年）的事实",
                    ),
                );
                Ty::Error
            }
        }
    }

    fn user_call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let Some((def, art)) = self.functions.get(&name.name).copied() else {
            let mut names: Vec<String> = self.functions.keys().cloned().collect();
            names.extend(BUILTINS.iter().map(|(n, _)| n.to_string()));
            let mut d = Diag::error(
                "policy::check::unknown_function",
                (
                    format!("unknown function `{}`", name.name),
                    format!("未知函数 `{}`", name.name),
                ),
            )
            .at(name.span)
            .label(("not declared", "未声明"));
            d = match suggest(&name.name, names.iter().map(|s| s.as_str())) {
                Some(s) => d.help((format!("did you mean `{s}`?"), format!("是否应为 `{s}`？"))),
                None => d.help((
                    "declare it with `definition name(x: type) = …`",
                    "请用 `definition name(x: type) = …`（中文关键字：`定义`）声明",
                )),
            };
            self.err(d);
            return mk_err(span);
        };
        let params = def.params.as_deref().unwrap_or(&[]);
        if !self.arity(name, args, params.len(), span) {
            return mk_err(span);
        }
        if !self.fn_stack.contains(&name.name) && self.fn_stack.len() >= MAX_CALL_DEPTH {
            self.err(
                Diag::error(
                    "policy::check::calls_too_deep",
                    (format!(
                        "`{}` is called through a chain of {} functions, more than the limit of {MAX_CALL_DEPTH}",
                        name.name,
                        self.fn_stack.len() + 1
                    ), format!("`{}` 经过 {} 层函数调用链，超过 {MAX_CALL_DEPTH} 层的上限", name.name, self.fn_stack.len() + 1)),
                )
                .at(span)
                .label(("called here", "在此调用"))
                .help((format!(
                    "functions may call one another at most {MAX_CALL_DEPTH} deep: the chain starts at `{}`; \
                     write some of the steps into one function, or make them definitions without parameters",
                    self.fn_stack.first().map(String::as_str).unwrap_or_default()
                ), format!("函数相互调用最多 {MAX_CALL_DEPTH} 层：调用链始于 `{}`；请把若干步骤合写为一个函数，或改为不带参数的定义", self.fn_stack.first().map(String::as_str).unwrap_or_default()))),
            );
            return mk_err(span);
        }
        if self.fn_stack.contains(&name.name) {
            self.err(
                Diag::error(
                    "policy::check::cycle",
                    (
                        format!("`{}` calls itself", name.name),
                        format!("`{}` 调用了自身", name.name),
                    ),
                )
                .at(span)
                .help((
                    "a definition cannot use itself, directly or through others",
                    "定义不能直接或间接地引用自身",
                )),
            );
            return mk_err(span);
        }
        // Arguments are checked in the caller's scope…
        let mut xs = Vec::new();
        let mut tys = Vec::new();
        for (p, a) in params.iter().zip(args) {
            let want = self.resolve_type(&p.ty, true);
            let x = self.expr(a);
            let x = self.coerce(x, &want, a.span);
            tys.push((p.name.name.clone(), x.ty.clone()));
            xs.push(x);
        }
        // …the body in its own, with the arguments on top of the caller's stack.
        let depth = self.scope.len();
        let key = format!(
            "{}\u{0}{:?}\u{0}{depth}\u{0}{art:?}",
            name.name,
            tys.iter().map(|(_, t)| t).collect::<Vec<_>>()
        );
        let shared = match self.fn_bodies.get(&key) {
            Some(b) => {
                let b = b.clone();
                // What the body names is checked again here, so that a cycle through
                // the shared body is still found (`definition s = f(1)`, `f` naming `s`).
                for &id in &b.slots {
                    self.named_slots.insert(id);
                    self.ensure_slot(id);
                }
                for &id in &b.used_dec {
                    self.ensure_decision(id);
                }
                b
            }
            None => {
                let b = self.check_fn_body(def, art, tys);
                self.fn_bodies.insert(key, b.clone());
                b
            }
        };
        self.used.extend(shared.used.iter().copied());
        self.used_dec.extend(shared.used_dec.iter().copied());
        let own = self.record_fn_annotations(def);
        self.used.extend(own);
        let ty = shared.body.ty.clone();
        mk_inline(name.name.clone(), xs, &shared, depth, ty, span)
    }

    /// Check a function's body for arguments of types `tys` on top of the current stack.
    fn check_fn_body(
        &mut self,
        def: &ast::Definition,
        art: Option<u32>,
        tys: Vec<(String, Ty)>,
    ) -> FnBody {
        let saved_scope = std::mem::take(&mut self.scope);
        let saved_article = self.article;
        let saved_used = std::mem::take(&mut self.used);
        let saved_used_dec = std::mem::take(&mut self.used_dec);
        let saved_slots = std::mem::take(&mut self.named_slots);
        self.article = art;
        // Keep stack depths absolute: pad with the caller's (invisible) entries.
        self.scope = saved_scope
            .iter()
            .map(|(_, t)| (String::new(), t.clone()))
            .collect();
        self.scope.extend(tys);
        self.fn_stack.push(def.name.name.clone());
        let body = self.expr(&def.body);
        let body = match &def.ty {
            Some(t) => {
                let want = self.resolve_type(t, true);
                self.coerce(body, &want, def.body.span)
            }
            None => body,
        };
        self.fn_stack.pop();
        self.scope = saved_scope;
        self.article = saved_article;
        let used = std::mem::replace(&mut self.used, saved_used);
        let used_dec = std::mem::replace(&mut self.used_dec, saved_used_dec);
        let slots = std::mem::replace(&mut self.named_slots, saved_slots);
        self.named_slots.extend(slots.iter().copied());
        FnBody {
            loops: body.loops(),
            body: std::sync::Arc::new(body),
            used,
            used_dec,
            slots,
        }
    }

    fn record_fn_annotations(&mut self, def: &ast::Definition) -> Vec<AnnotId> {
        // One annotation record per function, however many calls.
        if let Some(ids) = self.fn_annots.get(&def.name.name) {
            return ids.clone();
        }
        let ids = self.record_annotations(&def.name.name, &def.annotations);
        let relied: Vec<AnnotId> = self.relied_on(&ids).collect();
        self.fn_annots.insert(def.name.name.clone(), relied.clone());
        relied
    }

    /// A function never called is still checked, with its declared parameter types.
    pub(super) fn check_function_alone(&mut self, def: &ast::Definition, art: Option<u32>) {
        if self.fn_annots.contains_key(&def.name.name) {
            return;
        }
        let saved = self.enter(art);
        for p in def.params.as_deref().unwrap_or(&[]) {
            let t = self.resolve_type(&p.ty, false);
            self.scope.push((p.name.name.clone(), t));
        }
        self.fn_stack.push(def.name.name.clone());
        let _ = self.expr(&def.body);
        self.fn_stack.pop();
        self.leave(saved);
        self.record_fn_annotations(def);
        self.err(
            Diag::warning(
                "policy::check::unused_definition",
                (
                    format!("definition `{}` is not used", def.name.name),
                    format!("定义 `{}` 未被使用", def.name.name),
                ),
            )
            .at(def.name.span)
            .help(("use it in a rule, or remove it", "请在规则中使用，或删除")),
        );
    }
}

fn mk_err(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Bool(false),
        ty: Ty::Error,
        span,
    }
}

fn built(b: Builtin, args: Vec<Expr>, ty: Ty, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Call(b, args),
        ty,
        span,
    }
}

fn mk_inline(
    name: String,
    args: Vec<Expr>,
    shared: &FnBody,
    depth: usize,
    ty: Ty,
    span: Span,
) -> Expr {
    Expr {
        kind: ExprKind::Inline {
            name,
            args,
            body: shared.body.clone(),
            depth,
            loops: shared.loops,
        },
        ty,
        span,
    }
}
