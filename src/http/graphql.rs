//! `/graphql` as graphql-server 3 serves it: a request read from GET parameters or a body,
//! run on the query pool, its `Outcome` mapped to a status and written — streamed when large.

use super::*;
use crate::auth::Denied;

/// What the async side reads of a request before its body; the rest of graphql-server's
/// reading (JSON, parameters) happens with the GraphQL work, on a pool thread.
pub(super) struct Head {
    pub(super) content_type: String,
    pub(super) query_string: String,
    /// The client takes `application/graphql-response+json`: errors are 400s.
    pub(super) strict: bool,
    pub(super) via_get: bool,
    pub(super) gzip_ok: bool,
    /// The `Authorization` header, read for a token when the model says who may read what.
    pub(super) authorization: Option<String>,
}

impl Head {
    fn of(req: &Request<Incoming>) -> Head {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        Head {
            content_type: header(CONTENT_TYPE).to_ascii_lowercase(),
            query_string: req.uri().query().unwrap_or("").to_string(),
            strict: header(ACCEPT).contains("application/graphql-response+json"),
            via_get: req.method() == Method::GET,
            gzip_ok: accepts_gzip(req.headers()),
            authorization: req
                .headers()
                .get(AUTHORIZATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        }
    }
}

/// The request's `operationName`, kept on its response for the access log.
#[derive(Clone)]
pub(super) struct OperationName(pub(super) String);

/// The role a request ran as, kept on its response for the access log.
#[derive(Clone)]
pub(super) struct RoleName(pub(super) String);

pub(super) async fn graphql(server: &Server, req: Request<Incoming>) -> Resp {
    let head = Head::of(&req);
    let wants_html = req
        .headers()
        .get(ACCEPT)
        .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("text/html")));
    if head.via_get && wants_html {
        let page = graphiql_page(&server.app);
        let mut r = bytes_response(StatusCode::OK, "text/html; charset=utf-8", &page);
        r.extensions_mut().insert(Observed { kind: Kind::Graphiql, ..Observed::default() });
        return r;
    }
    let body = match head.via_get {
        true => ReadBody::default(),
        false => match read_body(req, &server.app.limits, &server.large_bodies).await {
            Ok(body) => body,
            Err(resp) => return resp,
        },
    };
    let app = server.app.clone();
    let (reply, answered) = tokio::sync::oneshot::channel();
    // The body's memory (and its permit, for a large one) lives until the job is done.
    let job = move || answer(&app, &head, &body.bytes, reply);
    let (mut resp, operation) = run_on_pool(server, job, answered).await;
    if let Some(name) = operation.filter(|_| server.options.log_requests) {
        resp.extensions_mut().insert(OperationName(name));
    }
    resp
}

