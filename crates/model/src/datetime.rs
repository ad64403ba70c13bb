//! Dates and times: dateutil's `isoparse` (DateTime) and Python's `fromisoformat` (Date,
//! Time) for input, `isoformat()` for output, SQLAlchemy's SQLite storage text in between,
//! and every text form SQLite's date functions accept for what is stored.
//!
//! The original parses with `dateutil.parser.isoparse` and stores without the zone, so an
//! offset is accepted and dropped, not converted; this file follows that grammar exactly.
//! Stored text is read as the instant it denotes (an offset converts to UTC), and compared
//! through SQL functions that write every form of one instant the same way.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
}

impl DateTime {
    /// SQLAlchemy's SQLite DATETIME text: `YYYY-MM-DD HH:MM:SS.ffffff`.
    pub fn storage(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.micro
        )
    }

    /// Reads the stored text the way SQLAlchemy's SQLite DATETIME processor does.
    pub fn from_storage(s: &str) -> Option<DateTime> {
        let b = s.as_bytes();
        let num = |from: usize, len: usize| -> Option<u32> {
            let part = b.get(from..from + len)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| std::str::from_utf8(part).ok()?.parse().ok())?
        };
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let mut dt =
            DateTime { year: year as i32, month, day, hour: 0, minute: 0, second: 0, micro: 0 };
        if b.len() > 10 {
            if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
                return None;
            }
            dt.hour = num(11, 2)?;
            dt.minute = num(14, 2)?;
            dt.second = num(17, 2)?;
            if b.len() > 19 {
                let frac = s.get(20..)?;
                if b[19] != b'.' || frac.is_empty() || frac.len() > 6 {
                    return None;
                }
                dt.micro = num(20, frac.len())? * 10u32.pow(6 - frac.len() as u32);
            }
        }
        dt.valid().then_some(dt)
    }

    fn valid(&self) -> bool {
        (1..=9999).contains(&self.year)
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
            && self.micro < 1_000_000
    }

    /// The current UTC time, to the second (what SQLite's CURRENT_TIMESTAMP gives).
    pub fn now_utc() -> DateTime {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u32;
        DateTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            micro: 0,
        }
    }

    fn add_day(mut self) -> DateTime {
        self.day += 1;
        if self.day > days_in_month(self.year, self.month) {
            self.day = 1;
            self.month += 1;
            if self.month > 12 {
                self.month = 1;
                self.year += 1;
            }
        }
        self
    }
}

/// The kinds stored as text in many forms, which compare as the instants they denote: each
/// has an SQL function (registered on every SQLite connection) that writes any accepted
/// form as one canonical text, and leaves text it cannot read as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Temporal {
    Date,
    Time,
    DateTime,
}

impl Temporal {
    pub const ALL: [Temporal; 3] = [Temporal::Date, Temporal::Time, Temporal::DateTime];

    /// The SQL function that makes a stored value of this kind comparable.
    pub fn sql_function(self) -> &'static str {
        match self {
            Temporal::Date => "relaylite_date",
            Temporal::Time => "relaylite_time",
            Temporal::DateTime => "relaylite_datetime",
        }
    }

    /// What the SQL function returns for stored text: its canonical form (`YYYY-MM-DD`,
    /// `HH:MM:SS.ffffff`, `YYYY-MM-DD HH:MM:SS.ffffff`), or `None` when the text is no date
    /// or time (SQL then compares the text itself).
    pub fn canonical(self, s: &str) -> Option<String> {
        match self {
            Temporal::Date => DateTime::from_sqlite(s).map(|d| d.date_isoformat()),
            Temporal::Time => DateTime::from_sqlite(s)
                .or_else(|| {
                    let (clock, rest) = read_clock(s.trim().as_bytes())?;
                    read_offset(rest)?;
                    let [hour, minute, second, micro] = clock;
                    Some(DateTime { year: 2000, month: 1, day: 1, hour, minute, second, micro })
                })
                .map(|d| d.time_storage()),
            Temporal::DateTime => DateTime::from_sqlite(s).map(|d| d.storage()),
        }
    }
}

