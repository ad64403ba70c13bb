//! The benchmark schema written the idiomatic async-graphql 7 way: derived objects,
//! a `Node` interface, and DataLoaders, so each relationship level is one batched
//! statement — the same SQL shape relaylite runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Enum, ID, Interface, Object, Result, Schema,
    SimpleObject,
};

use crate::{Department, Employee, Role, Rows, cursor, global_id, iso, parse_global_id};

pub type AgSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub struct Db(Mutex<Rows>);

impl Db {
    fn with<T>(
        &self,
        f: impl FnOnce(&Rows) -> rusqlite::Result<T>,
    ) -> std::result::Result<T, Arc<String>> {
        let rows = self.0.lock().map_err(|e| Arc::new(e.to_string()))?;
        f(&rows).map_err(|e| Arc::new(e.to_string()))
    }
}

pub fn schema(rows: Rows) -> AgSchema {
    let db = Arc::new(Db(Mutex::new(rows)));
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(DataLoader::new(DepartmentLoader(db.clone()), tokio::spawn).delay(Duration::ZERO))
        .data(DataLoader::new(RoleLoader(db.clone()), tokio::spawn).delay(Duration::ZERO))
        .data(DataLoader::new(EmployeesLoader(db.clone()), tokio::spawn).delay(Duration::ZERO))
        .data(db)
        .finish()
}

/// Runs one query to its JSON response text.
pub async fn run(schema: &AgSchema, query: &str) -> String {
    let response = schema.execute(query).await;
    serde_json::to_string(&response).unwrap_or_default()
}

pub struct DepartmentLoader(Arc<Db>);

impl Loader<i64> for DepartmentLoader {
    type Value = Department;
    type Error = Arc<String>;

    async fn load(
        &self,
        keys: &[i64],
    ) -> std::result::Result<HashMap<i64, Department>, Self::Error> {
        self.0.with(|r| r.departments(keys))
    }
}

pub struct RoleLoader(Arc<Db>);

impl Loader<i64> for RoleLoader {
    type Value = Role;
    type Error = Arc<String>;

    async fn load(&self, keys: &[i64]) -> std::result::Result<HashMap<i64, Role>, Self::Error> {
        self.0.with(|r| r.roles(keys))
    }
}

/// A department's first `rows` employees.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    department: i64,
    rows: usize,
}

pub struct EmployeesLoader(Arc<Db>);

impl Loader<Page> for EmployeesLoader {
    type Value = Vec<Employee>;
    type Error = Arc<String>;

