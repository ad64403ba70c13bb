//! Validation: graphql-core 3.2.14's `specified_rules`, run in one walk over the document.
//!
//! graphql-core visits every node once and calls each rule's hook in rule order, so errors
//! come out in document order and, at one node, in rule order. The walker here does the
//! same: each `enter_*`/`leave_*` step runs the rules that hook that node kind, in
//! `specified_rules` order (each marked by the rule's name), with every message built by
//! one function in `messages.rs`. `validate` returns `Valid`, the only document the
//! planner accepts. This file holds the walker's state and its reporting; its steps are
//! one file per kind of node (`definitions`, `selections`, `directives`, `values`), the
//! rules with state of their own one file each (`overlap`, `usages`, `introspection_depth`).

mod definitions;
mod directives;
mod introspection_depth;
mod messages;
mod overlap;
mod selections;
mod usages;
mod values;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::graphql::ast::*;
use crate::graphql::error::{GraphQLError, Pos};
use crate::graphql::input::{enum_literal, scalar_literal, type_from_ast};
use crate::graphql::suggest::suggestion_list;
use crate::schema::{Kind, Schema, TypeId, TypeRef};

use messages as msg;
use usages::Usage;

/// A document that passed validation against the schema (shared, so a cached document
/// can be planned again without copying).
#[derive(Debug, Clone)]
pub struct Valid(Rc<Document>);

impl Valid {
    pub fn document(&self) -> &Document {
        &self.0
    }
}

/// graphql-core stops after this many errors.
const MAX_ERRORS: usize = 100;
/// Selection sets nested deeper than this through fragments abort validation.
const MAX_NESTING_DEPTH: usize = 200;

pub fn validate(schema: &Schema, doc: Rc<Document>) -> Result<Valid, Vec<GraphQLError>> {
    let errors = {
        let fragments = fragment_map(&doc);
        let mut v = Validator::new(schema, &doc, &fragments);
        v.document();
        v.errors
    };
    if errors.is_empty() { Ok(Valid(doc)) } else { Err(errors) }
}

/// Fragments by name; a later definition of a name wins, as in graphql-core.
fn fragment_map(doc: &Document) -> HashMap<&str, &Fragment> {
    let mut fragments = HashMap::new();
    for d in &doc.definitions {
        if let Definition::Fragment(f) = d {
            fragments.insert(f.name.value.as_str(), f);
        }
    }
    fragments
}

/// Fragment names in document order, each once.
fn fragment_order(doc: &Document) -> Vec<&str> {
    let mut order: Vec<&str> = Vec::new();
    for d in &doc.definitions {
        if let Definition::Fragment(f) = d
            && !order.contains(&f.name.value.as_str())
        {
            order.push(&f.name.value);
        }
    }
    order
}

/// Validation stopped early (too many errors, or too deep).
struct Stop;

#[derive(Clone, Copy)]
enum Location {
    Operation(OperationKind),
    Field,
    FragmentSpread,
    InlineFragment,
    FragmentDefinition,
    VariableDefinition,
}

impl Location {
    fn name(self) -> &'static str {
        match self {
            Location::Operation(OperationKind::Query) => "QUERY",
            Location::Operation(OperationKind::Mutation) => "MUTATION",
            Location::Operation(OperationKind::Subscription) => "SUBSCRIPTION",
            Location::Field => "FIELD",
            Location::FragmentSpread => "FRAGMENT_SPREAD",
            Location::InlineFragment => "INLINE_FRAGMENT",
            Location::FragmentDefinition => "FRAGMENT_DEFINITION",
            Location::VariableDefinition => "VARIABLE_DEFINITION",
        }
    }
}

struct Validator<'a> {
    schema: &'a Schema,
    doc: &'a Document,
    fragments: &'a HashMap<&'a str, &'a Fragment>,
    errors: Vec<GraphQLError>,
    known_fragment_names: HashMap<&'a str, Pos>,
    known_operation_names: HashMap<&'a str, Pos>,
    visited_fragments: HashSet<&'a str>,
    overlap: overlap::Overlap<'a>,
    introspection: introspection_depth::Checker<'a>,
    nesting: HashMap<&'a str, usize>,
}

type Step = Result<(), Stop>;

impl<'a> Validator<'a> {
    fn new(
        schema: &'a Schema,
        doc: &'a Document,
        fragments: &'a HashMap<&'a str, &'a Fragment>,
    ) -> Self {
        Validator {
            schema,
            doc,
            fragments,
            errors: Vec::new(),
            known_fragment_names: HashMap::new(),
            known_operation_names: HashMap::new(),
            visited_fragments: HashSet::new(),
            overlap: overlap::Overlap::new(schema, fragments),
            introspection: introspection_depth::Checker::new(fragments),
            nesting: introspection_depth::fragment_depths(fragments, &fragment_order(doc)),
        }
    }

    fn report(&mut self, e: GraphQLError) -> Step {
        if self.errors.len() >= MAX_ERRORS {
            self.errors.push(GraphQLError::bare(msg::too_many_errors()));
            return Err(Stop);
        }
        self.errors.push(e);
        Ok(())
    }

    fn error(&mut self, message: String, locations: Vec<Pos>) -> Step {
        self.report(GraphQLError::new(message, locations))
    }

    fn abort(&mut self) -> Stop {
        self.errors.push(GraphQLError::bare(msg::aborted()));
        Stop
    }
}

fn types_overlap(schema: &Schema, a: TypeId, b: TypeId) -> bool {
    if a == b {
        return true;
    }
    let pb = schema.possible_types(b);
    schema.possible_types(a).iter().any(|t| pb.contains(t))
}

/// graphql-core's `is_type_sub_type_of` for the types this schema has.
fn is_sub_type(schema: &Schema, maybe_sub: &TypeRef, sup: &TypeRef) -> bool {
    match (maybe_sub, sup) {
        (a, b) if a == b => true,
        (TypeRef::NonNull(a), TypeRef::NonNull(b)) => is_sub_type(schema, a, b),
        (TypeRef::NonNull(a), b) => is_sub_type(schema, a, b),
        (_, TypeRef::NonNull(_)) => false,
        (TypeRef::List(a), TypeRef::List(b)) => is_sub_type(schema, a, b),
        (_, TypeRef::List(_)) | (TypeRef::List(_), _) => false,
        (TypeRef::Named(a), TypeRef::Named(b)) => {
            matches!(schema.ty(*b).kind, Kind::Interface { .. })
                && schema.possible_types(*b).contains(a)
        }
    }
}

/// graphql-core's `allowed_variable_usage`: a nullable variable may fill a non-null
/// position only when a default stands in for null.
fn allowed_variable_usage(
    schema: &Schema,
    var_type: &TypeRef,
    var_has_default: bool,
    location: &TypeRef,
    location_has_default: bool,
) -> bool {
    if let (TypeRef::NonNull(inner), false) = (location, var_type.is_non_null()) {
        if !var_has_default && !location_has_default {
            return false;
        }
        return is_sub_type(schema, var_type, inner);
    }
    is_sub_type(schema, var_type, location)
}