/// Runs `job` on a pool thread, where the request is read, run, written and compressed:
/// SQL blocks, and so do parsing a large body and compressing a large answer. The job
/// sends its answer on `answered` (a large one while it still writes the body).
pub(super) async fn run_on_pool(
    server: &Server,
    job: impl FnOnce() + Send + 'static,
    answered: tokio::sync::oneshot::Receiver<Answer>,
) -> (Resp, Option<String>) {
    match server.pool.submit(job) {
        Ok(_done) => match answered.await {
            Ok(answer) => {
                let operation = answer.operation.clone();
                (answer.into_response(), operation)
            }
            Err(_) => {
                (error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"), None)
            }
        },
        Err(_) => {
            let limit = server.app.limits.max_queue;
            let e = crate::limits::exceeded("The requests waiting to run", Limit::Queue, limit);
            let mut r = error_response(StatusCode::SERVICE_UNAVAILABLE, &e.message);
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            (r, None)
        }
    }
}

/// Reads the request as graphql-server does, runs it and writes the answer on `reply`, with
/// what the metrics count of it: the statements it ran are this thread's count, before and
/// after.
pub(super) fn answer(app: &App, head: &Head, body: &[u8], reply: Reply) {
    let mut request = match request_data(head, body)
        .and_then(|mut data| to_graphql_request(&mut data, head.via_get))
    {
        Ok(r) => r,
        Err(msg) => return drop(reply.send(Answer::error(StatusCode::BAD_REQUEST, &msg))),
    };
    let before = crate::db::statements_run();
    let deadline = crate::deadline(&app.limits);
    let outcome = match app.session(head.authorization.as_deref()) {
        Ok(session) => {
            request.session = session;
            crate::run(app, &request)
        }
        Err(denied) => Outcome::Denied(denied),
    };
    let statements = crate::db::statements_run().saturating_sub(before);
    let seen = Observed::of(&request, &outcome, app.limits.max_tokens, statements);
    let operation = request.operation_name;
    let role = request.session.map(|s| s.role);
    let finish = move |mut answer: Answer| {
        answer.operation = operation;
        answer.role = role;
        answer.seen = seen;
        answer
    };
    match graphql_response(outcome, head.strict) {
        Err((status, message)) => drop(reply.send(finish(Answer::error(status, &message)))),
        Ok(parts) => write_answer(parts, head.gzip_ok, deadline, &app.limits, (reply, finish)),
    }
}

/// Where a pool thread sends its answer.
pub(super) type Reply = tokio::sync::oneshot::Sender<Answer>;

/// Writes a GraphQL answer by `deadline`. A small one goes whole (gzipped when over
/// `GZIP_MIN` and the client takes gzip); one that grows past `json::CHUNK` is streamed: its
/// head leaves with the first chunk and the rest follows as it is written, so neither its
/// text nor its gzipped copy is ever held whole. The writer waits for a slow client until
/// the deadline, which the wait moves (the writing's own time is bounded, not the
/// reader's), and queues the rest past it. Past the (moved) deadline, an answer not yet
/// begun is the timeout error; one begun is cut short.
pub(super) fn write_answer(
    parts: Parts,
    gzip_ok: bool,
    deadline: std::time::Instant,
    limits: &crate::limits::Limits,
    (reply, finish): (Reply, impl FnOnce(Answer) -> Answer),
) {
    let (status, content_type) = (parts.status, parts.content_type);
    let mut head = Some((reply, finish));
    let mut stream: Option<Chunks> = None;
    let mut out = String::with_capacity(4096);
    let written = {
        let mut flush = |text: &mut String| {
            let chunks = stream.get_or_insert_with(|| {
                let (chunks, body) = Chunks::new(gzip_ok, GZIP_LEVEL, deadline);
                if let Some((reply, finish)) = head.take() {
                    let mut answer = Answer::new(status, content_type, Vec::new());
                    (answer.stream, answer.negotiated, answer.gzipped) =
                        (Some(body), true, gzip_ok);
                    let _ = reply.send(finish(answer));
                }
                chunks
            });
            let sent = chunks.send(text.as_bytes());
            text.clear();
            sent.map_err(|_| json::TimedOut)
        };
        let mut clock = json::Clock::until(deadline).flushing(&mut flush);
        crate::write_response(parts.data.as_ref(), &parts.errors, &mut out, &mut clock)
    };
    match (written, stream, head) {
        // Dropped unfinished, a stream ends in an error: the connection is cut.
        (Ok(()), Some(chunks), _) => drop(chunks.finish(out.as_bytes())),
        (Err(json::TimedOut), Some(_), _) | (_, None, None) => {}
        (Ok(()), None, Some((reply, finish))) => {
            let answer = Answer::new(status, content_type, out.into_bytes()).encoded(gzip_ok);
            let _ = reply.send(finish(answer));
        }
        (Err(json::TimedOut), None, Some((reply, finish))) => {
            let body = crate::timed_out_json(parts.data.is_some(), limits);
            let _ = reply.send(finish(Answer::new(status, content_type, body.into_bytes())));
        }
    }
}

/// The request's fields: GET parameters, a JSON body, or an `application/graphql` body.
pub(super) fn request_data(
    head: &Head,
    body: &[u8],
) -> Result<serde_json::Map<String, Json>, String> {
    let data = if head.via_get {
        query_params(&head.query_string)?
    } else if head.content_type.contains("application/json") {
        match serde_json::from_slice::<Json>(body) {
            Ok(Json::Object(map)) => map,
            Ok(_) => return Err("The request body must be a JSON object".into()),
            Err(_) => return Err("Unable to parse request body as JSON".into()),
        }
    } else if head.content_type.split(';').next().unwrap_or("").trim() == "application/graphql" {
        let mut map = query_params(&head.query_string)?;
        let text = std::str::from_utf8(body).map_err(|_| "Request body is not valid UTF-8")?;
        map.insert("query".into(), Json::String(text.to_string()));
        map
    } else {
        return Err("Unsupported content type".into());
    };
    for (key, name) in [("variables", "Variables"), ("extensions", "Extensions")] {
        if data.get(key).is_some_and(|v| !v.is_null() && !v.is_object()) {
            return Err(format!("{name} must be a JSON object"));
        }
    }
    Ok(data)
}

/// A response built on a pool thread: plain data, so it can cross to the async side.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) content_type: &'static str,
    pub(super) body: Vec<u8>,
    /// The body, streamed instead: `body` is then empty.
    pub(super) stream: Option<RespBody>,
    /// The body is gzipped.
    pub(super) gzipped: bool,
    /// The body is large enough that its encoding depends on `Accept-Encoding`.
    pub(super) negotiated: bool,
    /// The request's `operationName`, for the access log.
    pub(super) operation: Option<String>,
    /// What the metrics count of the request.
    pub(super) seen: Observed,
    /// The role the request ran as, for the access log.
    pub(super) role: Option<String>,
}

