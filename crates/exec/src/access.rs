//! Roles as the executor sees them: each a schema of its own, derived from the model as the
//! role sees it, and its row rules — compiled at start-up against the whole schema (a rule
//! may test what the role cannot see), resolved per request from the token's claims into
//! the same conditions a client's `filter` becomes, which every read of the table then ANDs.
//!
//! Claims enter a rule only as coerced variables, so they are bound values, never text; a
//! claim a rule needs that is missing or of the wrong type refuses the request.

use std::sync::Arc;

use crate::db::sql::Expr;
use crate::exec::filter;
use crate::graphql::ast::{self, ValueKind};
use crate::graphql::input::{self, Variables};
use crate::limits::Limits;
use crate::model::TableId;
use crate::schema::{self, Kind, Schema, TypeRef};

/// One role's schema and row rules.
pub struct RoleSchema {
    pub name: String,
    pub schema: Arc<Schema>,
    rules: Vec<Rule>,
}

/// A row rule, checked: the filter value and the claims it takes, each with the type its
/// place in the filter gives it.
struct Rule {
    table: TableId,
    filter_type: TypeRef,
    value: ast::Value,
    /// (claim, type): `$jwt_<claim>` stands where a value of the type goes.
    claims: Vec<(String, TypeRef)>,
    at: String,
}

/// A request's row rules: the conditions every read of a table ANDs, by table.
#[derive(Debug, Default)]
pub struct RowRules(Vec<(TableId, Vec<Expr>)>);

impl RowRules {
    /// The conditions on rows of `table` (none: every row).
    pub fn of(&self, table: TableId) -> &[Expr] {
        self.0.iter().find(|(t, _)| *t == table).map_or(&[], |(_, e)| e)
    }
}

/// Whether conditions let every row through: none, or each always true (`notIn: []`, and
/// `and`/`or` lists of such).
fn tests_nothing(conditions: &[Expr]) -> bool {
    fn always(e: &Expr) -> bool {
        match e {
            Expr::True => true,
            Expr::And(all) => all.iter().all(always),
            Expr::Or(any) => any.iter().any(always),
            Expr::Not(e) => **e == Expr::False,
            _ => false,
        }
    }
    conditions.iter().all(always)
}

/// The prefix that makes a variable of a rule a claim of the token.
const CLAIM: &str = "jwt_";

/// The schema and rules of each role of `full`'s model (none without `[access]`).
pub fn roles(full: &Schema) -> Result<Vec<RoleSchema>, String> {
    let Some(access) = &full.model.access else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for role in &access.roles {
        let schema = schema::build(full.model.for_role(role))?;
        let rules = role.rows.iter().map(|r| rule(full, r)).collect::<Result<_, _>>()?;
        out.push(RoleSchema { name: role.name.clone(), schema: Arc::new(schema), rules });
    }
    Ok(out)
}

/// A rule's text read as a value of its type's filter input, every name and literal checked.
fn rule(full: &Schema, r: &crate::model::access::RowRule) -> Result<Rule, String> {
    let error = |what: String| format!("{}: {what}", r.at);
    let type_name = format!("{}Filter", full.model.tables[r.table].type_name);
    let filter_type = full
        .type_id(&type_name)
        .map(TypeRef::Named)
        .ok_or_else(|| error(format!("the type has no `{type_name}`")))?;
    let value = crate::graphql::parse::parse_value(&r.filter)
        .map_err(|e| error(format!("not one GraphQL value: {}", e.message)))?;
    let mut claims = Vec::new();
    check(full, &filter_type, &value, &mut claims).map_err(error)?;
    let rule = Rule { table: r.table, filter_type, value, claims, at: r.at.clone() };
    // A rule without claims resolves the same for every request: one that lets every row
    // through (`{ id: { notIn: [] } }`) is a mistake to report now, not a refusal per request.
    if rule.claims.is_empty() {
        rule.conditions(full, &Variables::new(), &Limits::default()).map_err(error)?;
    }
    Ok(rule)
}

impl Rule {
    /// The conditions the rule puts on rows of its table, its claims being `vars`; or why
    /// there are none: it does not read as a filter, or lets every row through.
    fn conditions(
        &self,
        full: &Schema,
        vars: &Variables,
        limits: &Limits,
    ) -> Result<Vec<Expr>, String> {
        let filter = input::literal(full, &self.filter_type, &self.value, vars)
            .ok_or("the rule does not read as a filter")?;
        let none = RowRules::default();
        let conditions = filter::conditions(&full.model, self.table, &filter, limits, &none)
            .map_err(|e| e.message)?;
        if tests_nothing(&conditions) {
            return Err("the rule lets every row through: a rule must say which rows".into());
        }
        Ok(conditions)
    }
}

