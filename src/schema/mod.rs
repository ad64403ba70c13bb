//! The GraphQL schema, derived once at start-up from the model and immutable after.
//!
//! Types live in one vector and refer to each other by index; every field carries a
//! `Resolver`, a closed enum the executor matches on. The introspection types are declared
//! here as data too, so validation, execution, introspection and SDL printing read one schema.

use std::collections::HashMap;

use crate::model::{self, ColumnType, RelationKind, TABLES, TableId};

pub mod introspection;
pub mod sdl;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Int,
    Float,
    String,
    Boolean,
    Id,
    DateTime,
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
    /// The default as GraphQL source text, e.g. `[ID_ASC]`, parsed when used.
    pub default: Option<String>,
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
    /// `Query.node(id:)`.
    Node,
    /// `Query.allX`: a root connection over a table.
    RootConnection(TableId),
    /// The relay global ID of a row.
    GlobalId(TableId),
    /// A column's value (`table`, column index).
    Column(TableId, usize),
    /// A relationship (`table`, relationship index): an object or a connection.
    Relation(TableId, usize),
    PageInfo,
    Edges,
    EdgeNode,
    EdgeCursor,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
    /// `__typename`, `__schema`, `__type` and every field of the introspection types.
    Meta(Meta),
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
    /// The object type of each model table, by `TableId`.
    pub table_types: Vec<TypeId>,
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
        self.table_types.iter().position(|&t| t == type_id)
    }
}

/// Collects type declarations by name, then resolves `"[Foo!]!"`-style references.
struct Builder {
    decls: Vec<(String, Option<String>, Decl)>,
}

pub(crate) enum Decl {
    Scalar(Scalar),
    Object(Vec<FieldDecl>, Vec<&'static str>),
    Interface(Vec<FieldDecl>),
    Enum(Vec<(String, Option<String>)>),
    Input(Vec<ArgDecl>),
}

pub(crate) struct FieldDecl {
    name: String,
    description: Option<String>,
    args: Vec<ArgDecl>,
    ty: String,
    resolver: Resolver,
}

pub(crate) struct ArgDecl {
    name: String,
    description: Option<String>,
    ty: String,
    default: Option<String>,
}

fn f(name: &str, ty: &str, description: Option<&str>, resolver: Resolver) -> FieldDecl {
    FieldDecl {
        name: name.into(),
        description: description.map(Into::into),
        args: Vec::new(),
        ty: ty.into(),
        resolver,
    }
}

fn arg(name: &str, ty: &str, description: Option<&str>, default: Option<&str>) -> ArgDecl {
    ArgDecl {
        name: name.into(),
        description: description.map(Into::into),
        ty: ty.into(),
        default: default.map(Into::into),
    }
}

impl FieldDecl {
    fn args(mut self, args: Vec<ArgDecl>) -> Self {
        self.args = args;
        self
    }
}

const NODE_ID: &str = "The ID of the object";
const DATETIME_DESC: &str = "The `DateTime` scalar type represents a DateTime\nvalue as specified by\n[iso8601](https://en.wikipedia.org/wiki/ISO_8601).";

impl Builder {
    fn add(&mut self, name: impl Into<String>, description: Option<&str>, decl: Decl) {
        self.decls.push((name.into(), description.map(Into::into), decl));
    }

    fn paging_args() -> Vec<ArgDecl> {
        ["before", "after"]
            .iter()
            .map(|n| arg(n, "String", None, None))
            .chain(["first", "last"].iter().map(|n| arg(n, "Int", None, None)))
            .collect()
    }

    fn query(&mut self) {
        let mut fields = vec![f("node", "Node", None, Resolver::Node).args(vec![arg(
            "id",
            "ID!",
            Some(NODE_ID),
            None,
        )])];
        for (t, table) in TABLES.iter().enumerate() {
            let mut args = Vec::new();
            if table.sortable {
                let default = format!("[{}_ASC]", table.pk_name().to_uppercase());
                args.push(arg(
                    "sort",
                    &format!("[{}SortEnum]", table.type_name),
                    None,
                    Some(&default),
                ));
            }
            args.push(arg("filter", &format!("{}Filter", table.type_name), None, None));
            args.extend(Self::paging_args());
            let ty = format!("{}Connection", table.type_name);
            fields
                .push(f(table.connection_field, &ty, None, Resolver::RootConnection(t)).args(args));
        }
        self.add("Query", None, Decl::Object(fields, vec![]));
    }