impl DateTime {
    /// Text in any form SQLite's date functions accept: `YYYY-MM-DD`, then optionally a `T`
    /// or a space, `HH:MM`, `:SS`, a fraction of any length, then optionally `Z` or an offset
    /// `±HH:MM`, which converts to UTC.
    pub fn from_sqlite(s: &str) -> Option<DateTime> {
        let b = s.trim().as_bytes();
        let date = fixed_digits(b, &[4, 2, 2], b'-')?;
        let mut dt = DateTime {
            year: date[0] as i32,
            month: date[1],
            day: date[2],
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
        };
        let mut rest = &b[10..];
        if let Some((_, time)) = rest.split_first().filter(|(c, _)| matches!(c, b'T' | b' ')) {
            let (clock, after) = read_clock(time)?;
            [dt.hour, dt.minute, dt.second, dt.micro] = clock;
            rest = after;
        }
        let offset = read_offset(rest)?;
        if !dt.valid() {
            return None;
        }
        Some(dt.shifted(-offset))
    }

    /// The same instant `minutes` later (or earlier).
    pub fn shifted(self, minutes: i64) -> DateTime {
        if minutes == 0 {
            return self;
        }
        let day = days_from_civil(self.year, self.month, self.day);
        let total = day * 1440 + i64::from(self.hour * 60 + self.minute) + minutes;
        let (year, month, d) = civil_from_days(total.div_euclid(1440));
        let m = total.rem_euclid(1440) as u32;
        DateTime { year, month, day: d, hour: m / 60, minute: m % 60, ..self }
    }

    /// `date.isoformat()`.
    pub fn date_isoformat(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `time.isoformat()`: microseconds only when non-zero.
    pub fn time_isoformat(&self) -> String {
        let mut out = format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second);
        if self.micro != 0 {
            out.push_str(&format!(".{:06}", self.micro));
        }
        out
    }

    /// `HH:MM:SS.ffffff`: the canonical, comparable text of a time of day.
    pub fn time_storage(&self) -> String {
        format!("{:02}:{:02}:{:02}.{:06}", self.hour, self.minute, self.second, self.micro)
    }
}

/// `HH:MM[:SS[.f…]]` at the start of `b`: the clock and what follows it.
fn read_clock(b: &[u8]) -> Option<([u32; 4], &[u8])> {
    let hm = fixed_digits(b, &[2, 2], b':')?;
    let mut clock = [hm[0], hm[1], 0, 0];
    let mut pos = 5;
    if b.get(pos) == Some(&b':') {
        clock[2] = fixed_digits(&b[pos + 1..], &[2], b':')?[0];
        pos += 3;
        if b.get(pos) == Some(&b'.') {
            let digits = b[pos + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let kept = &b[pos + 1..pos + 1 + digits.min(6)];
            let n: u32 = std::str::from_utf8(kept).ok()?.parse().ok()?;
            clock[3] = n * 10u32.pow(6 - kept.len() as u32);
            pos += 1 + digits;
        }
    }
    (clock[0] < 24 && clock[1] < 60 && clock[2] < 60).then_some((clock, &b[pos..]))
}

/// Nothing, `Z`, or `±HH:MM` (spaces before it allowed): the offset in minutes east of UTC.
fn read_offset(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii_start();
    match b.first() {
        None => Some(0),
        Some(b'Z' | b'z') if b.len() == 1 => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let hm = fixed_digits(&b[1..], &[2, 2], b':')?;
            if b.len() != 6 || hm[0] > 23 || hm[1] > 59 {
                return None;
            }
            let minutes = i64::from(hm[0] * 60 + hm[1]);
            Some(if sign == b'-' { -minutes } else { minutes })
        }
        Some(_) => None,
    }
}

/// Groups of exactly `widths` digits separated by `sep`, at the start of `b`.
fn fixed_digits(b: &[u8], widths: &[usize], sep: u8) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(widths.len());
    let mut pos = 0;
    for (i, &w) in widths.iter().enumerate() {
        if i > 0 {
            if b.get(pos) != Some(&sep) {
                return None;
            }
            pos += 1;
        }
        let part = b.get(pos..pos + w)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        out.push(std::str::from_utf8(part).ok()?.parse().ok()?);
        pos += w;
    }
    Some(out)
}

