//! `policy check` over many clusters: a directory of facts files, a JSON Lines file
//! or a CSV file.
//!
//! One thread reads records, `--jobs` threads load and evaluate them, and this
//! thread writes the results in input order. Records travel in chunks; at most a
//! fixed number of chunks are in flight (read but not yet written), so memory stays
//! flat however large the input. A record that cannot be read is reported (on
//! stderr, and as a `refused` line in jsonl) and the run goes on; every record is
//! either read or refused.
//!
//! Every input is bounded: only regular files are opened (a FIFO, a device or a folder
//! named as an input or found in a facts folder is refused without being opened), a
//! file's size is checked before it is read and it is read no further than its limit,
//! a line or a CSV record past its limit is refused without being kept (reading goes on
//! at the next record), and a chunk of records is sent on once it holds
//! [`CHUNK_BYTES`], so memory stays bounded whatever the input holds.

use crate::common::{exit, io_error, print_diags};
use crate::records::{self, CsvReader, CsvRecord, Line};
use crate::CheckFormat;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use policy::batch::{self as b, Place, Problem, Source, Summary};
use policy::diag::{Diag, Sources, Text};
use policy::eval::Value;
use policy::facts::{self, csv::Columns, Format};
use policy::render::printable;
use std::collections::BTreeMap;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What `--facts` names.
pub enum Input {
    /// One facts file (.json, .yaml, .toml).
    Single,
    Dir,
    Jsonl,
    Csv,
    /// An XLSX workbook: one cluster per row of its first sheet, a sheet per list fact.
    Xlsx,
}

impl Input {
    pub fn of(path: &Path) -> Input {
        if path.is_dir() {
            return Input::Dir;
        }
        match path.extension() {
            Some(e) => Input::of_extension(e.as_encoded_bytes()),
            None => Input::Single,
        }
    }

    /// What a file that is not a folder holds, by its extension (without the dot, in
    /// any case).
    pub fn of_extension(ext: &[u8]) -> Input {
        let is = |name: &str| ext.eq_ignore_ascii_case(name.as_bytes());
        if is("jsonl") || is("ndjson") {
            Input::Jsonl
        } else if is("csv") {
            Input::Csv
        } else if is("xlsx") || is("xlsm") {
            Input::Xlsx
        } else {
            Input::Single
        }
    }
}

pub enum Payload {
    Text(Format, String),
    /// A line of a JSON Lines file, as read: not yet known to be UTF-8. The quick
    /// reading takes the bytes as they are (and only text that is UTF-8); the rest is
    /// checked before it is read the long way ([`line_text`]).
    Line(Vec<u8>),
    Cells(Vec<String>),
    /// A row of a workbook, or of a CSV file with list files, with its list facts: the
    /// facts tree, the text its spans index, and what was found reading its cells (errors
    /// refuse the record, warnings are reported with it).
    Tree {
        text: String,
        raw: policy::facts::raw::Raw,
        problems: Vec<Problem>,
    },
    Bad(Problem),
}

pub struct Rec {
    pub source: Source,
    pub payload: Payload,
}

pub struct Chunk {
    seq: u64,
    recs: Vec<Rec>,
    /// Progress after this chunk: bytes (files for a directory) read so far.
    progress: u64,
}

struct Done {
    seq: u64,
    out: String,
    err: String,
    progress: u64,
}

/// Records per chunk: small enough to keep every core busy, large enough that the
/// channels are not the cost.
const CHUNK: usize = 256;
const DIR_CHUNK: usize = 16;
/// A chunk is sent on once its records hold this many bytes, however few they are.
const CHUNK_BYTES: usize = 1 << 20;

/// The largest facts file in a folder, and the longest line of a JSON Lines file: the
/// limit of one facts file.
pub const MAX_RECORD_BYTES: usize = facts::raw::MAX_BYTES;
/// How far a line longer than [`MAX_RECORD_BYTES`] is read on, looking for its newline,
/// before the run stops.
pub const MAX_SKIP_BYTES: u64 = 256 << 20;
/// The longest CSV record (the text of its cells, the header included).
pub const MAX_CSV_RECORD_BYTES: usize = 1 << 20;
/// The most threads `--jobs` may ask for.
pub const MAX_JOBS: u16 = 256;

/// Open a batch input named on the command line (a regular file only: see
/// [`crate::common::open_regular`]), or print why not and give the exit code.
fn open_input(path: &Path) -> Result<(std::fs::File, u64), u8> {
    crate::common::open_regular("facts file", path)
        .map(|(f, meta)| (f, meta.len()))
        .map_err(|d| {
            print_diags(&Sources::new(), &[*d]);
            exit::IO
        })
}

/// How a run ended for its output.
#[derive(Debug)]
pub enum Ending {
    /// Everything was written.
    Written,
    /// The reader of the output went away (`| head`): the run stops quietly.
    BrokenPipe,
    /// Writing failed otherwise.
    Failed(std::io::Error),
    /// No thread could be started.
    NoThread(std::io::Error),
}

impl Ending {
    fn of(e: std::io::Error) -> Ending {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ending::BrokenPipe
        } else {
            Ending::Failed(e)
        }
    }

    /// The exit code when the run cannot go on, after saying why (nothing for a broken
    /// pipe); `None` when everything was written.
    pub fn exit_code(&self) -> Option<u8> {
        match self {
            Ending::Written => None,
            Ending::BrokenPipe => Some(exit::OK),
            Ending::Failed(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}{e}",
                    crate::common::tr("error: cannot write the results: ", "错误：无法写出结果：")
                );
                Some(exit::IO)
            }
            Ending::NoThread(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}{e}",
                    crate::common::tr("error: cannot start a thread: ", "错误：无法启动线程：")
                );
                Some(exit::IO)
            }
        }
    }
}

