//! The core without HTTP: built from a store, a catalog and a live graph,
//! called directly, as any adapter calls it.

use std::sync::Arc;
use std::time::Duration;

use collector::{ConnectionType, Drained, Edge, EdgeBucket, EdgeStats, NodeId, NodeKind};
use server::catalog::CatalogService;
use server::core::{Core, Window};
use server::store::Store;
use server::traffic::Live;
use server::unix_seconds;

use crate::common::demo_catalog;

fn bucket(source: NodeId, target: NodeId, requests: u64) -> EdgeBucket {
    let mut stats = EdgeStats::default();
    for _ in 0..requests {
        stats.record(&collector::Call::one(false, Some(Duration::from_millis(30)), None));
    }
    let now = unix_seconds() as u64;
    EdgeBucket { bucket_start_unix_secs: now - now % 60, edge: Edge { source, target, connection: ConnectionType::Http }, stats }
}

#[tokio::test]
async fn the_entity_join_reads_its_node_and_joins_peers_to_components() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/core.db", dir.path().display())).await.unwrap();
    let catalog = Arc::new(CatalogService::open(store.clone(), vec![demo_catalog()], Arc::new(catalog::NoUrls)).await.unwrap());
    catalog.reload().await.unwrap();
    let slos = Arc::new(server::slos::SloService::new(store.clone(), catalog.clone(), None));
    let core = Core::new(store.clone(), catalog, Arc::new(Live::default()), collector::Limits::default(), slos);

    let service = |name: &str| NodeId::service(Arc::from(name));
    let drained = Drained {
        edges: vec![
            bucket(service("catalog"), service("pricing"), 7),
            bucket(service("pricing"), NodeId::new(NodeKind::Database, Arc::from("pricing-db")), 9),
            // Not pricing's: must not show on its page.
            bucket(service("gateway"), service("catalog"), 11),
        ],
        ..Drained::default()
    };
    store.write_drained(&drained).await.unwrap();

    let hour = Window::parse("1h").unwrap();
    let overview = core.entity("Component", "default", "PRICING", hour).await.unwrap().expect("pricing is in the demo catalog");
    assert_eq!(overview.entity.metadata.name, "pricing");
    let observed = overview.observed.expect("a component has a node");
    let callers: Vec<_> = observed.callers.iter().map(|c| (c.peer.id.as_str(), c.peer.entity_ref.as_deref(), c.requests)).collect();
    assert_eq!(callers, [("service:catalog", Some("component:default/catalog"), 7)]);
    let callees: Vec<_> = observed.callees.iter().map(|c| (c.peer.id.as_str(), c.peer.entity_ref.as_deref(), c.requests)).collect();
    assert_eq!(callees, [("database:pricing-db", Some("resource:default/pricing-db"), 9)], "a database joins the Resource of its name");

    // Not a component: no node, nothing observed. Unknown: none.
    let team = core.entity("group", "default", "team-pricing", hour).await.unwrap().expect("the team exists");
    assert!(team.observed.is_none());
    assert!(core.entity("component", "default", "nope", hour).await.unwrap().is_none());
}
