//! `policy diff OLD NEW --facts …`: what a revision changes, in structure and in
//! the decisions of real clusters.

use crate::batch;
use crate::check::load_rules;
use crate::common::{exit, lang, rule_files, tr};
use crate::OutputFormat;
use chrono::NaiveDate;
use policy::diag::Lang;
use policy::diag::Sources;
use policy::diff::{self, Change, DecisionMove, Side, StructChange};
use policy::eval::Outcome;
use policy::facts;
use policy::render::{printable, printable_lines};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A folder's `as-of.txt`: `NAME YYYY-MM-DD` per line, `#` comments.
/// A folder without one has no dates; one that cannot be read (a FIFO, a folder, not
/// UTF-8) is an error, printed, with the exit code.
fn folder_dates(dir: &Path) -> Result<BTreeMap<String, NaiveDate>, u8> {
    let path = dir.join("as-of.txt");
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(BTreeMap::new());
    }
    let text = crate::common::read_text("the dates file", &path)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?.to_string();
            let date = NaiveDate::parse_from_str(it.next()?, "%Y-%m-%d").ok()?;
            Some((name, date))
        })
        .collect())
}

fn place(article: Option<u32>, clause: Option<u32>) -> String {
    policy::numeral::place(article, clause)
}

fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Met => tr("met", "满足"),
        Outcome::NotMet => tr("not met", "不满足"),
        Outcome::Undetermined => tr("undetermined", "无法判定"),
        Outcome::NotApplicable => tr("not applicable", "不适用"),
    }
}

/// A decision by its id, or under Chinese by its label with the id in brackets.
fn decision_shown(program: &policy::ir::Program, name: &str) -> String {
    let label = program
        .decisions
        .iter()
        .position(|d| d.name == name)
        .map(|id| policy::testing::decision_name(program, id, lang()));
    label.unwrap_or_else(|| name.to_string())
}

fn zh() -> bool {
    lang() == Lang::Zh
}

/// A changed item's kind in the language of the run.
fn kind_word(kind: &str) -> &str {
    if !zh() {
        return kind;
    }
    match kind {
        "rule" => "规则",
        "guideline" => "指引",
        "parameter" => "参数",
        "definition" => "定义",
        "dimension" => "量纲",
        "enum" => "分类",
        "record" => "记录",
        "fact" => "事实",
        "chapter" => "章",
        "article" => "条",
        "annex" => "附件",
        "decision" => "判定",
        "clause" => "款",
        "item" => "项",
        "text" => "条文",
        "not assessed" => "留待评审",
        "policy" => "政策文件头",
        "version" => "版本",
        other => other,
    }
}

/// A decision's value as a person reads it: 是、否、无法判定、不适用 under Chinese.
fn value_word(v: &str) -> String {
    if !zh() {
        return v.to_string();
    }
    match v {
        "true" => "是".into(),
        "false" => "否".into(),
        "undetermined" => "无法判定".into(),
        "not_applicable" | "not applicable" => "不适用".into(),
        other => other.to_string(),
    }
}

/// `true → false` with each side in words.
fn how_words(program: &policy::ir::Program, decision: &str, how: &str) -> String {
    match how.split_once(" → ") {
        Some((a, b)) => format!(
            "{} → {}",
            value_of(program, decision, a),
            value_of(program, decision, b)
        ),
        None => value_of(program, decision, how),
    }
}

/// A value of a decision in words: a clause 满足/不满足, a category by its label.
fn value_of(program: &policy::ir::Program, decision: &str, v: &str) -> String {
    let Some(id) = program.decisions.iter().position(|d| d.name == decision) else {
        return value_word(v);
    };
    let clause = program
        .decisions
        .get(id)
        .is_some_and(|d| matches!(d.kind, policy::ir::DecisionKind::Clause(_)));
    match (v, zh() && clause) {
        ("true", true) => "满足".into(),
        ("false", true) => "不满足".into(),
        _ => policy::testing::value_words(program, id, v, lang()),
    }
}

