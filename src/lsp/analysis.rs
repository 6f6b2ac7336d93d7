//! One rule set analysed for an editor: every file parsed and the set checked, with the
//! names each file declares and every place a name is written.

use super::text::LineIndex;
use crate::diag::{Diag, Sources};
use crate::fmt::{flat_in, type_text_in};
use crate::syntax::ast::{self, Annotation, ArticleItem, ClauseItem, Dating, Item};
use crate::syntax::KeywordSet;
use crate::RuleSet;
use std::collections::HashMap;

/// What a declared name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymKind {
    Fact,
    Parameter,
    Definition,
    Decision,
    Enum,
    Variant,
    Record,
    Field,
    Unit,
    Article,
    Clause,
    Rule,
}

/// A note attached to an item: `source`, `interpretation` or `assumption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Source,
    Interpretation,
    Assumption,
}

#[derive(Debug, Clone)]
pub struct Note {
    pub kind: NoteKind,
    pub text: String,
    pub span: ast::Span,
}

/// A name the rule set declares, with what an editor shows about it.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymKind,
    /// The name as written where it is used (a fact's dotted name, a decision's own name).
    pub name: String,
    pub label: Option<String>,
    /// The article (its key) the item is declared in.
    pub article: Option<u32>,
    /// The whole item.
    pub span: ast::Span,
    /// The name in the declaration.
    pub name_span: ast::Span,
    /// A type, a value or a signature, as written.
    pub detail: String,
    pub notes: Vec<Note>,
    /// A parameter's values by date or version: (when, value, source).
    pub dated: Vec<(String, String, Option<String>)>,
    /// The enum of a variant, the record of a field.
    pub parent: Option<usize>,
    /// The legal text of the clause (or article) the item stands in.
    pub legal: Vec<String>,
}

/// What a token of the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// A run of identifier characters (names, keywords, numbers).
    Word,
    /// A string literal; the range is inside the quotes.
    Str,
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
}

/// A rule set as an editor sees it.
pub struct Analysis {
    /// File `i` of the set, as the spans name it.
    pub sources: Sources,
    pub lines: Vec<LineIndex>,
    /// The syntax tree of each file that parsed; for a file that does not parse now, the
    /// tree of its last text that did.
    pub trees: Vec<Option<ast::File>>,
    /// For a tree of an earlier text (a file that does not parse now): that text.
    tree_texts: Vec<Option<String>>,
    pub keywords: Vec<Option<KeywordSet>>,
    /// The errors that stopped each file's parse (empty for a file that parsed).
    pub parse_errors: Vec<Vec<Diag>>,
    /// Every error and warning of the set (parse, check, lint).
    pub diags: Vec<Diag>,
    pub rules: Option<RuleSet>,
    pub symbols: Vec<Symbol>,
    pub tokens: Vec<Vec<Token>>,
    by_name: HashMap<String, Vec<usize>>,
    /// The keyword set of the file whose names are being collected.
    set: KeywordSet,
}

/// A rule file larger than this is not tokenised for names (its parse refuses it anyway).
const MAX_TOKENISED: usize = crate::syntax::parse::MAX_RULE_FILE_BYTES;

impl Analysis {
    /// Parse and check the files of a rule set, (name, text) pairs in reading order.
    pub fn new(files: Vec<(String, String)>) -> Analysis {
        Analysis::update(files, None)
    }

