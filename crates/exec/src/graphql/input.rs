//! Input coercion: variables from JSON, literals from the document, argument values.
//!
//! Each rule and message follows graphql-core 3.2's `coerce_input_value`,
//! `value_from_ast` and `get_argument_values`, with graphene's `DateTime` on top, because
//! clients see these texts whenever they send a wrong value.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::datetime::{self, DateTime};
use crate::graphql::ast::{self, ValueKind};
use crate::graphql::error::GraphQLError;
use crate::graphql::pyrepr::{inspect, str_repr};
use crate::graphql::suggest::{did_you_mean, suggestion_list};
use crate::schema::{Kind, Scalar, Schema, TypeRef};

/// A coerced input value.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Null,
    Int(i64),
    Float(f64),
    String(String),
    Boolean(bool),
    /// The value's position among its enum type's values, as the schema declares them.
    Enum(usize),
    /// The wall time as written, and its offset in minutes east of UTC (0 without one).
    DateTime(DateTime, i64),
    List(Vec<Input>),
    Object(Vec<(String, Input)>),
}

pub type Variables = HashMap<String, Input>;

/// Coerced field arguments, in the order the field declares them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub Vec<(String, Input)>);

impl Args {
    pub fn get(&self, name: &str) -> Option<&Input> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Input::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn string(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Input::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// Resolves an AST type against the schema, if every name in it is an input type.
pub fn type_from_ast(schema: &Schema, t: &ast::Type) -> Option<TypeRef> {
    Some(match t {
        ast::Type::Named(n) => TypeRef::Named(schema.type_id(&n.value)?),
        ast::Type::List(t, _) => TypeRef::List(Box::new(type_from_ast(schema, t)?)),
        ast::Type::NonNull(t, _) => TypeRef::NonNull(Box::new(type_from_ast(schema, t)?)),
    })
}

/// graphql-core's `coerce_variable_values`.
pub fn coerce_variables(
    schema: &Schema,
    defs: &[ast::VariableDefinition],
    inputs: &serde_json::Map<String, Json>,
) -> Result<Variables, Vec<GraphQLError>> {
    let mut errors = Vec::new();
    let mut values = Variables::new();
    for def in defs {
        let name = &def.name.value;
        let Some(ty) = type_from_ast(schema, &def.ty).filter(|t| schema.ty(t.named()).is_input())
        else {
            let msg = format!(
                "Variable '${name}' expected value of type '{}' which cannot be used as an input type.",
                def.ty
            );
            errors.push(GraphQLError::at(msg, def.ty.pos()));
            continue;
        };
        let type_str = schema.type_string(&ty);
        match inputs.get(name) {
            None => {
                if let Some(default) = &def.default {
                    if let Some(v) = literal(schema, &ty, default, &Variables::new()) {
                        values.insert(name.clone(), v);
                    }
                } else if ty.is_non_null() {
                    let msg = format!(
                        "Variable '${name}' of required type '{type_str}' was not provided."
                    );
                    errors.push(GraphQLError::at(msg, def.pos));
                }
            }
            Some(Json::Null) if ty.is_non_null() => {
                let msg =
                    format!("Variable '${name}' of non-null type '{type_str}' must not be null.");
                errors.push(GraphQLError::at(msg, def.pos));
            }
            Some(json) => {
                let mut on_error = |path: &[PathItem], invalid: &Json, message: String| {
                    let mut prefix =
                        format!("Variable '${name}' got invalid value {}", inspect(invalid));
                    if !path.is_empty() {
                        prefix.push_str(&format!(" at '{name}{}'", print_path(path)));
                    }
                    errors.push(GraphQLError::at(format!("{prefix}; {message}"), def.pos));
                };
                if let Some(v) = coerce_json(schema, &ty, json, &mut Vec::new(), &mut on_error) {
                    values.insert(name.clone(), v);
                }
            }
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

#[derive(Debug, Clone)]
pub enum PathItem {
    Key(String),
    Index(usize),
}

fn print_path(path: &[PathItem]) -> String {
    path.iter()
        .map(|p| match p {
            PathItem::Key(k) => format!(".{k}"),
            PathItem::Index(i) => format!("[{i}]"),
        })
        .collect()
}

type OnError<'a> = dyn FnMut(&[PathItem], &Json, String) + 'a;

/// graphql-core's `coerce_input_value`; `None` is graphql-core's `Undefined`.
pub fn coerce_json(
    schema: &Schema,
    ty: &TypeRef,
    v: &Json,
    path: &mut Vec<PathItem>,
    on_error: &mut OnError<'_>,
) -> Option<Input> {
    match ty {
        TypeRef::NonNull(inner) => {
            if v.is_null() {
                let msg = format!(
                    "Expected non-nullable type '{}' not to be null.",
                    schema.type_string(ty)
                );
                on_error(path, v, msg);
                return None;
            }
            coerce_json(schema, inner, v, path, on_error)
        }
        _ if v.is_null() => Some(Input::Null),
        TypeRef::List(item) => match v {
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    path.push(PathItem::Index(i));
                    // graphql-core keeps going after an invalid item, to report them all.
                    out.push(coerce_json(schema, item, x, path, on_error).unwrap_or(Input::Null));
                    path.pop();
                }
                Some(Input::List(out))
            }
            _ => Some(Input::List(vec![coerce_json(schema, item, v, path, on_error)?])),
        },
        TypeRef::Named(id) => {
            let t = schema.ty(*id);
            match &t.kind {
                Kind::InputObject { fields } => {
                    let Json::Object(map) = v else {
                        on_error(path, v, format!("Expected type '{}' to be a mapping.", t.name));
                        return None;
                    };
                    let mut out = Vec::new();
                    for field in fields {
                        let Some(x) = map.get(&field.name) else {
                            if field.ty.is_non_null() {
                                let msg = format!(
                                    "Field '{}' of required type '{}' was not provided.",
                                    field.name,
                                    schema.type_string(&field.ty)
                                );
                                on_error(path, v, msg);
                            }
                            continue;
                        };
                        path.push(PathItem::Key(field.name.clone()));
                        let coerced = coerce_json(schema, &field.ty, x, path, on_error);
                        path.pop();
                        out.push((field.name.clone(), coerced.unwrap_or(Input::Null)));
                    }
                    for key in map.keys() {
                        if !fields.iter().any(|f| &f.name == key) {
                            let names = fields.iter().map(|f| f.name.as_str());
                            let msg = format!(
                                "Field '{key}' is not defined by type '{}'.{}",
                                t.name,
                                did_you_mean(&suggestion_list(key, names), None)
                            );
                            on_error(path, v, msg);
                        }
                    }
                    Some(Input::Object(out))
                }
                Kind::Enum { values } => {
                    let names = || values.iter().map(|e| e.name.as_str());
                    let position = |s: &str| names().position(|n| n == s);
                    let result = match v {
                        Json::String(s) if let Some(i) = position(s) => Ok(Input::Enum(i)),
                        Json::String(s) => Err(format!(
                            "Value '{s}' does not exist in '{}' enum.{}",
                            t.name,
                            did_you_mean(&suggestion_list(s, names()), Some("the enum value"))
                        )),
                        _ => {
                            let shown = inspect(v);
                            Err(format!(
                                "Enum '{}' cannot represent non-string value: {shown}.{}",
                                t.name,
                                did_you_mean(
                                    &suggestion_list(&shown, names()),
                                    Some("the enum value")
                                )
                            ))
                        }
                    };
                    result.map_err(|msg| on_error(path, v, msg)).ok()
                }
                Kind::Scalar(s) => scalar_value(*s, v).map_err(|msg| on_error(path, v, msg)).ok(),
                Kind::Object { .. } | Kind::Interface { .. } => None,
            }
        }
    }
}

const MAX_INT: i64 = i32::MAX as i64;
const MIN_INT: i64 = i32::MIN as i64;

/// A scalar's `parse_value` on a JSON value.
fn scalar_value(s: Scalar, v: &Json) -> Result<Input, String> {
    match (s, v) {
        (Scalar::Int, Json::Number(n)) => {
            let i = match n.as_i64() {
                Some(i) => Some(i),
                None => n
                    .as_f64()
                    .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 1e300)
                    .map(|f| if f.abs() < 9.2e18 { f as i64 } else { i64::MAX }),
            };
            match i {
                Some(i) if (MIN_INT..=MAX_INT).contains(&i) => Ok(Input::Int(i)),
                Some(_) => Err(format!(
                    "Int cannot represent non 32-bit signed integer value: {}",
                    inspect(v)
                )),
                None => Err(format!("Int cannot represent non-integer value: {}", inspect(v))),
            }
        }
        (Scalar::Int, _) => Err(format!("Int cannot represent non-integer value: {}", inspect(v))),
        (Scalar::Float, Json::Number(n)) => Ok(Input::Float(n.as_f64().unwrap_or(f64::NAN))),
        (Scalar::Float, _) => {
            Err(format!("Float cannot represent non numeric value: {}", inspect(v)))
        }
        (Scalar::String, Json::String(s)) => Ok(Input::String(s.clone())),
        (Scalar::String, _) => {
            Err(format!("String cannot represent a non string value: {}", inspect(v)))
        }
        (Scalar::Boolean, Json::Bool(b)) => Ok(Input::Boolean(*b)),
        (Scalar::Boolean, _) => {
            Err(format!("Boolean cannot represent a non boolean value: {}", inspect(v)))
        }
        (Scalar::Id, Json::String(s)) => Ok(Input::String(s.clone())),
        (Scalar::Id, Json::Number(n)) if n.is_i64() || n.is_u64() => {
            Ok(Input::String(n.to_string()))
        }
        (Scalar::Id, _) => Err(format!("ID cannot represent value: {}", inspect(v))),
        (Scalar::DateTime, Json::String(s)) => datetime::isoparse(s)
            .map(|(d, offset)| Input::DateTime(d, offset))
            .ok_or_else(|| format!("DateTime cannot represent value: {}", str_repr(s))),
        (Scalar::DateTime, _) => {
            Err(format!("DateTime cannot represent non-string value: {}", inspect(v)))
        }
        (other, Json::String(s)) => graphene_string(other, s)
            .ok_or_else(|| format!("{} cannot represent value: {}", name(other), str_repr(s))),
        (other, _) => {
            Err(format!("{} cannot represent non-string value: {}", name(other), inspect(v)))
        }
    }
}

fn name(s: Scalar) -> &'static str {
    match s {
        Scalar::Int => "Int",
        Scalar::Float => "Float",
        Scalar::String => "String",
        Scalar::Boolean => "Boolean",
        Scalar::Id => "ID",
        Scalar::DateTime => "DateTime",
        Scalar::Date => "Date",
        Scalar::Time => "Time",
        Scalar::JsonString => "JSONString",
        Scalar::Uuid => "UUID",
    }
}

/// graphene's Date, Time, JSONString and UUID `parse_value` on a string, as the text a
/// filter compares with: `YYYY-MM-DD`, `HH:MM:SS.ffffff`, JSON as Python's `json.dumps`
/// writes it (what SQLAlchemy's JSON column stores), a UUID as `str(uuid.UUID(text))`.
/// None for a text the scalar does not read (and for the kinds that take no text).
fn graphene_string(s: Scalar, text: &str) -> Option<Input> {
    let canonical = match s {
        Scalar::Date => datetime::fromisoformat_date(text)?.date_isoformat(),
        Scalar::Time => datetime::fromisoformat_time(text)?.time_storage(),
        Scalar::JsonString => crate::graphql::pyrepr::json_dumps(&serde_json::from_str(text).ok()?),
        Scalar::Uuid => uuid(text)?,
        Scalar::Int
        | Scalar::Float
        | Scalar::String
        | Scalar::Boolean
        | Scalar::Id
        | Scalar::DateTime => return None,
    };
    Some(Input::String(canonical))
}

/// Python's `uuid.UUID(text)`: braces, `urn:` and `uuid:` and hyphens dropped, 32 hex
/// digits left; written lowercase in 8-4-4-4-12 groups.
fn uuid(text: &str) -> Option<String> {
    let t = text.strip_prefix("urn:").unwrap_or(text);
    let t = t.strip_prefix("uuid:").unwrap_or(t);
    let hex: String = t.trim_matches(['{', '}']).replace('-', "").to_ascii_lowercase();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

/// A scalar's `parse_literal`: the error carries the value's location unless graphene
/// raised it (DateTime), as in the original.
pub fn scalar_literal(s: Scalar, v: &ast::Value) -> Result<Input, GraphQLError> {
    let at = |msg: String| Err(GraphQLError::at(msg, v.pos));
    match (s, &v.kind) {
        (Scalar::Int, ValueKind::Int(text)) => match text.parse::<i64>() {
            Ok(i) if (MIN_INT..=MAX_INT).contains(&i) => Ok(Input::Int(i)),
            _ => at(format!("Int cannot represent non 32-bit signed integer value: {v}")),
        },
        (Scalar::Int, _) => at(format!("Int cannot represent non-integer value: {v}")),
        (Scalar::Float, ValueKind::Int(t) | ValueKind::Float(t)) => {
            Ok(Input::Float(t.parse().unwrap_or(f64::NAN)))
        }
        (Scalar::Float, _) => at(format!("Float cannot represent non numeric value: {v}")),
        (Scalar::String, ValueKind::String { value, .. }) => Ok(Input::String(value.clone())),
        (Scalar::String, _) => at(format!("String cannot represent a non string value: {v}")),
        (Scalar::Boolean, ValueKind::Boolean(b)) => Ok(Input::Boolean(*b)),
        (Scalar::Boolean, _) => at(format!("Boolean cannot represent a non boolean value: {v}")),
        (Scalar::Id, ValueKind::String { value, .. }) => Ok(Input::String(value.clone())),
        (Scalar::Id, ValueKind::Int(t)) => Ok(Input::String(t.clone())),
        (Scalar::Id, _) => {
            at(format!("ID cannot represent a non-string and non-integer value: {v}"))
        }
        (Scalar::DateTime, ValueKind::String { value, .. }) => datetime::isoparse(value)
            .map(|(d, offset)| Input::DateTime(d, offset))
            .ok_or_else(|| {
                GraphQLError::bare(format!("DateTime cannot represent value: {}", str_repr(value)))
            }),
        (Scalar::DateTime, _) => {
            Err(GraphQLError::bare(format!("DateTime cannot represent non-string value: {v}")))
        }
        (other, ValueKind::String { value, .. }) => {
            graphene_string(other, value).ok_or_else(|| {
                GraphQLError::bare(format!(
                    "{} cannot represent value: {}",
                    name(other),
                    str_repr(value)
                ))
            })
        }
        (other, _) => Err(GraphQLError::bare(format!(
            "{} cannot represent non-string value: {v}",
            name(other)
        ))),
    }
}

/// An enum's `parse_literal`.
pub fn enum_literal(schema: &Schema, id: usize, v: &ast::Value) -> Result<Input, GraphQLError> {
    let t = schema.ty(id);
    let Kind::Enum { values } = &t.kind else {
        return Err(GraphQLError::at("not an enum", v.pos));
    };
    let names = || values.iter().map(|e| e.name.as_str());
    let shown = v.to_string();
    let hint = did_you_mean(&suggestion_list(&shown, names()), Some("the enum value"));
    match &v.kind {
        ValueKind::Enum(n) if let Some(i) = names().position(|x| x == n) => Ok(Input::Enum(i)),
        ValueKind::Enum(_) => Err(GraphQLError::at(
            format!("Value '{shown}' does not exist in '{}' enum.{hint}", t.name),
            v.pos,
        )),
        _ => Err(GraphQLError::at(
            format!("Enum '{}' cannot represent non-enum value: {shown}.{hint}", t.name),
            v.pos,
        )),
    }
}

fn is_missing_variable(v: &ast::Value, vars: &Variables) -> bool {
    matches!(&v.kind, ValueKind::Variable(n) if !vars.contains_key(n))
}

/// graphql-core's `value_from_ast`; `None` is `Undefined`.
pub fn literal(schema: &Schema, ty: &TypeRef, v: &ast::Value, vars: &Variables) -> Option<Input> {
    if let ValueKind::Variable(name) = &v.kind {
        let value = vars.get(name)?;
        if *value == Input::Null && ty.is_non_null() {
            return None;
        }
        return Some(value.clone());
    }
    match ty {
        TypeRef::NonNull(inner) => {
            if v.kind == ValueKind::Null {
                return None;
            }
            literal(schema, inner, v, vars)
        }
        _ if v.kind == ValueKind::Null => Some(Input::Null),
        TypeRef::List(item) => match &v.kind {
            ValueKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    if is_missing_variable(x, vars) {
                        if item.is_non_null() {
                            return None;
                        }
                        out.push(Input::Null);
                    } else {
                        out.push(literal(schema, item, x, vars)?);
                    }
                }
                Some(Input::List(out))
            }
            _ => Some(Input::List(vec![literal(schema, item, v, vars)?])),
        },
        TypeRef::Named(id) => match &schema.ty(*id).kind {
            Kind::InputObject { fields } => {
                let ValueKind::Object(given) = &v.kind else {
                    return None;
                };
                let mut out = Vec::new();
                for field in fields {
                    let node = given.iter().rev().find(|f| f.name.value == field.name);
                    match node {
                        Some(node) if !is_missing_variable(&node.value, vars) => {
                            out.push((
                                field.name.clone(),
                                literal(schema, &field.ty, &node.value, vars)?,
                            ));
                        }
                        _ if field.ty.is_non_null() => return None,
                        _ => {}
                    }
                }
                Some(Input::Object(out))
            }
            Kind::Enum { .. } => enum_literal(schema, *id, v).ok(),
            Kind::Scalar(s) => scalar_literal(*s, v).ok(),
            Kind::Object { .. } | Kind::Interface { .. } => None,
        },
    }
}