/// A time of day alone (`HH:MM[:SS[.f…]]`, SQLite's time-only forms) as `isoformat()`.
pub fn time_alone(s: &str) -> Option<String> {
    let (clock, rest) = read_clock(s.trim().as_bytes())?;
    read_offset(rest)?;
    let [hour, minute, second, micro] = clock;
    let t = DateTime { year: 2000, month: 1, day: 1, hour, minute, second, micro };
    Some(t.time_isoformat())
}

/// Python 3.11's `date.fromisoformat`: `YYYY-MM-DD`, `YYYYMMDD`, `YYYY-Www-D`, `YYYYWwwD`.
pub fn fromisoformat_date(s: &str) -> Option<DateTime> {
    if !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    let ok = |d: DateTime| d.valid().then_some(d);
    let midnight = |y: u32, m: u32, d: u32| DateTime {
        year: y as i32,
        month: m,
        day: d,
        hour: 0,
        minute: 0,
        second: 0,
        micro: 0,
    };
    match b.len() {
        10 if b[4] == b'-' && b[5] != b'W' => {
            fixed_digits(b, &[4, 2, 2], b'-').and_then(|p| ok(midnight(p[0], p[1], p[2])))
        }
        8 if b[4] != b'W' => {
            let num = |from: usize, w: usize| fixed_digits(&b[from..from + w], &[w], b'-');
            ok(midnight(num(0, 4)?[0], num(4, 2)?[0], num(6, 2)?[0]))
        }
        _ => {
            let (date, end) = parse_date_uncommon(b).ok()?;
            if end != b.len() || !s.contains('W') {
                return None;
            }
            ok(midnight(date.0 as u32, date.1 as u32, date.2 as u32))
        }
    }
}

/// Python 3.11's `time.fromisoformat`: an optional `T`, `HH[:MM[:SS[.f…]]]` or the basic
/// `HHMM[SS[.f…]]`, then an optional `Z` or `±HH[:MM]` offset (dropped).
pub fn fromisoformat_time(s: &str) -> Option<DateTime> {
    if !s.is_ascii() {
        return None;
    }
    let s = s.strip_prefix('T').unwrap_or(s);
    let cut = s.find(['+', '-', 'Z', 'z']).unwrap_or(s.len());
    let (clock, zone) = s.split_at(cut);
    if !zone.is_empty() {
        let z = zone.as_bytes();
        let valid = matches!(zone, "Z" | "z")
            || (z.len() >= 3
                && fixed_digits(&z[1..], &[2], b':').is_some()
                && (z.len() == 3
                    || fixed_digits(&z[1..], &[2, 2], b':').is_some()
                    || fixed_digits(&z[1..], &[4], b':').is_some()));
        if !valid {
            return None;
        }
    }
    let extended = clock.contains(':');
    let digits: String = clock.chars().filter(|c| *c != ':').collect();
    let (whole, frac) = digits.split_once(['.', ',']).unwrap_or((&digits, ""));
    if !whole.bytes().all(|c| c.is_ascii_digit()) || ![2, 4, 6].contains(&whole.len()) {
        return None;
    }
    if extended && clock.matches(':').count() != whole.len() / 2 - 1 {
        return None;
    }
    let part = |i: usize| whole.get(i..i + 2).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    let micro = match frac {
        "" => 0,
        f if f.bytes().all(|c| c.is_ascii_digit()) && whole.len() == 6 => {
            let kept = &f[..f.len().min(6)];
            kept.parse::<u32>().ok()? * 10u32.pow(6 - kept.len() as u32)
        }
        _ => return None,
    };
    let t = DateTime {
        year: 2000,
        month: 1,
        day: 1,
        hour: part(0),
        minute: part(2),
        second: part(4),
        micro,
    };
    t.valid().then_some(t)
}

/// Python's `datetime.isoformat()`: microseconds only when non-zero.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.micro != 0 {
            write!(f, ".{:06}", self.micro)?;
        }
        Ok(())
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

type Parse<T> = Result<T, ()>;

/// Python's `int()` on a fixed-width slice of the (ASCII) text.
fn py_int(s: &[u8]) -> Parse<i64> {
    let text = std::str::from_utf8(s).map_err(|_| ())?;
    let n = relaylite_graphql::pyrepr::python_int(text).ok_or(())?;
    i64::try_from(n).map_err(|_| ())
}

