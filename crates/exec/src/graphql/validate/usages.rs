//! Variable usages and fragment references, computed on demand from the tree the way
//! graphql-core's `ValidationContext` computes them (same traversal orders), for the
//! rules that run on leaving an operation.

use std::collections::{HashMap, HashSet};

use crate::graphql::ast::*;
use crate::graphql::error::Pos;
use crate::schema::{Schema, TypeId, TypeRef};

/// A variable as used somewhere, with the type its position expects.
pub struct Usage {
    pub name: String,
    pub pos: Pos,
    pub ty: Option<TypeRef>,
    pub has_location_default: bool,
}

/// graphql-core's `get_fragment_spreads`: spreads found with an explicit stack.
pub fn fragment_spreads(set: &SelectionSet) -> Vec<&FragmentSpread> {
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

/// graphql-core's `get_recursively_referenced_fragments`.
pub fn referenced_fragments<'a>(
    fragments: &HashMap<&str, &'a Fragment>,
    set: &'a SelectionSet,
) -> Vec<&'a Fragment> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![set];
    while let Some(s) = stack.pop() {
        for spread in fragment_spreads(s) {
            let name = spread.name.value.as_str();
            if seen.insert(name)
                && let Some(f) = fragments.get(name)
            {
                out.push(*f);
                stack.push(&f.selection_set);
            }
        }
    }
    out
}

/// graphql-core's `get_recursive_variable_usages`: the operation's, then each
/// referenced fragment's.
pub fn recursive<'a>(
    schema: &Schema,
    fragments: &HashMap<&str, &'a Fragment>,
    op: &'a Operation,
) -> Vec<Usage> {
    let mut out = Vec::new();
    let root = match op.kind {
        OperationKind::Query => Some(schema.query),
        _ => None,
    };
    let mut w = Walker { schema, out: &mut out };
    w.directives(&op.directives);
    w.selection_set(root, &op.selection_set);
    for f in referenced_fragments(fragments, &op.selection_set) {
        w.directives(&f.directives);
        let t = schema.type_id(&f.type_condition.value);
        w.selection_set(t, &f.selection_set);
    }
    out
}

struct Walker<'s, 'o> {
    schema: &'s Schema,
    out: &'o mut Vec<Usage>,
}

impl Walker<'_, '_> {
    fn selection_set(&mut self, parent: Option<TypeId>, set: &SelectionSet) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    let def = parent.and_then(|p| self.schema.field_def(p, &f.name.value));
                    for a in &f.arguments {
                        let arg = def.and_then(|d| d.args.iter().find(|x| x.name == a.name.value));
                        self.value(
                            &a.value,
                            arg.map(|x| &x.ty),
                            arg.is_some_and(|x| x.default.is_some()),
                        );
                    }
                    self.directives(&f.directives);
                    let inner =
                        def.map(|d| d.ty.named()).filter(|t| self.schema.ty(*t).is_composite());
                    self.selection_set(inner, &f.selection_set);
                }
                Selection::FragmentSpread(s) => self.directives(&s.directives),
                Selection::InlineFragment(i) => {
                    self.directives(&i.directives);
                    let t = match &i.type_condition {
                        Some(tc) => self.schema.type_id(&tc.value),
                        None => parent,
                    };
                    self.selection_set(
                        t.filter(|t| self.schema.ty(*t).is_composite()),
                        &i.selection_set,
                    );
                }
            }
        }
    }

    fn directives(&mut self, directives: &[Directive]) {
        for d in directives {
            let def = self.schema.directive(&d.name.value);
            for a in &d.arguments {
                let arg = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                self.value(&a.value, arg.map(|x| &x.ty), arg.is_some_and(|x| x.default.is_some()));
            }
        }
    }

    fn value(&mut self, v: &Value, ty: Option<&TypeRef>, has_default: bool) {
        match &v.kind {
            ValueKind::Variable(name) => self.out.push(Usage {
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
                for x in items {
                    self.value(x, item, false);
                }
            }
            ValueKind::Object(fields) => {
                let object = ty.map(|t| self.schema.ty(t.named()));
                for f in fields {
                    let def = object
                        .and_then(|o| o.input_fields().iter().find(|d| d.name == f.name.value));
                    self.value(
                        &f.value,
                        def.map(|d| &d.ty),
                        def.is_some_and(|d| d.default.is_some()),
                    );
                }
            }
            _ => {}
        }
    }
}
