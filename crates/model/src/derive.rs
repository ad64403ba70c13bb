//! The model reflection alone gives, from what a database's catalogue says (`Catalog`:
//! tables, columns, keys, foreign keys — read by `db`'s catalogue readers): every table
//! served, named by the default rules of `names`. A model file replaces the naming part
//! only, so keys and foreign keys always come from the database itself.

use std::collections::HashSet;

use super::names::{self, RESERVED_TYPES, derived_types, unused};
use super::{
    ConnectionOptions, Cursors, Field, Hop, Model, Relationship, Shape, Source, Table, TableId,
};

/// A foreign key: columns of `table` that hold the values of unique columns of `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub table: TableId,
    pub columns: Vec<usize>,
    pub target: TableId,
    pub target_columns: Vec<usize>,
}

/// What the database says: its tables (unnamed, unserved) and the foreign keys between them.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub foreign_keys: Vec<ForeignKey>,
    pub dialect: super::Dialect,
    /// The database's enum types its columns use (PostgreSQL's), whose names tables avoid.
    pub enums: Vec<&'static super::scalar::EnumType>,
}

/// The model reflection alone gives: every table served, named by the default rules, with
/// its foreign keys as relationships both ways and junction tables as many-to-many.
pub fn derive(catalog: &Catalog) -> Model {
    let mut tables = catalog.tables.clone();
    name_types(&mut tables, catalog);
    let links = Links::of(catalog);
    for t in 0..tables.len() {
        let fields = fields(&tables, catalog, &links, t);
        let table = &mut tables[t];
        table.served = true;
        table.fields = fields;
        table.sort_names = sort_names(table);
    }
    Model { tables, example_query: None, dialect: catalog.dialect, access: None }
}

/// Type names and root connections, unique against each other and the schema's own names.
fn name_types(tables: &mut [Table], catalog: &Catalog) {
    let mut types: HashSet<String> = RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
    types.extend(catalog.enums.iter().flat_map(|e| [e.name.clone(), e.filter.clone()]));
    let mut roots: HashSet<String> = HashSet::from(["node".to_string()]);
    for table in tables.iter_mut() {
        let base = names::type_name(&table.name);
        let name = unused(&base, |n| derived_types(n).iter().any(|d| types.contains(d)));
        types.extend(derived_types(&name));
        let root = unused(&names::root_connection(&name), |n| roots.contains(n));
        roots.insert(root.clone());
        let mut options = ConnectionOptions::all(root);
        if !table.is_node() {
            // A keyset cursor must name one row: a view's rows may be alike in every column.
            options.cursors = Cursors::Offset;
        }
        table.root = Some(options);
        table.type_name = name;
    }
}

/// The catalogue's foreign keys by the table they leave and the table they reach, and its
/// junctions by the tables they join, each list in the catalogue's order: a table's
/// relationships are found without a scan of the whole catalogue per table.
struct Links {
    from: Vec<Vec<usize>>,
    to: Vec<Vec<usize>>,
    /// Junctions `(junction table, foreign key, foreign key)`, and for each table those
    /// that reach it.
    junctions: Vec<(TableId, usize, usize)>,
    junctions_to: Vec<Vec<usize>>,
}

impl Links {
    fn of(catalog: &Catalog) -> Links {
        let n = catalog.tables.len();
        let (mut from, mut to) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for (i, fk) in catalog.foreign_keys.iter().enumerate() {
            from[fk.table].push(i);
            to[fk.target].push(i);
        }
        let junctions = junctions(catalog, &from);
        let mut junctions_to = vec![Vec::new(); n];
        for (i, &(_, a, b)) in junctions.iter().enumerate() {
            let (ta, tb) = (catalog.foreign_keys[a].target, catalog.foreign_keys[b].target);
            junctions_to[ta].push(i);
            if tb != ta {
                junctions_to[tb].push(i);
            }
        }
        Links { from, to, junctions, junctions_to }
    }
}

/// Tables whose primary key is exactly two foreign keys: each side reaches the other.
fn junctions(catalog: &Catalog, from: &[Vec<usize>]) -> Vec<(TableId, usize, usize)> {
    let mut out = Vec::new();
    for (t, table) in catalog.tables.iter().enumerate() {
        let fks = &from[t];
        let key: HashSet<usize> = table.key.iter().copied().collect();
        for (i, &a) in fks.iter().enumerate() {
            for &b in &fks[i + 1..] {
                let (fa, fb) = (&catalog.foreign_keys[a], &catalog.foreign_keys[b]);
                let both: HashSet<usize> = fa.columns.iter().chain(&fb.columns).copied().collect();
                let disjoint = fa.columns.iter().all(|c| !fb.columns.contains(c));
                if disjoint && both == key && both.len() == fa.columns.len() + fb.columns.len() {
                    out.push((t, a, b));
                }
            }
        }
    }
    out
}

