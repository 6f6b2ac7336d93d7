//! `policy diff OLD NEW --facts …`: what a revision changes, in structure and in
//! the decisions of real clusters.

use crate::check::load_rules;
use crate::common::{exit, io_error, print_diags, read_text, rule_files};
use crate::OutputFormat;
use chrono::NaiveDate;
use policy::diag::Sources;
use policy::diff::{self, Change, DecisionMove, Side, StructChange};
use policy::eval::Outcome;
use policy::facts::{self, raw};
use policy::render::chinese_number;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The facts files named: files as given, folders as the facts files directly in them.
fn facts_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| io_error("the facts folder", p, &e))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && raw::format_for_path(&f.to_string_lossy()).is_some())
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// A folder's `as-of.txt`: `NAME YYYY-MM-DD` per line, `#` comments.
fn folder_dates(dir: &Path) -> BTreeMap<String, NaiveDate> {
    let text = std::fs::read_to_string(dir.join("as-of.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?.to_string();
            let date = NaiveDate::parse_from_str(it.next()?, "%Y-%m-%d").ok()?;
            Some((name, date))
        })
        .collect()
}

fn place(article: Option<u32>, clause: Option<u32>) -> String {
    match (article, clause) {
        (Some(a), Some(c)) => format!("第{}条（{}）", chinese_number(a), chinese_number(c)),
        (Some(a), None) => format!("第{}条", chinese_number(a)),
        _ => "rule set".into(),
    }
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
        Outcome::Met => "met",
        Outcome::NotMet => "not met",
        Outcome::Undetermined => "undetermined",
        Outcome::NotApplicable => "not applicable",
    }
}

struct ClusterResult {
    file: String,
    name: Option<String>,
    as_of: NaiveDate,
    moves: Vec<DecisionMove>,
}

fn structure_human(changes: &[StructChange], o: &mut String) {
    let _ = writeln!(
        o,
        "Structure: {} change{}",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    if changes.is_empty() {
        let _ = writeln!(o, "  no rule, parameter, definition or decision differs");
    }
    for c in changes {
        let at = place(c.article, c.clause);
        let old = c.old.as_deref().map(one_line).unwrap_or_default();
        let new = c.new.as_deref().map(one_line).unwrap_or_default();
        match c.change {
            Change::Added => {
                let _ = writeln!(o, "  + {at} {} {}: {new}", c.kind, c.name);
            }
            Change::Removed => {
                let _ = writeln!(o, "  - {at} {} {}: {old}", c.kind, c.name);
            }
            Change::Changed => match &c.old_name {
                Some(was) => {
                    let _ = writeln!(o, "  ~ {at} {} “{was}” → “{}”", c.kind, c.name);
                    if old != new {
                        let _ = writeln!(o, "      {old}  →  {new}");
                    }
                }
                None => {
                    let _ = writeln!(o, "  ~ {at} {} {}: {old}  →  {new}", c.kind, c.name);
                }
            },
        }
    }
}

/// A decision, how many clusters changed it, and how (`true → false`, how many).
type Tally = (String, usize, Vec<(String, usize)>);

/// Per decision: how many clusters changed it, and how (`true → false ×3`).
fn tally(results: &[ClusterResult]) -> Vec<Tally> {
    let mut out: Vec<Tally> = Vec::new();
    for r in results {
        for m in &r.moves {
            let how = format!("{} → {}", m.old, m.new);
            let entry = match out.iter().position(|(n, _, _)| *n == m.name) {
                Some(i) => out.get_mut(i),
                None => {
                    out.push((m.name.clone(), 0, Vec::new()));
                    out.last_mut()
                }
            };
            if let Some((_, n, hows)) = entry {
                *n += 1;
                match hows.iter_mut().find(|(h, _)| *h == how) {
                    Some((_, k)) => *k += 1,
                    None => hows.push((how, 1)),
                }
            }
        }
    }
    out
}

fn human(
    old_dir: &Path,
    new_dir: &Path,
    changes: &[StructChange],
    results: &[ClusterResult],
    errors: &[String],
    evaluated: Option<usize>,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "policy diff: {} → {}\n",
        old_dir.display(),
        new_dir.display()
    );
    structure_human(changes, &mut o);
    let Some(total) = evaluated else {
        return o;
    };
    let changed = results.iter().filter(|r| !r.moves.is_empty()).count();
    let _ = writeln!(
        o,
        "\nImpact on {total} cluster{}: {changed} changed, {} unchanged{}",
        if total == 1 { "" } else { "s" },
        total - changed - errors.len().min(total - changed),
        if errors.is_empty() {
            String::new()
        } else {
            format!(", {} not evaluated", errors.len())
        }
    );
    let t = tally(results);
    let width = t.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    for (name, n, hows) in &t {
        let hows: Vec<String> = hows.iter().map(|(h, k)| format!("{h} ×{k}")).collect();
        let _ = writeln!(
            o,
            "  {name:width$}  {n} cluster{}  {}",
            if *n == 1 { " " } else { "s" },
            hows.join(" · ")
        );
    }
    for e in errors {
        let _ = writeln!(o, "  ! {e}");
    }
    if changed > 0 {
        let _ = writeln!(o, "\nChanged clusters");
    }
    for r in results.iter().filter(|r| !r.moves.is_empty()) {
        let name = r
            .name
            .as_deref()
            .map(|n| format!("  {n}"))
            .unwrap_or_default();
        let _ = writeln!(o, "\n  {}{name} · as of {}", r.file, r.as_of);
        for m in &r.moves {
            let _ = writeln!(o, "    {}: {} → {}", m.name, m.old, m.new);
            for rm in &m.rules {
                let title = if rm.old_title == rm.new_title {
                    rm.new_title.clone()
                } else {
                    format!("{} (was: {})", rm.new_title, rm.old_title)
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
                    let same = if old == new { "  (unchanged)" } else { "" };
                    let _ = writeln!(o, "          test: {old}  →  {new}{same}");
                }
                for l in &rm.old_checks {
                    let _ = writeln!(o, "          old: {l}");
                }
                for l in &rm.new_checks {
                    let _ = writeln!(o, "          new: {l}");
                }
            }
        }
    }
    o
}

