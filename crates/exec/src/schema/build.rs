//! The schema derived from a model, as graphene-sqlalchemy 3 derives it from SQLAlchemy
//! models: an object type per served table (implementing `Node` when its rows have a key),
//! `<Type>Connection`/`<Type>Edge`, `<Type>SortEnum`, `<Type>Filter` with the scalar filters
//! and `<Type>RelationshipFilter`, root connections on `Query`, and the scalars.
//!
//! Declarations name their types as text (`"[EmployeeEdge]!"`); `finish` resolves the names
//! and keeps only what `Query` reaches, in graphql-core's collection order.

use std::collections::HashMap;

use super::decl::{ArgDecl, Decl, FieldDecl, arg, f};
use super::introspection;
use super::{
    ConnectionField, EdgeField, EnumValue, Field, InputValue, Kind, PageInfoField, QueryField,
    Resolver, RowField, Scalar, Schema, Type, TypeId, TypeRef,
};
use crate::db::sql::Texts;
use crate::model::{self, Model, Shape, Source, Table, TableId};

/// Collects type declarations by name, then resolves `"[Foo!]!"`-style references.
struct Builder {
    decls: Vec<(String, Option<String>, Decl)>,
}

const NODE_ID: &str = "The ID of the object";
const ISO8601: &str = "[iso8601](https://en.wikipedia.org/wiki/ISO_8601).";

