//! Planning: the validated document, an operation and its variables become a typed tree.
//!
//! Fragments are inlined, `@skip`/`@include` applied, fields with one response key merged
//! (graphql-core's `collect_fields`), and arguments coerced. A selection on the `Node`
//! interface gets one plan per object type that implements it. Execution reads only the
//! plan, never the syntax tree.

use std::collections::HashSet;
use std::rc::Rc;

use crate::exec::relay::PageArgs;
use crate::graphql::ast::{self, Definition, NoOperation, OperationKind, Selection};
use crate::graphql::error::{GraphQLError, Pos};
use crate::graphql::input::{self, Args, Input, Variables};
use crate::graphql::validate::Valid;
use crate::json::Objects;
use crate::model::{Shape, Source, Table};
use crate::schema::{Kind, Meta, QueryField, Resolver, RowField, Schema, TypeId};

/// A plan owns what it says (no borrow of the schema), so that a cache can keep it beside
/// the schema it was made for, and a schema replaced by a migration can be freed.
pub struct Plan {
    pub root: ObjectPlan,
}

impl Plan {
    /// Whether every field of the operation is `__schema`, `__type` or `__typename`: an
    /// answer that depends on the document, its variables and the schema alone.
    pub fn introspection_only(&self) -> bool {
        self.root.fields.iter().all(|f| matches!(f.resolver, Resolver::Meta(_)))
    }

    /// Whether running the plan reads the database (introspection and `__typename` do not).
    pub fn reads_tables(&self) -> bool {
        self.root.fields.iter().any(|f| matches!(f.resolver, Resolver::Query(_)))
    }
}

/// The fields to compute on objects of one concrete type.
pub struct ObjectPlan {
    pub type_id: TypeId,
    pub fields: Vec<FieldPlan>,
    /// The answer's text before each field's value (`json::Objects::keys`).
    pub keys: Rc<[Box<str>]>,
}

pub struct FieldPlan {
    pub key: Rc<str>,
    /// The field's name in the schema (the key, unless aliased).
    pub name: Rc<str>,
    pub resolver: Resolver,
    /// Whether the field's type is non-null: a null here nulls the parent.
    pub non_null: bool,
    /// Coerced arguments, or the field error coercion raised.
    pub args: Result<FieldArgs, GraphQLError>,
    /// Where every field node merged into this one is, in collection order: a field error
    /// names them all, as graphql-core's does.
    pub locations: Vec<Pos>,
    pub sub: Sub,
}

/// A field's coerced arguments, read once, here, into what execution uses.
pub enum FieldArgs {
    Connection(ConnectionArgs),
    /// What `node` (its `id`) or `__type` (its `name`) looks its object up by.
    Lookup(String),
    /// A field whose arguments execution does not read (it has none).
    Unread,
}

/// A connection's arguments: its page, its `sort` as columns of its table (descending when
/// true), and its `filter` when one was given.
pub struct ConnectionArgs {
    pub page: PageArgs,
    pub sort: Vec<(usize, bool)>,
    pub filter: Option<Input>,
}

impl FieldArgs {
    /// What `node` or `__type` looks up (none for any other field).
    pub fn lookup(&self) -> Option<&str> {
        match self {
            FieldArgs::Lookup(key) => Some(key),
            FieldArgs::Connection(_) | FieldArgs::Unread => None,
        }
    }

    /// The arguments of a connection.
    pub fn connection(&self) -> Option<&ConnectionArgs> {
        match self {
            FieldArgs::Connection(c) => Some(c),
            FieldArgs::Lookup(_) | FieldArgs::Unread => None,
        }
    }
}

