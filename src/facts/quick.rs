//! The quick reading of a JSON facts file: typed facts straight from the text.
//!
//! [`super::load`] first tries this reader. It reads the bytes once, against the fact
//! declarations, with no syntax tree, no spans and no message text. It reads only
//! what it can read exactly as the full reading would — a document that is strict
//! JSON, every key a declared fact, group or field given once, every value of its
//! declared type written plainly (a number without a unit) — and gives up (`None`) at
//! the first thing that is anything else: a syntax error, an unknown fact, a duplicate,
//! a wrong type, a number with a unit, an escape in a key, a series' years out of
//! order, a byte-order mark. The full reading then reads the file again from the start
//! and says what is wrong, where.
//!
//! So the quick reading never decides anything the full one would decide otherwise:
//! when it returns facts, they are the facts the full reading returns, and that
//! reading would have had no error and no warning. `tests/facts_quick.rs` checks this
//! on generated clusters and on thousands of damaged copies of them.
//!
//! Work is bounded as in the full reading: the text's size ([`MAX_BYTES`]), the
//! nesting (only as deep as the declared types, and never past [`MAX_DEPTH`]), the
//! entries of an object ([`MAX_FACTS`]) and of a list ([`MAX_ITEMS`]).

use super::raw::{MAX_BYTES, MAX_DEPTH};
use super::{
    ascii_digits, date_of_bytes, parse_date, parse_decimal, plain_decimal, Place, MAX_FACTS,
    MAX_ITEMS,
};
use crate::eval::{Facts, List, Record, Series, Value, Why, V};
use crate::ir::{FactId, Program, RecordId, Ty};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::sync::Arc;

/// The facts of a JSON document, or `None` where the full reading must decide.
pub fn read(program: &Program, text: &str) -> Option<Facts> {
    read_bytes(program, text.as_bytes())
}

/// [`read`] of text not yet known to be UTF-8 (a line of a JSON Lines file as read).
/// Outside its strings a document it takes is ASCII, and every string it takes is
/// checked to be UTF-8, so whatever it takes is UTF-8 text, and [`read`] of that text
/// takes the same facts. Bytes that are not UTF-8 are never taken: the caller says
/// what is wrong with them.
pub fn read_bytes(program: &Program, text: &[u8]) -> Option<Facts> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let n = program.facts.len();
    let mut r = Reader {
        p: program,
        text,
        pos: 0,
        facts: Facts::none(n),
        given: vec![false; n],
        name: String::new(),
        next: 0,
    };
    r.ws();
    r.facts_object(0, 1)?;
    r.ws();
    (r.pos == text.len()).then_some(r.facts)
}

struct Reader<'p, 't> {
    p: &'p Program,
    /// The document's bytes: only what lies between quotes may be other than ASCII,
    /// and a string is taken only once its bytes are checked to be UTF-8.
    text: &'t [u8],
    pos: usize,
    facts: Facts,
    /// Facts already given (also as `null`).
    given: Vec<bool>,
    /// The dotted name being read: the group's prefix, then the key.
    name: String,
    /// The fact declared after the last one read.
    next: FactId,
}

