//! The benchmark schema written with juniper 0.18, synchronously. Batching is done through
//! the request context: every list of rows registers the keys its relationships will need,
//! and the first relationship resolved on any of them loads them all with one statement —
//! the same SQL shape relaylite runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use juniper::{
    EmptyMutation, EmptySubscription, FieldResult, GraphQLEnum, GraphQLObject, ID, RootNode,
    Variables, graphql_interface, graphql_object,
};

use crate::{Department, Employee, Role, Rows, cursor, global_id, iso, keys, parse_global_id};

pub struct Ctx {
    rows: Arc<Mutex<Rows>>,
    /// Relationship keys of rows fetched but not yet loaded.
    pending_departments: Mutex<Vec<i64>>,
    pending_roles: Mutex<Vec<i64>>,
    pending_parents: Mutex<Vec<i64>>,
    departments: Mutex<HashMap<i64, Department>>,
    roles: Mutex<HashMap<i64, Role>>,
    employees: Mutex<HashMap<(i64, usize), Vec<Employee>>>,
}

impl juniper::Context for Ctx {}

impl Ctx {
    fn db(&self) -> MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn new(rows: Arc<Mutex<Rows>>) -> Ctx {
        Ctx {
            rows,
            pending_departments: Mutex::default(),
            pending_roles: Mutex::default(),
            pending_parents: Mutex::default(),
            departments: Mutex::default(),
            roles: Mutex::default(),
            employees: Mutex::default(),
        }
    }

    fn saw_employees(&self, rows: &[Employee]) {
        self.pending_departments
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(rows.iter().filter_map(|e| e.department_id));
        self.pending_roles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(rows.iter().filter_map(|e| e.role_id));
    }

    fn department(&self, id: i64) -> FieldResult<Option<Department>> {
        if !self.departments.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&id) {
            let mut wanted = std::mem::take(
                &mut *self.pending_departments.lock().unwrap_or_else(|e| e.into_inner()),
            );
            wanted.push(id);
            let found = self.db().departments(&keys(wanted.into_iter().map(Some)))?;
            self.departments.lock().unwrap_or_else(|e| e.into_inner()).extend(found);
        }
        Ok(self.departments.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned())
    }

    fn role(&self, id: i64) -> FieldResult<Option<Role>> {
        if !self.roles.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&id) {
            let mut wanted =
                std::mem::take(&mut *self.pending_roles.lock().unwrap_or_else(|e| e.into_inner()));
            wanted.push(id);
            let found = self.db().roles(&keys(wanted.into_iter().map(Some)))?;
            self.roles.lock().unwrap_or_else(|e| e.into_inner()).extend(found);
        }
        Ok(self.roles.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned())
    }

    fn employees_of(&self, department: i64, rows: usize) -> FieldResult<Vec<Employee>> {
        if !self
            .employees
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&(department, rows))
        {
            let mut parents = std::mem::take(
                &mut *self.pending_parents.lock().unwrap_or_else(|e| e.into_inner()),
            );
            parents.push(department);
            let parents = keys(parents.into_iter().map(Some));
            let mut found = self.db().employees_of(&parents, rows)?;
            let mut cache = self.employees.lock().unwrap_or_else(|e| e.into_inner());
            for p in parents {
                let list = found.remove(&p).unwrap_or_default();
                self.saw_employees(&list);
                cache.insert((p, rows), list);
            }
        }
        Ok(self
            .employees
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(department, rows))
            .cloned()
            .unwrap_or_default())
    }
}

pub type JuSchema = RootNode<Query, EmptyMutation<Ctx>, EmptySubscription<Ctx>>;

pub fn schema() -> JuSchema {
    RootNode::new(Query, EmptyMutation::new(), EmptySubscription::new())
}

/// Runs one query to its JSON response text.
pub fn run(schema: &JuSchema, rows: &Arc<Mutex<Rows>>, query: &str) -> String {
    let ctx = Ctx::new(rows.clone());
    match juniper::execute_sync(query, None, schema, &Variables::new(), &ctx) {
        Ok((value, errors)) if errors.is_empty() => {
            format!("{{\"data\":{}}}", serde_json::to_string(&value).unwrap_or_default())
        }
        Ok((value, errors)) => format!(
            "{{\"data\":{},\"errors\":{}}}",
            serde_json::to_string(&value).unwrap_or_default(),
            serde_json::to_string(&errors).unwrap_or_default()
        ),
        Err(e) => format!(
            "{{\"errors\":[{{\"message\":{}}}]}}",
            serde_json::to_string(&e.to_string()).unwrap_or_default()
        ),
    }
}

#[derive(GraphQLEnum, Clone, Copy)]
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

#[derive(GraphQLObject)]
pub struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

#[derive(GraphQLObject)]
#[graphql(context = Ctx)]
pub struct EmployeeConnection {
    page_info: PageInfo,
    edges: Vec<Option<EmployeeEdge>>,
}

#[derive(GraphQLObject)]
#[graphql(context = Ctx)]
pub struct EmployeeEdge {
    node: Option<EmployeeObj>,
    cursor: String,
}

#[derive(GraphQLObject)]
#[graphql(context = Ctx)]
pub struct DepartmentConnection {
    page_info: PageInfo,
    edges: Vec<Option<DepartmentEdge>>,
}

#[derive(GraphQLObject)]
#[graphql(context = Ctx)]
pub struct DepartmentEdge {
    node: Option<DepartmentObj>,
    cursor: String,
}

