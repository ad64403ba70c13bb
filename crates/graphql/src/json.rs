//! The response value and its writer.
//!
//! Objects are vectors of pairs, not maps: a GraphQL response is ordered as the query asks,
//! and the writer emits keys in exactly that order, as compact UTF-8 JSON. The objects of
//! a level of rows are kept by field (`Objects`: a column per field, not a vector per
//! object), which is what makes the answer cost about what its rows do. Strings are
//! reference-counted, shared with the rows; a subtree that the answer repeats (a related
//! row under many parents) is built once and `Shared`, with its expanded size, so the tree
//! stays as small as the rows fetched.

use std::fmt::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Shared with the row it came from: a value repeated across a response costs nothing.
    Str(Rc<str>),
    List(Vec<Value>),
    Object(Vec<(Rc<str>, Value)>),
    /// A subtree that stands at several places of the answer, written at each.
    Shared(Rc<Shared>),
    /// JSON text written before, kept to be written as it is (an answer that depends on
    /// nothing but its document and the schema).
    Raw(std::sync::Arc<str>),
    /// One object of a level: `null` when the level nulled it.
    Row(Rc<Objects>, usize),
    /// A list of consecutive objects of a level.
    Rows(Rc<Objects>, std::ops::Range<usize>),
}

/// The objects of one level of the answer (objects of one selection, resolved together),
/// kept by field: a column of values per field, so a level of a thousand rows costs a
/// vector per field rather than one per object, and is written without being zipped.
#[derive(Debug, PartialEq)]
pub struct Objects {
    /// What comes before each field's value (`Objects::keys`), shared by the levels of
    /// one selection.
    keys: Rc<[Box<str>]>,
    columns: Vec<Column>,
    /// Objects that stand as `null` (a non-null field of theirs came out null).
    nulled: Vec<bool>,
}

impl Objects {
    /// `columns[j]` holds field `keys[j]` of each object; every column is as long as
    /// `nulled`, which says how many objects there are.
    pub fn new(keys: Rc<[Box<str>]>, columns: Vec<Column>, nulled: Vec<bool>) -> Objects {
        debug_assert!(columns.len() == keys.len());
        debug_assert!(columns.iter().all(|c| c.len() == nulled.len()));
        Objects { keys, columns, nulled }
    }

    /// `n` objects that all stand as `null`.
    pub fn nulls(n: usize) -> Objects {
        Objects { keys: Rc::from([]), columns: Vec::new(), nulled: vec![true; n] }
    }

    /// What is written before each field's value, `{"first":`, then `,"next":`: worked out
    /// once for a selection, so an object is one copy per field.
    pub fn keys<'k>(names: impl IntoIterator<Item = &'k str>) -> Rc<[Box<str>]> {
        let mut before = String::new();
        let keys = names.into_iter().enumerate().map(|(j, name)| {
            before.clear();
            before.push(if j == 0 { '{' } else { ',' });
            write_key(name, &mut before);
            before.as_str().into()
        });
        keys.collect()
    }

    fn weight(&self, i: usize) -> Weight {
        if self.nulled[i] {
            return Weight::default();
        }
        let own = Weight { values: self.keys.len() as u64, rows: 0 };
        self.columns.iter().fold(own, |w, column| match column {
            Column::Values(values) => w + values[i].weight(),
            Column::Level(objects) => w + objects.weight(i),
        })
    }

    fn write_by(&self, i: usize, out: &mut String, clock: &mut Clock<'_>) -> Result<(), TimedOut> {
        if self.nulled[i] {
            out.push_str("null");
            return Ok(());
        }
        clock.tick(out)?;
        if self.keys.is_empty() {
            out.push('{');
        }
        for (before, column) in self.keys.iter().zip(&self.columns) {
            out.push_str(before);
            let value = match column {
                Column::Values(values) => &values[i],
                Column::Level(objects) => {
                    objects.write_by(i, out, clock)?;
                    continue;
                }
            };
            // Most fields are cells or a related object (shared by the rows that link to
            // it): written here, without a call through the whole match.
            match value {
                Value::Str(s) => write_str(s, out),
                Value::Int(n) => write_int(*n, out),
                Value::Null => out.push_str("null"),
                Value::Row(objects, j) => objects.write_by(*j, out, clock)?,
                Value::Shared(shared) => shared.value.write_by(out, clock)?,
                value => value.write_by(out, clock)?,
            }
        }
        out.push('}');
        Ok(())
    }
}

/// One field of each object of a level.
#[derive(Debug, PartialEq)]
pub enum Column {
    /// A value per object.
    Values(Vec<Value>),
    /// Object `i` of another level is the field of object `i` of this one (an edge's
    /// node): no value made per object.
    Level(Rc<Objects>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Values(values) => values.len(),
            Column::Level(objects) => objects.nulled.len(),
        }
    }
}

