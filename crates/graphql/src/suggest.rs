//! "Did you mean …?" exactly as graphql-core 3.2 words and orders it.
//!
//! Suggestions are options within a lexical distance of 40% of the input's length
//! (Damerau–Levenshtein, case changes counting as one edit), sorted by distance and then
//! in natural order, at most five of them.

use std::cmp::Ordering;

pub fn suggestion_list<'a>(
    input: &str,
    options: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let threshold = input.chars().count() * 4 / 10 + 1;
    let mut found: Vec<(usize, &str)> = Vec::new();
    for option in options {
        if found.iter().any(|(_, o)| *o == option) {
            continue;
        }
        if let Some(d) = distance(input, option, threshold) {
            found.push((d, option));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(a.1, b.1)));
    found.into_iter().map(|(_, o)| o).collect()
}

fn distance(input: &str, option: &str, threshold: usize) -> Option<usize> {
    if input == option {
        return Some(0);
    }
    let (a_low, b_low) = (option.to_lowercase(), input.to_lowercase());
    if a_low == b_low {
        return Some(1);
    }
    let mut a: Vec<char> = a_low.chars().collect();
    let mut b: Vec<char> = b_low.chars().collect();
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if a.len() - b.len() > threshold {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let mut smallest = i;
        rows[i % 3][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut cell = (rows[(i - 1) % 3][j] + 1)
                .min(rows[i % 3][j - 1] + 1)
                .min(rows[(i - 1) % 3][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cell = cell.min(rows[(i - 2) % 3][j - 2] + 1);
            }
            smallest = smallest.min(cell);
            rows[i % 3][j] = cell;
        }
        if smallest > threshold {
            return None;
        }
    }
    let d = rows[a.len() % 3][b.len()];
    (d <= threshold).then_some(d)
}

/// Natural order: runs of digits compare as numbers.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x, y) {
            (Part::Num(n, s), Part::Num(m, t)) => n.cmp(m).then_with(|| s.cmp(t)),
            (Part::Text(s), Part::Text(t)) => s.cmp(t),
            (Part::Text(_), Part::Num(..)) => Ordering::Greater,
            (Part::Num(..), Part::Text(_)) => Ordering::Less,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

enum Part<'a> {
    Text(&'a str),
    Num(u128, &'a str),
}

/// Python's `re.split(r"(\d+)")`: text and digit runs alternate, starting with text.
fn parts(s: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_digits = false;
    for (i, c) in s.char_indices() {
        let d = c.is_ascii_digit();
        if d != in_digits {
            out.push(part(&s[start..i], in_digits));
            start = i;
            in_digits = d;
        }
    }
    out.push(part(&s[start..], in_digits));
    out
}

fn part(s: &str, digits: bool) -> Part<'_> {
    if digits { Part::Num(s.parse().unwrap_or(u128::MAX), s) } else { Part::Text(s) }
}

/// graphql-core's `did_you_mean`: "" when there is nothing to suggest.
pub fn did_you_mean(suggestions: &[&str], sub_message: Option<&str>) -> String {
    if suggestions.is_empty() {
        return String::new();
    }
    let mut out = String::from(" Did you mean ");
    if let Some(sub) = sub_message {
        out.push_str(sub);
        out.push(' ');
    }
    let s: Vec<String> = suggestions.iter().take(5).map(|s| format!("'{s}'")).collect();
    match s.len() {
        1 => out.push_str(&s[0]),
        2 => out.push_str(&format!("{} or {}", s[0], s[1])),
        n => out.push_str(&format!("{}, or {}", s[..n - 1].join(", "), s[n - 1])),
    }
    out.push('?');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_like_graphql_core() {
        let args = ["sort", "filter", "before", "after", "first", "last"];
        assert_eq!(suggestion_list("limit", args), ["first", "last"]);
        assert_eq!(suggestion_list("nam", ["name", "NAME", "id"]), ["NAME", "name"]);
        assert_eq!(suggestion_list("f2", ["f10", "f9", "f1"]), ["f1", "f9"]);
        assert_eq!(
            did_you_mean(&["a", "b", "c"], Some("the enum value")),
            " Did you mean the enum value 'a', 'b', or 'c'?"
        );
        assert_eq!(did_you_mean(&[], None), "");
    }
}
