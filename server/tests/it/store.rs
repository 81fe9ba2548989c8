//! One storage suite, run on SQLite and on a real PostgreSQL.

use std::sync::Arc;

use crate::common::*;
use collector::{
    CallerBucket, ConnectionType, Deploy, Drained, Edge, EdgeBucket, EdgeStats, Latency, NodeId, OperationBucket, Outcome, RedStats,
    ServiceBucket, VersionSeen,
};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use server::store::Store;

fn bucket(start: u64, source: &str, target: &str, requests: u64, errors: u64, latency_us: u64) -> EdgeBucket {
    let (mut latency, mut server_latency) = (Latency::default(), Latency::default());
    latency.record_n(latency_us, requests);
    server_latency.record_n(latency_us / 2 + 1, requests);
    EdgeBucket {
        bucket_start_unix_secs: start,
        edge: Edge {
            source: NodeId::service(Arc::from(source)),
            target: NodeId::service(Arc::from(target)),
            connection: ConnectionType::Http,
        },
        stats: EdgeStats { requests, errors, caller_failures: errors, kept: requests, latency, server_latency },
    }
}

fn edges(buckets: Vec<EdgeBucket>) -> Drained {
    Drained { edges: buckets, ..Drained::default() }
}

fn operation(start: u64, service: &str, operation: &str, requests: u64, errors: u64, latency_us: u64) -> OperationBucket {
    let mut stats = RedStats::default();
    for i in 0..requests {
        // Errors alternate: a 503 the SDK left unset, then an ERROR on a 404.
        let outcome = match i {
            i if i >= errors => Outcome::default(),
            i if i % 2 == 0 => Outcome { error: true, server_error: true, status_error: false, caller_failure: true },
            _ => Outcome { error: true, server_error: false, status_error: true, caller_failure: true },
        };
        stats.record(outcome, std::time::Duration::from_micros(latency_us), 1);
    }
    OperationBucket { bucket_start_unix_secs: start, service: Arc::from(service), operation: Arc::from(operation), stats }
}