/// Whether `v` is a value of `ty`, a claim standing for a value of the type where a
/// variable is (recorded in `claims`, non-null: a claim missing is no value at all). A
/// claim stands only for a scalar or a list of them: the rule's shape — which columns it
/// tests, how — is the file's, never the token's (a claim `{}` in place of a filter would
/// test nothing).
fn check(
    schema: &Schema,
    ty: &TypeRef,
    v: &ast::Value,
    claims: &mut Vec<(String, TypeRef)>,
) -> Result<(), String> {
    if let ValueKind::Variable(name) = &v.kind {
        let Some(claim) = name.strip_prefix(CLAIM).filter(|c| !c.is_empty()) else {
            return Err(format!("`${name}`: a rule's variables are claims, `${CLAIM}<claim>`"));
        };
        let wanted = TypeRef::NonNull(Box::new(ty.nullable().clone()));
        let leaf = match ty.nullable() {
            TypeRef::List(item) => matches!(item.nullable(), TypeRef::Named(_)),
            TypeRef::Named(_) => true,
            TypeRef::NonNull(_) => false,
        };
        if !leaf || !schema.ty(ty.named()).is_leaf() {
            let what = schema.type_string(ty);
            return Err(format!(
                "`${name}` stands for a {what}: a claim is a value or a list of values"
            ));
        }
        match claims.iter().find(|(c, _)| c == claim) {
            Some((_, t)) if *t != wanted => {
                let (a, b) = (schema.type_string(t), schema.type_string(&wanted));
                Err(format!("`${name}` stands for a {a} and a {b}"))
            }
            Some(_) => Ok(()),
            None => {
                claims.push((claim.to_string(), wanted));
                Ok(())
            }
        }
    } else {
        check_literal(schema, ty, v, claims)
    }
}

fn check_literal(
    schema: &Schema,
    ty: &TypeRef,
    v: &ast::Value,
    claims: &mut Vec<(String, TypeRef)>,
) -> Result<(), String> {
    let wrong = || format!("{v} is not a value of {}", schema.type_string(ty));
    match (ty, &v.kind) {
        // An empty filter, or an empty `and`/`or`, selects every row: no rule is written so.
        (_, ValueKind::Object(given)) if given.is_empty() => Err(format!(
            "{{}} tests nothing: a rule must say which rows ({})",
            schema.type_string(ty)
        )),
        (TypeRef::List(item), ValueKind::List(items))
            if items.is_empty() && !schema.ty(item.named()).is_leaf() =>
        {
            Err(format!(
                "[] tests nothing: a rule must say which rows ({})",
                schema.type_string(ty)
            ))
        }
        (TypeRef::NonNull(_), ValueKind::Null) => Err(wrong()),
        (TypeRef::NonNull(inner), _) => check(schema, inner, v, claims),
        (_, ValueKind::Null) => Ok(()),
        (TypeRef::List(item), ValueKind::List(items)) => {
            items.iter().try_for_each(|x| check(schema, item, x, claims))
        }
        (TypeRef::List(item), _) => check(schema, item, v, claims),
        (TypeRef::Named(id), _) => match (&schema.ty(*id).kind, &v.kind) {
            (Kind::InputObject { fields }, ValueKind::Object(given)) => {
                for g in given {
                    let Some(field) = fields.iter().find(|f| f.name == g.name.value) else {
                        let what = schema.name(*id);
                        return Err(format!("`{}` is not a field of {what}", g.name.value));
                    };
                    check(schema, &field.ty, &g.value, claims)?;
                }
                Ok(())
            }
            (Kind::InputObject { .. }, _) => Err(wrong()),
            _ => match input::literal(schema, ty, v, &Variables::new()) {
                Some(_) => Ok(()),
                None => Err(wrong()),
            },
        },
    }
}

impl RoleSchema {
    /// The role's rules for a token's `claims`: an error names the claim that does not fit.
    pub fn resolve(
        &self,
        full: &Schema,
        claims: &serde_json::Map<String, serde_json::Value>,
        limits: &Limits,
    ) -> Result<RowRules, String> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let mut vars = Variables::new();
            for (claim, ty) in &rule.claims {
                let given = claims.get(claim).unwrap_or(&serde_json::Value::Null);
                let mut wrong = None;
                let mut on_error = |_: &[input::PathItem], _: &serde_json::Value, m: String| {
                    wrong.get_or_insert(m);
                };
                let value = input::coerce_json(full, ty, given, &mut Vec::new(), &mut on_error);
                match (value, wrong) {
                    (Some(v), None) => vars.insert(format!("{CLAIM}{claim}"), v),
                    // What the claim held is not echoed: the token's, not the client's.
                    _ => {
                        return Err(format!(
                            "The token's claim '{claim}' does not fit role '{}'",
                            self.name
                        ));
                    }
                };
            }
            // Why a rule cannot apply is the operator's to read (the log), not the client's.
            let refused = |why: &str| {
                eprintln!("relaylite: {}: {why}; request refused", rule.at);
                format!("The token's claims do not fit role '{}'", self.name)
            };
            let conditions = rule.conditions(full, &vars, limits).map_err(|why| refused(&why))?;
            out.push((rule.table, conditions));
        }
        Ok(RowRules(out))
    }
}