pub fn run(
    policy_dir: &Path,
    facts_path: &Path,
    input: Input,
    as_of: Option<NaiveDate>,
    format: CheckFormat,
    jobs: Option<u16>,
    (output, color, lang): (Option<&Path>, bool, policy::diag::Lang),
) -> u8 {
    let mut sources = Sources::new();
    let rules = match crate::check::load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rule_files = sources.len();
    let as_of = as_of.unwrap_or_else(crate::today_in_shanghai);
    let program = match crate::check::in_force(&sources, &rules, as_of) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // A workbook of one cluster is reported like a facts file.
    let mut workbook = None;
    if matches!(input, Input::Xlsx) {
        let wb = match crate::xlsx::read(program, facts_path) {
            Ok(wb) => wb,
            Err(d) => {
                print_diags(&sources, &[*d]);
                return exit::FACTS;
            }
        };
        if wb.rows.len() == 1 && format != CheckFormat::Jsonl {
            return one_row(
                &mut sources,
                &rules,
                program,
                facts_path,
                wb,
                as_of,
                format,
                (output, color, lang),
            );
        }
        workbook = Some(wb);
    }
    if format == CheckFormat::Json {
        let d = Diag::error(
            "policy::usage::batch_json",
            (
                format!(
                    "`--format json` prints one cluster, but `{}` holds many",
                    facts_path.display()
                ),
                format!(
                    "`--format json` 只输出一个集群，但 `{}` 含有多个集群",
                    facts_path.display()
                ),
            ),
        )
        .help((
            "use --format jsonl (one line per cluster) or --format human",
            "请改用 --format jsonl（每个集群一行）或 --format human",
        ));
        print_diags(&sources, &[d]);
        return exit::USAGE;
    }
    if format == CheckFormat::Human && !rules.warnings.is_empty() {
        print_diags(&sources, &rules.warnings);
    }
    let jobs = default_jobs(jobs);
    let opened = match workbook {
        Some(wb) => open_workbook(program, facts_path, wb),
        None => match open(program, &sources, facts_path, input) {
            Ok(o) => o,
            Err(code) => return code,
        },
    };
    let name_fact = program.facts.iter().position(|f| f.name == "cluster.name");
    // The parameters and the definitions without facts, evaluated once for every record.
    let report = matches!(format, CheckFormat::Xlsx | CheckFormat::Html);
    let plan = policy::eval::Plan::new(program, as_of, report);
    let keys = b::line_keys(program);
    let work =
        |sum: &mut Summary, rec, columns: Option<&Columns>, out: &mut String, err: &mut String| {
            let ctx = Ctx {
                plan: &plan,
                keys: &keys,
                sources: &sources,
                format,
                lang,
                name_fact,
            };
            process(&ctx, columns, rec, out, err, sum)
        };
    if matches!(format, CheckFormat::Xlsx | CheckFormat::Html) {
        let meta = policy::render::xlsx::Meta {
            fingerprint: policy::render::rows::fingerprint(&sources, rule_files),
            as_of,
        };
        return report_file(program, &meta, lang, output, format, |sink| {
            run_pipeline_into(opened, jobs, || Summary::new(program), work, sink)
        });
    }
    let (sums, ending) = run_pipeline(opened, jobs, || Summary::new(program), work);
    let mut summary = Summary::new(program);
    for s in &sums {
        summary.merge(s);
    }
    if let Some(code) = ending.exit_code() {
        return code;
    }
    // A rule set holding named versions says which one the run applied.
    let version = program.header.version.as_ref();
    match format {
        CheckFormat::Jsonl => {
            let mut line = summary.json_line(program);
            if let Some(v) = version {
                if let Ok(mut j) = serde_json::from_str::<serde_json::Value>(&line) {
                    if let Some(obj) = j.get_mut("summary").and_then(|x| x.as_object_mut()) {
                        obj.insert("version".into(), serde_json::Value::String(v.clone()));
                    }
                    line = j.to_string() + "\n";
                }
            }
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
        _ => {
            let mut out = std::io::stdout().lock();
            let lang = crate::common::lang();
            let head = version
                .map(|v| match lang {
                    policy::diag::Lang::En => format!(
                        "\nversion “{}” · in force {} · evaluated as of {as_of}",
                        policy::render::printable(v),
                        program.header.in_force.text()
                    ),
                    policy::diag::Lang::Zh => format!(
                        "\n版本“{}” · 施行期 {} · 评估日期 {as_of}",
                        policy::render::printable(v),
                        program.header.in_force.text_zh()
                    ),
                })
                .unwrap_or_default();
            let table = format!("{head}\n{}", summary.table_in(program, lang));
            if let Err(e) = out.write_all(table.as_bytes()).and_then(|()| out.flush()) {
                if let Some(code) = Ending::of(e).exit_code() {
                    return code;
                }
            }
        }
    }
    if summary.refused > 0 {
        exit::SOME_REFUSED
    } else {
        exit::OK
    }
}

/// The report of a workbook of one cluster, as for a facts file: its row read with its
/// list sheets, the places of its cells in the diagnostics.
#[allow(clippy::too_many_arguments)]
fn one_row(
    sources: &mut Sources,
    rules: &policy::RuleSet,
    program: &policy::ir::Program,
    facts_path: &Path,
    wb: crate::xlsx::Workbook,
    as_of: NaiveDate,
    format: CheckFormat,
    (output, color, lang): (Option<&Path>, bool, policy::render::human::Lang),
) -> u8 {
    let shown = facts_path.display().to_string();
    let rule_files = sources.len();
    if !wb.warnings.is_empty() {
        let _ = std::io::stderr().write_all(header_diags(&shown, &wb.warnings).as_bytes());
    }
    let Some(row) = wb.rows.first() else {
        return exit::FACTS;
    };
    let source = Source {
        file: shown.as_str().into(),
        place: Place::Row {
            row: 1,
            line: row.line,
        },
    };
    for p in &row.problems {
        eprintln!("{}", p.display(&source));
    }
    if row.problems.iter().any(|p| !p.warning) {
        eprintln!("error: the workbook's cluster cannot be read");
        return exit::FACTS;
    }
    let (text, raw, errors) = facts::table::row(
        program,
        &wb.columns,
        &row.cells,
        Some(&|c| row.place(c)),
        &wb.lists,
    );
    let fid = sources.add(shown.clone(), text);
    let shift = |d: Diag| match d.span {
        Some(s) => {
            let mut d = d;
            d.span = Some(policy::syntax::ast::Span { file: fid, ..s });
            d
        }
        None => d,
    };
    if !errors.is_empty() {
        let errors: Vec<Diag> = errors.into_iter().map(shift).collect();
        print_diags(sources, &errors);
        return exit::FACTS;
    }
    match facts::load_tree(program, &raw, fid) {
        Ok((facts, warnings)) => crate::check::report(
            sources,
            rules,
            program,
            (&facts, &warnings),
            as_of,
            format,
            (output, rule_files, &shown),
            color,
            lang,
        ),
        Err(diags) => {
            print_diags(sources, &diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "error: the workbook has {n} error{}",
                if n == 1 { "" } else { "s" }
            );
            exit::FACTS
        }
    }
}

/// Threads for `--jobs N`: N, or every core (at most [`MAX_JOBS`]).
pub fn default_jobs(jobs: Option<u16>) -> usize {
    let n = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| u16::try_from(n.get()).unwrap_or(MAX_JOBS))
            .unwrap_or(1)
    });
    usize::from(n.clamp(1, MAX_JOBS))
}

