//! `policy check` over many clusters: a directory of facts files, a JSON Lines file
//! or a CSV file.
//!
//! One thread reads records, `--jobs` threads load and evaluate them, and this
//! thread writes the results in input order. Records travel in chunks; at most a
//! fixed number of chunks are in flight (read but not yet written), so memory stays
//! flat however large the input. A record that cannot be read is reported (on
//! stderr, and as a `refused` line in jsonl) and the run goes on; every record is
//! either read or refused.

use crate::common::{exit, io_error, print_diags};
use crate::CheckFormat;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use policy::batch::{self as b, Place, Problem, Source, Summary};
use policy::diag::{Diag, Sources};
use policy::eval::Value;
use policy::facts::{self, csv::Columns, Format};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
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
}

impl Input {
    pub fn of(path: &Path) -> Input {
        if path.is_dir() {
            return Input::Dir;
        }
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("jsonl") | Some("ndjson") => Input::Jsonl,
            Some("csv") => Input::Csv,
            _ => Input::Single,
        }
    }
}

pub enum Payload {
    Text(Format, String),
    Cells(Vec<String>),
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

pub fn run(
    policy_dir: &Path,
    facts_path: &Path,
    input: Input,
    as_of: Option<NaiveDate>,
    format: CheckFormat,
    jobs: Option<u16>,
) -> u8 {
    let mut sources = Sources::new();
    let rules = match crate::check::load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let program = &rules.program;
    let as_of = as_of.unwrap_or_else(crate::today_in_shanghai);
    if let Err(code) = crate::check::in_force(&sources, program, as_of) {
        return code;
    }
    if format == CheckFormat::Json {
        let d = Diag::error(
            "policy::usage::batch_json",
            format!(
                "`--format json` prints one cluster, but `{}` holds many",
                facts_path.display()
            ),
        )
        .help("use --format jsonl (one line per cluster) or --format human");
        print_diags(&sources, &[d]);
        return exit::USAGE;
    }
    if format == CheckFormat::Human && !rules.warnings.is_empty() {
        print_diags(&sources, &rules.warnings);
    }
    let jobs = jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opened = match open(program, &sources, facts_path, input) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let name_fact = program.facts.iter().position(|f| f.name == "cluster.name");
    let (sums, write_failed) = pipeline(
        opened,
        jobs,
        || Summary::new(program),
        |sum, rec, columns, out, err| {
            process(
                program, as_of, format, columns, name_fact, rec, out, err, sum,
            )
        },
    );
    let mut summary = Summary::new(program);
    for s in &sums {
        summary.merge(s);
    }
    if write_failed {
        eprintln!("error: cannot write the results");
        return exit::IO;
    }
    match format {
        CheckFormat::Jsonl => eprint!("{}", summary.json_line(program)),
        _ => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out);
            if out.write_all(summary.table(program).as_bytes()).is_err() {
                return exit::IO;
            }
        }
    }
    if summary.refused > 0 {
        exit::SOME_REFUSED
    } else {
        exit::OK
    }
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
            let f = match std::fs::File::open(facts_path) {
                Ok(f) => f,
                Err(e) => return Err(io_error("facts file", facts_path, &e)),
            };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            if matches!(input, Input::Single) {
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
            let paths = crate::common::files_in(facts_path, "facts folder", |p| {
                facts::raw::format_for_path(&p.to_string_lossy()).is_some()
            })?;
            let n = paths.len() as u64;
            let name = file_name.clone();
            (
                Box::new(move |tx, credits| read_files(paths, name, None, tx, credits)),
                n,
                None,
            )
        }
        Input::Csv => {
            let f = match std::fs::File::open(facts_path) {
                Ok(f) => f,
                Err(e) => return Err(io_error("facts file", facts_path, &e)),
            };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .buffer_capacity(1 << 18)
                .from_reader(f);
            let header: Vec<String> = match rdr.headers() {
                Ok(h) => h.iter().map(str::to_string).collect(),
                Err(e) => {
                    let d = Diag::error(
                        "policy::facts::syntax",
                        format!(
                            "cannot read the CSV header of `{}`: {e}",
                            facts_path.display()
                        ),
                    )
                    .help("the first row names the facts, one per column; the file must be UTF-8");
                    print_diags(sources, &[d]);
                    return Err(exit::FACTS);
                }
            };
            match facts::csv::columns(program, &header) {
                Ok((cols, warnings)) => {
                    if !warnings.is_empty() {
                        eprint!("{}", header_diags(&file_name, &warnings));
                    }
                    let name = file_name.clone();
                    let width = header.len();
                    (
                        Box::new(move |tx, credits| read_csv(rdr, width, name, tx, credits)),
                        len,
                        Some(cols),
                    )
                }
                Err(errors) => {
                    eprint!("{}", header_diags(&file_name, &errors));
                    eprintln!("error: the CSV header of `{}` cannot be read", file_name);
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

/// Run `work` on every record of an opened input with `jobs` threads, writing what it
/// produces to stdout (and stderr) in input order. Each thread keeps its own state made by
/// `init`; the states are returned, with whether writing failed.
pub fn pipeline<S, I, W>(opened: Opened, jobs: usize, init: I, work: W) -> (Vec<S>, bool)
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
    let mut write_failed = false;
    std::thread::scope(|s| {
        s.spawn(move || reader(&chunk_tx, &credit_rx));
        let mut workers = Vec::new();
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let chunk_rx = &chunk_rx;
            let columns = columns.as_ref();
            let (init, work) = (&init, &work);
            workers.push(s.spawn(move || {
                let mut state = init();
                loop {
                    let next = match chunk_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(chunk) = next else { break };
                    let mut out = String::with_capacity(chunk.recs.len() * 1200);
                    let mut err = String::new();
                    for rec in chunk.recs {
                        work(&mut state, rec, columns, &mut out, &mut err);
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
            }));
        }
        drop(done_tx);

        // Write in input order.
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        for d in done_rx.iter() {
            pending.insert(d.seq, d);
            while let Some(d) = pending.remove(&next) {
                next += 1;
                if !d.err.is_empty() {
                    if let Some(b) = &bar {
                        b.suspend(|| eprint!("{}", d.err));
                    } else {
                        eprint!("{}", d.err);
                    }
                }
                if !write_failed && out.write_all(d.out.as_bytes()).is_err() {
                    write_failed = true;
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
        drop(credit_tx);
        if out.flush().is_err() {
            write_failed = true;
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
    (states, write_failed)
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
    let mut s = String::new();
    for d in diags {
        let level = if d.is_error() { "error" } else { "warning" };
        s.push_str(&format!("{file}:1: {level}[{}]: {}", d.code, d.message));
        if let Some(h) = &d.help {
            s.push_str(&format!(" (help: {h})"));
        }
        s.push('\n');
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn process(
    program: &policy::ir::Program,
    as_of: NaiveDate,
    format: CheckFormat,
    columns: Option<&Columns>,
    name_fact: Option<usize>,
    rec: Rec,
    out: &mut String,
    err: &mut String,
    sum: &mut Summary,
) {
    let refuse = |probs: Vec<Problem>, out: &mut String, err: &mut String, sum: &mut Summary| {
        sum.refused += 1;
        for p in &probs {
            err.push_str(&p.display(&rec.source));
            err.push('\n');
        }
        if format == CheckFormat::Jsonl {
            b::refused_line(out, &rec.source, &probs);
        }
    };
    let (text, loaded) = match &rec.payload {
        Payload::Text(fmt, text) => (None, facts::load(program, *fmt, text, 0)),
        Payload::Cells(cells) => match columns {
            Some(cols) => {
                let (text, raw) = facts::csv::row(program, cols, cells);
                let r = facts::load_tree(program, &raw, 0);
                (Some(text), r)
            }
            None => return,
        },
        Payload::Bad(p) => return refuse(vec![p.clone()], out, err, sum),
    };
    match loaded {
        Ok((facts, warnings)) => {
            let ev = policy::eval::evaluate(program, &facts, as_of, false);
            sum.add(&ev);
            match format {
                CheckFormat::Jsonl => b::decisions_line(out, program, &ev, &rec.source, &warnings),
                _ => {
                    let name = name_fact
                        .and_then(|i| facts.values.get(i))
                        .and_then(|v| match v {
                            Some(Value::Text(t)) => Some(t.as_ref()),
                            _ => None,
                        });
                    b::human_line(out, program, &ev, &rec.source, name)
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

/// Send records in chunks, waiting for a credit before each chunk.
struct Sender<'a> {
    tx: &'a SyncSender<Chunk>,
    credits: &'a Receiver<()>,
    seq: u64,
    recs: Vec<Rec>,
    size: usize,
}

impl<'a> Sender<'a> {
    fn new(tx: &'a SyncSender<Chunk>, credits: &'a Receiver<()>, size: usize) -> Self {
        Sender {
            tx,
            credits,
            seq: 0,
            recs: Vec::with_capacity(size),
            size,
        }
    }
    /// False when the run is over (the writer has gone).
    fn push(&mut self, rec: Rec, progress: u64) -> bool {
        self.recs.push(rec);
        if self.recs.len() >= self.size {
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
        let chunk = Chunk {
            seq: self.seq,
            recs,
            progress,
        };
        self.seq += 1;
        self.tx.send(chunk).is_ok()
    }
}

fn problem(code: &'static str, message: String, help: &str, line: Option<u64>) -> Problem {
    Problem {
        code,
        message,
        help: Some(help.to_string()),
        line,
        column: None,
        field: None,
    }
}

fn read_jsonl(f: std::fs::File, file: Arc<str>, tx: &SyncSender<Chunk>, credits: &Receiver<()>) {
    let mut r = BufReader::with_capacity(1 << 18, f);
    let mut s = Sender::new(tx, credits, CHUNK);
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    let mut bytes = 0u64;
    loop {
        buf.clear();
        let n = match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                line += 1;
                let p = problem(
                    "policy::io",
                    format!("cannot read line {line}: {e}"),
                    "check that the file can be read",
                    Some(line),
                );
                let source = Source {
                    file: file.clone(),
                    place: Place::Line(line),
                };
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
        line += 1;
        bytes += n as u64;
        let trimmed = buf.trim_ascii();
        if trimmed.is_empty() {
            continue; // a blank line is not a record
        }
        let source = Source {
            file: file.clone(),
            place: Place::Line(line),
        };
        let payload = match std::str::from_utf8(trimmed) {
            Ok(t) => Payload::Text(Format::Json, t.to_string()),
            Err(e) => Payload::Bad(problem(
                "policy::io::not_utf8",
                format!(
                    "line {line} is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
                "save the file as UTF-8, not GBK",
                Some(line),
            )),
        };
        if !s.push(Rec { source, payload }, bytes) {
            return;
        }
    }
    s.flush(bytes);
}

fn read_csv<R: Read>(
    mut rdr: csv::Reader<R>,
    width: usize,
    file: Arc<str>,
    tx: &SyncSender<Chunk>,
    credits: &Receiver<()>,
) {
    let mut s = Sender::new(tx, credits, CHUNK);
    let mut rec = csv::StringRecord::new();
    let mut row = 0u64;
    let mut crlf_shift = 0u64;
    loop {
        let before = rdr.position().line();
        let res = rdr.read_record(&mut rec);
        let mut line = rec.position().map(|p| p.line()).unwrap_or(before);
        // After a CRLF header the reader counts lines from the first record: the
        // header is line 1, so the first row can never be.
        if row == 0 && line <= 1 {
            crlf_shift = 1;
        }
        line += crlf_shift;
        let bytes = rdr.position().byte();
        let payload: (Payload, u64) = match res {
            Ok(false) => break,
            Ok(true) if rec.len() != width => {
                row += 1;
                let p = problem(
                    "policy::facts::csv_row",
                    format!(
                        "row {row} has {} cells, but the header has {width} columns",
                        rec.len()
                    ),
                    "give every row one cell per column (an empty cell for a fact not given)",
                    Some(line),
                );
                (Payload::Bad(p), line)
            }
            Ok(true) => {
                row += 1;
                (
                    Payload::Cells(rec.iter().map(str::to_string).collect()),
                    line,
                )
            }
            Err(e) => {
                let fatal = e.is_io_error();
                row += 1;
                let p = problem(
                    "policy::facts::syntax",
                    format!("row {row} cannot be read: {e}"),
                    "fix the row; the file must be UTF-8 CSV with a header row",
                    Some(line),
                );
                let source = Source {
                    file: file.clone(),
                    place: Place::Row { row, line },
                };
                if !s.push(
                    Rec {
                        source,
                        payload: Payload::Bad(p),
                    },
                    bytes,
                ) || fatal
                {
                    break;
                }
                continue;
            }
        };
        let source = Source {
            file: file.clone(),
            place: Place::Row {
                row,
                line: payload.1,
            },
        };
        if !s.push(
            Rec {
                source,
                payload: payload.0,
            },
            bytes,
        ) {
            return;
        }
    }
    s.flush(rdr.position().byte());
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
        let payload = match std::fs::read(p) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Payload::Text(fmt, t),
                Err(e) => Payload::Bad(problem(
                    "policy::io::not_utf8",
                    format!(
                        "the facts file is not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    "save the file as UTF-8, not GBK",
                    None,
                )),
            },
            Err(e) => Payload::Bad(problem(
                "policy::io",
                format!("cannot read the facts file: {e}"),
                "check that the file exists and can be read",
                None,
            )),
        };
        if !s.push(Rec { source, payload }, i as u64 + 1) {
            return;
        }
    }
    s.flush(paths.len() as u64);
}
