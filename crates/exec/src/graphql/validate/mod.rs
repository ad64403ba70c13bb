//! Validation: graphql-core 3.2.14's `specified_rules`, run in one walk over the document.
//!
//! graphql-core visits every node once and calls each rule's hook in rule order, so errors
//! come out in document order and, at one node, in rule order. The walker here does the
//! same: each `enter_*`/`leave_*` step runs the rules that hook that node kind, in
//! `specified_rules` order (each marked by the rule's name), with every message built by
//! one function in `messages.rs`. `validate` returns `Valid`, the only document the
//! planner accepts.

mod introspection_depth;
mod messages;
mod overlap;
mod usages;

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

    // ---- document ------------------------------------------------------------------

    fn document(&mut self) {
        let _ = self.document_steps();
    }

    fn document_steps(&mut self) -> Step {
        let doc = self.doc;
        // ExecutableDefinitions
        for d in &doc.definitions {
            if let Definition::TypeSystem { keyword, name, pos } = d {
                let def_name = match (keyword.as_str(), name.as_deref()) {
                    ("schema", _) => "schema".to_string(),
                    (_, Some(n)) => format!("'{n}'"),
                    (_, None) => format!("'{keyword}'"),
                };
                self.error(msg::not_executable(&def_name), vec![*pos])?;
            }
        }
        let operations =
            doc.definitions.iter().filter(|d| matches!(d, Definition::Operation(_))).count();
        for d in &doc.definitions {
            match d {
                Definition::Operation(op) => self.operation(op, operations <= 1)?,
                Definition::Fragment(f) => self.fragment_definition(f)?,
                Definition::TypeSystem { .. } => {}
            }
        }
        self.no_unused_fragments()
    }

    /// NoUnusedFragments (on leaving the document).
    fn no_unused_fragments(&mut self) -> Step {
        let mut used: HashSet<&str> = HashSet::new();
        for d in &self.doc.definitions {
            if let Definition::Operation(op) = d {
                for f in usages::referenced_fragments(self.fragments, &op.selection_set) {
                    used.insert(f.name.value.as_str());
                }
            }
        }
        for d in &self.doc.definitions {
            if let Definition::Fragment(f) = d
                && !used.contains(f.name.value.as_str())
            {
                self.error(msg::unused_fragment(&f.name.value), vec![f.pos])?;
            }
        }
        Ok(())
    }

    // ---- operations ----------------------------------------------------------------

    fn operation(&mut self, op: &'a Operation, anonymous_allowed: bool) -> Step {
        // graphql-core's FragmentNestingVisitor runs first and aborts on deep documents.
        if introspection_depth::nesting_depth(&self.nesting, &op.selection_set) > MAX_NESTING_DEPTH
        {
            return Err(self.abort());
        }
        // UniqueOperationNames
        if let Some(name) = &op.name {
            match self.known_operation_names.get(name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_operation_name(&name.value), vec![*first, name.pos])?
                }
                None => {
                    self.known_operation_names.insert(&name.value, name.pos);
                }
            }
        }
        // LoneAnonymousOperation
        if op.name.is_none() && !anonymous_allowed {
            self.error(msg::anonymous_operation_not_alone(), vec![op.pos])?;
        }
        // UniqueVariableNames
        let mut seen: Vec<(&str, Vec<Pos>)> = Vec::new();
        for v in &op.variables {
            match seen.iter_mut().find(|(n, _)| *n == v.name.value) {
                Some((_, ps)) => ps.push(v.name.pos),
                None => seen.push((&v.name.value, vec![v.name.pos])),
            }
        }
        for (name, ps) in seen {
            if ps.len() > 1 {
                self.error(msg::duplicate_variable(name), ps)?;
            }
        }
        self.unique_directives(&op.directives)?;
        for v in &op.variables {
            self.variable_definition(v)?;
        }
        self.directives(&op.directives, Location::Operation(op.kind))?;
        let root = match op.kind {
            OperationKind::Query => Some(self.schema.query),
            _ => None,
        };
        self.selection_set(root, &op.selection_set, false)?;
        self.leave_operation(op)
    }

    fn variable_definition(&mut self, v: &'a VariableDefinition) -> Step {
        let ty = type_from_ast(self.schema, &v.ty);
        // VariablesAreInputTypes
        if let Some(t) = &ty
            && !self.schema.ty(t.named()).is_input()
        {
            self.error(
                msg::non_input_variable_type(&v.name.value, &v.ty.to_string()),
                vec![v.ty.pos()],
            )?;
        }
        self.unique_directives(&v.directives)?;
        self.named_type(v.ty.named())?;
        let input = ty.filter(|t| self.schema.ty(t.named()).is_input());
        if let Some(default) = &v.default {
            self.value(default, input.as_ref())?;
        }
        self.directives(&v.directives, Location::VariableDefinition)
    }

    /// NoUndefinedVariables, NoUnusedVariables and VariablesInAllowedPosition, which
    /// graphql-core runs on leaving an operation, over its usages and its fragments'.
    fn leave_operation(&mut self, op: &'a Operation) -> Step {
        let usages = usages::recursive(self.schema, self.fragments, op);
        let op_name = op.name.as_ref().map(|n| n.value.as_str());
        let defined = |name: &str| op.variables.iter().find(|v| v.name.value == name);
        for u in &usages {
            if defined(&u.name).is_none() {
                self.error(msg::undefined_variable(&u.name, op_name), vec![u.pos, op.pos])?;
            }
        }
        for v in &op.variables {
            if !usages.iter().any(|u| u.name == v.name.value) {
                self.error(msg::unused_variable(&v.name.value, op_name), vec![v.pos])?;
            }
        }
        for u in &usages {
            self.allowed_position(u, defined(&u.name))?;
        }
        Ok(())
    }

    fn allowed_position(&mut self, u: &Usage, def: Option<&VariableDefinition>) -> Step {
        let (Some(def), Some(location)) = (def, &u.ty) else {
            return Ok(());
        };
        let Some(var_type) = type_from_ast(self.schema, &def.ty) else {
            return Ok(());
        };
        let has_default = def.default.as_ref().is_some_and(|d| d.kind != ValueKind::Null);
        if allowed_variable_usage(
            self.schema,
            &var_type,
            has_default,
            location,
            u.has_location_default,
        ) {
            return Ok(());
        }
        let message = msg::bad_variable_position(
            &u.name,
            &self.schema.type_string(&var_type),
            &self.schema.type_string(location),
        );
        self.error(message, vec![def.pos, u.pos])
    }

    // ---- fragments -----------------------------------------------------------------

    fn fragment_definition(&mut self, f: &'a Fragment) -> Step {
        if self.nesting.get(f.name.value.as_str()).copied().unwrap_or(0) > MAX_NESTING_DEPTH {
            return Err(self.abort());
        }
        let ty = self.schema.type_id(&f.type_condition.value);
        // FragmentsOnCompositeTypes
        if let Some(t) = ty.filter(|t| !self.schema.ty(*t).is_composite()) {
            let message = msg::fragment_on_non_composite(&f.name.value, self.schema.name(t));
            self.error(message, vec![f.type_condition.pos])?;
        }
        // UniqueFragmentNames
        match self.known_fragment_names.get(f.name.value.as_str()) {
            Some(first) => {
                self.error(msg::duplicate_fragment_name(&f.name.value), vec![*first, f.name.pos])?
            }
            None => {
                self.known_fragment_names.insert(&f.name.value, f.name.pos);
            }
        }
        // NoFragmentCycles
        let mut path = Vec::new();
        let mut index = HashMap::new();
        self.detect_cycles(f, &mut path, &mut index)?;
        self.unique_directives(&f.directives)?;
        self.named_type(&f.type_condition)?;
        self.directives(&f.directives, Location::FragmentDefinition)?;
        let parent = ty.filter(|t| self.schema.ty(*t).is_composite());
        self.selection_set(parent, &f.selection_set, false)
    }

    fn detect_cycles(
        &mut self,
        f: &'a Fragment,
        path: &mut Vec<&'a FragmentSpread>,
        index: &mut HashMap<&'a str, usize>,
    ) -> Step {
        let name = f.name.value.as_str();
        if !self.visited_fragments.insert(name) {
            return Ok(());
        }
        let spreads = usages::fragment_spreads(&f.selection_set);
        if spreads.is_empty() {
            return Ok(());
        }
        index.insert(name, path.len());
        for spread in spreads {
            let spread_name = spread.name.value.as_str();
            path.push(spread);
            match index.get(spread_name) {
                None => {
                    if let Some(target) = self.fragments.get(spread_name).copied() {
                        self.detect_cycles(target, path, index)?;
                    }
                }
                Some(&start) => {
                    let cycle = &path[start..];
                    let via: Vec<&str> =
                        cycle[..cycle.len() - 1].iter().map(|s| s.name.value.as_str()).collect();
                    let locations = cycle.iter().map(|s| s.pos).collect();
                    self.error(msg::fragment_cycle(spread_name, &via), locations)?;
                }
            }
            path.pop();
        }
        index.remove(name);
        Ok(())
    }

    // ---- selections ----------------------------------------------------------------

    fn selection_set(
        &mut self,
        parent: Option<TypeId>,
        set: &'a SelectionSet,
        in_inline_fragment: bool,
    ) -> Step {
        // OverlappingFieldsCanBeMerged (inline fragments are checked with their parent)
        if !in_inline_fragment {
            match self.overlap.check(parent, set) {
                Ok(conflicts) => {
                    for c in conflicts {
                        let locations = c.fields1.into_iter().chain(c.fields2).collect();
                        self.error(msg::fields_conflict(&c.response_name, &c.reason), locations)?;
                    }
                }
                Err(overlap::Aborted) => return Err(self.abort()),
            }
        }
        for sel in &set.items {
            match sel {
                Selection::Field(f) => self.field(parent, f)?,
                Selection::FragmentSpread(s) => self.fragment_spread(parent, s)?,
                Selection::InlineFragment(i) => self.inline_fragment(parent, i)?,
            }
        }
        Ok(())
    }

    fn field(&mut self, parent: Option<TypeId>, f: &'a Field) -> Step {
        let schema = self.schema;
        let def = parent.and_then(|p| schema.field_def(p, &f.name.value));
        let ty = def.map(|d| &d.ty);
        // ScalarLeafs
        if let Some(t) = ty {
            let named = schema.ty(t.named());
            let has_selection = !f.selection_set.items.is_empty();
            if named.is_leaf() && has_selection {
                let message = msg::selection_on_leaf(&f.name.value, &schema.type_string(t));
                self.error(message, vec![f.selection_set.pos.unwrap_or(f.pos)])?;
            } else if !named.is_leaf() && !has_selection {
                self.error(
                    msg::missing_selection(&f.name.value, &schema.type_string(t)),
                    vec![f.pos],
                )?;
            }
        }
        // FieldsOnCorrectType
        if let (Some(p), None) = (parent, def) {
            self.unknown_field(p, f)?;
        }
        self.unique_directives(&f.directives)?;
        self.unique_arguments(&f.arguments)?;
        // MaxIntrospectionDepth
        if matches!(f.name.value.as_str(), "__schema" | "__type") && self.introspection.too_deep(f)
        {
            self.error(msg::introspection_too_deep(), vec![f.pos])?;
        }
        for a in &f.arguments {
            let arg_def = def.and_then(|d| d.args.iter().find(|x| x.name == a.name.value));
            // KnownArgumentNames
            if let (Some(d), Some(p), None) = (def, parent, arg_def) {
                let suggestions =
                    suggestion_list(&a.name.value, d.args.iter().map(|x| x.name.as_str()));
                let message =
                    msg::unknown_argument(&a.name.value, schema.name(p), &d.name, &suggestions);
                self.error(message, vec![a.pos])?;
            }
            self.value(&a.value, arg_def.map(|x| &x.ty))?;
        }
        self.directives(&f.directives, Location::Field)?;
        let inner = ty.map(|t| t.named()).filter(|t| schema.ty(*t).is_composite());
        if !f.selection_set.items.is_empty() {
            self.selection_set(inner, &f.selection_set, false)?;
        }
        // ProvidedRequiredArguments (on leaving the field)
        if let Some(d) = def {
            for arg in &d.args {
                let given = f.arguments.iter().any(|a| a.name.value == arg.name);
                if !given && arg.ty.is_non_null() && arg.default.is_none() {
                    let message = msg::missing_field_argument(
                        &f.name.value,
                        &arg.name,
                        &schema.type_string(&arg.ty),
                    );
                    self.error(message, vec![f.pos])?;
                }
            }
        }
        Ok(())
    }

    fn unknown_field(&mut self, parent: TypeId, f: &Field) -> Step {
        let schema = self.schema;
        let name = f.name.value.as_str();
        let mut types: Vec<&str> = Vec::new();
        if let Kind::Interface { possible, .. } = &schema.ty(parent).kind {
            types = possible
                .iter()
                .filter(|t| schema.ty(**t).field(name).is_some())
                .map(|t| schema.name(*t))
                .collect();
            types.sort();
        }
        let fields =
            suggestion_list(name, schema.ty(parent).fields().iter().map(|x| x.name.as_str()));
        self.error(msg::unknown_field(name, schema.name(parent), &types, &fields), vec![f.pos])
    }

    fn fragment_spread(&mut self, parent: Option<TypeId>, s: &'a FragmentSpread) -> Step {
        let name = s.name.value.as_str();
        // KnownFragmentNames
        let fragment = self.fragments.get(name).copied();
        if fragment.is_none() {
            self.error(msg::unknown_fragment(name), vec![s.name.pos])?;
        }
        // PossibleFragmentSpreads
        let frag_type = fragment
            .and_then(|f| self.schema.type_id(&f.type_condition.value))
            .filter(|t| self.schema.ty(*t).is_composite());
        if let (Some(ft), Some(p)) = (frag_type, parent)
            && !types_overlap(self.schema, ft, p)
        {
            let message = msg::impossible_spread(name, self.schema.name(p), self.schema.name(ft));
            self.error(message, vec![s.pos])?;
        }
        self.unique_directives(&s.directives)?;
        self.directives(&s.directives, Location::FragmentSpread)
    }

    fn inline_fragment(&mut self, parent: Option<TypeId>, i: &'a InlineFragment) -> Step {
        let schema = self.schema;
        let ty = match &i.type_condition {
            Some(tc) => schema.type_id(&tc.value),
            None => parent,
        };
        // FragmentsOnCompositeTypes
        if let (Some(tc), Some(t)) = (&i.type_condition, ty)
            && !schema.ty(t).is_composite()
        {
            self.error(msg::inline_fragment_on_non_composite(&tc.value), vec![tc.pos])?;
        }
        let composite = ty.filter(|t| schema.ty(*t).is_composite());
        // PossibleFragmentSpreads
        if let (Some(ft), Some(p)) = (composite, parent)
            && !types_overlap(schema, ft, p)
        {
            self.error(
                msg::impossible_inline_spread(schema.name(p), schema.name(ft)),
                vec![i.pos],
            )?;
        }
        self.unique_directives(&i.directives)?;
        if let Some(tc) = &i.type_condition {
            self.named_type(tc)?;
        }
        self.directives(&i.directives, Location::InlineFragment)?;
        self.selection_set(composite, &i.selection_set, true)
    }

    // ---- names, directives, arguments ----------------------------------------------

    /// KnownTypeNames
    fn named_type(&mut self, n: &Name) -> Step {
        if self.schema.type_id(&n.value).is_some() {
            return Ok(());
        }
        let suggestions =
            suggestion_list(&n.value, self.schema.order.iter().map(|t| self.schema.name(*t)));
        self.error(msg::unknown_type(&n.value, &suggestions), vec![n.pos])
    }

    fn directives(&mut self, directives: &'a [Directive], location: Location) -> Step {
        for d in directives {
            let def = self.schema.directive(&d.name.value);
            // KnownDirectives
            match def {
                None => self.error(msg::unknown_directive(&d.name.value), vec![d.pos])?,
                Some(def) if !def.locations.contains(&location.name()) => {
                    // graphql-core prints the location enum's value: `fragment definition`.
                    let place = location.name().to_ascii_lowercase().replace('_', " ");
                    let message = msg::misplaced_directive(&d.name.value, &place);
                    self.error(message, vec![d.pos])?;
                }
                Some(_) => {}
            }
            // KnownArgumentNames (on directives)
            if let Some(def) = def {
                for a in &d.arguments {
                    if !def.args.iter().any(|y| y.name == a.name.value) {
                        let suggestions = suggestion_list(
                            &a.name.value,
                            def.args.iter().map(|x| x.name.as_str()),
                        );
                        self.error(
                            msg::unknown_directive_argument(&a.name.value, def.name, &suggestions),
                            vec![a.pos],
                        )?;
                    }
                }
            }
            self.unique_arguments(&d.arguments)?;
            for a in &d.arguments {
                let arg_def = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                self.value(&a.value, arg_def.map(|x| &x.ty))?;
            }
            // ProvidedRequiredArguments (on directives, on leaving them)
            if let Some(def) = def {
                for arg in &def.args {
                    let given = d.arguments.iter().any(|a| a.name.value == arg.name);
                    if !given && arg.ty.is_non_null() && arg.default.is_none() {
                        let message = msg::missing_directive_argument(
                            def.name,
                            &arg.name,
                            &self.schema.type_string(&arg.ty),
                        );
                        self.error(message, vec![d.pos])?;
                    }
                }
            }
        }
        Ok(())
    }

    /// UniqueDirectivesPerLocation: every directive of this schema is non-repeatable.
    fn unique_directives(&mut self, directives: &[Directive]) -> Step {
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for d in directives {
            if self.schema.directive(&d.name.value).is_none() {
                continue;
            }
            match seen.get(d.name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_directive(&d.name.value), vec![*first, d.pos])?
                }
                None => {
                    seen.insert(&d.name.value, d.pos);
                }
            }
        }
        Ok(())
    }

    /// UniqueArgumentNames
    fn unique_arguments(&mut self, args: &[Argument]) -> Step {
        let mut groups: Vec<(&str, Vec<Pos>)> = Vec::new();
        for a in args {
            match groups.iter_mut().find(|(n, _)| *n == a.name.value) {
                Some((_, ps)) => ps.push(a.name.pos),
                None => groups.push((&a.name.value, vec![a.name.pos])),
            }
        }
        for (name, ps) in groups {
            if ps.len() > 1 {
                self.error(msg::duplicate_argument(name), ps)?;
            }
        }
        Ok(())
    }

    // ---- values --------------------------------------------------------------------

    /// ValuesOfCorrectType and UniqueInputFieldNames over a value, given the input type
    /// its position expects (TypeInfo's input type).
    fn value(&mut self, v: &'a Value, ty: Option<&TypeRef>) -> Step {
        let schema = self.schema;
        match &v.kind {
            ValueKind::Variable(_) => Ok(()),
            ValueKind::List(items) => {
                let Some(TypeRef::List(item)) = ty.map(TypeRef::nullable) else {
                    // TypeInfo's item type of a non-list position is its nullable type.
                    return self.valid_value_node(v, ty.map(TypeRef::nullable));
                };
                for x in items {
                    self.value(x, Some(item))?;
                }
                Ok(())
            }
            ValueKind::Object(fields) => {
                let object = ty
                    .map(|t| t.named())
                    .filter(|t| matches!(schema.ty(*t).kind, Kind::InputObject { .. }));
                let Some(object) = object else {
                    return self.valid_value_node(v, ty);
                };
                self.object_value(v, object, fields)
            }
            ValueKind::Null => match ty.filter(|t| t.is_non_null()) {
                Some(t) => {
                    self.error(msg::unexpected_value(&schema.type_string(t), "null"), vec![v.pos])
                }
                None => Ok(()),
            },
            _ => self.valid_value_node(v, ty),
        }
    }

    fn object_value(&mut self, v: &'a Value, object: TypeId, fields: &'a [ObjectField]) -> Step {
        let schema = self.schema;
        let t = schema.ty(object);
        for def in t.input_fields() {
            let given = fields.iter().any(|f| f.name.value == def.name);
            if !given && def.ty.is_non_null() && def.default.is_none() {
                let message =
                    msg::missing_input_field(&t.name, &def.name, &schema.type_string(&def.ty));
                self.error(message, vec![v.pos])?;
            }
        }
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for f in fields {
            let def = t.input_fields().iter().find(|d| d.name == f.name.value);
            if def.is_none() {
                let suggestions = suggestion_list(
                    &f.name.value,
                    t.input_fields().iter().map(|d| d.name.as_str()),
                );
                self.error(
                    msg::unknown_input_field(&f.name.value, &t.name, &suggestions),
                    vec![f.pos],
                )?;
            }
            // UniqueInputFieldNames
            match seen.get(f.name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_input_field(&f.name.value), vec![*first, f.name.pos])?
                }
                None => {
                    seen.insert(&f.name.value, f.name.pos);
                }
            }
            self.value(&f.value, def.map(|d| &d.ty))?;
        }
        Ok(())
    }

    /// ValuesOfCorrectType's `is_valid_value_node`: the literal must parse as the type.
    fn valid_value_node(&mut self, v: &Value, location: Option<&TypeRef>) -> Step {
        let Some(location) = location else {
            return Ok(());
        };
        let named = location.named();
        let result = match &self.schema.ty(named).kind {
            Kind::Scalar(s) => scalar_literal(*s, v).map(|_| ()),
            Kind::Enum { .. } => enum_literal(self.schema, named, v).map(|_| ()),
            _ => Err(GraphQLError::at(
                msg::unexpected_value(&self.schema.type_string(location), &v.to_string()),
                v.pos,
            )),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.report(e),
        }
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
