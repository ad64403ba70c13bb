//! MaxIntrospectionDepth (graphql-core's recommended rule) and the fragment nesting guard
//! graphql-core runs before the rules: both bound how deep a document can make validation
//! and execution go.

use std::collections::HashMap;

use crate::graphql::ast::{Field, Fragment, Selection, SelectionSet};

/// Lists of types nested three deep (`fields { type { fields { … } } }`) are refused.
const MAX_LIST_DEPTH: usize = 3;
const LIST_FIELDS: [&str; 4] = ["fields", "interfaces", "possibleTypes", "inputFields"];

pub struct Checker<'a> {
    fragments: &'a HashMap<&'a str, &'a Fragment>,
    checked: HashMap<&'a str, usize>,
    exceeded: HashMap<&'a str, usize>,
}

struct Frame<'a> {
    items: &'a [Selection],
    next: usize,
    depth: usize,
    entered: Option<&'a str>,
}

impl<'a> Checker<'a> {
    pub fn new(fragments: &'a HashMap<&'a str, &'a Fragment>) -> Self {
        Checker { fragments, checked: HashMap::new(), exceeded: HashMap::new() }
    }

    /// graphql-core's `_check_depth` from a `__schema` or `__type` field.
    pub fn too_deep(&mut self, root: &'a Field) -> bool {
        let mut visited: HashMap<&'a str, usize> = HashMap::new();
        let mut stack =
            vec![Frame { items: &root.selection_set.items, next: 0, depth: 0, entered: None }];
        while let Some(top) = stack.last_mut() {
            let Some(sel) = top.items.get(top.next) else {
                if let Some(name) = top.entered {
                    self.checked.insert(name, top.depth);
                }
                stack.pop();
                continue;
            };
            top.next += 1;
            let mut depth = top.depth;
            let set: &'a SelectionSet = match sel {
                Selection::FragmentSpread(s) => {
                    let name = s.name.value.as_str();
                    if self.exceeded.get(name).is_some_and(|d| *d <= depth) {
                        self.mark_exceeded(&stack);
                        return true;
                    }
                    let seen = |m: &HashMap<&str, usize>| m.get(name).is_some_and(|d| *d >= depth);
                    if seen(&visited) || seen(&self.checked) {
                        continue;
                    }
                    let Some(fragment) = self.fragments.get(name) else {
                        continue;
                    };
                    visited.insert(name, depth);
                    stack.push(Frame {
                        items: &fragment.selection_set.items,
                        next: 0,
                        depth,
                        entered: Some(name),
                    });
                    continue;
                }
                Selection::Field(f) => {
                    if LIST_FIELDS.contains(&f.name.value.as_str()) {
                        depth += 1;
                        if depth >= MAX_LIST_DEPTH {
                            self.mark_exceeded(&stack);
                            return true;
                        }
                    }
                    &f.selection_set
                }
                Selection::InlineFragment(i) => &i.selection_set,
            };
            if !set.items.is_empty() {
                stack.push(Frame { items: &set.items, next: 0, depth, entered: None });
            }
        }
        false
    }

    fn mark_exceeded(&mut self, stack: &[Frame<'a>]) {
        for frame in stack.iter().rev() {
            if let Some(name) = frame.entered {
                self.exceeded.insert(name, frame.depth);
            }
        }
    }
}

/// A selection set's own nesting depth, and the fragment spreads in it with the depth each
/// occurs at.
type Nesting<'a> = (usize, Vec<(&'a str, usize)>);

/// graphql-core's `get_selection_nesting`.
fn selection_nesting(set: &SelectionSet) -> Nesting<'_> {
    let mut max_depth = 0;
    let mut spreads = Vec::new();
    let mut stack = vec![(set, 1)];
    while let Some((s, depth)) = stack.pop() {
        max_depth = max_depth.max(depth);
        for sel in &s.items {
            match sel {
                Selection::FragmentSpread(sp) => spreads.push((sp.name.value.as_str(), depth)),
                Selection::Field(f) if !f.selection_set.items.is_empty() => {
                    stack.push((&f.selection_set, depth + 1))
                }
                Selection::InlineFragment(i) => stack.push((&i.selection_set, depth + 1)),
                Selection::Field(_) => {}
            }
        }
    }
    (max_depth, spreads)
}

fn depth_with(depths: &HashMap<&str, usize>, own: usize, spreads: &[(&str, usize)]) -> usize {
    spreads.iter().fold(own, |d, (name, at)| d.max(at + depths.get(name).copied().unwrap_or(0)))
}

/// Each fragment's total nesting through the fragments it spreads (cycles add nothing),
/// walking from each fragment in document order as graphql-core does.
pub fn fragment_depths<'a>(
    fragments: &HashMap<&'a str, &'a Fragment>,
    order: &[&'a str],
) -> HashMap<&'a str, usize> {
    let nestings: HashMap<&str, Nesting<'_>> =
        fragments.iter().map(|(n, f)| (*n, selection_nesting(&f.selection_set))).collect();
    let mut depths: HashMap<&'a str, usize> = HashMap::new();
    for &root in order {
        if depths.contains_key(root) {
            continue;
        }
        let mut path: Vec<(&'a str, usize)> = vec![(root, 0)];
        let mut on_path = vec![root];
        while let Some((name, next)) = path.last().copied() {
            let spreads = &nestings[name].1;
            let pending = spreads[next..].iter().position(|(s, _)| {
                nestings.contains_key(s) && !depths.contains_key(s) && !on_path.contains(s)
            });
            match pending {
                Some(offset) => {
                    let child = spreads[next + offset].0;
                    if let Some(top) = path.last_mut() {
                        top.1 = next + offset + 1;
                    }
                    let child: &'a str =
                        fragments.get_key_value(child).map(|(k, _)| *k).unwrap_or(root);
                    path.push((child, 0));
                    on_path.push(child);
                }
                None => {
                    path.pop();
                    on_path.retain(|n| *n != name);
                    let (own, spreads) = &nestings[name];
                    let d = depth_with(&depths, *own, spreads);
                    depths.insert(name, d);
                }
            }
        }
    }
    depths
}

/// The nesting depth of an operation's selection set through its fragments.
pub fn nesting_depth(depths: &HashMap<&str, usize>, set: &SelectionSet) -> usize {
    let (own, spreads) = selection_nesting(set);
    depth_with(depths, own, &spreads)
}