    /// [`new`](Self::new), reusing what an earlier analysis of the set parsed: a file
    /// at the same place with the same text is not parsed again (typing in one file of a
    /// set parses that file alone). A file that does not parse now keeps its earlier
    /// tree, so that names keep working while a line is half typed; its places are those
    /// of the earlier text.
    pub fn update(files: Vec<(String, String)>, earlier: Option<Analysis>) -> Analysis {
        let mut sources = Sources::new();
        let mut old_lines: Vec<LineIndex> = Vec::new();
        let mut old_tokens: Vec<Vec<Token>> = Vec::new();
        let mut old_tree_texts: Vec<Option<String>> = Vec::new();
        let (mut old_trees, old_keywords, old_errors, old_sources) = match earlier {
            Some(e) => {
                old_lines = e.lines;
                old_tokens = e.tokens;
                old_tree_texts = e.tree_texts;
                (e.trees, e.keywords, e.parse_errors, Some(e.sources))
            }
            None => (Vec::new(), Vec::new(), Vec::new(), None),
        };
        // The places and words of the files whose text is the same.
        let mut lines: Vec<Option<LineIndex>> = Vec::new();
        let mut tokens: Vec<Option<Vec<Token>>> = Vec::new();
        let mut parsed: Vec<crate::ParsedRuleFile> = Vec::new();
        // For a file that does not parse: the tree of an earlier text, and that text.
        let mut fallback: Vec<Option<(ast::File, String)>> = Vec::new();
        for (i, (name, text)) in files.into_iter().enumerate() {
            let id = sources.add(name, text);
            let same_place = old_sources
                .as_ref()
                .is_some_and(|o| o.len() > i && o.name(id) == sources.name(id));
            let same_text = same_place
                && old_sources
                    .as_ref()
                    .is_some_and(|o| o.text(id) == sources.text(id));
            lines.push(
                same_text
                    .then(|| old_lines.get_mut(i).map(std::mem::take))
                    .flatten(),
            );
            tokens.push(
                same_text
                    .then(|| old_tokens.get_mut(i).map(std::mem::take))
                    .flatten(),
            );
            let (earlier_tree, earlier_text) = if same_place {
                (
                    old_trees.get_mut(i).and_then(Option::take),
                    old_tree_texts.get_mut(i).and_then(Option::take),
                )
            } else {
                (None, None)
            };
            let old_set = old_keywords.get(i).copied().flatten();
            let errors = old_errors.get(i).filter(|e| !e.is_empty());
            let mut keep = None;
            let p = match (same_text, earlier_tree, errors) {
                // Nothing changed.
                (true, Some(t), None) => Ok((t, old_set)),
                (true, None, Some(e)) => Err(e.clone()),
                // Still the same broken text: the same errors, and the tree of its last
                // text that parsed.
                (true, Some(t), Some(e)) => {
                    keep = earlier_text.map(|good| (t, good));
                    Err(e.clone())
                }
                // The file changed: parse again only the item the change falls in, when
                // the change stays inside one (`reparse`), starting from the last text
                // that parsed.
                (_, Some(mut t), _) => {
                    // Borrowed from the earlier sources; copied only if kept below.
                    let good: std::borrow::Cow<str> = match (earlier_text, &old_sources) {
                        (Some(g), _) => g.into(),
                        (None, Some(o)) => o.text(id).into(),
                        (None, None) => "".into(),
                    };
                    let now = sources.text(id);
                    let r = match crate::syntax::reparse(id, &good, &mut t, old_set, now) {
                        Some(r) => r,
                        None => crate::parse_rule_file(id, now).map(|(tree, set)| {
                            t = tree;
                            set
                        }),
                    };
                    match r {
                        Ok(set) => Ok((t, set)),
                        Err(e) => {
                            keep = Some((t, good.into_owned()));
                            Err(e)
                        }
                    }
                }
                _ => crate::parse_rule_file(id, sources.text(id)),
            };
            fallback.push(keep);
            parsed.push((id, p));
        }
        let (rules, mut diags) = match crate::check_rule_set(&sources, &parsed) {
            Ok(r) => {
                let w = r.warnings.clone();
                (Some(r), w)
            }
            Err(e) => (None, e),
        };
        diags.retain(|d| d.code != "policy::check::no_rules" || parsed.is_empty());
        let mut trees = Vec::new();
        let mut tree_texts = Vec::new();
        let mut keywords = Vec::new();
        let mut parse_errors = Vec::new();
        for (i, (_, p)) in parsed.into_iter().enumerate() {
            match p {
                Ok((t, k)) => {
                    trees.push(Some(t));
                    tree_texts.push(None);
                    keywords.push(k);
                    parse_errors.push(Vec::new());
                }
                Err(e) => {
                    let (tree, text) = fallback.get_mut(i).and_then(Option::take).unzip();
                    keywords.push(
                        tree.as_ref()
                            .and_then(|_| old_keywords.get(i).copied().flatten()),
                    );
                    trees.push(tree);
                    tree_texts.push(text);
                    parse_errors.push(e);
                }
            }
        }
        let lines = lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| l.unwrap_or_else(|| LineIndex::new(sources.text(file_id(i)))))
            .collect();
        let tokens = tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| t.unwrap_or_else(|| tokenize(sources.text(file_id(i)))))
            .collect();
        let mut a = Analysis {
            sources,
            lines,
            trees,
            tree_texts,
            keywords,
            parse_errors,
            diags,
            rules,
            symbols: Vec::new(),
            tokens,
            by_name: HashMap::new(),
            set: KeywordSet::En,
        };
        a.collect_symbols();
        a
    }

    pub fn file_count(&self) -> usize {
        self.sources.len()
    }

    pub fn text(&self, file: usize) -> &str {
        self.sources.text(file_id(file))
    }

    pub fn name(&self, file: usize) -> &str {
        self.sources.name(file_id(file))
    }

    pub fn file_of(&self, name: &str) -> Option<usize> {
        (0..self.file_count()).find(|i| self.name(*i) == name)
    }

    pub fn line_index(&self, file: usize) -> Option<&LineIndex> {
        self.lines.get(file)
    }

    /// The keyword set of a file: its own, or the set most files of the rule set use.
    pub fn keyword_set(&self, file: usize) -> KeywordSet {
        if let Some(Some(k)) = self.keywords.get(file) {
            return *k;
        }
        let zh = self
            .keywords
            .iter()
            .flatten()
            .filter(|k| **k == KeywordSet::Zh)
            .count();
        let en = self
            .keywords
            .iter()
            .flatten()
            .filter(|k| **k == KeywordSet::En)
            .count();
        if zh >= en && zh > 0 {
            KeywordSet::Zh
        } else if en > 0 {
            KeywordSet::En
        } else {
            KeywordSet::Zh
        }
    }

    pub fn symbols_named(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_name.get(name).into_iter().flatten().copied()
    }

    fn push(&mut self, s: Symbol) -> usize {
        let i = self.symbols.len();
        self.by_name.entry(s.name.clone()).or_default().push(i);
        self.symbols.push(s);
        i
    }

    fn collect_symbols(&mut self) {
        let trees = std::mem::take(&mut self.trees);
        for (i, tree) in trees.iter().enumerate() {
            let Some(tree) = tree else { continue };
            self.set = self.keyword_set(i);
            for item in &tree.items {
                self.item(item);
            }
        }
        self.trees = trees;
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Fact(f) => {
                self.push(sym(
                    SymKind::Fact,
                    &f.name,
                    f.label.as_ref(),
                    f.span,
                    type_text_in(&f.ty, self.set),
                ));
            }
            Item::Parameter(p) => self.parameter(p, None, &[]),
            Item::Definition(d) => self.definition(d, None, &[]),
            Item::Enum(e) => {
                let parent = self.push(sym(
                    SymKind::Enum,
                    &e.name,
                    e.label.as_ref(),
                    e.span,
                    String::new(),
                ));
                for v in &e.variants {
                    let mut s = sym(
                        SymKind::Variant,
                        &v.name,
                        v.label.as_ref(),
                        e.span,
                        e.name.name.clone(),
                    );
                    s.parent = Some(parent);
                    self.push(s);
                }
            }
            Item::Record(r) => {
                let parent = self.push(sym(
                    SymKind::Record,
                    &r.name,
                    r.label.as_ref(),
                    r.span,
                    String::new(),
                ));
                for f in &r.fields {
                    let mut s = sym(
                        SymKind::Field,
                        &f.name,
                        f.label.as_ref(),
                        r.span,
                        type_text_in(&f.ty, self.set),
                    );
                    s.parent = Some(parent);
                    self.push(s);
                }
            }
            Item::Dimension(d) => {
                for u in &d.units {
                    let detail = format!(
                        "{} {}",
                        u.factor,
                        u.of.as_ref().map_or("", |o| o.name.as_str())
                    );
                    self.push(sym(
                        SymKind::Unit,
                        &u.name,
                        d.label.as_ref(),
                        u.span,
                        detail.trim().to_string(),
                    ));
                }
            }
            Item::Article(a) => self.article(a),
            Item::Policy(_) | Item::Chapter(_) => {}
        }
    }

    fn article(&mut self, a: &ast::Article) {
        let key = a.key();
        let legal: Vec<String> = a
            .items
            .iter()
            .filter_map(|i| match i {
                ArticleItem::Text(s) => Some(s.value.clone()),
                _ => None,
            })
            .collect();
        let name = ast::part_prefix(key);
        let head = ast::Ident {
            name,
            span: a.number_span,
        };
        let mut s = sym(
            SymKind::Article,
            &head,
            a.title.as_ref(),
            a.span,
            String::new(),
        );
        s.article = Some(key);
        s.legal = legal.clone();
        self.push(s);
        for item in &a.items {
            match item {
                ArticleItem::Text(_) => {}
                ArticleItem::Clause(c) => self.clause(c, key),
                ArticleItem::Parameter(p) => self.parameter(p, Some(key), &legal),
                ArticleItem::Definition(d) => self.definition(d, Some(key), &legal),
                ArticleItem::Decision(d) => {
                    let detail =
                        d.ty.as_ref()
                            .map(|t| type_text_in(t, self.set))
                            .unwrap_or_default();
                    let mut s = sym(SymKind::Decision, &d.name, d.label.as_ref(), d.span, detail);
                    s.article = Some(key);
                    s.notes = notes(&d.annotations);
                    s.legal = legal.clone();
                    self.push(s);
                }
                ArticleItem::Rule(r) => self.rule(r, key, &legal),
            }
        }
    }

    fn clause(&mut self, c: &ast::Clause, key: u32) {
        let legal: Vec<String> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ClauseItem::Text(s) => Some(s.value.clone()),
                _ => None,
            })
            .collect();
        let head = ast::Ident {
            name: format!("clause{}", c.number),
            span: c.number_span,
        };
        let mut s = sym(
            SymKind::Clause,
            &head,
            c.title.as_ref(),
            c.span,
            String::new(),
        );
        s.article = Some(key);
        s.legal = legal.clone();
        self.push(s);
        if let Some(alias) = &c.alias {
            let mut s = sym(
                SymKind::Clause,
                alias,
                c.title.as_ref(),
                c.span,
                head.name.clone(),
            );
            s.article = Some(key);
            s.legal = legal.clone();
            self.push(s);
        }
        for item in &c.items {
            match item {
                ClauseItem::Parameter(p) => self.parameter(p, Some(key), &legal),
                ClauseItem::Definition(d) => self.definition(d, Some(key), &legal),
                ClauseItem::Rule(r) => self.rule(r, key, &legal),
                ClauseItem::Text(_) | ClauseItem::NotAssessed(_) => {}
            }
        }
    }

    fn rule(&mut self, r: &ast::RuleDecl, key: u32, legal: &[String]) {
        let head = ast::Ident {
            name: r.title.value.clone(),
            span: r.title.span,
        };
        let mut s = sym(SymKind::Rule, &head, None, r.span, String::new());
        s.article = Some(key);
        s.notes = notes(&r.annotations);
        s.legal = legal.to_vec();
        self.push(s);
    }

    fn parameter(&mut self, p: &ast::Parameter, key: Option<u32>, legal: &[String]) {
        let mut detail = flat_in(&p.value, self.set);
        if let Some(t) = &p.ty {
            detail = format!("{}: {detail}", type_text_in(t, self.set));
        }
        let mut s = sym(
            SymKind::Parameter,
            &p.name,
            p.label.as_ref(),
            p.span,
            detail,
        );
        s.article = key;
        s.notes = notes(&p.annotations);
        s.legal = legal.to_vec();
        s.dated = p
            .dated
            .iter()
            .map(|d| {
                let when = match &d.when {
                    Dating::Period(f) => match &f.until {
                        Some(u) => format!("{} – {}", f.from.text, u.text),
                        None => format!("{} –", f.from.text),
                    },
                    Dating::Version(v) => format!("“{}”", v.value),
                };
                let source = d.annotations.iter().find_map(|a| match a {
                    Annotation::Source(s) => Some(s.value.clone()),
                    _ => None,
                });
                s.notes.extend(notes(&d.annotations));
                (when, flat_in(&d.value, self.set), source)
            })
            .collect();
        self.push(s);
    }

    fn definition(&mut self, d: &ast::Definition, key: Option<u32>, legal: &[String]) {
        let params = d.params.as_ref().map(|ps| {
            ps.iter()
                .map(|p| format!("{}: {}", p.name.name, type_text_in(&p.ty, self.set)))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut detail = match params {
            Some(p) => format!("({p})"),
            None => String::new(),
        };
        if let Some(t) = &d.ty {
            detail = format!("{detail}: {}", type_text_in(t, self.set));
        }
        let mut s = sym(
            SymKind::Definition,
            &d.name,
            d.label.as_ref(),
            d.span,
            detail,
        );
        s.article = key;
        s.notes = notes(&d.annotations);
        s.legal = legal.to_vec();
        self.push(s);
    }

    /// The token at byte `offset` of `file` (or ending there: the cursor after a word).
    pub fn token_at(&self, file: usize, offset: usize) -> Option<(usize, Token)> {
        let toks = self.tokens.get(file)?;
        let i = toks.partition_point(|t| t.end < offset);
        let t = toks.get(i)?;
        (t.start <= offset && offset <= t.end).then_some((i, *t))
    }

    /// The dotted path a word token ends: `article15.status` for `status`.
    pub fn path_to(&self, file: usize, index: usize) -> Vec<String> {
        let text = self.text(file);
        let toks = self.tokens.get(file).map(Vec::as_slice).unwrap_or(&[]);
        let mut out = Vec::new();
        let mut i = index;
        while let Some(t) = toks.get(i) {
            if t.kind != TokKind::Word {
                break;
            }
            out.push(text.get(t.start..t.end).unwrap_or("").to_string());
            let Some(prev) = i.checked_sub(1).and_then(|p| toks.get(p)) else {
                break;
            };
            if prev.kind != TokKind::Word || text.get(prev.end..t.start) != Some(".") {
                break;
            }
            i -= 1;
        }
        out.reverse();
        out
    }

    /// The article key of the innermost article of `file` holding `offset`.
    pub fn article_at(&self, file: usize, offset: usize) -> Option<u32> {
        let id = file_id(file);
        self.symbols
            .iter()
            .filter(|s| s.kind == SymKind::Article && s.span.file == id)
            .find(|s| (s.span.start as usize) <= offset && offset <= s.span.end as usize)
            .and_then(|s| s.article)
    }

    /// The symbol a token names, if any.
    pub fn resolve(&self, file: usize, index: usize) -> Option<usize> {
        let t = *self.tokens.get(file)?.get(index)?;
        let text = self.text(file);
        let word = text.get(t.start..t.end)?;
        if t.kind == TokKind::Str {
            return self.symbols_named(word).find(|i| {
                self.symbols
                    .get(*i)
                    .is_some_and(|s| s.kind == SymKind::Variant)
            });
        }
        let path = self.path_to(file, index);
        let joined = path.join(".");
        let pick = |name: &str, kinds: &[SymKind], article: Option<u32>| -> Option<usize> {
            let all: Vec<usize> = self
                .symbols_named(name)
                .filter(|i| {
                    self.symbols
                        .get(*i)
                        .is_some_and(|s| kinds.contains(&s.kind))
                })
                .collect();
            all.iter()
                .copied()
                .find(|i| self.symbols.get(*i).is_some_and(|s| s.article == article))
                .or_else(|| {
                    all.iter()
                        .copied()
                        .find(|i| self.symbols.get(*i).is_some_and(|s| s.article.is_none()))
                })
                .or_else(|| all.first().copied())
        };
        // A fact's dotted name, written up to this word or on after it.
        let toks = self.tokens.get(file).map(Vec::as_slice).unwrap_or(&[]);
        let mut longer = joined.clone();
        let mut candidates = vec![joined.clone()];
        let mut j = index;
        while let (Some(a), Some(b)) = (toks.get(j), toks.get(j + 1)) {
            if b.kind != TokKind::Word || text.get(a.end..b.start) != Some(".") {
                break;
            }
            longer = format!("{longer}.{}", text.get(b.start..b.end).unwrap_or(""));
            candidates.push(longer.clone());
            j += 1;
        }
        for name in candidates.iter().rev() {
            if let Some(i) = self.symbols_named(name).find(|i| {
                self.symbols
                    .get(*i)
                    .is_some_and(|s| s.kind == SymKind::Fact)
            }) {
                return Some(i);
            }
        }
        let named = [
            SymKind::Parameter,
            SymKind::Definition,
            SymKind::Decision,
            SymKind::Clause,
        ];
        match path.as_slice() {
            [] => None,
            [one] => {
                if let Some(key) = part_key_of(one) {
                    return self
                        .symbols
                        .iter()
                        .position(|s| s.kind == SymKind::Article && s.article == Some(key));
                }
                let here = self.article_at(file, t.start);
                pick(
                    one,
                    &[
                        SymKind::Parameter,
                        SymKind::Definition,
                        SymKind::Decision,
                        SymKind::Enum,
                        SymKind::Record,
                        SymKind::Unit,
                    ],
                    here,
                )
            }
            [first, .., last] => {
                if let (Some(key), 2) = (part_key_of(first), path.len()) {
                    if let Some(i) = pick(last, &named, Some(key)) {
                        if self.symbols.get(i).is_some_and(|s| s.article == Some(key)) {
                            return Some(i);
                        }
                    }
                }
                pick(last, &[SymKind::Field], None)
            }
        }
    }

    /// Every token of the rule set that names symbol `sym`, as (file, start, end).
    pub fn references(&self, sym: usize) -> Vec<(usize, usize, usize)> {
        let Some(s) = self.symbols.get(sym) else {
            return Vec::new();
        };
        let last = s.name.rsplit('.').next().unwrap_or(&s.name).to_string();
        let mut out = Vec::new();
        for (f, toks) in self.tokens.iter().enumerate() {
            let text = self.text(f);
            for (i, t) in toks.iter().enumerate() {
                let w = text.get(t.start..t.end).unwrap_or("");
                if w != last && w != s.name {
                    continue;
                }
                if self.resolve(f, i) == Some(sym) {
                    // A dotted fact name is marked whole.
                    let start = if s.kind == SymKind::Fact && s.name.contains('.') {
                        t.end.saturating_sub(s.name.len())
                    } else {
                        t.start
                    };
                    out.push((f, start, t.end));
                }
            }
        }
        out
    }

    /// The innermost named item (parameter, definition, decision or rule) holding a place.
    pub fn enclosing_item(&self, file: usize, offset: usize) -> Option<usize> {
        let id = file_id(file);
        self.symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                matches!(
                    s.kind,
                    SymKind::Parameter | SymKind::Definition | SymKind::Decision | SymKind::Rule
                ) && s.span.file == id
                    && (s.span.start as usize) <= offset
                    && offset <= s.span.end as usize
            })
            .min_by_key(|(_, s)| s.span.len())
            .map(|(i, _)| i)
    }
}

