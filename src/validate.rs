//! Validation: graphql-core 3.2's `specified_rules`, run in one walk over the document.
//!
//! graphql-core visits every node once and calls each rule's hook in rule order, so errors
//! come out in document order and, at one node, in rule order. The walker here does the
//! same: each `enter_*`/`leave_*` method runs the rules that hook that node kind, in
//! `specified_rules` order, and every message is built by one function named after it.
//! `validate` returns `Valid`, the only document the planner accepts.

use std::collections::{HashMap, HashSet};

use crate::ast::*;
use crate::error::{GraphQLError, Pos};
use crate::input::{enum_literal, scalar_literal, type_from_ast};
use crate::schema::{Kind, Schema, TypeId, TypeRef};
use crate::suggest::{did_you_mean, suggestion_list};

/// A document that passed validation against the schema.
#[derive(Debug)]
pub struct Valid(Document);

impl Valid {
    pub fn document(&self) -> &Document {
        &self.0
    }
}

/// graphql-core stops after this many errors.
const MAX_ERRORS: usize = 100;

pub fn validate(schema: &Schema, doc: Document) -> Result<Valid, Vec<GraphQLError>> {
    let mut v = Validator::new(schema, &doc);
    v.document();
    if v.errors.is_empty() {
        Ok(Valid(doc))
    } else {
        Err(v.errors)
    }
}

/// A variable as used somewhere, with the type its position expects.
struct Usage {
    name: String,
    pos: Pos,
    ty: Option<TypeRef>,
    has_location_default: bool,
}

struct Validator<'a> {
    schema: &'a Schema,
    doc: &'a Document,
    errors: Vec<GraphQLError>,
    fragments: HashMap<&'a str, &'a Fragment>,
    /// Variable usages per definition (operations by index, fragments by name).
    usages: Vec<Usage>,
    fragment_usages: HashMap<&'a str, Vec<Usage>>,
    known_fragment_names: HashMap<&'a str, Pos>,
    known_operation_names: HashMap<&'a str, Pos>,
    visited_fragments: HashSet<&'a str>,
    too_many: bool,
}

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

impl<'a> Validator<'a> {
    fn new(schema: &'a Schema, doc: &'a Document) -> Self {
        let mut fragments = HashMap::new();
        for d in &doc.definitions {
            if let Definition::Fragment(f) = d {
                fragments.insert(f.name.value.as_str(), f);
            }
        }
        Validator {
            schema,
            doc,
            errors: Vec::new(),
            fragments,
            usages: Vec::new(),
            fragment_usages: HashMap::new(),
            known_fragment_names: HashMap::new(),
            known_operation_names: HashMap::new(),
            visited_fragments: HashSet::new(),
            too_many: false,
        }
    }

    fn report(&mut self, e: GraphQLError) {
        if self.too_many {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.errors.push(GraphQLError::bare(
                "Too many validation errors, error limit reached. Validation aborted.",
            ));
            self.too_many = true;
            return;
        }
        self.errors.push(e);
    }

    fn error(&mut self, message: String, locations: Vec<Pos>) {
        self.report(GraphQLError::new(message, locations));
    }

    // ---- document ------------------------------------------------------------------

    fn document(&mut self) {
        let doc = self.doc;
        // ExecutableDefinitions
        for d in &doc.definitions {
            if let Definition::TypeSystem { keyword, name, pos } = d {
                let def_name = match (keyword.as_str(), name) {
                    ("schema", _) => "schema".to_string(),
                    ("extend", Some(n)) if n == "schema" => "schema".to_string(),
                    (_, Some(n)) => format!("'{n}'"),
                    (_, None) => format!("'{keyword}'"),
                };
                self.error(
                    format!("The {def_name} definition is not executable."),
                    vec![*pos],
                );
            }
        }
        let anonymous_allowed = doc
            .definitions
            .iter()
            .filter(|d| matches!(d, Definition::Operation(_)))
            .count()
            <= 1;
        for d in &doc.definitions {
            match d {
                Definition::Operation(op) => self.operation(op, anonymous_allowed),
                Definition::Fragment(f) => self.fragment_definition(f),
                Definition::TypeSystem { .. } => {}
            }
        }
        self.no_unused_fragments();
    }