async fn storage_suite(store: Store, url: &str) {
    // Catalog: write, read back exactly, change one, remove the rest (in batches over 300 rows).
    let loaded = catalog::load_paths(&[demo_catalog()]);
    let mut entities: Vec<catalog::Entity> = loaded.entities.iter().map(|p| (*p.entity).clone()).collect();
    for i in 0..700 {
        let mut extra = entities[0].clone();
        extra.metadata.name = format!("generated-{i}");
        entities.push(extra);
    }
    store.apply_catalog_changes(&entities.iter().collect::<Vec<_>>(), &[]).await.unwrap();
    let read = store.entities().await.unwrap();
    assert_eq!(read.len(), entities.len());
    let gateway = entities.iter().find(|e| e.metadata.name == "gateway").unwrap().clone();
    assert_eq!(read.iter().find(|e| e.metadata.name == "gateway"), Some(&gateway), "round-trips exactly");
    let mut changed = gateway.clone();
    changed.metadata.description = Some("changed".into());
    let removed: Vec<String> = entities.iter().filter(|e| e.metadata.name != "gateway").map(|e| e.key()).collect();
    store.apply_catalog_changes(&[&changed], &removed).await.unwrap();
    assert_eq!(store.entities().await.unwrap(), vec![changed]);

    // Edges: rows of one edge merge (counts add, histograms merge); old rows are outside the window.
    store.write_drained(&edges(vec![bucket(6000, "a", "b", 3, 1, 1000), bucket(6000, "a", "c", 1, 0, 10)])).await.unwrap();
    store.write_drained(&edges(vec![bucket(6060, "a", "b", 1, 0, 9000), bucket(60, "a", "b", 50, 50, 1)])).await.unwrap();
    let edges = store.edges_since(6000).await.unwrap();
    assert_eq!(edges.len(), 2);
    let (ab, ab_stats) = &edges[0];
    assert_eq!((ab.target.name.as_ref(), ab_stats.requests, ab_stats.errors, ab_stats.latency.count()), ("b", 4, 1, 4));
    assert!(ab_stats.latency.max_us() >= 8900, "merged histogram keeps the slow call");
    assert_eq!(ab_stats.server_latency.count(), 4, "the callee's side is kept too");
    assert!((4400..=4600).contains(&ab_stats.server_latency.max_us()), "{}", ab_stats.server_latency.max_us());
    assert_eq!(store.edges_since(7000).await.unwrap().len(), 0);
    // One node's edges, and only those: into or out of it.
    let touching = store.edges_touching(&NodeId::service(Arc::from("c")), 6000).await.unwrap();
    assert_eq!(touching.iter().map(|(e, s)| (&*e.source.name, &*e.target.name, s.requests)).collect::<Vec<_>>(), [("a", "c", 1)]);
    assert_eq!(store.edges_touching(&NodeId::service(Arc::from("a")), 6000).await.unwrap().len(), 2);

    // Operations: merged per operation over the window, busiest first; other services apart.
    let drained = Drained {
        operations: vec![
            operation(6000, "shop", "GET /items", 3, 0, 2000),
            operation(6000, "shop", "POST /orders", 2, 1, 9000),
            operation(6000, "other", "GET /items", 7, 0, 1),
            operation(60, "shop", "GET /items", 9, 9, 1),
        ],
        deploys: vec![Deploy {
            service: Arc::from("shop"),
            at_unix_nanos: 6_000_000_000_000,
            from_version: Arc::from("1.0"),
            to_version: Arc::from("1.1"),
            environment: None,
        }],
        ..Drained::default()
    };
    store.write_drained(&drained).await.unwrap();
    store
        .write_drained(&Drained { operations: vec![operation(6060, "shop", "GET /items", 1, 1, 4000)], ..Drained::default() })
        .await
        .unwrap();
    let operations = store.operations_since("shop", 6000).await.unwrap();
    let summary: Vec<(&str, u64, u64)> = operations.iter().map(|o| (o.operation.as_str(), o.stats.requests, o.stats.errors)).collect();
    assert_eq!(summary, [("GET /items", 4, 1), ("POST /orders", 2, 1)]);
    let last_seen = store.operations_last_seen("shop", 6000).await.unwrap();
    assert_eq!(last_seen.get("GET /items"), Some(&6060));
    // Callers of each operation, merged over flushes and minutes; most calls first.
    let caller = |start: u64, caller: &str, operation: &str, calls: u64, errors: u64| CallerBucket {
        bucket_start_unix_secs: start,
        caller: Arc::from(caller),
        service: Arc::from("shop"),
        operation: Arc::from(operation),
        calls,
        errors,
        caller_failures: errors + 1,
        kept: calls.div_ceil(2),
    };
    let callers =
        vec![caller(6000, "web", "GET /items", 2, 1), caller(6060, "web", "GET /items", 3, 0), caller(6000, "app", "POST /orders", 1, 0)];
    store.write_drained(&Drained { callers: callers.clone(), ..Drained::default() }).await.unwrap();
    let read: Vec<(String, String, u64, u64)> = store
        .callers_since("shop", 6000)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.caller.to_string(), c.operation.to_string(), c.calls, c.errors))
        .collect();
    assert_eq!(read, [("web".to_string(), "GET /items".to_string(), 5, 1), ("app".to_string(), "POST /orders".to_string(), 1, 0)]);
    assert!((3900..=4100).contains(&operations[0].stats.latency.max_us()));
    assert_eq!(store.deploys_since(Some("shop"), 0).await.unwrap(), drained.deploys);
    assert!(store.deploys_since(Some("other"), 0).await.unwrap().is_empty());
    let later = Deploy { service: Arc::from("other"), at_unix_nanos: 6_060_000_000_000, ..drained.deploys[0].clone() };
    store.write_drained(&Drained { deploys: vec![later.clone()], ..Drained::default() }).await.unwrap();
    assert_eq!(store.recent_deploys(10).await.unwrap(), [later.clone(), drained.deploys[0].clone()], "newest first");
    assert_eq!(store.recent_deploys(1).await.unwrap(), [later]);

    // Services: what each served, merged over the window; by name.
    let served = |start: u64, service: &str, requests: u64, errors: u64| {
        let stats = operation(start, service, "-", requests, errors, 3000).stats;
        ServiceBucket { bucket_start_unix_secs: start, service: Arc::from(service), stats }
    };
    let services = vec![served(6000, "shop", 5, 1), served(6060, "shop", 2, 2), served(6000, "other", 1, 0), served(60, "shop", 9, 9)];
    store.write_drained(&Drained { services, ..Drained::default() }).await.unwrap();
    let services = store.services_since(6000).await.unwrap();
    let summary: Vec<(&str, u64, u64)> = services.iter().map(|(name, s)| (name.as_ref(), s.requests, s.errors)).collect();
    assert_eq!(summary, [("other", 1, 0), ("shop", 7, 3)]);
    let shop = &services[1].1;
    assert_eq!((shop.server_errors, shop.status_errors), (2, 1), "what SLOs count as bad is kept beside RED's errors");
    // Rows of the per-key tables of earlier versions are converted into
    // blocks at start; a row from before SLOs' counts were kept reads them
    // as its errors.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("INSERT INTO service_minutes (bucket_start, service, requests, errors, latency) VALUES (6120, 'legacy', 4, 3, $1), (6125, 'legacy', 1, 0, $1)")
        .bind(Latency::default().encode())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO edge_minutes (bucket_start, source_kind, source_name, target_kind, target_name, connection_type, requests, errors, latency)
         VALUES (6120, 'service', 'old', 'service', 'b', 'http', 2, 1, $1)",
    )
    .bind(Latency::default().encode())
    .execute(&pool)
    .await
    .unwrap();
    let store = Store::connect(url).await.unwrap();
    let legacy = store.services_since(6120).await.unwrap().into_iter().find(|(name, _)| &**name == "legacy").unwrap().1;
    assert_eq!((legacy.requests, legacy.errors, legacy.server_errors, legacy.status_errors), (5, 3, 3, 3));
    let old = store.edges_touching(&NodeId::service(Arc::from("old")), 6000).await.unwrap();
    assert_eq!(old.iter().map(|(e, s)| (&*e.target.name, s.requests, s.kept)).collect::<Vec<_>>(), [("b", 2, 2)]);
    let left: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM service_minutes").fetch_one(&pool).await.unwrap();
    assert_eq!(left.0, 0, "converted rows leave the old table");
    // SLO hours: each hour's totals are a block too; hours written before
    // blocks were kept are written as blocks at start.
    let mut hour = slo::HourCounts::new(7200);
    hour.set(7260, slo::Counts::new(8, 10));
    store.put_slo_hours(&[("fresh".to_string(), hour.clone())]).await.unwrap();
    sqlx::query("INSERT INTO slo_hours (series, hour, good, total, minutes) VALUES ('old', 3600, 3, 4, $1)")
        .bind(hour.encode())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM rollups WHERE name = 'slo-hour-blocks'").execute(&pool).await.unwrap();
    let store = Store::connect(url).await.unwrap();
    let totals = store.slo_hour_totals(0).await.unwrap();
    assert_eq!(totals["fresh"], [(7200, slo::Counts::new(8, 10))]);
    assert_eq!(totals["old"], [(3600, slo::Counts::new(3, 4))], "an hour from before blocks");
    assert_eq!(store.slo_sums(0, 7200).await.unwrap().get("old"), Some(&slo::Counts::new(3, 4)));
    assert_eq!(store.slo_sums(0, 7200).await.unwrap().get("fresh"), None, "7200 is outside 0..7200");
    hour.set(7320, slo::Counts::new(1, 1));
    store.put_slo_hours(&[("fresh".to_string(), hour)]).await.unwrap();
    assert_eq!(store.slo_hour_totals(7200).await.unwrap()["fresh"], [(7200, slo::Counts::new(9, 11))], "an hour written again replaces");
    pool.close().await;
    let again = Store::connect(url).await.unwrap();
    assert_eq!(again.services_since(6120).await.unwrap().iter().filter(|(name, _)| &**name == "legacy").count(), 1, "converted once");
    again.close().await;

    // Versions seen: the newest sighting wins, a known environment stays.
    let seen = |version: &str, environment: Option<&str>, at: u64| VersionSeen {
        service: Arc::from("shop"),
        version: Arc::from(version),
        environment: environment.map(Arc::from),
        last_seen_unix_nanos: at,
    };
    store
        .write_drained(&Drained { versions: vec![seen("1.0", Some("prod"), 50), seen("1.1", None, 70)], ..Drained::default() })
        .await
        .unwrap();
    store.write_drained(&Drained { versions: vec![seen("1.0", None, 40), seen("1.1", None, 90)], ..Drained::default() }).await.unwrap();
    assert_eq!(store.service_versions().await.unwrap(), [seen("1.0", Some("prod"), 50), seen("1.1", None, 90)]);

    // Roll-ups: complete hours become hour rows, old minutes go, reads give the same totals.
    let totals = |edges: Vec<(Edge, EdgeStats)>| -> Vec<(String, u64, u64, u64)> {
        edges.into_iter().map(|(e, s)| (e.target.name.to_string(), s.requests, s.errors, s.server_latency.count())).collect()
    };
    let all_before = totals(store.edges_since(0).await.unwrap());
    assert_eq!(all_before, [("b".to_string(), 54, 51, 54), ("c".to_string(), 1, 0, 1), ("b".to_string(), 2, 1, 0)], "old → b converted");
    let (now, grace, hour) = (3 * 3600 + 600, 600, 3600);
    let report = store.roll_up(now, grace, [hour, 7 * 86_400, 90 * 86_400]).await.unwrap();
    assert_eq!(report.hours, 3, "hours 0, 1 and 2 are complete");
    assert!(report.deleted_rows >= 5, "minutes older than an hour, all rolled up, are gone: {report:?}");
    assert_eq!(totals(store.edges_since(0).await.unwrap()), all_before, "the same totals from hour rows");
    let since_6000 = totals(store.edges_since(6000).await.unwrap());
    assert_eq!(
        since_6000,
        [("b".to_string(), 4, 1, 4), ("c".to_string(), 1, 0, 1), ("b".to_string(), 2, 1, 0)],
        "the ten minutes 6000 falls in"
    );
    let summary: Vec<(String, u64, u64)> =
        store.operations_since("shop", 6000).await.unwrap().into_iter().map(|o| (o.operation, o.stats.requests, o.stats.errors)).collect();
    assert_eq!(summary, [("GET /items".to_string(), 4, 1), ("POST /orders".to_string(), 2, 1)]);
    let shop = store.services_since(6000).await.unwrap().into_iter().find(|(name, _)| &**name == "shop").unwrap().1;
    assert_eq!((shop.requests, shop.server_errors, shop.status_errors), (7, 2, 1), "hour rows keep SLOs' counts");
    let callers_after: Vec<u64> = store.callers_since("shop", 6000).await.unwrap().iter().map(|c| c.calls).collect();
    assert_eq!(callers_after, [5, 1], "callers roll up into hours with the same totals");
    // New minutes after the roll-up are read beside the hours, not instead of them.
    store.write_drained(&Drained { edges: vec![bucket(11_000, "a", "b", 2, 0, 100)], ..Drained::default() }).await.unwrap();
    assert_eq!(totals(store.edges_since(0).await.unwrap())[0], ("b".to_string(), 56, 51, 56));
    assert_eq!(store.roll_up(now, grace, [hour, 7 * 86_400, 90 * 86_400]).await.unwrap().hours, 0, "nothing is rolled up twice");
    assert_eq!(totals(store.edges_since(0).await.unwrap())[0], ("b".to_string(), 56, 51, 56));
    // Hours expire after their retention too.
    store.roll_up(now, grace, [hour, hour, 0]).await.unwrap();
    assert_eq!(totals(store.edges_since(0).await.unwrap()), [("b".to_string(), 2, 0, 2)], "only the recent minutes are left");

    // A drain of many rows is written in several statements, all in one transaction.
    let many: Vec<EdgeBucket> = (0..1000).map(|i| bucket(20_000, &format!("s{i}"), "t", 1 + i % 3, 0, 500)).collect();
    let expected: u64 = many.iter().map(|b| b.stats.requests).sum();
    store.write_drained(&Drained { edges: many, ..Drained::default() }).await.unwrap();
    let read = store.edges_since(20_000).await.unwrap();
    assert_eq!((read.len(), read.iter().map(|(_, s)| s.requests).sum::<u64>()), (1000, expected));

    // Each flush appends an open block: the writer merges a busy minute's
    // once four pile up, and closes a minute into one block once it is over
    // and no longer written to; no count is lost or doubled on the way.
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let blocks_of = |start: u64| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(Option<i64>,)> =
                sqlx::query_as("SELECT writer FROM blocks WHERE family = 'edge' AND resolution = 60 AND bucket_start = $1")
                    .bind(start as i64)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            (rows.len(), rows.iter().filter(|(writer,)| writer.is_some()).count())
        }
    };
    let requests_of = |read: Vec<(Edge, EdgeStats)>, source: &str| -> u64 {
        read.iter().filter(|(edge, _)| &*edge.source.name == source).map(|(_, stats)| stats.requests).sum()
    };
    let now = server::unix_seconds() as u64;
    let (current, late) = (now - now % 60, now - now % 60 - 600);
    for _ in 0..20 {
        store
            .write_drained(&Drained {
                edges: vec![bucket(current, "busy", "t", 1, 0, 100), bucket(late, "behind", "t", 1, 0, 100)],
                ..Drained::default()
            })
            .await
            .unwrap();
    }
    let (blocks, open) = blocks_of(current).await;
    assert!((1..=4).contains(&blocks) && open == blocks, "20 flushes into this minute: {blocks} blocks, {open} open");
    assert_eq!(blocks_of(late).await.1, blocks_of(late).await.0, "a minute that is over stays open while it is written to");
    assert_eq!(requests_of(store.edges_since(late as i64).await.unwrap(), "busy"), 20);
    store.write_drained(&Drained { edges: vec![bucket(current, "busy", "t", 1, 0, 100)], ..Drained::default() }).await.unwrap();
    assert_eq!(blocks_of(late).await, (1, 0), "then one closed block");
    let read = store.edges_since(late as i64).await.unwrap();
    assert_eq!((requests_of(read.clone(), "behind"), requests_of(read, "busy")), (20, 21));

    // API versions: a new one per change, a revert is a change too.
    let definition = |text: &str| server::store::ApiDefinition {
        entity_ref: "api:default/orders".into(),
        api_type: "openapi".into(),
        definition: text.into(),
        source: "file:/catalog/apis.yaml".into(),
    };
    for (at, text) in [(10, "a"), (20, "a"), (30, "b"), (40, "a")] {
        store.record_api_versions(&[definition(text)], at).await.unwrap();
    }
    let versions = store.api_versions("api:default/orders").await.unwrap();
    let summary: Vec<(i64, &str, i64)> = versions.iter().map(|v| (v.version, v.definition.as_str(), v.first_seen_unix_secs)).collect();
    assert_eq!(summary, [(1, "a", 10), (2, "b", 30), (3, "a", 40)]);
    assert_eq!(versions[0].hash, server::store::definition_hash("a"));
}

