//! The async-graphql version of the benchmark schema behind hyper, for the HTTP load script:
//! `agql_server DB ADDR`. Each worker thread has its own schema and SQLite connection.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use relaylite_compare::{Rows, agql};

thread_local! {
    static SCHEMA: std::cell::OnceCell<agql::AgSchema> = const { std::cell::OnceCell::new() };
}

async fn handle(
    db: std::path::PathBuf,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let query = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["query"].as_str().map(str::to_string))
        .unwrap_or_default();
    let schema = SCHEMA.with(|s| s.get_or_init(|| agql::schema(Rows::open(&db))).clone());
    let text = agql::run(&schema, &query).await;
    let mut resp = Response::new(Full::new(Bytes::from(text)));
    resp.headers_mut()
        .insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    Ok(resp)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let db: std::path::PathBuf =
        args.next().unwrap_or_else(|| "target/bench.sqlite3".into()).into();
    let addr: SocketAddr = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 5101)));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("async-graphql serving on http://{}/graphql", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let db = db.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(db.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
