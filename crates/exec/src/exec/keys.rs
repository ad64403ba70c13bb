//! Row identities and the links between rows: the values of one or more columns, as a
//! hashable key (to match fetched rows to their parents), as the JSON list one statement
//! binds for a whole level, and as the text of a global ID.
//!
//! A key of one column is its value alone; a key of several is a JSON array of them, in
//! global IDs as in statements, so that any value round-trips: `PlaylistTrack:[1,3402]`.

use std::rc::Rc;

use hashbrown::{HashTable, hash_table};

use crate::db::{Cell, Param, Row};
use crate::graphql::pyrepr::float_repr;
use crate::model::{Scalar, Table};

/// One column's value in a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Int(i64),
    /// The float's bits: keys compare exactly.
    Real(u64),
    Text(Rc<str>),
    Blob(Rc<[u8]>),
}

/// The values of a key's columns; `One` spares a key of one column an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    One(Part),
    Many(Box<[Part]>),
}

fn part(cell: &Cell) -> Option<Part> {
    Some(match cell {
        Cell::Null => return None,
        Cell::Int(i) => Part::Int(*i),
        Cell::Real(f) => Part::Real(f.to_bits()),
        Cell::Text(s) => Part::Text(s.clone()),
        Cell::Blob(b) => Part::Blob(b.clone()),
    })
}

/// The key `columns` hold in `row`; `None` when one of them is NULL (it links to nothing).
pub fn of(row: &Row, columns: &[usize]) -> Option<Key> {
    match columns {
        [c] => part(&row[*c]).map(Key::One),
        _ => columns
            .iter()
            .map(|&c| part(&row[c]))
            .collect::<Option<Vec<_>>>()
            .map(|v| Key::Many(v.into())),
    }
}

/// The distinct keys of a list of rows, each with its slot (its place in `keys`), found by
/// hashing the rows' cells: a row is matched to its slot without a `Key` made for it, and
/// a key is made once, for its first row. Keys are values the database produced, so a
/// multiply is hash enough; SipHash's defence against chosen keys buys nothing here.
#[derive(Default)]
pub struct Slots {
    table: HashTable<usize>,
    keys: Vec<Key>,
}

impl Slots {
    /// The keys in the order of the rows that first held them.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The slot of the key `columns` hold in `row`; `None` when the key is not one of
    /// these, or has a NULL (it links to nothing).
    pub fn slot(&self, row: &Row, columns: &[usize]) -> Option<usize> {
        let hash = hash_cells(row, columns)?;
        self.table.find(hash, |&s| same(&self.keys[s], row, columns)).copied()
    }

    /// The slot of the key `columns` hold in `row`, a new one when no row held it before;
    /// `None` when the key has a NULL.
    pub fn insert(&mut self, row: &Row, columns: &[usize]) -> Option<usize> {
        let hash = hash_cells(row, columns)?;
        let keys = &mut self.keys;
        let entry = self.table.entry(
            hash,
            |&s| same(&keys[s], row, columns),
            |&s| hash_parts(key_parts(&keys[s])),
        );
        Some(match entry {
            hash_table::Entry::Occupied(e) => *e.get(),
            hash_table::Entry::Vacant(e) => {
                keys.push(of(row, columns)?);
                *e.insert(keys.len() - 1).get()
            }
        })
    }
}

fn key_parts(key: &Key) -> &[Part] {
    match key {
        Key::One(p) => std::slice::from_ref(p),
        Key::Many(parts) => parts,
    }
}

/// Whether `row`'s `columns` hold `key`, value for value and type for type (as `Key`'s
/// equality says: the integer 1 is not the text "1").
#[inline]
fn same(key: &Key, row: &Row, columns: &[usize]) -> bool {
    match (key, columns) {
        (Key::One(p), [c]) => same_part(p, &row[*c]),
        (key, columns) => {
            let parts = key_parts(key);
            parts.len() == columns.len()
                && parts.iter().zip(columns).all(|(p, &c)| same_part(p, &row[c]))
        }
    }
}

#[inline]
fn same_part(part: &Part, cell: &Cell) -> bool {
    match (part, cell) {
        (Part::Int(a), Cell::Int(b)) => a == b,
        (Part::Real(a), Cell::Real(b)) => *a == b.to_bits(),
        (Part::Text(a), Cell::Text(b)) => a == b,
        (Part::Blob(a), Cell::Blob(b)) => a == b,
        _ => false,
    }
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// One word into the hash.
#[inline]
fn mix(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(29) ^ word).wrapping_mul(MIX)
}

