//! Response bodies: whole, or a large answer streamed from the pool thread that writes it.
//!
//! A streamed answer goes out in chunks through a channel of a few chunks, so the server
//! holds a few megabytes of it at a time, not the whole text (or its gzipped copy). The pool
//! thread waits for the client to take them: the wait is the client's time, not the
//! request's, but a client that takes nothing for a stall's length (`--read-timeout-ms`) is
//! given up. A stream that stops before its end (stalled, client gone, the request out of
//! time) errors, so hyper cuts the connection rather than ending the chunked body as if the
//! answer were whole.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::sync::mpsc::{self, error::TrySendError};

/// Chunks written but not yet taken by the connection: what a slow client costs.
const QUEUED: usize = 4;

/// How often a pool thread whose client is slow looks again for room.
const WAIT: Duration = Duration::from_millis(1);

pub enum RespBody {
    Full(Full<Bytes>),
    Stream { chunks: mpsc::Receiver<Bytes>, whole: Arc<AtomicBool> },
}

impl From<Full<Bytes>> for RespBody {
    fn from(full: Full<Bytes>) -> RespBody {
        RespBody::Full(full)
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            RespBody::Full(full) => Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            RespBody::Stream { chunks, whole } => match chunks.poll_recv(cx) {
                Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
                Poll::Ready(None) if whole.load(Ordering::Acquire) => Poll::Ready(None),
                Poll::Ready(None) => {
                    Poll::Ready(Some(Err(io::Error::other("the answer was cut short"))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RespBody::Full(full) => full.is_end_stream(),
            RespBody::Stream { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Full(full) => full.size_hint(),
            RespBody::Stream { .. } => SizeHint::default(),
        }
    }
}

/// The pool thread's end of a streamed answer: text in, chunks (gzipped when the client
/// takes gzip) out to the connection.
pub struct Chunks {
    tx: mpsc::Sender<Bytes>,
    whole: Arc<AtomicBool>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    stall: Duration,
}

/// The stream stopped: the client took nothing for a stall's length, or it left.
#[derive(Debug)]
pub struct Stopped;

impl Chunks {
    /// A stream and the body that carries it, gzipped at `level` when `gzip`, whose client
    /// may take no chunk for `stall` at most.
    pub fn new(gzip: bool, level: u32, stall: Duration) -> (Chunks, RespBody) {
        let (tx, rx) = mpsc::channel(QUEUED);
        let whole = Arc::new(AtomicBool::new(false));
        let gzip = gzip.then(|| GzEncoder::new(Vec::new(), Compression::new(level)));
        let body = RespBody::Stream { chunks: rx, whole: whole.clone() };
        (Chunks { tx, whole, gzip, stall }, body)
    }

    /// Sends `text` on (through the compressor, which keeps what it has not yet emitted);
    /// how long it waited for the client to make room.
    pub fn send(&mut self, text: &[u8]) -> Result<Duration, Stopped> {
        let chunk = match &mut self.gzip {
            None => Bytes::copy_from_slice(text),
            Some(gz) => {
                gz.write_all(text).map_err(|_| Stopped)?;
                Bytes::from(std::mem::take(gz.get_mut()))
            }
        };
        self.push(chunk)
    }

    /// Sends the last of the text and marks the answer whole.
    pub fn finish(mut self, text: &[u8]) -> Result<(), Stopped> {
        self.send(text)?;
        if let Some(gz) = self.gzip.take() {
            let rest = gz.finish().map_err(|_| Stopped)?;
            self.push(Bytes::from(rest))?;
        }
        self.whole.store(true, Ordering::Release);
        Ok(())
    }

    /// Waits for room, a stall's length at most: a client that does not read holds this
    /// thread no longer. How long it waited.
    fn push(&self, mut chunk: Bytes) -> Result<Duration, Stopped> {
        let start = Instant::now();
        if chunk.is_empty() {
            return Ok(Duration::ZERO);
        }
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(start.elapsed()),
                Err(TrySendError::Closed(_)) => return Err(Stopped),
                Err(TrySendError::Full(back)) if start.elapsed() < self.stall => {
                    chunk = back;
                    std::thread::sleep(WAIT);
                }
                Err(TrySendError::Full(_)) => return Err(Stopped),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().build().expect("runtime")
    }

    #[test]
    fn a_finished_stream_reads_whole_and_gunzips_to_the_text() {
        let (mut chunks, body) = Chunks::new(true, 1, Duration::from_secs(5));
        chunks.send(b"{\"data\":").expect("room");
        chunks.finish(b"null}").expect("room");
        let bytes = runtime().block_on(body.collect()).expect("whole").to_bytes();
        let mut text = String::new();
        io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .expect("gzip");
        assert_eq!(text, "{\"data\":null}");
    }

    #[test]
    fn a_stream_left_unfinished_ends_in_an_error_not_as_a_whole_answer() {
        let (mut chunks, body) = Chunks::new(false, 1, Duration::from_secs(5));
        chunks.send(b"{\"data\":").expect("room");
        drop(chunks);
        assert!(runtime().block_on(body.collect()).is_err());
    }

    #[test]
    fn a_client_that_does_not_read_holds_the_writer_a_stall_at_most() {
        let (mut chunks, _body) = Chunks::new(false, 1, Duration::from_millis(20));
        let sent: Vec<bool> = (0..QUEUED + 1).map(|_| chunks.send(b"x").is_ok()).collect();
        assert_eq!(sent, [vec![true; QUEUED], vec![false]].concat(), "the queue, then a give-up");
    }
}
