//! Introspection and SDL printing, both reading the one `Schema` the executor uses.
//!
//! The `__` types are declared here as data (with graphql-core 3.2.14's descriptions,
//! field order and arguments) and resolved by walking the plan over schema items; the SDL
//! printer follows graphql-core's `print_schema` so `relaylite schema` matches the original.

use std::cell::Cell;

use crate::ast::print_block_string;
use crate::input::Args;
use crate::json::Value;
use crate::plan::{FieldPlan, ObjectPlan};
use crate::schema::{
    Decl as MetaDecl, Directive, EnumValue, Field, InputValue, Kind, Meta, Resolver, Schema,
    TypeId, TypeRef, meta_arg as arg, meta_field as field,
};

/// Declares `__Schema`, `__Type` and the rest through the schema builder's `add`.
pub(crate) fn declare_meta_types(add: &mut dyn FnMut(&str, Option<&str>, MetaDecl)) {
    let include_deprecated = || vec![arg("includeDeprecated", "Boolean", Some("false"))];
    add(
        "__Schema",
        Some(
            "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and directives on the server, as well as the entry points for query, mutation, and subscription operations.",
        ),
        MetaDecl::Object(
            vec![
                field("description", "String", None, Meta::SchemaDescription, vec![]),
                field(
                    "types",
                    "[__Type!]!",
                    Some("A list of all types supported by this server."),
                    Meta::SchemaTypes,
                    vec![],
                ),
                field(
                    "queryType",
                    "__Type!",
                    Some("The type that query operations will be rooted at."),
                    Meta::QueryType,
                    vec![],
                ),
                field(
                    "mutationType",
                    "__Type",
                    Some(
                        "If this server supports mutation, the type that mutation operations will be rooted at.",
                    ),
                    Meta::MutationType,
                    vec![],
                ),
                field(
                    "subscriptionType",
                    "__Type",
                    Some(
                        "If this server supports subscription, the type that subscription operations will be rooted at.",
                    ),
                    Meta::SubscriptionType,
                    vec![],
                ),
                field(
                    "directives",
                    "[__Directive!]!",
                    Some("A list of all directives supported by this server."),
                    Meta::SchemaDirectives,
                    vec![arg("includeDeprecated", "Boolean!", Some("false"))],
                ),
            ],
            vec![],
        ),
    );
    add(
        "__Type",
        Some(
            "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe information about that type. Scalar types provide no information beyond a name, description and optional `specifiedByURL`, while Enum types provide their values. Object and Interface types provide the fields they describe. Abstract types, Union and Interface, provide the Object types possible at runtime. List and NonNull types compose other types.",
        ),
        MetaDecl::Object(
            vec![
                field("kind", "__TypeKind!", None, Meta::Kind, vec![]),
                field("name", "String", None, Meta::Name, vec![]),
                field("description", "String", None, Meta::Description, vec![]),
                field("specifiedByURL", "String", None, Meta::SpecifiedByUrl, vec![]),
                field("fields", "[__Field!]", None, Meta::Fields, include_deprecated()),
                field("interfaces", "[__Type!]", None, Meta::Interfaces, vec![]),
                field("possibleTypes", "[__Type!]", None, Meta::PossibleTypes, vec![]),
                field("enumValues", "[__EnumValue!]", None, Meta::EnumValues, include_deprecated()),
                field(
                    "inputFields",
                    "[__InputValue!]",
                    None,
                    Meta::InputFields,
                    include_deprecated(),
                ),
                field("ofType", "__Type", None, Meta::OfType, vec![]),
                field("isOneOf", "Boolean", None, Meta::IsOneOf, vec![]),
            ],
            vec![],
        ),
    );
    add(
        "__TypeKind",
        Some("An enum describing what kind of type a given `__Type` is."),
        MetaDecl::Enum(enum_values(&[
            ("SCALAR", "Indicates this type is a scalar."),
            (
                "OBJECT",
                "Indicates this type is an object. `fields` and `interfaces` are valid fields.",
            ),
            (
                "INTERFACE",
                "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields.",
            ),
            ("UNION", "Indicates this type is a union. `possibleTypes` is a valid field."),
            ("ENUM", "Indicates this type is an enum. `enumValues` is a valid field."),
            (
                "INPUT_OBJECT",
                "Indicates this type is an input object. `inputFields` is a valid field.",
            ),
            ("LIST", "Indicates this type is a list. `ofType` is a valid field."),
            ("NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."),
        ])),
    );
    let deprecation = || {
        vec![
            field("isDeprecated", "Boolean!", None, Meta::IsDeprecated, vec![]),
            field("deprecationReason", "String", None, Meta::DeprecationReason, vec![]),
        ]
    };
    let mut f = vec![
        field("name", "String!", None, Meta::Name, vec![]),
        field("description", "String", None, Meta::Description, vec![]),
        field("args", "[__InputValue!]!", None, Meta::Args, include_deprecated()),
        field("type", "__Type!", None, Meta::TypeOf, vec![]),
    ];
    f.extend(deprecation());
    add(
        "__Field",
        Some(
            "Object and Interface types are described by a list of Fields, each of which has a name, potentially a list of arguments, and a return type.",
        ),
        MetaDecl::Object(f, vec![]),
    );
    let mut f = vec![
        field("name", "String!", None, Meta::Name, vec![]),
        field("description", "String", None, Meta::Description, vec![]),
        field("type", "__Type!", None, Meta::TypeOf, vec![]),
        field(
            "defaultValue",
            "String",
            Some("A GraphQL-formatted string representing the default value for this input value."),
            Meta::DefaultValue,
            vec![],
        ),
    ];
    f.extend(deprecation());
    add(
        "__InputValue",
        Some(
            "Arguments provided to Fields or Directives and the input fields of an InputObject are represented as Input Values which describe their type and optionally a default value.",
        ),
        MetaDecl::Object(f, vec![]),
    );
    let mut f = vec![
        field("name", "String!", None, Meta::Name, vec![]),
        field("description", "String", None, Meta::Description, vec![]),
    ];
    f.extend(deprecation());
    add(
        "__EnumValue",
        Some(
            "One possible value for a given Enum. Enum values are unique values, not a placeholder for a string or numeric value. However an Enum value is returned in a JSON response as a string.",
        ),
        MetaDecl::Object(f, vec![]),
    );
    let mut f = vec![
        field("name", "String!", None, Meta::Name, vec![]),
        field("description", "String", None, Meta::Description, vec![]),
        field("isRepeatable", "Boolean!", None, Meta::IsRepeatable, vec![]),
        field("locations", "[__DirectiveLocation!]!", None, Meta::Locations, vec![]),
        field("args", "[__InputValue!]!", None, Meta::Args, include_deprecated()),
    ];
    f.extend(deprecation());
    add(
        "__Directive",
        Some(
            "A Directive provides a way to describe alternate runtime execution and type validation behavior in a GraphQL document.\n\nIn some cases, you need to provide options to alter GraphQL's execution behavior in ways field arguments will not suffice, such as conditionally including or skipping a field. Directives provide this by describing additional information to the executor.",
        ),
        MetaDecl::Object(f, vec![]),
    );
    add(
        "__DirectiveLocation",
        Some(
            "A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes one such possible adjacencies.",
        ),
        MetaDecl::Enum(enum_values(&[
            ("QUERY", "Location adjacent to a query operation."),
            ("MUTATION", "Location adjacent to a mutation operation."),
            ("SUBSCRIPTION", "Location adjacent to a subscription operation."),
            ("FIELD", "Location adjacent to a field."),
            ("FRAGMENT_DEFINITION", "Location adjacent to a fragment definition."),
            ("FRAGMENT_SPREAD", "Location adjacent to a fragment spread."),
            ("INLINE_FRAGMENT", "Location adjacent to an inline fragment."),
            ("VARIABLE_DEFINITION", "Location adjacent to a variable definition."),
            ("SCHEMA", "Location adjacent to a schema definition."),
            ("SCALAR", "Location adjacent to a scalar definition."),
            ("OBJECT", "Location adjacent to an object type definition."),
            ("FIELD_DEFINITION", "Location adjacent to a field definition."),
            ("ARGUMENT_DEFINITION", "Location adjacent to an argument definition."),
            ("INTERFACE", "Location adjacent to an interface definition."),
            ("UNION", "Location adjacent to a union definition."),
            ("ENUM", "Location adjacent to an enum definition."),
            ("ENUM_VALUE", "Location adjacent to an enum value definition."),
            ("INPUT_OBJECT", "Location adjacent to an input object type definition."),
            ("INPUT_FIELD_DEFINITION", "Location adjacent to an input object field definition."),
            ("DIRECTIVE_DEFINITION", "Location adjacent to a directive definition."),
        ])),
    );
}