fn json_out(
    old_dir: &Path,
    new_dir: &Path,
    changes: &[StructChange],
    results: &[ClusterResult],
    errors: &[String],
    evaluated: Option<usize>,
) -> serde_json::Value {
    let structure: Vec<_> = changes
        .iter()
        .map(|c| {
            json!({
                "change": c.change.as_str(),
                "kind": c.kind,
                "article": c.article,
                "clause": c.clause,
                "name": c.name,
                "old_name": c.old_name,
                "old": c.old,
                "new": c.new,
            })
        })
        .collect();
    let mut out = json!({
        "old": old_dir.display().to_string(),
        "new": new_dir.display().to_string(),
        "structure": structure,
    });
    if let Some(total) = evaluated {
        let decisions: serde_json::Map<String, serde_json::Value> = tally(results)
            .into_iter()
            .map(|(name, n, hows)| {
                let how: serde_json::Map<String, serde_json::Value> =
                    hows.into_iter().map(|(h, k)| (h, json!(k))).collect();
                (name, json!({"clusters": n, "changes": how}))
            })
            .collect();
        let clusters: Vec<_> = results
            .iter()
            .filter(|r| !r.moves.is_empty())
            .map(|r| {
                let moves: Vec<_> = r
                    .moves
                    .iter()
                    .map(|m| {
                        let rules: Vec<_> = m
                            .rules
                            .iter()
                            .map(|rm| {
                                json!({
                                    "article": rm.article,
                                    "clause": rm.clause,
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
            })
            .collect();
        let impact = json!({
            "clusters": total,
            "changed": results.iter().filter(|r| !r.moves.is_empty()).count(),
            "decisions": decisions,
            "changed_clusters": clusters,
            "not_evaluated": errors,
        });
        if let Some(o) = out.as_object_mut() {
            o.insert("impact".into(), impact);
        }
    }
    out
}

pub fn diff(
    old_dir: &Path,
    new_dir: &Path,
    facts_paths: &[PathBuf],
    as_of: Option<NaiveDate>,
    format: OutputFormat,
) -> u8 {
    let mut sources = Sources::new();
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
    let (old_ast, new_ast) = match (parse_all(old_dir), parse_all(new_dir)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let changes = diff::structural(&old_ast, &new_ast);
    let files = match facts_files(facts_paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut results = Vec::new();
    let mut errors = Vec::new();
    let mut dates: BTreeMap<PathBuf, BTreeMap<String, NaiveDate>> = BTreeMap::new();
    for path in &files {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let listed = dates
            .entry(dir.clone())
            .or_insert_with(|| folder_dates(&dir));
        let fname = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let date = as_of
            .or_else(|| listed.get(&fname).copied())
            .unwrap_or_else(crate::today_in_shanghai);
        let Some(fmt) = raw::format_for_path(&path.to_string_lossy()) else {
            continue;
        };
        let text = match read_text("facts file", path) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let fid = sources.add(path.display().to_string(), text);
        let loaded_old = facts::load(&old.program, fmt, sources.text(fid), fid);
        let loaded_new = facts::load(&new.program, fmt, sources.text(fid), fid);
        let (old_facts, new_facts) = match (loaded_old, loaded_new) {
            (Ok((a, _)), Ok((b, _))) => (a, b),
            (Err(d), _) | (_, Err(d)) => {
                print_diags(&sources, &d);
                errors.push(format!(
                    "{}: the facts file is wrong (see the errors)",
                    path.display()
                ));
                continue;
            }
        };
        let old_eval = policy::eval::evaluate(&old.program, &old_facts, date, true);
        let new_eval = policy::eval::evaluate(&new.program, &new_facts, date, true);
        let moves = diff::cluster(
            &Side {
                program: &old.program,
                evaluation: &old_eval,
            },
            &Side {
                program: &new.program,
                evaluation: &new_eval,
            },
            &sources,
        );
        results.push(ClusterResult {
            file: path.display().to_string(),
            name: diff::cluster_name(&new.program, &new_facts),
            as_of: date,
            moves,
        });
    }
    let evaluated = (!facts_paths.is_empty()).then_some(files.len());
    let out = match format {
        OutputFormat::Human => human(old_dir, new_dir, &changes, &results, &errors, evaluated),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&json_out(
                old_dir, new_dir, &changes, &results, &errors, evaluated,
            ))
            .unwrap_or_default()
                + "\n"
        }
    };
    print!("{out}");
    exit::OK
}