    fn relay(&mut self) {
        self.add(
            "Node",
            Some("An object with an ID"),
            Decl::Interface(vec![f("id", "ID!", Some(NODE_ID), Resolver::GlobalId(0))]),
        );
        self.add(
            "PageInfo",
            Some("The Relay compliant `PageInfo` type, containing data necessary to paginate this connection."),
            Decl::Object(
                vec![
                    f("hasNextPage", "Boolean!", Some("When paginating forwards, are there more items?"), Resolver::HasNextPage),
                    f("hasPreviousPage", "Boolean!", Some("When paginating backwards, are there more items?"), Resolver::HasPreviousPage),
                    f("startCursor", "String", Some("When paginating backwards, the cursor to continue."), Resolver::StartCursor),
                    f("endCursor", "String", Some("When paginating forwards, the cursor to continue."), Resolver::EndCursor),
                ],
                vec![],
            ),
        );
    }

    fn table(&mut self, t: TableId) {
        let table = &TABLES[t];
        let name = table.type_name;
        let mut fields = Vec::new();
        let mut has_id = false;
        for (c, column) in table.columns.iter().enumerate() {
            let field = model::field_name(column.name);
            if field == "id" {
                has_id = true;
                fields.push(f("id", "ID!", Some(NODE_ID), Resolver::GlobalId(t)));
            } else {
                let ty = match column.ty {
                    _ if c == table.pk => "ID!",
                    ColumnType::Integer => "Int",
                    ColumnType::Varchar => "String",
                    ColumnType::DateTime => "DateTime",
                };
                fields.push(f(&field, ty, None, Resolver::Column(t, c)));
            }
        }
        for (r, rel) in table.relationships.iter().enumerate() {
            let target = TABLES[rel.target].type_name;
            fields.push(match rel.kind {
                RelationKind::ManyToOne => f(rel.name, target, None, Resolver::Relation(t, r)),
                RelationKind::OneToMany => {
                    f(rel.name, &format!("{target}Connection"), None, Resolver::Relation(t, r))
                        .args(Self::paging_args())
                }
            });
        }
        if !has_id {
            fields.push(f("id", "ID!", Some(NODE_ID), Resolver::GlobalId(t)));
        }
        self.add(name, None, Decl::Object(fields, vec!["Node"]));
        self.add(
            format!("{name}Connection"),
            None,
            Decl::Object(
                vec![
                    f(
                        "pageInfo",
                        "PageInfo!",
                        Some("Pagination data for this connection."),
                        Resolver::PageInfo,
                    ),
                    f(
                        "edges",
                        &format!("[{name}Edge]!"),
                        Some("Contains the nodes in this connection."),
                        Resolver::Edges,
                    ),
                ],
                vec![],
            ),
        );
        let edge_desc = format!("A Relay edge containing a `{name}` and its cursor.");
        self.add(
            format!("{name}Edge"),
            Some(&edge_desc),
            Decl::Object(
                vec![
                    f("node", name, Some("The item at the end of the edge"), Resolver::EdgeNode),
                    f(
                        "cursor",
                        "String!",
                        Some("A cursor for use in pagination"),
                        Resolver::EdgeCursor,
                    ),
                ],
                vec![],
            ),
        );
        if table.sortable {
            let values = table
                .columns
                .iter()
                .flat_map(|c| {
                    let up = c.name.to_uppercase();
                    [(format!("{up}_ASC"), None), (format!("{up}_DESC"), None)]
                })
                .collect();
            self.add(format!("{name}SortEnum"), Some("An enumeration."), Decl::Enum(values));
        }
        self.filter(t);
    }

    fn filter(&mut self, t: TableId) {
        let table = &TABLES[t];
        let name = table.type_name;
        let mut fields: Vec<ArgDecl> = table
            .columns
            .iter()
            .enumerate()
            .map(|(c, column)| {
                let ty = scalar_filter(column.ty, c == table.pk).0;
                arg(&model::field_name(column.name), ty, None, None)
            })
            .collect();
        for rel in table.relationships {
            let target = TABLES[rel.target].type_name;
            let ty = match rel.kind {
                RelationKind::ManyToOne => format!("{target}Filter"),
                RelationKind::OneToMany => format!("{target}RelationshipFilter"),
            };
            fields.push(arg(rel.name, &ty, None, None));
        }
        fields.push(arg("and", &format!("[{name}Filter]"), None, None));
        fields.push(arg("or", &format!("[{name}Filter]"), None, None));
        self.add(format!("{name}Filter"), None, Decl::Input(fields));
        let list = format!("[{name}Filter]");
        self.add(
            format!("{name}RelationshipFilter"),
            None,
            Decl::Input(vec![
                arg("containsExactly", &list, None, None),
                arg("contains", &list, None, None),
            ]),
        );
    }

