//! Objects: a plan resolved on a list of rows, field by field (a column of values per
//! field), each relationship with one statement for the whole list; the columns are the
//! level's objects (`json::Objects`), never zipped into one vector per object.
//!
//! A relationship's statement reads the related rows of every parent at once (their keys
//! as one JSON parameter) and says which parent each belongs to; the rows are matched back
//! by key, so compound and TEXT keys cost what an integer key does.

use std::collections::HashMap;
use std::rc::Rc;

use super::execute::{Executor, Path, key, level_statements};
use super::keys::{self, Slots};
use super::keyset::Keyset;
use super::page::{
    self, CursorKind, Page, bounds_only, by_page, flags_by_count, node_plans, reads_rows, selects,
    window_by_count,
};
use crate::db::sql::{Columns, Expr, Reached, Term};
use crate::db::{DbError, Param, Row, Rows};
use crate::exec::filter;
use crate::exec::plan::ConnectionArgs;
use crate::exec::plan::{FieldPlan, ObjectPlan};
use crate::exec::relay::{self, PageArgs, Window};
use crate::graphql::error::GraphQLError;
use crate::json::{Column, Objects, Shared, Value, Weight};
use crate::model::Cursors;
use crate::model::{Relationship, Shape, Source, TableId};
use crate::schema::ConnectionField;
use crate::schema::{Meta, Resolver, RowField};

/// The most rows a page gets room for at its parent's first row (`related_rows`).
const PAGE_ROOM: usize = 64;

