//! `policy test`: run the case files and report failures (and, on request, rule coverage).

use crate::check::load_rules;
use crate::common::{exit, lang, print_diags, read_text, read_text_diag, tr};
use crate::snapshots::{Mode, Store, Unreferenced};
use policy::diag::Lang;
use policy::diag::{Diag, Sources};
use policy::facts::{self, raw, Format};
use policy::render::{printable, printable_lines};
use policy::testing::{self, Case, Coverage, FactsSpec};
use std::path::{Path, PathBuf};

/// A case failed, or a case file is wrong.
pub const TESTS_FAILED: u8 = 6;

fn is_case_file(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| matches!(x, "yaml" | "yml" | "toml" | "json"))
}

/// The case files named: files as given; folders as the case files directly in them
/// (subfolders are not read, so a folder may keep shared facts files in one).
pub(crate) fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    crate::common::expand(paths, "the cases folder", is_case_file)
}

pub(crate) fn format_of(path: &Path) -> Option<Format> {
    raw::format_for_path(&path.to_string_lossy())
}

/// Where a case's `facts:` file may be: inside the case file's folder or the rule
/// set's folder, after following every symbolic link and `..`. Anything else (an
/// absolute path, a `..` out of both, a link leading outside) is refused without
/// being read, so that a case file cannot make `policy test` show another file's lines.
fn confined(
    policy_dir: &Path,
    case_dir: &Path,
    path: &str,
    span: policy::syntax::ast::Span,
) -> Result<PathBuf, Vec<Diag>> {
    let outside = |why: &str| {
        vec![Diag::error(
            "policy::test::facts_outside",
            (format!(
                "the facts file `{}` {why}",
                printable(path)
            ), format!("事实文件 `{}` {}", printable(path), policy::diag::zh_term(why))),
        )
        .at(span)
        .label(("outside the case file's folder and the rule set's folder", "在案例文件所在文件夹和规则集文件夹之外"))
        .help(("keep the facts files of cases inside the rule set's folder (e.g. `cases/facts/`), and name them relative to the case file", "请把案例的事实文件放在规则集文件夹内（如 `cases/facts/`），并以相对于案例文件的路径引用"))]
    };
    let given = Path::new(path);
    if given.is_absolute() || given.has_root() {
        return Err(outside("is an absolute path; it was not read"));
    }
    let full = case_dir.join(given);
    // A path that does not resolve is reported as unreadable, but only when it stays
    // inside by its words alone; otherwise whether it exists is not told.
    let Ok(real) = full.canonicalize() else {
        let lexically_inside = !given
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        if lexically_inside {
            return Ok(full);
        }
        return Err(outside(
            "leads outside the case file's folder; it was not read",
        ));
    };
    let roots: Vec<PathBuf> = [case_dir, policy_dir]
        .iter()
        .filter_map(|d| d.canonicalize().ok())
        .collect();
    if roots.iter().any(|r| real.starts_with(r)) {
        Ok(real)
    } else {
        Err(outside(
            "leads outside the case file's folder and the rule set's folder; it was not read",
        ))
    }
}

