//! Records of a batch input read with bounded memory: lines of a JSON Lines file and
//! records of a CSV file.
//!
//! Neither reader ever holds more than its limit of one record: a longer record is
//! skipped to its end (reading on, without keeping what it reads) and reported, and the
//! next record is read as usual. Both count the file's real lines, blank lines
//! included, so a record is named by the line it starts on.

use std::io::{self, BufRead};

/// What the next line of a JSON Lines file is.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The line is in the buffer (with its newline, if it had one).
    Text,
    /// The line was longer than the limit; it was skipped to its newline (or the end).
    TooLong,
    /// No newline came within the skip limit: reading cannot go on.
    Runaway,
}

/// Read one line into `buf` (cleared first), keeping at most `max` bytes of it
/// (the newline not counted). A longer line is read on to its end without being kept,
/// but no further than `max_skip` bytes. Returns the bytes consumed with what was
/// read, or `None` at the end of the input.
pub fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
    max_skip: u64,
) -> io::Result<Option<(u64, Line)>> {
    buf.clear();
    let mut consumed = 0u64;
    let mut too_long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(match (consumed, too_long) {
                (0, _) => None,
                (n, true) => Some((n, Line::TooLong)),
                (n, false) => Some((n, Line::Text)),
            });
        }
        let newline = memchr::memchr(b'\n', avail);
        let take = newline.map_or(avail.len(), |i| i + 1);
        let content = take - usize::from(newline.is_some());
        if !too_long {
            if buf.len().saturating_add(content) > max {
                too_long = true;
                *buf = Vec::new(); // give the memory back
            } else {
                buf.extend_from_slice(avail.get(..take).unwrap_or_default());
            }
        }
        r.consume(take);
        consumed += take as u64;
        if newline.is_some() {
            return Ok(Some((
                consumed,
                if too_long { Line::TooLong } else { Line::Text },
            )));
        }
        if too_long && consumed > max_skip {
            return Ok(Some((consumed, Line::Runaway)));
        }
    }
}

/// One record of a CSV file.
#[derive(Debug, PartialEq, Eq)]
pub enum CsvRecord {
    /// The cells of a record that starts on `line`.
    Cells { cells: Vec<String>, line: u64 },
    /// A record longer than the limit, starting on `line`: skipped to its end.
    TooLong { line: u64 },
    /// A record that is not UTF-8 text, starting on `line`; `offset` is the byte of the
    /// record where the text stops being UTF-8.
    NotUtf8 { line: u64, offset: usize },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: blank lines are skipped.
    StartRecord,
    StartField,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted cell: a second `"` is a quote, anything else ends the quoting.
    QuoteInQuoted,
}