fn slice(s: &[u8], from: usize, to: usize) -> &[u8] {
    &s[from.min(s.len())..to.min(s.len())]
}

/// `dateutil.parser.isoparse`: the wall time as written, and its offset in minutes east of
/// UTC (0 without one), which SQLAlchemy drops on SQLite and PostgreSQL honours. `None`
/// when dateutil raises.
pub fn isoparse(s: &str) -> Option<(DateTime, i64)> {
    if !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    let (date, pos) = parse_date_common(b).or_else(|_| parse_date_uncommon(b)).ok()?;
    let (mut time, mut offset) = ([0i64; 4], 0);
    if b.len() > pos {
        (time, offset) = parse_time(&b[pos + 1..]).ok()?;
    }
    let (year, month, day) = date;
    let mut dt = DateTime {
        year: i32::try_from(year).ok()?,
        month: u32::try_from(month).ok()?,
        day: u32::try_from(day).ok()?,
        hour: u32::try_from(time[0]).ok()?,
        minute: u32::try_from(time[1]).ok()?,
        second: u32::try_from(time[2]).ok()?,
        micro: u32::try_from(time[3]).ok()?,
    };
    let next_day = dt.hour == 24;
    if next_day {
        dt.hour = 0;
    }
    if !dt.valid() {
        return None;
    }
    if next_day {
        if dt.year == 9999 && dt.month == 12 && dt.day == 31 {
            return None;
        }
        dt = dt.add_day();
    }
    Some((dt, offset))
}

fn parse_date_common(b: &[u8]) -> Parse<((i64, i64, i64), usize)> {
    if b.len() < 4 {
        return Err(());
    }
    let year = py_int(&b[0..4])?;
    let mut pos = 4;
    if pos >= b.len() {
        return Ok(((year, 1, 1), pos));
    }
    let has_sep = b[pos] == b'-';
    if has_sep {
        pos += 1;
    }
    if b.len() - pos < 2 {
        return Err(());
    }
    let month = py_int(&b[pos..pos + 2])?;
    pos += 2;
    if pos >= b.len() {
        return if has_sep { Ok(((year, month, 1), pos)) } else { Err(()) };
    }
    if has_sep {
        if b[pos] != b'-' {
            return Err(());
        }
        pos += 1;
    }
    if b.len() - pos < 2 {
        return Err(());
    }
    let day = py_int(&b[pos..pos + 2])?;
    Ok(((year, month, day), pos + 2))
}

fn parse_date_uncommon(b: &[u8]) -> Parse<((i64, i64, i64), usize)> {
    if b.len() < 4 {
        return Err(());
    }
    let year = py_int(&b[0..4])?;
    let has_sep = b.get(4) == Some(&b'-');
    let mut pos = 4 + usize::from(has_sep);
    let days = if b.get(pos) == Some(&b'W') {
        pos += 1;
        let week = py_int(slice(b, pos, pos + 2))?;
        pos += 2;
        let mut day = 1;
        if b.len() > pos {
            if (b[pos] == b'-') != has_sep {
                return Err(());
            }
            pos += usize::from(has_sep);
            day = py_int(slice(b, pos, pos + 1))?;
            pos += 1;
        }
        if !(1..54).contains(&week) || !(1..8).contains(&day) || !(1..=9999).contains(&year) {
            return Err(());
        }
        let jan4 = days_from_civil(year as i32, 1, 4);
        let weekday = (jan4 + 3).rem_euclid(7); // Monday = 0
        jan4 - weekday + (week - 1) * 7 + (day - 1)
    } else {
        if b.len() < pos + 3 {
            return Err(());
        }
        let ordinal = py_int(&b[pos..pos + 3])?;
        pos += 3;
        if !(1..=9999).contains(&year)
            || ordinal < 1
            || ordinal > 365 + i64::from(is_leap(year as i32))
        {
            return Err(());
        }
        days_from_civil(year as i32, 1, 1) + ordinal - 1
    };
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return Err(());
    }
    Ok(((i64::from(y), i64::from(m), i64::from(d)), pos))
}

