//! Articles, clauses and rules.

use super::*;

/// The short name of a clause's decision: its alias, `clause2`, or `item3` in an annex.
pub(super) fn clause_short(c: &ast::Clause) -> String {
    match (&c.alias, &c.numeral) {
        (Some(x), _) => x.name.clone(),
        (None, Some(_)) => format!("item{}", c.number),
        (None, None) => format!("clause{}", c.number),
    }
}

impl<'a> Checker<'a> {
    /// A numeral that is not exactly 1…99 or 一…九十九.
    pub(super) fn bad_numeral(&mut self, n: &ast::Numeral, what: &str) {
        self.err(
            Diag::error(
                "policy::check::bad_numeral",
                (format!("`{}` is not {what}: write 1…99 or 一…九十九", n.text), format!("`{}` 不是有效的{}：请写 1…99 或 一…九十九", n.text, crate::diag::zh_term(what))),
            )
            .at(n.span)
            .label(("编号应为 1…99 或 一…九十九", "编号应为 1…99 或 一…九十九"))
            .help(("Chinese numerals are read in their standard spelling only: 一…九, 十, 十一…十九, 二十, 二十一 … 九十九 (not 零, 一十, 十十, 二二 or 一百); Arabic numerals without leading zeros", "中文数字只接受标准写法：一…九、十、十一…十九、二十、二十一……九十九（不接受零、一十、十十、二二或一百）；阿拉伯数字不得有前导零")),
        );
    }

