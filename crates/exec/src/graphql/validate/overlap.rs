//! OverlappingFieldsCanBeMerged: fields with one response name must mean one thing.
//!
//! A port of graphql-core 3.2.14's algorithm (comments A–J there): fields are compared
//! within each selection set, then between the set and every fragment it spreads, then
//! between fragments, recursing into sub-selections; results of collecting a selection set
//! and of comparing fragment pairs are memoised, and the work is bounded by the same
//! complexity budget, past which validation is aborted.

use std::collections::HashMap;
use std::rc::Rc;

use crate::graphql::ast::{Field, Fragment, Selection, SelectionSet, Value, ValueKind};
use crate::graphql::error::Pos;
use crate::schema::{self, Kind, Schema, TypeId, TypeRef};

use super::messages::abbreviate;

const BUDGET: i64 = 500_000;
const MAX_CONFLICT_NODES: usize = 20;

/// The complexity budget ran out.
pub struct Aborted;

type R<T> = Result<T, Aborted>;

pub struct Conflict {
    pub response_name: String,
    pub reason: String,
    pub fields1: Vec<Pos>,
    pub fields2: Vec<Pos>,
}

#[derive(Clone, Copy)]
struct Details<'a> {
    parent: Option<TypeId>,
    node: &'a Field,
    def: Option<&'a schema::Field>,
    simple_leaf: bool,
}

type Key = (Option<TypeId>, *const SelectionSet);

struct Collected<'a> {
    key: Key,
    grouped: Vec<(&'a str, Vec<Details<'a>>)>,
    fragment_names: Vec<&'a str>,
}

pub struct Overlap<'a> {
    schema: &'a Schema,
    fragments: &'a HashMap<&'a str, &'a Fragment>,
    cache: HashMap<Key, Rc<Collected<'a>>>,
    compared_fragments: HashMap<Key, HashMap<&'a str, bool>>,
    pairs: HashMap<(&'a str, &'a str), bool>,
    budget: i64,
}

impl<'a> Overlap<'a> {
    pub fn new(schema: &'a Schema, fragments: &'a HashMap<&'a str, &'a Fragment>) -> Self {
        Overlap {
            schema,
            fragments,
            cache: HashMap::new(),
            compared_fragments: HashMap::new(),
            pairs: HashMap::new(),
            budget: BUDGET,
        }
    }

    fn spend(&mut self, cost: i64) -> R<()> {
        self.budget -= cost;
        if self.budget < 0 { Err(Aborted) } else { Ok(()) }
    }

    /// The rule's `enter_selection_set` (the caller skips inline fragments' sets).
    pub fn check(&mut self, parent: Option<TypeId>, set: &'a SelectionSet) -> R<Vec<Conflict>> {
        let first_inline = matches!(set.items.first(), Some(Selection::InlineFragment(_)));
        if set.items.len() <= 1 && !first_inline {
            return Ok(Vec::new());
        }
        let mut conflicts = Vec::new();
        let collected = self.collect(parent, set);
        self.within(&mut conflicts, &collected)?;
        let names = collected.fragment_names.clone();
        if !names.is_empty() && (!collected.grouped.is_empty() || names.len() > 1) {
            for (i, name) in names.iter().enumerate() {
                self.between_fields_and_fragment(&mut conflicts, false, &collected, name)?;
                for other in &names[i + 1..] {
                    self.between_fragments(&mut conflicts, false, name, other)?;
                }
            }
        }
        Ok(conflicts)
    }

