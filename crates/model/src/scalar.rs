//! The one table of scalar kinds: a declared SQL type → the kind SQLAlchemy's SQLite dialect
//! reflects it as → the GraphQL scalar graphene-sqlalchemy makes of it → its filter input →
//! how a stored value is read → how a filter value is bound.
//!
//! SQLite is dynamically typed, so a stored value need not fit its column's type: reading
//! is fallible, and a value the scalar cannot represent is a field error with graphene's
//! message, never a wrong value. Dates and times are read in every form SQLite's date
//! functions accept and compared as the instants they denote.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::datetime::{self, DateTime, Temporal};
use relaylite_graphql::json::Value;
use relaylite_graphql::pyrepr::{float_repr, json_dumps, python_int, str_repr};

/// A value as a row holds it: SQLite's storage classes (PostgreSQL's values are decoded, or
/// cast by the statement, into these).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(std::rc::Rc<str>),
    Blob(std::rc::Rc<[u8]>),
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What a column holds, as graphene-sqlalchemy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// INTEGER, INT, SMALLINT and anything with `INT` in it.
    Int,
    /// FLOAT, REAL, DOUBLE and BIGINT (graphene-sqlalchemy makes BigInteger a Float).
    Float,
    /// NUMERIC and DECIMAL (and whatever else SQLite gives NUMERIC affinity): a Float,
    /// rounded to `scale` decimals on the way out as SQLAlchemy's Decimal does.
    Numeric {
        scale: u8,
    },
    /// TEXT, VARCHAR, NVARCHAR(n), CHAR, CLOB.
    String,
    Boolean,
    Date,
    Time,
    DateTime,
    /// JSON, as graphene's `JSONString`.
    Json,
    /// BLOB or no declared type: bytes come out as a base64 String.
    Blob,
    /// PostgreSQL's `uuid`, as graphene's `UUID`.
    Uuid,
    /// PostgreSQL's `timestamptz`: read in UTC, written with its `+00:00` as psycopg2's
    /// aware datetimes are.
    DateTimeTz,
    /// A PostgreSQL enum type, as a GraphQL enum.
    Enum(&'static EnumType),
    /// A PostgreSQL array of a plain kind, as a GraphQL list (not filterable).
    Array(Element),
}

/// A database enum type as graphene-sqlalchemy shows it: a GraphQL enum named after the
/// type, each label a value (`in_progress` → `IN_PROGRESS`), with an equality filter.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EnumType {
    pub name: String,
    pub filter: String,
    /// (GraphQL value name, the database's label), in the type's order.
    pub values: Vec<(String, String)>,
}

/// What a PostgreSQL array holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    Int,
    Float,
    String,
    Boolean,
}

/// A filter input type: its name, description and operators, in graphene's order.
pub struct FilterType {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub ops: &'static [FilterOp],
}

/// A comparison a column's filter input offers, as graphene-sqlalchemy names its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    NEq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
    Like,
    NotLike,
    ILike,
}

impl FilterOp {
    const ALL: [FilterOp; 11] = [
        FilterOp::Eq,
        FilterOp::NEq,
        FilterOp::Gt,
        FilterOp::Gte,
        FilterOp::Lt,
        FilterOp::Lte,
        FilterOp::In,
        FilterOp::NotIn,
        FilterOp::Like,
        FilterOp::NotLike,
        FilterOp::ILike,
    ];

    /// The input field's name.
    pub fn name(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::NEq => "nEq",
            FilterOp::Gt => "gt",
            FilterOp::Gte => "gte",
            FilterOp::Lt => "lt",
            FilterOp::Lte => "lte",
            FilterOp::In => "in",
            FilterOp::NotIn => "notIn",
            FilterOp::Like => "like",
            FilterOp::NotLike => "notlike",
            FilterOp::ILike => "ilike",
        }
    }

    /// The operator an input field names.
    pub fn named(name: &str) -> Option<FilterOp> {
        FilterOp::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether it takes a list of the column's values rather than one.
    pub fn takes_list(self) -> bool {
        matches!(self, FilterOp::In | FilterOp::NotIn)
    }
}

