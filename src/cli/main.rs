//! The `policy` command line: reads files, calls the library, prints.

// `unsafe` only in `startup.rs`, which allows it for what runs before `main`, in
// `alloc.rs`, the allocator's four methods, which call mimalloc or the system's, and in
// `utf8.rs`, text made of bytes just checked to be UTF-8.
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

/// mimalloc: the evaluation of many clusters allocates many small, short-lived values,
/// which the system allocator serves markedly slower (measured in BENCHMARKS.md). Its
/// version 2 (Cargo.toml): version 3 costs a single check 0.4 ms more to start. A check of
/// one cluster is served by the system allocator instead, which touches less memory
/// (`alloc.rs`, chosen before `main` by `startup.rs`).
#[global_allocator]
static GLOBAL: alloc::Allocator = alloc::Allocator;

mod alloc;
mod batch;
mod cache;
mod check;
mod common;
mod diff;
mod fmt;
mod generate;
mod help;
mod lsp;
#[cfg(all(target_arch = "x86_64", any(test, target_env = "musl")))]
mod mem;
mod output;
mod records;
mod snapshots;
mod startup;
mod tables;
mod template;
mod test;
mod utf8;
mod xlsx;

use chrono::NaiveDate;
use clap::{FromArgMatches, Parser, Subcommand, ValueEnum};
use common::exit;
use help::Deferred;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "policy",
    version,
    about = "Rules as code for the Shanghai measures on SME characteristic industrial clusters (沪经信规范〔2024〕1号)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The language of everything the command says (reports, diagnostics, help): zh or
    /// en. Default: zh when the locale (LC_ALL, LC_MESSAGES or LANG) starts with zh.
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
}

/// The formats of `policy check`: those of the other commands, and jsonl for batches.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Human,
    Json,
    /// One line of JSON per cluster (batch runs).
    Jsonl,
    /// An Excel workbook (needs --output, or a pipe): results, margins, summary.
    Xlsx,
    /// A self-contained web page: one cluster's report, or a batch's summary.
    Html,
}

/// The language of everything the command says.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Lang {
    En,
    Zh,
}

// Each subcommand's arguments are a struct of their own, added only when clap builds that
// subcommand (`help::Deferred`). The help of each argument is on its field; the
// subcommand's description is on its variant here, and the structs have plain comments,
// not doc comments: clap would take a struct's doc comment for the description, replacing
// the variant's when the arguments are added.
#[derive(Subcommand)]
enum Command {
    /// Evaluate a cluster's facts against the rule files, criterion by criterion.
    Check(Deferred<CheckArgs>),
    /// Run case files (expected decisions for given facts) and report failures.
    Test(Deferred<TestArgs>),
    /// Compare two rule sets: what changed, and which clusters' decisions it moves.
    Diff(Deferred<DiffArgs>),
    /// Rewrite rule files in the canonical layout (`--check`: only report, as a diff).
    Fmt(Deferred<FmtArgs>),
    /// Write synthetic clusters derived from a rule set (its facts, windows and
    /// thresholds), for benchmarks and tests; the same for the same seed.
    Generate(Deferred<GenerateArgs>),
    /// Serve rule files to an editor: a language server (LSP) on stdin and stdout.
    Lsp(Deferred<LspArgs>),
    /// Write a blank facts file for a rule set (事实模板): every fact with its Chinese
    /// label, type, unit, the years the rules need and the clauses that use it.
    Template(Deferred<TemplateArgs>),
    /// Write the JSON Schema (2020-12) of the rule set's facts files, for editors.
    Schema(Deferred<SchemaArgs>),
}

// `policy check`.
#[derive(clap::Args)]
struct CheckArgs {
    /// The folder of rule files (*.policy).
    #[arg(long, default_value = "policies")]
    policy: PathBuf,
    /// The facts: a file (.json, .yaml/.yml, .toml); or, for many clusters, a
    /// directory of such files (read by name), a JSON Lines file (.jsonl, one
    /// facts object per line), a CSV file (.csv, one cluster per row; columns
    /// are fact names or labels, series one column per year as `output_value.2022`;
    /// list facts in files beside it, `NAME.incidents.csv`) or an XLSX workbook
    /// (.xlsx: one cluster per row of the first sheet, a sheet per list fact; see
    /// `policy template --format xlsx`).
    #[arg(long)]
    facts: PathBuf,
    /// The evaluation date, YYYY-MM-DD (default: today in Shanghai).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// human: a report for a person (for many clusters: a line each and a summary
    /// table); json: the decisions object of docs/facts.md (one cluster); jsonl: one line of
    /// decisions per cluster, with its source, and a summary on stderr; xlsx: an Excel
    /// workbook of results and margins (see docs/reports.md); html: a page to read and
    /// print (one cluster's report, or a batch's summary).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// The file to write (xlsx and html), replaced whole once it is complete; html
    /// without it goes to stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Threads evaluating clusters in a batch run, 1 to 256 (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=i64::from(batch::MAX_JOBS)))]
    jobs: Option<u16>,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
}