fn enum_values(values: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    values.iter().map(|(n, d)| (n.to_string(), Some(d.to_string()))).collect()
}

/// graphql-core's specified directives, in its order.
pub(crate) fn directives(resolve: &dyn Fn(&str) -> TypeRef) -> Vec<Directive> {
    let input = |name: &str, ty: &str, desc: &str, default: Option<&str>| InputValue {
        name: name.into(),
        description: Some(desc.into()),
        ty: resolve(ty),
        default: default.map(Into::into),
    };
    vec![
        Directive {
            name: "include",
            description: "Directs the executor to include this field or fragment only when the `if` argument is true.",
            locations: &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
            args: vec![input("if", "Boolean!", "Included when true.", None)],
        },
        Directive {
            name: "skip",
            description: "Directs the executor to skip this field or fragment when the `if` argument is true.",
            locations: &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
            args: vec![input("if", "Boolean!", "Skipped when true.", None)],
        },
        Directive {
            name: "deprecated",
            description: "Marks an element of a GraphQL schema as no longer supported.",
            locations: &[
                "FIELD_DEFINITION",
                "ARGUMENT_DEFINITION",
                "INPUT_FIELD_DEFINITION",
                "ENUM_VALUE",
                "DIRECTIVE_DEFINITION",
            ],
            args: vec![input(
                "reason",
                "String",
                "Explains why this element was deprecated, usually also including a suggestion for how to access supported similar data. Formatted using the Markdown syntax, as specified by [CommonMark](https://commonmark.org/).",
                Some("\"No longer supported\""),
            )],
        },
        Directive {
            name: "specifiedBy",
            description: "Exposes a URL that specifies the behavior of this scalar.",
            locations: &["SCALAR"],
            args: vec![input(
                "url",
                "String!",
                "The URL that specifies the behavior of this scalar.",
                None,
            )],
        },
        Directive {
            name: "oneOf",
            description: "Indicates an Input Object is a OneOf Input Object.",
            locations: &["INPUT_OBJECT"],
            args: vec![],
        },
    ]
}