    /// The chapter of each article: the last `chapter` item before it in its file.
    pub(super) fn chapters(&mut self, files: &'a [ParsedFile<'a>]) {
        for f in files {
            let mut current: Option<ChapterDef> = None;
            for item in &f.ast.items {
                match item {
                    ast::Item::Chapter(c) => match c.number.value() {
                        Some(number) => {
                            current = Some(ChapterDef {
                                number,
                                title: c.title.as_ref().map(|t| t.value.clone()),
                            })
                        }
                        None => {
                            self.bad_numeral(&c.number, "a chapter number");
                            current = None;
                        }
                    },
                    ast::Item::Article(a) => {
                        if let Some(c) = &current {
                            self.chapter_of.entry(a.key()).or_insert_with(|| c.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    pub(super) fn article(&mut self, a: &'a ast::Article) -> ArticleDef {
        let saved = self.enter(Some(a.key()));
        let applies = a.applies.as_ref().map(|e| self.condition(e));
        let (applies_used, applies_dec) = self.leave_all(saved);
        let mut def = ArticleDef {
            number: a.number,
            title: a.title.as_ref().map(|t| t.value.clone()),
            text: Vec::new(),
            applies,
            clauses: Vec::new(),
            rules: Vec::new(),
            span: a.span,
            kind: a.kind,
            chapter: self.chapter_of.get(&a.key()).cloned(),
            item_style: a.item_style.as_ref().map(|s| s.value.clone()),
        };
        if let Some(s) = &a.item_style {
            if crate::numeral::heading(&s.value, 1).is_none() {
                self.err(
                    Diag::error(
                        "policy::check::bad_item_style",
                        (format!("the item style \"{}\" holds no numeral to replace", s.value), format!("项的编号样式“{}”中没有可替换的数字", s.value)),
                    )
                    .at(s.span)
                    .label(("应含一个“一”或“1”", "应含一个“一”或“1”"))
                    .help(("write the heading of item one as the document does, with exactly one 一 or 1: \"一、\", \"（一）\", \"1.\", \"（1）\"", "请按文件原文写出第一项的标题，其中恰好含一个“一”或“1”：\"一、\"、\"（一）\"、\"1.\"、\"（1）\"")),
                );
            }
        }
        let mut clause_numbers: HashMap<u32, Span> = HashMap::new();
        for item in &a.items {
            match item {
                ast::ArticleItem::Text(t) => def.text.push(t.value.clone()),
                ast::ArticleItem::Rule(r) => {
                    // An annex holds items (`item 一`), an article clauses.
                    let d = if a.kind == ast::PartKind::Annex {
                        Diag::error(
                            "policy::check::rule_outside_clause",
                            ("a rule must stand inside an item", "规则必须写在项之内"),
                        )
                        .help(("put the rule in an `item 一 \"title\" { … }` block of this annex", "请把规则放进本附件的 `item 一 \"标题\" { … }` 块（中文关键字写作 `第一项 \"标题\" { … }`）"))
                    } else {
                        Diag::error(
                            "policy::check::rule_outside_clause",
                            ("a rule must stand inside a clause", "规则必须写在款之内"),
                        )
                        .help(("put the rule in a `clause N \"title\" { … }` block of this article", "请把规则放进本条的 `clause N \"标题\" { … }` 块（中文关键字写作 `（N） \"标题\" { … }`）"))
                    };
                    self.err(d.at(r.title.span));
                }
                ast::ArticleItem::Clause(c) => {
                    if let Some(n) = &c.numeral {
                        if n.value().is_none() {
                            self.bad_numeral(n, "an item number");
                            continue;
                        }
                    }
                    if let Some(first) = clause_numbers.get(&c.number).copied() {
                        let what = if c.numeral.is_some() {
                            "item"
                        } else {
                            "clause"
                        };
                        self.duplicate(what, &c.number.to_string(), c.number_span, Some(first));
                        continue;
                    }
                    clause_numbers.insert(c.number, c.number_span);
                    let index = def.clauses.len();
                    let clause = self.clause(a.key(), c, index, &applies_used);
                    def.clauses.push(clause);
                }
                _ => {}
            }
        }
        // Decisions of the article rely on its applicability condition too.
        let prefix = format!("{}.", ast::part_prefix(a.key()));
        let ids: Vec<usize> = self
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name.starts_with(&prefix))
            .map(|(i, _)| i)
            .collect();
        for i in ids {
            if let Some(s) = self.decision_annots.get_mut(i) {
                s.extend(applies_used.iter().copied());
            }
            if let Some(s) = self.decision_deps.get_mut(i) {
                s.extend(applies_dec.iter().copied());
            }
        }
        def
    }

    fn clause(
        &mut self,
        article: u32,
        c: &'a ast::Clause,
        index: usize,
        applies_used: &BTreeSet<AnnotId>,
    ) -> ClauseDef {
        let saved = self.enter(Some(article));
        let applies = c.applies.as_ref().map(|e| self.condition(e));
        let (mut used, mut deps) = self.leave_all(saved);
        used.extend(applies_used.iter().copied());
        let mut def = ClauseDef {
            number: c.number,
            title: c.title.as_ref().map(|t| t.value.clone()),
            text: Vec::new(),
            applies,
            rules: Vec::new(),
            decision: usize::MAX,
            span: c.span,
            chinese: c.numeral.as_ref().is_some_and(ast::Numeral::is_chinese),
            not_assessed: Vec::new(),
        };
        for item in &c.items {
            match item {
                ast::ClauseItem::Text(t) => def.text.push(t.value.clone()),
                ast::ClauseItem::NotAssessed(n) => def.not_assessed.push(NotAssessedDef {
                    text: n.phrase.value.clone(),
                    reason: n.reason.value.clone(),
                    span: n.span,
                }),
                ast::ClauseItem::Rule(r) => {
                    let saved = self.enter(Some(article));
                    let when = r.when.as_ref().map(|e| self.condition(e));
                    let body = self.condition(&r.body);
                    let own = self.record_annotations(&r.title.value, &r.annotations);
                    let (mut rule_used, rule_dec) = self.leave_all(saved);
                    deps.extend(rule_dec);
                    rule_used.extend(self.relied_on(&own).collect::<Vec<_>>());
                    used.extend(rule_used.iter().copied());
                    def.rules.push(RuleDef {
                        kind: r.kind,
                        title: r.title.value.clone(),
                        when,
                        body,
                        span: r.span,
                        annotations: rule_used.into_iter().collect(),
                    });
                }
                _ => {}
            }
        }
        if def.rules.iter().all(|r| r.kind == ast::RuleKind::Guideline) {
            let what = if c.numeral.is_some() {
                "item"
            } else {
                "clause"
            };
            self.err(
                Diag::error(
                    "policy::check::empty_clause",
                    (
                        format!("{what} {} has no rule", c.number),
                        format!(
                            "第 {} {}没有规则",
                            c.number,
                            if what == "item" { "项" } else { "款" }
                        ),
                    ),
                )
                .at(c.number_span)
                .help((
                    "add at least one `rule \"…\": condition` to the clause",
                    "请在此款中至少加一条 `rule \"…\": 条件`（中文关键字：`规则`）",
                )),
            );
        }
        let name = format!("{}.{}", ast::part_prefix(article), clause_short(c));
        if let Some(&id) = self.decision_names.get(&name) {
            def.decision = id;
            if let Some(d) = self.decisions.get_mut(id) {
                d.kind = DecisionKind::Clause(index);
            }
            if let Some(s) = self.decision_annots.get_mut(id) {
                s.extend(used.iter().copied());
            }
            if let Some(s) = self.decision_deps.get_mut(id) {
                s.extend(deps);
            }
        }
        def
    }

    /// An expression that must be yes/no.
    pub(super) fn condition(&mut self, e: &ast::Expr) -> Expr {
        let x = self.expr(e);
        self.coerce(x, &Ty::Bool, e.span)
    }

    pub(super) fn unused_warnings(&mut self) {
        for (i, f) in self.facts.iter().enumerate() {
            // Text facts describe the cluster for the output; they need no rule.
            if !self.fact_used.get(i).copied().unwrap_or(true) && f.ty != Ty::Text {
                self.diags.push(
                    Diag::warning(
                        "policy::check::unused_fact",
                        (
                            format!("fact `{}` is declared but no rule uses it", f.name),
                            format!("事实 `{}` 已声明，但没有规则使用", f.name),
                        ),
                    )
                    .at(f.span)
                    .help((
                        "use it in a rule, or remove the declaration",
                        "请在规则中使用，或删除此声明",
                    )),
                );
            }
        }
        for (i, s) in self.slot_decls.iter().enumerate() {
            if s.kind == SlotKind::Parameter && !self.slot_used.get(i).copied().unwrap_or(true) {
                self.diags.push(
                    Diag::warning(
                        "policy::check::unused_parameter",
                        (
                            format!("parameter `{}` is declared but not used", s.name),
                            format!("参数 `{}` 已声明，但未被使用", s.name),
                        ),
                    )
                    .at(s.span)
                    .help(("use it in a rule, or remove it", "请在规则中使用，或删除")),
                );
            }
        }
    }

    pub(super) fn finish(mut self) -> Program {
        let slots: Vec<Slot> = std::mem::take(&mut self.slots)
            .into_iter()
            .zip(self.slot_decls.iter())
            .map(|(s, d)| {
                s.unwrap_or(Slot {
                    name: d.name.clone(),
                    label: d.label.clone(),
                    kind: d.kind,
                    ty: Ty::Error,
                    body: placeholder(d.span),
                    span: d.span,
                    annotations: Vec::new(),
                    dated: None,
                })
            })
            .collect();
        let mut decisions = std::mem::take(&mut self.decisions);
        for (i, d) in decisions.iter_mut().enumerate() {
            // Own interpretations, and those of every decision it uses, transitively.
            let mut all: BTreeSet<AnnotId> = BTreeSet::new();
            let mut seen: BTreeSet<DecisionId> = BTreeSet::new();
            let mut todo = vec![i];
            while let Some(x) = todo.pop() {
                if !seen.insert(x) {
                    continue;
                }
                if let Some(s) = self.decision_annots.get(x) {
                    all.extend(s.iter().copied());
                }
                if let Some(s) = self.decision_deps.get(x) {
                    todo.extend(s.iter().copied());
                }
            }
            d.annotations = all.into_iter().collect();
        }
        Program {
            header: self.header.unwrap_or(Header {
                title: String::new(),
                version: None,
                document: None,
                issued_by: None,
                issued_on: None,
                in_force: Period::ALWAYS,
                in_force_source: None,
                applies: Period::ALWAYS,
                versions: Vec::new(),
                span: Span::default(),
            }),
            units: self.units.units,
            enums: self.enums,
            records: self.records,
            fact_groups: Program::groups_of(&self.facts),
            facts: self.facts,
            slots,
            articles: self.articles,
            decisions,
            annotations: self.annotations,
            fact_index: self.fact_names,
        }
    }
}
