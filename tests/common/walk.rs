//! Generic checks of a served database against SQL on the same file, for any model: every
//! table pages through with cursors, every node round-trips, every relationship equals its
//! join, every column sorts and filters like SQL. Real and hostile databases share them.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use relaylite::model::{Model, Shape, Source, Table};
use relaylite::{App, Outcome, Request};
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

/// A served app and where SQL reads the same data to compare with.
pub struct Walk<'a> {
    pub app: &'a App,
    pub oracle: Oracle<'a>,
}

/// The database SQL runs on: the SQLite file served, or the PostgreSQL database's URL.
pub enum Oracle<'a> {
    Sqlite(&'a Path),
    Postgres(String),
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The global ID of a row with key `values`, as relaylite documents it.
fn global_id(table: &Table, values: &[Sql]) -> String {
    let text = match values {
        [Sql::Integer(i)] => i.to_string(),
        [Sql::Text(s)] => s.clone(),
        many => {
            let parts: Vec<Value> = many
                .iter()
                .map(|v| match v {
                    Sql::Integer(i) => json!(i),
                    Sql::Text(s) => json!(s),
                    other => panic!("{other:?}"),
                })
                .collect();
            serde_json::to_string(&parts).expect("json")
        }
    };
    STANDARD.encode(format!("{}:{text}", table.type_name))
}

/// A column in SQL: quoted, but the rowid by its bare name (quoted, it is a column's).
fn col(table: &Table, c: usize) -> String {
    match table.columns[c].rowid {
        true => table.columns[c].name.clone(),
        false => q(&table.columns[c].name),
    }
}

fn key_list(table: &Table) -> String {
    let cols: Vec<String> = table.key.iter().map(|&c| col(table, c)).collect();
    cols.join(", ")
}

/// The served node tables with a root connection.
pub fn roots(model: &Model) -> impl Iterator<Item = (usize, &Table)> {
    model.tables.iter().enumerate().filter(|(_, t)| t.served && t.root.is_some() && t.is_node())
}

impl Walk<'_> {
    /// A column as relaylite orders it: on SQLite a date, time or date-time column through
    /// the function that reads every stored form as the instant it denotes.
    fn ordered(&self, table: &Table, c: usize) -> String {
        match (&self.oracle, table.columns[c].scalar.comparable()) {
            (Oracle::Sqlite(_), Some(kind)) => {
                format!("{}({})", kind.sql_function(), col(table, c))
            }
            _ => col(table, c),
        }
    }

    /// Rows of `query` (`?` placeholders bound to `params`), on the oracle.
    pub fn sql(&self, query: &str, params: &[Sql]) -> Vec<Vec<Sql>> {
        let path = match &self.oracle {
            Oracle::Sqlite(path) => *path,
            Oracle::Postgres(url) => return postgres_sql(url, query, params),
        };
        // relaylite's own connection: its functions that compare stored dates as instants.
        let conn = relaylite::db::sqlite::open_read_only(path).expect("open");
        let mut stmt = conn.prepare(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        let width = stmt.column_count();
        stmt.query_map(rusqlite::params_from_iter(params), |r| {
            (0..width).map(|i| r.get(i)).collect()
        })
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    /// Runs a query in process; its data, failing on any error.
    pub fn data(&self, query: &str, variables: Value) -> Value {
        let Value::Object(variables) = variables else { panic!("variables") };
        let req = Request { query: Some(query.into()), variables, ..Request::default() };
        match relaylite::run(self.app, &req) {
            Outcome::Executed { data, errors } if errors.is_empty() => {
                serde_json::from_str(&data.to_json_string()).expect("json")
            }
            other => panic!("{query}: {other:?}"),
        }
    }

    /// The related keys of the parent with key `parent`, by SQL along the relationship's joins.
    fn related_keys(
        &self,
        model: &Model,
        table: &Table,
        rel: &relaylite::model::Relationship,
        parent: &[Sql],
    ) -> Vec<Vec<Sql>> {
        let target = &model.tables[rel.target];
        let from: Vec<usize> = rel.hops[0].on.iter().map(|p| p.0).collect();
        let link = self.sql(
            &format!(
                "SELECT {} FROM {} WHERE ({}) = ({})",
                from.iter().map(|&c| col(table, c)).collect::<Vec<_>>().join(", "),
                q(&table.name),
                key_list(table),
                vec!["?"; parent.len()].join(", ")
            ),
            parent,
        );
        let link = link.into_iter().next().expect("the parent");
        let tk: Vec<String> = target.key.iter().map(|&c| format!("t.{}", col(target, c))).collect();
        let (from_sql, cond_cols): (String, Vec<String>) = match rel.hops.len() {
            1 => (
                format!("{} AS t", q(&target.name)),
                rel.hops[0].on.iter().map(|p| format!("t.{}", col(target, p.1))).collect(),
            ),
            _ => {
                let j = &model.tables[rel.hops[0].table];
                let on: Vec<String> = rel.hops[1]
                    .on
                    .iter()
                    .map(|p| format!("t.{} = j.{}", col(target, p.1), col(j, p.0)))
                    .collect();
                (
                    format!(
                        "{} AS j JOIN {} AS t ON {}",
                        q(&j.name),
                        q(&target.name),
                        on.join(" AND ")
                    ),
                    rel.hops[0].on.iter().map(|p| format!("j.{}", col(j, p.1))).collect(),
                )
            }
        };
        let query = format!(
            "SELECT {tk} FROM {from_sql} WHERE ({}) = ({}) ORDER BY {tk}",
            cond_cols.join(", "),
            vec!["?"; link.len()].join(", "),
            tk = tk.join(", ")
        );
        self.sql(&query, &link)
    }

    /// Every check below, in turn.
    pub fn everything(&self) {
        self.every_table_pages_through_with_cursors();
        self.every_node_round_trips();
        self.every_relationship_equals_its_join();
        self.every_column_sorts_and_filters_like_sql();
        self.every_column_pages_through_in_its_order();
    }

    pub fn every_table_pages_through_with_cursors(&self) {
        let model = &self.app.schema().model;
        for (_, table) in roots(model) {
            let conn = &table.root.as_ref().expect("root").name;
            let query = format!(
                "query ($after: String) {{ {conn}(first: 397, after: $after) {{ edges {{ node {{ id }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
            );
            let mut ids: Vec<Value> = Vec::new();
            let mut after = Value::Null;
            loop {
                let d = self.data(&query, json!({ "after": after }));
                let c = &d[conn.as_str()];
                ids.extend(
                    c["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()),
                );
                if c["pageInfo"]["hasNextPage"] != json!(true) {
                    break;
                }
                after = c["pageInfo"]["endCursor"].clone();
            }
            let keys = self.sql(
                &format!("SELECT {k} FROM {} ORDER BY {k}", q(&table.name), k = key_list(table)),
                &[],
            );
            let expected: Vec<Value> = keys.iter().map(|k| json!(global_id(table, k))).collect();
            assert_eq!(ids, expected, "{conn}");
        }
    }

    /// Pages through every root connection in every column's order, both ways, forwards
    /// with `first`/`after` and backwards with `last`/`before`, in about five pages: the
    /// rows equal SQL's order (NULLs, blobs, reals, compound keys and all) and `totalCount`,
    /// where served, equals SQL's count.
    pub fn every_column_pages_through_in_its_order(&self) {
        let model = &self.app.schema().model;
        for (_, table) in roots(model) {
            let root = table.root.as_ref().expect("root");
            let conn = &root.name;
            let count = self.sql(&format!("SELECT count(*) FROM {}", q(&table.name)), &[]);
            let Sql::Integer(count) = count[0][0] else { panic!("count") };
            let size = (count / 5).max(2);
            for field in &table.fields {
                let Source::Column(c) = field.source else { continue };
                let Some(stem) = &table.sort_names[c] else { continue };
                for dir in ["ASC", "DESC"] {
                    let keys = self.sql(
                        &format!(
                            "SELECT {k} FROM {} ORDER BY {} {dir}, {k}",
                            q(&table.name),
                            self.ordered(table, c),
                            k = key_list(table)
                        ),
                        &[],
                    );
                    let expected: Vec<Value> =
                        keys.iter().map(|k| json!(global_id(table, k))).collect();
                    for backward in [false, true] {
                        let sort = format!("{stem}_{dir}");
                        let (ids, total) =
                            self.page_through(conn, &sort, size, backward, root.total_count);
                        assert_eq!(ids, expected, "{conn} by {sort}, backward: {backward}");
                        if let Some(total) = total {
                            assert_eq!(total, json!(count), "{conn}.totalCount");
                        }
                    }
                }
            }
        }
    }

    /// The ids of a connection in `sort`'s order, read a page of `size` at a time, and its
    /// `totalCount` when the connection has one.
    fn page_through(
        &self,
        conn: &str,
        sort: &str,
        size: i64,
        backward: bool,
        total: bool,
    ) -> (Vec<Value>, Option<Value>) {
        let (arg, cursor_arg, more, next) = match backward {
            false => ("first", "after", "hasNextPage", "endCursor"),
            true => ("last", "before", "hasPreviousPage", "startCursor"),
        };
        let query = format!(
            "query ($c: String) {{ {conn}(sort: [{sort}], {arg}: {size}, {cursor_arg}: $c) {{ {} edges {{ node {{ id }} }} pageInfo {{ {more} {next} }} }} }}",
            if total { "totalCount" } else { "" }
        );
        let (mut ids, mut cursor, mut count) = (Vec::new(), Value::Null, None);
        loop {
            let d = self.data(&query, json!({ "c": cursor }));
            let c = &d[conn];
            let page: Vec<Value> = c["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect();
            assert!(page.len() as i64 <= size, "{conn}: a page of {}", page.len());
            count = c.get("totalCount").cloned().or(count);
            match backward {
                false => ids.extend(page),
                true => ids.splice(0..0, page).for_each(drop),
            }
            if c["pageInfo"][more] != json!(true) {
                return (ids, count);
            }
            cursor = c["pageInfo"][next].clone();
        }
    }

    pub fn every_node_round_trips(&self) {
        let model = &self.app.schema().model;
        for (_, table) in roots(model) {
            let field = table
                .fields
                .iter()
                .find(|f| f.name != "id" && matches!(f.source, Source::Column(_)))
                .expect("a column field");
            let keys = self.sql(
                &format!(
                    "SELECT {k} FROM {} ORDER BY {k} DESC LIMIT 3",
                    q(&table.name),
                    k = key_list(table)
                ),
                &[],
            );
            for key in keys {
                let id = global_id(table, &key);
                let query = format!(
                    "query ($id: ID!) {{ node(id: $id) {{ id ... on {} {{ {} }} }} }}",
                    table.type_name, field.name
                );
                let d = self.data(&query, json!({ "id": id }));
                assert_eq!(d["node"]["id"], json!(id), "{}", table.type_name);
                assert!(d["node"].get(&field.name).is_some(), "{}", table.type_name);
            }
        }
    }

    pub fn every_relationship_equals_its_join(&self) {
        let model = &self.app.schema().model;
        for (_, table) in roots(model) {
            let conn = &table.root.as_ref().expect("root").name;
            // Every related row, and each parent's first two (a page the database may cut).
            let fields = table.fields.iter().flat_map(|f| [(f, 100000), (f, 2)]);
            for (field, first) in fields {
                let Source::Relation(rel) = &field.source else { continue };
                let target = &model.tables[rel.target];
                let selection = match rel.shape {
                    Shape::Object => format!("{} {{ id }}", field.name),
                    _ => format!("{}(first: {first}) {{ edges {{ node {{ id }} }} }}", field.name),
                };
                let query =
                    format!("{{ {conn}(first: 40) {{ edges {{ node {{ id {selection} }} }} }} }}");
                let d = self.data(&query, json!({}));
                let parents = self.sql(
                    &format!(
                        "SELECT {k} FROM {} ORDER BY {k} LIMIT 40",
                        q(&table.name),
                        k = key_list(table)
                    ),
                    &[],
                );
                let edges = d[conn.as_str()]["edges"].as_array().expect("edges");
                assert_eq!(edges.len(), parents.len());
                for (edge, parent) in edges.iter().zip(&parents) {
                    let expected: Vec<Value> = self
                        .related_keys(model, table, rel, parent)
                        .iter()
                        .take(first)
                        .map(|k| json!(global_id(target, k)))
                        .collect();
                    let got: Vec<Value> = match rel.shape {
                        Shape::Object => edge["node"][&field.name]["id"]
                            .as_str()
                            .map(|id| json!(id))
                            .into_iter()
                            .collect(),
                        _ => edge["node"][&field.name]["edges"]
                            .as_array()
                            .expect("edges")
                            .iter()
                            .map(|e| e["node"]["id"].clone())
                            .collect(),
                    };
                    assert_eq!(
                        got, expected,
                        "{}.{} of {}",
                        table.type_name, field.name, edge["node"]["id"]
                    );
                }
            }
        }
    }

    pub fn every_column_sorts_and_filters_like_sql(&self) {
        let model = &self.app.schema().model;
        for (_, table) in roots(model) {
            let conn = &table.root.as_ref().expect("root").name;
            for field in &table.fields {
                let Source::Column(c) = field.source else { continue };
                let Some(stem) = &table.sort_names[c] else { continue };
                let column = col(table, c);
                let ordered = self.ordered(table, c);
                for dir in ["ASC", "DESC"] {
                    let query = format!(
                        "{{ {conn}(sort: [{stem}_{dir}], first: 25) {{ edges {{ node {{ id }} }} }} }}"
                    );
                    let d = self.data(&query, json!({}));
                    let ids: Vec<Value> = d[conn.as_str()]["edges"]
                        .as_array()
                        .expect("edges")
                        .iter()
                        .map(|e| e["node"]["id"].clone())
                        .collect();
                    let keys = self.sql(
                        &format!(
                            "SELECT {k} FROM {} ORDER BY {ordered} {dir}, {k} LIMIT 25",
                            q(&table.name),
                            k = key_list(table)
                        ),
                        &[],
                    );
                    let expected: Vec<Value> =
                        keys.iter().map(|k| json!(global_id(table, k))).collect();
                    assert_eq!(ids, expected, "{conn} sorted by {stem}_{dir}");
                }
                // `eq` on a value the server itself rendered finds the rows SQL finds (a column
                // named `id` shows the global ID, which its filter does not take).
                if field.name == "id" && table.is_node() {
                    continue;
                }
                // Arrays have no filter, as in graphene-sqlalchemy.
                if table.columns[c].pk == 0 && table.columns[c].scalar.filter().is_none() {
                    continue;
                }
                let first = format!(
                    "{{ {conn}(first: 1, filter: {{{name}: {{nEq: null}}}}, sort: [{stem}_DESC]) {{ edges {{ node {{ {name} }} }} }} }}",
                    name = field.name
                );
                let d = self.data(&first, json!({}));
                let Some(value) = d[conn.as_str()]["edges"][0]["node"].get(&field.name).cloned()
                else {
                    continue;
                };
                let ty =
                    if table.columns[c].pk > 0 { "ID" } else { table.columns[c].scalar.graphql() };
                let query = format!(
                    "query ($v: {ty}) {{ {conn}(first: 100000, filter: {{{}: {{eq: $v}}}}) {{ edges {{ node {{ id }} }} }} }}",
                    field.name
                );
                let d = self.data(&query, json!({ "v": value }));
                let ids: Vec<Value> = d[conn.as_str()]["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| e["node"]["id"].clone())
                    .collect();
                let max = self.sql(
                    &format!(
                        "SELECT {column} FROM {} WHERE {column} IS NOT NULL ORDER BY {column} DESC LIMIT 1",
                        q(&table.name)
                    ),
                    &[],
                );
                let keys = self.sql(
                    &format!(
                        "SELECT {k} FROM {} WHERE {column} = ? ORDER BY {k}",
                        q(&table.name),
                        k = key_list(table)
                    ),
                    &max[0],
                );
                let expected: Vec<Value> =
                    keys.iter().map(|k| json!(global_id(table, k))).collect();
                assert!(!ids.is_empty(), "{conn} filtered by {} = {value}", field.name);
                assert_eq!(ids, expected, "{conn} filtered by {} = {value}", field.name);
            }
        }
    }
}

/// `sql` on PostgreSQL: values inlined as untyped literals (which take the type of the column
/// they meet, as text parameters do) and read back as text, integers as integers.
fn postgres_sql(url: &str, query: &str, params: &[Sql]) -> Vec<Vec<Sql>> {
    let mut values = params.iter();
    let text: String = query
        .split('?')
        .enumerate()
        .map(|(i, part)| match i {
            0 => part.to_string(),
            _ => format!("{}{part}", values.next().map_or("?".into(), literal)),
        })
        .collect();
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let messages = client.simple_query(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    messages
        .iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| match r.get(i) {
                        None => Sql::Null,
                        Some(t) => match t.parse::<i64>() {
                            Ok(n) if n.to_string() == t => Sql::Integer(n),
                            _ => Sql::Text(t.to_string()),
                        },
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn literal(v: &Sql) -> String {
    match v {
        Sql::Null => "NULL".into(),
        Sql::Integer(i) => format!("'{i}'"),
        Sql::Real(f) => format!("'{f}'"),
        Sql::Text(t) => format!("'{}'", t.replace('\'', "''")),
        Sql::Blob(b) => {
            format!("'\\x{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>())
        }
    }
}

/// The global ID of a row of `type_name` with a one-column key given as text.
pub fn global_id_of(type_name: &str, key: &str) -> String {
    STANDARD.encode(format!("{type_name}:{key}"))
}
