//! A connection's page and what both kinds of connection field read off their plan and
//! arguments (the page asked for, the order, whether rows are read at all): shared by root
//! connections (`connection.rs`) and relationship connections (`object.rs`).
//!
//! Every order is total: the sort asked for, then the key (or, for a view, every column),
//! so offset cursors never skip or repeat a row and keyset cursors always name one.

use super::keyset::Keyset;
use crate::db::sql::Term;
use crate::db::{Row, Rows};
use crate::exec::plan::{FieldPlan, ObjectPlan};
use crate::exec::relay::{self, PageArgs, Window};
use crate::model::Table;
use crate::schema::{ConnectionField, EdgeField, PageInfoField, Resolver};

/// A page of a connection: the rows it shows, its window (`pageInfo`'s flags, and for
/// offset cursors where the rows sit in the whole list), and its total when asked for.
#[derive(Clone)]
pub(super) struct Page {
    pub window: Window,
    pub rows: Rows,
    pub total: Option<usize>,
}

/// How a connection's edges get their cursors.
pub(super) enum CursorKind {
    Offset,
    Keyset(Keyset),
}

impl CursorKind {
    pub(super) fn cursor(&self, page: &Page, i: usize) -> String {
        match self {
            CursorKind::Offset => relay::cursor(page.window.start + i),
            CursorKind::Keyset(k) => k.cursor(&page.rows[i]),
        }
    }
}

/// Every row of every page, as (page, index in page).
pub(super) fn owners(pages: &[Page]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(pages.iter().map(|p| p.rows.len()).sum());
    for (p, page) in pages.iter().enumerate() {
        out.extend((0..page.rows.len()).map(|i| (p, i)));
    }
    out
}

/// The rows of all pages, page after page: the rows of one level, resolved together.
pub(super) fn rows_of(pages: &[Page]) -> Vec<&Row> {
    let mut out = Vec::with_capacity(pages.iter().map(|p| p.rows.len()).sum());
    for page in pages {
        out.extend(page.rows.iter());
    }
    out
}

/// Whether a keyset page is read from its end: `last` without `first`.
pub(super) fn backward(page: &PageArgs) -> bool {
    page.last.is_some() && page.first.is_none()
}

/// The order read the other way round: each term descending where it ascended.
pub(super) fn turn(order: &mut [(Term, bool)]) {
    order.iter_mut().for_each(|(_, desc)| *desc = !*desc);
}

/// A keyset page from the rows read in the connection's order (reversed when `backward`),
/// one past the page when there are more: Relay's `first`, then `last`, and the flags.
pub(super) fn keyset_window(mut rows: Rows, page: &PageArgs, total: Option<usize>) -> Page {
    let window = keyset_slice(rows.len(), page);
    rows.slice(window.start..window.end);
    if backward(page) {
        rows.reverse();
    }
    let window = Window { start: 0, end: rows.len(), ..window };
    Page { window, rows, total }
}

/// Which of `len` rows, read in the page's direction after its cursor, a keyset page keeps,
/// and its flags: `first` (or, backwards, `last`) of them, whether more follow, and then the
/// `last` of those when both are given.
pub(super) fn keyset_slice(len: usize, page: &PageArgs) -> Window {
    let backward = backward(page);
    let limit = if backward { page.last } else { page.first };
    let limit = limit.map(|n| usize::try_from(n).unwrap_or(0));
    let more = limit.is_some_and(|n| len > n);
    let end = limit.map_or(len, |n| len.min(n));
    let mut window = Window {
        start: 0,
        end,
        has_previous_page: backward && more,
        has_next_page: !backward && more,
    };
    if let Some(last) = page.last.map(|n| usize::try_from(n).unwrap_or(0))
        && !backward
        && end > last
    {
        (window.start, window.has_previous_page) = (end - last, true);
    }
    window
}

