//! GraphiQL and its static files, embedded in the binary: the page (carrying the schema's
//! example query) and the vendored release files, gzipped once each when a client takes it.

use super::*;

/// Embedded static files: path under `/static/`, content type, bytes.
pub(super) static ASSETS: [(&str, &str, &[u8]); 6] = [
    ("graphiql.js", "text/javascript; charset=utf-8", include_bytes!("../../static/graphiql.js")),
    (
        "vendor/graphiql.umd.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/graphiql.umd.js"),
    ),
    (
        "vendor/graphiql.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/vendor/graphiql.css"),
    ),
    (
        "vendor/react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/react.production.min.js"),
    ),
    (
        "vendor/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/react-dom.production.min.js"),
    ),
    (
        "vendor/LICENSE.graphiql",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/LICENSE.graphiql"),
    ),
];

pub(super) static GRAPHIQL_HTML: &str = include_str!("../../static/graphiql.html");

/// GraphiQL's page, opening with the example query of the schema served now (JSON in a
/// script element, with `<` escaped so no text can end the element). The page is sent to
/// anyone: where the model names roles, the example is the anonymous role's (none without
/// one), so the page shows nothing a request without a token could not read.
pub(super) fn graphiql_page(app: &App) -> Vec<u8> {
    let schema = app.schema();
    let query = match &schema.model.access {
        None => crate::schema::example::example_query(&schema.model),
        Some(access) => {
            let anonymous = access.anonymous.as_ref();
            let role = schema.roles.iter().find(|r| Some(&r.name) == anonymous);
            role.map_or_else(
                || "{ __typename }".to_string(),
                |r| crate::schema::example::example_query(&r.schema.model),
            )
        }
    };
    let json = serde_json::to_string(&query).unwrap_or_default().replace('<', "\\u003c");
    let placeholder = r#">"{ __typename }"</script>"#;
    GRAPHIQL_HTML.replacen(placeholder, &format!(">{json}</script>"), 1).into_bytes()
}

/// Each asset of `ASSETS` gzipped, made on first request: GraphiQL's script is 1 MB, too
/// much to compress per request and too much to send uncompressed over a slow link.
pub(super) static GZIPPED_ASSETS: [OnceLock<Option<Bytes>>; 6] = [const { OnceLock::new() }; 6];

/// An embedded file, gzipped when the client takes gzip. The first such request compresses
/// the file on a pool thread (a megabyte takes tens of milliseconds, too long for the async
/// side); when the pool is full it goes out uncompressed rather than waiting.
pub(super) async fn static_file(server: &Server, i: usize, headers: &HeaderMap) -> Resp {
    let (_, ty, bytes) = ASSETS[i];
    let mut r = Response::new(RespBody::from(Full::new(Bytes::from_static(bytes))));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ty));
    if bytes.len() <= GZIP_MIN {
        return r;
    }
    add_vary(r.headers_mut(), "Accept-Encoding");
    if !accepts_gzip(headers) {
        return r;
    }
    let gzipped = match GZIPPED_ASSETS[i].get() {
        Some(done) => done.clone(),
        None => {
            let job =
                move || GZIPPED_ASSETS[i].get_or_init(|| gzip(bytes, 9).map(Bytes::from)).clone();
            match server.pool.submit(job) {
                Ok(answer) => answer.await.ok().flatten(),
                Err(_) => None,
            }
        }
    };
    if let Some(gz) = gzipped {
        *r.body_mut() = Full::new(gz).into();
        r.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}
