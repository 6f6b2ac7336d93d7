//! `policy check`: evaluate one cluster's facts and report.

use crate::common::{exit, print_diags, read_text, rule_files};
use crate::CheckFormat;
use chrono::NaiveDate;
use policy::diag::{Diag, Sources};
use policy::facts;
use policy::render::{self, human::Style, Report};
use std::io::Write;
use std::path::Path;

/// Load and check the rule set of a folder; on failure, print why and give the exit code.
pub fn load_rules(sources: &mut Sources, dir: &Path) -> Result<policy::RuleSet, u8> {
    let files = rule_files(dir)?;
    // A rule set checked by an earlier run from the same files is read back instead of
    // being parsed and checked again (src/cli/cache.rs).
    let cache = crate::cache::Cache::for_files(&files, sources.len());
    if let Some(rules) = cache.as_ref().and_then(crate::cache::Cache::get) {
        for (name, text) in files {
            sources.add(name, text);
        }
        return Ok(rules);
    }
    let loaded = policy::load_rule_set(sources, files);
    if let (Some(cache), Ok(rules)) = (&cache, &loaded) {
        cache.put(rules);
    }
    loaded.map_err(|diags| {
        print_diags(sources, &diags);
        let n = diags.iter().filter(|d| d.is_error()).count();
        match crate::common::lang() {
            policy::diag::Lang::En => eprintln!(
                "error: the rule set has {n} error{}",
                if n == 1 { "" } else { "s" }
            ),
            policy::diag::Lang::Zh => eprintln!("错误：规则集有 {n} 处错误"),
        }
        exit::RULES
    })
}

/// The program in force on `as_of`; a date outside every version's period is refused
/// with the periods the rule files declare.
pub fn in_force<'r>(
    sources: &Sources,
    rules: &'r policy::RuleSet,
    as_of: NaiveDate,
) -> Result<&'r policy::ir::Program, u8> {
    rules.at(as_of).map_err(|d| {
        print_diags(sources, &[*d]);
        exit::OUT_OF_FORCE
    })
}

pub fn check(
    policy_dir: &Path,
    facts_path: &Path,
    as_of: Option<NaiveDate>,
    (format, output): (CheckFormat, Option<&Path>),
    color: bool,
    jobs: Option<u16>,
    lang: policy::render::human::Lang,
) -> u8 {
    if let Err(code) = crate::output::check_request(&Sources::new(), format, output) {
        return code;
    }
    if let Err(code) = crate::common::facts_input(facts_path) {
        return code;
    }
    let input = crate::batch::Input::of(facts_path);
    if format == CheckFormat::Jsonl || !matches!(input, crate::batch::Input::Single) {
        return crate::batch::run(
            policy_dir,
            facts_path,
            input,
            as_of,
            format,
            jobs,
            (output, color, lang),
        );
    }
    let mut sources = Sources::new();
    let rules = match load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rule_files = sources.len();
    let as_of = as_of.unwrap_or_else(crate::today_in_shanghai);
    let program = match in_force(&sources, &rules, as_of) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(fmt) = facts::raw::format_for_path(&facts_path.to_string_lossy()) else {
        let d = Diag::error(
            "policy::facts::format",
            (
                format!(
                    "cannot tell the format of `{}` from its extension",
                    facts_path.display()
                ),
                format!("无法从扩展名判断 `{}` 的格式", facts_path.display()),
            ),
        )
        .help((
            "name the facts file .json, .yaml, .yml or .toml",
            "事实文件的扩展名应为 .json、.yaml、.yml 或 .toml",
        ));
        print_diags(&sources, &[d]);
        return exit::FACTS;
    };
    let text = match read_text("facts file", facts_path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let fid = sources.add(facts_path.display().to_string(), text);
    let (facts, fact_warnings) = match facts::load(program, fmt, sources.text(fid), fid) {
        Ok(x) => x,
        Err(diags) => {
            print_diags(&sources, &diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            match crate::common::lang() {
                policy::diag::Lang::En => eprintln!(
                    "error: the facts file has {n} error{}",
                    if n == 1 { "" } else { "s" }
                ),
                policy::diag::Lang::Zh => eprintln!("错误：事实文件有 {n} 处错误"),
            }
            return exit::FACTS;
        }
    };
    let code = report(
        &sources,
        &rules,
        program,
        (&facts, &fact_warnings),
        as_of,
        format,
        (output, rule_files, &facts_path.display().to_string()),
        color,
        lang,
    );
    // The process ends with the report: what it read goes back to the operating system
    // with the rest of its memory, rather than freed piece by piece (the rule set's
    // thousands of blocks took a twentieth of a check's instructions).
    std::mem::forget((rules, sources, facts, fact_warnings));
    code
}

/// Evaluate one cluster's facts (read) and print its report.
#[allow(clippy::too_many_arguments)]
pub fn report(
    sources: &Sources,
    rules: &policy::RuleSet,
    program: &policy::ir::Program,
    (facts, fact_warnings): (&policy::eval::Facts, &[Diag]),
    as_of: NaiveDate,
    format: CheckFormat,
    (output, rule_files, facts_shown): (Option<&Path>, usize, &str),
    color: bool,
    lang: policy::render::human::Lang,
) -> u8 {
    if !fact_warnings.is_empty() {
        // Loud, whatever the format: a misspelt fact is a fact left unknown.
        print_diags(sources, fact_warnings);
    }
    let evaluation = policy::eval::evaluate(program, facts, as_of, true);
    if let Some(note) = &evaluation.budget {
        print_diags(sources, &[note.diag()]);
    }
    let report = Report {
        program,
        evaluation: &evaluation,
        sources,
        fact_warnings,
    };
    // The rule files' fingerprint goes into a workbook or a page only: a digest of them
    // all, not computed for the other formats.
    let meta = || render::xlsx::Meta {
        fingerprint: render::rows::fingerprint(sources, rule_files),
        as_of,
    };
    let out = match format {
        CheckFormat::Xlsx => {
            let name =
                render::rows::name_of(program, facts).unwrap_or_else(|| facts_shown.to_string());
            let row = render::rows::cluster_row(&report, name, facts_shown.to_string(), lang);
            let bytes = render::xlsx::Book::new(program, &meta(), lang, None).and_then(|mut b| {
                b.add(&row)?;
                b.finish()
            });
            return match bytes {
                Ok(b) => crate::output::write(output, &b),
                Err(d) => {
                    print_diags(sources, &[*d]);
                    exit::IO
                }
            };
        }
        CheckFormat::Html => {
            let page = render::html::single(&report, Some(facts), &meta(), lang);
            return crate::output::write(output, page.as_bytes());
        }
        CheckFormat::Json => render::json::to_pretty(&report),
        _ => {
            if !rules.warnings.is_empty() {
                print_diags(sources, &rules.warnings);
            }
            render::human::render_in(&report, Style { color }, lang)
        }
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => exit::OK,
        // The reader went away (`| head`): it has what it wanted; end quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(_) => exit::IO,
    }
}
