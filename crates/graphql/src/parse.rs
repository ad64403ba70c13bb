//! Recursive-descent parser for executable GraphQL documents, over `lex.rs`'s tokens.
//!
//! It mirrors graphql-core 3.2's lexer and parser step for step, so that a syntax error has
//! the same message and location as the original's, and every argument and value carries the
//! position that validation errors point at (graphql-parser's tree keeps neither).

use crate::ast::*;
use crate::error::{GraphQLError, Pos};
use crate::lex::{Lexer, Tok, Token, syntax};
/// Selection sets, lists, objects and list types nested deeper than this are refused, as
/// graphql-core 3.2.14 refuses them (and so the parser's recursion is bounded).
const MAX_NESTING_DEPTH: usize = 200;

pub fn parse(src: &str) -> Result<Document, GraphQLError> {
    parse_limited(src, u64::MAX)
}

/// Parses, refusing documents of more than `max_tokens` tokens the way graphql-core's
/// `max_tokens` option does.
pub fn parse_limited(src: &str, max_tokens: u64) -> Result<Document, GraphQLError> {
    let mut lexer = Lexer::new(src);
    let first = lexer.next()?;
    let mut p = Parser { lexer, tok: first, depth: 0, tokens: 1, max_tokens };
    p.document()
}

/// Parses one value and nothing after it, variables allowed (graphql-core's `parse_value`):
/// an argument's default, a row rule's filter.
pub fn parse_value(src: &str) -> Result<Value, GraphQLError> {
    let mut lexer = Lexer::new(src);
    let first = lexer.next()?;
    let mut p = Parser { lexer, tok: first, depth: 0, tokens: 1, max_tokens: u64::MAX };
    let value = p.value(false)?;
    match p.tok.tok {
        Tok::Eof => Ok(value),
        _ => Err(p.unexpected()),
    }
}

struct Parser {
    lexer: Lexer,
    tok: Token,
    depth: usize,
    tokens: u64,
    max_tokens: u64,
}

const TYPE_SYSTEM: [&str; 9] =
    ["schema", "scalar", "type", "interface", "union", "enum", "input", "directive", "extend"];