/// Whether a connection's selection needs its rows read: its `edges` or `nodes`, or with
/// keyset cursors its `pageInfo` (whose cursors are rows' values). `totalCount`,
/// `__typename` and an offset connection's `pageInfo` need none.
pub(super) fn reads_rows(connection: &FieldPlan, keyset: bool) -> bool {
    let shown = [ConnectionField::Edges, ConnectionField::Nodes];
    shown.into_iter().any(|field| selects(connection, field))
        || (keyset && selects(connection, ConnectionField::PageInfo))
}

/// Whether a connection shows its `pageInfo` and none of its rows.
fn page_info_alone(connection: &FieldPlan) -> bool {
    !reads_rows(connection, false) && selects(connection, ConnectionField::PageInfo)
}

/// Whether a keyset connection's page is read as its bounds alone (`keyset_bounds`): its
/// `pageInfo` alone is shown, and it is not sliced at both ends (`first` with `last`, whose
/// page is read whole).
pub(super) fn bounds_only(connection: &FieldPlan, page: &PageArgs) -> bool {
    page_info_alone(connection) && !(page.first.is_some() && page.last.is_some())
}

/// Whether an offset connection's page is worked out from the number of its rows alone:
/// its `pageInfo` alone is shown (an offset cursor is a position).
pub(super) fn window_by_count(connection: &FieldPlan, keyset: bool) -> bool {
    !keyset && page_info_alone(connection)
}

/// Whether a keyset connection's page is worked out from the number of rows after its
/// cursor alone: its `pageInfo` alone is shown, without a cursor (`hasNextPage` and
/// `hasPreviousPage` are said by how many rows there are).
pub(super) fn flags_by_count(connection: &FieldPlan) -> bool {
    let cursor = [PageInfoField::StartCursor, PageInfoField::EndCursor];
    let info = connection.sub.object().into_iter().flat_map(|c| c.fields.iter());
    let info = info.filter(|f| f.resolver == Resolver::Connection(ConnectionField::PageInfo));
    let mut shown = info.flat_map(|i| i.sub.object().into_iter().flat_map(|p| p.fields.iter()));
    page_info_alone(connection)
        && !shown.any(|f| cursor.iter().any(|c| f.resolver == Resolver::PageInfo(*c)))
}

/// Whether the connection's plan selects `field` (under any alias).
pub(super) fn selects(connection: &FieldPlan, field: ConnectionField) -> bool {
    let fields = connection.sub.object().into_iter().flat_map(|c| c.fields.iter());
    fields.into_iter().any(|f| f.resolver == Resolver::Connection(field))
}

/// The node plans under a connection field (`edges { node { … } }` and `nodes { … }`, any
/// aliases).
pub(super) fn node_plans(connection: &FieldPlan) -> Vec<&ObjectPlan> {
    let mut plans = Vec::new();
    for f in connection.sub.object().into_iter().flat_map(|c| c.fields.iter()) {
        match f.resolver {
            Resolver::Connection(ConnectionField::Edges) => {
                let edge_fields = f.sub.object().into_iter().flat_map(|e| e.fields.iter());
                let nodes = edge_fields.filter(|e| e.resolver == Resolver::Edge(EdgeField::Node));
                plans.extend(nodes.filter_map(|n| n.sub.object()));
            }
            Resolver::Connection(ConnectionField::Nodes) => plans.extend(f.sub.object()),
            _ => {}
        }
    }
    plans
}

/// The order a connection's rows come in: the `sort` asked for (enum values such as
/// `NAME_ASC`), then the table's tie-break, ascending.
pub(super) fn order(table: &Table, sort: &[(usize, bool)]) -> Vec<(Term, bool)> {
    let term = |c: usize| Term { column: c, through: table.columns[c].scalar.comparable() };
    let mut order: Vec<(Term, bool)> = sort.iter().map(|&(c, desc)| (term(c), desc)).collect();
    for c in table.tie_break() {
        if !order.iter().any(|(t, _)| t.column == c) {
            order.push((term(c), false));
        }
    }
    order
}

/// Where each page's rows stand among the rows of all pages, taken in order.
pub(super) fn by_page(pages: &[Page]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    pages.iter().scan(0, |start, p| {
        let range = *start..*start + p.rows.len();
        *start = range.end;
        Some(range)
    })
}
