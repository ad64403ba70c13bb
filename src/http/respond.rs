//! How answers leave: gzip when the client takes it, CORS for listed origins, the access
//! log, and the small answers every route shares.

use super::*;

/// Bodies up to this size are never gzipped: the saving on a few hundred bytes does not
/// pay for the compressor's set-up, and gzip's framing alone is 18 bytes.
pub(super) const GZIP_MIN: usize = 1024;

/// The compression level for GraphQL answers, which are compressed per request. Measured
/// on the benchmark's Q3 answer (61 kB, 0.58 ms to run): level 1 makes 4.2 kB in 0.08 ms,
/// the default level 6 makes 3.6 kB in 0.28 ms, level 9 the same in 0.45 ms. Level 1 keeps
/// almost all of the saving for a seventh of the run's time instead of half of it.
pub(super) const GZIP_LEVEL: u32 = 1;

/// How long a browser may cache a preflight's answer: two hours, Chromium's ceiling.
pub(super) const CORS_MAX_AGE: &str = "7200";

/// Whether `Accept-Encoding` takes gzip: listed (or `x-gzip`, or `*` when gzip is not
/// listed) with a non-zero q-value. A q-value that does not parse counts as a refusal.
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
            let wanted = q.is_some_and(|q| q > 0.0);
            match coding.as_str() {
                "gzip" | "x-gzip" => return wanted,
                "*" => star = wanted,
                _ => {}
            }
        }
    }
    star
}

/// `bytes` gzipped at `level` (0-9), or `None` should the encoder fail.
pub(super) fn gzip(bytes: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::new(level));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Adds `name` to the response's `Vary` list.
pub(super) fn add_vary(headers: &mut HeaderMap, name: &'static str) {
    let value = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
        Some(old) => HeaderValue::from_str(&format!("{old}, {name}")),
        None => Ok(HeaderValue::from_static(name)),
    };
    if let Ok(v) = value {
        headers.insert(VARY, v);
    }
}

/// The `Access-Control-Allow-Origin` a `/graphql` response carries: `*` when `--cors *`,
/// the request's `Origin` when listed, else none.
pub(super) fn allowed_origin(cors: &[String], headers: &HeaderMap) -> Option<HeaderValue> {
    if cors.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    let origin = headers.get(ORIGIN)?;
    cors.iter().any(|o| o.as_bytes() == origin.as_bytes()).then(|| origin.clone())
}

/// Adds the allowed origin, if any. With a list of origins every answer varies by
/// `Origin`, even one without CORS headers, so that no cache hands it to a listed origin.
pub(super) fn add_cors(cors: &[String], origin: Option<HeaderValue>, headers: &mut HeaderMap) {
    if cors.is_empty() {
        return;
    }
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    if !cors.iter().any(|o| o == "*") {
        add_vary(headers, "Origin");
    }
}

/// The answer to a CORS preflight from an allowed origin: the methods `/graphql` takes,
/// and the request headers the browser asked for (or the two a GraphQL client sends).
pub(super) fn preflight_response(headers: &HeaderMap) -> Resp {
    let mut r = Response::new(RespBody::from(Full::new(Bytes::new())));
    *r.status_mut() = StatusCode::NO_CONTENT;
    let out = r.headers_mut();
    out.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    match headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        Some(asked) => {
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            add_vary(out, "Access-Control-Request-Headers");
        }
        None => {
            let usual = HeaderValue::from_static("content-type, accept");
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, usual);
        }
    }
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(CORS_MAX_AGE));
    r
}

/// One access-log line: method, path, status, body bytes, milliseconds to the response
/// (not to its last byte on the wire), operationName or `-`. Formatted first and written
/// with one call, so that lines from concurrent requests never interleave.
pub(super) fn log_request(method: &Method, path: &str, resp: &Resp, started: std::time::Instant) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    // A streamed answer's size is not known when its head is: `-`, as common log formats.
    let bytes = resp.body().size_hint().exact().map_or("-".into(), |n| n.to_string());
    let name = resp.extensions().get::<OperationName>().map(|n| loggable(&n.0));
    // The role a token named (never the token): only when the model names roles.
    let role = resp.extensions().get::<RoleName>().map(|r| format!(" role={}", loggable(&r.0)));
    let line = format!(
        "{method} {path} {} {bytes} {ms:.2}ms {}{}\n",
        resp.status().as_u16(),
        name.as_deref().unwrap_or("-"),
        role.unwrap_or_default()
    );
    // A closed or full stderr must not fail the request it logs.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// An operationName as the log shows it: a GraphQL name as it is; anything else (which
/// names no operation) quoted with escapes and cut short, so that a client cannot write
/// lines of its own into the log.
pub(super) fn loggable(name: &str) -> String {
    let mut chars = name.chars();
    let is_name = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    if is_name && name.len() <= 256 {
        return name.to_string();
    }
    format!("{:?}", name.chars().take(64).collect::<String>())
}

pub(super) fn error_response(status: StatusCode, message: &str) -> Resp {
    let body = crate::response_json(None, &[GraphQLError::bare(message)]);
    bytes_response(status, "application/json", body.as_bytes())
}

pub(super) fn not_found() -> Resp {
    error_response(StatusCode::NOT_FOUND, "Not Found")
}

pub(super) fn method_not_allowed(allow: &'static str) -> Resp {
    let mut r = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "GraphQL only supports GET and POST requests.",
    );
    r.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    r
}

pub(super) fn bytes_response(status: StatusCode, content_type: &str, body: &[u8]) -> Resp {
    let mut r = Response::new(RespBody::from(Full::new(Bytes::copy_from_slice(body))));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}
