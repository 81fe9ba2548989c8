//! How much CPU a part of the server takes: the thread CPU time spent
//! polling its tasks, summed. Ingest and page reads share the runtime's
//! workers, so the process's CPU cannot tell them apart; this can
//! (`meridian_ingest_cpu_seconds_total`). Two clock reads per poll, a
//! fraction of a microsecond beside a request's tens.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

/// CPU nanoseconds spent in the futures it meters; clones share the sum.
#[derive(Clone, Debug, Default)]
pub struct CpuMeter(Arc<AtomicU64>);

impl CpuMeter {
    /// CPU seconds counted so far.
    pub fn seconds(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64 / 1e9
    }

    /// `future`, its polls' CPU time added to this meter.
    pub fn meter<F: Future>(&self, future: F) -> Metered<F> {
        Metered { future: Box::pin(future), meter: self.clone() }
    }
}

/// A future whose polls are timed on the polling thread's CPU clock.
pub struct Metered<F> {
    future: Pin<Box<F>>,
    meter: CpuMeter,
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let started = cpu_time::ThreadTime::try_now().ok();
        let polled = self.future.as_mut().poll(cx);
        if let Some(spent) = started.map(|started| started.elapsed()) {
            self.meter.0.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
        }
        polled
    }
}

/// Spawns a listener's tasks (its connections, and the HTTP/2 streams hyper
/// runs as tasks of their own), metered when a meter is set.
#[derive(Clone, Debug, Default)]
pub struct Executor {
    pub meter: Option<CpuMeter>,
}

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        match &self.meter {
            Some(meter) => tokio::spawn(meter.meter(future)),
            None => tokio::spawn(future),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_the_cpu_a_future_spends() {
        let meter = CpuMeter::default();
        // A current-thread runtime: every poll runs on this thread.
        let test_started = cpu_time::ThreadTime::now();
        meter
            .meter(async {
                // 50 ms of this thread's CPU (not of the clock: the machine may be busy).
                let started = cpu_time::ThreadTime::now();
                let mut spin = 0u64;
                while started.elapsed() < std::time::Duration::from_millis(50) {
                    spin = std::hint::black_box(spin.wrapping_add(1));
                }
            })
            .await;
        // Waiting is not spending: counting the sleep's 100 ms would exceed the test's CPU.
        meter.meter(tokio::time::sleep(std::time::Duration::from_millis(100))).await;
        let (counted, whole_test) = (meter.seconds(), test_started.elapsed().as_secs_f64());
        assert!((0.05..=whole_test).contains(&counted), "counted {counted} s of a test that took {whole_test} s of CPU");
    }
}