/// graphql-core's `get_argument_values`.
pub fn argument_values(
    schema: &Schema,
    defs: &[crate::schema::InputValue],
    args: &[ast::Argument],
    node_pos: crate::graphql::error::Pos,
    vars: &Variables,
) -> Result<Args, GraphQLError> {
    let mut out = Vec::with_capacity(defs.len());
    for def in defs {
        let ty_str = || schema.type_string(&def.ty);
        let default =
            || def.default.as_ref().and_then(|d| literal(schema, &def.ty, d, &Variables::new()));
        let Some(arg) = args.iter().find(|a| a.name.value == def.name) else {
            if let Some(d) = default() {
                out.push((def.name.clone(), d));
            } else if def.ty.is_non_null() {
                let msg = format!(
                    "Argument '{}' of required type '{}' was not provided.",
                    def.name,
                    ty_str()
                );
                return Err(GraphQLError::at(msg, node_pos));
            }
            continue;
        };
        let mut is_null = arg.value.kind == ValueKind::Null;
        if let ValueKind::Variable(var) = &arg.value.kind {
            match vars.get(var) {
                None => {
                    if let Some(d) = default() {
                        out.push((def.name.clone(), d));
                    } else if def.ty.is_non_null() {
                        let msg = format!(
                            "Argument '{}' of required type '{}' was provided the variable '${var}' which was not provided a runtime value.",
                            def.name,
                            ty_str()
                        );
                        return Err(GraphQLError::at(msg, arg.value.pos));
                    }
                    continue;
                }
                Some(v) => is_null = *v == Input::Null,
            }
        }
        if is_null && def.ty.is_non_null() {
            let msg = format!(
                "Argument '{}' of non-null type '{}' must not be null.",
                def.name,
                ty_str()
            );
            return Err(GraphQLError::at(msg, arg.value.pos));
        }
        match literal(schema, &def.ty, &arg.value, vars) {
            Some(v) => out.push((def.name.clone(), v)),
            None => {
                let msg = format!("Argument '{}' has invalid value {}.", def.name, arg.value);
                return Err(GraphQLError::at(msg, arg.value.pos));
            }
        }
    }
    Ok(Args(out))
}