struct ClusterResult {
    file: String,
    name: Option<String>,
    as_of: NaiveDate,
    moves: Vec<DecisionMove>,
}

fn structure_human(changes: &[StructChange], o: &mut String) {
    if zh() {
        let _ = writeln!(o, "结构：{} 处变化", changes.len());
    } else {
        let _ = writeln!(
            o,
            "Structure: {} change{}",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        );
    }
    if changes.is_empty() {
        let _ = writeln!(
            o,
            "  {}",
            tr(
                "no rule, parameter, definition, decision or quoted text differs",
                "规则、参数、定义、判定和引用的条文均无不同"
            )
        );
    }
    for c in changes {
        let at = place(c.article, c.clause);
        let old = printable(&c.old.as_deref().map(one_line).unwrap_or_default()).into_owned();
        let new = printable(&c.new.as_deref().map(one_line).unwrap_or_default()).into_owned();
        let name = printable(&c.name);
        match c.change {
            Change::Added => {
                let _ = writeln!(o, "  + {at} {}: {new}", kind_name(c.kind, &name));
            }
            Change::Removed => {
                let _ = writeln!(o, "  - {at} {}: {old}", kind_name(c.kind, &name));
            }
            Change::Changed => match &c.old_name {
                Some(was) => {
                    let _ = writeln!(
                        o,
                        "  ~ {at} {} “{}” → “{name}”",
                        kind_word(c.kind),
                        printable(was)
                    );
                    if old != new {
                        let _ = writeln!(o, "      {old}  →  {new}");
                    }
                }
                None if c.kind == "text" => {
                    // A quoted text is long: show the words that changed, in context.
                    let (old, new) = policy::diff::excerpt(&old, &new);
                    let _ = writeln!(
                        o,
                        "  ~ {at} {}: {old}  →  {new}",
                        kind_name(c.kind, &c.name)
                    );
                }
                None => {
                    let _ = writeln!(o, "  ~ {at} {}: {old}  →  {new}", kind_name(c.kind, &name));
                }
            },
        }
    }
}

/// The kind and name of a changed item, without saying the kind twice: `rule 标题`, but
/// `clause 2` (whose name already starts with its kind) rather than `clause clause 2`.
fn kind_name(kind: &str, name: &str) -> String {
    if name == kind || name.starts_with(&format!("{kind} ")) {
        if zh() {
            // `clause 2` → `款 2`
            let rest = name.strip_prefix(kind).unwrap_or(name).trim_start();
            return format!("{} {rest}", kind_word(kind)).trim_end().to_string();
        }
        name.to_string()
    } else {
        format!("{} {name}", kind_word(kind))
    }
}

/// A decision, how many clusters changed it, and how (`true → false`, how many).
type Tally = (String, usize, Vec<(String, usize)>);