    fn no_unused_fragments(&mut self) {
        let mut used: HashSet<&str> = HashSet::new();
        for d in &self.doc.definitions {
            if let Definition::Operation(op) = d {
                for f in self.recursively_referenced_fragments(&op.selection_set) {
                    used.insert(f.name.value.as_str());
                }
            }
        }
        for d in &self.doc.definitions {
            if let Definition::Fragment(f) = d {
                if !used.contains(f.name.value.as_str()) {
                    self.error(
                        format!("Fragment '{}' is never used.", f.name.value),
                        vec![f.pos],
                    );
                }
            }
        }
    }

    /// graphql-core's `get_fragment_spreads`: spreads found with an explicit stack.
    fn fragment_spreads(set: &'a SelectionSet) -> Vec<&'a FragmentSpread> {
        let mut spreads = Vec::new();
        let mut stack = vec![set];
        while let Some(s) = stack.pop() {
            for sel in &s.items {
                match sel {
                    Selection::FragmentSpread(sp) => spreads.push(sp),
                    Selection::Field(f) if !f.selection_set.items.is_empty() => {
                        stack.push(&f.selection_set)
                    }
                    Selection::InlineFragment(i) => stack.push(&i.selection_set),
                    Selection::Field(_) => {}
                }
            }
        }
        spreads
    }

    fn recursively_referenced_fragments(&self, set: &'a SelectionSet) -> Vec<&'a Fragment> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![set];
        while let Some(s) = stack.pop() {
            for spread in Self::fragment_spreads(s) {
                let name = spread.name.value.as_str();
                if seen.insert(name) {
                    if let Some(f) = self.fragments.get(name) {
                        out.push(*f);
                        stack.push(&f.selection_set);
                    }
                }
            }
        }
        out
    }

    // ---- operations ----------------------------------------------------------------

    fn operation(&mut self, op: &'a Operation, anonymous_allowed: bool) {
        // UniqueOperationNames
        if let Some(name) = &op.name {
            match self.known_operation_names.get(name.value.as_str()) {
                Some(first) => self.error(
                    format!("There can be only one operation named '{}'.", name.value),
                    vec![*first, name.pos],
                ),
                None => {
                    self.known_operation_names.insert(&name.value, name.pos);
                }
            }
        }
        // LoneAnonymousOperation
        if op.name.is_none() && !anonymous_allowed {
            self.error(
                "This anonymous operation must be the only defined operation.".into(),
                vec![op.pos],
            );
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
                self.error(
                    format!("There can be only one variable named '${name}'."),
                    ps,
                );
            }
        }
        self.unique_directives(&op.directives);
        self.usages.clear();
        for v in &op.variables {
            self.variable_definition(v);
        }
        self.directives(&op.directives, Location::Operation(op.kind));
        let root = match op.kind {
            OperationKind::Query => Some(self.schema.query),
            _ => None,
        };
        self.selection_set(root, &op.selection_set);
        self.leave_operation(op);
    }

    fn variable_definition(&mut self, v: &'a VariableDefinition) {
        let ty = type_from_ast(self.schema, &v.ty);
        // VariablesAreInputTypes
        if let Some(t) = &ty {
            if !self.schema.ty(t.named()).is_input() {
                self.error(
                    format!(
                        "Variable '${}' cannot be non-input type '{}'.",
                        v.name.value, v.ty
                    ),
                    vec![v.ty.pos()],
                );
            }
        }
        self.unique_directives(&v.directives);
        self.named_type(v.ty.named());
        let input = ty.filter(|t| self.schema.ty(t.named()).is_input());
        if let Some(default) = &v.default {
            self.value(default, input.as_ref(), false);
        }
        self.directives(&v.directives, Location::VariableDefinition);
    }