// `policy test`.
#[derive(clap::Args)]
struct TestArgs {
    /// The folder of rule files (*.policy).
    #[arg(long, default_value = "policies")]
    policy: PathBuf,
    /// Case files, or folders of case files (default: the `cases` folder of --policy).
    paths: Vec<PathBuf>,
    /// Also report, for every rule, whether the cases saw it met, not met and undetermined.
    #[arg(long)]
    coverage: bool,
    /// Show each changed or new case report (snapshot) and ask: accept, reject or skip.
    #[arg(long, conflicts_with = "accept")]
    review: bool,
    /// Store every changed or new case report without asking.
    #[arg(long)]
    accept: bool,
    /// Stored reports that no case uses any more: warn (list them), reject (fail), delete.
    #[arg(long, value_enum, default_value_t = snapshots::Unreferenced::Warn)]
    unreferenced: snapshots::Unreferenced,
}

// `policy diff`.
#[derive(clap::Args)]
struct DiffArgs {
    /// The folder of the current rule files.
    old: PathBuf,
    /// The folder of the revised rule files (none: compare two versions of OLD).
    new: Option<PathBuf>,
    /// The version of OLD to compare: a version's name, or a date (the rules in force on it).
    #[arg(long)]
    from_version: Option<String>,
    /// The version of NEW (or of OLD) to compare: a name or a date.
    #[arg(long)]
    to_version: Option<String>,
    /// Facts files, or folders of them, to evaluate under both (none: structure only).
    #[arg(long, num_args = 1..)]
    facts: Vec<PathBuf>,
    /// The evaluation date of every cluster (default: a folder's as-of.txt, else today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// human: a report for a person; json: the same for a program.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Threads evaluating clusters, 1 to 256 (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=i64::from(batch::MAX_JOBS)))]
    jobs: Option<u16>,
}

// `policy fmt`.
#[derive(clap::Args)]
struct FmtArgs {
    /// Rule files, or folders of rule files (*.policy).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; show the diff and exit non-zero if a file is not formatted.
    #[arg(long)]
    check: bool,
    /// Write the files in this keyword set: en (English) or zh (Chinese, 中文关键字);
    /// without it, each file keeps its own.
    #[arg(long, value_parser = ["en", "zh"])]
    keywords: Option<String>,
}

// `policy generate`.
#[derive(clap::Args)]
struct GenerateArgs {
    /// The folder of rule files (*.policy) the clusters are made for.
    #[arg(long, default_value = "policies")]
    policy: PathBuf,
    /// How many clusters.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// The seed: the same seed gives the same clusters.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// jsonl or csv (to --out, or stdout), or dir (one .json file each, in --out).
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv", "dir"])]
    format: String,
    /// The evaluation date the clusters are made for, YYYY-MM-DD (default: today in Shanghai).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Where to write: a file, or the directory for --format dir.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write what the clusters are derived from instead of clusters: the years of
    /// the rules' windows and every threshold found, by rule.
    #[arg(long)]
    plan: bool,
}

// `policy lsp` takes no arguments.
#[derive(clap::Args)]
struct LspArgs {}

// `policy template`.
#[derive(clap::Args)]
struct TemplateArgs {
    /// The folder of rule files (*.policy).
    #[arg(long, default_value = "policies")]
    policy: PathBuf,
    /// json (nulls; `policy schema` carries the descriptions), yaml (with comments)
    /// or xlsx (a workbook with notes and dropdowns; needs --output).
    #[arg(long, value_enum, default_value_t = TemplateFormat::Yaml)]
    format: TemplateFormat,
    /// The evaluation date whose windows give the years, YYYY-MM-DD (default: today in Shanghai).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Where to write (default: stdout).
    #[arg(long)]
    output: Option<PathBuf>,
}

// `policy schema`.
#[derive(clap::Args)]
struct SchemaArgs {
    /// The folder of rule files (*.policy).
    #[arg(long, default_value = "policies")]
    policy: PathBuf,
    /// The evaluation date whose windows give the years named in descriptions.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Where to write (default: stdout).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// The formats of `policy template`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TemplateFormat {
    Json,
    Yaml,
    Xlsx,
}