/// Per decision, in the order of the new rule set: how many clusters changed it, and how
/// (`true → false ×3`).
fn tally_of(program: &policy::ir::Program, t: &Tallies) -> Vec<Tally> {
    let mut out: Vec<Tally> = Vec::new();
    for ((id, how), n) in &t.moves {
        let name = program
            .decisions
            .get(*id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        match out.last_mut() {
            Some((last, total, hows)) if *last == name => {
                *total += n;
                hows.push((how.clone(), *n));
            }
            _ => out.push((name, *n, vec![(how.clone(), *n)])),
        }
    }
    // A cluster counts once per decision, however it moved.
    out
}

fn impact_human(
    program: &policy::ir::Program,
    evaluated: Option<usize>,
    t: &Tallies,
    tally: &[Tally],
) -> String {
    let mut o = String::new();
    let Some(total) = evaluated else {
        return o;
    };
    if t.changed == 0 {
        let _ = writeln!(o, "  {}", tr("none", "无"));
    }
    let errors = &t.not_evaluated;
    if zh() {
        let _ = writeln!(
            o,
            "\n对 {total} 个集群的影响：{} 个有变化，{} 个无变化{}",
            t.changed,
            t.clusters - t.changed,
            if errors.is_empty() {
                String::new()
            } else {
                format!("，{} 个未能评估", errors.len())
            }
        );
    } else {
        let _ = writeln!(
            o,
            "\nImpact on {total} cluster{}: {} changed, {} unchanged{}",
            if total == 1 { "" } else { "s" },
            t.changed,
            t.clusters - t.changed,
            if errors.is_empty() {
                String::new()
            } else {
                format!(", {} not evaluated", errors.len())
            }
        );
    }
    use unicode_width::UnicodeWidthStr as _;
    let shown: Vec<String> = tally
        .iter()
        .map(|(name, _, _)| decision_shown(program, name))
        .collect();
    let width = shown.iter().map(|n| n.width()).max().unwrap_or(0);
    for ((id, n, hows), shown) in tally.iter().zip(&shown) {
        let name = format!("{shown}{}", " ".repeat(width.saturating_sub(shown.width())));
        let hows: Vec<String> = hows
            .iter()
            .map(|(h, k)| format!("{} ×{k}", how_words(program, id, h)))
            .collect();
        if zh() {
            let _ = writeln!(o, "  {name}  {n} 个集群  {}", hows.join(" · "));
        } else {
            let _ = writeln!(
                o,
                "  {name}  {n} cluster{}  {}",
                if *n == 1 { " " } else { "s" },
                hows.join(" · ")
            );
        }
    }
    for e in errors {
        let _ = writeln!(o, "  ! {}", printable(e));
    }
    o
}

/// One changed cluster, for a person.
fn cluster_human(r: &ClusterResult, program: &policy::ir::Program) -> String {
    let mut o = String::new();
    // A name or file name may hold a line break: escape each piece, not each line.
    let name = r
        .name
        .as_deref()
        .map(|n| format!("  {}", printable(n)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "\n  {}{name} · {} {}",
        printable(&r.file),
        tr("as of", "评估日期"),
        r.as_of
    );
    for m in &r.moves {
        let _ = writeln!(
            o,
            "    {}{}{} → {}",
            decision_shown(program, &m.name),
            tr(": ", "："),
            value_of(program, &m.name, &m.old),
            value_of(program, &m.name, &m.new)
        );
        for rm in &m.rules {
            let title = if rm.old_title == rm.new_title {
                printable(&rm.new_title).into_owned()
            } else {
                match lang() {
                    Lang::En => format!(
                        "{} (was: {})",
                        printable(&rm.new_title),
                        printable(&rm.old_title)
                    ),
                    Lang::Zh => format!(
                        "{}（原为：{}）",
                        printable(&rm.new_title),
                        printable(&rm.old_title)
                    ),
                }
            };
            let _ = writeln!(
                o,
                "      {} → {}  {} {title}",
                outcome_word(rm.old),
                outcome_word(rm.new),
                place(Some(rm.article), Some(rm.clause))
            );
            if rm.old_test.is_some() || rm.new_test.is_some() {
                let old = rm.old_test.as_deref().unwrap_or("–");
                let new = rm.new_test.as_deref().unwrap_or("–");
                let same = if old == new {
                    tr("  (unchanged)", "  （未变）")
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "          {} {}  →  {}{same}",
                    tr("test:", "检验："),
                    printable(old),
                    printable(new)
                );
            }
            for l in &rm.old_checks {
                let _ = writeln!(o, "          {} {}", tr("old:", "原："), printable(l));
            }
            for l in &rm.new_checks {
                let _ = writeln!(o, "          {} {}", tr("new:", "新："), printable(l));
            }
        }
    }
    o
}

/// One changed cluster, for a program.
fn cluster_json(r: &ClusterResult) -> serde_json::Value {
    let moves: Vec<_> = r
        .moves
        .iter()
        .map(|m| {
            let rules: Vec<_> = m
                .rules
                .iter()
                .map(|rm| {
                    json!({
                        "article": policy::numeral::article_number(Some(rm.article)),
                        "clause": rm.clause,
                        "heading": place(Some(rm.article), Some(rm.clause)),
                        "old_title": rm.old_title,
                        "new_title": rm.new_title,
                        "old": rm.old.as_str(),
                        "new": rm.new.as_str(),
                        "old_test": rm.old_test,
                        "new_test": rm.new_test,
                        "old_checks": rm.old_checks,
                        "new_checks": rm.new_checks,
                    })
                })
                .collect();
            json!({"decision": m.name, "old": m.old, "new": m.new, "rules": rules})
        })
        .collect();
    json!({
        "file": r.file,
        "name": r.name,
        "as_of": r.as_of.to_string(),
        "decisions": moves,
    })
}

fn json_out(
    old_dir: &str,
    new_dir: &str,
    changes: &[StructChange],
    evaluated: Option<usize>,
    t: &Tallies,
    tally: &[Tally],
) -> serde_json::Value {
    let structure: Vec<_> = changes
        .iter()
        .map(|c| {
            json!({
                "change": c.change.as_str(),
                "kind": c.kind,
                "article": policy::numeral::article_number(c.article),
                "clause": c.clause,
                "heading": place(c.article, c.clause),
                "name": c.name,
                "old_name": c.old_name,
                "old": c.old,
                "new": c.new,
            })
        })
        .collect();
    let mut out = json!({
        "old": old_dir,
        "new": new_dir,
        "structure": structure,
    });
    if let Some(total) = evaluated {
        let decisions: serde_json::Map<String, serde_json::Value> = tally
            .iter()
            .map(|(name, n, hows)| {
                let how: serde_json::Map<String, serde_json::Value> =
                    hows.iter().map(|(h, k)| (h.clone(), json!(k))).collect();
                (name.clone(), json!({"clusters": n, "changes": how}))
            })
            .collect();
        let impact = json!({
            "clusters": total,
            "changed": t.changed,
            "decisions": decisions,
            "changed_clusters": [],
            "not_evaluated": t.not_evaluated,
        });
        if let Some(o) = out.as_object_mut() {
            o.insert("impact".into(), impact);
        }
    }
    out
}

/// What one evaluating thread has seen.
#[derive(Default)]
struct Tallies {
    clusters: usize,
    changed: usize,
    /// (decision index in the new rule set, `old → new`) → clusters.
    moves: BTreeMap<(usize, String), usize>,
    not_evaluated: Vec<String>,
    /// For `--format json`: the changed clusters, in input order within this thread's chunks.
    json: Vec<((usize, String, u64), serde_json::Value)>,
}

/// The clusters of every `--facts` path run through the batch path (folders, JSON Lines,
/// CSV, single files), in parallel, the report streamed in input order.
/// One side of a comparison: a whole rule set (the program in force on each cluster's
/// date), or one version of it.
#[derive(Clone, Copy)]
enum Pick<'a> {
    ByDate(&'a policy::RuleSet),
    Fixed(&'a policy::ir::Program),
}

impl<'a> Pick<'a> {
    fn at(self, date: NaiveDate) -> Result<&'a policy::ir::Program, String> {
        match self {
            Pick::ByDate(r) => r.at(date).map_err(|d| d.message.en),
            Pick::Fixed(p) => Ok(p),
        }
    }
}

/// The program of a version of a rule set named by `--from-version`/`--to-version`:
/// a version's name (its first day), or a date. On failure, the diagnostic.
fn version_of<'r>(
    rules: &'r policy::RuleSet,
    spec: &str,
) -> Result<(&'r policy::ir::Program, NaiveDate), Box<policy::diag::Diag>> {
    let date = match NaiveDate::parse_from_str(spec, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => rules
            .versions()
            .iter()
            .find(|v| v.name.as_deref() == Some(spec))
            .and_then(|v| v.in_force.from.or(v.in_force.until)),
    };
    let Some(date) = date else {
        let names: Vec<String> = rules
            .versions()
            .iter()
            .filter_map(|v| v.name.as_ref().map(|n| format!("“{n}”")))
            .collect();
        return Err(Box::new(policy::diag::Diag::error(
            "policy::usage::unknown_version",
            (format!("the rule set has no version “{spec}”"), format!("规则集中没有版本“{spec}”")),
        )
        .help((if names.is_empty() {
            "the rule set declares no named versions; give a date (YYYY-MM-DD) to compare the rules in force on it".to_string()
        } else {
            format!("name one of {}, or give a date (YYYY-MM-DD)", names.join(", "))
        }, if names.is_empty() { "规则集没有声明具名版本；请给出日期（YYYY-MM-DD），比较该日施行的规则".to_string() } else { format!("请指定 {} 之一，或给出日期（YYYY-MM-DD）", names.join("、")) }))));
    };
    rules.at(date).map(|p| (p, date))
}

/// How a side is named in the report: its folder, and the version compared.
/// [`side_name`] for a person, in the language of the run (the JSON keeps the English).
fn side_name_shown(dir: &Path, p: Option<&policy::ir::Program>) -> String {
    side_name_in(dir, p, zh())
}

fn side_name(dir: &Path, p: Option<&policy::ir::Program>) -> String {
    side_name_in(dir, p, false)
}

fn side_name_in(dir: &Path, p: Option<&policy::ir::Program>, zh: bool) -> String {
    let Some(p) = p else {
        return dir.display().to_string();
    };
    let h = &p.header;
    let v = h
        .version
        .as_ref()
        .map(|n| format!("“{n}”"))
        .or_else(|| h.document.clone())
        .unwrap_or_default();
    if zh {
        format!("{} {v}（{}）", dir.display(), h.applies.text_zh())
    } else {
        format!("{} {v} ({})", dir.display(), h.applies.text())
    }
}

pub fn diff(
    old_dir: &Path,
    new_dir: Option<&Path>,
    (from_version, to_version): (Option<&str>, Option<&str>),
    facts_paths: &[PathBuf],
    as_of: Option<NaiveDate>,
    format: OutputFormat,
    jobs: Option<u16>,
) -> u8 {
    for path in facts_paths {
        if let Err(code) = crate::common::facts_input(path) {
            return code;
        }
    }
    let mut sources = Sources::new();
    if new_dir.is_none() && (from_version.is_none() || to_version.is_none()) {
        let d = policy::diag::Diag::error(
            "policy::usage::diff_versions",
            (
                "`policy diff` with one folder compares two of its versions, and needs both",
                "只给一个文件夹时，`policy diff` 比较其中两个版本，两个版本都须指明",
            ),
        )
        .help((
            "give --from-version and --to-version (a version's name or a date), or a second folder",
            "请给出 --from-version 和 --to-version（版本名称或日期），或再给一个文件夹",
        ));
        crate::common::print_diags(&sources, &[d]);
        return exit::USAGE;
    }
    let new_dir = new_dir.unwrap_or(old_dir);
    let parse_all = |dir: &Path| -> Result<Vec<policy::syntax::ast::File>, u8> {
        let files = rule_files(dir)?;
        Ok(files
            .iter()
            .filter_map(|(_, text)| policy::syntax::parse_file(0, text).ok())
            .collect())
    };
    let old = match load_rules(&mut sources, old_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let new = match load_rules(&mut sources, new_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    fn pick<'r>(
        rules: &'r policy::RuleSet,
        spec: Option<&str>,
    ) -> Result<Option<(&'r policy::ir::Program, NaiveDate)>, Box<policy::diag::Diag>> {
        spec.map(|s| version_of(rules, s)).transpose()
    }
    let (old_version, new_version) = match (pick(&old, from_version), pick(&new, to_version)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => {
            crate::common::print_diags(&sources, &[*d]);
            return exit::USAGE;
        }
    };
    let (old_ast, new_ast) = match (parse_all(old_dir), parse_all(new_dir)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    // A version is compared as its files read on its date.
    let at = |files: Vec<policy::syntax::ast::File>,
              v: Option<(&policy::ir::Program, NaiveDate)>| {
        match v {
            Some((_, d)) => policy::check::versions::files_at(&files, d),
            None => files,
        }
    };
    let (old_ast, new_ast) = (at(old_ast, old_version), at(new_ast, new_version));
    let changes = diff::structural(&old_ast, &new_ast);
    let old_name = side_name(old_dir, old_version.map(|v| v.0));
    let new_name = side_name(new_dir, new_version.map(|v| v.0));
    let old_pick = old_version.map_or(Pick::ByDate(&old), |v| Pick::Fixed(v.0));
    let new_pick = new_version.map_or(Pick::ByDate(&new), |v| Pick::Fixed(v.0));
    let jobs = jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if format == OutputFormat::Human {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "policy diff: {} → {}\n",
            side_name_shown(old_dir, old_version.map(|v| v.0)),
            side_name_shown(new_dir, new_version.map(|v| v.0))
        );
        structure_human(&changes, &mut o);
        if !facts_paths.is_empty() {
            let _ = writeln!(o, "\n{}", tr("Changed clusters", "判定有变化的集群"));
        }
        print!("{}", printable_lines(&o));
    }
    let new_program = new_version.map_or(&new.program, |v| v.0);
    let mut all = Tallies::default();
    for (path_index, path) in facts_paths.iter().enumerate() {
        let input = batch::Input::of(path);
        // A folder's (or a file's folder's) as-of.txt dates its clusters.
        let folder = if path.is_dir() {
            path.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let dates = match folder_dates(&folder) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let opened = match batch::open(new_program, &sources, path, input) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let ctx = Ctx {
            old: old_version.map_or(&old.program, |v| v.0),
            new: new_program,
            old_pick,
            new_pick,
            sources: &sources,
            dates: &dates,
            as_of,
            format,
            path_index,
        };
        let (states, failed) =
            batch::pipeline(opened, jobs, Tallies::default, |st, rec, cols, out, err| {
                one_cluster(&ctx, st, rec, cols, out, err)
            });
        if failed {
            eprintln!(
                "{}",
                tr("error: cannot write the results", "错误：无法写出结果")
            );
            return exit::IO;
        }
        for t in states {
            all.clusters += t.clusters;
            all.changed += t.changed;
            for (k, n) in t.moves {
                *all.moves.entry(k).or_insert(0) += n;
            }
            all.not_evaluated.extend(t.not_evaluated);
            all.json.extend(t.json);
        }
    }
    let evaluated = (!facts_paths.is_empty()).then_some(all.clusters + all.not_evaluated.len());
    let tally = tally_of(new_program, &all);
    let out = match format {
        OutputFormat::Human => printable_lines(&impact_human(new_program, evaluated, &all, &tally)),
        OutputFormat::Json => {
            // Threads finish chunks in any order: put the clusters back in input order.
            all.json.sort_by(|a, b| a.0.cmp(&b.0));
            let mut j = json_out(&old_name, &new_name, &changes, evaluated, &all, &tally);
            if let Some(obj) = j.get_mut("impact") {
                obj["changed_clusters"] =
                    serde_json::Value::Array(all.json.iter().map(|(_, v)| v.clone()).collect());
            }
            serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
        }
    };
    print!("{out}");
    exit::OK
}

struct Ctx<'a> {
    /// The programs the facts are read with (facts are the same in every version).
    old: &'a policy::ir::Program,
    new: &'a policy::ir::Program,
    /// The programs the clusters are evaluated with.
    old_pick: Pick<'a>,
    new_pick: Pick<'a>,
    sources: &'a Sources,
    dates: &'a BTreeMap<String, NaiveDate>,
    as_of: Option<NaiveDate>,
    format: OutputFormat,
    path_index: usize,
}

fn one_cluster(
    c: &Ctx,
    st: &mut Tallies,
    rec: batch::Rec,
    columns: Option<&policy::facts::csv::Columns>,
    out: &mut String,
    err: &mut String,
) {
    let label = rec.source.display();
    let refuse = |st: &mut Tallies, err: &mut String, why: String| {
        let _ = writeln!(err, "{}", printable(&format!("{label}: {why}")));
        st.not_evaluated.push(format!("{label}: {why}"));
    };
    // The facts of a text read against both rule sets.
    let both = |fmt: facts::Format, text: &str| {
        facts::load(c.old, fmt, text, 0)
            .and_then(|o| facts::load(c.new, fmt, text, 0).map(|n| (o, n)))
    };
    let (text, loaded) = match &rec.payload {
        batch::Payload::Text(fmt, text) => (text.clone(), both(*fmt, text)),
        batch::Payload::Line(bytes) => match batch::line_text(bytes, &rec.source) {
            Ok(text) => (text.to_string(), both(facts::Format::Json, text)),
            Err(p) => return refuse(st, err, p.message.en.clone()),
        },
        batch::Payload::Cells(cells) => match columns {
            Some(cols) => {
                let (text, raw) = facts::csv::row(c.new, cols, cells);
                let r = facts::load_tree(c.old, &raw, 0)
                    .and_then(|o| facts::load_tree(c.new, &raw, 0).map(|n| (o, n)));
                (text, r)
            }
            None => return,
        },
        batch::Payload::Tree {
            text,
            raw,
            problems,
        } => {
            if let Some(p) = problems.iter().find(|p| !p.warning) {
                return refuse(st, err, p.message.en.clone());
            }
            let r = facts::load_tree(c.old, raw, 0)
                .and_then(|o| facts::load_tree(c.new, raw, 0).map(|n| (o, n)));
            (text.clone(), r)
        }
        batch::Payload::Bad(p) => return refuse(st, err, p.message.en.clone()),
    };
    let ((old_facts, _), (new_facts, _)) = match loaded {
        Ok(x) => x,
        Err(diags) => {
            let probs = policy::batch::problems(&diags, &text, &rec.source);
            let why = probs
                .iter()
                .map(|p| format!("{} [{}]", p.message, p.code))
                .collect::<Vec<_>>()
                .join("; ");
            return refuse(st, err, format!("the facts are wrong: {why}"));
        }
    };
    let fname = rec
        .source
        .file
        .rsplit('/')
        .next()
        .unwrap_or(&rec.source.file)
        .to_string();
    let date = c
        .as_of
        .or_else(|| c.dates.get(&fname).copied())
        .unwrap_or_else(crate::today_in_shanghai);
    let (old_p, new_p) = match (c.old_pick.at(date), c.new_pick.at(date)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => return refuse(st, err, why),
    };
    st.clusters += 1;
    // Decisions only first; explain only the clusters that moved.
    let side = |p, e| Side {
        program: p,
        evaluation: e,
    };
    let old_fast = policy::eval::evaluate(old_p, &old_facts, date, false);
    let new_fast = policy::eval::evaluate(new_p, &new_facts, date, false);
    if diff::cluster(&side(old_p, &old_fast), &side(new_p, &new_fast), c.sources).is_empty() {
        return;
    }
    let old_eval = policy::eval::evaluate(old_p, &old_facts, date, true);
    let new_eval = policy::eval::evaluate(new_p, &new_facts, date, true);
    let words = match c.format {
        OutputFormat::Human => lang(),
        OutputFormat::Json => Lang::En,
    };
    let moves = diff::cluster_in(
        &side(old_p, &old_eval),
        &side(new_p, &new_eval),
        c.sources,
        words,
    );
    st.changed += 1;
    for m in &moves {
        let id = c
            .new
            .decisions
            .iter()
            .position(|d| d.name == m.name)
            .unwrap_or(usize::MAX);
        *st.moves
            .entry((id, format!("{} → {}", m.old, m.new)))
            .or_insert(0) += 1;
    }
    let r = ClusterResult {
        file: label,
        name: diff::cluster_name(c.new, &new_facts),
        as_of: date,
        moves,
    };
    match c.format {
        OutputFormat::Human => out.push_str(&printable_lines(&cluster_human(&r, c.new))),
        OutputFormat::Json => {
            let at = match rec.source.place {
                policy::batch::Place::File => 0,
                policy::batch::Place::Line(l) => l,
                policy::batch::Place::Row { row, .. } => row,
            };
            st.json.push((
                (c.path_index, rec.source.file.to_string(), at),
                cluster_json(&r),
            ))
        }
    }
}