    fn leave_operation(&mut self, op: &'a Operation) {
        let mut usages = std::mem::take(&mut self.usages);
        for f in self.recursively_referenced_fragments(&op.selection_set) {
            if let Some(u) = self.fragment_usages.get(f.name.value.as_str()) {
                usages.extend(u.iter().map(|u| Usage {
                    name: u.name.clone(),
                    pos: u.pos,
                    ty: u.ty.clone(),
                    has_location_default: u.has_location_default,
                }));
            }
        }
        let defined = |name: &str| op.variables.iter().find(|v| v.name.value == name);
        // NoUndefinedVariables
        for u in &usages {
            if defined(&u.name).is_none() {
                let msg = match &op.name {
                    Some(n) => format!(
                        "Variable '${}' is not defined by operation '{}'.",
                        u.name, n.value
                    ),
                    None => format!("Variable '${}' is not defined.", u.name),
                };
                self.error(msg, vec![u.pos, op.pos]);
            }
        }
        // NoUnusedVariables
        for v in &op.variables {
            if !usages.iter().any(|u| u.name == v.name.value) {
                let msg = match &op.name {
                    Some(n) => format!(
                        "Variable '${}' is never used in operation '{}'.",
                        v.name.value, n.value
                    ),
                    None => format!("Variable '${}' is never used.", v.name.value),
                };
                self.error(msg, vec![v.pos]);
            }
        }
        // VariablesInAllowedPosition
        for u in &usages {
            let (Some(def), Some(location)) = (defined(&u.name), &u.ty) else {
                continue;
            };
            let Some(var_type) = type_from_ast(self.schema, &def.ty) else {
                continue;
            };
            let has_default = def
                .default
                .as_ref()
                .is_some_and(|d| d.kind != ValueKind::Null);
            if !allowed_variable_usage(
                self.schema,
                &var_type,
                has_default,
                location,
                u.has_location_default,
            ) {
                self.error(
                    format!(
                        "Variable '${}' of type '{}' used in position expecting type '{}'.",
                        u.name,
                        self.schema.type_string(&var_type),
                        self.schema.type_string(location)
                    ),
                    vec![def.pos, u.pos],
                );
            }
        }
    }

    // ---- fragments -----------------------------------------------------------------

    fn fragment_definition(&mut self, f: &'a Fragment) {
        let ty = self.schema.type_id(&f.type_condition.value);
        // FragmentsOnCompositeTypes
        if let Some(t) = ty {
            if !self.schema.ty(t).is_composite() {
                self.error(
                    format!(
                        "Fragment '{}' cannot condition on non composite type '{}'.",
                        f.name.value, f.type_condition.value
                    ),
                    vec![f.type_condition.pos],
                );
            }
        }
        // UniqueFragmentNames
        match self.known_fragment_names.get(f.name.value.as_str()) {
            Some(first) => self.error(
                format!("There can be only one fragment named '{}'.", f.name.value),
                vec![*first, f.name.pos],
            ),
            None => {
                self.known_fragment_names.insert(&f.name.value, f.name.pos);
            }
        }
        // NoFragmentCycles
        let mut path = Vec::new();
        let mut index = HashMap::new();
        self.detect_cycles(f, &mut path, &mut index);
        self.unique_directives(&f.directives);
        self.named_type(&f.type_condition);
        self.directives(&f.directives, Location::FragmentDefinition);
        let outer = std::mem::take(&mut self.usages);
        let parent = ty.filter(|t| self.schema.ty(*t).is_composite());
        self.selection_set(parent, &f.selection_set);
        let mine = std::mem::replace(&mut self.usages, outer);
        self.fragment_usages.entry(&f.name.value).or_insert(mine);
    }

    fn detect_cycles(
        &mut self,
        f: &'a Fragment,
        path: &mut Vec<&'a FragmentSpread>,
        index: &mut HashMap<&'a str, usize>,
    ) {
        let name = f.name.value.as_str();
        if !self.visited_fragments.insert(name) {
            return;
        }
        let spreads = Self::fragment_spreads(&f.selection_set);
        if spreads.is_empty() {
            return;
        }
        index.insert(name, path.len());
        for spread in spreads {
            let spread_name = spread.name.value.as_str();
            path.push(spread);
            match index.get(spread_name) {
                None => {
                    if let Some(target) = self.fragments.get(spread_name).copied() {
                        self.detect_cycles(target, path, index);
                    }
                }
                Some(&start) => {
                    let cycle = &path[start..];
                    let via: Vec<String> = cycle[..cycle.len() - 1]
                        .iter()
                        .map(|s| format!("'{}'", s.name.value))
                        .collect();
                    let msg = if via.is_empty() {
                        format!("Cannot spread fragment '{spread_name}' within itself.")
                    } else {
                        format!(
                            "Cannot spread fragment '{spread_name}' within itself via {}.",
                            via.join(", ")
                        )
                    };
                    let locations = cycle.iter().map(|s| s.pos).collect();
                    self.error(msg, locations);
                }
            }
            path.pop();
        }
        index.remove(name);
    }

    // ---- selections ----------------------------------------------------------------

