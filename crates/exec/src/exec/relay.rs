//! Relay's pure parts: global IDs, cursors, and the slicing rules of graphql-relay's
//! `connection_from_array_slice`, which decide every page and `pageInfo`.
//!
//! They are kept free of SQL and GraphQL types so they can be tested as tables; the
//! original's quirks (out-of-range cursors ignored, `first` before `last`, `pageInfo`
//! flags only for the direction asked) live here and nowhere else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const CURSOR_PREFIX: &str = "arrayconnection:";

pub fn global_id(type_name: &str, pk: &str) -> String {
    STANDARD.encode(format!("{type_name}:{pk}"))
}

pub fn cursor(offset: usize) -> String {
    STANDARD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

/// graphql-relay's `unbase64`: CPython's non-strict `a2b_base64` (characters outside the
/// alphabet skipped, decoding stops at complete padding), then UTF-8; "" on any failure.
pub fn unbase64(s: &str) -> String {
    if !s.is_ascii() {
        return String::new();
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut quad, mut pads, mut left) = (0u8, 0u8, 0u32);
    let mut complete = false;
    for c in s.bytes() {
        if c == b'=' {
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    complete = true;
                    break;
                }
            }
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        } as u32;
        pads = 0;
        match quad {
            0 => left = v,
            1 => {
                out.push(((left << 2) | (v >> 4)) as u8);
                left = v & 0x0f;
            }
            2 => {
                out.push(((left << 4) | (v >> 2)) as u8);
                left = v & 0x03;
            }
            _ => out.push(((left << 6) | v) as u8),
        }
        quad = (quad + 1) % 4;
    }
    if quad != 0 && !complete {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// graphql-relay's `from_global_id`, with graphene's check: `(type, id)` or the error text.
pub fn parse_global_id(id: &str) -> Result<(String, String), String> {
    let decoded = unbase64(id);
    match decoded.split_once(':') {
        Some((t, pk)) if !t.is_empty() => Ok((t.to_string(), pk.to_string())),
        _ => Err(format!(
            "Unable to parse global ID \"{id}\". Make sure it is a base64 encoded string in the format: \"TypeName:id\". Exception message: Invalid Global ID"
        )),
    }
}

/// graphql-relay's `cursor_to_offset`: drops the prefix's length and reads the rest
/// with Python's `int()`; `None` when that fails.
pub fn cursor_offset(cursor: &str) -> Option<i64> {
    let decoded = unbase64(cursor);
    let rest: String = decoded.chars().skip(CURSOR_PREFIX.len()).collect();
    let n = crate::graphql::pyrepr::python_int(&rest)?;
    Some(i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX }))
}