/// The schema for `model`, or why it cannot be built (a name that resolves to no type).
pub fn build(model: Model) -> Result<Schema, String> {
    let mut b = Builder { decls: Vec::new() };
    b.query(&model);
    b.relay();
    let extras = extras(&model);
    for (t, table) in model.tables.iter().enumerate().filter(|(_, t)| t.served) {
        b.table(&model, t, table, &extras[t]);
    }
    b.scalar_filters(&model);
    b.scalars();
    introspection::declare_meta_types(&mut |name, desc, decl| b.add(name, desc, decl));
    finish(b, model)
}

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

    /// `sort` (defaulting to the key ascending) and `filter`, as a connection offers them.
    fn connection_args(table: &Table, sort: bool, filter: bool) -> Vec<ArgDecl> {
        let mut args = Vec::new();
        let sortable = table.sort_names.iter().any(Option::is_some);
        if sort && sortable {
            let key: Option<Vec<String>> = table
                .key
                .iter()
                .map(|&c| table.sort_names.get(c)?.as_ref().map(|n| sort_value(n, false)))
                .collect();
            let default = key.filter(|k| !k.is_empty()).map(|k| format!("[{}]", k.join(", ")));
            let ty = format!("[{}SortEnum]", table.type_name);
            args.push(arg("sort", &ty, None, default.as_deref()));
        }
        if filter {
            args.push(arg("filter", &format!("{}Filter", table.type_name), None, None));
        }
        args.extend(Self::paging_args());
        args
    }

    fn query(&mut self, model: &Model) {
        let id_arg = arg("id", "ID!", Some(NODE_ID), None);
        let mut fields =
            vec![f("node", "Node", None, Resolver::Query(QueryField::Node)).args(vec![id_arg])];
        for (t, table) in model.tables.iter().enumerate().filter(|(_, t)| t.served) {
            if let Some(root) = &table.root {
                let args = Self::connection_args(table, root.sort, root.filter);
                let ty = format!("{}Connection", table.type_name);
                fields.push(
                    f(&root.name, &ty, None, Resolver::Query(QueryField::Connection(t))).args(args),
                );
            }
        }
        self.add("Query", None, Decl::Object(fields, vec![]));
    }

    fn relay(&mut self) {
        self.add(
            "Node",
            Some("An object with an ID"),
            Decl::Interface(vec![f(
                "id",
                "ID!",
                Some(NODE_ID),
                Resolver::Row(RowField::GlobalId(0)),
            )]),
        );
        self.add(
            "PageInfo",
            Some("The Relay compliant `PageInfo` type, containing data necessary to paginate this connection."),
            Decl::Object(
                vec![
                    f("hasNextPage", "Boolean!", Some("When paginating forwards, are there more items?"), Resolver::PageInfo(PageInfoField::HasNextPage)),
                    f("hasPreviousPage", "Boolean!", Some("When paginating backwards, are there more items?"), Resolver::PageInfo(PageInfoField::HasPreviousPage)),
                    f("startCursor", "String", Some("When paginating backwards, the cursor to continue."), Resolver::PageInfo(PageInfoField::StartCursor)),
                    f("endCursor", "String", Some("When paginating forwards, the cursor to continue."), Resolver::PageInfo(PageInfoField::EndCursor)),
                ],
                vec![],
            ),
        );
    }

    /// A table's object type, connection and edge, sort enum and filters.
    fn table(&mut self, model: &Model, t: TableId, table: &Table, extras: &Extras) {
        let name = &table.type_name;
        let mut fields: Vec<FieldDecl> = table
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| self.field(model, t, i, field))
            .collect();
        let node = table.is_node();
        if node && !fields.iter().any(|f| f.name == "id") {
            fields.push(f("id", "ID!", Some(NODE_ID), Resolver::Row(RowField::GlobalId(t))));
        }
        let interfaces = if node { vec!["Node"] } else { vec![] };
        self.add(name.as_str(), None, Decl::Object(fields, interfaces));
        self.connection(name, extras);
        let values =
            table.sort_values().map(|(_, desc, stem)| (sort_value(stem, desc), None)).collect();
        self.add(format!("{name}SortEnum"), Some("An enumeration."), Decl::Enum(values));
        self.filter(model, table);
    }

    fn field(&self, model: &Model, t: TableId, i: usize, field: &model::Field) -> FieldDecl {
        let table = &model.tables[t];
        match &field.source {
            Source::Column(_) if field.name == "id" && table.is_node() => {
                f("id", "ID!", Some(NODE_ID), Resolver::Row(RowField::GlobalId(t)))
            }
            Source::Column(c) => {
                let column = &table.columns[*c];
                let scalar = if column.pk > 0 { "ID" } else { column.scalar.graphql() };
                let ty = if column.not_null { format!("{scalar}!") } else { scalar.to_string() };
                f(&field.name, &ty, None, Resolver::Row(RowField::Column(t, *c)))
            }
            Source::Relation(rel) => {
                let target = &model.tables[rel.target];
                let resolver = Resolver::Row(RowField::Relation(t, i));
                match &rel.shape {
                    Shape::Object => f(&field.name, &target.type_name, None, resolver),
                    Shape::List => {
                        f(&field.name, &format!("[{}]", target.type_name), None, resolver)
                    }
                    Shape::Connection(o) => {
                        let ty = format!("{}Connection", target.type_name);
                        let args = Self::connection_args(target, o.sort, o.filter);
                        f(&field.name, &ty, None, resolver).args(args)
                    }
                }
            }
        }
    }

    fn connection(&mut self, name: &str, extras: &Extras) {
        let page_info = f(
            "pageInfo",
            "PageInfo!",
            Some("Pagination data for this connection."),
            Resolver::Connection(ConnectionField::PageInfo),
        );
        let edges = f(
            "edges",
            &format!("[{name}Edge]!"),
            Some("Contains the nodes in this connection."),
            Resolver::Connection(ConnectionField::Edges),
        );
        let mut fields = vec![page_info, edges];
        if extras.nodes {
            let desc = Some("The nodes in this connection, without their edges.");
            let ty = format!("[{name}]!");
            fields.push(f("nodes", &ty, desc, Resolver::Connection(ConnectionField::Nodes)));
        }
        if extras.total_count {
            let desc = Some("How many rows the connection's filter matches, whatever the page.");
            fields.push(f(
                "totalCount",
                "Int!",
                desc,
                Resolver::Connection(ConnectionField::TotalCount),
            ));
        }
        self.add(format!("{name}Connection"), None, Decl::Object(fields, vec![]));
        let node = f(
            "node",
            name,
            Some("The item at the end of the edge"),
            Resolver::Edge(EdgeField::Node),
        );
        let cursor = f(
            "cursor",
            "String!",
            Some("A cursor for use in pagination"),
            Resolver::Edge(EdgeField::Cursor),
        );
        let edge_desc = format!("A Relay edge containing a `{name}` and its cursor.");
        self.add(format!("{name}Edge"), Some(&edge_desc), Decl::Object(vec![node, cursor], vec![]));
    }

    /// `<Type>Filter`: a scalar filter per column field, a filter per relationship, `and`/`or`.
    fn filter(&mut self, model: &Model, table: &Table) {
        let name = &table.type_name;
        let mut fields: Vec<ArgDecl> = table
            .fields
            .iter()
            .filter_map(|field| {
                let ty = match &field.source {
                    Source::Column(c) if table.columns[*c].pk > 0 => {
                        model::scalar::ID_FILTER.name.to_string()
                    }
                    Source::Column(c) => table.columns[*c].scalar.filter()?.name.to_string(),
                    Source::Relation(rel) => {
                        let target = &model.tables[rel.target].type_name;
                        match rel.shape {
                            Shape::Object => format!("{target}Filter"),
                            Shape::Connection(_) | Shape::List => {
                                format!("{target}RelationshipFilter")
                            }
                        }
                    }
                };
                Some(arg(&field.name, &ty, None, None))
            })
            .collect();
        let list = format!("[{name}Filter]");
        fields.push(arg("and", &list, None, None));
        fields.push(arg("or", &list, None, None));
        self.add(format!("{name}Filter"), None, Decl::Input(fields));
        self.add(
            format!("{name}RelationshipFilter"),
            None,
            Decl::Input(vec![
                arg("containsExactly", &list, None, None),
                arg("contains", &list, None, None),
            ]),
        );
    }

    /// One filter input per scalar kind, and an enum type and its filter for each database
    /// enum a column has (the ones no column uses are never reached).
    fn scalar_filters(&mut self, model: &Model) {
        let mut kinds = vec![
            model::Scalar::Int,
            model::Scalar::Float,
            model::Scalar::String,
            model::Scalar::Boolean,
            model::Scalar::Date,
            model::Scalar::Time,
            model::Scalar::DateTime,
            model::Scalar::Json,
            model::Scalar::Uuid,
        ];
        let columns = model.tables.iter().filter(|t| t.served).flat_map(|t| t.columns.iter());
        for c in columns {
            if let model::Scalar::Enum(e) = c.scalar
                && !kinds.contains(&c.scalar)
            {
                kinds.push(c.scalar);
                let values = e.values.iter().map(|(name, _)| (name.clone(), None)).collect();
                self.add(&e.name, Some("An enumeration."), Decl::Enum(values));
            }
        }
        let filters = std::iter::once(("ID", Some(model::scalar::ID_FILTER)))
            .chain(kinds.into_iter().map(|k| (k.graphql(), k.filter())))
            .filter_map(|(scalar, filter)| Some((scalar, filter?)));
        let mut done: Vec<&str> = Vec::new();
        for (scalar, filter) in filters {
            if done.contains(&filter.name) {
                continue;
            }
            done.push(filter.name);
            let fields = filter
                .ops
                .iter()
                .map(|op| {
                    let t = match op.takes_list() {
                        true => format!("[{scalar}]"),
                        false => scalar.to_string(),
                    };
                    arg(op.name(), &t, None, None)
                })
                .collect();
            self.add(filter.name, filter.description, Decl::Input(fields));
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
        let datetime = format!(
            "The `DateTime` scalar type represents a DateTime\nvalue as specified by\n{ISO8601}"
        );
        self.add("DateTime", Some(&datetime), Decl::Scalar(Scalar::DateTime));
        let date =
            format!("The `Date` scalar type represents a Date\nvalue as specified by\n{ISO8601}");
        self.add("Date", Some(&date), Decl::Scalar(Scalar::Date));
        let time =
            format!("The `Time` scalar type represents a Time value as\nspecified by\n{ISO8601}");
        self.add("Time", Some(&time), Decl::Scalar(Scalar::Time));
        self.add("UUID", Some("Leverages the internal Python implementation of UUID (uuid.UUID) to provide native UUID objects\nin fields, resolvers and input."), Decl::Scalar(Scalar::Uuid));
        self.add("JSONString", Some("Allows use of a JSON String for input / output from the GraphQL schema.\n\nUse of this type is *not recommended* as you lose the benefits of having a defined, static\nschema (one of the key benefits of GraphQL)."), Decl::Scalar(Scalar::JsonString));
    }
}