    async fn load(
        &self,
        keys: &[Page],
    ) -> std::result::Result<HashMap<Page, Vec<Employee>>, Self::Error> {
        let mut out = HashMap::new();
        let mut by_size: HashMap<usize, Vec<i64>> = HashMap::new();
        for k in keys {
            by_size.entry(k.rows).or_default().push(k.department);
        }
        for (rows, departments) in by_size {
            let mut found = self.0.with(|r| r.employees_of(&departments, rows))?;
            for d in departments {
                out.insert(Page { department: d, rows }, found.remove(&d).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "EmployeeSortEnum")]
pub enum EmployeeSortEnum {
    IdAsc,
    IdDesc,
    NameAsc,
    NameDesc,
    HiredOnAsc,
    HiredOnDesc,
    DepartmentIdAsc,
    DepartmentIdDesc,
    RoleIdAsc,
    RoleIdDesc,
}

impl EmployeeSortEnum {
    fn sql(self) -> &'static str {
        match self {
            Self::IdAsc => "employee.id ASC",
            Self::IdDesc => "employee.id DESC",
            Self::NameAsc => "employee.name ASC",
            Self::NameDesc => "employee.name DESC",
            Self::HiredOnAsc => "employee.hired_on ASC",
            Self::HiredOnDesc => "employee.hired_on DESC",
            Self::DepartmentIdAsc => "employee.department_id ASC",
            Self::DepartmentIdDesc => "employee.department_id DESC",
            Self::RoleIdAsc => "employee.role_id ASC",
            Self::RoleIdDesc => "employee.role_id DESC",
        }
    }
}

#[derive(SimpleObject)]
pub struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct EmployeeConnection {
    page_info: PageInfo,
    edges: Vec<Option<EmployeeEdge>>,
}

#[derive(SimpleObject)]
pub struct EmployeeEdge {
    node: Option<EmployeeObj>,
    cursor: String,
}

#[derive(SimpleObject)]
pub struct DepartmentConnection {
    page_info: PageInfo,
    edges: Vec<Option<DepartmentEdge>>,
}

#[derive(SimpleObject)]
pub struct DepartmentEdge {
    node: Option<DepartmentObj>,
    cursor: String,
}

/// First-only slicing: `rows` holds up to `first + 1` rows.
fn page_info(len: usize, fetched: usize, first: Option<usize>) -> PageInfo {
    PageInfo {
        has_next_page: first.is_some_and(|f| fetched > f),
        has_previous_page: false,
        start_cursor: (len > 0).then(|| cursor(0)),
        end_cursor: (len > 0).then(|| cursor(len - 1)),
    }
}

fn employee_connection(mut rows: Vec<Employee>, first: Option<usize>) -> EmployeeConnection {
    let fetched = rows.len();
    if let Some(f) = first {
        rows.truncate(f);
    }
    let info = page_info(rows.len(), fetched, first);
    let edges = rows
        .into_iter()
        .enumerate()
        .map(|(i, e)| Some(EmployeeEdge { node: Some(EmployeeObj(e)), cursor: cursor(i) }))
        .collect();
    EmployeeConnection { page_info: info, edges }
}

fn first(n: Option<i32>) -> Result<Option<usize>> {
    match n {
        Some(n) if n < 0 => Err("Argument 'first' must be a non-negative integer.".into()),
        Some(n) => Ok(Some(n as usize)),
        None => Ok(None),
    }
}

pub struct Query;

#[Object]
impl Query {
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the object")] id: ID,
    ) -> Result<Option<Node>> {
        let (type_name, pk) = parse_global_id(&id).ok_or("Invalid Global ID")?;
        let db = ctx.data::<Arc<Db>>()?;
        Ok(match type_name.as_str() {
            "Employee" => db.with(|r| r.employee(&pk))?.map(|e| Node::Employee(EmployeeObj(e))),
            "Department" => {
                let pk: i64 = pk.parse().unwrap_or(-1);
                ctx.data::<DataLoader<DepartmentLoader>>()?
                    .load_one(pk)
                    .await?
                    .map(|d| Node::Department(DepartmentObj(d)))
            }
            "Role" => {
                let pk: i64 = pk.parse().unwrap_or(-1);
                ctx.data::<DataLoader<RoleLoader>>()?
                    .load_one(pk)
                    .await?
                    .map(|r| Node::Role(RoleObj(r)))
            }
            other => return Err(format!("Relay Node \"{other}\" not found in schema").into()),
        })
    }

    async fn all_employees(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(vec![Some(EmployeeSortEnum::IdAsc)])")] sort: Option<
            Vec<Option<EmployeeSortEnum>>,
        >,
        first: Option<i32>,
    ) -> Result<Option<EmployeeConnection>> {
        let first = self::first(first)?;
        let order: Vec<&str> =
            sort.unwrap_or_default().into_iter().flatten().map(EmployeeSortEnum::sql).collect();
        let db = ctx.data::<Arc<Db>>()?;
        let rows = db.with(|r| r.employee_page(&order.join(", "), first.map(|f| f + 1)))?;
        Ok(Some(employee_connection(rows, first)))
    }

    async fn all_departments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Option<DepartmentConnection>> {
        let first = self::first(first)?;
        let db = ctx.data::<Arc<Db>>()?;
        let mut rows = db.with(|r| r.all_departments())?;
        let fetched = rows.len();
        if let Some(f) = first {
            rows.truncate(f);
        }
        let info = page_info(rows.len(), fetched, first);
        let edges = rows
            .into_iter()
            .enumerate()
            .map(|(i, d)| Some(DepartmentEdge { node: Some(DepartmentObj(d)), cursor: cursor(i) }))
            .collect();
        Ok(Some(DepartmentConnection { page_info: info, edges }))
    }
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The ID of the object"))]
pub enum Node {
    Employee(EmployeeObj),
    Department(DepartmentObj),
    Role(RoleObj),
}

pub struct EmployeeObj(Employee);

#[Object(name = "Employee")]
impl EmployeeObj {
    async fn id(&self) -> ID {
        ID(global_id("Employee", self.0.id))
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn hired_on(&self) -> Option<String> {
        self.0.hired_on.as_deref().map(iso)
    }

    async fn department_id(&self) -> Option<i64> {
        self.0.department_id
    }

    async fn role_id(&self) -> Option<i64> {
        self.0.role_id
    }

    async fn department(&self, ctx: &Context<'_>) -> Result<Option<DepartmentObj>> {
        let Some(id) = self.0.department_id else {
            return Ok(None);
        };
        Ok(ctx.data::<DataLoader<DepartmentLoader>>()?.load_one(id).await?.map(DepartmentObj))
    }

    async fn role(&self, ctx: &Context<'_>) -> Result<Option<RoleObj>> {
        let Some(id) = self.0.role_id else {
            return Ok(None);
        };
        Ok(ctx.data::<DataLoader<RoleLoader>>()?.load_one(id).await?.map(RoleObj))
    }
}

pub struct DepartmentObj(Department);

#[Object(name = "Department")]
impl DepartmentObj {
    async fn id(&self) -> ID {
        ID(global_id("Department", self.0.id))
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn employees(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Option<EmployeeConnection>> {
        let first = self::first(first)?;
        let page = Page { department: self.0.id, rows: first.map(|f| f + 1).unwrap_or(usize::MAX) };
        let rows =
            ctx.data::<DataLoader<EmployeesLoader>>()?.load_one(page).await?.unwrap_or_default();
        Ok(Some(employee_connection(rows, first)))
    }
}

pub struct RoleObj(Role);

#[Object(name = "Role")]
impl RoleObj {
    async fn role_id(&self) -> ID {
        ID(self.0.role_id.to_string())
    }

    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn id(&self) -> ID {
        ID(global_id("Role", self.0.role_id))
    }
}
