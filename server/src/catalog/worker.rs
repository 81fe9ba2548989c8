//! The catalog's own thread. Loading files, deriving relations, building an
//! index and dropping the index it replaced all run here, one job at a
//! time, so the catalog's memory is allocated and freed on one allocator
//! heap, which is collected after every job. Spread over the blocking pool,
//! an index built on one thread and freed on another left its pages with
//! the first thread's heap until that thread allocated again
//! (BENCHMARKS.md, "Catalog at 50,000 entities").

use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// The worker's job panicked, so the thread is gone.
#[derive(Debug, thiserror::Error)]
#[error("the catalog's thread stopped (a job panicked; the log has it)")]
pub struct WorkerGone;

/// A handle to the catalog's thread; the thread ends when the last handle does.
pub struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts the thread.
    pub fn start() -> std::io::Result<Worker> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("catalog".into()).spawn(move || {
            for job in queue {
                crate::purging_at_once(job);
                // SAFETY: collects this thread's own heap; no pointers involved.
                unsafe { libmimalloc_sys::mi_collect(true) };
            }
        })?;
        Ok(Worker { jobs })
    }

    /// Runs `work` on the catalog's thread and waits for its answer.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, WorkerGone> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.send(job).map_err(|_| WorkerGone)?;
        answered.await.map_err(|_| WorkerGone)
    }

    /// Drops `value` on the catalog's thread, after the jobs before it.
    pub fn drop_later<T: Send + 'static>(&self, value: T) {
        // A stopped thread cannot take it: dropped here instead.
        let _ = self.jobs.send(Box::new(move || drop(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_one_thread_in_order_and_a_panic_is_an_error() {
        let worker = Worker::start().unwrap();
        let first = worker.run(|| std::thread::current().id()).await.unwrap();
        worker.drop_later(vec![0u8; 1024]);
        assert_eq!(worker.run(|| std::thread::current().id()).await.unwrap(), first);
        assert_ne!(first, std::thread::current().id());
        let panicked = worker.run(|| -> u8 { panic!("a bug in a job") }).await;
        assert!(panicked.is_err());
        assert!(worker.run(|| 1).await.is_err(), "the thread is gone, and says so");
    }
}