/// What a type's connection type offers beyond graphene's `pageInfo` and `edges`: what any
/// connection to the type asks for (they share the type).
#[derive(Default)]
struct Extras {
    nodes: bool,
    total_count: bool,
}

/// A sort enum value's name: `<stem>_ASC` or `<stem>_DESC`.
fn sort_value(stem: &str, desc: bool) -> String {
    format!("{stem}_{}", if desc { "DESC" } else { "ASC" })
}

/// Each table's `Extras`, from its root connection and every connection to it: one pass over
/// the fields of all tables, whatever their number.
fn extras(model: &Model) -> Vec<Extras> {
    let mut extras: Vec<Extras> = model.tables.iter().map(|_| Extras::default()).collect();
    let root = model.tables.iter().enumerate().filter_map(|(t, x)| Some((t, x.root.as_ref()?)));
    let related = model.tables.iter().filter(|x| x.served).flat_map(|x| x.fields.iter());
    #[cfg(test)]
    let related = related.inspect(|_| tests::visit());
    let related = related.filter_map(|f| match &f.source {
        Source::Relation(rel) => match &rel.shape {
            Shape::Connection(o) => Some((rel.target, o)),
            Shape::Object | Shape::List => None,
        },
        _ => None,
    });
    for (t, o) in root.chain(related) {
        extras[t].nodes |= o.nodes;
        extras[t].total_count |= o.total_count;
    }
    extras
}