/// An opened batch input: the reader to run on its own thread, the input's size for the
/// progress bar (bytes, or files for a folder), and for CSV the columns of its header.
pub struct Opened {
    reader: Reader,
    total: u64,
    columns: Option<Columns>,
}

type Reader = Box<dyn FnOnce(&SyncSender<Chunk>, &Receiver<()>) + Send>;

/// Open `facts_path` as a batch input; for CSV, check its header against `program` before any
/// thread starts. On failure the diagnostic is printed and the exit code returned.
pub fn open(
    program: &policy::ir::Program,
    sources: &Sources,
    facts_path: &Path,
    input: Input,
) -> Result<Opened, u8> {
    let file_name: Arc<str> = facts_path.display().to_string().into();
    let (reader, total, columns): (Reader, u64, Option<Columns>) = match input {
        Input::Single | Input::Jsonl => {
            let (f, len) = open_input(facts_path)?;
            if matches!(input, Input::Single) {
                drop(f);
                let fmt = facts::raw::format_for_path(&facts_path.to_string_lossy())
                    .unwrap_or(Format::Json);
                let name = file_name.clone();
                let path = facts_path.to_path_buf();
                (
                    Box::new(move |tx, credits| {
                        read_files(vec![path], name, Some(fmt), tx, credits)
                    }),
                    1,
                    None,
                )
            } else {
                let name = file_name.clone();
                (
                    Box::new(move |tx, credits| read_jsonl(f, name, tx, credits)),
                    len,
                    None,
                )
            }
        }
        Input::Dir => {
            let paths = facts_files_in(facts_path)?;
            let n = paths.len() as u64;
            let name = file_name.clone();
            (
                Box::new(move |tx, credits| read_files(paths, name, None, tx, credits)),
                n,
                None,
            )
        }
        Input::Xlsx => {
            let wb = crate::xlsx::read(program, facts_path).map_err(|d| {
                print_diags(sources, &[*d]);
                exit::FACTS
            })?;
            return Ok(open_workbook(program, facts_path, wb));
        }
        Input::Csv => {
            let (f, len) = open_input(facts_path)?;
            let mut rdr =
                CsvReader::new(BufReader::with_capacity(1 << 18, f), MAX_CSV_RECORD_BYTES);
            let shown = printable(&file_name).into_owned();
            let header_error = |code: &'static str, why: (String, String), help: (&str, &str)| {
                let d = Diag::error(
                    code,
                    (
                        format!("cannot read the CSV header of `{shown}`: {}", why.0),
                        format!("无法读取 `{shown}` 的 CSV 表头：{}", why.1),
                    ),
                )
                .help(help);
                print_diags(sources, &[d]);
            };
            let header: Vec<String> = match rdr.next_record() {
                Ok(Some(CsvRecord::Cells { cells, .. })) => cells,
                Ok(None) => Vec::new(),
                Ok(Some(CsvRecord::TooLong { .. })) => {
                    header_error(
                        "policy::io::too_large",
                        (
                            format!("it is longer than {} MiB", MAX_CSV_RECORD_BYTES >> 20),
                            format!("表头超过 {} MiB", MAX_CSV_RECORD_BYTES >> 20),
                        ),
                        (
                            "the first row names the facts, one per column; check that this is the right file",
                            "第一行是事实名称，每列一个；请确认文件是否正确",
                        ),
                    );
                    return Err(exit::FACTS);
                }
                Ok(Some(CsvRecord::NotUtf8 { offset, .. })) => {
                    print_diags(sources, &[crate::tables::not_utf8(&shown, offset)]);
                    return Err(exit::FACTS);
                }
                Err(e) => return Err(io_error("facts file", facts_path, &e)),
            };
            // Facts may be named by their Chinese labels (`占地面积`).
            let header = facts::table::header_keys(program, &header);
            match facts::csv::columns(program, &header) {
                Ok((cols, warnings)) => {
                    if !warnings.is_empty() {
                        let _ = std::io::stderr()
                            .write_all(header_diags(&file_name, &warnings).as_bytes());
                    }
                    let name = file_name.clone();
                    let width = header.len();
                    let lists = crate::tables::csv_lists(program, facts_path)?;
                    let with_lists = (!lists.tables.is_empty())
                        .then(|| (Arc::new(program.clone()), cols.clone(), Arc::new(lists)));
                    (
                        Box::new(move |tx, credits| {
                            read_csv(rdr, width, name, with_lists, tx, credits)
                        }),
                        len,
                        Some(cols),
                    )
                }
                Err(errors) => {
                    let _ = std::io::stderr().write_all(
                        format!(
                            "{}error: the CSV header of `{}` cannot be read\n",
                            header_diags(&file_name, &errors),
                            printable(&file_name)
                        )
                        .as_bytes(),
                    );
                    return Err(exit::FACTS);
                }
            }
        }
    };

    Ok(Opened {
        reader,
        total,
        columns,
    })
}