const ORDERED: &[FilterOp] = {
    use FilterOp::*;
    &[Eq, Gt, Gte, In, Lt, Lte, NEq, NotIn]
};
const EQUALITY: &[FilterOp] = &[FilterOp::Eq, FilterOp::In, FilterOp::NEq, FilterOp::NotIn];
const TEXT: &[FilterOp] = {
    use FilterOp::*;
    &[Eq, ILike, In, Like, NEq, NotIn, NotLike]
};
const CONCRETE: Option<&str> = Some(
    "Concrete Filter Class which specifies a type for all the abstract filter methods defined in the super classes",
);

/// The filter of a primary key column: raw keys compared as IDs.
pub const ID_FILTER: FilterType = FilterType { name: "IdFilter", description: None, ops: EQUALITY };

impl Scalar {
    /// SQLAlchemy's `_resolve_type_affinity` on a declared type: its exact names first, then
    /// SQLite's affinity rules.
    pub fn from_declared(declared: &str) -> Scalar {
        let upper = declared.to_uppercase();
        let (name, args) = split_declared(&upper);
        let exact = match name.as_str() {
            "BIGINT" | "FLOAT" | "REAL" | "DOUBLE" => Some(Scalar::Float),
            "NUMERIC" | "DECIMAL" => Some(Scalar::Numeric { scale: numeric_scale(args) }),
            "INT" | "INTEGER" | "SMALLINT" => Some(Scalar::Int),
            "BOOL" | "BOOLEAN" => Some(Scalar::Boolean),
            "DATE" | "DATE_CHAR" => Some(Scalar::Date),
            "TIME" | "TIME_CHAR" => Some(Scalar::Time),
            "DATETIME" | "DATETIME_CHAR" | "TIMESTAMP" => Some(Scalar::DateTime),
            "JSON" => Some(Scalar::Json),
            "BLOB" => Some(Scalar::Blob),
            "CHAR" | "NCHAR" | "VARCHAR" | "NVARCHAR" | "TEXT" => Some(Scalar::String),
            _ => None,
        };
        exact.unwrap_or_else(|| match name.as_str() {
            n if n.contains("INT") => Scalar::Int,
            n if n.contains("CHAR") || n.contains("CLOB") || n.contains("TEXT") => Scalar::String,
            n if n.contains("BLOB") || n.is_empty() => Scalar::Blob,
            n if n.contains("REAL") || n.contains("FLOA") || n.contains("DOUB") => Scalar::Float,
            _ => Scalar::Numeric { scale: numeric_scale(args) },
        })
    }

    /// The GraphQL scalar a column of this kind shows as.
    pub fn graphql(self) -> &'static str {
        match self {
            Scalar::Int => "Int",
            Scalar::Float | Scalar::Numeric { .. } => "Float",
            Scalar::String | Scalar::Blob => "String",
            Scalar::Boolean => "Boolean",
            Scalar::Date => "Date",
            Scalar::Time => "Time",
            Scalar::DateTime | Scalar::DateTimeTz => "DateTime",
            Scalar::Json => "JSONString",
            Scalar::Uuid => "UUID",
            Scalar::Enum(e) => &e.name,
            Scalar::Array(Element::Int) => "[Int]",
            Scalar::Array(Element::Float) => "[Float]",
            Scalar::Array(Element::String) => "[String]",
            Scalar::Array(Element::Boolean) => "[Boolean]",
        }
    }

    /// The filter input of this kind; none for arrays (graphene-sqlalchemy has none).
    pub fn filter(self) -> Option<FilterType> {
        let (name, description, ops) = match self {
            Scalar::Int => ("IntFilter", None, ORDERED),
            Scalar::Float | Scalar::Numeric { .. } => ("FloatFilter", CONCRETE, ORDERED),
            Scalar::String | Scalar::Blob => ("StringFilter", None, TEXT),
            Scalar::Boolean => ("BooleanFilter", None, EQUALITY),
            Scalar::Date => ("DateFilter", CONCRETE, ORDERED),
            Scalar::Time => ("DefaultTimeScalarFilter", None, EQUALITY),
            Scalar::DateTime | Scalar::DateTimeTz => ("DateTimeFilter", CONCRETE, ORDERED),
            Scalar::Json => ("DefaultJSONStringScalarFilter", None, EQUALITY),
            Scalar::Uuid => ("DefaultUUIDScalarFilter", None, EQUALITY),
            Scalar::Enum(e) => (e.filter.as_str(), None, EQUALITY),
            Scalar::Array(_) => return None,
        };
        Some(FilterType { name, description, ops })
    }

    /// The SQL function that turns a stored value into a comparable one, for kinds stored as
    /// text in many forms: filters and sorts then compare instants, not spellings.
    pub fn comparable(self) -> Option<Temporal> {
        match self {
            Scalar::Date => Some(Temporal::Date),
            Scalar::Time => Some(Temporal::Time),
            Scalar::DateTime => Some(Temporal::DateTime),
            _ => None,
        }
    }

    /// A stored value as this scalar, or graphene's (graphql-core's) message for a value the
    /// scalar cannot represent.
    pub fn read(self, cell: &Cell) -> Result<Value, String> {
        if *cell == Cell::Null {
            return Ok(Value::Null);
        }
        match self {
            Scalar::Int => read_int(cell),
            Scalar::Float => read_float(cell, None),
            Scalar::Numeric { scale } => read_float(cell, Some(scale)),
            Scalar::String => read_string(cell),
            Scalar::Blob => Ok(match cell {
                Cell::Blob(b) => Value::Str(STANDARD.encode(b).into()),
                other => return read_string(other),
            }),
            Scalar::Boolean => read_boolean(cell),
            Scalar::Date | Scalar::Time | Scalar::DateTime => read_temporal(self, cell),
            Scalar::Json => read_json(cell),
            Scalar::Uuid => read_string(cell),
            Scalar::DateTimeTz => match read_temporal(Scalar::DateTime, cell)? {
                Value::Str(s) => Ok(Value::Str(format!("{s}+00:00").into())),
                other => Ok(other),
            },
            Scalar::Enum(e) => read_enum(e, cell),
            Scalar::Array(element) => read_array(element, cell),
        }
    }
}

