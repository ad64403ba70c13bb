//! Response bodies: whole, or a large answer streamed from the pool thread that writes it.
//!
//! A streamed answer goes out in chunks, a few in flight, so the server holds a few
//! megabytes of it at a time, not the whole text (or its gzipped copy). The pool thread waits
//! for the client to take them until the request's deadline (the wait is not the writing's
//! time); past it, the rest is queued without waiting, so a slow reader never holds the
//! thread longer (its answer is then held as before streaming). A stream that stops before
//! its end (client gone, the writing out of time) errors, so hyper cuts the connection
//! rather than ending the chunked body as if the answer were whole.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::sync::mpsc;

/// Chunks written but not yet taken by the connection: what a slow client costs, until the
/// deadline.
const QUEUED: usize = 4;

/// How often a pool thread whose client is slow looks again for room.
const WAIT: Duration = Duration::from_millis(1);

pub enum RespBody {
    Full(Full<Bytes>),
    Stream {
        chunks: mpsc::UnboundedReceiver<Bytes>,
        whole: Arc<AtomicBool>,
        queued: Arc<AtomicUsize>,
    },
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
            RespBody::Stream { chunks, whole, queued } => match chunks.poll_recv(cx) {
                Poll::Ready(Some(chunk)) => {
                    queued.fetch_sub(1, Ordering::AcqRel);
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
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
    tx: mpsc::UnboundedSender<Bytes>,
    whole: Arc<AtomicBool>,
    queued: Arc<AtomicUsize>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    /// Until when the writer waits for room.
    deadline: Instant,
}

/// The stream stopped: the client left.
#[derive(Debug)]
pub struct Stopped;

impl Chunks {
    /// A stream and the body that carries it, gzipped at `level` when `gzip`, whose writer
    /// waits for a slow client until `deadline`.
    pub fn new(gzip: bool, level: u32, deadline: Instant) -> (Chunks, RespBody) {
        let (tx, rx) = mpsc::unbounded_channel();
        let whole = Arc::new(AtomicBool::new(false));
        let queued = Arc::new(AtomicUsize::new(0));
        let gzip = gzip.then(|| GzEncoder::new(Vec::new(), Compression::new(level)));
        let body = RespBody::Stream { chunks: rx, whole: whole.clone(), queued: queued.clone() };
        (Chunks { tx, whole, queued, gzip, deadline }, body)
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

    /// Waits for room until the deadline, then queues the chunk: a client that does not
    /// read holds this thread no longer. How long it waited.
    fn push(&self, chunk: Bytes) -> Result<Duration, Stopped> {
        let start = Instant::now();
        if chunk.is_empty() {
            return Ok(Duration::ZERO);
        }
        while self.queued.load(Ordering::Acquire) >= QUEUED
            && Instant::now() < self.deadline
            && !self.tx.is_closed()
        {
            std::thread::sleep(WAIT);
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        self.tx.send(chunk).map_err(|_| Stopped)?;
        Ok(start.elapsed())
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
        let (mut chunks, body) = Chunks::new(true, 1, Instant::now() + Duration::from_secs(5));
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
        let (mut chunks, body) = Chunks::new(false, 1, Instant::now() + Duration::from_secs(5));
        chunks.send(b"{\"data\":").expect("room");
        drop(chunks);
        assert!(runtime().block_on(body.collect()).is_err());
    }

    #[test]
    fn a_client_that_does_not_read_holds_the_writer_until_the_deadline_then_the_rest_queues() {
        let deadline = Instant::now() + Duration::from_millis(200);
        let (mut chunks, body) = Chunks::new(false, 1, deadline);
        let sent_at: Vec<Instant> = (0..QUEUED + 3)
            .map(|_| chunks.send(b"x").map(|_| Instant::now()).expect("sent"))
            .collect();
        assert!(sent_at[QUEUED - 1] < deadline, "room for {QUEUED} at once");
        assert!(sent_at[QUEUED] >= deadline, "then a wait until the deadline, and no more");
        chunks.finish(b"y").expect("finished");
        let bytes = runtime().block_on(body.collect()).expect("whole").to_bytes();
        assert_eq!(&bytes[..], b"xxxxxxxy", "every chunk, in order");
    }
}