/// A workbook read, as a batch input: each row of its main sheet a record with its list
/// facts. Its warnings (unknown columns, list rows of no cluster) are printed first.
pub fn open_workbook(
    program: &policy::ir::Program,
    file: &Path,
    wb: crate::xlsx::Workbook,
) -> Opened {
    let name: Arc<str> = file.display().to_string().into();
    if !wb.warnings.is_empty() {
        let _ = std::io::stderr().write_all(header_diags(&name, &wb.warnings).as_bytes());
    }
    let total = wb.rows.len() as u64;
    let crate::xlsx::Workbook {
        columns,
        rows,
        lists,
        ..
    } = wb;
    let program = Arc::new(program.clone());
    let cols = columns.clone();
    // Each row's facts tree is made as it is sent, so that only the chunks in flight hold
    // trees (the cells of the workbook are already in memory).
    Opened {
        reader: Box::new(move |tx, credits| {
            let mut s = Sender::new(tx, credits, CHUNK);
            for (i, row) in rows.into_iter().enumerate() {
                let (text, raw, errors) = policy::facts::table::row(
                    &program,
                    &cols,
                    &row.cells,
                    Some(&|c| row.place(c)),
                    &lists,
                );
                let source = Source {
                    file: name.clone(),
                    place: Place::Row {
                        row: i as u64 + 1,
                        line: row.line,
                    },
                };
                let mut problems = row.problems;
                for p in &mut problems {
                    p.line.get_or_insert(row.line);
                }
                problems.extend(b::problems(&errors, &text, &source));
                let rec = Rec {
                    source,
                    payload: Payload::Tree {
                        text,
                        raw,
                        problems,
                    },
                };
                if !s.push(rec, i as u64 + 1) {
                    return;
                }
            }
            s.flush(total);
        }),
        total,
        columns: Some(columns),
    }
}

/// Run `work` on every record of an opened input with `jobs` threads, writing what it
/// produces to stdout (and stderr) in input order. Each thread keeps its own state made by
/// `init`; the states are returned, with how the output ended. When stdout cannot be
/// written (a closed pipe), the run stops: reading and work end, nothing more is written.
/// Fewer threads are used if not all can be started.
pub fn pipeline<S, I, W>(opened: Opened, jobs: usize, init: I, work: W) -> (Vec<S>, bool)
where
    S: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, Rec, Option<&Columns>, &mut String, &mut String) + Sync,
{
    let (states, ending) = run_pipeline(opened, jobs, init, work);
    (states, !matches!(ending, Ending::Written))
}

/// [`pipeline`], saying how the output ended.
pub fn run_pipeline<S, I, W>(opened: Opened, jobs: usize, init: I, work: W) -> (Vec<S>, Ending)
where
    S: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, Rec, Option<&Columns>, &mut String, &mut String) + Sync,
{
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    run_pipeline_into(opened, jobs, init, work, &mut out)
}

/// [`run_pipeline`], writing what the workers produce to `out` instead of stdout.
pub fn run_pipeline_into<S, I, W>(
    opened: Opened,
    jobs: usize,
    init: I,
    work: W,
    out: &mut dyn Write,
) -> (Vec<S>, Ending)
where
    S: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, Rec, Option<&Columns>, &mut String, &mut String) + Sync,
{
    let Opened {
        reader,
        total,
        columns,
    } = opened;
    let in_flight = jobs * 4;
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(in_flight);
    let (done_tx, done_rx) = sync_channel::<Done>(in_flight);
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight + 1);
    for _ in 0..in_flight {
        let _ = credit_tx.send(());
    }
    let chunk_rx = Mutex::new(chunk_rx);
    let started = Instant::now();
    let progress_wanted = std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;

    let mut states = Vec::new();
    let mut ending = Ending::Written;
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let chunk_rx = &chunk_rx;
            let columns = columns.as_ref();
            let (init, work) = (&init, &work);
            let spawned = std::thread::Builder::new().spawn_scoped(s, move || {
                let mut state = init();
                // The bytes of output per record of the last chunk: the next chunk's
                // buffer is made large enough at once rather than grown as it fills.
                let mut per_rec = 1200;
                loop {
                    let next = match chunk_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(chunk) = next else { break };
                    let n = chunk.recs.len();
                    let mut out = String::with_capacity(n.saturating_mul(per_rec));
                    let mut err = String::new();
                    for rec in chunk.recs {
                        work(&mut state, rec, columns, &mut out, &mut err);
                    }
                    if let Some(bytes) = out.len().checked_div(n) {
                        per_rec = bytes.saturating_add(bytes / 16).clamp(64, 1 << 16);
                    }
                    let d = Done {
                        seq: chunk.seq,
                        out,
                        err,
                        progress: chunk.progress,
                    };
                    if done_tx.send(d).is_err() {
                        break;
                    }
                }
                state
            });
            match spawned {
                Ok(w) => workers.push(w),
                // Go on with the threads there are; with none, the run cannot start.
                Err(e) => {
                    if workers.is_empty() {
                        ending = Ending::NoThread(e);
                    }
                    break;
                }
            }
        }
        drop(done_tx);
        // The reader starts once there is a worker to take its chunks; if it cannot
        // start, its sender is dropped with it and the workers end.
        if !workers.is_empty() {
            let started =
                std::thread::Builder::new().spawn_scoped(s, move || reader(&chunk_tx, &credit_rx));
            if let Err(e) = started {
                ending = Ending::NoThread(e);
            }
        } else {
            drop(chunk_tx);
        }

        // Write in input order.
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        'write: for d in done_rx.iter() {
            pending.insert(d.seq, d);
            while let Some(d) = pending.remove(&next) {
                next += 1;
                if !d.err.is_empty() {
                    let say = || std::io::stderr().write_all(d.err.as_bytes());
                    let said = match &bar {
                        Some(b) => b.suspend(say),
                        None => say(),
                    };
                    if let Err(e) = said {
                        ending = Ending::of(e);
                        break 'write;
                    }
                }
                if let Err(e) = out.write_all(d.out.as_bytes()) {
                    ending = Ending::of(e);
                    break 'write;
                }
                let _ = credit_tx.send(());
                if progress_wanted {
                    if bar.is_none() && started.elapsed() > Duration::from_secs(1) {
                        bar = Some(new_bar(total));
                    }
                    if let Some(b) = &bar {
                        b.set_position(d.progress);
                    }
                }
            }
        }
        // Stop the reader (no more credits) and the workers (no one to send to).
        drop(done_rx);
        drop(credit_tx);
        if matches!(ending, Ending::Written) {
            if let Err(e) = out.flush() {
                ending = Ending::of(e);
            }
        }
        for w in workers {
            if let Ok(state) = w.join() {
                states.push(state);
            }
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    (states, ending)
}

