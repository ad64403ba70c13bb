//! The tutorial's models as data: tables, columns, keys and relationships.
//!
//! This is the only file that names a table or a column. The GraphQL schema, the SQL, the
//! `CREATE TABLE` text and the seed rows are all derived from these declarations.

/// Index of a table in [`TABLES`].
pub type TableId = usize;

pub const EMPLOYEE: TableId = 0;
pub const ROLE: TableId = 1;
pub const DEPARTMENT: TableId = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// INTEGER, exposed as GraphQL `Int` (or `ID` when it is a primary key).
    Integer,
    /// VARCHAR, exposed as `String`.
    Varchar,
    /// DATETIME, stored as SQLAlchemy's text `YYYY-MM-DD HH:MM:SS.ffffff`, exposed as `DateTime`.
    DateTime,
}

impl ColumnType {
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Integer => "INTEGER",
            ColumnType::Varchar => "VARCHAR",
            ColumnType::DateTime => "DATETIME",
        }
    }
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    /// The table this column references, for foreign keys.
    pub references: Option<TableId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This table's `column` holds the target's primary key: an object field.
    ManyToOne,
    /// The target's `column` holds this table's primary key: a connection field.
    OneToMany,
}

#[derive(Debug)]
pub struct Relationship {
    pub name: &'static str,
    pub kind: RelationKind,
    pub target: TableId,
    /// The foreign-key column: on this table for many-to-one, on the target for one-to-many.
    pub column: usize,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub type_name: &'static str,
    /// The root connection field on `Query`.
    pub connection_field: &'static str,
    /// Whether the root connection takes a `sort` argument (the example app turns it off
    /// for departments).
    pub sortable: bool,
    pub columns: &'static [Column],
    /// Index of the primary-key column (an INTEGER).
    pub pk: usize,
    pub relationships: &'static [Relationship],
}

impl Table {
    pub fn pk_name(&self) -> &'static str {
        self.columns[self.pk].name
    }
}

pub static TABLES: [Table; 3] = [
    Table {
        name: "employee",
        type_name: "Employee",
        connection_field: "allEmployees",
        sortable: true,
        columns: &[
            Column { name: "id", ty: ColumnType::Integer, references: None },
            Column { name: "name", ty: ColumnType::Varchar, references: None },
            Column { name: "hired_on", ty: ColumnType::DateTime, references: None },
            Column { name: "department_id", ty: ColumnType::Integer, references: Some(DEPARTMENT) },
            Column { name: "role_id", ty: ColumnType::Integer, references: Some(ROLE) },
        ],
        pk: 0,
        relationships: &[
            Relationship {
                name: "department",
                kind: RelationKind::ManyToOne,
                target: DEPARTMENT,
                column: 3,
            },
            Relationship { name: "role", kind: RelationKind::ManyToOne, target: ROLE, column: 4 },
        ],
    },
    Table {
        name: "roles",
        type_name: "Role",
        connection_field: "allRoles",
        sortable: true,
        columns: &[
            Column { name: "role_id", ty: ColumnType::Integer, references: None },
            Column { name: "name", ty: ColumnType::Varchar, references: None },
        ],
        pk: 0,
        // The example app's backref on Employee.role is named `roles`.
        relationships: &[Relationship {
            name: "roles",
            kind: RelationKind::OneToMany,
            target: EMPLOYEE,
            column: 4,
        }],
    },
    Table {
        name: "department",
        type_name: "Department",
        connection_field: "allDepartments",
        sortable: false,
        columns: &[
            Column { name: "id", ty: ColumnType::Integer, references: None },
            Column { name: "name", ty: ColumnType::Varchar, references: None },
        ],
        pk: 0,
        relationships: &[Relationship {
            name: "employees",
            kind: RelationKind::OneToMany,
            target: EMPLOYEE,
            column: 3,
        }],
    },
];

/// A value in a seed row.
#[derive(Debug, Clone, Copy)]
pub enum Seed {
    Int(i64),
    Text(&'static str),
    /// The time of creation, as the tutorial's `default=func.now()` stores it.
    Now,
}

/// The tutorial's rows, inserted when relaylite creates a new database (column order).
pub static SEED: [(TableId, &[Seed]); 7] = [
    (DEPARTMENT, &[Seed::Int(1), Seed::Text("Engineering")]),
    (DEPARTMENT, &[Seed::Int(2), Seed::Text("Human Resources")]),
    (ROLE, &[Seed::Int(1), Seed::Text("manager")]),
    (ROLE, &[Seed::Int(2), Seed::Text("engineer")]),
    (EMPLOYEE, &[Seed::Int(1), Seed::Text("Peter"), Seed::Now, Seed::Int(1), Seed::Int(2)]),
    (EMPLOYEE, &[Seed::Int(2), Seed::Text("Roy"), Seed::Now, Seed::Int(1), Seed::Int(2)]),
    (EMPLOYEE, &[Seed::Int(3), Seed::Text("Tracy"), Seed::Now, Seed::Int(2), Seed::Int(1)]),
];

/// The seed rows as bound values, `Now` stored in SQLAlchemy's DATETIME text.
pub fn seed_rows(now: &crate::datetime::DateTime) -> Vec<(TableId, Vec<crate::db::sql::Param>)> {
    use crate::db::sql::Param;
    SEED.iter()
        .map(|(t, values)| {
            let params = values
                .iter()
                .map(|v| match v {
                    Seed::Int(i) => Param::Int(*i),
                    Seed::Text(s) => Param::Text(s.to_string()),
                    Seed::Now => Param::Text(now.storage()),
                })
                .collect();
            (*t, params)
        })
        .collect()
}

/// `snake_case` column name → `camelCase` GraphQL field name, as graphene converts it.
pub fn field_name(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The `CREATE TABLE` statements, in the order and text SQLAlchemy's `create_all` uses.
pub fn create_statements() -> Vec<String> {
    let mut order: Vec<TableId> = (0..TABLES.len()).collect();
    order.sort_by_key(|&t| TABLES[t].name);
    let mut done: Vec<TableId> = Vec::new();
    while done.len() < order.len() {
        let ready = order.iter().copied().find(|t| {
            !done.contains(t)
                && TABLES[*t]
                    .columns
                    .iter()
                    .all(|c| c.references.is_none_or(|r| done.contains(&r) || r == *t))
        });
        match ready {
            Some(t) => done.push(t),
            None => break,
        }
    }
    done.iter().map(|&t| create_statement(&TABLES[t])).collect()
}

fn create_statement(table: &Table) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let not_null = if i == table.pk { " NOT NULL" } else { "" };
            format!("\t{} {}{}", c.name, c.ty.sql(), not_null)
        })
        .collect();
    lines.push(format!("\tPRIMARY KEY ({})", table.pk_name()));
    for c in table.columns.iter() {
        if let Some(target) = c.references {
            let target = &TABLES[target];
            lines.push(format!(
                "\tFOREIGN KEY({}) REFERENCES {} ({})",
                c.name,
                target.name,
                target.pk_name()
            ));
        }
    }
    format!("CREATE TABLE {} (\n{}\n)", table.name, lines.join(", \n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_statements_match_sqlalchemy_text() {
        let expected = include_str!("../../tests/conformance/schema.sql");
        let ours: String = create_statements().iter().map(|s| format!("{s};\n")).collect();
        assert!(expected.ends_with(&ours), "{ours}");
    }

    #[test]
    fn field_names_are_camel_case() {
        assert_eq!(field_name("hired_on"), "hiredOn");
        assert_eq!(field_name("department_id"), "departmentId");
        assert_eq!(field_name("name"), "name");
    }
}