fn finish(b: Builder, model: Model) -> Result<Schema, String> {
    let by_name: HashMap<String, TypeId> =
        b.decls.iter().enumerate().map(|(i, (n, _, _))| (n.clone(), i)).collect();
    let resolve = |s: &str| parse_type_ref(s, &by_name);
    let mut implementors: HashMap<&str, Vec<TypeId>> = HashMap::new();
    for (i, (_, _, decl)) in b.decls.iter().enumerate() {
        if let Decl::Object(_, ifaces) = decl {
            for iface in ifaces {
                implementors.entry(iface).or_default().push(i);
            }
        }
    }
    let mut types: Vec<Type> = Vec::with_capacity(b.decls.len());
    // The declarations are used up: their names and descriptions move into the types.
    for (name, description, decl) in b.decls {
        let kind = kind(decl, &resolve, &by_name, implementors.get(name.as_str()))?;
        types.push(Type { name, description, kind });
    }
    let query = by_name.get("Query").copied().ok_or("the schema has no Query type")?;
    // The introspection declarations name only built-in types; any failure still surfaces.
    let failed = std::cell::RefCell::new(None);
    let builtin = |s: &str| {
        resolve(s).unwrap_or_else(|e| {
            failed.borrow_mut().get_or_insert(e);
            TypeRef::Named(query)
        })
    };
    let directives = introspection::directives(&builtin);
    let (schema_field, type_field, typename_field) = introspection::implicit_fields(&builtin);
    if let Some(e) = failed.into_inner() {
        return Err(e);
    }
    let table_types = model
        .tables
        .iter()
        .map(|t| t.served.then(|| by_name.get(&t.type_name).copied()).flatten())
        .collect();
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
        model,
        sql: Texts::default(),
        answers: Default::default(),
        roles: Vec::new(),
    };
    schema.order = collection_order(&schema);
    let mut reachable = vec![false; schema.types.len()];
    schema.order.iter().for_each(|&t| reachable[t] = true);
    schema.by_name.retain(|_, id| reachable[*id]);
    // graphql-core lists an interface's implementations in type collection order.
    let rank: HashMap<TypeId, usize> =
        schema.order.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    for t in &mut schema.types {
        if let Kind::Interface { possible, .. } = &mut t.kind {
            possible.sort_by_key(|p| rank.get(p).copied().unwrap_or(usize::MAX));
        }
    }
    schema.roles = crate::access::roles(&schema)?;
    Ok(schema)
}