fn new_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {percent:>3}% eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn header_diags(file: &str, diags: &[Diag]) -> String {
    let lang = crate::common::lang();
    let zh = lang == policy::diag::Lang::Zh;
    let mut s = String::new();
    for d in diags {
        let level = match (d.is_error(), zh) {
            (true, false) => "error",
            (false, false) => "warning",
            (true, true) => "错误",
            (false, true) => "警告",
        };
        let colon = if zh { "：" } else { ": " };
        s.push_str(&format!(
            "{}:1{colon}{level}[{}]{colon}{}",
            printable(file),
            d.code,
            printable(d.message.get(lang))
        ));
        if let Some(h) = &d.help {
            if zh {
                s.push_str(&format!("（帮助：{}）", printable(h.get(lang))));
            } else {
                s.push_str(&format!(" (help: {})", printable(h.get(lang))));
            }
        }
        s.push('\n');
    }
    s
}

/// What every record of a run is processed with.
struct Ctx<'a> {
    /// The program in force on the evaluation date, and its evaluation then (with
    /// explanations for a report).
    plan: &'a policy::eval::Plan<'a>,
    /// The start of each decision's entry in a line ([`policy::batch::line_keys`]).
    keys: &'a [String],
    sources: &'a Sources,
    format: CheckFormat,
    lang: policy::diag::Lang,
    name_fact: Option<usize>,
}

/// Build the workbook or page of a batch from the lines `run` produces (see
/// [`crate::output::LineSink`]), then write it whole to `output`.
fn report_file(
    program: &policy::ir::Program,
    meta: &policy::render::xlsx::Meta,
    lang: policy::diag::Lang,
    output: Option<&Path>,
    format: CheckFormat,
    run: impl FnOnce(&mut dyn Write) -> (Vec<Summary>, Ending),
) -> u8 {
    use policy::render::{html::BatchPage, xlsx::Book};
    let spool = if format == CheckFormat::Xlsx {
        crate::output::spool_for(output)
    } else {
        None
    };
    let mut book = None;
    let mut page = None;
    if format == CheckFormat::Xlsx {
        match Book::new(program, meta, lang, spool.as_ref().map(|d| d.path())) {
            Ok(b) => book = Some(b),
            Err(d) => {
                print_diags(&Sources::new(), &[*d]);
                return exit::IO;
            }
        }
    } else {
        page = Some(BatchPage::new(program, lang));
    }
    let (sums, ending, error) = {
        let cell = std::cell::RefCell::new((&mut book, &mut page));
        let mut sink = crate::output::LineSink::new(
            |row| {
                let mut g = cell.borrow_mut();
                if let Some(b) = g.0.as_mut() {
                    b.add(row)?;
                }
                if let Some(p) = g.1.as_mut() {
                    p.add(row);
                }
                Ok(())
            },
            |r| {
                let mut g = cell.borrow_mut();
                if let Some(b) = g.0.as_mut() {
                    b.add_refused(r)?;
                }
                if let Some(p) = g.1.as_mut() {
                    p.add_refused(r);
                }
                Ok(())
            },
        );
        let (sums, ending) = run(&mut sink);
        let error = sink.error.take();
        (sums, ending, error)
    };
    if let Some(d) = error {
        print_diags(&Sources::new(), &[d]);
        return exit::IO;
    }
    if let Some(code) = ending.exit_code() {
        return code;
    }
    let mut summary = Summary::new(program);
    for s in &sums {
        summary.merge(s);
    }
    // The workbook streams into the file (its rows come from the spool); the page is small.
    let code = match (book, page) {
        (Some(b), _) => crate::output::write_with(output, |w| b.finish_to(w)),
        (None, Some(p)) => crate::output::write(output, p.finish(program, meta).as_bytes()),
        (None, None) => exit::OK,
    };
    if code != exit::OK {
        return code;
    }
    // Where the report went and the counts, on stderr, in the user's language (the
    // decisions' counts are in the report itself).
    let counts = summary.table_in(program, lang);
    let counts = counts.lines().next().unwrap_or_default();
    let place = output.map(|p| policy::render::printable(&p.display().to_string()).into_owned());
    let line = match (lang, place) {
        (policy::diag::Lang::Zh, Some(p)) => format!("已写入 {p}。{counts}\n"),
        (policy::diag::Lang::Zh, None) => format!("{counts}\n"),
        (policy::diag::Lang::En, Some(p)) => format!("wrote {p}. {counts}\n"),
        (policy::diag::Lang::En, None) => format!("{counts}\n"),
    };
    let _ = std::io::stderr().write_all(line.as_bytes());
    if summary.refused > 0 {
        exit::SOME_REFUSED
    } else {
        exit::OK
    }
}