impl<'p, 't> Reader<'p, 't> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Skip white space, then take `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// After an entry: `,` (true: another follows) or `close` (false: the end).
    fn next_entry(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Some(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// `word` (`true`, `false`, `null`) if it is next, as a whole word.
    fn word(&mut self, word: &str) -> bool {
        self.ws();
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let whole = rest.starts_with(word.as_bytes())
            && !rest
                .get(word.len())
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if whole {
            self.pos += word.len();
        }
        whole
    }

    /// `true` or `false`, as a whole word.
    fn boolean(&mut self) -> Option<bool> {
        if self.word("true") {
            Some(true)
        } else if self.word("false") {
            Some(false)
        } else {
            None
        }
    }

    /// A string (at its opening quote) with its escapes read; none with a control
    /// character, a bad escape or no end.
    fn string(&mut self) -> Option<Cow<'t, str>> {
        // Most strings have nothing to escape: borrow them whole.
        match self.plain_run()? {
            (start, true) => {
                let whole = utf8(self.text.get(start..self.pos - 1)?)?;
                Some(Cow::Borrowed(whole))
            }
            (start, false) => self.escaped(start),
        }
    }

    /// A string with nothing to escape, as its bytes between the quotes, not yet checked
    /// to be UTF-8; `None` for any other. May move past white space or the string:
    /// a caller that takes nothing puts `self.pos` back.
    fn plain_bytes(&mut self) -> Option<&'t [u8]> {
        match self.plain_run()? {
            (start, true) => self.text.get(start..self.pos - 1),
            (_, false) => None,
        }
    }

    /// At a string's opening quote (after white space): its first byte, and whether the
    /// string ends at the first byte that is not plain (then the reading stands after
    /// the closing quote; otherwise at that byte, an escape or a malformed string).
    fn plain_run(&mut self) -> Option<(usize, bool)> {
        self.ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        self.pos = start + plain_len(self.text.get(start..).unwrap_or_default());
        let closed = self.peek() == Some(b'"');
        if closed {
            self.pos += 1;
        }
        Some((start, closed))
    }

    /// The rest of a string that holds an escape (or is malformed) from its first byte
    /// `start`; `self.pos` is at the first byte that is not plain. Each run between
    /// escapes is checked to be UTF-8 on its own: a run ends at an ASCII byte, which is
    /// never inside a character's encoding.
    #[inline(never)]
    fn escaped(&mut self, start: usize) -> Option<Cow<'t, str>> {
        let bytes = self.text;
        let mut owned = String::new();
        let mut run = start;
        loop {
            match bytes.get(self.pos) {
                Some(b'"') => {
                    owned.push_str(utf8(bytes.get(run..self.pos)?)?);
                    self.pos += 1;
                    return Some(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    owned.push_str(utf8(bytes.get(run..self.pos)?)?);
                    let (c, len) = match bytes.get(self.pos + 1)? {
                        b'"' => ('"', 2),
                        b'\\' => ('\\', 2),
                        b'/' => ('/', 2),
                        b'b' => ('\u{8}', 2),
                        b'f' => ('\u{c}', 2),
                        b'n' => ('\n', 2),
                        b'r' => ('\r', 2),
                        b't' => ('\t', 2),
                        b'u' => unicode_escape(bytes.get(self.pos..)?)?,
                        _ => return None,
                    };
                    owned.push(c);
                    self.pos += len;
                    run = self.pos;
                }
                _ => return None,
            }
            // The run up to the next quote, backslash or control character.
            self.pos += plain_len(bytes.get(self.pos..).unwrap_or_default());
        }
    }

    /// A key: a string without escapes, then `:`.
    fn key(&mut self) -> Option<&'t str> {
        let key = match self.string()? {
            Cow::Borrowed(k) => k,
            Cow::Owned(_) => return None,
        };
        self.eat(b':').then_some(key)
    }

    /// A series' key: four ASCII digits exactly, written plainly (the full reading also
    /// trims and reads escapes: those are left to it), then `:`.
    fn year_key(&mut self) -> Option<i32> {
        self.ws();
        let at = self.text.get(self.pos..self.pos + 6)?;
        let [b'"', d @ .., b'"'] = at else {
            return None;
        };
        let y = i32::try_from(ascii_digits(d)?).ok()?;
        self.pos += 6;
        self.eat(b':').then_some(y)
    }

    /// The key of the fact declared after the last one read, taken if it is what stands
    /// next, in quotes. Files written from the declarations (as `policy generate` writes
    /// them, or a form) give the facts in their declared order, so most keys are read
    /// by one comparison, neither scanned nor hashed. A declared name holds no quote,
    /// backslash or control character, so the bytes that match it are the key exactly
    /// as a string would read it.
    fn predicted_key(&mut self, prefix: usize) -> Option<&'p str> {
        self.ws();
        let f = self.p.facts.get(self.next)?;
        let want = if prefix == 0 {
            f.name.as_str()
        } else {
            f.name
                .strip_prefix(self.name.get(..prefix)?)?
                .strip_prefix('.')?
        };
        let bytes = self.text;
        let start = self.pos + 1;
        let end = start + want.len();
        if bytes.get(self.pos) != Some(&b'"')
            || bytes.get(start..end) != Some(want.as_bytes())
            || bytes.get(end) != Some(&b'"')
        {
            return None;
        }
        self.pos = end + 1;
        Some(want)
    }

    /// The entries of the top level, or of a group (`"cluster": {"name": …}`), whose
    /// dotted prefix is `self.name[..prefix]`. `depth` is the object's nesting.
    fn facts_object(&mut self, prefix: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH || !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        // The groups given in this object, each once.
        let mut groups: smallvec::SmallVec<[&str; 4]> = smallvec::SmallVec::new();
        let mut entries = 0;
        loop {
            entries += 1;
            if entries > MAX_FACTS {
                return None;
            }
            let (key, id) = match self.predicted_key(prefix) {
                Some(key) => {
                    if !self.eat(b':') {
                        return None;
                    }
                    (key, Some(self.next))
                }
                None => {
                    let key = self.key()?;
                    // At the top level the key is the name; in a group it follows the
                    // group's name.
                    let id = if prefix == 0 {
                        self.p.fact_id(key)
                    } else {
                        self.dotted(prefix, key);
                        self.p.fact_id(&self.name)
                    };
                    (key, id)
                }
            };
            if let Some(id) = id {
                self.next = id + 1;
                self.fact(id, depth)?;
            } else {
                // Not a fact: a group of facts, given once, or the full reading warns.
                self.dotted(prefix, key);
                let dotted = self.name.len();
                if !self.p.is_fact_group(&self.name) || groups.contains(&key) {
                    return None;
                }
                groups.push(key);
                if !self.word("null") {
                    self.facts_object(dotted, depth + 1)?;
                }
            }
            if !self.next_entry(b'}')? {
                return Some(());
            }
        }
    }

    /// Make `self.name` the dotted name of `key` in the group `self.name[..prefix]` (the
    /// key itself at the top level).
    fn dotted(&mut self, prefix: usize, key: &str) {
        self.name.truncate(prefix);
        if prefix > 0 {
            self.name.push('.');
        }
        self.name.push_str(key);
    }

    fn fact(&mut self, id: FactId, depth: usize) -> Option<()> {
        let p = self.p;
        let def = p.facts.get(id)?;
        let given = self.given.get_mut(id)?;
        if *given {
            return None;
        }
        *given = true;
        if self.word("null") {
            return Some(()); // absent, unknown
        }
        // The usual types of a fact read directly; the others through `value`.
        let v = match &def.ty {
            Ty::Bool => Value::Bool(self.boolean()?),
            Ty::Num(_) => Value::Num(self.decimal(false)?),
            Ty::Count(_) => Value::Num(self.decimal(true)?),
            ty => self.value(ty, &Place::Fact(&def.name), id, depth)?,
        };
        *self.facts.values.get_mut(id)? = Some(v);
        Some(())
    }

    /// A value of type `ty` at `what`, part of the fact `origin`; `depth` is the
    /// nesting of the object or list it stands in.
    fn value(&mut self, ty: &Ty, what: &Place<'_>, origin: FactId, depth: usize) -> Option<Value> {
        Some(match ty {
            Ty::Bool => Value::Bool(self.boolean()?),
            Ty::Num(_) => Value::Num(self.decimal(false)?),
            Ty::Count(_) => Value::Num(self.decimal(true)?),
            Ty::Date => {
                // Most dates are ten plain bytes between quotes: read where they are.
                let at = self.pos;
                if let Some(d) = self.plain_bytes().and_then(date_of_bytes) {
                    return Some(Value::Date(d));
                }
                self.pos = at;
                let s = self.string()?;
                // `parse_date` reads only the YYYY-MM-DD shape.
                Value::Date(parse_date(s.trim())?)
            }
            Ty::Text => Value::Text(Arc::from(&*self.string()?)),
            Ty::Enum(e) => {
                let def = self.p.enums.get(*e)?;
                // Most values are a variant's name (or label) between quotes, with
                // nothing to escape: found by its bytes, which are then UTF-8. Trimmed
                // as the long way trims, a name or label that is its own trim matches
                // the same variant.
                let at = self.pos;
                if let Some(b) = self.plain_bytes() {
                    let found = def.variants.iter().position(|(n, l)| {
                        n.as_bytes() == b || l.as_deref().map(str::as_bytes) == Some(b)
                    });
                    if let Some(i) = found {
                        let (n, l) = def.variants.get(i)?;
                        let text = if n.as_bytes() == b {
                            n.as_str()
                        } else {
                            l.as_deref()?
                        };
                        if text.trim() == text {
                            return Some(Value::Enum(i));
                        }
                    }
                }
                self.pos = at;
                let s = self.string()?;
                Value::Enum(def.variant(s.trim())?)
            }
            Ty::Record(rid) => self.record(*rid, what, origin, None, depth + 1)?,
            Ty::List(inner) => self.list(inner, what, origin, depth)?,
            Ty::Series(inner) => self.series(inner, what, origin, depth)?,
            Ty::OrNone(inner) => {
                if self.word("null") {
                    Value::None
                } else {
                    self.value(inner, what, origin, depth)?
                }
            }
            Ty::Duration | Ty::MonthDay | Ty::NoneLit | Ty::Error => return None,
        })
    }

    /// A list of `inner` at `what` (out of line: it keeps the scalars' frame small).
    #[inline(never)]
    fn list(
        &mut self,
        inner: &Ty,
        what: &Place<'_>,
        origin: FactId,
        depth: usize,
    ) -> Option<Value> {
        if depth + 1 > MAX_DEPTH || !self.eat(b'[') {
            return None;
        }
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                if items.len() >= MAX_ITEMS {
                    return None;
                }
                let i = items.len() + 1;
                let w = Place::Item(what, i);
                items.push(match inner {
                    Ty::Record(rid) => self.record(*rid, &w, origin, Some(i), depth + 2)?,
                    t => self.value(t, &w, origin, depth + 1)?,
                });
                if !self.next_entry(b']')? {
                    break;
                }
            }
        }
        Some(Value::List(Arc::new(List {
            origin: Some(origin),
            items,
        })))
    }

    /// A series of `inner` at `what`, by year (out of line, as [`Self::list`]).
    #[inline(never)]
    fn series(
        &mut self,
        inner: &Ty,
        what: &Place<'_>,
        origin: FactId,
        depth: usize,
    ) -> Option<Value> {
        if depth + 1 > MAX_DEPTH || !self.eat(b'{') {
            return None;
        }
        // Room for the three years most series have, made at once.
        let mut entries: Vec<(i32, Value)> = Vec::with_capacity(4);
        // The years come in order, as files written from the declarations give them: a
        // year not after the one before (a duplicate, or out of order) is left to the
        // full reading, so the entries are sorted as read and no year is noted twice.
        let mut last = None;
        if !self.eat(b'}') {
            loop {
                let y = self.year_key()?;
                if last.is_some_and(|l| y <= l) {
                    return None;
                }
                last = Some(y);
                if !self.word("null") {
                    // Numbers, the usual inner type, read directly.
                    let v = match inner {
                        Ty::Num(_) => Value::Num(self.decimal(false)?),
                        Ty::Count(_) => Value::Num(self.decimal(true)?),
                        _ => self.value(inner, &Place::Year(what, y), origin, depth + 1)?,
                    };
                    entries.push((y, v));
                }
                if !self.next_entry(b'}')? {
                    break;
                }
            }
        }
        Some(Value::Series(Arc::new(Series {
            origin: Some(origin),
            entries,
        })))
    }

    /// A plain JSON number, exact; for a count (`whole`), whole and not negative.
    fn decimal(&mut self, whole: bool) -> Option<Decimal> {
        self.ws();
        let start = self.pos;
        let (len, value) = json_number(self.text.get(start..).unwrap_or_default())?;
        self.pos += len;
        match value {
            // A number that is not a count and not zero stands as read.
            Some(value) if !whole && !value.is_zero() => Some(value),
            Some(value) => settle(value, whole),
            None => number(utf8(self.text.get(start..self.pos)?)?, whole),
        }
    }

    /// A record at `what`; `index` is its place in a list (1-based), for its origin.
    fn record(
        &mut self,
        rid: RecordId,
        what: &Place<'_>,
        origin: FactId,
        index: Option<usize>,
        depth: usize,
    ) -> Option<Value> {
        let p = self.p;
        let def = p.records.get(rid)?;
        if depth > MAX_DEPTH || !self.eat(b'{') {
            return None;
        }
        // Each field: not given, given as `null` (`Some(None)`), or given a value.
        let mut given: smallvec::SmallVec<[Option<Option<Value>>; 8]> =
            smallvec::SmallVec::from_elem(None, def.fields.len());
        if !self.eat(b'}') {
            loop {
                // A field's name is found by the key's bytes: a key equal to one is
                // UTF-8, and a key with an escape is left to the long way, as `key` does.
                let key = self.plain_bytes()?;
                if !self.eat(b':') {
                    return None;
                }
                let i = def.fields.iter().position(|f| f.name.as_bytes() == key)?;
                let f = def.fields.get(i)?;
                let slot = given.get_mut(i)?;
                if slot.is_some() {
                    return None;
                }
                *slot = Some(if self.word("null") {
                    None
                } else {
                    Some(self.value(&f.ty, &Place::Field(what, &f.name), origin, depth)?)
                });
                if !self.next_entry(b'}')? {
                    break;
                }
            }
        }
        let mut fields = Vec::with_capacity(def.fields.len());
        for (f, g) in def.fields.iter().zip(given) {
            fields.push(match g {
                Some(Some(v)) => V::Known(v),
                _ if f.or_none => V::Known(Value::None),
                _ if f.optional => V::why(Why::missing(
                    origin,
                    Place::Field(what, &f.name).to_string(),
                )),
                _ => return None,
            });
        }
        Some(Value::Record(Arc::new(Record {
            origin: index.map(|i| (origin, i)),
            fields,
        })))
    }
}

/// `bytes` as text, if they are UTF-8.
fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// The character of a `\uXXXX` escape at the start of `at`, a UTF-16 surrogate pair
/// (`\uD83D\uDE00`) read as one, and the bytes it takes; `None` for anything the full
/// reading refuses (a lone surrogate, fewer than four hex digits).
fn unicode_escape(at: &[u8]) -> Option<(char, usize)> {
    let hex4 = |from: usize| -> Option<u32> {
        let digits = at.get(from..from + 4)?;
        digits.iter().try_fold(0u32, |code, &b| {
            Some(code * 16 + char::from(b).to_digit(16)?)
        })
    };
    let high = hex4(2)?;
    if (0xD800..0xDC00).contains(&high) {
        if at.get(6..8) != Some(b"\\u") {
            return None;
        }
        let low = hex4(8)?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return Some((char::from_u32(code)?, 12));
    }
    Some((char::from_u32(high)?, 6))
}

/// The exact decimal a number's text denotes, as the full reading reads it; for a count
/// (`whole`), only a whole number not below zero. `None` for anything else.
pub(super) fn number(text: &str, whole: bool) -> Option<Decimal> {
    let value = match plain_decimal(text) {
        Some(v) => v,
        None => parse_decimal(text).ok()?,
    };
    settle(value, whole)
}

/// A JSON number at the start of `at` (RFC 8259: no leading zeros, digits after `.` and
/// `e`): its length and, when it has at most 18 digits and no exponent, its decimal,
/// read in the same pass (the digits as written, `-0` as 0, as [`plain_decimal`] reads
/// it); a longer number's text is read by [`number`]. `None` if no JSON number starts
/// there. What follows the number is not looked at: what must come after it refuses
/// anything else.
fn json_number(at: &[u8]) -> Option<(usize, Option<Decimal>)> {
    let neg = at.first() == Some(&b'-');
    let mut pos = usize::from(neg);
    // A leading zero counts as a digit, as in the plain reading.
    let (mut m, mut digits) = (0u64, u32::from(at.get(pos) == Some(&b'0')));
    // The digits from `pos` on, added to `m` (which is read only if there are at most 18
    // in all, and wraps harmlessly past that): how many.
    let mut run = |pos: &mut usize| -> usize {
        let from = *pos;
        while let Some(&c @ b'0'..=b'9') = at.get(*pos) {
            m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            *pos += 1;
        }
        let n = *pos - from;
        digits = digits.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        n
    };
    match at.get(pos) {
        // A leading zero stands alone before the point (`01` is not JSON).
        Some(b'0') => {
            pos += 1;
            if at.get(pos).is_some_and(u8::is_ascii_digit) {
                return None;
            }
        }
        Some(b'1'..=b'9') => {
            run(&mut pos);
        }
        _ => return None,
    }
    let mut scale = 0;
    if at.get(pos) == Some(&b'.') {
        pos += 1;
        scale = run(&mut pos);
        if scale == 0 {
            return None;
        }
    }
    let mut plain = true;
    if matches!(at.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(at.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        if run(&mut pos) == 0 {
            return None;
        }
        plain = false;
    }
    let value = if plain && digits <= 18 {
        let scale = u32::try_from(scale).ok()?;
        Decimal::try_from_i128_with_scale(i128::from(m), scale)
            .ok()
            .map(|mut d| {
                d.set_sign_negative(neg && m != 0);
                d
            })
    } else {
        None
    };
    Some((pos, value))
}

/// A number read, made what a fact holds: for a count (`whole`), only a whole number
/// not below zero; `-0` is 0.
fn settle(value: Decimal, whole: bool) -> Option<Decimal> {
    // A count written without a point and not negative is whole as it stands.
    if whole && (value.scale() > 0 || value.is_sign_negative()) {
        // Whole: the digits after the point (`value.scale()` of them) are zeros.
        let fraction = 10i128
            .checked_pow(value.scale())
            .map(|p| value.mantissa() % p);
        if fraction != Some(0) || (value.is_sign_negative() && !value.is_zero()) {
            return None;
        }
    }
    // -0 is 0.
    Some(if value.is_zero() {
        Decimal::ZERO.max(value.abs())
    } else {
        value
    })
}

/// The length of the run at the start of `bytes` that a JSON string holds as it is: up
/// to the first `"`, `\\` or control character (below 0x20), or the whole. Eight bytes
/// at a time: a byte is flagged by the borrow of a subtraction, and the lowest flagged
/// byte of a word is always a true one (a borrow only runs upwards from a true one).
pub fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_at = |v: u64| v.wrapping_sub(ONES) & !v;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(c) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        let flagged = (zero_at(x ^ (ONES * u64::from(b'"')))
            | zero_at(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(rest.len())
}

#[cfg(test)]
mod plain_len_tests {
    use super::plain_len;

    fn naive(bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(bytes.len())
    }

    #[test]
    fn plain_len_is_the_first_byte_to_escape_at_every_place() {
        // Bytes next to each kind the scan looks for, and bytes that borrow.
        let alphabet = [
            b'"', b'\\', 0x00, 0x01, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0x9f, 0xe5,
            0xff, b'a',
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..40 {
            for _ in 0..400 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        // Mostly plain bytes, so that runs are long.
                        let r = (seed >> 33) as usize;
                        if r.is_multiple_of(4) {
                            alphabet[r / 4 % alphabet.len()]
                        } else {
                            [b'a', 0x20, 0xe5, 0x80, 0x7f, 0x21][r / 4 % 6]
                        }
                    })
                    .collect();
                assert_eq!(plain_len(&bytes), naive(&bytes), "{bytes:?}");
            }
        }
        // Each kind alone, at every place of a long run.
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for at in 0..24 {
                let mut bytes = vec![0xe5u8; 24];
                bytes[at] = special;
                assert_eq!(plain_len(&bytes), at, "{special} at {at}");
            }
        }
        assert_eq!(plain_len("集群名称0 abc".as_bytes()), "集群名称0 abc".len());
    }
}