/// The time's hours, minutes, seconds and microseconds, and its offset in minutes.
fn parse_time(b: &[u8]) -> Parse<([i64; 4], i64)> {
    let mut c = [0i64; 4];
    let mut offset = 0;
    let mut pos = 0;
    let mut comp: i32 = -1;
    if b.len() < 2 {
        return Err(());
    }
    let mut has_sep = false;
    while pos < b.len() && comp < 5 {
        comp += 1;
        if matches!(b[pos], b'-' | b'+' | b'Z' | b'z') {
            offset = parse_tz(&b[pos..])?;
            pos = b.len();
            break;
        }
        if comp == 1 && b[pos] == b':' {
            has_sep = true;
            pos += 1;
        } else if comp == 2 && has_sep {
            if b[pos] != b':' {
                return Err(());
            }
            pos += 1;
        }
        if comp < 3 {
            c[comp as usize] = py_int(slice(b, pos, pos + 2))?;
            pos += 2;
        }
        if comp == 3 {
            if !matches!(b.get(pos), Some(b'.' | b',')) {
                continue;
            }
            let digits = b[pos + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                continue;
            }
            let us = &b[pos + 1..pos + 1 + digits.min(6)];
            c[3] = py_int(us)? * 10i64.pow(6 - us.len() as u32);
            pos += 1 + digits;
        }
    }
    if pos < b.len() {
        return Err(());
    }
    if c[0] == 24 && c[1..].iter().any(|&x| x != 0) {
        return Err(());
    }
    Ok((c, offset))
}

/// `Z` or `±HH[[:]MM]`: minutes east of UTC.
fn parse_tz(b: &[u8]) -> Parse<i64> {
    if b == b"Z" || b == b"z" {
        return Ok(0);
    }
    if ![3, 5, 6].contains(&b.len()) || !matches!(b[0], b'-' | b'+') {
        return Err(());
    }
    let hours = py_int(&b[1..3])?;
    let minutes = if b.len() == 3 { 0 } else { py_int(&b[if b[3] == b':' { 4 } else { 3 }..])? };
    if hours == 0 && minutes == 0 {
        return Ok(0);
    }
    if minutes > 59 || hours > 23 {
        return Err(());
    }
    let east = hours * 60 + minutes;
    Ok(if b[0] == b'-' { -east } else { east })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        isoparse(s).map(|(d, _)| d.storage())
    }

    #[test]
    fn accepts_what_isoparse_accepts() {
        let cases = [
            ("2019-01-01", "2019-01-01 00:00:00.000000"),
            ("2019", "2019-01-01 00:00:00.000000"),
            ("2019-03", "2019-03-01 00:00:00.000000"),
            ("20190101T000000", "2019-01-01 00:00:00.000000"),
            ("2020-01-02T03:04:05Z", "2020-01-02 03:04:05.000000"),
            ("2020-01-02T03:04:05+05:30", "2020-01-02 03:04:05.000000"),
            ("2020-01-02 03:04:05.1234567", "2020-01-02 03:04:05.123456"),
            ("2020-01-02T03", "2020-01-02 03:00:00.000000"),
            ("2020-01-02T24:00", "2020-01-03 00:00:00.000000"),
            ("2020-W01-1", "2019-12-30 00:00:00.000000"),
            ("2020-060", "2020-02-29 00:00:00.000000"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn rejects_what_isoparse_rejects() {
        for input in [
            "",
            "20",
            "2019-13-01",
            "2019-02-30",
            "201901",
            "2020-01-02T25:00",
            "2020-01-02T03:04:05+0",
            "é",
            "2020-01-02T24:01",
        ] {
            assert_eq!(iso(input), None, "{input}");
        }
    }

    #[test]
    fn formats_like_isoformat() {
        let d = DateTime::from_storage("2021-06-15 12:30:45.123456").expect("valid");
        assert_eq!(d.to_string(), "2021-06-15T12:30:45.123456");
        let d = DateTime::from_storage("2020-01-02 03:04:05.000000").expect("valid");
        assert_eq!(d.to_string(), "2020-01-02T03:04:05");
        assert_eq!(
            DateTime::from_storage("2020-01-02 03:04:05").map(|d| d.to_string()).as_deref(),
            Some("2020-01-02T03:04:05")
        );
    }

    #[test]
    fn civil_days_round_trip() {
        for z in [-800_000, -1, 0, 1, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