    fn scalar_filters(&mut self) {
        for (ty, pk) in [
            (ColumnType::Integer, true),
            (ColumnType::Varchar, false),
            (ColumnType::DateTime, false),
            (ColumnType::Integer, false),
        ] {
            let (name, scalar, ops) = scalar_filter(ty, pk);
            let fields = ops
                .iter()
                .map(|op| {
                    let list = matches!(*op, "in" | "notIn");
                    let t = if list { format!("[{scalar}]") } else { scalar.to_string() };
                    arg(op, &t, None, None)
                })
                .collect();
            let desc = (ty == ColumnType::DateTime).then_some(
                "Concrete Filter Class which specifies a type for all the abstract filter methods defined in the super classes",
            );
            self.add(name, desc, Decl::Input(fields));
        }
    }

    fn scalars(&mut self) {
        self.add("ID", Some("The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID."), Decl::Scalar(Scalar::Id));
        self.add(
            "Boolean",
            Some("The `Boolean` scalar type represents `true` or `false`."),
            Decl::Scalar(Scalar::Boolean),
        );
        self.add("String", Some("The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text."), Decl::Scalar(Scalar::String));
        self.add("Int", Some("The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1."), Decl::Scalar(Scalar::Int));
        self.add("Float", Some("The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."), Decl::Scalar(Scalar::Float));
        self.add("DateTime", Some(DATETIME_DESC), Decl::Scalar(Scalar::DateTime));
    }
}

/// The filter input a column gets: (type name, scalar name, operators in graphene's order).
fn scalar_filter(
    ty: ColumnType,
    pk: bool,
) -> (&'static str, &'static str, &'static [&'static str]) {
    const ORDERED: &[&str] = &["eq", "gt", "gte", "in", "lt", "lte", "nEq", "notIn"];
    match ty {
        _ if pk => ("IdFilter", "ID", &["eq", "in", "nEq", "notIn"]),
        ColumnType::Integer => ("IntFilter", "Int", ORDERED),
        ColumnType::DateTime => ("DateTimeFilter", "DateTime", ORDERED),
        ColumnType::Varchar => {
            ("StringFilter", "String", &["eq", "ilike", "in", "like", "nEq", "notIn", "notlike"])
        }
    }
}

/// The schema, derived from the model on first use and shared by the whole process (it is
/// the same for every database, and plans cached across requests borrow from it).
pub fn get() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(build)
}

pub fn build() -> Schema {
    let mut b = Builder { decls: Vec::new() };
    b.query();
    b.relay();
    for t in 0..TABLES.len() {
        b.table(t);
    }
    b.scalar_filters();
    b.scalars();
    introspection::declare_meta_types(&mut |name, desc, decl| b.add(name, desc, decl));
    finish(b)
}

/// A field of an introspection type, for `introspection.rs`'s declarations.
pub(crate) fn meta_field(
    name: &str,
    ty: &str,
    description: Option<&str>,
    meta: Meta,
    args: Vec<ArgDecl>,
) -> FieldDecl {
    f(name, ty, description, Resolver::Meta(meta)).args(args)
}

/// An argument of an introspection field.
pub(crate) fn meta_arg(name: &str, ty: &str, default: Option<&str>) -> ArgDecl {
    arg(name, ty, None, default)
}

