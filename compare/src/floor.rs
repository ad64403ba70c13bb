//! The floor: for each benchmark query, the minimal statements and the response JSON
//! written directly — what any GraphQL layer adds on top of this is its overhead.

use std::collections::HashMap;

use relaylite::json::write_str;

use crate::{Department, Employee, Role, Rows, global_id, iso, keys};

fn opt_str(out: &mut String, v: &Option<String>) {
    match v {
        Some(s) => write_str(s, out),
        None => out.push_str("null"),
    }
}

pub struct Floor {
    rows: Rows,
    introspection: String,
}

impl Floor {
    /// `introspection` is the (constant) answer to the introspection query.
    pub fn new(rows: Rows, introspection: String) -> Floor {
        Floor { rows, introspection }
    }

    pub fn run(&self, query: &str) -> String {
        match query {
            "q1" => self.employees(Some(100), true),
            "q2" => self.q2(),
            "q3" => self.q3(),
            "fixture" => self.employees(None, false),
            _ => self.introspection.clone(),
        }
    }

    /// Q1 (`first: 100`, department and role names) and the example app's query (all
    /// rows, with ids).
    fn employees(&self, limit: Option<usize>, q1: bool) -> String {
        let page = self
            .rows
            .employee_page("employee.name ASC, employee.id ASC", limit)
            .unwrap_or_default();
        let depts =
            self.rows.departments(&keys(page.iter().map(|e| e.department_id))).unwrap_or_default();
        let roles = self.rows.roles(&keys(page.iter().map(|e| e.role_id))).unwrap_or_default();
        let mut out = String::with_capacity(128 * page.len() + 64);
        out.push_str(r#"{"data":{"allEmployees":{"edges":["#);
        for (i, e) in page.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"node":{"id":"#);
            write_str(&global_id("Employee", e.id), &mut out);
            out.push_str(r#","name":"#);
            opt_str(&mut out, &e.name);
            out.push_str(r#","department":"#);
            department(&mut out, e.department_id.and_then(|d| depts.get(&d)), !q1);
            out.push_str(r#","role":"#);
            role(&mut out, e.role_id.and_then(|r| roles.get(&r)), !q1);
            out.push_str("}}");
        }
        out.push_str("]}}}");
        out
    }

    fn q2(&self) -> String {
        let Some(e) = self.rows.employee("12345").unwrap_or_default() else {
            return r#"{"data":{"node":null}}"#.into();
        };
        let depts =
            self.rows.departments(&keys(std::iter::once(e.department_id))).unwrap_or_default();
        let mut out = String::with_capacity(256);
        out.push_str(r#"{"data":{"node":{"id":"#);
        write_str(&global_id("Employee", e.id), &mut out);
        out.push_str(r#","name":"#);
        opt_str(&mut out, &e.name);
        out.push_str(r#","hiredOn":"#);
        opt_str(&mut out, &e.hired_on.as_deref().map(iso));
        out.push_str(r#","department":"#);
        department(&mut out, e.department_id.and_then(|d| depts.get(&d)), true);
        out.push_str("}}}");
        out
    }

    fn q3(&self) -> String {
        let departments = self.rows.all_departments().unwrap_or_default();
        let ids: Vec<i64> = departments.iter().map(|d| d.id).collect();
        let employees: HashMap<i64, Vec<Employee>> =
            self.rows.employees_of(&ids, 50).unwrap_or_default();
        let all = employees.values().flatten();
        let roles = self.rows.roles(&keys(all.map(|e| e.role_id))).unwrap_or_default();
        let mut out = String::with_capacity(64 * 1024);
        out.push_str(r#"{"data":{"allDepartments":{"edges":["#);
        for (i, d) in departments.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"node":{"name":"#);
            opt_str(&mut out, &d.name);
            out.push_str(r#","employees":{"edges":["#);
            for (j, e) in employees.get(&d.id).map(Vec::as_slice).unwrap_or(&[]).iter().enumerate()
            {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(r#"{"node":{"name":"#);
                opt_str(&mut out, &e.name);
                out.push_str(r#","role":"#);
                role(&mut out, e.role_id.and_then(|r| roles.get(&r)), false);
                out.push_str("}}");
            }
            out.push_str("]}}}");
        }
        out.push_str("]}}}");
        out
    }
}

fn department(out: &mut String, d: Option<&Department>, with_id: bool) {
    id_and_name(out, "Department", d.map(|d| (d.id, &d.name)), with_id);
}

fn role(out: &mut String, r: Option<&Role>, with_id: bool) {
    id_and_name(out, "Role", r.map(|r| (r.role_id, &r.name)), with_id);
}

/// `{"id": …, "name": …}` (or `null`), the shape of both related objects in the queries.
fn id_and_name(
    out: &mut String,
    type_name: &str,
    row: Option<(i64, &Option<String>)>,
    with_id: bool,
) {
    let Some((id, name)) = row else {
        return out.push_str("null");
    };
    out.push('{');
    if with_id {
        out.push_str(r#""id":"#);
        write_str(&global_id(type_name, id), out);
        out.push(',');
    }
    out.push_str(r#""name":"#);
    opt_str(out, name);
    out.push('}');
}