/// Bytes into the hash, eight at a time, then their length.
fn mix_bytes(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        hash = mix(hash, u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(mix(hash, u64::from_le_bytes(tail)), bytes.len() as u64)
}

/// A value's type, then its bits: each of `hash_cells` and `hash_parts` says the same of
/// the same value.
#[inline]
fn mix_cell(hash: u64, cell: &Cell) -> Option<u64> {
    Some(match cell {
        Cell::Null => return None,
        Cell::Int(i) => mix(hash, *i as u64),
        Cell::Real(f) => mix(mix(hash, 2), f.to_bits()),
        Cell::Text(s) => mix_bytes(mix(hash, 3), s.as_bytes()),
        Cell::Blob(b) => mix_bytes(mix(hash, 4), b),
    })
}

#[inline]
fn mix_part(hash: u64, part: &Part) -> u64 {
    match part {
        Part::Int(i) => mix(hash, *i as u64),
        Part::Real(bits) => mix(mix(hash, 2), *bits),
        Part::Text(s) => mix_bytes(mix(hash, 3), s.as_bytes()),
        Part::Blob(b) => mix_bytes(mix(hash, 4), b),
    }
}

/// A row's key as `hash_parts` hashes the same values; `None` when one is NULL.
#[inline]
fn hash_cells(row: &Row, columns: &[usize]) -> Option<u64> {
    match columns {
        [c] => mix_cell(0, &row[*c]),
        _ => columns.iter().try_fold(0, |h, &c| mix_cell(h, &row[c])),
    }
}

fn hash_parts(parts: &[Part]) -> u64 {
    parts.iter().fold(0, mix_part)
}

fn json_part(p: &Part, out: &mut String) {
    match p {
        Part::Int(i) => out.push_str(&i.to_string()),
        Part::Real(bits) => {
            let v = serde_json::Number::from_f64(f64::from_bits(*bits));
            out.push_str(&v.map_or("null".to_string(), |n| n.to_string()));
        }
        Part::Text(s) => crate::json::write_str(s, out),
        // JSON has no bytes: a BLOB key is matched by its text (rare; lossy for non-UTF-8).
        Part::Blob(b) => crate::json::write_str(&String::from_utf8_lossy(b), out),
    }
}

/// The JSON list a statement binds for a whole level: `[1,2]`, or `[[1,"a"],[2,"b"]]`.
pub fn json_list<'k>(keys: impl IntoIterator<Item = &'k Key>) -> Param {
    let mut out = String::from("[");
    for (i, key) in keys.into_iter().enumerate() {
        out.push_str(if i > 0 { "," } else { "" });
        match key {
            Key::One(p) => json_part(p, &mut out),
            Key::Many(parts) => {
                out.push('[');
                for (j, p) in parts.iter().enumerate() {
                    out.push_str(if j > 0 { "," } else { "" });
                    json_part(p, &mut out);
                }
                out.push(']');
            }
        }
    }
    out.push(']');
    Param::Text(out)
}

/// The text after `Type:` in a global ID: the value as Python's `str` writes it (as the
/// original's IDs do), or a JSON array for a key of several columns.
pub fn id_text(row: &Row, key: &[usize]) -> String {
    let text = |c: &Cell| match c {
        Cell::Null => "None".to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => float_repr(*f),
        Cell::Text(s) => s.to_string(),
        Cell::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    };
    match key {
        [c] => text(&row[*c]),
        _ => match of(row, key) {
            Some(k) => {
                let Param::Text(list) = json_list([&k]) else { return String::new() };
                // `[[1,"a"]]` → `[1,"a"]`.
                list[1..list.len() - 1].to_string()
            }
            None => "None".into(),
        },
    }
}

/// The parameters that find the row a global ID's key text names: the text itself for a
/// key of one column, the array's values for a key of several. `None` when the text cannot
/// be such a key.
pub fn params(table: &Table, text: &str) -> Option<Vec<Param>> {
    if let [c] = table.key[..] {
        return match table.columns.get(c).map(|c| c.scalar) {
            Some(Scalar::Int) => integer(text).map(|i| vec![Param::Int(i)]),
            _ => Some(vec![Param::Text(text.to_string())]),
        };
    }
    let values: Vec<serde_json::Value> = serde_json::from_str(text).ok()?;
    if values.len() != table.key.len() {
        return None;
    }
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::Null => Some(Param::Null),
            serde_json::Value::Number(n) => {
                n.as_i64().map(Param::Int).or(n.as_f64().map(Param::Real))
            }
            serde_json::Value::String(s) => Some(Param::Text(s)),
            _ => None,
        })
        .collect()
}