fn finish(b: Builder) -> Schema {
    let by_name: HashMap<String, TypeId> =
        b.decls.iter().enumerate().map(|(i, (n, _, _))| (n.clone(), i)).collect();
    let resolve = |s: &str| parse_type_ref(s, &by_name);
    let mut types: Vec<Type> = Vec::with_capacity(b.decls.len());
    let mut implementors: HashMap<&str, Vec<TypeId>> = HashMap::new();
    for (i, (_, _, decl)) in b.decls.iter().enumerate() {
        if let Decl::Object(_, ifaces) = decl {
            for iface in ifaces {
                implementors.entry(iface).or_default().push(i);
            }
        }
    }
    let fields = |fs: &Vec<FieldDecl>| -> Vec<Field> {
        fs.iter()
            .map(|fd| Field {
                name: fd.name.clone(),
                description: fd.description.clone(),
                args: fd.args.iter().map(|a| input_value(a, &resolve)).collect(),
                ty: resolve(&fd.ty),
                resolver: fd.resolver,
            })
            .collect()
    };
    for (name, description, decl) in &b.decls {
        let kind = match decl {
            Decl::Scalar(s) => Kind::Scalar(*s),
            Decl::Object(fs, ifaces) => Kind::Object {
                fields: fields(fs),
                interfaces: ifaces.iter().map(|i| by_name[*i]).collect(),
            },
            Decl::Interface(fs) => Kind::Interface {
                fields: fields(fs),
                possible: implementors.get(name.as_str()).cloned().unwrap_or_default(),
            },
            Decl::Enum(values) => Kind::Enum {
                values: values
                    .iter()
                    .map(|(n, d)| EnumValue { name: n.clone(), description: d.clone() })
                    .collect(),
            },
            Decl::Input(args) => Kind::InputObject {
                fields: args.iter().map(|a| input_value(a, &resolve)).collect(),
            },
        };
        types.push(Type { name: name.clone(), description: description.clone(), kind });
    }
    let query = by_name["Query"];
    let directives = introspection::directives(&resolve);
    let (schema_field, type_field, typename_field) = introspection::implicit_fields(&resolve);
    let table_types = TABLES.iter().map(|t| by_name[t.type_name]).collect();
    let mut schema = Schema {
        types,
        by_name,
        order: Vec::new(),
        query,
        directives,
        schema_field,
        type_field,
        typename_field,
        table_types,
    };
    schema.order = collection_order(&schema);
    schema.by_name.retain(|_, id| schema.order.contains(id));
    // graphql-core lists an interface's implementations in type collection order.
    let rank: HashMap<TypeId, usize> =
        schema.order.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    for t in &mut schema.types {
        if let Kind::Interface { possible, .. } = &mut t.kind {
            possible.sort_by_key(|p| rank.get(p).copied().unwrap_or(usize::MAX));
        }
    }
    schema
}

fn input_value(a: &ArgDecl, resolve: &dyn Fn(&str) -> TypeRef) -> InputValue {
    InputValue {
        name: a.name.clone(),
        description: a.description.clone(),
        ty: resolve(&a.ty),
        default: a.default.clone(),
    }
}

/// Parses `[Foo!]!`; every name was declared by the builder, so lookups cannot miss.
pub(crate) fn parse_type_ref(s: &str, by_name: &HashMap<String, TypeId>) -> TypeRef {
    if let Some(inner) = s.strip_suffix('!') {
        return TypeRef::NonNull(Box::new(parse_type_ref(inner, by_name)));
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return TypeRef::List(Box::new(parse_type_ref(inner, by_name)));
    }
    match by_name.get(s) {
        Some(id) => TypeRef::Named(*id),
        None => panic!("schema declares unknown type {s}"),
    }
}

/// graphql-core's `collect_referenced_types`: depth first from the query type, then the
/// introspection types; only reachable types belong to the schema.
fn collection_order(schema: &Schema) -> Vec<TypeId> {
    let mut order = Vec::new();
    let mut visit = vec![schema.query];
    if let Some(s) = schema.by_name.get("__Schema") {
        visit.push(*s);
    }
    for root in visit {
        collect(schema, root, &mut order);
    }
    for d in &schema.directives {
        for a in &d.args {
            collect(schema, a.ty.named(), &mut order);
        }
    }
    order
}

fn collect(schema: &Schema, id: TypeId, order: &mut Vec<TypeId>) {
    if order.contains(&id) {
        return;
    }
    order.push(id);
    let t = &schema.types[id];
    match &t.kind {
        Kind::Object { fields, interfaces } => {
            for i in interfaces {
                collect(schema, *i, order);
            }
            collect_fields(schema, fields, order);
        }
        Kind::Interface { fields, .. } => collect_fields(schema, fields, order),
        Kind::InputObject { fields } => {
            for f in fields {
                collect(schema, f.ty.named(), order);
            }
        }
        Kind::Scalar(_) | Kind::Enum { .. } => {}
    }
}

fn collect_fields(schema: &Schema, fields: &[Field], order: &mut Vec<TypeId>) {
    for f in fields {
        collect(schema, f.ty.named(), order);
        for a in &f.args {
            collect(schema, a.ty.named(), order);
        }
    }
}
