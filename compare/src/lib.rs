//! The benchmark's other contestants: the same schema written with async-graphql and with
//! juniper, and a hand-written "floor", all over the same SQLite statements as relaylite.
//!
//! Each implementation reads the bench database through `Rows` here, so all four run the
//! same statement shapes (one statement per level: a page, then `IN` lists, then a scan
//! that stops once each parent's page is full), and differ only in how they execute GraphQL.

pub mod agql;
pub mod floor;
pub mod juni;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rusqlite::{Connection, OpenFlags, params_from_iter};

#[derive(Clone, Debug)]
pub struct Employee {
    pub id: i64,
    pub name: Option<String>,
    pub hired_on: Option<String>,
    pub department_id: Option<i64>,
    pub role_id: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Department {
    pub id: i64,
    pub name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub role_id: i64,
    pub name: Option<String>,
}

/// The benchmark queries, read from `benches/queries`, plus a fixture query and the
/// standard introspection query.
pub fn queries() -> Vec<(&'static str, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let case = |p: &str| -> String {
        let v: serde_json::Value =
            serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        v["query"].as_str().unwrap_or_default().to_string()
    };
    vec![
        ("q1", read("benches/queries/q1.graphql")),
        ("q2", read("benches/queries/q2.graphql")),
        ("q3", read("benches/queries/q3.graphql")),
        ("fixture", case("tests/conformance/cases/example_app_query.json")),
        ("introspection", case("tests/conformance/cases/introspection_full.json")),
    ]
}

/// Creates `target/bench.sqlite3` from `benches/bench.sql` (and the fixture database from
/// the corpus) when missing; returns their paths.
pub fn databases() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let make = |name: &str, sql: &str| {
        let path = root.join("target").join(name);
        if !path.exists() {
            let _ = std::fs::create_dir_all(root.join("target"));
            let text =
                std::fs::read_to_string(root.join(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let tmp = path.with_extension("tmp");
            let _ = std::fs::remove_file(&tmp);
            let conn = Connection::open(&tmp).unwrap_or_else(|e| panic!("{e}"));
            conn.execute_batch(&text).unwrap_or_else(|e| panic!("{e}"));
            drop(conn);
            std::fs::rename(&tmp, &path).unwrap_or_else(|e| panic!("{e}"));
        }
        path
    };
    (
        make("bench.sqlite3", "benches/bench.sql"),
        make("fixture.sqlite3", "tests/conformance/fixture.sql"),
    )
}

pub fn global_id(type_name: &str, pk: i64) -> String {
    STANDARD.encode(format!("{type_name}:{pk}"))
}

pub fn cursor(offset: usize) -> String {
    STANDARD.encode(format!("arrayconnection:{offset}"))
}

/// `(type name, primary key)` of a global ID, when it is one.
pub fn parse_global_id(id: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (t, pk) = text.split_once(':')?;
    Some((t.to_string(), pk.to_string()))
}

/// SQLAlchemy's stored DATETIME text as `isoformat()`.
pub fn iso(stored: &str) -> String {
    let s = stored.replacen(' ', "T", 1);
    match s.strip_suffix(".000000") {
        Some(t) => t.to_string(),
        None => s,
    }
}

/// Read-only access with the statements relaylite uses, cached per connection.
pub struct Rows {
    conn: Connection,
}

const EMPLOYEE_COLUMNS: &str =
    "employee.id, employee.name, employee.hired_on, employee.department_id, employee.role_id";

fn employee(r: &rusqlite::Row<'_>) -> rusqlite::Result<Employee> {
    Ok(Employee {
        id: r.get(0)?,
        name: r.get(1)?,
        hired_on: r.get(2)?,
        department_id: r.get(3)?,
        role_id: r.get(4)?,
    })
}

fn json_list(keys: &[i64]) -> String {
    format!("[{}]", keys.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

impl Rows {
    pub fn open(path: &Path) -> Rows {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).unwrap_or_else(|e| panic!("{e}"));
        Rows { conn }
    }

    /// `allEmployees(first:, sort: [NAME_ASC, ID_ASC])`-style page: `limit` rows in `order`.
    pub fn employee_page(
        &self,
        order: &str,
        limit: Option<usize>,
    ) -> rusqlite::Result<Vec<Employee>> {
        let mut sql = format!("SELECT {EMPLOYEE_COLUMNS} FROM employee");
        if !order.is_empty() {
            sql.push_str(" ORDER BY ");
            sql.push_str(order);
        }
        sql.push_str(" LIMIT ? OFFSET 0");
        let limit = limit.map(|l| l as i64).unwrap_or(-1);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        stmt.query_map([limit], employee)?.collect()
    }

    pub fn employee(&self, pk: &str) -> rusqlite::Result<Option<Employee>> {
        let sql = format!("SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE employee.id = ?");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query_map([pk], employee)?;
        rows.next().transpose()
    }

    pub fn all_departments(&self) -> rusqlite::Result<Vec<Department>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT department.id, department.name FROM department LIMIT ? OFFSET 0",
        )?;
        stmt.query_map([-1], |r| Ok(Department { id: r.get(0)?, name: r.get(1)? }))?.collect()
    }

    pub fn departments(&self, keys: &[i64]) -> rusqlite::Result<HashMap<i64, Department>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT department.id, department.name FROM department WHERE department.id IN (SELECT value FROM json_each(?))",
        )?;
        let rows = stmt
            .query_map([json_list(keys)], |r| Ok(Department { id: r.get(0)?, name: r.get(1)? }))?;
        rows.map(|r| r.map(|d| (d.id, d))).collect()
    }

    pub fn roles(&self, keys: &[i64]) -> rusqlite::Result<HashMap<i64, Role>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT roles.role_id, roles.name FROM roles WHERE roles.role_id IN (SELECT value FROM json_each(?))")?;
        let rows = stmt
            .query_map([json_list(keys)], |r| Ok(Role { role_id: r.get(0)?, name: r.get(1)? }))?;
        rows.map(|r| r.map(|d| (d.role_id, d))).collect()
    }

    /// The first `per_parent` employees of each department, in one scan that stops as soon
    /// as every department has them.
    pub fn employees_of(
        &self,
        departments: &[i64],
        per_parent: usize,
    ) -> rusqlite::Result<HashMap<i64, Vec<Employee>>> {
        let sql = format!(
            "SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE employee.department_id IN (SELECT value FROM json_each(?)) ORDER BY employee.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter([json_list(departments)]))?;
        let mut out: HashMap<i64, Vec<Employee>> = HashMap::new();
        let mut full = 0;
        while full < departments.len() {
            let Some(row) = rows.next()? else { break };
            let e = employee(row)?;
            let Some(d) = e.department_id else { continue };
            let list = out.entry(d).or_default();
            if list.len() < per_parent {
                list.push(e);
                if list.len() == per_parent {
                    full += 1;
                }
            }
        }
        Ok(out)
    }
}

/// Distinct, sorted keys.
pub fn keys(it: impl Iterator<Item = Option<i64>>) -> Vec<i64> {
    let mut k: Vec<i64> = it.flatten().collect();
    k.sort_unstable();
    k.dedup();
    k
}
