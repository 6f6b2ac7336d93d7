//! The `policy` command line: reads files, calls the library, prints.

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use policy::diag::{Diag, Sources};
use policy::facts::{self, Format};
use policy::render::{self, human::Style, Report};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes (also in README.md).
mod exit {
    /// The facts were evaluated (whatever the outcome).
    pub const OK: u8 = 0;
    /// A rule file is wrong.
    pub const RULES: u8 = 1;
    /// The command line is wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// The facts file is wrong.
    pub const FACTS: u8 = 3;
    /// The evaluation date lies outside the period in force.
    pub const OUT_OF_FORCE: u8 = 4;
    /// A file could not be read.
    pub const IO: u8 = 5;
}

#[derive(Parser)]
#[command(name = "policy", version, about = "Rules as code for the Shanghai measures on SME characteristic industrial clusters (沪经信规范〔2024〕1号)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a cluster's facts against the rule files, criterion by criterion.
    Check {
        /// The folder of rule files (*.policy).
        #[arg(long, default_value = "policies")]
        policy: PathBuf,
        /// The facts file: .json, .yaml/.yml or .toml.
        #[arg(long)]
        facts: PathBuf,
        /// The evaluation date, YYYY-MM-DD (default: today in Shanghai).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// human: a report for a person; json: the decisions of contract.md.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// Colour: auto (on a terminal), always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date of the form YYYY-MM-DD"))
}

/// Today in Shanghai (UTC+8), without a time-zone database.
fn today_in_shanghai() -> NaiveDate {
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    // Deeply nested input is refused with a diagnostic, but give the parser room.
    let child = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || run(cli));
    match child.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(70),
    }
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check {
            policy,
            facts,
            as_of,
            format,
            color,
        } => {
            let color = match color.as_str() {
                "always" => true,
                "never" => false,
                _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            check(&policy, &facts, as_of, format, color)
        }
    }
}

fn print_diags(sources: &Sources, diags: &[Diag]) {
    for d in diags {
        eprintln!("{:?}", sources.report(d));
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> u8 {
    let d = Diag::error("policy::io", format!("cannot read {what} `{}`: {e}", path.display())).help(match e.kind() {
        std::io::ErrorKind::NotFound => "check the path",
        std::io::ErrorKind::InvalidData => "the file must be UTF-8 text",
        _ => "check that the file exists and can be read",
    });
    eprintln!("{:?}", Sources::new().report(&d));
    exit::IO
}

/// Read a text file, refusing invalid UTF-8 with a diagnostic.
fn read_text(what: &str, path: &Path) -> Result<String, u8> {
    let bytes = std::fs::read(path).map_err(|e| io_error(what, path, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let d = Diag::error(
            "policy::io::not_utf8",
            format!("{what} `{}` is not UTF-8 text (invalid byte at offset {at})", path.display()),
        )
        .help("save the file as UTF-8 (for example 'UTF-8' in the editor's save dialog, not GBK)");
        eprintln!("{:?}", Sources::new().report(&d));
        exit::IO
    })
}

/// The rule files of a folder: every `*.policy` file in it, by name.
fn rule_files(dir: &Path) -> Result<Vec<(String, String)>, u8> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("the policy folder", dir, &e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "policy") && p.is_file())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = read_text("rule file", &p)?;
        out.push((p.display().to_string(), text));
    }
    Ok(out)
}

fn check(policy_dir: &Path, facts_path: &Path, as_of: Option<NaiveDate>, format: OutputFormat, color: bool) -> u8 {
    let mut sources = Sources::new();
    let files = match rule_files(policy_dir) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let rules = match policy::load_rule_set(&mut sources, files) {
        Ok(r) => r,
        Err(diags) => {
            print_diags(&sources, &diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("error: the rule set has {n} error{}", if n == 1 { "" } else { "s" });
            return exit::RULES;
        }
    };
    let program = &rules.program;
    let as_of = as_of.unwrap_or_else(today_in_shanghai);
    if let Some((from, until)) = program.header.in_force {
        if as_of < from || as_of > until {
            let d = Diag::error(
                "policy::out_of_force",
                format!(
                    "the evaluation date {as_of} is outside the period in which the rule set is in force, {from} to {until}"
                ),
            )
            .at(program.header.span)
            .label("period in force declared here")
            .help(format!("choose --as-of between {from} and {until} (Article 21)"));
            print_diags(&sources, &[d]);
            return exit::OUT_OF_FORCE;
        }
    }
    let Some(fmt) = facts::raw::format_for_path(&facts_path.to_string_lossy()) else {
        let d = Diag::error(
            "policy::facts::format",
            format!("cannot tell the format of `{}` from its extension", facts_path.display()),
        )
        .help("name the facts file .json, .yaml, .yml or .toml");
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
            eprintln!("error: the facts file has {n} error{}", if n == 1 { "" } else { "s" });
            return exit::FACTS;
        }
    };
    let _ = Format::Json;
    let evaluation = policy::eval::evaluate(program, &facts, as_of, true);
    let report = Report {
        program,
        evaluation: &evaluation,
        sources: &sources,
        fact_warnings: &fact_warnings,
    };
    let out = match format {
        OutputFormat::Json => {
            let j = render::json::render(&report);
            serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
        }
        OutputFormat::Human => {
            if !rules.warnings.is_empty() {
                print_diags(&sources, &rules.warnings);
            }
            render::human::render(&report, Style { color })
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).is_err() {
        return exit::IO;
    }
    exit::OK
}