fn process(
    ctx: &Ctx,
    columns: Option<&Columns>,
    rec: Rec,
    out: &mut String,
    err: &mut String,
    sum: &mut Summary,
) {
    let (program, format, name_fact) = (ctx.plan.program(), ctx.format, ctx.name_fact);
    let report = matches!(format, CheckFormat::Xlsx | CheckFormat::Html);
    let refuse = |probs: Vec<Problem>, out: &mut String, err: &mut String, sum: &mut Summary| {
        sum.refused += 1;
        for p in &probs {
            err.push_str(&p.display_in(&rec.source, crate::common::lang()));
            err.push('\n');
        }
        if format == CheckFormat::Jsonl {
            b::refused_line(out, &rec.source, &probs);
        }
        if report {
            let line = policy::render::rows::Line::Refused(policy::render::rows::refused(
                rec.source.display(),
                &probs,
                ctx.lang,
            ));
            out.push_str(&serde_json::to_string(&line).unwrap_or_default());
            out.push('\n');
        }
    };
    let (text, loaded) = match &rec.payload {
        Payload::Text(fmt, text) => (None, facts::load(program, *fmt, text, 0)),
        Payload::Line(bytes) => match facts::quick::read_bytes(program, bytes) {
            Some(f) => (None, Ok((f, Vec::new()))),
            None => match line_text(bytes, &rec.source) {
                // The quick reading has left it: the full reading says why.
                Ok(t) => (
                    Some(t.to_string()),
                    facts::load_full(program, Format::Json, t, 0),
                ),
                Err(p) => return refuse(vec![*p], out, err, sum),
            },
        },
        Payload::Cells(cells) => match columns {
            // Most rows are plain: read them straight; the full reading (a tree of the
            // row, then typing it) for the rest, which names what is wrong.
            Some(cols) => match facts::csv::quick_row(program, cols, cells) {
                Some(f) => (None, Ok((f, Vec::new()))),
                None => {
                    let (text, raw) = facts::csv::row(program, cols, cells);
                    let r = facts::load_tree(program, &raw, 0);
                    (Some(text), r)
                }
            },
            None => return,
        },
        Payload::Tree {
            text,
            raw,
            problems,
        } => {
            if problems.iter().any(|p| !p.warning) {
                return refuse(problems.clone(), out, err, sum);
            }
            for p in problems {
                err.push_str(&p.display(&rec.source));
                err.push('\n');
            }
            (Some(text.clone()), facts::load_tree(program, raw, 0))
        }
        Payload::Bad(p) => return refuse(vec![p.clone()], out, err, sum),
    };
    match loaded {
        Ok((facts, warnings)) => {
            // A line of decisions reads no rule's result: they are not kept.
            let ev = match format {
                CheckFormat::Xlsx | CheckFormat::Html => ctx.plan.evaluate(&facts),
                _ => ctx.plan.decisions(&facts),
            };
            sum.add(&ev);
            // Unknown facts are loud: a misspelt name leaves its fact unknown.
            let warned = if warnings.is_empty() {
                Vec::new()
            } else {
                let t = match (&text, &rec.payload) {
                    (Some(t), _) => t.as_str(),
                    (None, Payload::Text(_, t)) => t.as_str(),
                    _ => "",
                };
                b::warnings(&warnings, t, &rec.source)
            };
            for p in &warned {
                err.push_str(&p.display_in(&rec.source, crate::common::lang()));
                err.push('\n');
            }
            if let Some(b) = &ev.budget {
                // The place is in a rule file: name the rule in the message, not a line of
                // the facts.
                let p = policy::batch::Problem::unplaced(b.diag());
                err.push_str(&p.display_in(&rec.source, crate::common::lang()));
                err.push('\n');
            }
            match format {
                CheckFormat::Jsonl => {
                    b::decisions_line(out, program, ctx.keys, &ev, &rec.source, &warned)
                }
                CheckFormat::Xlsx | CheckFormat::Html => {
                    let name = policy::render::rows::name_of(program, &facts)
                        .unwrap_or_else(|| rec.source.display());
                    let r = policy::render::Report {
                        program,
                        evaluation: &ev,
                        sources: ctx.sources,
                        fact_warnings: &[],
                    };
                    let row =
                        policy::render::rows::cluster_row(&r, name, rec.source.display(), ctx.lang);
                    let line = policy::render::rows::Line::Cluster(row);
                    out.push_str(&serde_json::to_string(&line).unwrap_or_default());
                    out.push('\n');
                }
                _ => {
                    let name = name_fact
                        .and_then(|i| facts.values.get(i))
                        .and_then(|v| match v {
                            Some(Value::Text(t)) => Some(t.as_ref()),
                            _ => None,
                        });
                    b::human_line_in(out, program, &ev, &rec.source, name, crate::common::lang())
                }
            }
        }
        Err(diags) => {
            let t = match (&text, &rec.payload) {
                (Some(t), _) => t.as_str(),
                (None, Payload::Text(_, t)) => t.as_str(),
                _ => "",
            };
            let probs = b::problems(&diags, t, &rec.source);
            refuse(probs, out, err, sum)
        }
    }
}

/// Send records in chunks, waiting for a credit before each chunk. A chunk goes once it
/// holds `size` records or [`CHUNK_BYTES`] bytes of them.
struct Sender<'a> {
    tx: &'a SyncSender<Chunk>,
    credits: &'a Receiver<()>,
    seq: u64,
    recs: Vec<Rec>,
    size: usize,
    bytes: usize,
}

impl<'a> Sender<'a> {
    fn new(tx: &'a SyncSender<Chunk>, credits: &'a Receiver<()>, size: usize) -> Self {
        Sender {
            tx,
            credits,
            seq: 0,
            recs: Vec::with_capacity(size),
            size,
            bytes: 0,
        }
    }
    /// False when the run is over (the writer has gone).
    fn push(&mut self, rec: Rec, progress: u64) -> bool {
        self.bytes += match &rec.payload {
            Payload::Text(_, t) => t.len(),
            Payload::Line(t) => t.len(),
            Payload::Cells(c) => c.iter().map(String::len).sum(),
            Payload::Tree { text, .. } => text.len(),
            Payload::Bad(p) => p.message.en.len(),
        };
        self.recs.push(rec);
        if self.recs.len() >= self.size || self.bytes >= CHUNK_BYTES {
            return self.flush(progress);
        }
        true
    }
    fn flush(&mut self, progress: u64) -> bool {
        if self.recs.is_empty() {
            return true;
        }
        if self.credits.recv().is_err() {
            return false;
        }
        let recs = std::mem::replace(&mut self.recs, Vec::with_capacity(self.size));
        self.bytes = 0;
        let chunk = Chunk {
            seq: self.seq,
            recs,
            progress,
        };
        self.seq += 1;
        self.tx.send(chunk).is_ok()
    }
}