impl Parser {
    fn enter_nesting(&mut self) -> Result<(), GraphQLError> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(syntax("Document is nested too deeply. Parsing aborted.", self.tok.pos));
        }
        Ok(())
    }

    fn advance(&mut self) -> Result<Token, GraphQLError> {
        let next = self.lexer.next()?;
        self.tokens += 1;
        if self.tokens > self.max_tokens && next.tok != Tok::Eof {
            let msg =
                format!("Document contains more than {} tokens. Parsing aborted.", self.max_tokens);
            return Err(syntax(msg, next.pos));
        }
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn peek(&self, p: &str) -> bool {
        matches!(&self.tok.tok, Tok::Punct(q) if *q == p)
    }

    fn peek_name(&self, name: &str) -> bool {
        matches!(&self.tok.tok, Tok::Name(n) if n == name)
    }

    fn skip(&mut self, p: &str) -> Result<bool, GraphQLError> {
        if self.peek(p) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, p: &'static str) -> Result<Pos, GraphQLError> {
        if self.peek(p) {
            return Ok(self.advance()?.pos);
        }
        Err(syntax(format!("Expected '{p}', found {}.", self.tok.tok.desc()), self.tok.pos))
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), GraphQLError> {
        if self.peek_name(word) {
            self.advance()?;
            return Ok(());
        }
        Err(syntax(format!("Expected '{word}', found {}.", self.tok.tok.desc()), self.tok.pos))
    }

    fn unexpected(&self) -> GraphQLError {
        syntax(format!("Unexpected {}.", self.tok.tok.desc()), self.tok.pos)
    }

    fn name(&mut self) -> Result<Name, GraphQLError> {
        if let Tok::Name(_) = &self.tok.tok {
            let t = self.advance()?;
            if let Tok::Name(value) = t.tok {
                return Ok(Name { value, pos: t.pos });
            }
        }
        Err(syntax(format!("Expected Name, found {}.", self.tok.tok.desc()), self.tok.pos))
    }

    fn document(&mut self) -> Result<Document, GraphQLError> {
        let mut definitions = vec![self.definition()?];
        while self.tok.tok != Tok::Eof {
            definitions.push(self.definition()?);
        }
        Ok(Document { definitions })
    }

    /// The token after the current one, without consuming anything.
    fn lookahead(&mut self) -> Result<Tok, GraphQLError> {
        Ok(self.lexer.peek()?.tok)
    }

    fn peek_description(&self) -> bool {
        matches!(self.tok.tok, Tok::Str(_) | Tok::BlockStr(_))
    }

    fn skip_description(&mut self) -> Result<(), GraphQLError> {
        if self.peek_description() {
            self.advance()?;
        }
        Ok(())
    }

    /// graphql-core 3.2.14's `parse_definition`: descriptions are allowed on operations,
    /// fragments and type-system definitions, but not on shorthand queries.
    fn definition(&mut self) -> Result<Definition, GraphQLError> {
        if self.peek("{") {
            return Ok(Definition::Operation(self.operation()?));
        }
        let has_description = self.peek_description();
        let keyword = if has_description { self.lookahead()? } else { self.tok.tok.clone() };
        if has_description && keyword == Tok::Punct("{") {
            return Err(syntax(
                "Unexpected description, descriptions are not supported on shorthand queries.",
                self.tok.pos,
            ));
        }
        if let Tok::Name(n) = &keyword {
            match n.as_str() {
                n if TYPE_SYSTEM[..8].contains(&n) => return self.type_system_definition(),
                "query" | "mutation" | "subscription" => {
                    return Ok(Definition::Operation(self.operation()?));
                }
                "fragment" => return Ok(Definition::Fragment(self.fragment_definition()?)),
                _ if has_description => {
                    return Err(syntax(
                        "Unexpected description, only GraphQL definitions support descriptions.",
                        self.tok.pos,
                    ));
                }
                "extend" => return self.type_system_definition(),
                _ => {}
            }
        }
        if has_description {
            self.advance()?;
        }
        Err(self.unexpected())
    }

    /// Type-system definitions are never executable: they are kept as a marker so that
    /// validation can name them, and their body is skipped by bracket depth.
    fn type_system_definition(&mut self) -> Result<Definition, GraphQLError> {
        let pos = self.tok.pos;
        self.skip_description()?;
        let mut keyword = match &self.advance()?.tok {
            Tok::Name(n) => n.clone(),
            _ => String::new(),
        };
        // `extend schema`, `extend type Foo`: the extended kind belongs to this definition.
        if keyword == "extend"
            && let Tok::Name(kind) = &self.tok.tok
        {
            if kind == "schema" {
                keyword = "schema".into();
            }
            self.advance()?;
        }
        let name = match &self.tok.tok {
            Tok::Name(n) => Some(n.clone()),
            _ => None,
        };
        let mut depth = 0usize;
        loop {
            match &self.tok.tok {
                Tok::Eof => break,
                Tok::Punct("{" | "(" | "[") => depth += 1,
                Tok::Punct("}" | ")" | "]") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && self.peek("}") {
                        self.advance()?;
                        if self.at_definition_start() {
                            break;
                        }
                        continue;
                    }
                }
                _ if depth == 0 && self.at_definition_start() && self.tok.pos != pos => break,
                _ => {}
            }
            self.advance()?;
        }
        Ok(Definition::TypeSystem { keyword, name, pos })
    }

    fn at_definition_start(&self) -> bool {
        match &self.tok.tok {
            Tok::Eof | Tok::Punct("{") | Tok::Str(_) | Tok::BlockStr(_) => true,
            Tok::Name(n) => {
                TYPE_SYSTEM.contains(&n.as_str())
                    || matches!(n.as_str(), "query" | "mutation" | "subscription" | "fragment")
            }
            _ => false,
        }
    }

    fn operation(&mut self) -> Result<Operation, GraphQLError> {
        let pos = self.tok.pos;
        if self.peek("{") {
            let selection_set = self.selection_set()?;
            return Ok(Operation {
                kind: OperationKind::Query,
                name: None,
                variables: Vec::new(),
                directives: Vec::new(),
                selection_set,
                pos,
            });
        }
        self.skip_description()?;
        let kind_token = self.name()?;
        let kind = match kind_token.value.as_str() {
            "query" => OperationKind::Query,
            "mutation" => OperationKind::Mutation,
            "subscription" => OperationKind::Subscription,
            other => {
                return Err(syntax(format!("Unexpected Name '{other}'."), kind_token.pos));
            }
        };
        let name = if matches!(self.tok.tok, Tok::Name(_)) { Some(self.name()?) } else { None };
        let variables = self.variable_definitions()?;
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(Operation { kind, name, variables, directives, selection_set, pos })
    }

    fn variable_definitions(&mut self) -> Result<Vec<VariableDefinition>, GraphQLError> {
        let mut defs = Vec::new();
        if self.skip("(")? {
            loop {
                defs.push(self.variable_definition()?);
                if self.skip(")")? {
                    break;
                }
            }
        }
        Ok(defs)
    }

    fn variable_definition(&mut self) -> Result<VariableDefinition, GraphQLError> {
        let pos = self.tok.pos;
        self.skip_description()?;
        self.expect("$")?;
        let name = self.name()?;
        self.expect(":")?;
        let ty = self.type_ref()?;
        let default = if self.skip("=")? { Some(self.value(true)?) } else { None };
        let directives = self.directives(true)?;
        Ok(VariableDefinition { name, ty, default, directives, pos })
    }

    fn type_ref(&mut self) -> Result<Type, GraphQLError> {
        let pos = self.tok.pos;
        let inner = if self.skip("[")? {
            self.enter_nesting()?;
            let t = self.type_ref()?;
            self.depth -= 1;
            self.expect("]")?;
            Type::List(Box::new(t), pos)
        } else {
            Type::Named(self.name()?)
        };
        if self.skip("!")? {
            return Ok(Type::NonNull(Box::new(inner), pos));
        }
        Ok(inner)
    }

    fn selection_set(&mut self) -> Result<SelectionSet, GraphQLError> {
        self.enter_nesting()?;
        let pos = self.expect("{")?;
        let mut items = Vec::new();
        loop {
            items.push(self.selection()?);
            if self.skip("}")? {
                break;
            }
        }
        self.depth -= 1;
        Ok(SelectionSet { items, pos: Some(pos) })
    }

    fn selection(&mut self) -> Result<Selection, GraphQLError> {
        if self.peek("...") {
            return self.fragment();
        }
        let pos = self.tok.pos;
        let first = self.name()?;
        let (alias, name) =
            if self.skip(":")? { (Some(first), self.name()?) } else { (None, first) };
        let arguments = self.arguments(false)?;
        let directives = self.directives(false)?;
        let selection_set =
            if self.peek("{") { self.selection_set()? } else { SelectionSet::default() };
        Ok(Selection::Field(Field { alias, name, arguments, directives, selection_set, pos }))
    }

    fn fragment(&mut self) -> Result<Selection, GraphQLError> {
        let pos = self.expect("...")?;
        let has_type_condition = self.peek_name("on");
        if has_type_condition {
            self.advance()?;
        }
        if !has_type_condition && matches!(self.tok.tok, Tok::Name(_)) {
            let name = self.name()?;
            let directives = self.directives(false)?;
            return Ok(Selection::FragmentSpread(FragmentSpread { name, directives, pos }));
        }
        let type_condition = if has_type_condition { Some(self.name()?) } else { None };
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(Selection::InlineFragment(InlineFragment {
            type_condition,
            directives,
            selection_set,
            pos,
        }))
    }

    fn fragment_definition(&mut self) -> Result<Fragment, GraphQLError> {
        let pos = self.tok.pos;
        self.skip_description()?;
        self.expect_keyword("fragment")?;
        if self.peek_name("on") {
            return Err(self.unexpected());
        }
        let name = self.name()?;
        self.expect_keyword("on")?;
        let type_condition = self.name()?;
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(Fragment { name, type_condition, directives, selection_set, pos })
    }

    fn arguments(&mut self, is_const: bool) -> Result<Vec<Argument>, GraphQLError> {
        let mut args = Vec::new();
        if self.skip("(")? {
            loop {
                let pos = self.tok.pos;
                let name = self.name()?;
                self.expect(":")?;
                let value = self.value(is_const)?;
                args.push(Argument { name, value, pos });
                if self.skip(")")? {
                    break;
                }
            }
        }
        Ok(args)
    }

    fn directives(&mut self, is_const: bool) -> Result<Vec<Directive>, GraphQLError> {
        let mut out = Vec::new();
        while self.peek("@") {
            let pos = self.advance()?.pos;
            let name = self.name()?;
            let arguments = self.arguments(is_const)?;
            out.push(Directive { name, arguments, pos });
        }
        Ok(out)
    }

    fn value(&mut self, is_const: bool) -> Result<Value, GraphQLError> {
        let pos = self.tok.pos;
        let kind = match &self.tok.tok {
            Tok::Punct("[") => {
                self.enter_nesting()?;
                self.advance()?;
                let mut items = Vec::new();
                while !self.skip("]")? {
                    items.push(self.value(is_const)?);
                }
                self.depth -= 1;
                ValueKind::List(items)
            }
            Tok::Punct("{") => {
                self.enter_nesting()?;
                self.advance()?;
                let mut fields = Vec::new();
                while !self.skip("}")? {
                    let fpos = self.tok.pos;
                    let name = self.name()?;
                    self.expect(":")?;
                    let value = self.value(is_const)?;
                    fields.push(ObjectField { name, value, pos: fpos });
                }
                self.depth -= 1;
                ValueKind::Object(fields)
            }
            Tok::Punct("$") if is_const => {
                self.advance()?;
                if let Tok::Name(n) = &self.tok.tok {
                    let msg = format!("Unexpected variable '${n}' in constant value.");
                    return Err(syntax(msg, pos));
                }
                return Err(syntax("Unexpected '$'.".to_string(), pos));
            }
            Tok::Punct("$") => {
                self.advance()?;
                ValueKind::Variable(self.name()?.value)
            }
            Tok::Int(_) | Tok::Float(_) | Tok::Str(_) | Tok::BlockStr(_) | Tok::Name(_) => {
                let token = self.advance()?;
                match token.tok {
                    Tok::Int(v) => ValueKind::Int(v),
                    Tok::Float(v) => ValueKind::Float(v),
                    Tok::Str(value) => ValueKind::String { value, block: false },
                    Tok::BlockStr(value) => ValueKind::String { value, block: true },
                    Tok::Name(n) if n == "true" => ValueKind::Boolean(true),
                    Tok::Name(n) if n == "false" => ValueKind::Boolean(false),
                    Tok::Name(n) if n == "null" => ValueKind::Null,
                    Tok::Name(n) => ValueKind::Enum(n),
                    other => {
                        return Err(syntax(format!("Unexpected {}.", other.desc()), token.pos));
                    }
                }
            }
            _ => return Err(self.unexpected()),
        };
        Ok(Value { kind, pos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> (String, u32, u32) {
        let e = parse(src).expect_err("should fail");
        (e.message, e.locations[0].line, e.locations[0].column)
    }

    #[test]
    fn syntax_errors_read_like_graphql_core() {
        let cases = [
            ("{ a { b }", "Syntax Error: Expected Name, found <EOF>.", 1, 10),
            ("", "Syntax Error: Unexpected <EOF>.", 1, 1),
            ("{ a(x: 01) }", "Syntax Error: Invalid number, unexpected digit after 0: '1'.", 1, 9),
            (
                "{ a(x: 'y') }",
                "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?",
                1,
                8,
            ),
            ("{ a(x: \"y) }", "Syntax Error: Unterminated string.", 1, 13),
            (
                "query Q($a: Int = $b) { a }",
                "Syntax Error: Unexpected variable '$b' in constant value.",
                1,
                19,
            ),
            ("fragment on on T { a }", "Syntax Error: Unexpected Name 'on'.", 1, 10),
            ("{ a(x: \"\\q\") }", "Syntax Error: Invalid character escape sequence: '\\q'.", 1, 9),
            ("{ a }\n  ~", "Syntax Error: Unexpected character: '~'.", 2, 3),
            (
                "\"desc\" { a }",
                "Syntax Error: Unexpected description, descriptions are not supported on shorthand queries.",
                1,
                1,
            ),
            (
                "\"desc\" foo { a }",
                "Syntax Error: Unexpected description, only GraphQL definitions support descriptions.",
                1,
                1,
            ),
            ("{ a(x: 1.) }", "Syntax Error: Invalid number, expected digit but got: ')'.", 1, 10),
        ];
        for (src, msg, line, col) in cases {
            assert_eq!(err(src), (msg.to_string(), line, col), "{src}");
        }
    }

    #[test]
    fn values_keep_order_duplicates_and_positions() {
        let doc = parse("{ f(a: {y: 1, x: 2, y: \"\\u00e9\\uD83D\\uDE00\"}) }").expect("parses");
        let Definition::Operation(op) = &doc.definitions[0] else { panic!("operation") };
        let Selection::Field(f) = &op.selection_set.items[0] else { panic!("field") };
        assert_eq!(f.arguments[0].pos, Pos { line: 1, column: 5 });
        let ValueKind::Object(fields) = &f.arguments[0].value.kind else { panic!("object") };
        let names: Vec<&str> = fields.iter().map(|f| f.name.value.as_str()).collect();
        assert_eq!(names, ["y", "x", "y"]);
        assert_eq!(fields[2].value.kind, ValueKind::String { value: "é😀".into(), block: false });
    }

    #[test]
    fn descriptions_are_allowed_on_operations_fragments_and_variables() {
        let doc = parse("\"op\" query Q(\"v\" $a: Int) { a } \"\"\"f\"\"\" fragment F on T { a }")
            .expect("parses");
        assert_eq!(doc.definitions.len(), 2);
    }

    #[test]
    fn nesting_is_bounded_like_graphql_core() {
        let ok = format!("{}a{}", "{a".repeat(199) + "{", "}".repeat(200));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}a{}", "{a".repeat(200) + "{", "}".repeat(201));
        let e = parse(&deep).expect_err("too deep");
        assert_eq!(e.message, "Syntax Error: Document is nested too deeply. Parsing aborted.");
        assert_eq!(e.locations[0].column, 401);
        let list = format!("{{ a(x: {}1{}) }}", "[".repeat(201), "]".repeat(201));
        assert!(parse(&list).is_err());
    }
}
