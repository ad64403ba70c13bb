//! The introspection types (`__Schema`, `__Type`, …), the specified directives and the
//! implicit `__schema`/`__type`/`__typename` fields, declared as data with graphql-core
//! 3.2.14's descriptions, field order and arguments.
//!
//! Declaring them is schema building; resolving them is execution (`exec::introspect`).

use crate::schema::decl::{Decl as MetaDecl, meta_arg as arg, meta_field as field};
use crate::schema::{Directive, Field, InputValue, Meta, Resolver, TypeRef};

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
        default: default.and_then(|d| super::build::default_of(d).ok()),
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