/// A date written exactly as YYYY-MM-DD (as in facts files: `2025-6-30` is refused too).
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    policy::facts::parse_date(s).ok_or_else(|| match common::lang() {
        policy::diag::Lang::En => format!("`{s}` is not a date of the form YYYY-MM-DD"),
        policy::diag::Lang::Zh => format!("`{s}` 不是 YYYY-MM-DD 格式的日期"),
    })
}

/// Today in Shanghai (UTC+8), without a time-zone database.
pub fn today_in_shanghai() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 8 * 3600;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        .unwrap_or_default()
}

fn main() -> ExitCode {
    // Everything runs on one worker thread with a large stack: deeply nested input is
    // refused with a diagnostic, but the parser gets room. The arguments are read there
    // too, so that only one thread sets up memory for its allocations.
    let child = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(|| {
            let code = start();
            // End the process here: taking down this thread's stack and then the main
            // thread would only cost time. `exit` flushes standard output first.
            std::process::exit(i32::from(code))
        });
    // The worker ends the process itself: the main thread gets here only when the
    // worker could not be started, or panicked.
    let _ = child.map(|h| h.join());
    ExitCode::from(70)
}

/// Read the arguments and run the command: the exit code.
fn start() -> u8 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    common::set_lang(common::lang_of_args(&args, |k| std::env::var(k).ok()));
    let cli = match help::command(common::lang())
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            match common::lang() {
                policy::diag::Lang::En => {
                    let _ = e.print();
                }
                policy::diag::Lang::Zh => {
                    let text = help::clap_words_zh(&e.render().to_string());
                    if e.use_stderr() {
                        eprint!("{text}");
                    } else {
                        print!("{text}");
                    }
                }
            }
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    run(cli)
}

fn run(cli: Cli) -> u8 {
    if let Some(lang) = cli.lang {
        // Already chosen from the arguments before parsing; this only confirms it.
        common::set_lang(match lang {
            Lang::En => policy::diag::Lang::En,
            Lang::Zh => policy::diag::Lang::Zh,
        });
    }
    match cli.command {
        Command::Check(Deferred(CheckArgs {
            policy,
            facts,
            as_of,
            format,
            output,
            jobs,
            color,
        })) => {
            let color = match color.as_str() {
                "always" => true,
                "never" => false,
                _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            check::check(
                &policy,
                &facts,
                as_of,
                (format, output.as_deref()),
                color,
                jobs,
                common::lang(),
            )
        }
        Command::Test(Deferred(TestArgs {
            policy,
            paths,
            coverage,
            review,
            accept,
            unreferenced,
        })) => {
            let mode = if review {
                snapshots::Mode::Review
            } else if accept {
                snapshots::Mode::Accept
            } else {
                snapshots::Mode::Check
            };
            test::test(&policy, &paths, coverage, mode, unreferenced)
        }
        Command::Diff(Deferred(DiffArgs {
            old,
            new,
            from_version,
            to_version,
            facts,
            as_of,
            format,
            jobs,
        })) => diff::diff(
            &old,
            new.as_deref(),
            (from_version.as_deref(), to_version.as_deref()),
            &facts,
            as_of,
            format,
            jobs,
        ),
        Command::Fmt(Deferred(FmtArgs {
            paths,
            check,
            keywords,
        })) => fmt::fmt(
            &paths,
            check,
            keywords
                .as_deref()
                .and_then(policy::syntax::KeywordSet::from_code),
        ),
        Command::Generate(Deferred(GenerateArgs {
            policy,
            count,
            seed,
            format,
            as_of,
            out,
            plan,
        })) => generate::generate(
            &policy,
            generate::Request {
                count,
                seed,
                format: &format,
                as_of: as_of.unwrap_or_else(today_in_shanghai),
                out: out.as_deref(),
                plan,
            },
        ),
        Command::Lsp(Deferred(LspArgs {})) => lsp::lsp(),
        Command::Template(Deferred(TemplateArgs {
            policy,
            format,
            as_of,
            output,
        })) => template::template(
            &policy,
            match format {
                TemplateFormat::Json => "json",
                TemplateFormat::Yaml => "yaml",
                TemplateFormat::Xlsx => "xlsx",
            },
            as_of,
            output.as_deref(),
        ),
        Command::Schema(Deferred(SchemaArgs {
            policy,
            as_of,
            output,
        })) => template::schema(&policy, as_of, output.as_deref()),
    }
}