fn problem(
    code: &'static str,
    message: impl Into<Text>,
    help: impl Into<Text>,
    line: Option<u64>,
) -> Problem {
    Problem {
        warning: false,
        code,
        message: message.into(),
        help: Some(help.into()),
        line,
        column: None,
        field: None,
    }
}

fn mib(bytes: usize) -> usize {
    bytes >> 20
}

/// The text of a line of a JSON Lines file, or the problem that it is not UTF-8.
pub fn line_text<'a>(bytes: &'a [u8], source: &Source) -> Result<&'a str, Box<Problem>> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = match source.place {
            Place::Line(n) => n,
            _ => 0,
        };
        Box::new(problem(
            "policy::io::not_utf8",
            (
                format!(
                    "line {line} is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
                format!(
                    "第 {line} 行不是 UTF-8 文本（偏移 {} 处字节无效）",
                    e.valid_up_to()
                ),
            ),
            (
                "save the file as UTF-8, not GBK",
                "请将文件存为 UTF-8 编码，而不是 GBK",
            ),
            Some(line),
        ))
    })
}

fn read_jsonl(f: std::fs::File, file: Arc<str>, tx: &SyncSender<Chunk>, credits: &Receiver<()>) {
    let mut r = BufReader::with_capacity(1 << 18, f);
    let mut s = Sender::new(tx, credits, CHUNK);
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    let mut bytes = 0u64;
    loop {
        // A long line's buffer is not kept for the next.
        if buf.capacity() > 1 << 20 {
            buf = Vec::with_capacity(4096);
        }
        let read = records::read_line(&mut r, &mut buf, MAX_RECORD_BYTES, MAX_SKIP_BYTES);
        line += 1;
        let source = Source {
            file: file.clone(),
            place: Place::Line(line),
        };
        let (n, what) = match read {
            Ok(None) => break,
            Ok(Some(x)) => x,
            Err(e) => {
                let p = problem(
                    "policy::io",
                    (
                        format!("cannot read line {line}: {e}"),
                        format!("无法读取第 {line} 行：{e}"),
                    ),
                    ("check that the file can be read", "请检查文件是否可读"),
                    Some(line),
                );
                s.push(
                    Rec {
                        source,
                        payload: Payload::Bad(p),
                    },
                    bytes,
                );
                break;
            }
        };
        bytes += n;
        let payload = match what {
            Line::TooLong => Payload::Bad(problem(
                "policy::io::too_large",
                (
                    format!(
                        "line {line} is longer than {} MiB, the limit of one cluster's facts",
                        mib(MAX_RECORD_BYTES)
                    ),
                    format!(
                        "第 {line} 行超过 {} MiB，即一个集群事实的上限",
                        mib(MAX_RECORD_BYTES)
                    ),
                ),
                (
                    "check that this is the right file; one line holds one cluster's facts",
                    "请确认文件是否正确；每行只放一个集群的事实",
                ),
                Some(line),
            )),
            Line::Runaway => {
                let p = problem(
                    "policy::io::too_large",
                    {
                        let limit = mib(usize::try_from(MAX_SKIP_BYTES).unwrap_or(usize::MAX));
                        (
                            format!(
                                "line {line} has no end within {limit} MiB; reading stops here"
                            ),
                            format!("第 {line} 行在 {limit} MiB 内没有结束；读取到此为止"),
                        )
                    },
                    (
                        "check that this is a JSON Lines file: one cluster's facts per line",
                        "请确认这是 JSON Lines 文件：每行一个集群的事实",
                    ),
                    Some(line),
                );
                s.push(
                    Rec {
                        source,
                        payload: Payload::Bad(p),
                    },
                    bytes,
                );
                break;
            }
            Line::Text => {
                let trimmed = buf.trim_ascii();
                if trimmed.is_empty() {
                    continue; // a blank line is not a record
                }
                Payload::Line(trimmed.to_vec())
            }
        };
        if !s.push(Rec { source, payload }, bytes) {
            return;
        }
    }
    s.flush(bytes);
}

/// The rule set, the header and the list files of a CSV input with list files.
type WithLists = Option<(Arc<policy::ir::Program>, Columns, Arc<facts::table::Lists>)>;