#[cfg(test)]
mod json_number_tests {
    use super::{json_number, plain_decimal};

    /// Every JSON number is found to its end; one of up to 18 digits without exponent is
    /// read in the same pass, as the plain reading reads its text; what the JSON grammar
    /// refuses is no number.
    #[test]
    fn numbers_are_found_to_their_end_and_short_ones_read_as_the_plain_reading_reads_them() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let mut s = String::new();
            if next().is_multiple_of(3) {
                s.push('-');
            }
            let int = (next() % 12) as usize;
            if int == 0 || next().is_multiple_of(5) {
                s.push('0');
            } else {
                for i in 0..int {
                    let d = (next() % 10) as u8;
                    s.push(char::from(b'0' + if i == 0 { d.max(1) } else { d }));
                }
            }
            if next().is_multiple_of(2) {
                s.push('.');
                for _ in 0..=(next() % 9) {
                    s.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            let digits = s.bytes().filter(u8::is_ascii_digit).count();
            for end in [",", "}", " ", "]", "x", ""] {
                let text = format!("{s}{end}");
                let (len, value) =
                    json_number(text.as_bytes()).unwrap_or_else(|| panic!("{text} is no number"));
                assert_eq!(len, s.len(), "{text}");
                if digits > 18 {
                    assert!(value.is_none(), "{text}");
                    continue;
                }
                let d = value.unwrap_or_else(|| panic!("{text} is left"));
                let plain = plain_decimal(&s).unwrap_or_else(|| panic!("{s}"));
                assert_eq!(format!("{d:?}"), format!("{plain:?}"), "{text}");
                assert_eq!(d.is_sign_negative(), plain.is_sign_negative(), "{text}");
            }
        }
        for none in [
            "01", "-01", "00", "1.", "-", "", ".5", "-.5", "x", "+1", "1e", "1e+", "1.e5",
        ] {
            assert!(json_number(none.as_bytes()).is_none(), "{none}");
        }
        for (long, len) in [
            ("1e5", 3),
            ("1.5E-2", 6),
            ("2E+10,", 5),
            ("1234567890123456789", 19),
            ("0.000000000000000001", 20),
            ("1.2345678901234567890}", 21),
        ] {
            assert_eq!(json_number(long.as_bytes()), Some((len, None)), "{long}");
        }
        // At the limit, and a zero with a sign and places.
        let (len, d) = json_number(b"-999999999999999999,").unwrap_or_default();
        assert_eq!(
            (len, d.map(|d| d.to_string())),
            (19, Some("-999999999999999999".into()))
        );
        let (len, d) = json_number(b"-0.000}").unwrap_or_default();
        let d = d.unwrap_or_default();
        assert_eq!(
            (format!("{d:?}").as_str(), d.is_sign_negative(), len),
            ("0.000", false, 6)
        );
    }
}