/// The records of a CSV file (RFC 4180: `,` between cells, `"` quoting with `""` for a
/// quote, CRLF or LF line ends; blank lines are not records; a UTF-8 BOM at the start is
/// dropped). Each record is at most `max` bytes of cell text.
pub struct CsvReader<R> {
    r: R,
    max: usize,
    /// The line the reader is on (1-based).
    line: u64,
    /// Bytes consumed so far.
    bytes: u64,
    /// The input starts here: a BOM is still to be dropped.
    at_start: bool,
    /// The last byte was a `\r` that ended a record: a `\n` right after it belongs to it.
    after_cr: bool,
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(r: R, max: usize) -> Self {
        CsvReader {
            r,
            max,
            line: 1,
            bytes: 0,
            at_start: true,
            after_cr: false,
            text: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn drop_bom(&mut self) -> io::Result<()> {
        self.at_start = false;
        let avail = self.r.fill_buf()?;
        if avail.starts_with(b"\xEF\xBB\xBF") {
            self.r.consume(3);
            self.bytes += 3;
        }
        Ok(())
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> io::Result<Option<CsvRecord>> {
        if self.at_start {
            self.drop_bom()?;
        }
        self.text.clear();
        self.ends.clear();
        let mut state = State::StartRecord;
        let mut start_line = self.line;
        let mut too_long = false;
        loop {
            let avail = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if state == State::StartRecord {
                    return Ok(None);
                }
                self.ends.push(self.text.len());
                return Ok(Some(self.finish(start_line, too_long)));
            }
            let mut used = 0;
            let mut done = false;
            for &b in avail {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if self.after_cr {
                    self.after_cr = false;
                    if b == b'\n' {
                        continue;
                    }
                }
                if state == State::StartRecord {
                    match b {
                        b'\n' => {}
                        b'\r' => self.after_cr = true,
                        _ => {
                            start_line = self.line;
                            state = State::StartField;
                        }
                    }
                }
                let keep = match state {
                    State::StartRecord => None,
                    State::StartField | State::Unquoted => match b {
                        b',' => {
                            self.ends.push(self.text.len());
                            state = State::StartField;
                            None
                        }
                        b'\n' | b'\r' => {
                            self.after_cr = b == b'\r';
                            done = true;
                            break;
                        }
                        b'"' if state == State::StartField => {
                            state = State::Quoted;
                            None
                        }
                        _ => {
                            state = State::Unquoted;
                            Some(b)
                        }
                    },
                    State::Quoted => match b {
                        b'"' => {
                            state = State::QuoteInQuoted;
                            None
                        }
                        _ => Some(b),
                    },
                    State::QuoteInQuoted => match b {
                        b'"' => {
                            state = State::Quoted;
                            Some(b)
                        }
                        b',' => {
                            self.ends.push(self.text.len());
                            state = State::StartField;
                            None
                        }
                        b'\n' | b'\r' => {
                            self.after_cr = b == b'\r';
                            done = true;
                            break;
                        }
                        _ => {
                            state = State::Unquoted;
                            Some(b)
                        }
                    },
                };
                if let Some(b) = keep {
                    if too_long {
                        continue;
                    }
                    if self.text.len() >= self.max {
                        too_long = true;
                        self.text = Vec::new(); // give the memory back
                        self.ends = Vec::new();
                        continue;
                    }
                    self.text.push(b);
                }
            }
            self.r.consume(used);
            self.bytes += used as u64;
            if done {
                self.ends.push(self.text.len());
                return Ok(Some(self.finish(start_line, too_long)));
            }
        }
    }

    fn finish(&mut self, line: u64, too_long: bool) -> CsvRecord {
        if too_long {
            self.text.clear();
            self.ends.clear();
            return CsvRecord::TooLong { line };
        }
        if let Err(e) = std::str::from_utf8(&self.text) {
            return CsvRecord::NotUtf8 {
                line,
                offset: e.valid_up_to(),
            };
        }
        let mut cells = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for &end in &self.ends {
            let cell = self.text.get(start..end).unwrap_or_default();
            // The whole text is UTF-8 and cells end at ASCII commas: each cell is too.
            cells.push(String::from_utf8_lossy(cell).into_owned());
            start = end;
        }
        CsvRecord::Cells { cells, line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8], max: usize) -> Vec<CsvRecord> {
        let mut r = CsvReader::new(text, max);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push(rec);
        }
        out
    }

    fn cells(line: u64, c: &[&str]) -> CsvRecord {
        CsvRecord::Cells {
            cells: c.iter().map(|s| s.to_string()).collect(),
            line,
        }
    }

    #[test]
    fn csv_cells_quotes_and_real_lines() {
        let got = records(
            b"\xEF\xBB\xBFa,b\n\n\n1,\"x,\"\"y\"\"\"\r\n\r\n\"two\nlines\",3\n,\nlast,\"q\"z",
            100,
        );
        assert_eq!(
            got,
            vec![
                cells(1, &["a", "b"]),
                cells(4, &["1", "x,\"y\""]),
                cells(6, &["two\nlines", "3"]),
                cells(8, &["", ""]),
                cells(9, &["last", "qz"]),
            ]
        );
    }

    #[test]
    fn csv_record_past_the_limit_is_skipped_to_its_end() {
        let mut text = b"a,b\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 1000));
        text.extend(b",1\n\"quoted\n");
        text.extend(std::iter::repeat_n(b'y', 1000));
        text.extend(b"\",2\nc,d\n");
        let got = records(&text, 100);
        assert_eq!(
            got,
            vec![
                cells(1, &["a", "b"]),
                CsvRecord::TooLong { line: 2 },
                CsvRecord::TooLong { line: 3 },
                cells(5, &["c", "d"]),
            ]
        );
    }

    #[test]
    fn csv_not_utf8_is_named_by_line() {
        let got = records(b"a\n\n\xff\xfe,1\nb\n", 100);
        assert_eq!(
            got,
            vec![
                cells(1, &["a"]),
                CsvRecord::NotUtf8 { line: 3, offset: 0 },
                cells(4, &["b"]),
            ]
        );
    }

    #[test]
    fn lines_past_the_limit_are_skipped_to_their_newline() {
        let mut text = b"{}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 1000));
        text.extend(b"\n{\"a\":1}\n");
        text.extend(std::iter::repeat_n(b'z', 5000));
        let mut r = &text[..];
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some((n, what)) = read_line(&mut r, &mut buf, 100, 2000).unwrap() {
            got.push((n, what, String::from_utf8_lossy(&buf).into_owned()));
        }
        assert_eq!(
            got,
            vec![
                (3, Line::Text, "{}\n".to_string()),
                (1001, Line::TooLong, String::new()),
                (8, Line::Text, "{\"a\":1}\n".to_string()),
                (5000, Line::Runaway, String::new()),
            ]
        );
    }
}
