//! What a minute of observed traffic costs in memory, per edge: the
//! engine's live heap after it took one call on each of 10,000 distinct
//! edges between 2,000 services (`synthetic::organisation`), counted
//! exactly by a counting global allocator. The heap holds each edge's stats
//! (both sides' latency), each service's and each operation's, and the
//! interned names; nothing is pending (every call paired).
//!
//!     cargo bench -p collector --bench edge_memory

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use collector::{EngineConfig, Pipeline};
use synthetic::organisation::Organisation;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let org = Organisation { services: 2_000, edges: 10_000, operations: 20 };
    let requests = org.requests(1, 1_000, 1_700_000_000_000_000_000);
    let pipeline = Pipeline::new(EngineConfig::default());
    let before = LIVE.load(Ordering::Relaxed);
    for request in &requests {
        assert_eq!(pipeline.export(request).rejected, 0);
    }
    let held = LIVE.load(Ordering::Relaxed) - before;
    assert_eq!(pipeline.pending(), 0);
    let drained = pipeline.drain();
    println!(
        "{} edges, {} services, {} operations in one minute: engine heap {:.1} MiB, {} bytes per edge-minute (with its service and operation stats)",
        drained.edges.len(),
        drained.services.len(),
        drained.operations.len(),
        held as f64 / (1024.0 * 1024.0),
        held / drained.edges.len() as isize
    );
}