impl Executor<'_> {
    /// Resolves `plan` on each row of `table`; `path(i)` is the path of row `i`.
    pub(super) fn objects(
        &mut self,
        table: TableId,
        rows: &[&Row],
        plan: &ObjectPlan,
        path: &dyn Fn(usize) -> Path,
    ) -> Rc<Objects> {
        let t = &self.model.tables[table];
        let statements = if rows.is_empty() { 0 } else { level_statements(plan) };
        if !self.take_values(rows.len().saturating_mul(plan.fields.len()))
            || !self.fits_statements(statements)
            || !self.in_time()
        {
            return Rc::new(Objects::nulls(rows.len()));
        }
        // Rows whose non-null field came out null: graphql-core nulls the whole object.
        let mut nulled = vec![false; rows.len()];
        let mut columns: Vec<Column> = Vec::with_capacity(plan.fields.len());
        for f in &plan.fields {
            let column = match f.resolver {
                Resolver::Row(RowField::GlobalId(_)) => rows
                    .iter()
                    .map(|r| {
                        Value::Str(relay::global_id(&t.type_name, &keys::id_text(r, &t.key)).into())
                    })
                    .collect(),
                Resolver::Row(RowField::Column(_, c)) => {
                    self.column(table, c, rows, f, path, &mut nulled)
                }
                Resolver::Row(RowField::Relation(_, i)) => {
                    let field_path = |row: usize| key(&path(row), f);
                    match &t.fields[i].source {
                        Source::Relation(rel) => self.relation(table, i, rel, rows, f, &field_path),
                        Source::Column(_) => vec![Value::Null; rows.len()],
                    }
                }
                Resolver::Meta(Meta::Typename) => {
                    vec![Value::Str(t.type_name.as_str().into()); rows.len()]
                }
                // Not fields of a table's type.
                Resolver::Query(_)
                | Resolver::Connection(_)
                | Resolver::Edge(_)
                | Resolver::PageInfo(_)
                | Resolver::Meta(_) => vec![Value::Null; rows.len()],
            };
            columns.push(Column::Values(column));
        }
        level(plan, columns, nulled)
    }

    /// A column's values as its scalar reads them; a value it cannot represent is a field
    /// error, and a null in a non-null field nulls its object.
    fn column(
        &mut self,
        table: TableId,
        c: usize,
        rows: &[&Row],
        f: &FieldPlan,
        path: &dyn Fn(usize) -> Path,
        nulled: &mut [bool],
    ) -> Vec<Value> {
        let t = &self.model.tables[table];
        let column = &t.columns[c];
        let mut out = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let read = match column.pk > 0 {
                // A key column is an ID: its text, as the original's `str(pk)`.
                true => Ok(match &r[c] {
                    crate::db::Cell::Null => Value::Null,
                    _ => Value::Str(keys::id_text(r, &[c]).into()),
                }),
                false => column.scalar.read(&r[c]),
            };
            let value = match read {
                Ok(v) => v,
                Err(msg) => {
                    self.error(key(&path(i), f), f, msg);
                    nulled[i] |= f.non_null;
                    Value::Null
                }
            };
            if matches!(value, Value::Null) && f.non_null && !nulled[i] {
                let msg = format!(
                    "Cannot return null for non-nullable field {}.{}.",
                    t.type_name, f.name
                );
                self.error(key(&path(i), f), f, msg);
                nulled[i] = true;
            }
            out.push(value);
        }
        out
    }

    /// A relationship field on every row. Rows that link by the same key get one value,
    /// built once and shared: what the answer repeats is counted (values, rows, field
    /// errors) before it is repeated, so a fan-out is refused without being built.
    fn relation(
        &mut self,
        table: TableId,
        field: usize,
        rel: &Relationship,
        rows: &[&Row],
        f: &FieldPlan,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let mut out = vec![Value::Null; rows.len()];
        let query = match self.related_query(table, field, rel, f) {
            Ok(q) => q,
            Err(e) => {
                for i in 0..rows.len() {
                    self.located(path(i), e.clone().with_path(Vec::new()));
                }
                return out;
            }
        };
        let parents = Parents::of(rows, &rel.from_columns());
        let keyset = matches!(query.cursors, CursorKind::Keyset(_));
        let reads = matches!(query.reading, Reading::Rows | Reading::Bounds);
        let statements = u64::from(reads) + query.count_statements();
        if parents.slots.keys().is_empty() || !self.take_statements(statements) {
            return out;
        }
        let mut pages = match self.related_pages(table, field, rel, f, &parents.slots, &query) {
            Ok(pages) => pages,
            Err(e) => {
                self.db_errors(rows.len(), path, f, e);
                return out;
            }
        };
        if parents.first.len() > parents.slots.keys().len() {
            // Rows that link to nothing share an empty page (a list `[]`, a connection with
            // no edges; an object field `null`).
            let total = query.total.then_some(0);
            pages.push(page_of(Rows::default(), 0, total, &query, keyset));
        }
        let errors_before = self.errors.len();
        let first_path = |d: usize| path(parents.first[d]);
        let values = match &rel.shape {
            Shape::Connection(_) => {
                self.connections(rel.target, &pages, f, &first_path, &query.cursors)
            }
            Shape::Object | Shape::List => self.related_objects(rel, &pages, f, &first_path),
        };
        let shared: Vec<Rc<Shared>> = values
            .into_iter()
            .zip(&pages)
            .map(|(value, page)| {
                let shown = Weight { values: 0, rows: page.rows.len() as u64 };
                Rc::new(Shared::new(value, shown))
            })
            .collect();
        let repeats = parents.repeats(|d| shared[d].weight());
        if !self.take_rows(usize::try_from(repeats.rows).unwrap_or(usize::MAX))
            || !self.take_values(usize::try_from(repeats.values).unwrap_or(usize::MAX))
            || !self.repeat_errors(errors_before, &parents, path)
        {
            return out;
        }
        for (i, &d) in parents.of_row.iter().enumerate() {
            out[i] = Value::Shared(shared[d].clone());
        }
        out
    }

    /// The field errors found under each parent's first row, again under each of its other
    /// rows (the same subtree stands there); counted as values before they are made.
    fn repeat_errors(
        &mut self,
        from: usize,
        parents: &Parents,
        path: &dyn Fn(usize) -> Path,
    ) -> bool {
        if self.errors.len() == from {
            return true;
        }
        let firsts: HashMap<Path, usize> =
            parents.first.iter().enumerate().map(|(d, &i)| (path(i), d)).collect();
        let depth = path(parents.first[0]).len();
        let mut under: Vec<Vec<usize>> = vec![Vec::new(); parents.first.len()];
        for e in from..self.errors.len() {
            let prefix = self.errors[e].path.get(..depth);
            if let Some(&d) = prefix.and_then(|p| firsts.get(p)) {
                under[d].push(e);
            }
        }
        // An error weighs its path (a value a step) and itself: a repeated error costs
        // memory as its path is long.
        let sizes: Vec<u64> = under
            .iter()
            .map(|errors| errors.iter().map(|&e| self.errors[e].path.len() as u64 + 1).sum())
            .collect();
        let repeats = parents.repeats(|d| Weight { values: sizes[d], rows: 0 });
        if !self.take_values(usize::try_from(repeats.values).unwrap_or(usize::MAX)) {
            return false;
        }
        for (i, &d) in parents.of_row.iter().enumerate() {
            if parents.first[d] == i || under[d].is_empty() {
                continue;
            }
            if !self.in_time() {
                return false;
            }
            let at = path(i);
            for &e in &under[d] {
                let mut error = self.errors[e].clone();
                error.path.splice(..depth, at.iter().cloned());
                self.errors.push(error);
            }
        }
        true
    }

    /// For an object field, each parent's one row (or null); for a list, all its rows.
    fn related_objects(
        &mut self,
        rel: &Relationship,
        pages: &[Page],
        f: &FieldPlan,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let Some(plan) = f.sub.object() else {
            return vec![Value::Null; pages.len()];
        };
        let owners = page::owners(pages);
        let rows = page::rows_of(pages);
        let object = rel.shape == Shape::Object;
        let row_path = |j: usize| {
            let (p, i) = owners[j];
            if object { path(p) } else { super::execute::index(&path(p), i) }
        };
        let objects = self.objects(rel.target, &rows, plan, &row_path);
        by_page(pages)
            .map(|range| match object {
                true if range.is_empty() => Value::Null,
                true => Value::Row(objects.clone(), range.start),
                false => Value::Rows(objects.clone(), range),
            })
            .collect()
    }

    /// What a relationship field asks of its target's rows: its arguments (a connection's
    /// page, filter, sort and cursors), or the field error they make.
    fn related_query(
        &self,
        table: TableId,
        field: usize,
        rel: &Relationship,
        f: &FieldPlan,
    ) -> Result<RelatedQuery, GraphQLError> {
        let target = &self.model.tables[rel.target];
        let every = ConnectionArgs { page: PageArgs::default(), sort: Vec::new(), filter: None };
        let (args, options) = match &rel.shape {
            Shape::Connection(o) => {
                let args = f.args.as_ref().map_err(Clone::clone)?.connection();
                (args.unwrap_or(&every), Some(o))
            }
            Shape::Object | Shape::List => (&every, None),
        };
        let at = |msg: String| GraphQLError::new(msg, f.locations.clone());
        let page = args.page.clone();
        page.check().map_err(at)?;
        let mut filter = match &args.filter {
            Some(value) => {
                filter::conditions(self.model, rel.target, value, self.limits, self.rules)
                    .map_err(|e| e.at_all(f.locations.clone()))?
            }
            None => Vec::new(),
        };
        filter.extend_from_slice(self.rules.of(rel.target));
        let order = match rel.shape {
            Shape::Object => Vec::new(),
            _ => page::order(target, &args.sort),
        };
        let keyset = options.filter(|o| o.cursors == Cursors::Keyset).map(|_| {
            let name = format!(
                "{}.{}",
                self.model.tables[table].type_name, self.model.tables[table].fields[field].name
            );
            Keyset::new(&name, self.model, target, &order)
        });
        let seek = match &keyset {
            Some(k) => {
                k.seek(page.after.as_deref(), page.before.as_deref()).map_err(at)?.into_filter()
            }
            None => Vec::new(),
        };
        let total = options.is_some() && selects(f, ConnectionField::TotalCount);
        let sought = !seek.is_empty();
        let reading = match rel.shape {
            Shape::Connection(_) => reading(f, keyset.is_some(), &page, sought),
            Shape::Object | Shape::List => Reading::Rows,
        };
        let counted_filter = filter.clone();
        filter.extend(seek);
        let cursors = keyset.map_or(CursorKind::Offset, CursorKind::Keyset);
        Ok(RelatedQuery { page, filter, counted_filter, order, cursors, total, sought, reading })
    }

    /// Each parent's page of related rows (one per distinct key), from one statement for
    /// all parents. Without offset cursors or an offset `last`, `first + 1` rows per parent
    /// tell everything, and reading stops as soon as every parent has them; otherwise each
    /// parent's rows are all read and sliced. A page of counts reads no row.
    fn related_pages(
        &mut self,
        table: TableId,
        field: usize,
        rel: &Relationship,
        f: &FieldPlan,
        distinct: &Slots,
        query: &RelatedQuery,
    ) -> Result<Vec<Page>, DbError> {
        let target = &self.model.tables[rel.target];
        let page = &query.page;
        let keyset = matches!(query.cursors, CursorKind::Keyset(_));
        let backward = keyset && page::backward(page);
        let limit = if backward { page.last } else { page.first };
        let wanted = match (&rel.shape, keyset || !page.needs_count(), limit) {
            (Shape::Object, _, _) => 1,
            (Shape::Connection(_), ..)
                if !matches!(query.reading, Reading::Rows | Reading::Bounds) =>
            {
                0
            }
            (_, true, Some(n)) => usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1),
            _ => usize::MAX,
        };
        let plans = match rel.shape {
            Shape::Connection(_) => node_plans(f),
            _ => f.sub.object().into_iter().collect(),
        };
        let mut columns = self.needed(rel.target, &plans);
        columns.extend(query.order.iter().map(|(t, _)| t.column));
        let mut order = query.order.clone();
        if backward {
            page::turn(&mut order);
        }
        let keys = keys::json_list(distinct.keys());
        let per_parent = match rel.shape {
            Shape::Connection(_) => (wanted < usize::MAX).then_some(wanted),
            Shape::Object | Shape::List => None,
        };
        let (text, params) = self.schema.sql.related(
            self.model,
            table,
            field,
            rel,
            &columns,
            (self.reached(rel, &query.filter), &order),
            per_parent,
            keys,
        );
        let owner: Vec<usize> =
            (target.columns.len()..target.columns.len() + rel.hops[0].on.len()).collect();
        let page_rows = limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let bounds = (query.reading == Reading::Bounds).then_some(page_rows);
        let read = self.related_rows((&text, &params), distinct, &owner, (wanted, bounds))?;
        let totals = match query.total {
            true => self.related_totals(rel, distinct, &query.counted_filter)?,
            false => Vec::new(),
        };
        let counts = match (query.reading, query.sought || !query.total) {
            (Reading::Counted, true) => self.related_totals(rel, distinct, &query.filter)?,
            (Reading::Counted, false) => totals.clone(),
            _ => Vec::new(),
        };
        if !self.take_rows(usize::try_from(read.counted).unwrap_or(usize::MAX)) {
            return Ok(vec![
                Page { window: page.window(0), rows: Rows::default(), total: None };
                read.rows.len()
            ]);
        }
        Ok(slice_pages(read, (&totals, &counts), query, keyset))
    }

    /// Each distinct parent's first `wanted` rows of the statement, and how many rows it
    /// read: it stops once every parent has its rows, or past the rows left to read. With
    /// `bounds` (a page of that many rows, its `pageInfo` alone shown), a parent keeps only
    /// its page's first and last rows (`related_bounds`).
    fn related_rows(
        &self,
        (text, params): (&str, &[Param]),
        distinct: &Slots,
        owner: &[usize],
        (wanted, bounds): (usize, Option<usize>),
    ) -> Result<ReadRows, DbError> {
        let budget = self.rows_left().saturating_add(1);
        let parents = distinct.keys().len();
        let mut read =
            ReadRows { rows: vec![Rows::default(); parents], seen: vec![0; parents], counted: 0 };
        if wanted == 0 {
            return Ok(read);
        }
        if let Some(page) = bounds {
            self.related_bounds((text, params), (distinct, owner), (wanted, page), &mut read)?;
            return Ok(read);
        }
        // A small page (`first` or `last` up to PAGE_ROOM) gets room for all its rows at its
        // parent's first row, so that they are not moved at each doubling; all that room
        // stays within the rows the request may still read.
        let left = usize::try_from(budget).unwrap_or(usize::MAX) / parents.max(1);
        let room = if wanted <= PAGE_ROOM { wanted.min(left) } else { 1 };
        let mut full = 0;
        self.db.query_each(text, params, |row| {
            if let Some(parent) = distinct.slot(row, owner) {
                let rows = &mut read.rows[parent];
                if rows.is_empty() {
                    rows.reserve(row.len(), room);
                }
                if rows.len() < wanted {
                    rows.keep(row);
                    full += usize::from(rows.len() == wanted);
                }
            }
            read.counted += 1;
            full < parents && read.counted < budget
        })?;
        read.seen = read.rows.iter().map(Rows::len).collect();
        Ok(read)
    }

    /// Of each parent's first `wanted` rows, the first and the last of its page's `page`
    /// rows, and how many it has: only the rows kept count against the rows left to read.
    fn related_bounds(
        &self,
        (text, params): (&str, &[Param]),
        (distinct, owner): (&Slots, &[usize]),
        (wanted, page): (usize, usize),
        read: &mut ReadRows,
    ) -> Result<(), DbError> {
        let (budget, parents) = (self.rows_left().saturating_add(1), distinct.keys().len());
        let mut full = 0;
        self.db.query_each(text, params, |row| {
            if let Some(parent) = distinct.slot(row, owner)
                && read.seen[parent] < wanted
            {
                let (rows, seen) = (&mut read.rows[parent], &mut read.seen[parent]);
                if *seen < page {
                    // The second bound is the latest row read of the page.
                    match rows.len() {
                        2 => rows.slice(0..1),
                        _ => read.counted += 1,
                    }
                    rows.keep(row);
                }
                *seen += 1;
                full += usize::from(*seen == wanted);
            }
            full < parents && read.counted < budget
        })
    }

    /// The conditions on what `rel` reaches: `filter` on its target's rows, and the rows of
    /// its junction the request may read.
    fn reached<'f>(&'f self, rel: &Relationship, filter: &'f [Expr]) -> Reached<'f> {
        let junction = rel.through().map_or(&[][..], |j| self.rules.of(j.table));
        Reached { target: filter, junction }
    }

    /// How many related rows each parent has, whatever the page: one `GROUP BY` for all.
    fn related_totals(
        &self,
        rel: &Relationship,
        parents: &Slots,
        filter: &[Expr],
    ) -> Result<Vec<usize>, DbError> {
        let keys = keys::json_list(parents.keys());
        let reached = self.reached(rel, filter);
        let (text, params) = crate::db::sql::related_count(self.model, rel, reached, keys);
        let owner: Vec<usize> = (0..rel.hops[0].on.len()).collect();
        let mut totals = vec![0; parents.keys().len()];
        self.db.query_each(&text, &params, |row| {
            if let (Some(s), Some(crate::db::Cell::Int(n))) =
                (parents.slot(row, &owner), row.last())
            {
                totals[s] = usize::try_from(*n).unwrap_or(0);
            }
            true
        })?;
        Ok(totals)
    }

    /// The columns of `table` that resolving `plans` reads: the key, the columns asked for
    /// and the columns the relationships asked for start from.
    pub(super) fn needed(&self, table: TableId, plans: &[&ObjectPlan]) -> Columns {
        let t = &self.model.tables[table];
        let mut columns = Columns::default();
        columns.extend(t.key.iter().copied());
        for field in plans.iter().flat_map(|p| p.fields.iter()) {
            match field.resolver {
                Resolver::Row(RowField::Column(_, c)) => columns.insert(c),
                Resolver::Row(RowField::Relation(_, i)) => {
                    if let Source::Relation(rel) = &t.fields[i].source {
                        columns.extend(rel.from_columns());
                    }
                }
                _ => {}
            }
        }
        columns
    }
}

