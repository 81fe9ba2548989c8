//! Laying out the graph at organisation scale: 2,000 services and 10,000
//! distinct edges (`synthetic::organisation`'s shape), on the
//! server as the Graph page does. Medians of 5 runs, one thread.
//!
//!     cargo bench -p server --bench layout_scale
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::time::Duration;

use collector::{ConnectionType, NodeKind};
use server::core::{GraphEdge, GraphNode, GraphView};
use synthetic::organisation::{Organisation, service_name};

const ORGANISATION: Organisation = Organisation { services: 2_000, edges: 10_000, operations: 20 };
const RUNS: usize = 5;

fn timed<T>(work: impl FnMut() -> T) -> (Duration, T) {
    support::median_of(RUNS, work)
}

fn main() {
    let nodes: Vec<GraphNode> = (0..ORGANISATION.services)
        .map(|i| GraphNode {
            id: format!("service:{}", service_name(i)),
            name: service_name(i),
            kind: NodeKind::Service,
            entity_ref: None,
            sample_rate: None,
        })
        .collect();
    let edges: Vec<GraphEdge> = (0..ORGANISATION.edges)
        .map(|i| {
            let (caller, callee) = ORGANISATION.edge(i);
            GraphEdge {
                source: nodes[caller].id.clone(),
                target: nodes[callee].id.clone(),
                connection_type: ConnectionType::Http,
                requests: 1 + i as u64 % 100,
                errors: 0,
                caller_failures: 0,
                kept_spans: 1 + i as u64 % 100,
                estimated: false,
                p50_ms: 1.0,
                p95_ms: 5.0,
                p99_ms: 9.0,
            }
        })
        .collect();
    let graph = GraphView { nodes, edges };
    let (took, layout) = timed(|| server::core::view::layout::layout(&graph, Default::default()));
    println!(
        "layout of {} nodes and {} edges: {:.1} ms ({:.0} × {:.0} px)",
        graph.nodes.len(),
        graph.edges.len(),
        took.as_secs_f64() * 1e3,
        layout.width,
        layout.height
    );
    let labelled = layout.edges.iter().filter(|e| e.label.is_some()).count();
    let columns = {
        let mut xs: Vec<i64> = layout.nodes.iter().map(|n| n.x as i64).collect();
        xs.sort_unstable();
        xs.dedup();
        xs.len()
    };
    println!("  {columns} columns, {labelled} of {} edges labelled without overlap", layout.edges.len());
}