/// A table's fields: its columns, then many-to-one, one-to-many and many-to-many
/// relationships, each name unique on the type.
fn fields(tables: &[Table], catalog: &Catalog, links: &Links, t: TableId) -> Vec<Field> {
    let table = &tables[t];
    let mut out: Vec<Field> = Vec::new();
    let taken = |out: &Vec<Field>, n: &str| out.iter().any(|f| f.name == n);
    for (c, column) in table.columns.iter().enumerate().filter(|(_, c)| !c.rowid) {
        let name = unused(&names::field(&column.name), |n| taken(&out, n));
        out.push(Field { name, source: Source::Column(c) });
    }
    let fks = &catalog.foreign_keys;
    // Many-to-one fields in the order of their columns (SQLite numbers foreign keys backwards).
    let mut to_one: Vec<&ForeignKey> =
        links.from[t].iter().map(|&i| &fks[i]).filter(|fk| tables[fk.target].is_node()).collect();
    to_one.sort_by_key(|fk| fk.columns.clone());
    for fk in to_one {
        let from_column = (fk.columns.len() == 1)
            .then(|| names::to_one(&table.columns[fk.columns[0]].name))
            .flatten();
        let fallback = names::field(&tables[fk.target].type_name);
        let base = from_column.filter(|n| !taken(&out, n)).unwrap_or(fallback);
        let rel = Relationship {
            target: fk.target,
            shape: Shape::Object,
            hops: vec![Hop {
                table: fk.target,
                on: fk.columns.iter().copied().zip(fk.target_columns.iter().copied()).collect(),
            }],
        };
        out.push(Field { name: unused(&base, |n| taken(&out, n)), source: Source::Relation(rel) });
    }
    let to_here = || links.to[t].iter().map(|&i| &fks[i]);
    for fk in to_here().filter(|fk| tables[fk.table].is_node()) {
        let referencing = &tables[fk.table];
        let mut base = names::to_many(&referencing.type_name);
        if to_here().filter(|o| o.table == fk.table).count() > 1 {
            let cols: Vec<&str> =
                fk.columns.iter().map(|&c| referencing.columns[c].name.as_str()).collect();
            base = names::by_columns(&base, &cols);
        }
        let rel = Relationship {
            target: fk.table,
            shape: Shape::Connection(ConnectionOptions::all(String::new())),
            hops: vec![Hop {
                table: fk.table,
                on: fk.target_columns.iter().copied().zip(fk.columns.iter().copied()).collect(),
            }],
        };
        out.push(Field { name: unused(&base, |n| taken(&out, n)), source: Source::Relation(rel) });
    }
    let junctions = || links.junctions_to[t].iter().map(|&i| links.junctions[i]);
    for (j, a, b) in junctions() {
        for (near, far) in [(a, b), (b, a)] {
            let (near, far) = (&fks[near], &fks[far]);
            if near.target != t || !tables[far.target].is_node() {
                continue;
            }
            let mut base = names::to_many(&tables[far.target].type_name);
            let parallel = junctions().filter(|&(j2, a2, b2)| {
                let ends = [fks[a2].target, fks[b2].target];
                j2 != j && ends.contains(&far.target)
            });
            if parallel.count() > 0 {
                base = names::by_columns(&base, &[tables[j].name.as_str()]);
            }
            let rel = Relationship {
                target: far.target,
                shape: Shape::Connection(ConnectionOptions::all(String::new())),
                hops: vec![
                    Hop {
                        table: j,
                        on: near
                            .target_columns
                            .iter()
                            .copied()
                            .zip(near.columns.iter().copied())
                            .collect(),
                    },
                    Hop {
                        table: far.target,
                        on: far
                            .columns
                            .iter()
                            .copied()
                            .zip(far.target_columns.iter().copied())
                            .collect(),
                    },
                ],
            };
            out.push(Field {
                name: unused(&base, |n| taken(&out, n)),
                source: Source::Relation(rel),
            });
        }
    }
    out
}

/// `<COLUMN>_ASC`/`_DESC` stems for the columns shown as fields, unique on the type.
pub fn sort_names(table: &Table) -> Vec<Option<String>> {
    let shown: HashSet<usize> = table
        .fields
        .iter()
        .filter_map(|f| match f.source {
            Source::Column(c) => Some(c),
            Source::Relation(_) => None,
        })
        .collect();
    let mut used: Vec<String> = Vec::new();
    (0..table.columns.len())
        .map(|c| {
            if !shown.contains(&c) {
                return None;
            }
            let stem =
                unused(&names::sort_stem(&table.columns[c].name), |n| used.iter().any(|u| u == n));
            used.push(stem.clone());
            Some(stem)
        })
        .collect()
}