/// A subtree built once, with what it weighs once written out in full — worked out only
/// when it is asked for (a subtree that stands at one place was counted as it was built).
#[derive(Debug, PartialEq)]
pub struct Shared {
    value: Value,
    /// The rows it shows beyond those of its values (a page's rows, whose nodes may be
    /// null or not selected).
    shown: Weight,
    weight: std::cell::OnceCell<Weight>,
}

impl Shared {
    pub fn new(value: Value, shown: Weight) -> Shared {
        Shared { value, shown, weight: std::cell::OnceCell::new() }
    }

    pub fn weight(&self) -> Weight {
        *self.weight.get_or_init(|| self.value.weight() + self.shown)
    }
}

/// The size of a subtree as the answer spells it out: its values (object fields, what
/// `--max-values` counts) and the rows it shows (what `--max-nodes` counts).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Weight {
    pub values: u64,
    pub rows: u64,
}

impl std::ops::Add for Weight {
    type Output = Weight;

    fn add(self, other: Weight) -> Weight {
        Weight {
            values: self.values.saturating_add(other.values),
            rows: self.rows.saturating_add(other.rows),
        }
    }
}

impl Value {
    /// What this value weighs written out: its own fields, plus each shared subtree's
    /// weight, read off the subtree rather than walked again.
    pub fn weight(&self) -> Weight {
        match self {
            Value::List(items) => items.iter().fold(Weight::default(), |w, v| w + v.weight()),
            Value::Object(fields) => fields
                .iter()
                .fold(Weight { values: fields.len() as u64, rows: 0 }, |w, (_, v)| w + v.weight()),
            Value::Shared(s) => s.weight(),
            Value::Row(objects, i) => objects.weight(*i),
            Value::Rows(objects, range) => {
                range.clone().fold(Weight::default(), |w, i| w + objects.weight(i))
            }
            // Counted when it was first built.
            Value::Raw(_) => Weight::default(),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_) => {
                Weight::default()
            }
        }
    }

    pub fn to_json_string(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut String) {
        let _ = self.write_by(out, &mut Clock::unbounded());
    }

    /// Writes the value, looking at `clock` as it goes: `Err` once it is past its
    /// deadline, the text then cut short.
    pub fn write_by(&self, out: &mut String, clock: &mut Clock<'_>) -> Result<(), TimedOut> {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write_int(*i, out),
            Value::Float(f) => write_float(*f, out),
            Value::Str(s) => write_str(s, out),
            Value::List(items) => {
                clock.tick(out)?;
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_by(out, clock)?;
                }
                out.push(']');
            }
            Value::Object(fields) => {
                clock.tick(out)?;
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_key(key, out);
                    value.write_by(out, clock)?;
                }
                out.push('}');
            }
            Value::Shared(s) => s.value.write_by(out, clock)?,
            Value::Raw(text) => write_raw(text, out, clock)?,
            Value::Row(objects, i) => objects.write_by(*i, out, clock)?,
            Value::Rows(objects, range) => {
                clock.tick(out)?;
                out.push('[');
                for i in range.clone() {
                    if i > range.start {
                        out.push(',');
                    }
                    objects.write_by(i, out, clock)?;
                }
                out.push(']');
            }
        }
        Ok(())
    }
}

/// `"key":` — keys are GraphQL names (`[_A-Za-z0-9]*`): nothing to escape.
fn write_key(key: &str, out: &mut String) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// `text` in pieces of `CHUNK` bytes (cut between characters), the clock looked at before
/// each: a large text streams as a large tree would.
fn write_raw(text: &str, out: &mut String, clock: &mut Clock<'_>) -> Result<(), TimedOut> {
    let mut rest = text;
    while !rest.is_empty() {
        // A chunk is a megabyte's writing, not one object's: the deadline is looked at each.
        clock.countdown = 1;
        clock.tick(out)?;
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        rest = &rest[cut..];
    }
    Ok(())
}

/// Writing ran past the request's deadline.
#[derive(Debug)]
pub struct TimedOut;

/// Takes the text written so far (and empties it): how a large answer leaves in pieces. It
/// says how long it waited for the client, time the deadline then moves by: the request's
/// time is its own work, not a slow reader's.
pub type Flush<'f> = &'f mut dyn FnMut(&mut String) -> Result<Duration, TimedOut>;

/// What the writer looks at between objects and lists: a deadline, every few thousand of
/// them, so the clock costs nothing next to the writing; and, when the answer may go out in
/// pieces, whether `CHUNK` bytes are ready to be flushed.
pub struct Clock<'f> {
    deadline: Option<Instant>,
    countdown: u32,
    flush: Option<Flush<'f>>,
}

/// The size of the pieces a large answer is written out in.
pub const CHUNK: usize = 1 << 20;

impl<'f> Clock<'f> {
    const EVERY: u32 = 4096;