    fn selection_set(&mut self, parent: Option<TypeId>, set: &'a SelectionSet) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => self.field(parent, f),
                Selection::FragmentSpread(s) => self.fragment_spread(parent, s),
                Selection::InlineFragment(i) => self.inline_fragment(parent, i),
            }
        }
    }

    fn field(&mut self, parent: Option<TypeId>, f: &'a Field) {
        let schema = self.schema;
        let def = parent.and_then(|p| schema.field_def(p, &f.name.value));
        let ty = def.map(|d| &d.ty);
        // ScalarLeafs
        if let Some(t) = ty {
            let named = schema.ty(t.named());
            let has_selection = !f.selection_set.items.is_empty();
            if named.is_leaf() && has_selection {
                self.error(
                    format!(
                        "Field '{}' must not have a selection since type '{}' has no subfields.",
                        f.name.value,
                        schema.type_string(t)
                    ),
                    vec![f.selection_set.pos.unwrap_or(f.pos)],
                );
            } else if !named.is_leaf() && !has_selection {
                self.error(
                    format!(
                        "Field '{0}' of type '{1}' must have a selection of subfields. Did you mean '{0} {{ ... }}'?",
                        f.name.value,
                        schema.type_string(t)
                    ),
                    vec![f.pos],
                );
            }
        }
        // FieldsOnCorrectType
        if let (Some(p), None) = (parent, def) {
            self.unknown_field(p, f);
        }
        self.unique_directives(&f.directives);
        // UniqueArgumentNames
        self.unique_arguments(&f.arguments);
        for a in &f.arguments {
            let arg_def = def.and_then(|d| d.args.iter().find(|x| x.name == a.name.value));
            // KnownArgumentNames
            if let (Some(d), Some(p), None) = (def, parent, arg_def) {
                let names = d.args.iter().map(|x| x.name.as_str());
                self.error(
                    format!(
                        "Unknown argument '{}' on field '{}.{}'.{}",
                        a.name.value,
                        schema.name(p),
                        d.name,
                        did_you_mean(&suggestion_list(&a.name.value, names), None)
                    ),
                    vec![a.pos],
                );
            }
            let input = arg_def.map(|x| &x.ty);
            self.value(
                &a.value,
                input,
                arg_def.is_some_and(|x| x.default.is_some()),
            );
        }
        self.directives(&f.directives, Location::Field);
        let inner = ty
            .map(|t| t.named())
            .filter(|t| schema.ty(*t).is_composite());
        self.selection_set(inner, &f.selection_set);
        // ProvidedRequiredArguments (on leave)
        if let Some(d) = def {
            for arg in &d.args {
                let given = f.arguments.iter().any(|a| a.name.value == arg.name);
                if !given && arg.ty.is_non_null() && arg.default.is_none() {
                    self.error(
                        format!(
                            "Field '{}' argument '{}' of type '{}' is required, but it was not provided.",
                            f.name.value,
                            arg.name,
                            schema.type_string(&arg.ty)
                        ),
                        vec![f.pos],
                    );
                }
            }
        }
    }

    fn unknown_field(&mut self, parent: TypeId, f: &Field) {
        let schema = self.schema;
        let name = f.name.value.as_str();
        let mut suggestion = String::new();
        if let Kind::Interface { possible, .. } = &schema.ty(parent).kind {
            let mut types: Vec<&str> = possible
                .iter()
                .filter(|t| schema.ty(**t).field(name).is_some())
                .map(|t| schema.name(*t))
                .collect();
            types.sort();
            suggestion = did_you_mean(&types, Some("to use an inline fragment on"));
        }
        if suggestion.is_empty() {
            let names = schema.ty(parent).fields().iter().map(|x| x.name.as_str());
            suggestion = did_you_mean(&suggestion_list(name, names), None);
        }
        self.error(
            format!(
                "Cannot query field '{name}' on type '{}'.{suggestion}",
                schema.name(parent)
            ),
            vec![f.pos],
        );
    }

    fn fragment_spread(&mut self, parent: Option<TypeId>, s: &'a FragmentSpread) {
        let name = s.name.value.as_str();
        // KnownFragmentNames
        let fragment = self.fragments.get(name).copied();
        if fragment.is_none() {
            self.error(format!("Unknown fragment '{name}'."), vec![s.name.pos]);
        }
        // PossibleFragmentSpreads
        let frag_type = fragment
            .and_then(|f| self.schema.type_id(&f.type_condition.value))
            .filter(|t| self.schema.ty(*t).is_composite());
        if let (Some(ft), Some(p)) = (frag_type, parent) {
            if !types_overlap(self.schema, ft, p) {
                self.error(
                    format!(
                        "Fragment '{name}' cannot be spread here as objects of type '{}' can never be of type '{}'.",
                        self.schema.name(p),
                        self.schema.name(ft)
                    ),
                    vec![s.pos],
                );
            }
        }
        self.unique_directives(&s.directives);
        self.directives(&s.directives, Location::FragmentSpread);
    }

    fn inline_fragment(&mut self, parent: Option<TypeId>, i: &'a InlineFragment) {
        let schema = self.schema;
        let ty = match &i.type_condition {
            Some(tc) => schema.type_id(&tc.value),
            None => parent,
        };
        // FragmentsOnCompositeTypes
        if let (Some(tc), Some(t)) = (&i.type_condition, ty) {
            if !schema.ty(t).is_composite() {
                self.error(
                    format!(
                        "Fragment cannot condition on non composite type '{}'.",
                        tc.value
                    ),
                    vec![tc.pos],
                );
            }
        }
        let composite = ty.filter(|t| schema.ty(*t).is_composite());
        // PossibleFragmentSpreads
        if let (Some(ft), Some(p)) = (composite, parent) {
            if !types_overlap(schema, ft, p) {
                self.error(
                    format!(
                        "Fragment cannot be spread here as objects of type '{}' can never be of type '{}'.",
                        schema.name(p),
                        schema.name(ft)
                    ),
                    vec![i.pos],
                );
            }
        }
        self.unique_directives(&i.directives);
        if let Some(tc) = &i.type_condition {
            self.named_type(tc);
        }
        self.directives(&i.directives, Location::InlineFragment);
        self.selection_set(composite, &i.selection_set);
    }

    // ---- names, directives, arguments ----------------------------------------------

    /// KnownTypeNames
    fn named_type(&mut self, n: &Name) {
        if self.schema.type_id(&n.value).is_none() {
            let names = self.schema.order.iter().map(|t| self.schema.name(*t));
            let hint = did_you_mean(&suggestion_list(&n.value, names), None);
            self.error(format!("Unknown type '{}'.{hint}", n.value), vec![n.pos]);
        }
    }

    fn directives(&mut self, directives: &'a [Directive], location: Location) {
        for d in directives {
            let def = self.schema.directive(&d.name.value);
            // KnownDirectives
            match def {
                None => self.error(
                    format!("Unknown directive '@{}'.", d.name.value),
                    vec![d.pos],
                ),
                Some(def) if !def.locations.contains(&location.name()) => self.error(
                    format!(
                        "Directive '@{}' may not be used on {}.",
                        d.name.value,
                        location.name().to_ascii_lowercase()
                    ),
                    vec![d.pos],
                ),
                Some(_) => {}
            }
            for a in &d.arguments {
                let arg_def = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                // KnownArgumentNames (on directives)
                if let (Some(def), None) = (def, arg_def) {
                    let names = def.args.iter().map(|x| x.name.as_str());
                    self.error(
                        format!(
                            "Unknown argument '{}' on directive '@{}'.{}",
                            a.name.value,
                            def.name,
                            did_you_mean(&suggestion_list(&a.name.value, names), None)
                        ),
                        vec![a.pos],
                    );
                }
            }
            self.unique_arguments(&d.arguments);
            for a in &d.arguments {
                let arg_def = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                let input = arg_def.map(|x| &x.ty);
                self.value(
                    &a.value,
                    input,
                    arg_def.is_some_and(|x| x.default.is_some()),
                );
            }
            // ProvidedRequiredArguments (on directives, on leave)
            if let Some(def) = def {
                for arg in &def.args {
                    let given = d.arguments.iter().any(|a| a.name.value == arg.name);
                    if !given && arg.ty.is_non_null() && arg.default.is_none() {
                        self.error(
                            format!(
                                "Directive '@{}' argument '{}' of type '{}' is required, but it was not provided.",
                                def.name,
                                arg.name,
                                self.schema.type_string(&arg.ty)
                            ),
                            vec![d.pos],
                        );
                    }
                }
            }
        }
    }

    /// UniqueDirectivesPerLocation: every directive here is non-repeatable.
    fn unique_directives(&mut self, directives: &[Directive]) {
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for d in directives {
            if self.schema.directive(&d.name.value).is_none() {
                continue;
            }
            match seen.get(d.name.value.as_str()) {
                Some(first) => self.error(
                    format!(
                        "The directive '@{}' can only be used once at this location.",
                        d.name.value
                    ),
                    vec![*first, d.pos],
                ),
                None => {
                    seen.insert(&d.name.value, d.pos);
                }
            }
        }
    }

    /// UniqueArgumentNames
    fn unique_arguments(&mut self, args: &[Argument]) {
        let mut groups: Vec<(&str, Vec<Pos>)> = Vec::new();
        for a in args {
            match groups.iter_mut().find(|(n, _)| *n == a.name.value) {
                Some((_, ps)) => ps.push(a.name.pos),
                None => groups.push((&a.name.value, vec![a.name.pos])),
            }
        }
        for (name, ps) in groups {
            if ps.len() > 1 {
                self.error(
                    format!("There can be only one argument named '{name}'."),
                    ps,
                );
            }
        }
    }

    // ---- values --------------------------------------------------------------------

    /// Walks a value with the input type its position expects (TypeInfo's input type) and
    /// whether that position has a default (for VariablesInAllowedPosition).
    fn value(&mut self, v: &'a Value, ty: Option<&TypeRef>, has_default: bool) {
        let schema = self.schema;
        match &v.kind {
            ValueKind::Variable(name) => self.usages.push(Usage {
                name: name.clone(),
                pos: v.pos,
                ty: ty.cloned(),
                has_location_default: has_default,
            }),
            ValueKind::List(items) => {
                let item = ty.map(|t| match t.nullable() {
                    TypeRef::List(item) => item.as_ref(),
                    other => other,
                });
                if !matches!(ty.map(TypeRef::nullable), Some(TypeRef::List(_))) {
                    self.valid_value_node(v, item);
                    return;
                }
                for x in items {
                    self.value(x, item, false);
                }
            }
            ValueKind::Object(fields) => {
                let object = ty
                    .map(|t| t.named())
                    .filter(|t| matches!(schema.ty(*t).kind, Kind::InputObject { .. }));
                let Some(object) = object else {
                    self.valid_value_node(v, ty);
                    return;
                };
                let t = schema.ty(object);
                for def in t.input_fields() {
                    let given = fields.iter().any(|f| f.name.value == def.name);
                    if !given && def.ty.is_non_null() && def.default.is_none() {
                        self.error(
                            format!(
                                "Field '{}.{}' of required type '{}' was not provided.",
                                t.name,
                                def.name,
                                schema.type_string(&def.ty)
                            ),
                            vec![v.pos],
                        );
                    }
                }
                let mut seen: HashMap<&str, Pos> = HashMap::new();
                for f in fields {
                    let def = t.input_fields().iter().find(|d| d.name == f.name.value);
                    if def.is_none() {
                        let names = t.input_fields().iter().map(|d| d.name.as_str());
                        self.error(
                            format!(
                                "Field '{}' is not defined by type '{}'.{}",
                                f.name.value,
                                t.name,
                                did_you_mean(&suggestion_list(&f.name.value, names), None)
                            ),
                            vec![f.pos],
                        );
                    }
                    // UniqueInputFieldNames
                    match seen.get(f.name.value.as_str()) {
                        Some(first) => self.error(
                            format!(
                                "There can be only one input field named '{}'.",
                                f.name.value
                            ),
                            vec![*first, f.name.pos],
                        ),
                        None => {
                            seen.insert(&f.name.value, f.name.pos);
                        }
                    }
                    let field_ty = def.map(|d| &d.ty);
                    self.value(&f.value, field_ty, def.is_some_and(|d| d.default.is_some()));
                }
            }
            ValueKind::Null => {
                if let Some(t) = ty.filter(|t| t.is_non_null()) {
                    self.error(
                        format!(
                            "Expected value of type '{}', found null.",
                            schema.type_string(t)
                        ),
                        vec![v.pos],
                    );
                }
            }
            _ => self.valid_value_node(v, ty),
        }
    }

    /// ValuesOfCorrectType's `is_valid_value_node`.
    fn valid_value_node(&mut self, v: &Value, location: Option<&TypeRef>) {
        let Some(location) = location else { return };
        let named = location.named();
        let result = match &self.schema.ty(named).kind {
            Kind::Scalar(s) => scalar_literal(*s, v).map(|_| ()),
            Kind::Enum { .. } => enum_literal(self.schema, named, v).map(|_| ()),
            _ => Err(GraphQLError::at(
                format!(
                    "Expected value of type '{}', found {v}.",
                    self.schema.type_string(location)
                ),
                v.pos,
            )),
        };
        if let Err(e) = result {
            self.report(e);
        }
    }
}

fn types_overlap(schema: &Schema, a: TypeId, b: TypeId) -> bool {
    if a == b {
        return true;
    }
    let pa = schema.possible_types(a);
    let pb = schema.possible_types(b);
    pa.iter().any(|t| pb.contains(t))
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
