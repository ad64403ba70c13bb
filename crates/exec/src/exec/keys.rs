//! Row identities and the links between rows: the values of one or more columns, as a
//! hashable key (to match fetched rows to their parents), as the JSON list one statement
//! binds for a whole level, and as the text of a global ID.
//!
//! A key of one column is its value alone; a key of several is a JSON array of them, in
//! global IDs as in statements, so that any value round-trips: `PlaylistTrack:[1,3402]`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::db::{Cell, Param, Row};
use crate::graphql::pyrepr::float_repr;
use crate::model::{Scalar, Table};

/// One column's value in a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    Int(i64),
    /// The float's bits: keys compare exactly.
    Real(u64),
    Text(Rc<str>),
    Blob(Rc<[u8]>),
}

/// The values of a key's columns; `One` spares a key of one column an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// Keys by hash. Keys are values the database produced, so a multiply is hash enough;
/// SipHash's defence against chosen keys buys nothing here.
pub type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, i: i64) {
        self.0 = (self.0 ^ i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0 ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    /// An enum's variant, which derived `Hash` writes as an `isize`: one multiply, not eight.
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
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
        let row: Row = vec![Cell::Int(1), Cell::Text("a,\"b\"".into()), Cell::Real(2.5)];
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
    fn keys_of_rows_match_and_skip_nulls() {
        let row: Row = vec![Cell::Int(7), Cell::Null];
        assert_eq!(of(&row, &[0]), Some(Key::One(Part::Int(7))));
        assert_eq!(of(&row, &[0, 1]), None);
        assert_eq!(json_list([&Key::One(Part::Int(7))]), Param::Text("[7]".into()));
    }
}
