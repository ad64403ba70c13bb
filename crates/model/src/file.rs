//! Model files: the complete served model as TOML, read on top of the database's catalogue
//! and printed by `relaylite model`.
//!
//! A file names every served type, its table, its root connection and its fields in order
//! (columns, and relationships with the foreign-key columns they follow); what it leaves
//! out is not served. Keys and column types always come from the database. Every name is
//! checked against the catalogue at start-up, and an error names the file, the line, the
//! type and field, and what was expected.

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::access::{self, FileAccess, FileRole, FileText};
use super::derive::{self, Catalog};
use super::names::{self, RESERVED_TYPES, derived_types};
use super::{
    ConnectionOptions, Cursors, Field, Hop, Model, Relationship, Scalar, Shape, Source, Table,
    TableId, TableKind,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    example_query: Option<String>,
    #[serde(default)]
    types: Vec<Spanned<FileType>>,
    access: Option<Spanned<FileAccess>>,
    #[serde(default)]
    roles: Vec<Spanned<FileRole>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileType {
    name: Spanned<String>,
    table: Spanned<String>,
    connection: Option<Spanned<String>>,
    #[serde(default)]
    sort: bool,
    #[serde(default)]
    filter: bool,
    #[serde(default)]
    total_count: bool,
    #[serde(default)]
    nodes: bool,
    cursors: Option<Spanned<String>>,
    /// The columns that identify a row of a view (a table's key is the database's).
    key: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    fields: Vec<Spanned<FileField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileField {
    name: Spanned<String>,
    column: Option<Spanned<String>>,
    #[serde(rename = "type")]
    scalar: Option<Spanned<String>>,
    object: Option<Spanned<String>>,
    connection: Option<Spanned<String>>,
    list: Option<Spanned<String>>,
    via: Option<Spanned<Vec<String>>>,
    references: Option<Spanned<Vec<String>>>,
    through: Option<Spanned<String>>,
    to: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    sort: bool,
    #[serde(default)]
    filter: bool,
    #[serde(default)]
    total_count: bool,
    #[serde(default)]
    nodes: bool,
    cursors: Option<Spanned<String>>,
    #[serde(default)]
    hidden: bool,
}

const VIA: &str = "a relationship needs `via`, its foreign-key columns";

/// Reads `text` (the contents of `file`) on top of `catalog`. A file that names no type
/// (one that only says who may read what) serves what reflection derives.
pub fn read(file: &str, text: &str, catalog: &Catalog) -> Result<Model, String> {
    let parsed: FileModel = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let mut model = match parsed.types.is_empty() {
        true => derive::derive(catalog),
        false => types(file, text, catalog, &parsed)?,
    };
    if parsed.example_query.is_some() {
        model.example_query = parsed.example_query;
    }
    let src = FileText { file, text };
    model.access = access::read(&src, parsed.access.as_ref(), &parsed.roles, &model)?;
    Ok(model)
}

/// `file:line: what`, the line being where `span` starts.
pub(crate) fn at(file: &str, text: &str, span: std::ops::Range<usize>, what: String) -> String {
    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
    format!("{file}:{line}: {what}")
}

/// The model of a file's `[[types]]`.
fn types(file: &str, text: &str, catalog: &Catalog, parsed: &FileModel) -> Result<Model, String> {
    // The file's types come first, in its order: the order of `Query`'s connections.
    let mut tables = catalog.tables.clone();
    let rank =
        |t: &Table| parsed.types.iter().position(|ty| *ty.get_ref().table.get_ref() == t.name);
    tables.sort_by_key(|t| rank(t).unwrap_or(usize::MAX));
    let mut reader = Reader { file, text, tables };
    let served: Vec<&Spanned<FileType>> =
        parsed.types.iter().filter(|t| !t.get_ref().hidden).collect();
    reader.name_types(&served)?;
    for ty in &served {
        reader.fields(ty)?;
    }
    Ok(Model { tables: reader.tables, example_query: None, dialect: catalog.dialect, access: None })
}

struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    tables: Vec<Table>,
}

impl Reader<'_> {
    /// `file:line: what`, the line being where `span` starts.
    fn error(&self, span: std::ops::Range<usize>, what: String) -> String {
        at(self.file, self.text, span, what)
    }

    /// Each type's table, name and root connection, all unique and valid.
    fn name_types(&mut self, types: &[&Spanned<FileType>]) -> Result<(), String> {
        let mut taken: HashSet<String> = RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
        let mut roots: HashSet<String> = HashSet::from(["node".to_string()]);
        for ty in types {
            let t = ty.get_ref();
            let table = self.table(&t.table, &t.name)?;
            let name = t.name.get_ref();
            self.valid_name(&t.name, &format!("type {name}"))?;
            if self.tables[table].served {
                let what = format!("type {name}: table `{}` already has a type", t.table.get_ref());
                return Err(self.error(t.table.span(), what));
            }
            if let Some(clash) = derived_types(name).into_iter().find(|d| taken.contains(d)) {
                let what = format!("type {name}: the name `{clash}` is already taken");
                return Err(self.error(t.name.span(), what));
            }
            taken.extend(derived_types(name));
            if let Some(key) = &t.key {
                self.tables[table].key = self.view_key(table, key, &format!("type {name}"))?;
            }
            let keyed = self.tables[table].is_node();
            let root = match &t.connection {
                Some(c) => {
                    self.valid_name(c, &format!("type {name}, connection"))?;
                    if !roots.insert(c.get_ref().clone()) {
                        let what =
                            format!("type {name}: `{}` is already a field of Query", c.get_ref());
                        return Err(self.error(c.span(), what));
                    }
                    let cursors = self.cursors(&t.cursors, keyed, &format!("type {name}"))?;
                    Some(ConnectionOptions {
                        name: c.get_ref().clone(),
                        sort: t.sort,
                        filter: t.filter,
                        total_count: t.total_count,
                        nodes: t.nodes,
                        cursors,
                    })
                }
                None => None,
            };
            let entry = &mut self.tables[table];
            (entry.served, entry.type_name, entry.root) = (true, name.clone(), root);
        }
        Ok(())
    }

    fn table(&self, table: &Spanned<String>, ty: &Spanned<String>) -> Result<TableId, String> {
        self.tables.iter().position(|t| t.name == *table.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = self.tables.iter().map(|t| t.name.as_str()).collect();
            let what = format!(
                "type {}: `table` names `{}`, which the database does not have (tables: {})",
                ty.get_ref(),
                table.get_ref(),
                known.join(", ")
            );
            self.error(table.span(), what)
        })
    }

    fn valid_name(&self, name: &Spanned<String>, what: &str) -> Result<(), String> {
        let n = name.get_ref();
        if names::graphql_name(n) == *n && !n.starts_with("__") {
            return Ok(());
        }
        let what = format!(
            "{what}: `{n}` is not a GraphQL name (letters, digits and _, not starting with a digit or __)"
        );
        Err(self.error(name.span(), what))
    }

    /// A type's fields, in the file's order.
    fn fields(&mut self, ty: &Spanned<FileType>) -> Result<(), String> {
        let t = ty.get_ref();
        let table = self.table(&t.table, &t.name)?;
        let mut fields: Vec<Field> = Vec::new();
        for f in t.fields.iter().filter(|f| !f.get_ref().hidden) {
            let spec = f.get_ref();
            let context = format!("type {}, field {}", t.name.get_ref(), spec.name.get_ref());
            self.valid_name(&spec.name, &context)?;
            if fields.iter().any(|x| x.name == *spec.name.get_ref()) {
                return Err(
                    self.error(spec.name.span(), format!("{context}: a second field of that name"))
                );
            }
            let source = self.source(table, f, &context)?;
            if let Source::Column(c) = source
                && let Some(s) = &spec.scalar
            {
                self.tables[table].columns[c].scalar = self.scalar(s, &context)?;
            }
            fields.push(Field { name: spec.name.get_ref().clone(), source });
        }
        let entry = &mut self.tables[table];
        entry.fields = fields;
        entry.sort_names = derive::sort_names(entry);
        Ok(())
    }

    /// A view's `key`: columns it has, named once each, on a view (a table's key is the
    /// database's). Whether they identify its rows is the file's word: as PostGraphile's
    /// `@primaryKey`, it is not checked against the rows.
    fn view_key(
        &self,
        table: TableId,
        key: &Spanned<Vec<String>>,
        context: &str,
    ) -> Result<Vec<usize>, String> {
        let t = &self.tables[table];
        if t.kind != TableKind::View {
            let what = format!("{context}: `key` names a view's key; `{}` has its own", t.name);
            return Err(self.error(key.span(), what));
        }
        let mut columns = Vec::new();
        for name in key.get_ref() {
            let Some(c) = t.column(name).filter(|c| !columns.contains(c)) else {
                let known: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let what = format!(
                    "{context}: `key` names `{name}`, which is not a column of view `{}` or is named twice (columns: {})",
                    t.name,
                    known.join(", ")
                );
                return Err(self.error(key.span(), what));
            };
            columns.push(c);
        }
        if columns.is_empty() {
            return Err(self.error(key.span(), format!("{context}: `key` names no column")));
        }
        Ok(columns)
    }

    /// `cursors = "offset"` (what leaving it out means) or `"keyset"`, which needs rows
    /// with a key (`keyed`): a keyset cursor must name one row.
    fn cursors(
        &self,
        value: &Option<Spanned<String>>,
        keyed: bool,
        context: &str,
    ) -> Result<Cursors, String> {
        match value.as_ref().map(|v| (v.get_ref().as_str(), v.span())) {
            None | Some(("offset", _)) => Ok(Cursors::Offset),
            Some(("keyset", _)) if keyed => Ok(Cursors::Keyset),
            Some(("keyset", span)) => Err(self.error(
                span,
                format!(
                    "{context}: keyset cursors need rows with a key, and a view has none: name its key with `key = [...]`, or use \"offset\""
                ),
            )),
            Some((_, span)) => {
                Err(self
                    .error(span, format!("{context}: `cursors` must be \"offset\" or \"keyset\"")))
            }
        }
    }

    fn scalar(&self, s: &Spanned<String>, context: &str) -> Result<Scalar, String> {
        let kinds = [
            Scalar::Int,
            Scalar::Float,
            Scalar::String,
            Scalar::Boolean,
            Scalar::Date,
            Scalar::Time,
            Scalar::DateTime,
            Scalar::Json,
        ];
        kinds.into_iter().find(|k| k.graphql() == s.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = kinds.iter().map(|k| k.graphql()).collect();
            let what = format!("{context}: `type` must be one of {}", names.join(", "));
            self.error(s.span(), what)
        })
    }

    /// What a field shows: exactly one of `column`, `object`, `connection` or `list`.
    fn source(
        &self,
        table: TableId,
        f: &Spanned<FileField>,
        context: &str,
    ) -> Result<Source, String> {
        let spec = f.get_ref();
        let kinds = [
            spec.column.as_ref().map(|c| ("column", c)),
            spec.object.as_ref().map(|c| ("object", c)),
            spec.connection.as_ref().map(|c| ("connection", c)),
            spec.list.as_ref().map(|c| ("list", c)),
        ];
        let given: Vec<(&str, &Spanned<String>)> = kinds.into_iter().flatten().collect();
        let [(kind, value)] = given[..] else {
            let what =
                format!("{context}: give exactly one of `column`, `object`, `connection`, `list`");
            return Err(self.error(f.span(), what));
        };
        if kind == "column" {
            return self.column(table, value, context).map(Source::Column);
        }
        let target = self.target(value, context)?;
        let shape = match kind {
            "object" => Shape::Object,
            "list" => Shape::List,
            _ => Shape::Connection(ConnectionOptions {
                name: String::new(),
                sort: spec.sort,
                filter: spec.filter,
                total_count: spec.total_count,
                nodes: spec.nodes,
                cursors: self.cursors(&spec.cursors, self.tables[target].is_node(), context)?,
            }),
        };
        let hops = match (kind, &spec.through) {
            ("object", _) => vec![self.to_one(table, target, spec, context)?],
            (_, None) => vec![self.to_many(table, target, spec, context)?],
            (_, Some(through)) => self.through(table, target, through, spec, context)?,
        };
        Ok(Source::Relation(Relationship { target, shape, hops }))
    }

    fn column(
        &self,
        table: TableId,
        name: &Spanned<String>,
        context: &str,
    ) -> Result<usize, String> {
        let t = &self.tables[table];
        t.column(name.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let what = format!(
                "{context}: table `{}` has no column `{}` (columns: {})",
                t.name,
                name.get_ref(),
                known.join(", ")
            );
            self.error(name.span(), what)
        })
    }

    fn columns(
        &self,
        table: TableId,
        names: &Spanned<Vec<String>>,
        context: &str,
    ) -> Result<Vec<usize>, String> {
        let span = names.span();
        names
            .get_ref()
            .iter()
            .map(|n| self.column(table, &Spanned::new(span.clone(), n.clone()), context))
            .collect()
    }

    fn target(&self, ty: &Spanned<String>, context: &str) -> Result<TableId, String> {
        let found = self.tables.iter().position(|t| t.served && t.type_name == *ty.get_ref());
        found.ok_or_else(|| {
            let what = format!("{context}: `{}` is not a type of this file", ty.get_ref());
            self.error(ty.span(), what)
        })
    }

    /// A list of columns the field must give (`via` or `to`), or the error that says so.
    fn needs<'s>(
        &self,
        value: &'s Option<Spanned<Vec<String>>>,
        spec: &FileField,
        context: &str,
        what: &str,
    ) -> Result<&'s Spanned<Vec<String>>, String> {
        value.as_ref().ok_or_else(|| self.error(spec.name.span(), format!("{context}: {what}")))
    }

    /// The columns a relationship reaches on `table`: `references`, or the table's key.
    fn reached(
        &self,
        table: TableId,
        references: &Option<Spanned<Vec<String>>>,
        n: usize,
        at: std::ops::Range<usize>,
        context: &str,
    ) -> Result<Vec<usize>, String> {
        let cols = match references {
            Some(r) => self.columns(table, r, context)?,
            None => self.tables[table].key.clone(),
        };
        if cols.len() != n {
            let what = format!(
                "{context}: `via` has {n} columns, but the columns it refers to on table `{}` are {}",
                self.tables[table].name,
                cols.len()
            );
            return Err(self.error(at, what));
        }
        Ok(cols)
    }

    fn to_one(
        &self,
        table: TableId,
        target: TableId,
        spec: &FileField,
        context: &str,
    ) -> Result<Hop, String> {
        let via = self.needs(&spec.via, spec, context, VIA)?;
        let from = self.columns(table, via, context)?;
        let to = self.reached(target, &spec.references, from.len(), via.span(), context)?;
        Ok(Hop { table: target, on: from.into_iter().zip(to).collect() })
    }

    fn to_many(
        &self,
        table: TableId,
        target: TableId,
        spec: &FileField,
        context: &str,
    ) -> Result<Hop, String> {
        let via = self.needs(&spec.via, spec, context, VIA)?;
        let on_target = self.columns(target, via, context)?;
        let here = self.reached(table, &spec.references, on_target.len(), via.span(), context)?;
        Ok(Hop { table: target, on: here.into_iter().zip(on_target).collect() })
    }

    /// A many-to-many: `via` holds this table's key on the junction, `to` the target's.
    fn through(
        &self,
        table: TableId,
        target: TableId,
        through: &Spanned<String>,
        spec: &FileField,
        context: &str,
    ) -> Result<Vec<Hop>, String> {
        let junction =
            self.tables.iter().position(|t| t.name == *through.get_ref()).ok_or_else(|| {
                self.error(
                    through.span(),
                    format!(
                        "{context}: `through` names `{}`, which the database does not have",
                        through.get_ref()
                    ),
                )
            })?;
        let via = self.needs(
            &spec.via,
            spec,
            context,
            "a many-to-many needs `via`, the junction's columns for this table",
        )?;
        let to = self.needs(
            &spec.to,
            spec,
            context,
            "a many-to-many needs `to`, the junction's columns for the target",
        )?;
        let near = self.columns(junction, via, context)?;
        let far = self.columns(junction, to, context)?;
        let here = self.reached(table, &spec.references, near.len(), via.span(), context)?;
        let there = self.reached(target, &None, far.len(), to.span(), context)?;
        Ok(vec![
            Hop { table: junction, on: here.into_iter().zip(near).collect() },
            Hop { table: target, on: far.into_iter().zip(there).collect() },
        ])
    }
}