/// Key text as SQLite's INTEGER affinity reads it, on every database alike: `1`, ` 1`,
/// `+1`, `1.0` and `1e0` are 1; text that is no whole number names no row.
fn integer(text: &str) -> Option<i64> {
    let t = text.trim();
    t.parse::<i64>().ok().or_else(|| {
        let f: f64 = t.parse().ok().filter(|f: &f64| f.is_finite() && f.fract() == 0.0)?;
        // Whole floats within ±2^63 convert exactly; the bound itself does not fit.
        (f.abs() < 2f64.powi(63)).then_some(f as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_keys_read_as_sqlites_integer_affinity_does() {
        for (text, want) in [("1", Some(1)), (" 1", Some(1)), ("+1", Some(1)), ("1.0", Some(1))] {
            assert_eq!(integer(text), want, "{text:?}");
        }
        for text in ["", "abc", "1.5", "0x10", "inf", "NaN", "1e19"] {
            assert_eq!(integer(text), None, "{text:?}");
        }
        assert_eq!(integer("1e3"), Some(1000));
        assert_eq!(integer("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn compound_keys_round_trip_through_id_text() {
        let row: Vec<Cell> = vec![Cell::Int(1), Cell::Text("a,\"b\"".into()), Cell::Real(2.5)];
        let text = id_text(&row, &[0, 1, 2]);
        assert_eq!(text, r#"[1,"a,\"b\"",2.5]"#);
        let mut table = crate::model::Table {
            name: "t".into(),
            kind: crate::model::TableKind::Table,
            columns: Vec::new(),
            key: vec![0, 1, 2],
            indexes: Vec::new(),
            served: true,
            type_name: "T".into(),
            root: None,
            fields: Vec::new(),
            sort_names: Vec::new(),
        };
        assert_eq!(
            params(&table, &text),
            Some(vec![Param::Int(1), Param::Text("a,\"b\"".into()), Param::Real(2.5)])
        );
        assert_eq!(params(&table, "[1,2]"), None);
        table.key = vec![0];
        assert_eq!(id_text(&row, &[0]), "1");
        assert_eq!(params(&table, "x"), Some(vec![Param::Text("x".into())]));
    }

    #[test]
    fn slots_find_every_key_they_hold_and_no_other() {
        // Enough keys that the table grows (and rehashes from the kept keys) many times.
        let text = |i: usize| {
            Cell::Text(
                "k".repeat(i % 19).chars().chain(i.to_string().chars()).collect::<String>().into(),
            )
        };
        let rows: Vec<Vec<Cell>> = (0..3000)
            .map(|i| match i % 5 {
                0 => vec![Cell::Int(i as i64), Cell::Null],
                1 => vec![Cell::Real(i as f64 + 0.5), Cell::Null],
                2 => vec![text(i), Cell::Null],
                3 => vec![Cell::Blob(vec![i as u8, (i >> 8) as u8].into()), Cell::Null],
                _ => vec![Cell::Int(i as i64), text(i)],
            })
            .collect();
        let columns = |r: &[Cell]| if r[1] == Cell::Null { vec![0] } else { vec![0, 1] };
        let mut slots = Slots::default();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(slots.insert(r, &columns(r)), Some(i));
        }
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(slots.slot(r, &columns(r)), Some(i));
            assert_eq!(slots.insert(r, &columns(r)), Some(i));
            assert_eq!(slots.keys()[i], of(r, &columns(r)).unwrap_or(Key::One(Part::Int(-1))));
        }
        // The integer 1 is not the text "1" nor the real 1.0; a NULL links to nothing.
        let one: Vec<Cell> =
            vec![Cell::Int(1), Cell::Text("1".into()), Cell::Real(1.0), Cell::Null];
        let mut slots = Slots::default();
        assert_eq!(slots.insert(&one, &[0]), Some(0));
        assert_eq!(slots.slot(&one, &[1]), None);
        assert_eq!(slots.slot(&one, &[2]), None);
        assert_eq!(slots.insert(&one, &[3]), None);
        assert_eq!(slots.insert(&one, &[0, 3]), None);
        assert_eq!(slots.insert(&one, &[1]), Some(1));
        assert_eq!(slots.keys().len(), 2);
    }

    #[test]
    fn keys_of_rows_match_and_skip_nulls() {
        let row: Vec<Cell> = vec![Cell::Int(7), Cell::Null];
        assert_eq!(of(&row, &[0]), Some(Key::One(Part::Int(7))));
        assert_eq!(of(&row, &[0, 1]), None);
        assert_eq!(json_list([&Key::One(Part::Int(7))]), Param::Text("[7]".into()));
    }
}