type Resolve<'a> = dyn Fn(&str) -> Result<TypeRef, String> + 'a;

fn kind(
    decl: Decl,
    resolve: &Resolve<'_>,
    by_name: &HashMap<String, TypeId>,
    implementors: Option<&Vec<TypeId>>,
) -> Result<Kind, String> {
    let fields = |fs: Vec<FieldDecl>| -> Result<Vec<Field>, String> {
        fs.into_iter()
            .map(|fd| {
                Ok(Field {
                    ty: resolve(&fd.ty)?,
                    args: fd
                        .args
                        .into_iter()
                        .map(|a| input_value(a, resolve))
                        .collect::<Result<_, _>>()?,
                    name: fd.name,
                    description: fd.description,
                    resolver: fd.resolver,
                })
            })
            .collect()
    };
    Ok(match decl {
        Decl::Scalar(s) => Kind::Scalar(s),
        Decl::Object(fs, ifaces) => Kind::Object {
            fields: fields(fs)?,
            interfaces: ifaces.iter().filter_map(|i| by_name.get(*i).copied()).collect(),
        },
        Decl::Interface(fs) => Kind::Interface {
            fields: fields(fs)?,
            possible: implementors.cloned().unwrap_or_default(),
        },
        Decl::Enum(values) => Kind::Enum {
            values: values
                .into_iter()
                .map(|(name, description)| EnumValue { name, description })
                .collect(),
        },
        Decl::Input(args) => Kind::InputObject {
            fields: args.into_iter().map(|a| input_value(a, resolve)).collect::<Result<_, _>>()?,
        },
    })
}

fn input_value(a: ArgDecl, resolve: &Resolve<'_>) -> Result<InputValue, String> {
    Ok(InputValue {
        ty: resolve(&a.ty)?,
        default: a.default.as_deref().map(default_of).transpose()?,
        name: a.name,
        description: a.description,
    })
}

/// A default's GraphQL text as the value it denotes.
pub(crate) fn default_of(text: &str) -> Result<crate::graphql::ast::Value, String> {
    crate::graphql::parse::parse_value(text)
        .map_err(|e| format!("the default `{text}`: {}", e.message))
}

/// Parses `[Foo!]!` against the declared names.
pub(crate) fn parse_type_ref(
    s: &str,
    by_name: &HashMap<String, TypeId>,
) -> Result<TypeRef, String> {
    #[cfg(test)]
    tests::visit();
    if let Some(inner) = s.strip_suffix('!') {
        return Ok(TypeRef::NonNull(Box::new(parse_type_ref(inner, by_name)?)));
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return Ok(TypeRef::List(Box::new(parse_type_ref(inner, by_name)?)));
    }
    by_name
        .get(s)
        .map(|id| TypeRef::Named(*id))
        .ok_or_else(|| format!("the schema refers to an undeclared type `{s}`"))
}

