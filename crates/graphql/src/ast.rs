//! The executable-document syntax tree, with a position on every node that an error can name.
//!
//! Arguments, values and object fields keep their source order and duplicates, because
//! validation reports duplicates and graphql-core locates errors at values and arguments.

use crate::error::Pos;

#[derive(Debug, Clone)]
pub struct Document {
    pub definitions: Vec<Definition>,
}

/// Why a document has no operation to run under a given name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoOperation {
    /// No name given, and more than one operation.
    Ambiguous,
    /// No operation of the name given.
    Unknown,
    /// No name given, and no operation.
    Empty,
}

impl Document {
    /// The operation `name` picks, or the only one when `None`: graphql-core's choice in
    /// `build_execution_context` (the last of a repeated name wins). Each layer that reports
    /// a missing operation words it its own way.
    pub fn operation(&self, name: Option<&str>) -> Result<&Operation, NoOperation> {
        let mut found = None;
        for d in &self.definitions {
            let Definition::Operation(op) = d else { continue };
            match name {
                None if found.is_some() => return Err(NoOperation::Ambiguous),
                None => found = Some(op),
                Some(n) if op.name.as_ref().is_some_and(|x| x.value == n) => found = Some(op),
                Some(_) => {}
            }
        }
        found.ok_or(match name {
            Some(_) => NoOperation::Unknown,
            None => NoOperation::Empty,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Definition {
    Operation(Operation),
    Fragment(Fragment),
    /// A type-system definition or extension; the keyword that began it (`type`, `extend`…).
    TypeSystem {
        keyword: String,
        name: Option<String>,
        pos: Pos,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

impl OperationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OperationKind,
    pub name: Option<Name>,
    pub variables: Vec<VariableDefinition>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Fragment {
    pub name: Name,
    pub type_condition: Name,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct VariableDefinition {
    pub name: Name,
    pub ty: Type,
    pub default: Option<Value>,
    pub directives: Vec<Directive>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Named(Name),
    List(Box<Type>, Pos),
    NonNull(Box<Type>, Pos),
}

impl Type {
    pub fn pos(&self) -> Pos {
        match self {
            Type::Named(n) => n.pos,
            Type::List(_, p) | Type::NonNull(_, p) => *p,
        }
    }

    pub fn named(&self) -> &Name {
        match self {
            Type::Named(n) => n,
            Type::List(t, _) | Type::NonNull(t, _) => t.named(),
        }
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Named(n) => write!(f, "{}", n.value),
            Type::List(t, _) => write!(f, "[{t}]"),
            Type::NonNull(t, _) => write!(f, "{t}!"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub value: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct SelectionSet {
    pub items: Vec<Selection>,
    pub pos: Option<Pos>,
}

#[derive(Debug, Clone)]
pub enum Selection {
    Field(Field),
    FragmentSpread(FragmentSpread),
    InlineFragment(InlineFragment),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub alias: Option<Name>,
    pub name: Name,
    pub arguments: Vec<Argument>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
    pub pos: Pos,
}

impl Field {
    pub fn response_key(&self) -> &str {
        self.alias.as_ref().unwrap_or(&self.name).value.as_str()
    }
}

#[derive(Debug, Clone)]
pub struct FragmentSpread {
    pub name: Name,
    pub directives: Vec<Directive>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct InlineFragment {
    pub type_condition: Option<Name>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Directive {
    pub name: Name,
    pub arguments: Vec<Argument>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub name: Name,
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Variable(String),
    /// Int and Float keep their source text: coercion decides what it means.
    Int(String),
    Float(String),
    String {
        value: String,
        block: bool,
    },
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<Value>),
    Object(Vec<ObjectField>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectField {
    pub name: Name,
    pub value: Value,
    pub pos: Pos,
}

/// graphql-core's `print_ast` for values, used in error messages.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ValueKind::Variable(n) => write!(f, "${n}"),
            ValueKind::Int(s) | ValueKind::Float(s) | ValueKind::Enum(s) => f.write_str(s),
            ValueKind::String { value, block: true } => f.write_str(&print_block_string(value)),
            ValueKind::String { value, block: false } => f.write_str(&print_string(value)),
            ValueKind::Boolean(b) => write!(f, "{b}"),
            ValueKind::Null => f.write_str("null"),
            ValueKind::List(items) => {
                let items: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", items.join(", "))
            }
            ValueKind::Object(fields) => {
                let fields: Vec<String> =
                    fields.iter().map(|o| format!("{}: {}", o.name.value, o.value)).collect();
                write!(f, "{{{}}}", fields.join(", "))
            }
        }
    }
}

/// A GraphQL string literal, escaped as graphql-core's `print_string` escapes it.
pub fn print_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// graphql-core's `print_block_string`: multi-line form when the text is long, spans lines
/// or ends in a quote or backslash.
pub fn print_block_string(value: &str) -> String {
    let escaped = value.replace("\"\"\"", "\\\"\"\"");
    let lines: Vec<&str> = escaped.split(['\n', '\r']).collect();
    let single = lines.len() == 1;
    let force_leading =
        lines.len() > 1 && lines[1..].iter().all(|l| l.is_empty() || l.starts_with([' ', '\t']));
    let trailing_triple = escaped.ends_with("\\\"\"\"");
    let force_trailing = (value.ends_with('"') && !trailing_triple) || value.ends_with('\\');
    let multiple =
        !single || value.chars().count() > 70 || force_trailing || force_leading || trailing_triple;
    let skip_leading = single && value.starts_with([' ', '\t']);
    let before = if (multiple && !skip_leading) || force_leading { "\n" } else { "" };
    let after = if multiple || force_trailing { "\n" } else { "" };
    format!("\"\"\"{before}{escaped}{after}\"\"\"")
}
