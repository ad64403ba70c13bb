//! The response value and its writer.
//!
//! Objects are vectors of pairs, not maps: a GraphQL response is ordered as the query asks,
//! and the writer emits keys in exactly that order, as compact UTF-8 JSON. Keys and strings
//! are reference-counted, so the plan's keys and the rows' texts are shared, not copied.

use std::fmt::Write;
use std::rc::Rc;

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
}

impl Value {
    pub fn to_json_string(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write_int(*i, out),
            Value::Float(f) => write_float(*f, out),
            Value::Str(s) => write_str(s, out),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // Keys are GraphQL names ([_A-Za-z0-9]*): nothing to escape.
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_float(f: f64, out: &mut String) {
    if f.is_finite() {
        // serde_json's formatting is the shortest round-trip form, like Python's repr.
        out.push_str(&serde_json::Value::from(f).to_string());
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

    #[test]
    fn integers_print_exactly() {
        for i in [0, 7, -7, 1234567890, i64::MIN, i64::MAX] {
            let mut out = String::new();
            write_int(i, &mut out);
            assert_eq!(out, i.to_string());
        }
    }

    #[test]
    fn objects_keep_key_order() {
        let v = Value::Object(vec![("b".into(), Value::Int(1)), ("a".into(), Value::Null)]);
        assert_eq!(v.to_json_string(), "{\"b\":1,\"a\":null}");
    }
}