/// The facts of one case: loaded, or the lines saying why not.
pub(crate) fn case_facts(
    program: &policy::ir::Program,
    sources: &mut Sources,
    policy_dir: &Path,
    case_path: &Path,
    case: &Case,
) -> Result<policy::eval::Facts, Vec<Diag>> {
    let dir = match case_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let read_facts_file = |path: &str, span| -> Result<(PathBuf, Format, String), Vec<Diag>> {
        let fmt = format_of(Path::new(path)).ok_or_else(|| {
            vec![Diag::error(
                "policy::test::facts_path",
                (
                    format!(
                        "cannot tell the format of `{}` from its extension",
                        printable(path)
                    ),
                    format!("无法从扩展名判断 `{}` 的格式", printable(path)),
                ),
            )
            .at(span)
            .help((
                "name the facts file .json, .yaml, .yml or .toml",
                "事实文件的扩展名应为 .json、.yaml、.yml 或 .toml",
            ))]
        })?;
        let real = confined(policy_dir, dir, path, span)?;
        let text = read_text_diag("the facts file", &real).map_err(|d| {
            vec![Diag::error(
                "policy::test::facts_path",
                (
                    format!("cannot read the facts file: {}", d.message),
                    format!(
                        "无法读取事实文件：{}",
                        d.message.get(policy::diag::Lang::Zh)
                    ),
                ),
            )
            .at(span)
            .help((
                "the path is relative to the case file's folder",
                "路径相对于案例文件所在文件夹",
            ))]
        })?;
        Ok((dir.join(path), fmt, text))
    };
    let (fid, fmt) = match (&case.facts, &case.with) {
        (Some(FactsSpec::Path { path, span }), None) => {
            let (full, fmt, text) = read_facts_file(path, *span)?;
            (sources.add(full.display().to_string(), text), fmt)
        }
        (spec, with) => {
            // A misspelt fact is named where it was written: in the case file (or the facts
            // file it names), not in the merged facts.
            let mut typos = Vec::new();
            let mut look = |tree: &raw::Raw, file: u32| {
                let diags = match facts::load_tree(program, tree, file) {
                    Ok((_, w)) => w,
                    Err(d) => d,
                };
                typos.extend(diags.into_iter().filter(|d| {
                    matches!(
                        d.code,
                        "policy::facts::unknown_fact" | "policy::facts::unknown_field"
                    )
                }));
            };
            if let Some(w) = with {
                look(w, case.span.file);
            }
            let base = match spec {
                Some(FactsSpec::Inline(r)) => {
                    look(r, case.span.file);
                    Some(r.clone())
                }
                Some(FactsSpec::Path { path, span }) => {
                    let (full, fmt, text) = read_facts_file(path, *span)?;
                    let id = sources.add(full.display().to_string(), text);
                    match raw::parse(fmt, sources.text(id)) {
                        Ok(r) => {
                            look(&r, id);
                            Some(r)
                        }
                        Err(_) => {
                            // Let the loader report it against the real file.
                            let e = facts::load(program, fmt, sources.text(id), id)
                                .err()
                                .unwrap_or_default();
                            return Err(e);
                        }
                    }
                }
                None => None,
            };
            if !typos.is_empty() {
                // A misspelt fact in a case would test nothing: refuse it.
                return Err(typos);
            }
            let text = testing::facts_json(base.as_ref(), with.as_ref());
            let name = format!(
                "{} › {} (facts with changes)",
                case_path.display(),
                case.name
            );
            (sources.add(name, text), Format::Json)
        }
    };
    let (facts, warnings) = facts::load(program, fmt, sources.text(fid), fid)?;
    if !warnings.is_empty() {
        // A misspelt fact in a case would test nothing: refuse it.
        return Err(warnings);
    }
    Ok(facts)
}

