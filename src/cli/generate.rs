//! `policy generate`: synthetic clusters derived from a rule set, for benchmarks, batch
//! tests and trying out a revision; the same for the same seed.

use crate::check::load_rules;
use crate::common::{exit, io_error};
use chrono::NaiveDate;
use policy::diag::Sources;
use policy::generate::Generator;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// A progress bar on a terminal, shown once a run takes more than a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    total: u64,
    wanted: bool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        Progress {
            bar: None,
            start: std::time::Instant::now(),
            total,
            wanted: std::io::stderr().is_terminal(),
        }
    }
    fn tick(&mut self, done: u64) {
        if !self.wanted || !done.is_multiple_of(256) {
            return;
        }
        if self.bar.is_none() && self.start.elapsed().as_secs() >= 1 {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(self.total),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} clusters generated ({eta} left)",
            ) {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// What to generate.
pub struct Request<'a> {
    pub count: u64,
    pub seed: u64,
    pub format: &'a str,
    pub as_of: NaiveDate,
    pub out: Option<&'a Path>,
    /// Write the plan (years and thresholds) instead of clusters.
    pub plan: bool,
}

/// The years and thresholds the clusters are derived from, one line each.
fn plan_text(gen: &Generator) -> String {
    let mut s = String::new();
    let years: Vec<String> = gen.years().iter().map(|y| y.to_string()).collect();
    s.push_str(&match crate::common::lang() {
        policy::diag::Lang::En => format!(
            "evaluation date {}: series by year {}\n",
            gen.as_of(),
            years.join(", ")
        ),
        policy::diag::Lang::Zh => format!(
            "评估日期 {}：逐年序列的年份 {}\n",
            gen.as_of(),
            years.join("、")
        ),
    });
    if gen.thresholds().is_empty() {
        s.push_str(crate::common::tr(
            "no thresholds found: figures are drawn without them\n",
            "未找到门槛：数值在没有门槛的情况下生成\n",
        ));
    }
    for t in gen.thresholds() {
        let rule = t
            .rule
            .as_deref()
            .map(|r| format!(" \"{}\"", r.escape_debug()))
            .unwrap_or_default();
        let cond = if t.condition {
            crate::common::tr(" (in a condition)", "（在条件中）")
        } else {
            ""
        };
        s.push_str(&format!(
            "{}{rule}: {} {} {}{cond}\n",
            t.decision,
            t.what.escape_debug(),
            t.op.symbol(),
            t.value
        ));
    }
    s
}

pub fn generate(policy_dir: &Path, req: Request<'_>) -> u8 {
    let Request {
        count,
        seed,
        format,
        as_of,
        out,
        plan,
    } = req;
    if format == "dir" && out.is_none() && !plan {
        eprintln!(
            "{}",
            crate::common::tr(
                "error: --format dir needs --out DIR, the directory to write the files in",
                "错误：--format dir 需要 --out 文件夹，即写入文件的文件夹"
            )
        );
        return exit::USAGE;
    }
    let mut sources = Sources::default();
    let rules = match load_rules(&mut sources, policy_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let gen = Generator::new(&rules.program, as_of);
    if plan {
        let text = plan_text(&gen);
        let written = match out {
            Some(p) => std::fs::write(p, text).map_err(|e| io_error("the output file", p, &e)),
            None => {
                let mut o = std::io::stdout().lock();
                // A reader that closes early (`| head`) is not an error.
                let _ = o.write_all(text.as_bytes()).and_then(|()| o.flush());
                Ok(())
            }
        };
        return match written {
            Ok(()) => exit::OK,
            Err(code) => code,
        };
    }
    let mut progress = Progress::new(count);
    if format == "dir" {
        let Some(dir) = out else {
            return exit::USAGE;
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            return io_error("the output directory", dir, &e);
        }
        let width = count.saturating_sub(1).to_string().len().max(6);
        for i in 0..count {
            let p = dir.join(format!("cluster-{i:0width$}.json"));
            let mut text = gen.cluster(seed, i).to_json();
            text.push('\n');
            if let Err(e) = std::fs::write(&p, text) {
                return io_error("a cluster file", &p, &e);
            }
            progress.tick(i + 1);
        }
        return exit::OK;
    }
    let sink: Box<dyn Write> = match out {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(f),
            Err(e) => return io_error("the output file", p, &e),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, sink);
    let ok = if format == "csv" {
        let header = gen.csv_header();
        let mut c = csv::Writer::from_writer(w);
        let mut ok = c.write_record(&header).is_ok();
        for i in 0..count {
            if !ok {
                break;
            }
            ok = c
                .write_record(gen.cluster(seed, i).csv_cells(&header))
                .is_ok();
            progress.tick(i + 1);
        }
        ok && c.flush().is_ok()
    } else {
        let mut ok = true;
        for i in 0..count {
            let mut line = gen.cluster(seed, i).to_json();
            line.push('\n');
            if w.write_all(line.as_bytes()).is_err() {
                ok = false;
                break;
            }
            progress.tick(i + 1);
        }
        ok && w.flush().is_ok()
    };
    if ok {
        exit::OK
    } else {
        eprintln!(
            "{}",
            crate::common::tr("error: cannot write the clusters", "错误：无法写出集群")
        );
        exit::IO
    }
}