impl Answer {
    fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type,
            body,
            stream: None,
            gzipped: false,
            negotiated: false,
            operation: None,
            seen: Observed::default(),
            role: None,
        }
    }

    /// `{"errors": [{"message": …}]}` with `status`.
    fn error(status: StatusCode, message: &str) -> Answer {
        let body = crate::response_json(None, &[GraphQLError::bare(message)]);
        Answer::new(status, "application/json", body.into_bytes())
    }

    /// Gzips a body over `GZIP_MIN` when the client takes gzip. Should compression fail,
    /// the body goes out as it is.
    fn encoded(mut self, gzip_ok: bool) -> Answer {
        if self.body.len() <= GZIP_MIN {
            return self;
        }
        self.negotiated = true;
        if let Some(gz) = gzip_ok.then(|| gzip(&self.body, GZIP_LEVEL)).flatten() {
            self.body = gz;
            self.gzipped = true;
        }
        self
    }

    fn into_response(self) -> Resp {
        let body = match self.stream {
            Some(stream) => stream,
            None => RespBody::from(Full::new(Bytes::from(self.body))),
        };
        let mut r = Response::new(body);
        *r.status_mut() = self.status;
        let headers = r.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if self.negotiated {
            add_vary(headers, "Accept-Encoding");
        }
        if self.gzipped {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = HeaderValue::from_static("Bearer error=\"invalid_token\"");
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        r.extensions_mut().insert(self.seen);
        if let Some(role) = self.role {
            r.extensions_mut().insert(RoleName(role));
        }
        r
    }
}

/// GET parameters as graphql-server reads them: `variables` and `extensions` are JSON.
pub(super) fn query_params(qs: &str) -> Result<serde_json::Map<String, Json>, String> {
    let mut map = serde_json::Map::new();
    for pair in qs.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if map.contains_key(&k) {
            continue;
        }
        let value = if (k == "variables" || k == "extensions") && !v.is_empty() {
            serde_json::from_str(&v)
                .map_err(|_| "Unable to parse request body as JSON".to_string())?
        } else {
            Json::String(v)
        };
        map.insert(k, value);
    }
    Ok(map)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the request's fields as graphql-server does and moves them into the GraphQL
/// request.
pub(super) fn to_graphql_request(
    data: &mut serde_json::Map<String, Json>,
    via_get: bool,
) -> Result<crate::Request, String> {
    let query = match data.remove("query") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => {
            return Err(format!(
                "Provided GraphQL query must be a string or DocumentNode, got <class '{}'>",
                python_type(&other)
            ));
        }
    };
    let (operation_name, invalid_operation_name) = match data.remove("operationName") {
        None | Some(Json::Null) => (None, false),
        Some(Json::String(s)) => (Some(s), false),
        Some(_) => (None, true),
    };
    let variables = match data.remove("variables") {
        Some(Json::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Ok(crate::Request {
        query,
        variables,
        operation_name,
        invalid_operation_name,
        via_get,
        session: None,
    })
}

pub(super) fn python_type(v: &Json) -> &'static str {
    match v {
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
        Json::String(_) => "str",
        Json::Null => "NoneType",
    }
}

/// A GraphQL answer before it is written: its status, content type, `data` (left out for
/// strict clients when null or empty) and errors.
pub(super) struct Parts {
    pub(super) status: StatusCode,
    pub(super) content_type: &'static str,
    pub(super) data: Option<Value>,
    pub(super) errors: Vec<GraphQLError>,
}

/// What `outcome` answers: the parts of a GraphQL answer, or a request-level error's
/// status and message.
pub(super) fn graphql_response(
    outcome: Outcome,
    strict: bool,
) -> Result<Parts, (StatusCode, String)> {
    let (status, data, errors) = match outcome {
        Outcome::BadRequest(msg) => return Err((StatusCode::BAD_REQUEST, msg)),
        Outcome::Unavailable(msg) => return Err((StatusCode::SERVICE_UNAVAILABLE, msg)),
        Outcome::Denied(Denied::Unauthorized(msg)) => return Err((StatusCode::UNAUTHORIZED, msg)),
        Outcome::Denied(Denied::Forbidden(msg)) => return Err((StatusCode::FORBIDDEN, msg)),
        Outcome::Invalid(errors) if strict => (StatusCode::BAD_REQUEST, None, errors),
        Outcome::Invalid(errors) => (StatusCode::OK, Some(Value::Null), errors),
        Outcome::Executed { data, errors } => {
            // The original leaves `data` out for strict clients when it is null or empty.
            let empty =
                matches!(&data, Value::Null) || matches!(&data, Value::Object(f) if f.is_empty());
            (StatusCode::OK, if strict && empty { None } else { Some(data) }, errors)
        }
    };
    let content_type =
        if strict { "application/graphql-response+json" } else { "application/json" };
    Ok(Parts { status, content_type, data, errors })
}
