//! Access control on Chinook (`tests/access/chinook.toml`), checked the same on SQLite
//! (`tests/access.rs`) and PostgreSQL (`tests/postgres.rs`): tokens signed with the test key,
//! and what each customer reads compared with SQL on the SQLite file (the same rows).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

pub const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/access/chinook.toml");
pub const PRIVATE_KEY: &[u8] = include_bytes!("../access/test_rsa_private.pem");
pub const PUBLIC_KEY: &[u8] = include_bytes!("../access/test_rsa_public.pem");

pub fn chinook() -> PathBuf {
    super::sqlite_once("chinook", "tests/realdb/chinook.sql", "")
}

/// The model file, as `App::open` takes it.
pub fn model_file() -> Option<(String, String)> {
    Some((MODEL.into(), std::fs::read_to_string(MODEL).expect("model file")))
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A token signed with the test key, with the audience and issuer the model file asks for.
pub fn token(claims: Value) -> String {
    let mut all =
        json!({"aud": "relaylite-tests", "iss": "https://issuer.example", "exp": now() + 600});
    for (k, v) in claims.as_object().expect("claims") {
        all[k] = v.clone();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-1".into());
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY).expect("test key");
    encode(&header, &all, &key).expect("token")
}

pub fn customer(id: i64) -> String {
    token(json!({"app": {"role": "customer"}, "customer_id": id}))
}

/// The response to `query` sent with `token` (none: anonymous).
pub fn ask(addr: SocketAddr, token: Option<&str>, query: &str) -> super::HttpResponse {
    let body = serde_json::to_vec(&json!({ "query": query })).expect("body");
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    super::request(addr, "POST", "/graphql", &headers, &body)
}

/// `data` of an answer that must have no errors.
pub fn data(addr: SocketAddr, token: Option<&str>, query: &str) -> Value {
    let r = ask(addr, token, query);
    let body = r.json();
    assert_eq!(r.status, 200, "{query}: {body}");
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

pub fn sql_ids(query: &str, param: i64) -> BTreeSet<i64> {
    let conn = rusqlite::Connection::open(chinook()).expect("open");
    let mut stmt = conn.prepare(query).expect("prepare");
    stmt.query_map([param], |r| r.get::<_, i64>(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// The integer values at `field` of every object in `nodes`.
pub fn ids(nodes: &Value, field: &str) -> BTreeSet<i64> {
    nodes
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| match &n[field] {
            Value::String(s) => s.parse().expect("an integer ID"),
            v => v.as_i64().expect("an integer"),
        })
        .collect()
}

pub fn global_id(type_name: &str, key: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{type_name}:{key}"))
}

const INVOICES: &str = "SELECT InvoiceId FROM Invoice WHERE CustomerId = ?";
const LINES: &str =
    "SELECT InvoiceLineId FROM InvoiceLine JOIN Invoice USING (InvoiceId) WHERE CustomerId = ?";
const TRACKS: &str =
    "SELECT DISTINCT TrackId FROM InvoiceLine JOIN Invoice USING (InvoiceId) WHERE CustomerId = ?";
const ALBUMS: &str = "SELECT DISTINCT AlbumId FROM Track JOIN InvoiceLine USING (TrackId) JOIN Invoice USING (InvoiceId) WHERE CustomerId = ?";

/// Ten customers, each reading exactly its own rows on every path to them.
pub fn rows_on_every_path(addr: SocketAddr) {
    for c in 1..=10 {
        let t = customer(c);
        let t = Some(t.as_str());
        // Root connections, with their counts.
        let d = data(
            addr,
            t,
            "{ allCustomers { totalCount nodes { customerId invoices { totalCount } } } }",
        );
        assert_eq!(d["allCustomers"]["totalCount"], 1);
        assert_eq!(ids(&d["allCustomers"]["nodes"], "customerId"), BTreeSet::from([c]));
        let invoices = sql_ids(INVOICES, c);
        assert_eq!(d["allCustomers"]["nodes"][0]["invoices"]["totalCount"], invoices.len());
        // One-to-many and many-to-one.
        let d = data(
            addr,
            t,
            "{ allInvoices { totalCount nodes { invoiceId customer { customerId } invoiceLines { nodes { invoiceLineId invoice { customerId } } } } } }",
        );
        let nodes = &d["allInvoices"]["nodes"];
        assert_eq!(d["allInvoices"]["totalCount"], invoices.len(), "customer {c}");
        assert_eq!(ids(nodes, "invoiceId"), invoices);
        let lines: BTreeSet<i64> = nodes
            .as_array()
            .expect("invoices")
            .iter()
            .inspect(|n| assert_eq!(n["customer"]["customerId"], c.to_string()))
            .flat_map(|n| ids(&n["invoiceLines"]["nodes"], "invoiceLineId"))
            .collect();
        assert_eq!(lines, sql_ids(LINES, c), "customer {c}");
        let d = data(
            addr,
            t,
            "{ allInvoiceLines { totalCount nodes { invoiceLineId invoice { customerId } } } }",
        );
        assert_eq!(d["allInvoiceLines"]["totalCount"], lines.len());
        assert_eq!(ids(&d["allInvoiceLines"]["nodes"], "invoiceLineId"), lines);
        // From a type everybody sees to rows only the customer's: a relationship filter,
        // the lines under each track (a page per parent: on PostgreSQL, with an index on
        // the link and the order, a `LIMIT` per parent), and two levels of `contains`.
        let bought = "{ invoiceLines: { contains: [{ quantity: { gte: 1 } }] } }";
        let d = data(
            addr,
            t,
            &format!(
                "{{ allTracks(filter: {bought}) {{ totalCount nodes {{ trackId invoiceLines(first: 100) {{ totalCount nodes {{ invoiceLineId }} }} }} }} }}"
            ),
        );
        let tracks = &d["allTracks"]["nodes"];
        assert_eq!(ids(tracks, "trackId"), sql_ids(TRACKS, c), "customer {c}");
        let under: BTreeSet<i64> = tracks
            .as_array()
            .expect("tracks")
            .iter()
            .flat_map(|n| ids(&n["invoiceLines"]["nodes"], "invoiceLineId"))
            .collect();
        assert_eq!(under, lines, "customer {c}: the lines under the tracks");
        let d = data(
            addr,
            t,
            &format!(
                "{{ allAlbums(filter: {{ tracks: {{ contains: [{bought}] }} }}) {{ totalCount }} }}"
            ),
        );
        assert_eq!(d["allAlbums"]["totalCount"], sql_ids(ALBUMS, c).len(), "customer {c}");
        // Nested sort and filter, and keyset cursors.
        let d = data(
            addr,
            t,
            "{ allCustomers { nodes { invoices(sort: [TOTAL_DESC], filter: { total: { gt: 5 } }) { totalCount nodes { invoiceId } } } } }",
        );
        let big = sql_ids("SELECT InvoiceId FROM Invoice WHERE CustomerId = ? AND Total > 5", c);
        let nested = &d["allCustomers"]["nodes"][0]["invoices"];
        assert_eq!(nested["totalCount"], big.len());
        assert_eq!(ids(&nested["nodes"], "invoiceId"), big);
        assert_eq!(paged(addr, t), invoices, "customer {c}: pages");
    }
}

/// Every invoice, two a page by keyset cursors.
fn paged(addr: SocketAddr, t: Option<&str>) -> BTreeSet<i64> {
    let (mut seen, mut after) = (BTreeSet::new(), String::new());
    loop {
        let args = match after.is_empty() {
            true => "first: 2".to_string(),
            false => format!("first: 2, after: \"{after}\""),
        };
        let d = data(
            addr,
            t,
            &format!(
                "{{ allInvoices({args}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ invoiceId }} }} }}"
            ),
        );
        seen.extend(ids(&d["allInvoices"]["nodes"], "invoiceId"));
        let info = &d["allInvoices"]["pageInfo"];
        if info["hasNextPage"] != true {
            return seen;
        }
        after = info["endCursor"].as_str().expect("cursor").to_string();
    }
}

/// `node(id:)` finds a customer's own rows and no one else's.
pub fn nodes(addr: SocketAddr) {
    let t = customer(3);
    let ask_all: String = (1..=412)
        .map(|i| format!("i{i}: node(id: \"{}\") {{ id }} ", global_id("Invoice", i)))
        .collect();
    let d = data(addr, Some(&t), &format!("{{ {ask_all} }}"));
    let found: BTreeSet<i64> = (1..=412).filter(|i| !d[format!("i{i}")].is_null()).collect();
    assert_eq!(found, sql_ids(INVOICES, 3));
    let d = data(
        addr,
        Some(&t),
        &format!(
            "{{ a: node(id: \"{}\") {{ id }} b: node(id: \"{}\") {{ id }} }}",
            global_id("Customer", 3),
            global_id("Customer", 4)
        ),
    );
    assert!(!d["a"].is_null() && d["b"].is_null(), "{d}");
}

/// The model file with two more roles: `links`, which sees playlists, tracks and the
/// junction between them with a rule on the junction, and `ends`, which does not see the
/// junction.
pub fn model_with_link_roles() -> (String, String) {
    let text = std::fs::read_to_string(MODEL).expect("model")
        + r#"
[[roles]]
name = "links"
types = ["Playlist", "Track", "PlaylistTrack"]
rows.PlaylistTrack = "{ trackId: { in: [1, 2, 3, 4] } }"

[[roles]]
name = "ends"
types = ["Playlist", "Track"]
"#;
    (MODEL.into(), text)
}

/// What the `links` and `ends` roles read through the many-to-many, against SQL.
pub fn junction_links(addr: SocketAddr) {
    let links = token(json!({"app": {"role": "links"}}));
    let d = data(
        addr,
        Some(&links),
        "{ allPlaylists { nodes { playlistId tracks { totalCount nodes { trackId } } playlistTracks { totalCount } } } }",
    );
    let conn = rusqlite::Connection::open(chinook()).expect("open");
    for p in d["allPlaylists"]["nodes"].as_array().expect("playlists") {
        let id: i64 = p["playlistId"].as_str().expect("id").parse().expect("int");
        let sql: i64 = conn
            .query_row(
                "SELECT count(*) FROM PlaylistTrack WHERE PlaylistId = ? AND TrackId IN (1, 2, 3, 4)",
                [id],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(p["tracks"]["totalCount"], sql, "playlist {id}");
        assert_eq!(p["playlistTracks"]["totalCount"], sql, "playlist {id}");
        let tracks = ids(&p["tracks"]["nodes"], "trackId");
        assert!(tracks.iter().all(|t| (1..=4).contains(t)), "playlist {id}: {tracks:?}");
    }
    let d = data(
        addr,
        Some(&links),
        r#"{ allTracks(filter: { trackId: { eq: "10" } }) { nodes { playlists { totalCount } } }
             allPlaylists(filter: { tracks: { contains: [{ trackId: { eq: "10" } }] } }) { totalCount }
             two: allPlaylists(filter: { tracks: { contains: [{ trackId: { eq: "2" } }] } }) { totalCount } }"#,
    );
    assert_eq!(d["allTracks"]["nodes"][0]["playlists"]["totalCount"], 0);
    assert_eq!(d["allPlaylists"]["totalCount"], 0, "a link the role may not read relates nothing");
    let on_two = conn
        .query_row("SELECT count(*) FROM PlaylistTrack WHERE TrackId = 2", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("count");
    assert_eq!(d["two"]["totalCount"], on_two);
    let ends = token(json!({"app": {"role": "ends"}}));
    let r = ask(addr, Some(&ends), "{ allPlaylists { nodes { tracks { totalCount } } } }");
    assert_eq!(super::message(&r.json()), "Cannot query field 'tracks' on type 'Playlist'.");
}
