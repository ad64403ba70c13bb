//! The statements every request runs by shape — a row by its key, a level's related rows
//! for all its parents at once and their counts — with their texts kept per schema.

use super::render::{Scope, json_key_part};
use super::*;

/// The statements run on every request, by shape: their texts are built once per schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    ByKey(TableId, Columns),
    Related(TableId, usize, Columns, Vec<(Term, bool)>, Option<usize>),
}

/// Statement texts by shape, for the life of one schema (a schema change makes a new one).
/// Shapes come from clients (columns, orders, a page size), so only the first `MAX_TEXTS`
/// are kept: the few a client sends over and over are among them.
#[derive(Default)]
pub struct Texts(pub(super) RwLock<HashMap<Shape, Arc<str>>>);

pub(super) const MAX_TEXTS: usize = 4096;

impl Texts {
    pub(super) fn get(&self, shape: Shape, build: impl FnOnce() -> String) -> Arc<str> {
        if let Some(text) = self.0.read().ok().and_then(|m| m.get(&shape).cloned()) {
            return text;
        }
        let text: Arc<str> = build().into();
        if let Ok(mut m) = self.0.write()
            && m.len() < MAX_TEXTS
        {
            m.insert(shape, text.clone());
        }
        text
    }

    /// `SELECT <columns> FROM table WHERE (key) = (?, …) AND <filter>`, for `node(id:)`,
    /// and its parameters: the key's values, then the filter's. Texts without a filter are
    /// kept; a filter's text changes with its values.
    pub fn by_key(
        &self,
        model: &Model,
        table: TableId,
        columns: &Columns,
        (key, filter): (Vec<Param>, &[Expr]),
    ) -> (Arc<str>, Vec<Param>) {
        let scope = Scope { model, table, depth: 0 };
        let text = |params: &mut Vec<Param>| {
            let columns_of_key = &model.tables[table].key;
            let mut out = String::from("SELECT ");
            scope.select_list(columns, &mut out);
            scope.from(&mut out);
            out.push_str(" WHERE ");
            scope.row_value(columns_of_key, &mut out);
            let mut marks = String::new();
            for (i, value) in key.iter().enumerate() {
                marks.push_str(if i > 0 { ", " } else { "" });
                scope.mark(value, &mut marks, params);
            }
            let _ = match key.len() {
                1 => write!(out, " = {marks}"),
                _ => write!(out, " = ({marks})"),
            };
            for e in filter {
                out.push_str(" AND ");
                scope.expr(e, &mut out, params);
            }
            out
        };
        if !filter.is_empty() {
            let mut params = Vec::new();
            let text = text(&mut params);
            return (text.into(), params);
        }
        let kept = self.get(Shape::ByKey(table, columns.clone()), || text(&mut Vec::new()));
        (kept, key)
    }

    /// The rows a relationship reaches from a list of parents (`keys`, one JSON parameter of
    /// their keys), each row followed by the values that say which parent it belongs to (the
    /// columns the first join reaches), filtered and in `order`; at most `per_parent` rows
    /// a parent where the dialect does better asking for that (see `RelatedText::text`).
    /// Texts without a filter are kept; a filter's text changes with its values.
    #[allow(clippy::too_many_arguments)]
    pub fn related(
        &self,
        model: &Model,
        table: TableId,
        field: usize,
        rel: &Relationship,
        columns: &Columns,
        (filter, order): (Reached<'_>, &[(Term, bool)]),
        per_parent: Option<usize>,
        keys: Param,
    ) -> (Arc<str>, Vec<Param>) {
        let per_parent = per_parent.filter(|_| model.dialect == Dialect::Postgres);
        let mut params = Vec::new();
        let query = RelatedText { rel, columns, order, per_parent };
        if !filter.is_empty() {
            let text = query.text(model, (filter, &keys), &mut params);
            return (text.into(), params);
        }
        let shape = Shape::Related(table, field, columns.clone(), order.to_vec(), per_parent);
        let build = || query.text(model, (Reached::default(), &keys), &mut Vec::new());
        (self.get(shape, build), vec![keys])
    }
}

/// The statement of `Texts::related`.
pub(super) struct RelatedText<'a> {
    pub(super) rel: &'a Relationship,
    pub(super) columns: &'a Columns,
    pub(super) order: &'a [(Term, bool)],
    pub(super) per_parent: Option<usize>,
}

