//! The GraphQL schema: types derived from the model (`build`), the introspection types
//! (`introspection`), and the SDL printer (`sdl`).
//!
//! Types live in one vector and refer to each other by index; every field carries a
//! `Resolver`, a closed enum the executor matches on. The schema owns the model it was
//! derived from, so validation, execution, introspection and SDL printing read one value.

use std::collections::HashMap;

use crate::db::sql::Texts;
use crate::model::{Model, TableId};

pub mod build;
mod decl;
pub mod example;
pub mod introspection;
pub mod sdl;

pub use build::build;

pub type TypeId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named(TypeId),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    pub fn named(&self) -> TypeId {
        match self {
            TypeRef::Named(t) => *t,
            TypeRef::List(t) | TypeRef::NonNull(t) => t.named(),
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    /// The type without its outer non-null wrapper.
    pub fn nullable(&self) -> &TypeRef {
        match self {
            TypeRef::NonNull(t) => t,
            t => t,
        }
    }
}

/// The scalars an input value can be coerced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Int,
    Float,
    String,
    Boolean,
    Id,
    DateTime,
    Date,
    Time,
    JsonString,
    Uuid,
}

#[derive(Debug)]
pub enum Kind {
    Scalar(Scalar),
    Object { fields: Vec<Field>, interfaces: Vec<TypeId> },
    Interface { fields: Vec<Field>, possible: Vec<TypeId> },
    Enum { values: Vec<EnumValue> },
    InputObject { fields: Vec<InputValue> },
}

#[derive(Debug)]
pub struct Type {
    pub name: String,
    pub description: Option<String>,
    pub kind: Kind,
}

impl Type {
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            Kind::Object { fields, .. } | Kind::Interface { fields, .. } => fields,
            _ => &[],
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    pub fn input_fields(&self) -> &[InputValue] {
        match &self.kind {
            Kind::InputObject { fields } => fields,
            _ => &[],
        }
    }

    pub fn is_composite(&self) -> bool {
        matches!(self.kind, Kind::Object { .. } | Kind::Interface { .. })
    }

    pub fn is_input(&self) -> bool {
        matches!(self.kind, Kind::Scalar(_) | Kind::Enum { .. } | Kind::InputObject { .. })
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self.kind, Kind::Scalar(_) | Kind::Enum { .. })
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Scalar(_) => "SCALAR",
            Kind::Object { .. } => "OBJECT",
            Kind::Interface { .. } => "INTERFACE",
            Kind::Enum { .. } => "ENUM",
            Kind::InputObject { .. } => "INPUT_OBJECT",
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    pub ty: TypeRef,
    pub resolver: Resolver,
}

#[derive(Debug)]
pub struct InputValue {
    pub name: String,
    pub description: Option<String>,
    pub ty: TypeRef,
    /// The default, parsed once from its GraphQL text (e.g. `[ID_ASC]`), which printing it
    /// gives back for introspection and the SDL.
    pub default: Option<crate::graphql::ast::Value>,
}

#[derive(Debug)]
pub struct EnumValue {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug)]
pub struct Directive {
    pub name: &'static str,
    pub description: &'static str,
    pub locations: &'static [&'static str],
    pub args: Vec<InputValue>,
}

/// What computes a field's value: one closed set the executor matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    Query(QueryField),
    /// A field of a served table's type.
    Row(RowField),
    /// A field of a `<Type>Connection`.
    Connection(ConnectionField),
    /// A field of a `<Type>Edge`.
    Edge(EdgeField),
    PageInfo(PageInfoField),
    /// `__typename`, `__schema`, `__type` and every field of the introspection types.
    Meta(Meta),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryField {
    /// `Query.node(id:)`.
    Node,
    /// `Query.allX`: a root connection over a table.
    Connection(TableId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowField {
    /// The relay global ID of a row.
    GlobalId(TableId),
    /// A column's value (`table`, column index).
    Column(TableId, usize),
    /// A relationship: (`table`, index of its field in the table's fields).
    Relation(TableId, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionField {
    PageInfo,
    Edges,
    /// The nodes of the edges, without them.
    Nodes,
    /// The rows the connection's filter matches, whatever the page.
    TotalCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeField {
    Node,
    Cursor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageInfoField {
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    Typename,
    Schema,
    Type,
    SchemaDescription,
    SchemaTypes,
    QueryType,
    MutationType,
    SubscriptionType,
    SchemaDirectives,
    Kind,
    Name,
    Description,
    SpecifiedByUrl,
    Fields,
    Interfaces,
    PossibleTypes,
    EnumValues,
    InputFields,
    OfType,
    IsOneOf,
    Args,
    TypeOf,
    IsDeprecated,
    DeprecationReason,
    DefaultValue,
    IsRepeatable,
    Locations,
}

pub struct Schema {
    pub types: Vec<Type>,
    by_name: HashMap<String, TypeId>,
    /// Types in graphql-core's collection order (what `__schema { types }` lists).
    pub order: Vec<TypeId>,
    pub query: TypeId,
    pub directives: Vec<Directive>,
    pub schema_field: Field,
    pub type_field: Field,
    pub typename_field: Field,
    /// The object type of each served table, by `TableId`.
    pub table_types: Vec<Option<TypeId>>,
    /// What the schema was derived from.
    pub model: Model,
    /// SQL texts of the statements the executor runs again and again, built once each.
    pub sql: Texts,
    /// Answers to documents that read no table (introspection), kept as text.
    pub answers: crate::exec::answers::Answers,
    /// Each role's schema and row rules, when the model says who may read what.
    pub roles: Vec<crate::access::RoleSchema>,
}

impl Schema {
    pub fn type_id(&self, name: &str) -> Option<TypeId> {
        self.by_name.get(name).copied()
    }

    pub fn ty(&self, id: TypeId) -> &Type {
        &self.types[id]
    }

    pub fn name(&self, id: TypeId) -> &str {
        &self.types[id].name
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// `[Foo!]`-style text for a type reference, as graphql-core prints it.
    pub fn type_string(&self, t: &TypeRef) -> String {
        match t {
            TypeRef::Named(id) => self.name(*id).to_string(),
            TypeRef::List(t) => format!("[{}]", self.type_string(t)),
            TypeRef::NonNull(t) => format!("{}!", self.type_string(t)),
        }
    }

    /// Object types that a value of `abstract_or_object` can be at run time.
    pub fn possible_types(&self, id: TypeId) -> Vec<TypeId> {
        match &self.types[id].kind {
            Kind::Interface { possible, .. } => possible.clone(),
            Kind::Object { .. } => vec![id],
            _ => Vec::new(),
        }
    }

    /// The field definition for `name` on a composite type, including the implicit
    /// introspection fields graphql-core adds.
    pub fn field_def(&self, parent: TypeId, name: &str) -> Option<&Field> {
        match name {
            "__typename" => Some(&self.typename_field),
            "__schema" if parent == self.query => Some(&self.schema_field),
            "__type" if parent == self.query => Some(&self.type_field),
            _ => self.types[parent].field(name),
        }
    }

    /// The table whose rows an object type shows, if any.
    pub fn table_of(&self, type_id: TypeId) -> Option<TableId> {
        self.table_types.iter().position(|&t| t == Some(type_id))
    }
}
