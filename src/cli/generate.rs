//! `policy generate`: synthetic clusters for benchmarks and batch tests.

use crate::common::{exit, io_error};
use chrono::NaiveDate;
use policy::generate::{cluster, csv_header};
use std::io::Write;
use std::path::Path;

pub fn generate(count: u64, seed: u64, format: &str, as_of: NaiveDate, out: Option<&Path>) -> u8 {
    if format == "dir" {
        let Some(dir) = out else {
            eprintln!("error: --format dir needs --out DIR, the directory to write the files in");
            return exit::USAGE;
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            return io_error("the output directory", dir, &e);
        }
        let width = count.saturating_sub(1).to_string().len().max(6);
        for i in 0..count {
            let p = dir.join(format!("cluster-{i:0width$}.json"));
            let mut text = cluster(seed, i, as_of).to_json();
            text.push('\n');
            if let Err(e) = std::fs::write(&p, text) {
                return io_error("a cluster file", &p, &e);
            }
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
        let header = csv_header(as_of);
        let mut c = csv::Writer::from_writer(w);
        let mut ok = c.write_record(&header).is_ok();
        for i in 0..count {
            if !ok {
                break;
            }
            ok = c
                .write_record(cluster(seed, i, as_of).csv_cells(&header))
                .is_ok();
        }
        ok && c.flush().is_ok()
    } else {
        let mut ok = true;
        for i in 0..count {
            let mut line = cluster(seed, i, as_of).to_json();
            line.push('\n');
            if w.write_all(line.as_bytes()).is_err() {
                ok = false;
                break;
            }
        }
        ok && w.flush().is_ok()
    };
    if ok {
        exit::OK
    } else {
        eprintln!("error: cannot write the clusters");
        exit::IO
    }
}