    fn collect(&mut self, parent: Option<TypeId>, set: &'a SelectionSet) -> Rc<Collected<'a>> {
        let key = (parent, set as *const SelectionSet);
        if let Some(c) = self.cache.get(&key) {
            return c.clone();
        }
        let mut grouped: Vec<(&'a str, Vec<Details<'a>>)> = Vec::new();
        let mut names: Vec<&'a str> = Vec::new();
        self.collect_impl(parent, set, &mut grouped, &mut names);
        let c = Rc::new(Collected { key, grouped, fragment_names: names });
        self.cache.insert(key, c.clone());
        c
    }

    fn collect_impl(
        &self,
        parent: Option<TypeId>,
        set: &'a SelectionSet,
        grouped: &mut Vec<(&'a str, Vec<Details<'a>>)>,
        names: &mut Vec<&'a str>,
    ) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    let def = parent.and_then(|p| self.schema.ty(p).field(&f.name.value));
                    let d = Details {
                        parent,
                        node: f,
                        def,
                        simple_leaf: f.arguments.is_empty() && f.selection_set.items.is_empty(),
                    };
                    let key = f.response_key();
                    match grouped.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, v)) => v.push(d),
                        None => grouped.push((key, vec![d])),
                    }
                }
                Selection::FragmentSpread(s) => {
                    if !names.contains(&s.name.value.as_str()) {
                        names.push(&s.name.value);
                    }
                }
                Selection::InlineFragment(i) => {
                    let t = match &i.type_condition {
                        Some(tc) => self.schema.type_id(&tc.value),
                        None => parent,
                    };
                    self.collect_impl(t, &i.selection_set, grouped, names);
                }
            }
        }
    }

    fn fragment_fields(&mut self, name: &str) -> Option<Rc<Collected<'a>>> {
        let fragment = *self.fragments.get(name)?;
        let t = self.schema.type_id(&fragment.type_condition.value);
        Some(self.collect(t, &fragment.selection_set))
    }

    fn within(&mut self, conflicts: &mut Vec<Conflict>, c: &Collected<'a>) -> R<()> {
        for (name, fields) in &c.grouped {
            for (i, a) in fields.iter().enumerate() {
                for b in &fields[i + 1..] {
                    if let Some(conflict) = self.find_conflict(false, name, a, b)? {
                        conflicts.push(conflict);
                    }
                }
            }
        }
        Ok(())
    }

    fn between_fields_and_fragment(
        &mut self,
        conflicts: &mut Vec<Conflict>,
        exclusive: bool,
        c: &Collected<'a>,
        fragment: &'a str,
    ) -> R<()> {
        self.spend(1)?;
        if c.grouped.is_empty() {
            return Ok(());
        }
        let compared = self.compared_fragments.entry(c.key).or_default();
        match compared.get(fragment) {
            Some(false) => return Ok(()),
            Some(true) if exclusive => return Ok(()),
            _ => {}
        }
        compared.insert(fragment, exclusive);
        let Some(c2) = self.fragment_fields(fragment) else {
            return Ok(());
        };
        if c2.key == c.key {
            return Ok(());
        }
        self.between(conflicts, exclusive, c, &c2)?;
        for name in c2.fragment_names.clone() {
            self.between_fields_and_fragment(conflicts, exclusive, c, name)?;
        }
        Ok(())
    }

    fn between_fragments(
        &mut self,
        conflicts: &mut Vec<Conflict>,
        exclusive: bool,
        f1: &'a str,
        f2: &'a str,
    ) -> R<()> {
        self.spend(2)?;
        if f1 == f2 || self.pair_seen(f1, f2, exclusive) {
            return Ok(());
        }
        self.pairs.insert((f1, f2), exclusive);
        let (Some(c1), Some(c2)) = (self.fragment_fields(f1), self.fragment_fields(f2)) else {
            return Ok(());
        };
        self.between(conflicts, exclusive, &c1, &c2)?;
        for name in c2.fragment_names.clone() {
            self.between_fragments(conflicts, exclusive, f1, name)?;
        }
        for name in c1.fragment_names.clone() {
            self.between_fragments(conflicts, exclusive, name, f2)?;
        }
        Ok(())
    }

    /// graphql-core's `PairSet.has`: either order, and a mutually exclusive comparison
    /// is covered by any earlier one.
    fn pair_seen(&self, a: &'a str, b: &'a str, exclusive: bool) -> bool {
        let seen = |x: &'a str, y: &'a str| match self.pairs.get(&(x, y)) {
            None => false,
            Some(r) => exclusive || *r == exclusive,
        };
        seen(a, b) || seen(b, a)
    }

    fn between(
        &mut self,
        conflicts: &mut Vec<Conflict>,
        exclusive: bool,
        c1: &Collected<'a>,
        c2: &Collected<'a>,
    ) -> R<()> {
        if c1.grouped.is_empty() || c2.grouped.is_empty() {
            return Ok(());
        }
        let mut overlapping = Vec::new();
        for (name, fields1) in &c1.grouped {
            self.spend(1)?;
            if let Some((_, fields2)) = c2.grouped.iter().find(|(n, _)| n == name) {
                overlapping.push((*name, fields1.clone(), fields2.clone()));
            }
        }
        for (name, fields1, fields2) in overlapping {
            for a in &fields1 {
                for b in &fields2 {
                    if let Some(conflict) = self.find_conflict(exclusive, name, a, b)? {
                        conflicts.push(conflict);
                    }
                }
            }
        }
        Ok(())
    }

    fn find_conflict(
        &mut self,
        parents_exclusive: bool,
        name: &str,
        a: &Details<'a>,
        b: &Details<'a>,
    ) -> R<Option<Conflict>> {
        let object = |t: Option<TypeId>| {
            t.is_some_and(|t| matches!(self.schema.ty(t).kind, Kind::Object { .. }))
        };
        let exclusive =
            parents_exclusive || (a.parent != b.parent && object(a.parent) && object(b.parent));
        let (t1, t2) = (a.def.map(|d| &d.ty), b.def.map(|d| &d.ty));
        self.spend(2)?;
        if a.simple_leaf && b.simple_leaf && t1 == t2 && a.node.name.value == b.node.name.value {
            return Ok(None);
        }
        if !exclusive {
            let (n1, n2) = (&a.node.name.value, &b.node.name.value);
            let reason = if n1 != n2 {
                format!("'{}' and '{}' are different fields", abbreviate(n1), abbreviate(n2))
            } else if same_arguments(&a.node.arguments, &b.node.arguments) {
                String::new()
            } else {
                "they have differing arguments".into()
            };
            if !reason.is_empty() {
                return Ok(Some(Conflict {
                    response_name: name.into(),
                    reason,
                    fields1: vec![a.node.pos],
                    fields2: vec![b.node.pos],
                }));
            }
        }
        if let (Some(t1), Some(t2)) = (t1, t2)
            && self.types_conflict(t1, t2)?
        {
            let reason = format!(
                "they return conflicting types '{}' and '{}'",
                self.schema.type_string(t1),
                self.schema.type_string(t2)
            );
            return Ok(Some(Conflict {
                response_name: name.into(),
                reason,
                fields1: vec![a.node.pos],
                fields2: vec![b.node.pos],
            }));
        }
        let (s1, s2) = (&a.node.selection_set, &b.node.selection_set);
        if s1.items.is_empty() || s2.items.is_empty() {
            return Ok(None);
        }
        let named = |d: &Details<'a>| d.def.map(|d| d.ty.named());
        let sub = self.between_sub_selections(exclusive, named(a), s1, named(b), s2)?;
        Ok(subfield_conflicts(sub, name, a.node.pos, b.node.pos))
    }

    fn between_sub_selections(
        &mut self,
        exclusive: bool,
        p1: Option<TypeId>,
        s1: &'a SelectionSet,
        p2: Option<TypeId>,
        s2: &'a SelectionSet,
    ) -> R<Vec<Conflict>> {
        let mut conflicts = Vec::new();
        let c1 = self.collect(p1, s1);
        let c2 = self.collect(p2, s2);
        self.between(&mut conflicts, exclusive, &c1, &c2)?;
        for name in c2.fragment_names.clone() {
            self.between_fields_and_fragment(&mut conflicts, exclusive, &c1, name)?;
        }
        for name in c1.fragment_names.clone() {
            self.between_fields_and_fragment(&mut conflicts, exclusive, &c2, name)?;
        }
        for n1 in c1.fragment_names.clone() {
            for n2 in c2.fragment_names.clone() {
                self.between_fragments(&mut conflicts, exclusive, n1, n2)?;
            }
        }
        Ok(conflicts)
    }

    fn types_conflict(&mut self, t1: &TypeRef, t2: &TypeRef) -> R<bool> {
        if t1 == t2 {
            return Ok(false);
        }
        self.spend(1)?;
        Ok(match (t1, t2) {
            (TypeRef::List(a), TypeRef::List(b)) | (TypeRef::NonNull(a), TypeRef::NonNull(b)) => {
                self.types_conflict(a, b)?
            }
            (TypeRef::List(_), _)
            | (_, TypeRef::List(_))
            | (TypeRef::NonNull(_), _)
            | (_, TypeRef::NonNull(_)) => true,
            (TypeRef::Named(a), TypeRef::Named(b)) => {
                (self.schema.ty(*a).is_leaf() || self.schema.ty(*b).is_leaf()) && a != b
            }
        })
    }
}