/// Connection arguments as the client gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageArgs {
    pub before: Option<String>,
    pub after: Option<String>,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// The rows a page shows, `[start, end)` of the full list, and its `pageInfo` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl Window {
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PageArgs {
    /// The field error for a negative `first` or `last`, checked in that order.
    pub fn check(&self) -> Result<(), String> {
        if self.first.is_some_and(|f| f < 0) {
            return Err("Argument 'first' must be a non-negative integer.".into());
        }
        if self.last.is_some_and(|l| l < 0) {
            return Err("Argument 'last' must be a non-negative integer.".into());
        }
        Ok(())
    }

    /// Whether the window can be known without counting the rows: then fetching
    /// `first + 1` rows (or all) tells everything.
    pub fn needs_count(&self) -> bool {
        self.before.is_some() || self.after.is_some() || self.last.is_some()
    }

    /// `connection_from_array_slice` over a list of `count` rows (after `check`).
    pub fn window(&self, count: usize) -> Window {
        let count_i = count as i64;
        let mut start: i64 = 0;
        let mut end: i64 = count_i;
        let after = self.after.as_deref().map(|c| cursor_offset(c).unwrap_or(-1)).unwrap_or(-1);
        if (0..count_i).contains(&after) {
            start = start.max(after + 1);
        }
        let before = self.before.as_deref().map(|c| cursor_offset(c).unwrap_or(end)).unwrap_or(end);
        if (0..count_i).contains(&before) {
            end = end.min(before);
        }
        if let Some(first) = self.first {
            end = end.min(start.saturating_add(first));
        }
        if let Some(last) = self.last {
            start = start.max(end.saturating_sub(last));
        }
        let lower =
            if self.after.as_deref().is_some_and(|a| !a.is_empty()) { after + 1 } else { 0 };
        let upper =
            if self.before.as_deref().is_some_and(|b| !b.is_empty()) { before } else { count_i };
        Window {
            start: start.clamp(0, count_i) as usize,
            end: end.clamp(0, count_i).max(start.clamp(0, count_i)) as usize,
            has_previous_page: self.last.is_some() && start > lower,
            has_next_page: self.first.is_some() && end < upper,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        before: Option<usize>,
        after: Option<usize>,
        first: Option<i64>,
        last: Option<i64>,
    ) -> PageArgs {
        PageArgs { before: before.map(cursor), after: after.map(cursor), first, last }
    }

    fn w(start: usize, end: usize, prev: bool, next: bool) -> Window {
        Window { start, end, has_previous_page: prev, has_next_page: next }
    }

    #[test]
    fn windows_follow_graphql_relay() {
        let cases = [
            (args(None, None, None, None), w(0, 13, false, false)),
            (args(None, None, Some(3), None), w(0, 3, false, true)),
            (args(None, Some(2), Some(3), None), w(3, 6, false, true)),
            (args(None, None, Some(5), Some(2)), w(3, 5, true, true)),
            (args(None, None, Some(0), None), w(0, 0, false, true)),
            (args(None, None, None, Some(2)), w(11, 13, true, false)),
            (args(Some(5), None, None, Some(2)), w(3, 5, true, false)),
            (args(None, Some(50), Some(2), None), w(0, 2, false, true)),
            (args(None, None, None, Some(0)), w(13, 13, true, false)),
            (args(None, Some(12), Some(5), None), w(13, 13, false, false)),
        ];
        for (a, want) in cases {
            assert_eq!(a.window(13), want, "{a:?}");
        }
    }

    #[test]
    fn cursors_and_ids_round_trip() {
        assert_eq!(cursor(2), "YXJyYXljb25uZWN0aW9uOjI=");
        assert_eq!(cursor_offset("YXJyYXljb25uZWN0aW9uOjI="), Some(2));
        assert_eq!(cursor_offset("not a cursor"), None);
        assert_eq!(global_id("Employee", "1"), "RW1wbG95ZWU6MQ==");
        assert_eq!(parse_global_id("Um9sZTox"), Ok(("Role".into(), "1".into())));
        assert!(parse_global_id("not-a-global-id").is_err());
        assert_eq!(parse_global_id("TWFuYWdlcjox"), Ok(("Manager".into(), "1".into())));
    }

    #[test]
    fn unbase64_is_as_lenient_as_python() {
        let cases = [
            ("YQ==", "a"),
            ("YQ", ""),
            ("YQ=", ""),
            ("YQ==YQ==", "a"),
            ("Y=Q==", "a"),
            ("=YQ==", "a"),
            ("YWJj", "abc"),
            ("YWJjZA", ""),
            ("Y!Q==", "a"),
            ("YQ===", "a"),
            ("YQ=a=", "a\u{6}"),
            ("YWJ=jZA==", "ab"),
            ("Y===", ""),
            ("====", ""),
            ("a", ""),
            ("YWJjZA=x=", "abcd\u{c}"),
        ];
        for (input, want) in cases {
            assert_eq!(unbase64(input), want, "{input}");
        }
    }

    #[test]
    fn negative_arguments_are_errors() {
        assert!(args(None, None, Some(-1), None).check().is_err());
        assert!(args(None, None, None, Some(-1)).check().is_err());
        assert!(args(None, None, Some(1), Some(1)).check().is_ok());
    }
}
