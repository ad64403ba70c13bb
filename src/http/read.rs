//! Reading a request's body within its limits: `--max-body`, at most a few large bodies
//! held at once, `--read-timeout-ms` for a slow sender, and what is left drained (or the
//! connection closed) so the answer reaches the client.

use super::*;

/// Past `--max-body`, how many more bytes of a body the server reads and throws away before
/// it answers 413 (nginx's "lingering close"). Clients that write the whole body before they
/// read (Python's http.client and requests, among others) are reset if the server closes
/// while they write, and report a broken pipe instead of the 413. The bound keeps a client
/// from making the server read for ever: 64 MiB is well past any body sent by mistake, and
/// the read timeout bounds the time as well.
pub(super) const DRAIN_MAX: u64 = 64 << 20;

/// Bodies past this size are large: at most `LARGE_BODIES` of them are read and held at a
/// time (the others wait, within `--read-timeout-ms`). `--max-body` is high so that any
/// request the original answers is answered; this keeps 1,024 clients from each making
/// the server hold hundreds of megabytes.
pub(super) const LARGE_BODY: u64 = 1 << 20;

pub(super) const LARGE_BODIES: usize = 4;

/// Why a body was not read.
pub(super) enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

/// A request body, and for a large one the permit under which it is held.
#[derive(Default)]
pub(super) struct ReadBody {
    pub(super) bytes: Bytes,
    pub(super) _permit: Option<OwnedSemaphorePermit>,
}

/// The request body, or the 4xx that refuses it: 413 past `--max-body`, 408 past
/// `--read-timeout-ms`, 400 for a body hyper could not decode.
pub(super) async fn read_body(
    req: Request<Incoming>,
    limits: &crate::limits::Limits,
    large: &Arc<Semaphore>,
) -> Result<ReadBody, Resp> {
    let deadline = Instant::now() + Duration::from_millis(limits.read_timeout_ms);
    let expects_continue = req
        .headers()
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    // The Content-Length; zero for a chunked body, whose length shows only as it arrives.
    let announced = req.body().size_hint().lower();
    let body = req.into_body();
    let result = if announced > limits.max_body {
        // A client waiting for 100 Continue has sent no body yet and never will: answer now.
        if announced <= DRAIN_MAX && !expects_continue {
            drain(body, deadline).await;
        }
        Err(BodyError::TooLarge)
    } else {
        collect_body(body, limits.max_body, deadline, large).await
    };
    result.map_err(|e| match e {
        BodyError::TooLarge => {
            let e = crate::limits::exceeded("The request body", Limit::Body, limits.max_body);
            let mut r = error_response(StatusCode::PAYLOAD_TOO_LARGE, &e.message);
            // The body may not have been read to its end: the connection cannot carry on.
            r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            r
        }
        BodyError::TimedOut => {
            let e = crate::limits::exceeded(
                "The time to send the body",
                Limit::ReadTimeout,
                limits.read_timeout_ms,
            );
            error_response(StatusCode::REQUEST_TIMEOUT, &e.message)
        }
        BodyError::Broken => {
            error_response(StatusCode::BAD_REQUEST, "The request body could not be read")
        }
    })
}

/// Reads the body whole, up to `limit` bytes; past it, drains the rest and refuses. Past
/// `LARGE_BODY` bytes it waits for one of the few permits that large bodies share, so the
/// memory all bodies hold stays bounded however many clients send large ones at once.
pub(super) async fn collect_body(
    mut body: Incoming,
    limit: u64,
    deadline: Instant,
    large: &Arc<Semaphore>,
) -> Result<ReadBody, BodyError> {
    let mut buf = Vec::new();
    let mut permit = None;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => return Ok(ReadBody { bytes: Bytes::from(buf), _permit: permit }),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        let seen = (buf.len() + data.len()) as u64;
        if seen > limit {
            drain(body, deadline).await;
            return Err(BodyError::TooLarge);
        }
        if seen > LARGE_BODY && permit.is_none() {
            let wait = tokio::time::timeout_at(deadline, large.clone().acquire_owned()).await;
            permit = Some(wait.map_err(|_| BodyError::TimedOut)?.map_err(|_| BodyError::Broken)?);
        }
        buf.extend_from_slice(&data);
    }
}

/// Reads and throws away the rest of a refused body, so that a client still writing it
/// reads the 413 instead of a reset: until the body ends, `DRAIN_MAX` bytes have been
/// thrown away, the deadline passes or the client goes.
pub(super) async fn drain(mut body: Incoming, deadline: Instant) {
    let mut seen = 0;
    while seen <= DRAIN_MAX {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => return,
        }
    }
}
