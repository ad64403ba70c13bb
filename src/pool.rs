//! A fixed pool of threads that run GraphQL requests, fed by a bounded queue.
//!
//! SQLite calls block, and a request near `--timeout-ms` blocks for seconds: run on the
//! async workers, two such requests stall every connection of a 2-core server. Here they
//! occupy a pool thread each (with its own read connection) while the async side keeps
//! accepting and answering; when every thread is busy and the queue is full, `submit`
//! refuses at once so the caller can answer 503 instead of piling up work.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// Threads big enough for the deepest plan `--max-depth` lets through.
const STACK_BYTES: usize = 16 << 20;

pub struct Pool {
    queue: SyncSender<Job>,
}

/// Every thread is busy and `--max-queue` requests already wait.
#[derive(Debug)]
pub struct Busy;

impl Pool {
    /// Starts `threads` threads (at least one) sharing a queue of `queue` waiting jobs.
    pub fn new(threads: usize, queue: usize) -> std::io::Result<Pool> {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("relaylite-query-{i}"))
                .stack_size(STACK_BYTES)
                .spawn(move || work(&rx))?;
        }
        Ok(Pool { queue: tx })
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
        match self.queue.try_send(job) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

/// The number of threads when the flag leaves it to us: four per core, so a cheap query
/// finds a free thread while a few slow ones run, and the OS shares the cores among them.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).saturating_mul(4)
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // Holding the lock only while waiting for the next job: one thread waits at a time.
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => {
                // A panic in one request must not take its thread (and connection) down.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
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
        let pool = Pool::new(1, 1).expect("pool");
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
        release.send(()).expect("release");
        assert_eq!(blocked.blocking_recv(), Ok(1));
        assert_eq!(queued.blocking_recv(), Ok(2));
    }
}
