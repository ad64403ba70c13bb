//! A fixed pool of threads that run GraphQL requests, fed by a bounded queue.
//!
//! SQLite calls block, and a request near `--timeout-ms` blocks for seconds: run on the
//! async workers, two such requests stall every connection of a 2-core server. Here they
//! occupy a pool thread each (with its own read connection) while the async side keeps
//! accepting and answering; when every thread is busy and the queue is full, `submit`
//! refuses at once so the caller can answer 503 instead of piling up work.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// How busy the pool is right now, for operators and for tests that must know a request is
/// running before they go on.
#[derive(Debug, Default)]
pub struct Load {
    running: AtomicUsize,
    waiting: AtomicUsize,
}

impl Load {
    /// Requests on a thread now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Requests queued for a thread now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

/// Threads big enough for the deepest plan `--max-depth` lets through.
const STACK_BYTES: usize = 16 << 20;

pub struct Pool {
    queue: SyncSender<Job>,
    load: Arc<Load>,
}

/// Every thread is busy and `--max-queue` requests already wait.
#[derive(Debug)]
pub struct Busy;

impl Pool {
    /// Starts `threads` threads (at least one) sharing a queue of `queue` waiting jobs,
    /// counting what they do in `load`.
    pub fn new(threads: usize, queue: usize, load: Arc<Load>) -> std::io::Result<Pool> {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (rx, load) = (rx.clone(), load.clone());
            std::thread::Builder::new()
                .name(format!("relaylite-query-{i}"))
                .stack_size(STACK_BYTES)
                .spawn(move || work(&rx, &load))?;
        }
        Ok(Pool { queue: tx, load })
    }

    /// Queues `f`; its result arrives on the returned receiver.
    pub fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Busy> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The client may have gone; its answer is then simply dropped.
            let _ = tx.send(f());
        });
        self.load.waiting.fetch_add(1, Ordering::SeqCst);
        match self.queue.try_send(job) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.load.waiting.fetch_sub(1, Ordering::SeqCst);
                Err(Busy)
            }
        }
    }
}

/// The number of query threads for `--workers` (0 leaves it to us: four per core, so a
/// cheap query finds a free thread while a few slow ones run, and the OS shares the cores
/// among them).
pub fn threads(workers: u64) -> usize {
    match workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).saturating_mul(4),
        n => usize::try_from(n).unwrap_or(usize::MAX).min(1024),
    }
}

fn work(queue: &Mutex<Receiver<Job>>, load: &Load) {
    loop {
        // Holding the lock only while waiting for the next job: one thread waits at a time.
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => {
                load.running.fetch_add(1, Ordering::SeqCst);
                load.waiting.fetch_sub(1, Ordering::SeqCst);
                // A panic in one request must not take its thread (and connection) down.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                load.running.fetch_sub(1, Ordering::SeqCst);
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_and_refuses_past_the_queue() {
        let load = Arc::new(Load::default());
        let pool = Pool::new(1, 1, load.clone()).expect("pool");
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let blocked = pool
            .submit(move || {
                let _ = started.send(());
                let _ = wait.recv();
                1
            })
            .expect("first job");
        running.recv().expect("the thread took the first job");
        let queued = pool.submit(|| 2).expect("one job may wait");
        assert!(pool.submit(|| 3).is_err(), "the queue holds one");
        assert_eq!((load.running(), load.waiting()), (1, 1));
        release.send(()).expect("release");
        assert_eq!(blocked.blocking_recv(), Ok(1));
        assert_eq!(queued.blocking_recv(), Ok(2));
    }
}