/// What a relationship field asks of its target: the page, the conditions (filter and
/// cursors), the filter alone (what `totalCount` counts), the order, the cursors' kind,
/// whether `totalCount` is asked for, whether a cursor is given and how the pages are read.
struct RelatedQuery {
    page: PageArgs,
    filter: Vec<Expr>,
    counted_filter: Vec<Expr>,
    order: Vec<(Term, bool)>,
    cursors: CursorKind,
    total: bool,
    sought: bool,
    reading: Reading,
}

impl RelatedQuery {
    /// The `COUNT … GROUP BY` statements it runs: one for `totalCount`, one for pages
    /// worked out from counts, one for both where they count the same rows (no cursor).
    fn count_statements(&self) -> u64 {
        let pages = self.reading == Reading::Counted && (self.sought || !self.total);
        u64::from(self.total) + u64::from(pages)
    }
}

/// How a relationship connection's pages are read, by what the connection shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reading {
    /// Each parent's rows, to its page and one more (all of them for an offset `last`).
    Rows,
    /// A keyset page's `pageInfo` alone, showing `startCursor` or `endCursor`: its first and
    /// last rows are kept of the rows read (`first` or `last` and one more), and the flags
    /// follow from how many were read.
    Bounds,
    /// `pageInfo` alone, showing no row's cursor: from each parent's count (of the rows
    /// past the `after` / `before` cursors, for keyset pages), no row read.
    Counted,
    /// No row and no count: a keyset page read whole (both flags false), or a connection
    /// showing neither rows nor `pageInfo` (`totalCount`, `__typename`).
    Nothing,
}