/// A connection's arguments out of the coerced `args`: each `sort` value is the position
/// of a value of the table's sort enum (`Table::sort_values`).
fn connection_args(table: &Table, args: Args) -> ConnectionArgs {
    let page = PageArgs {
        before: args.string("before").map(str::to_string),
        after: args.string("after").map(str::to_string),
        first: args.int("first"),
        last: args.int("last"),
    };
    let mut sort = Vec::new();
    if let Some(Input::List(items)) = args.get("sort") {
        for item in items {
            let Input::Enum(value) = item else { continue };
            sort.extend(table.sort_values().nth(*value).map(|(c, desc, _)| (c, desc)));
        }
    }
    let filter = args.0.into_iter().find_map(|(name, v)| match v {
        Input::Object(_) if name == "filter" => Some(v),
        _ => None,
    });
    ConnectionArgs { page, sort, filter }
}

/// A lookup field's key (a required `String!` or `ID!`, so present once coerced).
fn lookup(args: &Args, name: &str) -> FieldArgs {
    FieldArgs::Lookup(args.string(name).unwrap_or_default().to_string())
}

pub enum Sub {
    Leaf,
    Object(ObjectPlan),
    /// One plan per possible object type of an interface.
    Abstract(Vec<ObjectPlan>),
}

impl Sub {
    pub fn object(&self) -> Option<&ObjectPlan> {
        match self {
            Sub::Object(p) => Some(p),
            _ => None,
        }
    }
}

/// Picks the operation, coerces variables and builds the plan. Errors here make the whole
/// response `{"data": null, "errors": …}`.
pub fn plan(
    schema: &Schema,
    valid: &Valid,
    operation_name: Option<&str>,
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<Plan, Vec<GraphQLError>> {
    let doc = valid.document();
    let op = operation(doc, operation_name).map_err(|e| vec![e])?;
    let vars = input::coerce_variables(schema, &op.variables, variables)?;
    if op.kind != OperationKind::Query {
        let msg = format!("Schema is not configured to execute {} operation.", op.kind.as_str());
        return Err(vec![GraphQLError::at(msg, op.pos)]);
    }
    let planner = Planner { schema, doc, vars };
    let root = planner.object(schema.query, &[&op.selection_set]);
    Ok(Plan { root })
}

/// The operation to run, or graphql-core's error for its absence.
pub fn operation<'d>(
    doc: &'d ast::Document,
    name: Option<&str>,
) -> Result<&'d ast::Operation, GraphQLError> {
    doc.operation(name).map_err(|missing| match missing {
        NoOperation::Ambiguous => {
            GraphQLError::bare("Must provide operation name if query contains multiple operations.")
        }
        NoOperation::Unknown => {
            GraphQLError::bare(format!("Unknown operation named '{}'.", name.unwrap_or_default()))
        }
        NoOperation::Empty => GraphQLError::bare("Must provide an operation."),
    })
}

struct Planner<'s, 'd> {
    schema: &'s Schema,
    doc: &'d ast::Document,
    vars: Variables,
}

impl<'s, 'd> Planner<'s, 'd> {
    fn object(&self, type_id: TypeId, sets: &[&'d ast::SelectionSet]) -> ObjectPlan {
        let mut groups: Vec<(&'d str, Vec<&'d ast::Field>)> = Vec::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect(type_id, set, &mut groups, &mut visited);
        }
        let fields: Vec<FieldPlan> = groups
            .into_iter()
            .filter_map(|(key, nodes)| self.field(type_id, key, &nodes))
            .collect();
        let keys = Objects::keys(fields.iter().map(|f| &*f.key));
        ObjectPlan { type_id, fields, keys }
    }

