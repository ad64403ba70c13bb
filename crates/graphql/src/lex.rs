//! The lexer: graphql-core 3.2's, step for step — token kinds, string and block-string
//! escapes, numbers and the positions (line, column in characters) that syntax errors
//! carry. Kept apart from the parser, which sees only tokens.

use crate::error::{GraphQLError, Pos};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Eof,
    Punct(&'static str),
    Name(String),
    Int(String),
    Float(String),
    Str(String),
    BlockStr(String),
}

impl Tok {
    /// graphql-core's `get_token_desc`.
    pub(crate) fn desc(&self) -> String {
        match self {
            Tok::Eof => "<EOF>".into(),
            Tok::Punct(p) => format!("'{p}'"),
            Tok::Name(v) => format!("Name '{v}'"),
            Tok::Int(v) => format!("Int '{v}'"),
            Tok::Float(v) => format!("Float '{v}'"),
            Tok::Str(v) => format!("String '{v}'"),
            Tok::BlockStr(v) => format!("BlockString '{v}'"),
        }
    }
}

pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

pub(crate) struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: u32,
    line_start: usize,
}

pub(crate) fn syntax(message: impl std::fmt::Display, pos: Pos) -> GraphQLError {
    GraphQLError::at(format!("Syntax Error: {message}"), pos)
}

impl Lexer {
    pub(crate) fn new(src: &str) -> Self {
        Lexer { chars: src.chars().collect(), i: 0, line: 1, line_start: 0 }
    }