/// The model as a file: what `relaylite model` prints, and what `read` reads back the same.
pub fn print(model: &Model, source: &str) -> String {
    let mut out = format!(
        "# The model relaylite serves for {source}: every type, its table, its root connection and\n\
         # its fields in order. Rename anything, delete a field or a type (or give it\n\
         # `hidden = true`), then serve it with `relaylite serve --db … --model THIS_FILE`.\n"
    );
    if let Some(q) = &model.example_query {
        out.push_str(&format!("\nexample_query = {}\n", toml_string(q)));
    }
    for table in model.tables.iter().filter(|t| t.served) {
        out.push_str(&print_type(model, table));
    }
    if let Some(access) = &model.access {
        out.push_str(&access::print(access, model));
    }
    out
}

fn print_type(model: &Model, table: &Table) -> String {
    let mut out = format!(
        "\n[[types]]\nname = {}\ntable = {}\n",
        toml_string(&table.type_name),
        toml_string(&table.name)
    );
    if table.kind == TableKind::View && table.is_node() {
        let key: Vec<String> =
            table.key.iter().map(|&c| toml_string(&table.columns[c].name)).collect();
        out.push_str(&format!("key = [{}]\n", key.join(", ")));
    }
    if let Some(root) = &table.root {
        out.push_str(&format!("connection = {}\n", toml_string(&root.name)));
        for (key, value) in settings(root) {
            out.push_str(&format!("{key} = {value}\n"));
        }
    }
    out.push_str("fields = [\n");
    for field in &table.fields {
        out.push_str(&format!(
            "  {{ name = {}, {} }},\n",
            toml_string(&field.name),
            print_source(model, table, &field.source)
        ));
    }
    out.push_str("]\n");
    out
}