#[cfg(test)]
mod predicted_key_tests {
    use super::*;

    fn program() -> Program {
        let text = "policy \"甲\" {\n  in_force 2020-01-01 to 2099-12-31\n}\n\
                    fact a \"a\": number\nfact g.x \"x\": number\nfact g.y \"y\": number\n\
                    article 1 \"一\" {\n  decision x \"x\" = a > 0 and g.x > 0 and g.y > 0\n}\n";
        crate::program_of(text)
    }

    /// The key taken (if any) and where the reading stands after it, for `text` with the
    /// fact `next` expected next, inside the group `group` (empty: the top level).
    fn predicted(p: &Program, text: &str, next: &str, group: &str) -> (Option<String>, usize) {
        let mut r = Reader {
            p,
            text: text.as_bytes(),
            pos: 0,
            facts: Facts { values: Vec::new() },
            given: Vec::new(),
            name: group.to_string(),
            next: p.fact_id(next).unwrap_or(usize::MAX),
        };
        let key = r.predicted_key(group.len()).map(str::to_string);
        (key, r.pos)
    }

    #[test]
    fn the_key_of_the_fact_declared_next_is_taken_whole_or_not_at_all() {
        let p = program();
        // At the top level, after white space; the reading stands after the quote.
        assert_eq!(predicted(&p, " \"a\": 1", "a", ""), (Some("a".into()), 4));
        assert_eq!(
            predicted(&p, "\"g.x\": 1", "g.x", ""),
            (Some("g.x".into()), 5)
        );
        // In a group, the key after the group's name.
        assert_eq!(predicted(&p, "\"x\": 1", "g.x", "g"), (Some("x".into()), 3));
        // Anything else is left where it is (after the white space), for the long way.
        for (text, next, group) in [
            ("\"g.x\": 1", "a", ""),
            ("\"ab\": 1", "a", ""),
            ("\"a", "a", ""),
            ("a\": 1", "a", ""),
            ("\"\\u0061\": 1", "a", ""),
            ("\"g.x\": 1", "g.x", "g"),
            ("\"y\": 1", "g.x", "g"),
            ("\"a\": 1", "zzz", ""),
        ] {
            assert_eq!(predicted(&p, text, next, group), (None, 0), "{text}");
        }
    }
}
