//! Live heap of the catalog at scale, counted by a wrapping allocator, so the
//! figures are exact and repeatable (unlike RSS on a shared machine): the
//! 50,000-entity synthetic organisation loaded from files, its entities, its
//! index, and the peak of a one-file reload (old and new index side by side).
//!
//!     cargo bench -p catalog --bench catalog_memory
//!     MERIDIAN_BENCH_ENTITIES=10000 cargo bench -p catalog --bench catalog_memory
//!
//! Figures go in BENCHMARKS.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use catalog::index::CatalogIndex;
use catalog::load::{LoadCache, load_cached};
use catalog::synthetic::Org;
use catalog::{NoUrls, Source};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a move (the new block allocated before the old one is
        // freed), which is what a large block's realloc does: growing a big
        // buffer by doubling briefly holds both.
        PEAK.fetch_max(LIVE.load(Ordering::Relaxed) + new_size, Ordering::Relaxed);
        if new_size >= layout.size() {
            LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Resets the peak to the live figure, so the next phase's peak is its own.
fn reset_peak() {
    PEAK.store(live(), Ordering::Relaxed);
}

fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

fn main() {
    let total: usize = std::env::var("MERIDIAN_BENCH_ENTITIES").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let org = Org::scaled(total);
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in org.files() {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(path, text).expect("write");
    }
    let roots = [Source::File(dir.path().to_path_buf())];
    let base = live();

    reset_peak();
    let mut cache = LoadCache::default();
    let loaded = load_cached(&roots, &NoUrls, &mut cache, &|_| None, Vec::new());
    assert!(!loaded.has_errors(), "the synthetic organisation loads cleanly");
    let load_peak = peak() - base;
    let (entities, diagnostics): (Vec<_>, _) = (loaded.entities.into_iter().map(|p| p.entity).collect(), loaded.diagnostics);
    let cache_and_entities = live() - base;

    reset_peak();
    let before_index = live();
    let index = CatalogIndex::with_problems(entities.clone(), &diagnostics);
    let index_peak = peak() - before_index;
    let index_only = live() - before_index;
    drop(entities);
    let steady = live() - base;

    // A reload after one file changed: the loader re-reads only that file,
    // the new index reuses the old one's work; both live until the swap.
    std::fs::write(
        dir.path().join("system-0.yaml"),
        std::fs::read_to_string(dir.path().join("system-0.yaml")).expect("read").replacen("System number 0", "edited", 1),
    )
    .expect("write");
    reset_peak();
    let previous = |key: &str| index.get(key).map(|e| Arc::clone(&e.entity));
    let reloaded = load_cached(&roots, &NoUrls, &mut cache, &previous, Vec::new());
    let entities: Vec<_> = reloaded.entities.into_iter().map(|p| p.entity).collect();
    let reload_load_peak = peak() - base;
    let rebuilt = CatalogIndex::rebuild(&index, entities, &reloaded.diagnostics);
    drop(index);
    let reload_peak = peak() - base;
    assert_eq!(rebuilt.len(), org.total());
    let after_reload = live() - base;
    // As the database stores them, for the restart below.
    let stored: Vec<String> = rebuilt.entities().iter().map(|e| serde_json::to_string(&*e.entity).expect("entity JSON")).collect();
    let json_bytes: usize = stored.iter().map(String::len).sum();
    drop(rebuilt);
    drop(cache);

    // A restart: the stored entities decoded one by one and indexed, then the
    // files read with an empty cache (what the server does on start).
    let base = live();
    reset_peak();
    let mut decoder = catalog::StoredEntityDecoder::default();
    let decoded: Vec<catalog::Entity> = stored.iter().map(|json| decoder.decode(json).expect("stored entity decodes")).collect();
    drop(decoder);
    let restart_decoded = live() - base;
    let index = CatalogIndex::new(decoded);
    let restart_open_peak = peak() - base;
    let restart_opened = live() - base;
    reset_peak();
    let mut cache = LoadCache::default();
    let previous = |key: &str| index.get(key).map(|e| Arc::clone(&e.entity));
    let reloaded = load_cached(&roots, &NoUrls, &mut cache, &previous, Vec::new());
    let entities: Vec<_> = reloaded.entities.into_iter().map(|p| p.entity).collect();
    let rebuilt = CatalogIndex::rebuild(&index, entities, &reloaded.diagnostics);
    drop(index);
    let restart_peak = peak() - base;
    assert_eq!(rebuilt.len(), org.total());
    let after_restart = live() - base;

    println!("catalog live heap, {} entities ({:.0} MiB as compact JSON):\n", org.total(), mib(json_bytes));
    println!("| measure | MiB |\n|---|---|");
    println!("| peak while loading files (parse, relations) | {:.0} |", mib(load_peak));
    println!("| entities and load cache, after loading | {:.0} |", mib(cache_and_entities));
    println!("| index alone | {:.0} |", mib(index_only));
    println!("| peak while building the index | {:.0} |", mib(index_peak));
    println!("| steady state (entities, index, load cache) | {:.0} |", mib(steady));
    println!("| peak of a one-file reload, loading (files, relations) | {:.0} |", mib(reload_load_peak));
    println!("| peak of a one-file reload | {:.0} |", mib(reload_peak));
    println!("| steady state after the reload | {:.0} |", mib(after_reload));
    println!("| restart: stored entities decoded | {:.0} |", mib(restart_decoded));
    println!("| restart: peak while indexing them | {:.0} |", mib(restart_open_peak));
    println!("| restart: stored entities indexed | {:.0} |", mib(restart_opened));
    println!("| restart: peak of reading the files | {:.0} |", mib(restart_peak));
    println!("| restart: steady state after | {:.0} |", mib(after_restart));
}
