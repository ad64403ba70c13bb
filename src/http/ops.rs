//! What operators and load balancers ask: `/health` (the database's answer to a trivial
//! read, and the query pool's load) and `/metrics`, neither queued behind queries.

use super::*;

/// How long `/health` waits for the database's answer. A database that cannot answer a
/// trivial read within a second cannot serve queries either; and Kubernetes' probes give
/// up after one second unless told otherwise.
pub(super) const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// `GET /health` (or `HEAD`): 200 with `{"status": "ok", …}` and the query pool's load when
/// the database answers a trivial read, 503 with the reason when it does not.
pub(super) async fn health(server: &Server, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return get_or_head_only();
    }
    let load = &server.app.load;
    let answered = check_database(server).await.and_then(|checks| {
        match checks.iter().any(|c| c.error.is_none()) {
            true => Ok(()),
            false => Err(checks
                .iter()
                .filter_map(|c| c.error.as_ref())
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")),
        }
    });
    let (status, body) = match answered {
        Ok(()) => (
            StatusCode::OK,
            serde_json::json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "workers": server.threads,
                "running": load.running(),
                "waiting": load.waiting(),
            }),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unavailable", "error": e}),
        ),
    };
    let mut r = bytes_response(status, "application/json", body.to_string().as_bytes());
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /metrics` (or `HEAD`): the metrics in Prometheus' text format, with whether the
/// database answers now.
pub(super) async fn metrics(server: &Server, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return get_or_head_only();
    }
    if let Ok(checks) = check_database(server).await {
        for c in checks {
            server.metrics.database_up(c.role, &c.url, c.error.is_none());
            if let Some(pool) = c.connections {
                server.metrics.database_connections(c.role, &c.url, pool);
            }
        }
    }
    let text = server.metrics.render(server.threads, &server.app.load);
    let mut r = bytes_response(StatusCode::OK, crate::metrics::CONTENT_TYPE, text.as_bytes());
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(super) fn get_or_head_only() -> Resp {
    let mut r = error_response(StatusCode::METHOD_NOT_ALLOWED, "Only GET and HEAD here.");
    r.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

/// Whether the database answers, asked on one of tokio's blocking threads: not on the
/// query pool, whose threads and queue slow queries may all hold while the database is
/// fine, and not on an async worker, which never waits on SQLite. One check runs at a
/// time (its permit is released when it ends, not when its caller stops waiting), so
/// probes sent to a database that hangs hold one thread, not one each. Bounded by
/// `CHECK_TIMEOUT`; a check that overruns it still ends within SQLite's busy timeout.
pub(super) async fn check_database(
    server: &Server,
) -> Result<Vec<crate::app::ServerCheck>, String> {
    let app = server.app.clone();
    let checking = server.checking.clone();
    let check = async move {
        let permit = checking.acquire_owned().await.map_err(|e| e.to_string())?;
        let blocking = tokio::task::spawn_blocking(move || {
            let _one = permit;
            app.check_database()
        });
        blocking.await.map_err(|_| "the database check failed".to_string())
    };
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from the database within {CHECK_TIMEOUT:?}")))
}