/// How a relationship connection showing `f` reads its pages (`page`, with a cursor when
/// `sought`).
fn reading(f: &FieldPlan, keyset: bool, page: &PageArgs, sought: bool) -> Reading {
    let whole = !sought && page.first.is_none() && page.last.is_none();
    match keyset {
        _ if !reads_rows(f, keyset) => match window_by_count(f, keyset) {
            true => Reading::Counted,
            false => Reading::Nothing,
        },
        true if flags_by_count(f) && whole => Reading::Nothing,
        true if flags_by_count(f) => Reading::Counted,
        true if bounds_only(f, page) => Reading::Bounds,
        _ => Reading::Rows,
    }
}

/// Each distinct parent's rows as `related_rows` read them: the rows kept, how many of its
/// rows were read (up to the most wanted), and the rows counted against `--max-nodes`.
struct ReadRows {
    rows: Vec<Rows>,
    seen: Vec<usize>,
    counted: u64,
}

/// The parents of a relationship level, in slots: one per distinct key (`slots`), then one
/// for the rows that link to nothing (a NULL link), when there are such rows. `first` holds
/// each slot's first row, `of_row` each row's slot.
struct Parents {
    slots: Slots,
    first: Vec<usize>,
    of_row: Vec<usize>,
}

impl Parents {
    fn of(rows: &[&Row], columns: &[usize]) -> Parents {
        let mut parents =
            Parents { slots: Slots::default(), first: Vec::new(), of_row: Vec::new() };
        let mut linked: Vec<Option<usize>> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let slot = parents.slots.insert(row, columns);
            if slot == Some(parents.first.len()) {
                parents.first.push(i);
            }
            linked.push(slot);
        }
        let nothing = parents.slots.keys().len();
        if let Some(i) = linked.iter().position(Option::is_none) {
            parents.first.push(i);
        }
        parents.of_row = linked.into_iter().map(|d| d.unwrap_or(nothing)).collect();
        parents
    }

    /// What the rows after each slot's first add, when each repeats what its first weighs.
    fn repeats(&self, weight: impl Fn(usize) -> Weight) -> Weight {
        let mut repeats = Weight::default();
        for (i, &d) in self.of_row.iter().enumerate() {
            if self.first[d] != i {
                repeats = repeats + weight(d);
            }
        }
        repeats
    }
}