fn page_info(len: usize, fetched: usize, first: Option<usize>) -> PageInfo {
    PageInfo {
        has_next_page: first.is_some_and(|f| fetched > f),
        has_previous_page: false,
        start_cursor: (len > 0).then(|| cursor(0)),
        end_cursor: (len > 0).then(|| cursor(len - 1)),
    }
}

fn employee_connection(
    ctx: &Ctx,
    mut rows: Vec<Employee>,
    first: Option<usize>,
) -> EmployeeConnection {
    let fetched = rows.len();
    if let Some(f) = first {
        rows.truncate(f);
    }
    ctx.saw_employees(&rows);
    let info = page_info(rows.len(), fetched, first);
    let edges = rows
        .into_iter()
        .enumerate()
        .map(|(i, e)| Some(EmployeeEdge { node: Some(EmployeeObj(e)), cursor: cursor(i) }))
        .collect();
    EmployeeConnection { page_info: info, edges }
}

fn first(n: Option<i32>) -> FieldResult<Option<usize>> {
    match n {
        Some(n) if n < 0 => Err("Argument 'first' must be a non-negative integer.".into()),
        Some(n) => Ok(Some(n as usize)),
        None => Ok(None),
    }
}

#[graphql_interface]
#[graphql(name = "Node", for = [EmployeeObj, DepartmentObj, RoleObj], context = Ctx)]
pub struct Node {
    /// The ID of the object
    id: ID,
}

pub struct Query;

#[graphql_object]
#[graphql(context = Ctx)]
impl Query {
    fn node(
        context: &Ctx,
        #[graphql(description = "The ID of the object")] id: ID,
    ) -> FieldResult<Option<NodeValue>> {
        let (type_name, pk) = parse_global_id(&id).ok_or("Invalid Global ID")?;
        let pk_int: i64 = pk.parse().unwrap_or(-1);
        Ok(match type_name.as_str() {
            "Employee" => context.db().employee(&pk)?.map(|e| EmployeeObj(e).into()),
            "Department" => context.department(pk_int)?.map(|d| DepartmentObj(d).into()),
            "Role" => context.role(pk_int)?.map(|r| RoleObj(r).into()),
            other => return Err(format!("Relay Node \"{other}\" not found in schema").into()),
        })
    }

    fn all_employees(
        context: &Ctx,
        #[graphql(default = Some(vec![Some(EmployeeSortEnum::IdAsc)]))] sort: Option<
            Vec<Option<EmployeeSortEnum>>,
        >,
        first: Option<i32>,
    ) -> FieldResult<Option<EmployeeConnection>> {
        let first = self::first(first)?;
        let order: Vec<&str> =
            sort.unwrap_or_default().into_iter().flatten().map(EmployeeSortEnum::sql).collect();
        let rows = context.db().employee_page(&order.join(", "), first.map(|f| f + 1))?;
        Ok(Some(employee_connection(context, rows, first)))
    }

    fn all_departments(
        context: &Ctx,
        first: Option<i32>,
    ) -> FieldResult<Option<DepartmentConnection>> {
        let first = self::first(first)?;
        let mut rows = context.db().all_departments()?;
        let fetched = rows.len();
        if let Some(f) = first {
            rows.truncate(f);
        }
        context
            .pending_parents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(rows.iter().map(|d| d.id));
        let info = page_info(rows.len(), fetched, first);
        let edges = rows
            .into_iter()
            .enumerate()
            .map(|(i, d)| Some(DepartmentEdge { node: Some(DepartmentObj(d)), cursor: cursor(i) }))
            .collect();
        Ok(Some(DepartmentConnection { page_info: info, edges }))
    }
}

pub struct EmployeeObj(Employee);

#[graphql_object]
#[graphql(name = "Employee", context = Ctx, impl = NodeValue)]
impl EmployeeObj {
    /// The ID of the object
    fn id(&self) -> ID {
        ID::new(global_id("Employee", self.0.id))
    }

    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    fn hired_on(&self) -> Option<String> {
        self.0.hired_on.as_deref().map(iso)
    }

    fn department_id(&self) -> Option<i32> {
        self.0.department_id.map(|v| v as i32)
    }

    fn role_id(&self) -> Option<i32> {
        self.0.role_id.map(|v| v as i32)
    }

    fn department(&self, context: &Ctx) -> FieldResult<Option<DepartmentObj>> {
        let Some(id) = self.0.department_id else {
            return Ok(None);
        };
        Ok(context.department(id)?.map(DepartmentObj))
    }

    fn role(&self, context: &Ctx) -> FieldResult<Option<RoleObj>> {
        let Some(id) = self.0.role_id else {
            return Ok(None);
        };
        Ok(context.role(id)?.map(RoleObj))
    }
}

pub struct DepartmentObj(Department);

#[graphql_object]
#[graphql(name = "Department", context = Ctx, impl = NodeValue)]
impl DepartmentObj {
    /// The ID of the object
    fn id(&self) -> ID {
        ID::new(global_id("Department", self.0.id))
    }

    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    fn employees(
        &self,
        context: &Ctx,
        first: Option<i32>,
    ) -> FieldResult<Option<EmployeeConnection>> {
        let first = self::first(first)?;
        let rows = context.employees_of(self.0.id, first.map(|f| f + 1).unwrap_or(usize::MAX))?;
        Ok(Some(employee_connection(context, rows, first)))
    }
}

pub struct RoleObj(Role);

#[graphql_object]
#[graphql(name = "Role", context = Ctx, impl = NodeValue)]
impl RoleObj {
    fn role_id(&self) -> ID {
        ID::new(self.0.role_id.to_string())
    }

    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The ID of the object
    fn id(&self) -> ID {
        ID::new(global_id("Role", self.0.role_id))
    }
}