    /// graphql-core's `collect_fields_impl`.
    fn collect(
        &self,
        type_id: TypeId,
        set: &'d ast::SelectionSet,
        groups: &mut Vec<(&'d str, Vec<&'d ast::Field>)>,
        visited: &mut HashSet<&'d str>,
    ) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    if !self.included(&f.directives) {
                        continue;
                    }
                    let key = f.response_key();
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, nodes)) => nodes.push(f),
                        None => groups.push((key, vec![f])),
                    }
                }
                Selection::InlineFragment(i) => {
                    let matches =
                        i.type_condition.as_ref().is_none_or(|t| self.applies(&t.value, type_id));
                    if self.included(&i.directives) && matches {
                        self.collect(type_id, &i.selection_set, groups, visited);
                    }
                }
                Selection::FragmentSpread(s) => {
                    let name = s.name.value.as_str();
                    if visited.contains(name) || !self.included(&s.directives) {
                        continue;
                    }
                    visited.insert(name);
                    let fragment = self.doc.definitions.iter().rev().find_map(|d| match d {
                        Definition::Fragment(f) if f.name.value == name => Some(f),
                        _ => None,
                    });
                    if let Some(f) = fragment
                        && self.applies(&f.type_condition.value, type_id)
                    {
                        self.collect(type_id, &f.selection_set, groups, visited);
                    }
                }
            }
        }
    }

    /// The table whose rows a connection field's resolver reads, if it is one.
    fn connection_of(&self, resolver: Resolver) -> Option<&'s Table> {
        let model = &self.schema.model;
        let table = match resolver {
            Resolver::Query(QueryField::Connection(t)) => t,
            Resolver::Row(RowField::Relation(t, field)) => match &model.tables[t].fields[field]
                .source
            {
                Source::Relation(rel) if matches!(rel.shape, Shape::Connection(_)) => rel.target,
                _ => return None,
            },
            _ => return None,
        };
        Some(&model.tables[table])
    }

    fn applies(&self, condition: &str, type_id: TypeId) -> bool {
        match self.schema.type_id(condition) {
            Some(t) if t == type_id => true,
            Some(t) => self.schema.possible_types(t).contains(&type_id),
            None => false,
        }
    }

    /// `@skip(if:)` and `@include(if:)`.
    fn included(&self, directives: &[ast::Directive]) -> bool {
        let flag = |name: &str| -> Option<bool> {
            let d = directives.iter().find(|d| d.name.value == name)?;
            let def = self.schema.directive(name)?;
            let args =
                input::argument_values(self.schema, &def.args, &d.arguments, d.pos, &self.vars)
                    .ok()?;
            match args.get("if") {
                Some(Input::Boolean(b)) => Some(*b),
                _ => None,
            }
        };
        flag("skip") != Some(true) && flag("include") != Some(false)
    }

    fn field(&self, parent: TypeId, key: &'d str, nodes: &[&'d ast::Field]) -> Option<FieldPlan> {
        let first = nodes.first()?;
        let def = self.schema.field_def(parent, &first.name.value)?;
        let args =
            input::argument_values(self.schema, &def.args, &first.arguments, first.pos, &self.vars)
                .map(|a| match (self.connection_of(def.resolver), def.resolver) {
                    (Some(table), _) => FieldArgs::Connection(connection_args(table, a)),
                    (None, Resolver::Query(QueryField::Node)) => lookup(&a, "id"),
                    (None, Resolver::Meta(Meta::Type)) => lookup(&a, "name"),
                    (None, _) => FieldArgs::Unread,
                });
        let sets: Vec<&'d ast::SelectionSet> = nodes.iter().map(|n| &n.selection_set).collect();
        let named = def.ty.named();
        let sub = match &self.schema.ty(named).kind {
            Kind::Object { .. } => Sub::Object(self.object(named, &sets)),
            Kind::Interface { possible, .. } => {
                Sub::Abstract(possible.iter().map(|t| self.object(*t, &sets)).collect())
            }
            _ => Sub::Leaf,
        };
        let locations = nodes.iter().map(|n| n.pos).collect();
        let key: Rc<str> = Rc::from(key);
        let name = match *key == *def.name {
            true => key.clone(),
            false => Rc::from(def.name.as_str()),
        };
        let (resolver, non_null) = (def.resolver, def.ty.is_non_null());
        Some(FieldPlan { key, name, resolver, non_null, args, locations, sub })
    }
}
