//! A `Select` rendered: the page of rows, the count, and a keyset page read in parts (one
//! index range each) — all from the same conditions and order.

use super::render::Scope;
use super::*;

impl Select {
    pub fn from(model: &Model, table: TableId) -> Self {
        let mut columns = Columns::default();
        columns.extend(0..model.tables[table].columns.len());
        Select { table, filter: Vec::new(), order: Vec::new(), columns }
    }

    pub(super) fn scope<'m>(&self, model: &'m Model) -> Scope<'m> {
        Scope { model, table: self.table, depth: 0 }
    }

    /// `SELECT count(*)` of the rows this select returns.
    pub fn count(&self, model: &Model) -> (String, Vec<Param>) {
        let mut out = String::from("SELECT count(*)");
        let mut params = Vec::new();
        self.scope(model).from(&mut out);
        self.scope(model).filter(&self.filter, &mut out, &mut params);
        (out, params)
    }

    /// The first `limit` rows, ordered, of those in one of `parts` (disjoint conditions):
    /// each part read on its own to `limit` rows — each a seek on an index of the order,
    /// where `part OR part` would have the database gather every matching row to sort them
    /// — and the parts' rows merged by the order's terms, which each part also selects as
    /// they are (on PostgreSQL the columns read are cast and converted, and would not order
    /// as the column does).
    pub fn rows_in_parts(
        &self,
        model: &Model,
        parts: &[Expr],
        (limit, offset): (usize, usize),
    ) -> (String, Vec<Param>) {
        let scope = self.scope(model);
        let width = model.tables[self.table].columns.len();
        let mut out = String::from("SELECT ");
        for c in 0..width {
            let _ = write!(out, "{}relaylite_c{c}", if c > 0 { ", " } else { "" });
        }
        out.push_str(" FROM (");
        let mut params = Vec::new();
        let count = |n: usize| Param::Int(i64::try_from(n).unwrap_or(i64::MAX));
        // Each part gives the first rows it may hold of the page, the offset's included.
        let bound = count(limit.saturating_add(offset));
        for (i, part) in parts.iter().enumerate() {
            out.push_str(if i == 0 { "" } else { " UNION ALL " });
            out.push_str("SELECT * FROM (SELECT ");
            // Each column by its position: a table's own names (a column called `null`
            // beside the NULLs of columns not read) could be taken for another's.
            for c in 0..width {
                out.push_str(if c > 0 { ", " } else { "" });
                match self.columns.contains(c) {
                    true => scope.read(c, &mut out),
                    false => out.push_str("NULL"),
                }
                let _ = write!(out, " AS relaylite_c{c}");
            }
            for (o, (term, _)) in self.order.iter().enumerate() {
                out.push_str(", ");
                scope.term(*term, &mut out);
                let _ = write!(out, " AS relaylite_o{o}");
            }
            scope.from(&mut out);
            let mut filter = self.filter.clone();
            filter.push(part.clone());
            scope.filter(&filter, &mut out, &mut params);
            scope.order(&self.order, &mut out);
            out.push_str(" LIMIT ");
            scope.mark(&bound, &mut out, &mut params);
            let _ = write!(out, ") AS relaylite_part{i}");
        }
        out.push_str(") AS relaylite_page");
        for (o, (_, desc)) in self.order.iter().enumerate() {
            out.push_str(if o == 0 { " ORDER BY " } else { ", " });
            let _ = write!(out, "relaylite_o{o}{}", if *desc { " DESC" } else { " ASC" });
        }
        out.push_str(" LIMIT ");
        scope.mark(&count(limit), &mut out, &mut params);
        out.push_str(" OFFSET ");
        scope.mark(&count(offset), &mut out, &mut params);
        // Each part binds the filter's values again: a long `in` list read once instead.
        if params.len() > MAX_PARAMS_IN_PARTS {
            let mut one = self.clone();
            one.filter.push(Expr::Or(parts.to_vec()));
            return one.rows(model, Some((limit, offset)));
        }
        (out, params)
    }

    /// The rows, ordered, with an optional `(limit, offset)`.
    pub fn rows(&self, model: &Model, page: Option<(usize, usize)>) -> (String, Vec<Param>) {
        let scope = self.scope(model);
        let mut out = String::from("SELECT ");
        scope.select_list(&self.columns, &mut out);
        let mut params = Vec::new();
        scope.from(&mut out);
        scope.filter(&self.filter, &mut out, &mut params);
        scope.order(&self.order, &mut out);
        if let Some((limit, offset)) = page {
            out.push_str(" LIMIT ");
            scope.mark(
                &Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
                &mut out,
                &mut params,
            );
            out.push_str(" OFFSET ");
            scope.mark(
                &Param::Int(i64::try_from(offset).unwrap_or(i64::MAX)),
                &mut out,
                &mut params,
            );
        }
        (out, params)
    }
}

/// The most values a statement read in parts may bind (the bundled SQLite takes 250,000).
pub(super) const MAX_PARAMS_IN_PARTS: usize = 100_000;
