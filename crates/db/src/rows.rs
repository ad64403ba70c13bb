//! The rows a statement returned, kept in one vector of cells: a row is a slice of it.
//!
//! A row of its own vector cost an allocation and a free per row, as much as reading it
//! did for small rows; kept together, a statement's rows cost a few doublings of one
//! vector. A statement hands each row to its reader in a buffer it reuses (`Db::query_each`),
//! and the reader keeps the rows it wants by moving their cells here (`Rows::keep`).

use std::ops::{Index, Range};

use crate::Cell;

/// A row's cells, in the statement's column order.
pub type Row = [Cell];

/// Rows of one width, in the order they were kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    cells: Vec<Cell>,
    width: usize,
    len: usize,
}

impl Rows {
    /// Moves `row`'s cells to the end of these rows, leaving `row` empty (its capacity is
    /// kept for the next row read into it).
    pub fn keep(&mut self, row: &mut Vec<Cell>) {
        if self.len == 0 {
            self.width = row.len();
        }
        debug_assert_eq!(row.len(), self.width, "rows of one statement are of one width");
        self.cells.append(row);
        self.len += 1;
    }

    /// Makes room for `rows` more rows of `width` cells.
    pub fn reserve(&mut self, width: usize, rows: usize) {
        self.cells.reserve_exact(width.saturating_mul(rows));
    }

    /// Moves `other`'s rows (of the same width) to the end of these.
    pub fn append(&mut self, mut other: Rows) {
        if self.len == 0 {
            self.width = other.width;
        }
        debug_assert!(other.is_empty() || other.width == self.width);
        self.cells.append(&mut other.cells);
        self.len += other.len;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&Row> {
        (i < self.len).then(|| self.row(i))
    }

    pub fn first(&self) -> Option<&Row> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&Row> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Row> + DoubleEndedIterator {
        (0..self.len).map(|i| self.row(i))
    }

    /// Row `i`'s cells (`i` below `len`: with no columns, `cells` holds nothing to index).
    fn row(&self, i: usize) -> &Row {
        &self.cells[i * self.width..(i + 1) * self.width]
    }

    /// Keeps the rows of `range` (clamped to these rows) and drops the others.
    pub fn slice(&mut self, range: Range<usize>) {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        self.cells.truncate(end * self.width);
        self.cells.drain(..start * self.width);
        self.len = end - start;
    }

    /// The rows in the other order, each row's cells as they were.
    pub fn reverse(&mut self) {
        self.cells.reverse();
        if self.width > 0 {
            self.cells.chunks_exact_mut(self.width).for_each(<[Cell]>::reverse);
        }
    }
}

impl Index<usize> for Rows {
    type Output = Row;

    fn index(&self, i: usize) -> &Row {
        assert!(i < self.len, "row {i} of {}", self.len);
        self.row(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: i64, width: usize) -> Rows {
        let mut rows = Rows::default();
        let mut buffer = Vec::new();
        for i in 0..n {
            buffer.extend((0..width as i64).map(|j| Cell::Int(i * 10 + j)));
            rows.keep(&mut buffer);
            assert!(buffer.is_empty());
        }
        rows
    }

    fn ints(rows: &Rows) -> Vec<Vec<i64>> {
        let int = |c: &Cell| if let Cell::Int(i) = c { *i } else { -1 };
        rows.iter().map(|r| r.iter().map(int).collect()).collect()
    }

    #[test]
    fn rows_are_slices_of_one_vector_sliced_and_turned_as_vectors_of_rows_would_be() {
        let mut r = rows(5, 3);
        assert_eq!(r.len(), 5);
        assert_eq!(r[2], [Cell::Int(20), Cell::Int(21), Cell::Int(22)]);
        assert_eq!(r.get(5), None);
        assert_eq!(r.last(), Some(&[Cell::Int(40), Cell::Int(41), Cell::Int(42)][..]));
        r.slice(1..4);
        assert_eq!(ints(&r), [[10, 11, 12], [20, 21, 22], [30, 31, 32]]);
        r.reverse();
        assert_eq!(ints(&r), [[30, 31, 32], [20, 21, 22], [10, 11, 12]]);
        r.slice(2..9);
        assert_eq!(ints(&r), [[10, 11, 12]]);
        let (past, before) = (3, 1);
        r.slice(past..before);
        assert!(r.is_empty() && r.first().is_none());
        // Rows of no columns still count.
        let mut r = rows(4, 0);
        assert_eq!(r.len(), 4);
        assert_eq!(r[3], []);
        r.reverse();
        r.slice(1..3);
        assert_eq!(r.iter().len(), 2);
    }
}