#[tokio::test]
async fn storage_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    // A folder that does not exist yet: created on first start.
    let url = format!("sqlite://{}/new/folder/m.db", dir.path().display());
    storage_suite(Store::connect(&url).await.unwrap(), &url).await;
    // Reconnecting applies no migration twice.
    Store::connect(&format!("sqlite://{}/new/folder/m.db", dir.path().display())).await.unwrap();
}

#[tokio::test]
async fn storage_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let url = fresh_postgres_database(&url).await;
    storage_suite(Store::connect(&url).await.unwrap(), &url).await;
    Store::connect(&url).await.unwrap();
}

#[tokio::test]
async fn whole_server_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let url = fresh_postgres_database(&url).await;
    let server = start(Some(url), vec![demo_catalog()]).await;
    send_spans(
        server.running.otlp_http_addr,
        vec![("gateway", span(8, 80, Some(8), SpanKind::Client, false)), ("catalog", span(8, 81, Some(80), SpanKind::Server, true))],
    )
    .await;
    wait_for_edges(&server.base, &[("service:gateway", "service:catalog", 1, 1)]).await;
    let (status, gateway) = get_json(&format!("{}/api/catalog/entities/by-name/component/default/gateway", server.base)).await;
    assert_eq!((status, gateway["spec"]["owner"].as_str()), (200, Some("team-storefront")));
    server.running.stop().await;
}

#[tokio::test]
async fn unsupported_database_urls_are_explained() {
    let error = Store::connect("mysql://localhost/x").await.err().expect("refused");
    assert!(error.to_string().contains("unsupported database URL"), "{error}");
}