/// `__schema`, `__type(name:)` and `__typename`, which graphql-core adds to every query.
pub(crate) fn implicit_fields(resolve: &dyn Fn(&str) -> TypeRef) -> (Field, Field, Field) {
    let f = |name: &str, ty: &str, meta, args| Field {
        name: name.into(),
        description: None,
        args,
        ty: resolve(ty),
        resolver: Resolver::Meta(meta),
    };
    let name_arg = InputValue {
        name: "name".into(),
        description: None,
        ty: resolve("String!"),
        default: None,
    };
    (
        Field {
            description: Some("Access the current type schema of this server.".into()),
            ..f("__schema", "__Schema!", Meta::Schema, vec![])
        },
        Field {
            description: Some("Request the type information of a single type.".into()),
            ..f("__type", "__Type", Meta::Type, vec![name_arg])
        },
        Field {
            description: Some("The name of the current Object type at runtime.".into()),
            ..f("__typename", "String!", Meta::Typename, vec![])
        },
    )
}

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

/// Resolves `__schema` or `__type(name:)` on the query root: the value and how many values
/// it holds, or `None` when it would hold more than `budget`.
pub fn resolve_root(
    schema: &Schema,
    f: &FieldPlan<'_>,
    args: &Args,
    budget: u64,
) -> Option<(Value, u64)> {
    let Some(plan) = f.sub.object() else {
        return Some((Value::Null, 0));
    };
    let r = Resolve { schema, left: Cell::new(budget) };
    let value = match f.def.resolver {
        Resolver::Meta(Meta::Schema) => object(&r, Item::Schema, plan),
        Resolver::Meta(Meta::Type) => match args.string("name").and_then(|n| schema.type_id(n)) {
            Some(t) => object(&r, Item::Named(t), plan),
            None => Some(Value::Null),
        },
        _ => Some(Value::Null),
    };
    value.map(|v| (v, budget - r.left.get()))
}

fn object(r: &Resolve<'_>, item: Item<'_>, plan: &ObjectPlan<'_>) -> Option<Value> {
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
    f: &FieldPlan<'_>,
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

fn one(r: &Resolve<'_>, item: Item<'_>, f: &FieldPlan<'_>) -> Option<Value> {
    f.sub.object().map_or(Some(Value::Null), |plan| object(r, item, plan))
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::Str(s.as_str().into()))
}

