//! Default GraphQL names for a database's tables, columns and relationships.
//!
//! graphene-sqlalchemy decides some (camelCase fields, `<Type>Connection`, the sort enum's
//! values); where it leaves names to the user's Python code, PostGraphile's inflection
//! decides (singular type names, `all` + plural connections, `By<Column>` when one table
//! points at another more than once). Case conversion and plurals come from `heck` and
//! `pluralizer`; what is left is making any identifier a valid, unused GraphQL name.

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToUpperCamelCase};

/// Names the schema declares itself, which no table or field may take.
pub const RESERVED_TYPES: &[&str] = &[
    "Query",
    "Mutation",
    "Subscription",
    "Node",
    "PageInfo",
    "ID",
    "String",
    "Int",
    "Float",
    "Boolean",
    "DateTime",
    "Date",
    "Time",
    "JSONString",
    "IdFilter",
    "IntFilter",
    "FloatFilter",
    "StringFilter",
    "BooleanFilter",
    "DateFilter",
    "DateTimeFilter",
    "DefaultTimeScalarFilter",
    "DefaultJSONStringScalarFilter",
];

/// The names a type `T` brings with it.
pub fn derived_types(type_name: &str) -> [String; 6] {
    ["", "Connection", "Edge", "SortEnum", "Filter", "RelationshipFilter"]
        .map(|suffix| format!("{type_name}{suffix}"))
}

/// Any text as a GraphQL name: characters outside `[_A-Za-z0-9]` become `_`, a leading digit
/// gets a `_` before it, and a leading `__` (reserved for introspection) loses one `_`.
pub fn graphql_name(text: &str) -> String {
    let mut out: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    while out.starts_with("__") {
        out.remove(0);
    }
    out
}

fn singular(word: &str) -> String {
    pluralizer::pluralize(word, 1, false)
}

fn plural(word: &str) -> String {
    pluralizer::pluralize(word, 2, false)
}

/// `department` → `Department`, `roles` → `Role`, `order_details` → `OrderDetail`.
pub fn type_name(table: &str) -> String {
    graphql_name(&singular(table).to_upper_camel_case())
}

/// `Employee` → `allEmployees`.
pub fn root_connection(type_name: &str) -> String {
    graphql_name(&format!("all{}", plural(type_name).to_upper_camel_case()))
}

/// `hired_on` → `hiredOn`, `ArtistId` → `artistId`.
pub fn field(column: &str) -> String {
    graphql_name(&column.to_lower_camel_case())
}

/// graphene-sqlalchemy's `to_type_name` of a database enum type: `order_status` →
/// `OrderStatus` (each `_`-separated part's first letter raised, the rest kept).
pub fn enum_type(sql_name: &str) -> String {
    let parts = sql_name.split('_').map(|p| {
        let mut chars = p.chars();
        chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
    });
    graphql_name(&parts.collect::<String>())
}

/// graphene-sqlalchemy's `to_enum_value_name` of a label: `inProgress` → `IN_PROGRESS`,
/// `happy` → `HAPPY` (a `_` before each capital that starts a word, then upper case).
pub fn enum_value(label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        // Its two regular expressions: a capital starting a lowercase word after anything,
        // or any capital after a lowercase letter or a digit.
        let word_start = c.is_uppercase()
            && prev.is_some_and(|p| next_lower || p.is_lowercase() || p.is_ascii_digit());
        if word_start {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    graphql_name(&out)
}

/// `role_id` → `ROLE_ID`: the stem of a sort enum's values.
pub fn sort_stem(column: &str) -> String {
    graphql_name(&column.to_shouty_snake_case())
}

/// A many-to-one field from its foreign-key column: `department_id` → `department`,
/// `SupportRepId` → `supportRep`; `None` when nothing is left once the suffix is gone.
pub fn to_one(column: &str) -> Option<String> {
    let stem = ["_id", "_ID", "Id", "ID"]
        .iter()
        .find_map(|suffix| column.strip_suffix(suffix))
        .unwrap_or(column);
    let name = stem.to_lower_camel_case();
    (!name.is_empty()).then(|| graphql_name(&name))
}

/// A one-to-many field from the referencing type: `Employee` → `employees`.
pub fn to_many(type_name: &str) -> String {
    graphql_name(&plural(type_name).to_lower_camel_case())
}

/// The `By<Columns>` suffix that tells apart several relationships between two tables:
/// `employeesBySupportRepId`.
pub fn by_columns(base: &str, columns: &[&str]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| c.to_upper_camel_case()).collect();
    graphql_name(&format!("{base}By{}", cols.join("And")))
}

/// `name`, or `name2`, `name3`, … : the first that `taken` does not hold.
pub fn unused(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    (2..).map(|n| format!("{name}{n}")).find(|n| !taken(n)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_follow_graphene_sqlalchemy() {
        assert_eq!(enum_type("mood"), "Mood");
        assert_eq!(enum_type("order_status"), "OrderStatus");
        for (label, value) in [
            ("happy", "HAPPY"),
            ("inProgress", "IN_PROGRESS"),
            ("HTTPError", "HTTP_ERROR"),
            ("v2Beta", "V2_BETA"),
            ("Foo_Bar", "FOO__BAR"),
            ("in progress", "IN_PROGRESS"),
        ] {
            assert_eq!(enum_value(label), value, "{label}");
        }
    }

    #[test]
    fn tables_become_singular_types_and_plural_connections() {
        let cases = [
            ("department", "Department", "allDepartments"),
            ("roles", "Role", "allRoles"),
            ("employee", "Employee", "allEmployees"),
            ("InvoiceLine", "InvoiceLine", "allInvoiceLines"),
            ("order_details", "OrderDetail", "allOrderDetails"),
            ("people", "Person", "allPeople"),
        ];
        for (table, ty, conn) in cases {
            assert_eq!(
                (type_name(table), root_connection(&type_name(table))),
                (ty.into(), conn.into())
            );
        }
    }

    #[test]
    fn columns_become_camel_case_fields_and_shouting_sort_values() {
        assert_eq!(field("hired_on"), "hiredOn");
        assert_eq!(field("ArtistId"), "artistId");
        assert_eq!(sort_stem("role_id"), "ROLE_ID");
        assert_eq!(sort_stem("ArtistId"), "ARTIST_ID");
    }

    #[test]
    fn foreign_keys_name_their_object_fields() {
        assert_eq!(to_one("department_id").as_deref(), Some("department"));
        assert_eq!(to_one("SupportRepId").as_deref(), Some("supportRep"));
        assert_eq!(to_one("ReportsTo").as_deref(), Some("reportsTo"));
        assert_eq!(to_one("ID"), None);
        assert_eq!(to_many("Employee"), "employees");
        assert_eq!(by_columns("employees", &["SupportRepId"]), "employeesBySupportRepId");
    }

    #[test]
    fn any_identifier_becomes_a_valid_name() {
        assert_eq!(graphql_name("order details"), "order_details");
        assert_eq!(graphql_name("2fa"), "_2fa");
        assert_eq!(graphql_name("Zoë"), "Zo_");
        assert_eq!(graphql_name("__meta"), "_meta");
        assert_eq!(graphql_name(""), "_");
        assert_eq!(type_name("select"), "Select");
        assert_eq!(field("we\"ird/col"), "weIrdCol");
        assert_eq!(unused("a", |n| n == "a" || n == "a2"), "a3");
    }
}
