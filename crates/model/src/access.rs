//! Who may read what: the model file's `[access]` section (how a request's token is checked
//! and where its role is) and its `[[roles]]` (each role's types, hidden fields and row
//! rules), as values checked against the model at start-up.
//!
//! A role's view of the data is a model of its own (`Model::for_role`): its invisible types
//! unserved, its hidden fields gone, relationships to what it cannot see dropped. Everything
//! derived from a model (schema, introspection, SDL, suggestions) then shows that role only
//! what it may see, without a second code path that could forget a check.

use serde::Deserialize;
use toml::Spanned;

use super::file::{at, toml_string};
use super::{Model, Source, TableId};

/// How tokens are verified and read.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub key: TokenKey,
    /// Where the role is in the claims: a path of object keys.
    pub role_claim: Vec<String>,
    /// The role of a request without a token; `None`: such a request is refused (401).
    pub anonymous: Option<String>,
    /// The `aud` a token must name, when set.
    pub audience: Option<String>,
    /// The `iss` a token must name, when set.
    pub issuer: Option<String>,
    pub roles: Vec<Role>,
}

/// Where the key that signs tokens comes from. Never the key itself: a model file is
/// printed, checked in and shown in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKey {
    /// An environment variable holding an HMAC secret (HS256, HS384, HS512).
    SecretEnv(String),
    /// A JSON Web Key Set file of public keys (RS256…, PS256…, ES256, ES384, EdDSA); a
    /// relative path is read from the model file's directory.
    JwksFile(String),
}

/// One role: what it sees, and which of those rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub name: String,
    /// The served tables whose types the role sees.
    pub types: Vec<TableId>,
    /// Fields the role does not see: (table, field name).
    pub hidden: Vec<(TableId, String)>,
    /// Row rules, at most one per table.
    pub rows: Vec<RowRule>,
}

/// The rows of `table` a role may read: those `filter` (the text of a value of the type's
/// filter input, with the token's claims as `$jwt_<claim>` variables) selects.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRule {
    pub table: TableId,
    pub filter: String,
    /// Where the rule is written (`file:line: role R, rows.Type`), for errors about it.
    pub at: String,
}

impl Model {
    /// The model as `role` sees it: only its types are served, its hidden fields and the
    /// relationships to types it does not see are gone, and nothing sorts by a column it
    /// cannot read, nor reaches rows through a junction type it does not see. Its GraphiQL
    /// example is derived from what it sees. Tables keep their places, so a `TableId` means the same in both.
    pub fn for_role(&self, role: &Role) -> Model {
        let mut model = self.clone();
        // The role's model says nothing more of access: its schema has no roles of its own.
        (model.example_query, model.access) = (None, None);
        let visible = |t: TableId| self.tables[t].served && role.types.contains(&t);
        for (t, table) in model.tables.iter_mut().enumerate() {
            if !visible(t) {
                (table.served, table.root) = (false, None);
                table.fields.clear();
                table.sort_names = vec![None; table.columns.len()];
                continue;
            }
            table.fields.retain(|f| {
                let hidden = role.hidden.iter().any(|(h, name)| *h == t && *name == f.name);
                // A many-to-many's links are rows of its junction: when the junction has a
                // type, the role must see it too (and its rule, if any, picks the links).
                let through = |rel: &super::Relationship| {
                    rel.through().is_none_or(|j| !self.tables[j.table].served || visible(j.table))
                };
                !hidden
                    && match &f.source {
                        Source::Column(_) => true,
                        Source::Relation(rel) => visible(rel.target) && through(rel),
                    }
            });
            table.sort_names = super::derive::sort_names(table);
        }
        model
    }
}

/// `[access]` as the file writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileAccess {
    jwt_secret_env: Option<Spanned<String>>,
    jwks_file: Option<Spanned<String>>,
    role_claim: Option<Spanned<String>>,
    anonymous: Option<Spanned<String>>,
    audience: Option<String>,
    issuer: Option<String>,
}

/// One `[[roles]]` entry as the file writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRole {
    name: Spanned<String>,
    types: Option<Spanned<Vec<String>>>,
    hidden: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    rows: std::collections::BTreeMap<String, Spanned<String>>,
}

/// Where errors point: the file's name and text.
pub(crate) struct FileText<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