/// `article15` or `第十五条` (and `annex1`, `附件1`): the key of the part it names.
pub fn part_key_of(word: &str) -> Option<u32> {
    if let Some(n) = word.strip_prefix("article") {
        return n.parse().ok();
    }
    if let Some(n) = word.strip_prefix('第').and_then(|w| w.strip_suffix('条')) {
        return crate::numeral::read(n);
    }
    if let Some(n) = word
        .strip_prefix("annex")
        .or_else(|| word.strip_prefix("附件"))
    {
        let n: u32 = if n.is_empty() { 0 } else { n.parse().ok()? };
        return Some(ast::part_key(ast::PartKind::Annex, n));
    }
    None
}

pub fn file_id(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn sym(
    kind: SymKind,
    name: &ast::Ident,
    label: Option<&ast::Str>,
    span: ast::Span,
    detail: String,
) -> Symbol {
    Symbol {
        kind,
        name: name.name.clone(),
        label: label.map(|l| l.value.clone()),
        article: None,
        span,
        name_span: name.span,
        detail,
        notes: Vec::new(),
        dated: Vec::new(),
        parent: None,
        legal: Vec::new(),
    }
}

fn notes(annotations: &[Annotation]) -> Vec<Note> {
    annotations
        .iter()
        .map(|a| match a {
            Annotation::Source(s) => (NoteKind::Source, s),
            Annotation::Interpretation(s) => (NoteKind::Interpretation, s),
            Annotation::Assumption(s) => (NoteKind::Assumption, s),
        })
        .map(|(kind, s)| Note {
            kind,
            text: s.value.clone(),
            span: s.span,
        })
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words and string literals of a rule file, in order; comments are skipped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    if text.len() > MAX_TOKENISED {
        return out;
    }
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '#' {
            while chars.next_if(|(_, c)| *c != '\n').is_some() {}
        } else if c == '"' || c == '“' {
            let start = i + c.len_utf8();
            let mut end = text.len();
            let mut depth = 0usize;
            while let Some((j, d)) = chars.next() {
                match d {
                    '\\' => {
                        chars.next_if(|(_, c)| *c != '\n');
                    }
                    '\n' => {
                        end = j;
                        break;
                    }
                    '“' if c == '“' => depth += 1,
                    '”' if c == '“' && depth > 0 => depth -= 1,
                    '"' if c == '"' => {
                        end = j;
                        break;
                    }
                    '”' if c == '“' => {
                        end = j;
                        break;
                    }
                    _ => {}
                }
            }
            out.push(Token {
                kind: TokKind::Str,
                start,
                end,
            });
        } else if is_word_char(c) {
            let mut end = i + c.len_utf8();
            while let Some((j, d)) = chars.next_if(|(_, d)| is_word_char(*d)) {
                end = j + d.len_utf8();
            }
            out.push(Token {
                kind: TokKind::Word,
                start: i,
                end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_comments_and_keep_strings() {
        let text = "# 注释 x\n定义 近三年 “近三年（按“年度”）” = a.b\n";
        let words: Vec<&str> = tokenize(text)
            .iter()
            .map(|t| text.get(t.start..t.end).unwrap_or("?"))
            .collect();
        assert_eq!(words, ["定义", "近三年", "近三年（按“年度”）", "a", "b"]);
    }

    #[test]
    fn part_keys() {
        assert_eq!(part_key_of("article15"), Some(15));
        assert_eq!(part_key_of("第十五条"), Some(15));
        assert_eq!(part_key_of("status"), None);
    }
}
