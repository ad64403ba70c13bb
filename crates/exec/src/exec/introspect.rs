//! Resolving `__schema` and `__type(name:)`: the plan walked over schema items.
//!
//! Reads the same `Schema` the executor and validation read, so nothing about the API is
//! declared twice; counts the values it makes, since aliases can make one introspection
//! field as large as a client likes.

use std::cell::Cell;

use crate::exec::plan::{FieldPlan, ObjectPlan};
use crate::json::Value;
use crate::schema::{
    Directive, EnumValue, Field, InputValue, Kind, Meta, Resolver, Schema, TypeId, TypeRef,
};

/// A schema item an introspection object shows.
#[derive(Clone, Copy)]
enum Item<'s> {
    Schema,
    Type(&'s TypeRef),
    Named(TypeId),
    Field(&'s Field),
    Input(&'s InputValue),
    EnumValue(&'s EnumValue),
    Directive(&'s Directive),
}

/// The schema being described, and how many more values (object fields) the response may
/// hold: aliases can make one introspection field as large as the client likes.
struct Resolve<'s> {
    schema: &'s Schema,
    left: Cell<u64>,
}

/// Resolves `__schema` or `__type(name:)` (`name` the type's) on the query root: the value
/// and how many values it holds, or `None` when it would hold more than `budget`.
pub fn resolve_root(
    schema: &Schema,
    f: &FieldPlan,
    name: Option<&str>,
    budget: u64,
) -> Option<(Value, u64)> {
    let Some(plan) = f.sub.object() else {
        return Some((Value::Null, 0));
    };
    let r = Resolve { schema, left: Cell::new(budget) };
    let value = match f.resolver {
        Resolver::Meta(Meta::Schema) => object(&r, Item::Schema, plan),
        Resolver::Meta(Meta::Type) => match name.and_then(|n| schema.type_id(n)) {
            Some(t) => object(&r, Item::Named(t), plan),
            None => Some(Value::Null),
        },
        _ => Some(Value::Null),
    };
    value.map(|v| (v, budget - r.left.get()))
}

fn object(r: &Resolve<'_>, item: Item<'_>, plan: &ObjectPlan) -> Option<Value> {
    let left = r.left.get().checked_sub(plan.fields.len() as u64)?;
    r.left.set(left);
    let mut fields = Vec::with_capacity(plan.fields.len());
    for f in &plan.fields {
        fields.push((f.key.clone(), resolve(r, item, f, plan.type_id)?));
    }
    Some(Value::Object(fields))
}

fn list<'s, T>(
    r: &Resolve<'_>,
    items: impl IntoIterator<Item = T>,
    f: &FieldPlan,
    make: impl Fn(T) -> Item<'s>,
) -> Option<Value> {
    match f.sub.object() {
        Some(plan) => {
            let items: Option<Vec<Value>> =
                items.into_iter().map(|x| object(r, make(x), plan)).collect();
            items.map(Value::List)
        }
        None => Some(Value::Null),
    }
}

fn one(r: &Resolve<'_>, item: Item<'_>, f: &FieldPlan) -> Option<Value> {
    f.sub.object().map_or(Some(Value::Null), |plan| object(r, item, plan))
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::Str(s.as_str().into()))
}

/// One field of an introspection object. Nothing in this schema is deprecated, so the
/// `includeDeprecated` arguments change no answer.
fn resolve(r: &Resolve<'_>, item: Item<'_>, f: &FieldPlan, type_id: TypeId) -> Option<Value> {
    let Resolver::Meta(meta) = f.resolver else {
        return Some(Value::Null);
    };
    if meta == Meta::Typename {
        return Some(Value::Str(r.schema.name(type_id).into()));
    }
    Some(match item {
        Item::Schema => return schema_field(r, meta, f),
        Item::Type(TypeRef::Named(t)) => return named_type_field(r, *t, meta, f),
        Item::Named(t) => return named_type_field(r, t, meta, f),
        Item::Type(wrapper) => match meta {
            Meta::Kind => {
                Value::Str(if wrapper.is_non_null() { "NON_NULL" } else { "LIST" }.into())
            }
            Meta::OfType => match wrapper {
                TypeRef::NonNull(inner) | TypeRef::List(inner) => one(r, Item::Type(inner), f)?,
                TypeRef::Named(_) => Value::Null,
            },
            _ => Value::Null,
        },
        Item::Field(field) => match meta {
            Meta::Name => Value::Str(field.name.as_str().into()),
            Meta::Description => opt_str(&field.description),
            Meta::Args => list(r, &field.args, f, Item::Input)?,
            Meta::TypeOf => one(r, Item::Type(&field.ty), f)?,
            Meta::IsDeprecated => Value::Bool(false),
            _ => Value::Null,
        },
        Item::Input(input) => match meta {
            Meta::Name => Value::Str(input.name.as_str().into()),
            Meta::Description => opt_str(&input.description),
            Meta::TypeOf => one(r, Item::Type(&input.ty), f)?,
            Meta::DefaultValue => opt_str(&input.default.as_ref().map(ToString::to_string)),
            Meta::IsDeprecated => Value::Bool(false),
            _ => Value::Null,
        },
        Item::EnumValue(v) => match meta {
            Meta::Name => Value::Str(v.name.as_str().into()),
            Meta::Description => opt_str(&v.description),
            Meta::IsDeprecated => Value::Bool(false),
            _ => Value::Null,
        },
        Item::Directive(d) => match meta {
            Meta::Name => Value::Str(d.name.into()),
            Meta::Description => Value::Str(d.description.into()),
            Meta::IsRepeatable | Meta::IsDeprecated => Value::Bool(false),
            Meta::Locations => {
                Value::List(d.locations.iter().map(|l| Value::Str((*l).into())).collect())
            }
            Meta::Args => list(r, &d.args, f, Item::Input)?,
            _ => Value::Null,
        },
    })
}

fn schema_field(r: &Resolve<'_>, meta: Meta, f: &FieldPlan) -> Option<Value> {
    let schema = r.schema;
    match meta {
        Meta::SchemaTypes => list(r, schema.order.iter().copied(), f, Item::Named),
        Meta::QueryType => one(r, Item::Named(schema.query), f),
        Meta::SchemaDirectives => list(r, &schema.directives, f, Item::Directive),
        _ => Some(Value::Null),
    }
}

fn named_type_field(r: &Resolve<'_>, t: TypeId, meta: Meta, f: &FieldPlan) -> Option<Value> {
    let ty = r.schema.ty(t);
    Some(match (meta, &ty.kind) {
        (Meta::Kind, _) => Value::Str(ty.kind_name().into()),
        (Meta::Name, _) => Value::Str(ty.name.as_str().into()),
        (Meta::Description, _) => opt_str(&ty.description),
        (Meta::Fields, Kind::Object { fields, .. } | Kind::Interface { fields, .. }) => {
            return list(r, fields, f, Item::Field);
        }
        (Meta::Interfaces, Kind::Object { interfaces, .. }) => {
            return list(r, interfaces.iter().copied(), f, Item::Named);
        }
        (Meta::Interfaces, Kind::Interface { .. }) => Value::List(Vec::new()),
        (Meta::PossibleTypes, Kind::Interface { possible, .. }) => {
            return list(r, possible.iter().copied(), f, Item::Named);
        }
        (Meta::EnumValues, Kind::Enum { values }) => return list(r, values, f, Item::EnumValue),
        (Meta::InputFields, Kind::InputObject { fields }) => {
            return list(r, fields, f, Item::Input);
        }
        (Meta::IsOneOf, Kind::InputObject { .. }) => Value::Bool(false),
        _ => Value::Null,
    })
}