/// Each distinct parent's rows sliced to its page, with its total (`totals`) and, for pages
/// worked out from counts, its count (`counts`).
fn slice_pages(
    read: ReadRows,
    (totals, counts): (&[usize], &[usize]),
    query: &RelatedQuery,
    keyset: bool,
) -> Vec<Page> {
    let mut pages = Vec::with_capacity(read.rows.len());
    for (s, (rows, seen)) in read.rows.into_iter().zip(read.seen).enumerate() {
        let total = query.total.then(|| totals.get(s).copied().unwrap_or(0));
        let n = match query.reading {
            Reading::Counted => counts.get(s).copied().unwrap_or(0),
            _ => seen,
        };
        pages.push(page_of(rows, n, total, query, keyset));
    }
    pages
}

/// One parent's page: from its rows in the connection's order (of which it has `n`, or
/// only their bounds), or from `n`, how many rows it has, when counted.
fn page_of(rows: Rows, n: usize, total: Option<usize>, query: &RelatedQuery, keyset: bool) -> Page {
    let empty = |window: Window| Page { window, rows: Rows::default(), total };
    match (keyset, query.reading) {
        (true, Reading::Nothing | Reading::Counted) => {
            let window = page::keyset_slice(n, &query.page);
            empty(Window { start: 0, end: 0, ..window })
        }
        (true, Reading::Bounds) => {
            let mut rows = rows;
            if page::backward(&query.page) {
                rows.reverse();
            }
            let window = Window { start: 0, end: rows.len(), ..page::keyset_slice(n, &query.page) };
            Page { window, rows, total }
        }
        (true, Reading::Rows) => page::keyset_window(rows, &query.page, total),
        (false, Reading::Counted) => empty(query.page.window(n)),
        (false, _) => {
            let mut rows = rows;
            let window = query.page.window(rows.len());
            rows.slice(window.start..window.end);
            Page { window, rows, total }
        }
    }
}

/// A level's objects from its columns of values, one per field of `plan`.
pub(super) fn level(plan: &ObjectPlan, columns: Vec<Column>, nulled: Vec<bool>) -> Rc<Objects> {
    Rc::new(Objects::new(plan.keys.clone(), columns, nulled))
}