/// `NUMERIC(10, 2)` → (`NUMERIC`, `(10, 2)`), as SQLAlchemy's regex `([\w ]+)(\(.*?\))?`
/// splits it (the name keeps inner spaces; the trailing one is trimmed for the lookup).
fn split_declared(upper: &str) -> (String, &str) {
    let end = upper.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ' '));
    let (name, rest) = upper.split_at(end.unwrap_or(upper.len()));
    (name.trim().to_string(), rest)
}

/// The scale of `NUMERIC(p, s)`; SQLAlchemy's Decimal default of 10 without one.
fn numeric_scale(args: &str) -> u8 {
    let numbers: Vec<u8> =
        args.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    numbers.get(1).copied().unwrap_or(10)
}

fn read_int(cell: &Cell) -> Result<Value, String> {
    // The cell is shown only in an error: spelling it for every value cost as much as
    // reading it.
    let n = match cell {
        Cell::Int(i) => Some(i128::from(*i)),
        Cell::Real(f) => (f.is_finite() && f.fract() == 0.0).then_some(*f as i128),
        Cell::Text(s) => python_int(s),
        Cell::Blob(_) => None,
        Cell::Null => return Ok(Value::Null),
    };
    match n {
        None => Err(format!("Int cannot represent non-integer value: {}", shown(cell))),
        Some(n) if i32::try_from(n).is_err() => {
            Err(format!("Int cannot represent non 32-bit signed integer value: {}", shown(cell)))
        }
        Some(n) => Ok(Value::Int(n as i64)),
    }
}

fn read_float(cell: &Cell, scale: Option<u8>) -> Result<Value, String> {
    let f = match cell {
        Cell::Int(i) => Some(*i as f64),
        Cell::Real(f) => Some(*f),
        Cell::Text(s) => s.trim().parse::<f64>().ok(),
        Cell::Blob(_) => None,
        Cell::Null => return Ok(Value::Null),
    };
    match f.filter(|f| f.is_finite()) {
        // SQLAlchemy's Decimal for NUMERIC formats the float with `scale` decimals.
        Some(f) => Ok(Value::Float(match scale {
            Some(s) => format!("{f:.prec$}", prec = usize::from(s)).parse().unwrap_or(f),
            None => f,
        })),
        None => Err(format!("Float cannot represent non numeric value: {}", shown(cell))),
    }
}

fn read_string(cell: &Cell) -> Result<Value, String> {
    match cell {
        Cell::Text(s) => Ok(Value::Str(s.clone())),
        Cell::Int(i) => Ok(Value::Str(i.to_string().into())),
        Cell::Real(f) if f.is_finite() => Ok(Value::Str(float_repr(*f).into())),
        Cell::Real(f) => Err(format!("String cannot represent value: {}", float_repr(*f))),
        Cell::Blob(b) => Err(format!("String cannot represent value: {}", bytes_repr(b))),
        Cell::Null => Ok(Value::Null),
    }
}

