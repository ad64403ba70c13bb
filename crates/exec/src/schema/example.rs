//! GraphiQL's opening query: the model file's, or one built from the served schema — the
//! first root connection, a few of its columns, one relationship, and `pageInfo` — so a
//! user of any database opens GraphiQL on a query that runs.

use crate::model::{Model, Shape, Source, Table};

/// The query GraphiQL opens with.
pub fn example_query(model: &Model) -> String {
    if let Some(q) = &model.example_query {
        return q.trim_start().to_string();
    }
    let Some(table) = model.tables.iter().find(|t| t.served && t.root.is_some()) else {
        return "{\n  __typename\n}\n".into();
    };
    let root = table.root.as_ref().map_or("", |r| r.name.as_str());
    let mut node: Vec<String> = columns(table, 4);
    let related = table.fields.iter().find_map(|f| match &f.source {
        Source::Relation(rel) if rel.shape == Shape::Object => Some((f, &model.tables[rel.target])),
        _ => None,
    });
    if let Some((field, target)) = related {
        let inner: Vec<String> = columns(target, 1).iter().map(|c| format!("  {c}")).collect();
        node.push(format!("{} {{\n{}\n}}", field.name, inner.join("\n")));
    }
    let node: Vec<String> = node.iter().map(|n| indent(n, 8)).collect();
    format!(
        "{{\n  {root}(first: 10) {{\n    edges {{\n      node {{\n{}\n      }}\n    }}\n    pageInfo {{\n      hasNextPage\n      endCursor\n    }}\n  }}\n}}\n",
        node.join("\n")
    )
}

/// `id` (when the rows have one) and the first few column fields.
fn columns(table: &Table, n: usize) -> Vec<String> {
    let id = table.is_node().then(|| "id".to_string());
    let named =
        table.fields.iter().filter(|f| f.name != "id" && matches!(f.source, Source::Column(_)));
    id.into_iter().chain(named.take(n).map(|f| f.name.clone())).collect()
}

fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines().map(|l| format!("{pad}{l}")).collect::<Vec<_>>().join("\n")
}