/// graphql-core's `collect_referenced_types`: depth first from the query type, then the
/// introspection types; only reachable types belong to the schema.
fn collection_order(schema: &Schema) -> Vec<TypeId> {
    let mut roots = vec![schema.query];
    roots.extend(schema.type_id("__Schema"));
    let directive_args = schema.directives.iter().flat_map(|d| d.args.iter());
    roots.extend(directive_args.map(|a| a.ty.named()));
    let mut seen = vec![false; schema.types.len()];
    let mut order = Vec::new();
    for root in roots {
        collect(schema, root, &mut seen, &mut order);
    }
    order
}

/// graphql-core's depth-first collection from `root`, each type once, in the order it is
/// first reached: with a stack of its own rather than the call stack, which a catalogue of
/// thousands of related tables would exhaust.
fn collect(schema: &Schema, root: TypeId, seen: &mut [bool], order: &mut Vec<TypeId>) {
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        #[cfg(test)]
        tests::visit();
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        order.push(id);
        let start = stack.len();
        match &schema.types[id].kind {
            Kind::Object { fields, interfaces } => {
                stack.extend(interfaces.iter().copied());
                stack.extend(field_types(fields));
            }
            Kind::Interface { fields, .. } => stack.extend(field_types(fields)),
            Kind::InputObject { fields } => stack.extend(fields.iter().map(|f| f.ty.named())),
            Kind::Scalar(_) | Kind::Enum { .. } => {}
        }
        // Popped in the order they were listed.
        stack[start..].reverse();
    }
}

/// The types a list of fields reaches: each field's, then its arguments'.
fn field_types(fields: &[Field]) -> impl Iterator<Item = TypeId> + '_ {
    fields
        .iter()
        .flat_map(|f| std::iter::once(f.ty.named()).chain(f.args.iter().map(|a| a.ty.named())))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use crate::model::derive::{Catalog, ForeignKey};
    use crate::model::{Column, Dialect, Scalar, Table, TableKind};

    thread_local! {
        static VISITS: Cell<u64> = const { Cell::new(0) };
    }

    /// One step of building: a type name looked up, a field read for the settings of the
    /// connections to its target, a type collected.
    pub(super) fn visit() {
        VISITS.with(|v| v.set(v.get() + 1));
    }

    fn column(name: &str, pk: usize) -> Column {
        let scalar = Scalar::Int;
        let declared = "INTEGER".into();
        Column {
            name: name.into(),
            declared,
            scalar,
            reflected: scalar,
            not_null: pk > 0,
            pk,
            rowid: false,
        }
    }

    /// `n` tables, each with a key and a foreign key to the one before: every table has a
    /// relationship each way.
    fn catalog(n: usize) -> Catalog {
        let tables = (0..n)
            .map(|i| Table {
                name: format!("t{i}"),
                kind: TableKind::Table,
                columns: vec![column("id", 1), column("prev_id", 0), column("n", 0)],
                key: vec![0],
                indexes: Vec::new(),
                served: false,
                type_name: String::new(),
                root: None,
                fields: Vec::new(),
                sort_names: Vec::new(),
            })
            .collect();
        let foreign_keys = (1..n)
            .map(|i| ForeignKey {
                table: i,
                columns: vec![1],
                target: i - 1,
                target_columns: vec![0],
            })
            .collect();
        Catalog { tables, foreign_keys, dialect: Dialect::Sqlite, enums: Vec::new() }
    }

    fn visits_building(n: usize) -> u64 {
        let model = crate::model::derive::derive(&catalog(n));
        VISITS.with(|v| v.set(0));
        let schema = super::build(model).expect("schema");
        assert_eq!(schema.table_types.iter().flatten().count(), n);
        VISITS.with(Cell::get)
    }

    /// Building the schema of ten times the tables takes ten times the steps (within a
    /// tenth), not a hundred: no step scans every table for each table.
    #[test]
    fn building_a_schema_takes_steps_in_proportion_to_its_tables() {
        let (small, large) = (visits_building(300), visits_building(3000));
        assert!(large <= small * 11, "300 tables: {small} steps; 3,000: {large}");
        assert!(large >= small * 9, "300 tables: {small} steps; 3,000: {large}");
    }
}
