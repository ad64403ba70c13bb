//! Python's `repr` and graphql-core's `inspect`, for the values error messages quote, and
//! Python's `int()` of text, which the original reads cursors, stored integers and dates with.
//!
//! The original writes invalid variable values the way Python prints them (`'three'`,
//! `None`, `{'a': 1}`), so relaylite formats JSON values the same way.

use serde_json::Value;

/// Python's `int(str)` for base-10 text: whitespace around, a sign, ASCII digits with single
/// `_` between them. Python's integers have no bound; past `i128` this one saturates, which
/// every caller reads as "too large" as Python's would be.
pub fn python_int(s: &str) -> Option<i128> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut n: i128 = 0;
    for c in digits.bytes().filter(|&c| c != b'_') {
        let d = c.is_ascii_digit().then(|| c - b'0')?;
        n = n.saturating_mul(10).saturating_add(i128::from(d));
    }
    Some(if t.starts_with('-') { -n } else { n })
}

/// graphql-core's `inspect`: Python repr with strings, lists and depth truncated.
pub fn inspect(v: &Value) -> String {
    inspect_at(v, 0)
}

fn inspect_at(v: &Value, depth: usize) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => trunc_str(i.to_string()),
            None => match n.as_u64() {
                Some(u) => trunc_str(u.to_string()),
                None => float_repr(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Value::String(s) => trunc_str(str_repr(s)),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::Array(_) if depth >= 2 => "[...]".into(),
        Value::Object(_) if depth >= 2 => "{...}".into(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(|x| inspect_at(x, depth + 1)).collect();
            format!("[{}]", trunc_list(items).join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{}: {}", trunc_str(str_repr(k)), inspect_at(x, depth + 1)))
                .collect();
            format!("{{{}}}", trunc_list(items).join(", "))
        }
    }
}

fn trunc_str(s: String) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 240 {
        return s;
    }
    let head: String = chars[..118].iter().collect();
    let tail: String = chars[chars.len() - 119..].iter().collect();
    format!("{head}...{tail}")
}

fn trunc_list(items: Vec<String>) -> Vec<String> {
    if items.len() <= 10 {
        return items;
    }
    let mut out: Vec<String> = items[..5].to_vec();
    out.push("...".into());
    out.extend_from_slice(&items[items.len() - 4..]);
    out
}

/// Python's `repr(str)`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4..1e16.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// Python's `json.dumps` with its defaults: `", "` and `": "` between items, every
/// character outside ASCII escaped as `\uXXXX`, floats as `repr` writes them.
pub fn json_dumps(v: &Value) -> String {
    let mut out = String::new();
    dumps_into(v, &mut out);
    out
}

fn dumps_into(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(u)) => out.push_str(&u.to_string()),
            _ => match n.as_f64() {
                Some(f) if f.is_finite() => out.push_str(&float_repr(f)),
                Some(f) if f.is_nan() => out.push_str("NaN"),
                Some(f) => out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" }),
                None => out.push_str("null"),
            },
        },
        Value::String(s) => ascii_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { "" });
                dumps_into(x, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, x)) in fields.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { "" });
                ascii_string(k, out);
                out.push_str(": ");
                dumps_into(x, out);
            }
            out.push('}');
        }
    }
}

fn ascii_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_python() {
        assert_eq!(inspect(&json!("three")), "'three'");
        assert_eq!(inspect(&json!("it's")), "\"it's\"");
        assert_eq!(inspect(&json!({"a": [1, null, true]})), "{'a': [1, None, True]}");
        assert_eq!(inspect(&json!([[[1]]])), "[[[...]]]");
        assert_eq!(inspect(&json!(1.5)), "1.5");
        assert_eq!(float_repr(3.0), "3.0");
        assert_eq!(float_repr(1e20), "1e+20");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(json_dumps(&json!({"a": [1, 2.5, "é\n"]})), "{\"a\": [1, 2.5, \"\\u00e9\\n\"]}");
    }

    #[test]
    fn int_reads_text_as_python_does() {
        assert_eq!(python_int(" -1_000\n"), Some(-1000));
        assert_eq!(python_int("+5"), Some(5));
        assert_eq!(python_int("007"), Some(7));
        assert_eq!(python_int(&"9".repeat(60)), Some(i128::MAX), "no bound: saturates");
        for bad in ["", "-", "_1", "1_", "1__0", "1.0", "0x10", "1 2", "\u{661}"] {
            assert_eq!(python_int(bad), None, "{bad:?}");
        }
    }
}