    fn pos_of(&self, i: usize) -> Pos {
        Pos { line: self.line, column: (i - self.line_start + 1) as u32 }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from..to.min(self.chars.len())].iter().collect()
    }

    /// graphql-core's `print_code_point_at`.
    fn code_point_at(&self, i: usize) -> String {
        match self.at(i) {
            None => "<EOF>".into(),
            Some('"') => "'\"'".into(),
            Some(c) if (' '..='~').contains(&c) => format!("'{c}'"),
            Some(c) => format!("U+{:04X}", c as u32),
        }
    }

    fn err(&self, i: usize, message: impl std::fmt::Display) -> GraphQLError {
        syntax(message, self.pos_of(i))
    }

    pub(crate) fn next(&mut self) -> Result<Token, GraphQLError> {
        while let Some(c) = self.at(self.i) {
            match c {
                ' ' | '\t' | ',' | '\u{feff}' => self.i += 1,
                '\n' => {
                    self.i += 1;
                    self.newline();
                }
                '\r' => {
                    self.i += if self.at(self.i + 1) == Some('\n') { 2 } else { 1 };
                    self.newline();
                }
                '#' => {
                    while !matches!(self.at(self.i), None | Some('\n') | Some('\r')) {
                        self.i += 1;
                    }
                }
                _ => return self.token(c),
            }
        }
        Ok(Token { tok: Tok::Eof, pos: self.pos_of(self.i) })
    }

    /// The token after the current one, without consuming anything.
    pub(crate) fn peek(&mut self) -> Result<Token, GraphQLError> {
        let saved = (self.i, self.line, self.line_start);
        let next = self.next();
        (self.i, self.line, self.line_start) = saved;
        next
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.i;
    }

    fn token(&mut self, c: char) -> Result<Token, GraphQLError> {
        let start = self.i;
        let pos = self.pos_of(start);
        let punct = match c {
            '!' => Some("!"),
            '$' => Some("$"),
            '&' => Some("&"),
            '(' => Some("("),
            ')' => Some(")"),
            ':' => Some(":"),
            '=' => Some("="),
            '@' => Some("@"),
            '[' => Some("["),
            ']' => Some("]"),
            '{' => Some("{"),
            '|' => Some("|"),
            '}' => Some("}"),
            _ => None,
        };
        if let Some(p) = punct {
            self.i += 1;
            return Ok(Token { tok: Tok::Punct(p), pos });
        }
        let tok = match c {
            '"' if self.at(start + 1) == Some('"') && self.at(start + 2) == Some('"') => {
                return self.block_string(start);
            }
            '"' => Tok::Str(self.string(start)?),
            '0'..='9' | '-' => self.number(start)?,
            'a'..='z' | 'A'..='Z' | '_' => {
                let mut end = start + 1;
                while matches!(self.at(end), Some('a'..='z' | 'A'..='Z' | '0'..='9' | '_')) {
                    end += 1;
                }
                self.i = end;
                Tok::Name(self.text(start, end))
            }
            '.' if self.at(start + 1) == Some('.') && self.at(start + 2) == Some('.') => {
                self.i += 3;
                Tok::Punct("...")
            }
            '\'' => {
                return Err(self.err(
                    start,
                    "Unexpected single quote character ('), did you mean to use a double quote (\")?",
                ));
            }
            _ => {
                return Err(self
                    .err(start, format!("Unexpected character: {}.", self.code_point_at(start))));
            }
        };
        Ok(Token { tok, pos })
    }

    fn number(&mut self, start: usize) -> Result<Tok, GraphQLError> {
        let mut i = start;
        let mut is_float = false;
        if self.at(i) == Some('-') {
            i += 1;
        }
        if self.at(i) == Some('0') {
            i += 1;
            if matches!(self.at(i), Some('0'..='9')) {
                let cp = self.code_point_at(i);
                return Err(self.err(i, format!("Invalid number, unexpected digit after 0: {cp}.")));
            }
        } else {
            i = self.digits(i)?;
        }
        if self.at(i) == Some('.') {
            is_float = true;
            i = self.digits(i + 1)?;
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            is_float = true;
            i += 1;
            if matches!(self.at(i), Some('+' | '-')) {
                i += 1;
            }
            i = self.digits(i)?;
        }
        if matches!(self.at(i), Some('.' | 'a'..='z' | 'A'..='Z' | '_')) {
            let cp = self.code_point_at(i);
            return Err(self.err(i, format!("Invalid number, expected digit but got: {cp}.")));
        }
        self.i = i;
        let text = self.text(start, i);
        Ok(if is_float { Tok::Float(text) } else { Tok::Int(text) })
    }

    fn digits(&self, mut i: usize) -> Result<usize, GraphQLError> {
        if !matches!(self.at(i), Some('0'..='9')) {
            let cp = self.code_point_at(i);
            return Err(self.err(i, format!("Invalid number, expected digit but got: {cp}.")));
        }
        while matches!(self.at(i), Some('0'..='9')) {
            i += 1;
        }
        Ok(i)
    }

    fn string(&mut self, start: usize) -> Result<String, GraphQLError> {
        let mut i = start + 1;
        let mut value = String::new();
        while let Some(c) = self.at(i) {
            match c {
                '"' => {
                    self.i = i + 1;
                    return Ok(value);
                }
                '\\' => {
                    let (ch, size) = self.escape(i)?;
                    value.push_str(&ch);
                    i += size;
                }
                '\r' | '\n' => break,
                _ => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        Err(self.err(i, "Unterminated string."))
    }

    fn escape(&self, i: usize) -> Result<(String, usize), GraphQLError> {
        let simple = match self.at(i + 1) {
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            Some('/') => Some('/'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            _ => None,
        };
        if let Some(c) = simple {
            return Ok((c.to_string(), 2));
        }
        if self.at(i + 1) != Some('u') {
            let text = self.text(i, i + 2);
            return Err(self.err(i, format!("Invalid character escape sequence: '{text}'.")));
        }
        if self.at(i + 2) == Some('{') {
            return self.escape_variable_width(i);
        }
        let code = self.hex4(i + 2);
        if let Some(c) = code.and_then(char::from_u32) {
            return Ok((c.to_string(), 6));
        }
        if let Some(lead @ 0xD800..=0xDBFF) = code
            && self.at(i + 6) == Some('\\')
            && self.at(i + 7) == Some('u')
            && let Some(trail @ 0xDC00..=0xDFFF) = self.hex4(i + 8)
        {
            let c = 0x10000 + ((lead - 0xD800) << 10) + (trail - 0xDC00);
            if let Some(c) = char::from_u32(c) {
                return Ok((c.to_string(), 12));
            }
        }
        let text = self.text(i, i + 6);
        Err(self.err(i, format!("Invalid Unicode escape sequence: '{text}'.")))
    }

    fn hex4(&self, i: usize) -> Option<u32> {
        (0..4).try_fold(0u32, |acc, k| Some(acc << 4 | self.at(i + k)?.to_digit(16)?))
    }

    fn escape_variable_width(&self, i: usize) -> Result<(String, usize), GraphQLError> {
        let mut point: u32 = 0;
        let mut size = 3;
        let max_size = 12.min(self.chars.len() - i);
        while size < max_size {
            let c = self.chars[i + size];
            size += 1;
            if c == '}' {
                match char::from_u32(point) {
                    Some(ch) if size >= 5 => return Ok((ch.to_string(), size)),
                    _ => break,
                }
            }
            match c.to_digit(16) {
                Some(d) if point <= 0x7FF_FFFF => point = point << 4 | d,
                _ => break,
            }
        }
        let text = self.text(i, i + size);
        Err(self.err(i, format!("Invalid Unicode escape sequence: '{text}'.")))
    }

    fn block_string(&mut self, start: usize) -> Result<Token, GraphQLError> {
        let pos = self.pos_of(start);
        let mut i = start + 3;
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        let (mut line, mut line_start) = (self.line, self.line_start);
        while let Some(c) = self.at(i) {
            if c == '"' && self.at(i + 1) == Some('"') && self.at(i + 2) == Some('"') {
                lines.push(current);
                self.i = i + 3;
                self.line = line;
                self.line_start = line_start;
                return Ok(Token { tok: Tok::BlockStr(dedent_block_lines(lines)), pos });
            }
            if c == '\\' && (1..4).all(|k| self.at(i + k) == Some('"')) {
                current.push_str("\"\"\"");
                i += 4;
                continue;
            }
            if c == '\r' || c == '\n' {
                lines.push(std::mem::take(&mut current));
                i += if c == '\r' && self.at(i + 1) == Some('\n') { 2 } else { 1 };
                line += 1;
                line_start = i;
                continue;
            }
            current.push(c);
            i += 1;
        }
        self.line = line;
        self.line_start = line_start;
        Err(self.err(i, "Unterminated string."))
    }
}

/// The GraphQL spec's BlockStringValue(): drop common indentation and blank edge lines.
fn dedent_block_lines(lines: Vec<String>) -> String {
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ' || *c == '\t').count();
    let mut common = usize::MAX;
    let mut first = None;
    let mut last = 0;
    for (i, line) in lines.iter().enumerate() {
        let n = indent(line);
        if n == line.chars().count() {
            continue;
        }
        first.get_or_insert(i);
        last = i + 1;
        if i > 0 && n < common {
            common = n;
        }
    }
    let first = first.unwrap_or(0);
    let out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i > 0 { l.chars().skip(common).collect() } else { l.clone() })
        .collect();
    out.get(first..last.max(first)).unwrap_or(&[]).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_strings_dedent() {
        assert_eq!(
            dedent_block_lines(vec!["".into(), "    a".into(), "      b".into(), "  ".into()]),
            "a\n  b"
        );
    }
}