pub fn test(
    policy_dir: &Path,
    paths: &[PathBuf],
    coverage: bool,
    mode: Mode,
    unreferenced: Unreferenced,
) -> u8 {
    let mut store = Store::new(mode);
    let mut sources = Sources::new();
    let rules = match load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let default = [policy_dir.join("cases")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let files = match case_files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // Coverage of each program of the rule set (one per span of dates of a version).
    let programs: Vec<&policy::ir::Program> = rules.programs().collect();
    let mut covs: Vec<Coverage> = programs.iter().map(|p| Coverage::new(p)).collect();
    let (mut passed, mut failed, mut broken_files) = (0usize, 0usize, 0usize);
    for path in &files {
        let text = match read_text("case file", path) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let Some(fmt) = format_of(path) else {
            eprintln!(
                "error: `{}` is not a .yaml, .yml, .toml or .json case file",
                printable(&path.display().to_string())
            );
            broken_files += 1;
            continue;
        };
        let id = sources.add(path.display().to_string(), text);
        let cases = match testing::parse_cases(&rules, fmt, sources.text(id), id) {
            Ok(c) => c,
            Err(diags) => {
                println!(
                    "{}: the case file is wrong (see the errors)",
                    printable(&path.display().to_string())
                );
                print_diags(&sources, &diags);
                broken_files += 1;
                continue;
            }
        };
        let mut report = Vec::new();
        let mut file_failed = 0;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let snap_names = policy::snapshot::file_names(&stem, cases.iter().map(|c| c.name.as_str()));
        for (case, snap_name) in cases.iter().zip(&snap_names) {
            let (line, _) = sources.line_col(case.span.file, case.span.start as usize);
            let head = format!("  ✗ {}  {}:{line}", case.name, path.display());
            let program = match rules.at(case.as_of) {
                Ok(p) => p,
                Err(d) => {
                    report.push(head);
                    report.push(format!("      {}", d.message));
                    file_failed += 1;
                    continue;
                }
            };
            let facts = match case_facts(program, &mut sources, policy_dir, path, case) {
                Ok(f) => f,
                Err(diags) => {
                    report.push(head);
                    report.push("      the case's facts are wrong (see the errors)".into());
                    print_diags(&sources, &diags);
                    file_failed += 1;
                    continue;
                }
            };
            let evaluation = policy::eval::evaluate(program, &facts, case.as_of, true);
            let results = testing::compare(program, &evaluation, case);
            let pinned: Vec<usize> = case.expect.iter().map(|e| e.decision).collect();
            if let Some(i) = programs.iter().position(|p| std::ptr::eq(*p, program)) {
                if let Some(cov) = covs.get_mut(i) {
                    cov.record(program, &evaluation, &pinned);
                }
            }
            // The case's report, against the stored one.
            let pinned: Vec<policy::snapshot::Pinned> = results
                .iter()
                .map(|r| policy::snapshot::Pinned {
                    decision: program
                        .decisions
                        .get(r.decision)
                        .map(|d| d.name.as_str())
                        .unwrap_or("?"),
                    actual: &r.actual,
                    explain: testing::explain(program, &sources, &evaluation, r.decision),
                })
                .collect();
            let bad: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
            // Unmet expectations, as they would be rewritten if the report is accepted; the
            // stored report shows the case as it will then read.
            let file_text = sources.text(case.span.file);
            let edits: Vec<policy::snapshot::Edit> = bad
                .iter()
                .map(|r| policy::snapshot::Edit {
                    start: r.span.start as usize,
                    end: r.span.end as usize,
                    old: file_text.get(r.span.range()).unwrap_or("").to_string(),
                    new: policy::snapshot::literal(&r.actual),
                })
                .collect();
            let case_start = case.span.start as usize;
            let local: Vec<policy::snapshot::Edit> = edits
                .iter()
                .filter(|e| e.start >= case_start && e.end <= case.span.end as usize)
                .map(|e| policy::snapshot::Edit {
                    start: e.start - case_start,
                    end: e.end - case_start,
                    ..e.clone()
                })
                .collect();
            let case_text = file_text.get(case.span.range()).unwrap_or("");
            let case_text =
                policy::snapshot::apply(case_text, &local).unwrap_or_else(|| case_text.to_string());
            // The date, and the version it selects where the rule set names its versions.
            let when = match &program.header.version {
                Some(v) => format!("{} · version “{v}”", case.as_of),
                None => case.as_of.to_string(),
            };
            let body = policy::snapshot::report(&case_text, &when, &pinned);
            let source = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let agreed = match store.case(path, snap_name, &source, &case.name, &body, edits) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("{}{e}", tr("error: ", "错误："));
                    return exit::IO;
                }
            };
            if agreed && !bad.is_empty() {
                // Accepted: the case file now expects what the rules gave.
                for r in &bad {
                    let name = testing::decision_name(program, r.decision, lang());
                    let value = |v: &str| testing::value_words(program, r.decision, v, lang());
                    println!(
                        "{} {}  {name}{} {} → {}",
                        tr("updated", "已更新"),
                        policy::render::printable(&case.name),
                        tr(":", "："),
                        value(&r.expected),
                        value(&r.actual)
                    );
                }
            }
            if agreed {
                passed += 1;
                continue;
            }
            file_failed += 1;
            report.push(head);
            if !agreed && mode == Mode::Check {
                if let Some(p) = store.pending.last() {
                    report.extend(store.describe(p));
                }
            }
            for r in bad {
                let name = testing::decision_name(program, r.decision, lang());
                let value = |v: &str| testing::value_words(program, r.decision, v, lang());
                report.push(match lang() {
                    Lang::En => {
                        format!("      {name}: expected {}, actual {}", r.expected, r.actual)
                    }
                    Lang::Zh => format!(
                        "      {name}：预期{}，实际{}",
                        value(&r.expected),
                        value(&r.actual)
                    ),
                });
                for l in testing::explain_in(program, &sources, &evaluation, r.decision, lang()) {
                    report.push(format!("          {l}"));
                }
            }
        }
        failed += file_failed;
        let n = cases.len();
        let plural = if n == 1 { "" } else { "s" };
        let shown = printable(&path.display().to_string()).into_owned();
        if file_failed == 0 {
            match lang() {
                Lang::En => println!("ok    {shown} ({n} case{plural})"),
                Lang::Zh => println!("通过  {shown}（{n} 个案例）"),
            }
        } else {
            match lang() {
                Lang::En => println!("FAIL  {shown} ({n} case{plural}, {file_failed} failed)"),
                Lang::Zh => println!("失败  {shown}（{n} 个案例，{file_failed} 个未通过）"),
            }
            for l in report {
                println!("{}", printable(&l));
            }
        }
    }
    if mode == Mode::Review && !store.pending.is_empty() {
        // Cases whose only difference was their report pass once it is accepted.
        match store.review() {
            Ok(resolved) => {
                failed = failed.saturating_sub(resolved);
                passed += resolved;
            }
            Err(e) => {
                eprintln!("{}{e}", tr("error: ", "错误："));
                return exit::IO;
            }
        }
    }
    let total = passed + failed;
    if lang() == Lang::Zh {
        println!(
            "\n{} 个文件共 {total} 个案例：{passed} 个通过，{failed} 个未通过{}",
            files.len(),
            if broken_files > 0 {
                format!("，{broken_files} 个案例文件有误")
            } else {
                String::new()
            }
        );
    } else {
        println!(
            "\n{total} case{} in {} file{}: {passed} passed, {failed} failed{}",
            if total == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            if broken_files > 0 {
                format!(
                    ", {broken_files} case file{} wrong",
                    if broken_files == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        );
    }
    if !store.pending.is_empty() {
        match lang() {
            Lang::En => println!(
                "{} case report{} changed or new: review with `policy test --review`, or accept all with `policy test --accept`",
                store.pending.len(),
                if store.pending.len() == 1 { "" } else { "s" }
            ),
            Lang::Zh => println!(
                "{} 份案例报告有变化或为新增：可用 `policy test --review` 逐一审阅，或用 `policy test --accept` 全部接受",
                store.pending.len()
            ),
        }
    }
    let orphans = store.handle_unreferenced(unreferenced);
    if coverage {
        println!();
        for (p, cov) in programs.iter().zip(&covs) {
            if programs.len() > 1 {
                let h = &p.header;
                match lang() {
                    Lang::En => println!(
                        "{}{}",
                        h.version
                            .as_ref()
                            .map(|v| format!("Version “{}”, ", printable(v)))
                            .unwrap_or_default(),
                        format_args!("dates {}:", h.applies.text())
                    ),
                    Lang::Zh => println!(
                        "{}{}：",
                        h.version
                            .as_ref()
                            .map(|v| format!("版本“{}”，", printable(v)))
                            .unwrap_or_default(),
                        h.applies.text_zh()
                    ),
                }
            }
            print!("{}", printable_lines(&cov.render_in(p, &sources, lang())));
        }
    }
    if let Some(code) = orphans {
        return code;
    }
    if failed > 0 || broken_files > 0 || files.is_empty() {
        if files.is_empty() {
            eprintln!(
                "{}",
                tr("error: no case files found", "错误：没有找到案例文件")
            );
        }
        return TESTS_FAILED;
    }
    exit::OK
}