fn print_source(model: &Model, table: &Table, source: &Source) -> String {
    let rel = match source {
        Source::Column(c) => {
            let column = &table.columns[*c];
            let mut s = format!("column = {}", toml_string(&column.name));
            if column.scalar != column.reflected && !column.rowid {
                s.push_str(&format!(", type = {}", toml_string(column.scalar.graphql())));
            }
            return s;
        }
        Source::Relation(rel) => rel,
    };
    let target = &model.tables[rel.target];
    let names = |t: &Table, cols: &[usize]| -> String {
        let quoted: Vec<String> = cols.iter().map(|&c| toml_string(&t.columns[c].name)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let (kind, extra) = match &rel.shape {
        Shape::Object => ("object", String::new()),
        Shape::List => ("list", String::new()),
        Shape::Connection(o) => {
            let pairs: Vec<String> =
                settings(o).iter().map(|(k, v)| format!("{k} = {v}")).collect();
            ("connection", format!(", {}", pairs.join(", ")))
        }
    };
    let mut s = format!("{kind} = {}", toml_string(&target.type_name));
    let first = &rel.hops[0];
    let from: Vec<usize> = first.on.iter().map(|p| p.0).collect();
    let to: Vec<usize> = first.on.iter().map(|p| p.1).collect();
    match (&rel.shape, rel.hops.len()) {
        (Shape::Object, _) => {
            s.push_str(&format!(", via = {}", names(table, &from)));
            if to != target.key {
                s.push_str(&format!(", references = {}", names(target, &to)));
            }
        }
        (_, 1) => {
            s.push_str(&format!(", via = {}", names(target, &to)));
            if from != table.key {
                s.push_str(&format!(", references = {}", names(table, &from)));
            }
        }
        _ => {
            let junction = &model.tables[first.table];
            let far: Vec<usize> = rel.hops[1].on.iter().map(|p| p.0).collect();
            s.push_str(&format!(
                ", through = {}, via = {}, to = {}",
                toml_string(&junction.name),
                names(junction, &to),
                names(junction, &far)
            ));
            if from != table.key {
                s.push_str(&format!(", references = {}", names(table, &from)));
            }
        }
    }
    s.push_str(&extra);
    s
}

/// A connection's settings as `key = value` pairs, in the file's order.
fn settings(o: &ConnectionOptions) -> [(&'static str, String); 5] {
    let cursors = match o.cursors {
        Cursors::Offset => "\"offset\"",
        Cursors::Keyset => "\"keyset\"",
    };
    [
        ("sort", o.sort.to_string()),
        ("filter", o.filter.to_string()),
        ("total_count", o.total_count.to_string()),
        ("nodes", o.nodes.to_string()),
        ("cursors", cursors.to_string()),
    ]
}

/// A TOML basic string holding exactly `s`.
pub(crate) fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