fn read_boolean(cell: &Cell) -> Result<Value, String> {
    match cell {
        Cell::Int(i) => Ok(Value::Bool(*i != 0)),
        Cell::Real(f) if f.is_finite() => Ok(Value::Bool(*f != 0.0)),
        Cell::Real(f) => {
            Err(format!("Boolean cannot represent a non boolean value: {}", float_repr(*f)))
        }
        Cell::Text(s) => {
            Err(format!("Boolean cannot represent a non boolean value: {}", str_repr(s)))
        }
        Cell::Blob(b) => {
            Err(format!("Boolean cannot represent a non boolean value: {}", bytes_repr(b)))
        }
        Cell::Null => Ok(Value::Null),
    }
}

/// Dates and times in any of the text forms SQLite's date functions accept, written as
/// Python's `isoformat()`.
fn read_temporal(kind: Scalar, cell: &Cell) -> Result<Value, String> {
    let shown = match cell {
        Cell::Text(s) => {
            let parsed = DateTime::from_sqlite(s);
            let text = parsed.map(|d| match kind {
                Scalar::Date => d.date_isoformat(),
                Scalar::Time => d.time_isoformat(),
                _ => d.to_string(),
            });
            // A time alone reads as a time, not as a date with no time.
            let text = text.or_else(|| (kind == Scalar::Time).then(|| datetime::time_alone(s))?);
            if let Some(text) = text {
                return Ok(Value::Str(text.into()));
            }
            str_repr(s)
        }
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => float_repr(*f),
        Cell::Blob(b) => bytes_repr(b),
        Cell::Null => return Ok(Value::Null),
    };
    Err(format!("{} cannot represent value: {shown}", kind.graphql()))
}

/// A label as its GraphQL value; a label the type does not have is an error, as graphene's
/// serializer makes it.
fn read_enum(e: &EnumType, cell: &Cell) -> Result<Value, String> {
    let label = match cell {
        Cell::Text(s) => s,
        other => return Err(format!("Enum '{}' cannot represent value: {}", e.name, shown(other))),
    };
    match e.values.iter().find(|(_, l)| **l == **label) {
        Some((name, _)) => Ok(Value::Str(name.as_str().into())),
        None => Err(format!("Enum '{}' cannot represent value: {}", e.name, str_repr(label))),
    }
}

/// An array, read from PostgreSQL's text of it (`{1,2}`, `{"a b",NULL}`), each item as
/// `element`. Text, not JSON, so that a keyset cursor can hold the value as PostgreSQL
/// reads it back.
fn read_array(element: Element, cell: &Cell) -> Result<Value, String> {
    let Cell::Text(text) = cell else {
        return Err(format!("Expected an array, got {}", shown(cell)));
    };
    let items =
        array_items(text).ok_or_else(|| format!("Expected an array, got {}", str_repr(text)))?;
    let item = |v: &Option<String>| -> Result<Value, String> {
        let cell = match v {
            None => Cell::Null,
            Some(t) => match element {
                Element::Boolean => Cell::Int(i64::from(t == "t")),
                Element::Int => {
                    t.parse().map(Cell::Int).unwrap_or_else(|_| Cell::Text(t.as_str().into()))
                }
                Element::Float => {
                    t.parse().map(Cell::Real).unwrap_or_else(|_| Cell::Text(t.as_str().into()))
                }
                Element::String => Cell::Text(t.as_str().into()),
            },
        };
        match element {
            Element::Int => read_int(&cell),
            Element::Float => read_float(&cell, None),
            Element::String => read_string(&cell),
            Element::Boolean => read_boolean(&cell),
        }
    };
    items.iter().map(item).collect::<Result<Vec<_>, _>>().map(Value::List)
}

/// The items of a one-dimensional array in PostgreSQL's text form, `None` for a NULL item;
/// `None` when the text is no such array.
fn array_items(text: &str) -> Option<Vec<Option<String>>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    while chars.peek().is_some() {
        let item = match chars.peek() {
            Some('"') => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\\' => s.push(chars.next()?),
                        '"' => break,
                        c => s.push(c),
                    }
                }
                Some(s)
            }
            _ => {
                let s: String = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
                (s != "NULL").then_some(s)
            }
        };
        items.push(item);
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return None,
        }
    }
    Some(items)
}

fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Null => "None".into(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => float_repr(*f),
        Cell::Text(s) => str_repr(s),
        Cell::Blob(b) => bytes_repr(b),
    }
}

/// graphene's `JSONString`: the stored JSON, written as Python's `json.dumps` writes it.
fn read_json(cell: &Cell) -> Result<Value, String> {
    let text = match cell {
        Cell::Text(s) => s.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => float_repr(*f),
        Cell::Blob(b) => {
            return Err(format!("JSONString cannot represent value: {}", bytes_repr(b)));
        }
        Cell::Null => return Ok(Value::Null),
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => Ok(Value::Str(json_dumps(&v).into())),
        Err(_) => Err(format!("JSONString cannot represent value: {}", str_repr(&text))),
    }
}

/// Python's `repr(bytes)`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_resolve_as_sqlalchemy_reflects_them() {
        let cases = [
            ("INTEGER", Scalar::Int),
            ("NVARCHAR(120)", Scalar::String),
            ("NUMERIC(10,2)", Scalar::Numeric { scale: 2 }),
            ("DECIMAL", Scalar::Numeric { scale: 10 }),
            ("UNSIGNED BIG INT", Scalar::Int),
            ("BIGINT", Scalar::Float),
            ("VARYING CHARACTER(255)", Scalar::String),
            ("DOUBLE PRECISION", Scalar::Float),
            ("", Scalar::Blob),
            ("bool", Scalar::Boolean),
            ("TIMESTAMP", Scalar::DateTime),
            ("DATETIME", Scalar::DateTime),
            ("DATE", Scalar::Date),
            ("TIME", Scalar::Time),
            ("JSON", Scalar::Json),
            ("BLOB", Scalar::Blob),
            ("CLOB", Scalar::String),
            ("STRING", Scalar::Numeric { scale: 10 }),
            ("FLOATING POINT", Scalar::Int),
            ("varchar (10)", Scalar::String),
        ];
        for (declared, want) in cases {
            assert_eq!(Scalar::from_declared(declared), want, "{declared}");
        }
    }

    #[test]
    fn values_a_scalar_cannot_hold_are_graphene_errors() {
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(Scalar::Int.read(&Cell::Int(7)), Ok(Value::Int(7)));
        assert_eq!(Scalar::Int.read(&text(" 12 ")), Ok(Value::Int(12)));
        assert_eq!(
            Scalar::Int.read(&text("abc")),
            Err("Int cannot represent non-integer value: 'abc'".into())
        );
        assert_eq!(
            Scalar::Int.read(&Cell::Int(3_000_000_000)),
            Err("Int cannot represent non 32-bit signed integer value: 3000000000".into())
        );
        assert_eq!(
            Scalar::Float.read(&Cell::Real(f64::INFINITY)),
            Err("Float cannot represent non numeric value: inf".into())
        );
        assert_eq!(Scalar::Numeric { scale: 2 }.read(&Cell::Real(1.005)), Ok(Value::Float(1.0)));
        assert_eq!(
            Scalar::Numeric { scale: 10 }.read(&Cell::Real(0.1 + 0.2)),
            Ok(Value::Float(0.3))
        );
        assert_eq!(
            Scalar::String.read(&Cell::Blob(vec![0u8].into())),
            Err("String cannot represent value: b'\\x00'".into())
        );
        assert_eq!(
            Scalar::Blob.read(&Cell::Blob(vec![1u8, 2].into())),
            Ok(Value::Str("AQI=".into()))
        );
        assert_eq!(Scalar::Boolean.read(&Cell::Int(2)), Ok(Value::Bool(true)));
        assert_eq!(
            Scalar::DateTime.read(&text("2020-01-02T03:04:05.5")),
            Ok(Value::Str("2020-01-02T03:04:05.500000".into()))
        );
        assert_eq!(
            Scalar::DateTime.read(&text("yesterday")),
            Err("DateTime cannot represent value: 'yesterday'".into())
        );
        assert_eq!(
            Scalar::Date.read(&text("2020-01-02 10:00")),
            Ok(Value::Str("2020-01-02".into()))
        );
        assert_eq!(Scalar::Time.read(&text("10:00")), Ok(Value::Str("10:00:00".into())));
        assert_eq!(
            Scalar::Json.read(&text("{\"a\":[1,2]}")),
            Ok(Value::Str("{\"a\": [1, 2]}".into()))
        );
    }
}