fn subfield_conflicts(
    conflicts: Vec<Conflict>,
    name: &str,
    pos1: Pos,
    pos2: Pos,
) -> Option<Conflict> {
    if conflicts.is_empty() {
        return None;
    }
    let mut message = String::new();
    for c in &conflicts {
        if !message.is_empty() {
            message.push_str(" and ");
        }
        message.push_str(&format!(
            "subfields '{}' conflict because {}",
            abbreviate(&c.response_name),
            c.reason
        ));
        if message.chars().count() > 1000 {
            break;
        }
    }
    let nodes = |first: Pos, lists: Vec<&Vec<Pos>>| {
        let mut out = vec![first];
        for list in lists {
            let remaining = MAX_CONFLICT_NODES - out.len();
            out.extend_from_slice(&list[list.len().saturating_sub(remaining)..]);
            if out.len() == MAX_CONFLICT_NODES {
                break;
            }
        }
        out
    };
    Some(Conflict {
        response_name: name.into(),
        reason: abbreviate(&message),
        fields1: nodes(pos1, conflicts.iter().map(|c| &c.fields1).collect()),
        fields2: nodes(pos2, conflicts.iter().map(|c| &c.fields2).collect()),
    })
}

/// Same argument names and values; object fields compared regardless of order.
fn same_arguments(
    a: &[crate::graphql::ast::Argument],
    b: &[crate::graphql::ast::Argument],
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().all(|x| match b.iter().rev().find(|y| y.name.value == x.name.value) {
        Some(y) => structure(&x.value) == structure(&y.value),
        None => false,
    })
}

/// graphql-core's `get_value_structure`.
fn structure(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match &v.kind {
        ValueKind::Variable(n) => json!(["variable", n]),
        ValueKind::Int(t) => json!(["int_value", t]),
        ValueKind::Float(t) => json!(["float_value", t]),
        ValueKind::String { value, block } => json!(["string_value", value, block]),
        ValueKind::Boolean(b) => json!(["boolean_value", b]),
        ValueKind::Null => json!(["null_value", null]),
        ValueKind::Enum(e) => json!(["enum_value", e]),
        ValueKind::List(items) => {
            json!(["list_value", items.iter().map(structure).collect::<Vec<_>>()])
        }
        ValueKind::Object(fields) => {
            let mut sorted: Vec<_> = fields.iter().collect();
            sorted.sort_by(|x, y| x.name.value.cmp(&y.name.value));
            let fields: Vec<_> =
                sorted.iter().map(|f| json!([f.name.value, structure(&f.value)])).collect();
            json!(["object_value", fields])
        }
    }
}