/// One field of an introspection object. Nothing in this schema is deprecated, so the
/// `includeDeprecated` arguments change no answer.
fn resolve(r: &Resolve<'_>, item: Item<'_>, f: &FieldPlan<'_>, type_id: TypeId) -> Option<Value> {
    let Resolver::Meta(meta) = f.def.resolver else {
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
            Meta::DefaultValue => opt_str(&input.default),
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

fn schema_field(r: &Resolve<'_>, meta: Meta, f: &FieldPlan<'_>) -> Option<Value> {
    let schema = r.schema;
    match meta {
        Meta::SchemaTypes => list(r, schema.order.iter().copied(), f, Item::Named),
        Meta::QueryType => one(r, Item::Named(schema.query), f),
        Meta::SchemaDirectives => list(r, &schema.directives, f, Item::Directive),
        _ => Some(Value::Null),
    }
}

fn named_type_field(r: &Resolve<'_>, t: TypeId, meta: Meta, f: &FieldPlan<'_>) -> Option<Value> {
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

// ---- SDL -----------------------------------------------------------------------------

/// graphql-core's `print_schema`: every type but the built-in scalars and `__` types.
pub fn print_sdl(schema: &Schema) -> String {
    let builtin = ["ID", "String", "Int", "Float", "Boolean"];
    let blocks: Vec<String> = schema
        .order
        .iter()
        .map(|t| schema.ty(*t))
        .filter(|t| !t.name.starts_with("__") && !builtin.contains(&t.name.as_str()))
        .map(|t| {
            let head = description(&t.description, "", true);
            match &t.kind {
                Kind::Scalar(_) => format!("{head}scalar {}", t.name),
                Kind::Object { fields, interfaces } => {
                    let names: Vec<&str> = interfaces.iter().map(|i| schema.name(*i)).collect();
                    let implements = if names.is_empty() {
                        String::new()
                    } else {
                        format!(" implements {}", names.join(" & "))
                    };
                    format!("{head}type {}{implements}{}", t.name, print_fields(schema, fields))
                }
                Kind::Interface { fields, .. } => {
                    format!("{head}interface {}{}", t.name, print_fields(schema, fields))
                }
                Kind::Enum { values } => {
                    let lines: Vec<String> = values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            format!("{}  {}", description(&v.description, "  ", i == 0), v.name)
                        })
                        .collect();
                    format!("{head}enum {}{}", t.name, block(&lines))
                }
                Kind::InputObject { fields } => {
                    let lines: Vec<String> = fields
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            format!(
                                "{}  {}",
                                description(&v.description, "  ", i == 0),
                                input_value(schema, v)
                            )
                        })
                        .collect();
                    format!("{head}input {}{}", t.name, block(&lines))
                }
            }
        })
        .collect();
    blocks.join("\n\n")
}

fn print_fields(schema: &Schema, fields: &[Field]) -> String {
    let lines: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "{}  {}{}: {}",
                description(&f.description, "  ", i == 0),
                f.name,
                print_args(schema, &f.args, "  "),
                schema.type_string(&f.ty)
            )
        })
        .collect();
    block(&lines)
}

fn print_args(schema: &Schema, args: &[InputValue], indent: &str) -> String {
    if args.is_empty() {
        return String::new();
    }
    if args.iter().all(|a| a.description.is_none()) {
        let parts: Vec<String> = args.iter().map(|a| input_value(schema, a)).collect();
        return format!("({})", parts.join(", "));
    }
    let lines: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let inner = format!("  {indent}");
            format!(
                "{}{inner}{}",
                description(&a.description, &inner, i == 0),
                input_value(schema, a)
            )
        })
        .collect();
    format!("(\n{}\n{indent})", lines.join("\n"))
}

fn input_value(schema: &Schema, v: &InputValue) -> String {
    let mut s = format!("{}: {}", v.name, schema.type_string(&v.ty));
    if let Some(d) = &v.default {
        s.push_str(" = ");
        s.push_str(d);
    }
    s
}

fn block(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!(" {{\n{}\n}}", lines.join("\n")) }
}

fn description(d: &Option<String>, indent: &str, first: bool) -> String {
    let Some(d) = d else { return String::new() };
    let prefix =
        if !indent.is_empty() && !first { format!("\n{indent}") } else { indent.to_string() };
    format!("{prefix}{}\n", print_block_string(d).replace('\n', &format!("\n{indent}")))
}
