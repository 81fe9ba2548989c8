//! Insights at organisation scale: the synthetic 50,000-entity catalog
//! (`catalog::synthetic`, 40k components with declared dependencies and
//! APIs) against 10,000 observed edges between their services, half of
//! them declared, plus 100 services the catalog lacks. Times drift,
//! cycles, hot spots and one blast radius: the pure computations of
//! `core::insights`, without the database read before them (the graph
//! benchmark measures that). Medians of five runs, one thread.
//!
//!     cargo bench -p server --bench insights_scale
//!
//! Figures go in BENCHMARKS.md.

use std::sync::Arc;
mod support;

use std::time::{Duration, Instant};

use catalog::index::CatalogIndex;
use catalog::synthetic::Org;
use collector::{NodeId, NodeKind};
use server::core::insights::{ObservedEdge, blast_radius, cycles, drift, hotspots};

const EDGES: usize = 10_000;
const UNCATALOGED: usize = 100;
const RUNS: usize = 5;

fn timed<T>(work: impl FnMut() -> T) -> (Duration, T) {
    support::median_of(RUNS, work)
}

fn service(name: String) -> NodeId {
    NodeId::new(NodeKind::Service, Arc::from(name))
}

fn main() {
    let org = Org::scaled(50_000);
    let started = Instant::now();
    let mut parsed = Vec::new();
    for (path, text) in org.files() {
        parsed.extend(catalog::parse_str(&path, &text).entities);
    }
    catalog::derive_relations(&mut parsed);
    let index = CatalogIndex::new(parsed.into_iter().map(|p| p.entity).collect());
    println!("catalog: {} entities (built in {:.1} s)", index.len(), started.elapsed().as_secs_f64());

    // Component c declares `dependsOn: component-((c*13+1) % N)`: even edges follow it, odd ones do not.
    let n = org.components;
    let mut edges: Vec<ObservedEdge> = (0..EDGES)
        .map(|e| {
            let caller = (e * 4) % n;
            let callee = if e % 2 == 0 { (caller * 13 + 1) % n } else { (caller * 31 + 7) % n };
            ObservedEdge {
                source: service(format!("component-{caller}")),
                target: service(format!("component-{callee}")),
                requests: 1 + e as u64 % 50,
            }
        })
        .collect();
    edges.extend((0..UNCATALOGED).map(|k| ObservedEdge {
        source: service(format!("ghost-{k}")),
        target: service(format!("component-{}", k * 8)),
        requests: 3,
    }));
    let mut served: Vec<String> = edges.iter().flat_map(|e| [e.source.name.to_string(), e.target.name.to_string()]).collect();
    served.sort();
    served.dedup();

    let (took, found) = timed(|| drift(&index, &edges, &served, None));
    println!(
        "drift over {} edges: {:.1} ms ({} undeclared, {} unobserved, {} uncataloged, {} silent)",
        edges.len(),
        took.as_secs_f64() * 1e3,
        found.undeclared.len(),
        found.unobserved.len(),
        found.uncataloged.len(),
        found.silent.len()
    );
    // An entity page reads only the edges of its node (`Store::edges_touching`).
    let own: Vec<ObservedEdge> =
        edges.iter().filter(|e| e.source.name.as_ref() == "component-4" || e.target.name.as_ref() == "component-4").cloned().collect();
    let own_served = ["component-4".to_string()];
    let (took, found) = timed(|| drift(&index, &own, &own_served, Some("component:default/component-4")));
    println!("drift of one entity ({} edges): {:.3} ms ({} undeclared)", own.len(), took.as_secs_f64() * 1e3, found.undeclared.len());
    let (took, found) = timed(|| cycles(&index, &edges));
    println!(
        "cycles: {:.1} ms ({} cycles, the largest of {} services)",
        took.as_secs_f64() * 1e3,
        found.cycles.len(),
        found.cycles.first().map_or(0, |c| c.services.len())
    );
    let (took, found) = timed(|| hotspots(&index, &edges, 10));
    println!("hot spots: {:.1} ms (top fan-in {})", took.as_secs_f64() * 1e3, found.fan_in.first().map_or(0, |f| f.services));
    let target = edges[0].target.name.to_string();
    let (took, found) = timed(|| blast_radius(&index, &edges, &target, &|_| Vec::new()));
    println!(
        "blast radius of {target}: {:.1} ms ({} callers, {} owners)",
        took.as_secs_f64() * 1e3,
        found.callers.len(),
        found.owners.len()
    );
}