/// `[access]` and `[[roles]]`, every name checked against `model`.
pub(crate) fn read(
    src: &FileText<'_>,
    access: Option<&Spanned<FileAccess>>,
    roles: &[Spanned<FileRole>],
    model: &Model,
) -> Result<Option<Access>, String> {
    let Some(access) = access else {
        if let Some(role) = roles.first() {
            let what = "`[[roles]]` needs an `[access]` section saying how tokens are checked";
            return Err(at(src.file, src.text, role.span(), what.into()));
        }
        return Ok(None);
    };
    let a = access.get_ref();
    let key = match (&a.jwt_secret_env, &a.jwks_file) {
        (Some(env), None) => TokenKey::SecretEnv(env.get_ref().clone()),
        (None, Some(file)) => {
            // A relative path is the model file's neighbour, wherever the server starts.
            let dir = std::path::Path::new(src.file).parent().unwrap_or(std::path::Path::new(""));
            TokenKey::JwksFile(dir.join(file.get_ref()).display().to_string())
        }
        _ => {
            let what = "[access]: give exactly one of `jwt_secret_env` and `jwks_file`";
            return Err(at(src.file, src.text, access.span(), what.into()));
        }
    };
    let role_claim = match &a.role_claim {
        Some(c) => c.get_ref().split('.').map(str::to_string).collect(),
        None => vec!["role".to_string()],
    };
    let mut out = Vec::new();
    for role in roles {
        let r = read_role(src, role, model)?;
        if out.iter().any(|o: &Role| o.name == r.name) {
            let what = format!("role {}: a second role of that name", r.name);
            return Err(at(src.file, src.text, role.get_ref().name.span(), what));
        }
        out.push(r);
    }
    if let Some(anonymous) = &a.anonymous
        && !out.iter().any(|r| r.name == *anonymous.get_ref())
    {
        let what = format!(
            "[access]: `anonymous` names `{}`, which no `[[roles]]` entry is",
            anonymous.get_ref()
        );
        return Err(at(src.file, src.text, anonymous.span(), what));
    }
    Ok(Some(Access {
        key,
        role_claim,
        anonymous: a.anonymous.as_ref().map(|a| a.get_ref().clone()),
        audience: a.audience.clone(),
        issuer: a.issuer.clone(),
        roles: out,
    }))
}

/// One role, its types and fields named as the model names them.
fn read_role(src: &FileText<'_>, role: &Spanned<FileRole>, model: &Model) -> Result<Role, String> {
    let r = role.get_ref();
    let name = r.name.get_ref().clone();
    let error = |span: std::ops::Range<usize>, what: String| {
        at(src.file, src.text, span, format!("role {name}: {what}"))
    };
    let known = || {
        let names: Vec<&str> =
            model.tables.iter().filter(|t| t.served).map(|t| t.type_name.as_str()).collect();
        names.join(", ")
    };
    let by_type = |ty: &str, span: std::ops::Range<usize>| {
        model.by_type(ty).ok_or_else(|| {
            error(span, format!("`{ty}` is not a type of this model (types: {})", known()))
        })
    };
    let none = Spanned::new(role.span(), Vec::new());
    let mut types = Vec::new();
    let listed = r.types.as_ref().unwrap_or(&none);
    for ty in listed.get_ref() {
        types.push(by_type(ty, listed.span())?);
    }
    let mut hidden = Vec::new();
    let listed = r.hidden.as_ref().unwrap_or(&none);
    for h in listed.get_ref() {
        let what = format!("`hidden` names `{h}`, which is not `Type.field` of this model");
        let (ty, field) = h.split_once('.').ok_or_else(|| error(listed.span(), what.clone()))?;
        let table = by_type(ty, listed.span())?;
        let t = &model.tables[table];
        let Some(found) = t.fields.iter().find(|f| f.name == field) else {
            return Err(error(listed.span(), what));
        };
        if matches!(found.source, Source::Column(c) if t.key.contains(&c)) {
            let what = format!(
                "`hidden` names `{h}`, a column of the key, which every `id` and cursor of {ty} holds: it cannot be hidden"
            );
            return Err(error(listed.span(), what));
        }
        hidden.push((table, field.to_string()));
    }
    let mut rows = Vec::new();
    for (ty, filter) in &r.rows {
        let table = by_type(ty, filter.span())?;
        if !types.contains(&table) {
            let what = format!("`rows.{ty}` is a rule for a type the role does not see");
            return Err(error(filter.span(), what));
        }
        let at = at(src.file, src.text, filter.span(), format!("role {name}, rows.{ty}"));
        rows.push(RowRule { table, filter: filter.get_ref().clone(), at });
    }
    Ok(Role { name, types, hidden, rows })
}

/// `[access]` and `[[roles]]` as a model file writes them (what `read` reads back the same),
/// so that a printed model keeps who may read what.
pub(crate) fn print(access: &Access, model: &Model) -> String {
    let list = |items: Vec<String>| {
        let quoted: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut out = String::from("\n[access]\n");
    match &access.key {
        TokenKey::SecretEnv(var) => {
            out.push_str(&format!("jwt_secret_env = {}\n", toml_string(var)))
        }
        TokenKey::JwksFile(path) => out.push_str(&format!("jwks_file = {}\n", toml_string(path))),
    }
    out.push_str(&format!("role_claim = {}\n", toml_string(&access.role_claim.join("."))));
    let optional = [
        ("anonymous", &access.anonymous),
        ("audience", &access.audience),
        ("issuer", &access.issuer),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            out.push_str(&format!("{key} = {}\n", toml_string(v)));
        }
    }
    let type_name = |t: TableId| model.tables[t].type_name.clone();
    for role in &access.roles {
        out.push_str(&format!("\n[[roles]]\nname = {}\n", toml_string(&role.name)));
        out.push_str(&format!(
            "types = {}\n",
            list(role.types.iter().map(|&t| type_name(t)).collect())
        ));
        if !role.hidden.is_empty() {
            let hidden =
                role.hidden.iter().map(|(t, f)| format!("{}.{f}", type_name(*t))).collect();
            out.push_str(&format!("hidden = {}\n", list(hidden)));
        }
        for rule in &role.rows {
            out.push_str(&format!(
                "rows.{} = {}\n",
                type_name(rule.table),
                toml_string(&rule.filter)
            ));
        }
    }
    out
}
