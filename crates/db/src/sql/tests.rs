use super::related::*;
use super::*;
use relaylite_model::{Column, Model, Scalar, Table, TableKind};

fn table(name: &str, columns: &[&str], key: usize) -> Table {
    let columns = columns
        .iter()
        .map(|c| Column {
            name: c.to_string(),
            declared: "TEXT".into(),
            scalar: Scalar::String,
            reflected: Scalar::String,
            not_null: false,
            pk: 0,
            rowid: false,
        })
        .collect();
    Table {
        name: name.into(),
        kind: TableKind::Table,
        columns,
        key: vec![key],
        indexes: Vec::new(),
        served: true,
        type_name: name.into(),
        root: None,
        fields: Vec::new(),
        sort_names: Vec::new(),
    }
}

fn model() -> Model {
    let employee = table("employee", &["id", "name", "hired on", "department_id"], 0);
    let department = table("department", &["id", "name"], 0);
    Model {
        tables: vec![employee, department],
        example_query: None,
        dialect: Dialect::Sqlite,
        access: None,
    }
}

#[test]
fn renders_semi_joins_filters_and_pages() {
    let m = model();
    let mut s = Select::from(&m, 0);
    let named = Expr::Cmp(Term::of(1), CmpOp::Eq, Param::Text("Engineering".into()));
    let sub = SubQuery { table: 1, select: vec![0], filter: vec![named] };
    s.filter.push(Expr::InQuery(vec![3], Box::new(sub)));
    s.filter.push(Expr::Not(Box::new(Expr::IsNull(1))));
    s.order.push((Term { column: 2, through: Some(Temporal::Date) }, false));
    let (text, params) = s.rows(&m, Some((10, 5)));
    assert_eq!(
        text,
        "SELECT \"employee\".\"id\", \"employee\".\"name\", \"employee\".\"hired on\", \
         \"employee\".\"department_id\" FROM \"employee\" \
         WHERE \"employee\".\"department_id\" IN (SELECT s1.\"id\" FROM \"department\" AS s1 \
         WHERE s1.\"name\" = ?) AND NOT (\"employee\".\"name\" IS NULL) \
         ORDER BY relaylite_date(\"employee\".\"hired on\") ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(params, [Param::Text("Engineering".into()), Param::Int(10), Param::Int(5)]);
}

#[test]
fn nested_subqueries_get_their_own_aliases_and_row_values() {
    let m = model();
    let inner = SubQuery { table: 0, select: vec![3], filter: vec![] };
    let outer = SubQuery {
        table: 1,
        select: vec![0, 1],
        filter: vec![Expr::InQuery(vec![0], Box::new(inner))],
    };
    let mut s = Select::from(&m, 1);
    s.filter.push(Expr::InQuery(vec![0, 1], Box::new(outer)));
    let (text, _) = s.count(&m);
    assert_eq!(
        text,
        "SELECT count(*) FROM \"department\" WHERE (\"department\".\"id\", \"department\".\"name\") \
         IN (SELECT s1.\"id\", s1.\"name\" FROM \"department\" AS s1 WHERE s1.\"id\" IN \
         (SELECT s2.\"department_id\" FROM \"employee\" AS s2))"
    );
}

#[test]
fn postgresql_pages_per_parent_by_limit_where_an_index_orders_them() {
    let mut m = model();
    m.dialect = Dialect::Postgres;
    m.tables[0].columns.iter_mut().for_each(|c| c.declared = "text".into());
    // (department_id, name): pages of a department's employees by name are its ranges.
    m.tables[0].indexes = vec![vec![0], vec![3, 1]];
    let rel = relaylite_model::Relationship {
        target: 0,
        shape: relaylite_model::Shape::List,
        hops: vec![relaylite_model::Hop { table: 0, on: vec![(0, 3)] }],
    };
    let mut columns = Columns::default();
    columns.extend([0, 1]);
    let text = |m: &Model, order: &[(Term, bool)]| {
        let query = RelatedText { rel: &rel, columns: &columns, order, per_parent: Some(3) };
        let filter = [Expr::Not(Box::new(Expr::IsNull(1)))];
        let mut params = Vec::new();
        let text = query.text(
            m,
            (Reached { target: &filter, junction: &[] }, &Param::Text("[1]".into())),
            &mut params,
        );
        (text, params.len())
    };
    let by_name = [(Term::of(1), true), (Term::of(0), false)];
    assert_eq!(
        text(&m, &by_name),
        (
            "SELECT relaylite_page.* FROM json_array_elements(CAST($1 AS json)) \
             AS relaylite_parent(v) CROSS JOIN LATERAL (SELECT \"employee\".\"id\", \
             \"employee\".\"name\", NULL, NULL, \"employee\".\"department_id\" \
             FROM \"employee\" WHERE \"employee\".\"department_id\" = \
             CAST(relaylite_parent.v #>> '{}' AS text) AND NOT (\"employee\".\"name\" IS NULL) \
             ORDER BY \"employee\".\"name\" DESC, \"employee\".\"id\" ASC LIMIT 3) \
             AS relaylite_page"
                .to_string(),
            1
        )
    );
    // The link column first in the order is one value per parent: the index still fits.
    let by_link_then_name = [(Term::of(3), false), (Term::of(1), false)];
    assert!(text(&m, &by_link_then_name).0.contains("LATERAL"));
    // By "hired on", no index gives a parent's rows in order: the window numbers them.
    let (by_date, _) = text(&m, &[(Term::of(2), false)]);
    assert!(by_date.contains("ROW_NUMBER() OVER") && !by_date.contains("LATERAL"));
    // The window's parents are searched for in the index that begins with the link...
    let searched = "WHERE \"employee\".\"department_id\" = ANY(ARRAY(SELECT \
         CAST(v #>> '{}' AS text) FROM json_array_elements(CAST($1 AS json)) AS j(v))) AND";
    assert!(by_date.contains(searched), "{by_date}");
    // ...and joined to the table's rows where none does.
    m.tables[0].indexes = vec![vec![0], vec![1, 3]];
    let (by_date, _) = text(&m, &[(Term::of(2), false)]);
    let joined = "WHERE \"employee\".\"department_id\" IN (SELECT \
         CAST(v #>> '{}' AS text) FROM json_array_elements(CAST($1 AS json)) AS j(v)) AND";
    assert!(by_date.contains(joined), "{by_date}");
}

#[test]
fn identifiers_are_quoted_whatever_they_hold() {
    assert_eq!(ident("name"), "\"name\"");
    assert_eq!(ident("we\"ird name"), "\"we\"\"ird name\"");
}

#[test]
fn column_sets_hold_any_number_of_columns() {
    let mut c = Columns::default();
    c.insert(3);
    c.insert(130);
    assert!(c.contains(3) && c.contains(130));
    assert!(!c.contains(4) && !c.contains(64) && !c.contains(1000));
}

#[test]
fn statement_texts_kept_are_bounded_whatever_shapes_clients_send() {
    let texts = Texts::default();
    for table in 0..MAX_TEXTS + 10 {
        let text = texts.get(Shape::ByKey(table, Columns::default()), || table.to_string());
        assert_eq!(*text, table.to_string());
    }
    assert_eq!(texts.0.read().map(|m| m.len()).ok(), Some(MAX_TEXTS));
    assert_eq!(&*texts.get(Shape::ByKey(0, Columns::default()), || "new".into()), "0", "kept");
}

#[test]
fn rows_in_parts_merge_index_ranges_unless_their_values_would_be_too_many() {
    let m = model();
    let mut s = Select::from(&m, 0);
    s.order.push((Term::of(1), true));
    let parts = [Expr::IsNull(1), Expr::Cmp(Term::of(1), CmpOp::Lt, Param::Text("m".into()))];
    let (text, params) = s.rows_in_parts(&m, &parts, (5, 3));
    assert_eq!(text.matches("UNION ALL").count(), 1, "{text}");
    // Each part reads as far as the page's end (offset and limit), the merge skips the offset.
    let m5 = Param::Text("m".into());
    assert_eq!(params, [Param::Int(8), m5, Param::Int(8), Param::Int(5), Param::Int(3)]);
    // Merged by the order's own values, which each part selects beside the columns read.
    assert!(text.contains("\"employee\".\"name\" AS relaylite_o0 FROM"), "{text}");
    let end = ") AS relaylite_page ORDER BY relaylite_o0 DESC LIMIT ? OFFSET ?";
    assert!(text.ends_with(end), "{text}");
    // On PostgreSQL a value equal to the cursor's is sought by `=`, which an index serves
    // (`IS NOT DISTINCT FROM` it does not).
    let mut pg = model();
    pg.dialect = Dialect::Postgres;
    let mut s = Select::from(&pg, 0);
    s.order.push((Term::of(1), true));
    let tie = Expr::And(vec![
        Expr::Is(Term::of(1), Param::Text("m".into())),
        Expr::Is(Term::of(2), Param::Null),
    ]);
    let (text, _) = s.rows_in_parts(&pg, &[tie, Expr::IsNull(1)], (5, 0));
    let sought = "WHERE (\"employee\".\"name\" = $1 AND \"employee\".\"hired on\" IS NULL)";
    assert!(text.contains(sought), "{text}");
    let mut s = Select::from(&m, 0);
    s.order.push((Term::of(1), true));
    // An `in` list bound once per part would pass the bound: one condition instead.
    let many: Vec<Param> = (0..60_000).map(Param::Int).collect();
    s.filter.push(Expr::In(Term::of(0), many));
    let (text, params) = s.rows_in_parts(&m, &parts, (5, 0));
    assert!(!text.contains("UNION ALL") && text.contains(" OR "));
    assert_eq!(params.len(), 60_000 + 1 + 2);
}