impl RelatedText<'_> {
    /// One scan in the page order, which the reader stops once every parent's page is full:
    /// SQLite then stops too. PostgreSQL reads and sorts every matching row whatever the
    /// page, so there each parent's first `per_parent` rows come from a `LIMIT` per parent
    /// where an index orders them, else are numbered by a window and only those sent
    /// (BENCHMARKS.md measures the ways on both databases).
    pub(super) fn text(
        &self,
        model: &Model,
        (filter, keys): (Reached<'_>, &Param),
        params: &mut Vec<Param>,
    ) -> String {
        if let Some(n) = self.per_parent.filter(|_| self.index_orders_pages(model)) {
            return self.lateral(model, n, (filter, keys), params);
        }
        let target = Scope { model, table: self.rel.target, depth: 0 };
        let (link, columns_of_link) = link(model, self.rel);
        let mut out = String::from("SELECT ");
        target.select_list(self.columns, &mut out);
        out.push_str(", ");
        link.read_list(&columns_of_link, &mut out);
        let Some(n) = self.per_parent else {
            related_from(model, self.rel, (filter, keys), &mut out, params);
            target.order(self.order, &mut out);
            return out;
        };
        out.push_str(", ROW_NUMBER() OVER (PARTITION BY ");
        link.col_list(&columns_of_link, &mut out);
        target.order(self.order, &mut out);
        out.push_str(") AS relaylite_rn");
        related_from(model, self.rel, (filter, keys), &mut out, params);
        // The page size (the client's `first`, a number) is written in, not bound, so that
        // PostgreSQL plans for it; `Texts` keeps a bounded number of such texts.
        format!(
            "SELECT * FROM ({out}) AS relaylite_page WHERE relaylite_rn <= {n} ORDER BY relaylite_rn"
        )
    }

    /// Whether an index of the target begins with the link columns (in any order: each
    /// equals the parent's value) and goes on with the first column of the page order that
    /// is not one of them: then each parent's page is a range of that index, which a
    /// `LIMIT` per parent stops reading at. A junction's rows are not the target's, so a
    /// many-to-many relationship never qualifies.
    pub(super) fn index_orders_pages(&self, model: &Model) -> bool {
        if self.rel.through().is_some() {
            return false;
        }
        let (_, link) = link(model, self.rel);
        let next = self.order.iter().map(|(t, _)| t.column).find(|c| !link.contains(c));
        model.tables[self.rel.target].indexes.iter().any(|index| {
            let Some((head, rest)) = index.split_at_checked(link.len()) else { return false };
            link.iter().all(|c| head.contains(c)) && next.is_none_or(|c| rest.first() == Some(&c))
        })
    }

    /// On PostgreSQL, with an index that orders the pages: for each parent, its first `n`
    /// rows by a `LIMIT`ed query of its own, which reads only those (BENCHMARKS.md).
    pub(super) fn lateral(
        &self,
        model: &Model,
        n: usize,
        (filter, keys): (Reached<'_>, &Param),
        params: &mut Vec<Param>,
    ) -> String {
        let target = Scope { model, table: self.rel.target, depth: 0 };
        let (_, link) = link(model, self.rel);
        let mut out = String::from("SELECT relaylite_page.* FROM json_array_elements(CAST(");
        target.mark(keys, &mut out, params);
        out.push_str(" AS json)) AS relaylite_parent(v) CROSS JOIN LATERAL (SELECT ");
        target.select_list(self.columns, &mut out);
        out.push_str(", ");
        target.read_list(&link, &mut out);
        target.from(&mut out);
        for (i, &c) in link.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            target.col(c, &mut out);
            out.push_str(" = ");
            let column = &model.tables[self.rel.target].columns[c];
            json_key_part(column, "relaylite_parent.v", (i, link.len()), &mut out);
        }
        for e in filter.target {
            out.push_str(" AND ");
            target.expr(e, &mut out, params);
        }
        target.order(self.order, &mut out);
        // The page size (the client's `first`, a number) is written in, not bound, so that
        // PostgreSQL plans for it; `Texts` keeps a bounded number of such texts.
        let _ = write!(out, " LIMIT {n}) AS relaylite_page");
        out
    }
}

/// How many rows a relationship reaches from each of a list of parents (`keys`, one JSON
/// parameter of their keys): rows of a parent's link values and its count.
pub fn related_count(
    model: &Model,
    rel: &Relationship,
    filter: Reached<'_>,
    keys: Param,
) -> (String, Vec<Param>) {
    let (link, columns) = link(model, rel);
    let mut out = String::from("SELECT ");
    link.read_list(&columns, &mut out);
    out.push_str(", count(*)");
    let mut params = Vec::new();
    related_from(model, rel, (filter, &keys), &mut out, &mut params);
    out.push_str(" GROUP BY ");
    link.col_list(&columns, &mut out);
    (out, params)
}

/// Where a related row says which parent it belongs to: the columns the first join
/// reaches, on the target row itself or on the junction.
pub(super) fn link<'m>(model: &'m Model, rel: &Relationship) -> (Scope<'m>, Vec<usize>) {
    let columns: Vec<usize> = rel.hops[0].on.iter().map(|p| p.1).collect();
    match rel.through() {
        None => (Scope { model, table: rel.target, depth: 0 }, columns),
        Some(junction) => (Scope { model, table: junction.table, depth: JUNCTION }, columns),
    }
}

/// ` FROM … WHERE (link) IN (json) AND <filter>`: the rows a relationship reaches from the
/// parents whose keys `keys` lists.
pub(super) fn related_from(
    model: &Model,
    rel: &Relationship,
    (filter, keys): (Reached<'_>, &Param),
    out: &mut String,
    params: &mut Vec<Param>,
) {
    let target = Scope { model, table: rel.target, depth: 0 };
    let (link, columns) = link(model, rel);
    link.from(out);
    if rel.through().is_some() {
        let _ = write!(out, " JOIN {} ON ", ident(&model.tables[rel.target].name));
        for (i, (far, to)) in rel.hops[1].on.iter().enumerate() {
            out.push_str(if i > 0 { " AND " } else { "" });
            target.col(*to, out);
            out.push_str(" = ");
            link.col(*far, out);
        }
    }
    out.push_str(" WHERE ");
    link.in_json(&columns, keys, out, params);
    for e in filter.target {
        out.push_str(" AND ");
        target.expr(e, out, params);
    }
    // The junction's own conditions, on its rows (under its alias).
    for e in filter.junction.iter().filter(|_| rel.through().is_some()) {
        out.push_str(" AND ");
        link.expr(e, out, params);
    }
}