    pub fn until(deadline: Instant) -> Clock<'f> {
        Clock { deadline: Some(deadline), countdown: Clock::EVERY, flush: None }
    }

    pub fn unbounded() -> Clock<'f> {
        Clock { deadline: None, countdown: u32::MAX, flush: None }
    }

    /// The same clock, handing `flush` every `CHUNK` bytes written.
    pub fn flushing(self, flush: Flush<'f>) -> Clock<'f> {
        Clock { flush: Some(flush), ..self }
    }

    fn tick(&mut self, out: &mut String) -> Result<(), TimedOut> {
        if let Some(flush) = &mut self.flush
            && out.len() >= CHUNK
        {
            let waited = flush(out)?;
            self.deadline = self.deadline.map(|d| d + waited);
        }
        self.countdown -= 1;
        if self.countdown > 0 {
            return Ok(());
        }
        self.countdown = Clock::EVERY;
        match self.deadline {
            Some(d) if Instant::now() > d => Err(TimedOut),
            _ => Ok(()),
        }
    }
}

fn write_float(f: f64, out: &mut String) {
    // serde_json's formatting is the shortest round-trip form, like Python's repr; written
    // in place, with no string made per float.
    if let Some(n) = serde_json::Number::from_f64(f) {
        let _ = write!(out, "{n}");
    } else {
        out.push_str("null");
    }
}

pub fn write_str(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // Most strings need no escaping: skip ahead byte by byte, copy in runs.
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Integers without going through `fmt`.
fn write_int(i: i64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or("0"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_like_json() {
        let mut out = String::new();
        write_str("a\"b\\c\n\u{1}é/", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001é/\"");
    }

    /// Every string of the characters that matter, at every offset from an eight-byte
    /// boundary, written as serde_json writes it.
    #[test]
    fn strings_escape_as_serde_json_does_wherever_the_character_falls() {
        let special = ["\"", "\\", "\n", "\u{1f}", "\u{0}", "\u{7f}", "é", "€", "𝄞", " ", "a"];
        for pad in 0..17 {
            for c in special {
                for tail in 0..9 {
                    let text = format!("{}{c}{}", "x".repeat(pad), "y".repeat(tail));
                    let mut out = String::new();
                    write_str(&text, &mut out);
                    assert_eq!(out, serde_json::to_string(&text).expect("json"), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn integers_print_exactly() {
        for i in [0, 7, -7, 1234567890, i64::MIN, i64::MAX] {
            let mut out = String::new();
            write_int(i, &mut out);
            assert_eq!(out, i.to_string());
        }
    }

    #[test]
    fn time_a_flush_waited_for_the_client_moves_the_deadline() {
        let big = Value::Str("x".repeat(CHUNK).into());
        let mut items = vec![Value::Object(vec![("k".into(), big)])];
        items.extend((0..2 * Clock::EVERY).map(|_| Value::Object(Vec::new())));
        let answer = Value::List(items);
        for (waited, expected) in [(Duration::from_secs(3600), true), (Duration::ZERO, false)] {
            let mut flushed = 0;
            let mut flush = |text: &mut String| {
                flushed += text.len();
                text.clear();
                Ok(waited)
            };
            // Already past its deadline: only the wait it is told of can put it ahead.
            let mut clock = Clock::until(Instant::now()).flushing(&mut flush);
            let mut out = String::new();
            let written = answer.write_by(&mut out, &mut clock).is_ok();
            assert_eq!(written, expected, "waited {waited:?}");
            assert!(flushed > CHUNK);
        }
    }

    #[test]
    fn a_level_writes_its_objects_by_field_and_weighs_them() {
        let keys = Objects::keys(["id", "name"]);
        let names = Objects::new(
            Objects::keys(["name"]),
            vec![Column::Values(vec![Value::Str("a\"".into()), Value::Null, Value::Float(0.5)])],
            vec![false; 3],
        );
        let columns = vec![
            Column::Values(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Column::Level(Rc::new(names)),
        ];
        let level = Rc::new(Objects::new(keys, columns, vec![false, true, false]));
        let list = Value::Rows(level.clone(), 0..3);
        let first = r#"{"id":1,"name":{"name":"a\""}}"#;
        let third = r#"{"id":3,"name":{"name":0.5}}"#;
        assert_eq!(list.to_json_string(), format!("[{first},null,{third}]"));
        assert_eq!(Value::Rows(level.clone(), 1..1).to_json_string(), "[]");
        assert_eq!(Value::Row(level.clone(), 2).to_json_string(), third);
        // A nulled object weighs nothing; the others their two fields and the one of
        // the object of the other level.
        assert_eq!(list.weight(), Weight { values: 6, rows: 0 });
        let empty = Objects::new(Objects::keys([]), Vec::new(), vec![false]);
        assert_eq!(Value::Row(Rc::new(empty), 0).to_json_string(), "{}");
        assert_eq!(Value::Row(Rc::new(Objects::nulls(1)), 0).to_json_string(), "null");
    }

    #[test]
    fn objects_keep_key_order() {
        let v = Value::Object(vec![("b".into(), Value::Int(1)), ("a".into(), Value::Null)]);
        assert_eq!(v.to_json_string(), "{\"b\":1,\"a\":null}");
    }
}