fn read_csv<R: std::io::BufRead>(
    mut rdr: CsvReader<R>,
    width: usize,
    file: Arc<str>,
    with_lists: WithLists,
    tx: &SyncSender<Chunk>,
    credits: &Receiver<()>,
) {
    let mut s = Sender::new(tx, credits, CHUNK);
    let mut row = 0u64;
    // The line of each cluster name seen, when list files are given.
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    loop {
        let next = rdr.next_record();
        let bytes = rdr.bytes();
        let (payload, line, stop) = match next {
            Ok(None) => break,
            Ok(Some(CsvRecord::Cells { cells, line })) => {
                row += 1;
                if cells.len() == width {
                    (Payload::Cells(cells), line, false)
                } else {
                    let p = problem(
                        "policy::facts::csv_row",
                        (
                            format!(
                                "row {row} has {} cells, but the header has {width} columns",
                                cells.len()
                            ),
                            format!(
                                "第 {row} 行有 {} 个单元格，而表头有 {width} 列",
                                cells.len()
                            ),
                        ),
                        (
                            "give every row one cell per column (an empty cell for a fact not given)",
                            "每行每列一个单元格（未给出的事实留空）",
                        ),
                        Some(line),
                    );
                    (Payload::Bad(p), line, false)
                }
            }
            Ok(Some(CsvRecord::TooLong { line })) => {
                row += 1;
                let p = problem(
                    "policy::io::too_large",
                    (
                        format!(
                            "row {row} is longer than {} MiB, the limit of one CSV row",
                            mib(MAX_CSV_RECORD_BYTES)
                        ),
                        format!(
                            "第 {row} 行超过 {} MiB，即 CSV 一行的上限",
                            mib(MAX_CSV_RECORD_BYTES)
                        ),
                    ),
                    (
                        "check the row: one cluster's facts fit in far less; an unclosed quote makes the rest of the file one cell",
                        "请检查该行：一个集群的事实远用不了这么多；引号未闭合会使文件其余部分成为一个单元格",
                    ),
                    Some(line),
                );
                (Payload::Bad(p), line, false)
            }
            Ok(Some(CsvRecord::NotUtf8 { line, offset })) => {
                row += 1;
                let p = problem(
                    "policy::facts::syntax",
                    (
                        format!(
                            "row {row} cannot be read: it is not UTF-8 text (invalid byte at offset {offset} of the row)"
                        ),
                        format!(
                            "无法读取第 {row} 行：不是 UTF-8 文本（该行偏移 {offset} 处字节无效）"
                        ),
                    ),
                    (
                        "fix the row; the file must be UTF-8 CSV with a header row",
                        "请修正该行；文件须为带表头行的 UTF-8 CSV",
                    ),
                    Some(line),
                );
                (Payload::Bad(p), line, false)
            }
            Err(e) => {
                row += 1;
                let p = problem(
                    "policy::io",
                    (
                        format!("row {row} cannot be read: {e}"),
                        format!("无法读取第 {row} 行：{e}"),
                    ),
                    ("check that the file can be read", "请检查文件是否可读"),
                    None,
                );
                (Payload::Bad(p), 0, true)
            }
        };
        let source = Source {
            file: file.clone(),
            place: Place::Row { row, line },
        };
        let payload = match (payload, &with_lists) {
            (Payload::Cells(cells), Some((program, cols, lists))) => {
                let (text, raw, errors) = facts::table::row(program, cols, &cells, None, lists);
                let mut problems = b::problems(&errors, &text, &source);
                let key = cells.first().map(|c| c.trim()).unwrap_or("");
                if !key.is_empty() {
                    match seen.get(key) {
                        Some(first) => problems.push(Problem::unplaced(
                            facts::table::duplicate_cluster(key, *first),
                        )),
                        None => {
                            seen.insert(key.to_string(), line);
                        }
                    }
                }
                Payload::Tree {
                    text,
                    raw,
                    problems,
                }
            }
            (p, _) => p,
        };
        if !s.push(Rec { source, payload }, bytes) || stop {
            break;
        }
    }
    s.flush(rdr.bytes());
}

/// The facts files of a folder, by name: every entry whose name ends in a facts
/// extension, whatever it is (one that is not a regular file is refused when read).
fn facts_files_in(dir: &Path) -> Result<Vec<PathBuf>, u8> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("facts folder", dir, &e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| facts::raw::format_for_path(&p.to_string_lossy()).is_some())
        .collect();
    paths.sort();
    Ok(paths)
}

/// A facts file's text: a regular file, at most [`MAX_RECORD_BYTES`] (its size is checked
/// before reading, and no more than that is read), UTF-8.
fn read_facts_file(path: &Path) -> Result<String, Box<Problem>> {
    // The file's name is the record's source: the problem says what is wrong with it.
    let (f, meta) = crate::common::open_regular("the facts file", path)
        .map_err(|d| problem(d.code, d.message, d.help.unwrap_or_default(), None))?;
    let len = meta.len();
    let too_large = || {
        problem(
            "policy::io::too_large",
            (
                format!(
                    "the facts file is larger than {} MiB",
                    mib(MAX_RECORD_BYTES)
                ),
                format!("事实文件超过 {} MiB", mib(MAX_RECORD_BYTES)),
            ),
            (
                "check that this is the right file; split a cluster's facts into smaller files",
                "请确认文件是否正确；可将一个集群的事实拆分为较小的文件",
            ),
            None,
        )
    };
    let limit = u64::try_from(MAX_RECORD_BYTES).unwrap_or(u64::MAX);
    if len > limit {
        return Err(Box::new(too_large()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            problem(
                "policy::io",
                (
                    format!("cannot read the facts file: {e}"),
                    format!("无法读取事实文件：{e}"),
                ),
                (
                    "check that the file exists and can be read",
                    "请检查文件是否存在、是否可读",
                ),
                None,
            )
        })?;
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(Box::new(too_large())); // it grew since its size was read
    }
    crate::utf8::string(bytes).map_err(|e| {
        Box::new(problem(
            "policy::io::not_utf8",
            (
                format!(
                    "the facts file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                format!(
                    "事实文件不是 UTF-8 文本（偏移 {} 处字节无效）",
                    e.utf8_error().valid_up_to()
                ),
            ),
            (
                "save the file as UTF-8, not GBK",
                "请将文件存为 UTF-8 编码，而不是 GBK",
            ),
            None,
        ))
    })
}

fn read_files(
    paths: Vec<PathBuf>,
    dir: Arc<str>,
    fixed: Option<Format>,
    tx: &SyncSender<Chunk>,
    credits: &Receiver<()>,
) {
    let _ = dir; // each record names its own file
    let mut s = Sender::new(tx, credits, DIR_CHUNK);
    for (i, p) in paths.iter().enumerate() {
        let source = Source {
            file: p.display().to_string().into(),
            place: Place::File,
        };
        let fmt = fixed
            .or_else(|| facts::raw::format_for_path(&p.to_string_lossy()))
            .unwrap_or(Format::Json);
        let payload = match read_facts_file(p) {
            Ok(t) => Payload::Text(fmt, t),
            Err(problem) => Payload::Bad(*problem),
        };
        if !s.push(Rec { source, payload }, i as u64 + 1) {
            return;
        }
    }
    s.flush(paths.len() as u64);
}
