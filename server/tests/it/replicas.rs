//! Several `meridian serve` replicas on one PostgreSQL (the real binary):
//! a catalog change made through one is served by the others at once, one
//! replica leads and another takes over when it dies, and OTLP split by
//! trace id (real SDK traffic) gives the graph, counts and deploy that one
//! replica gives. Traffic split otherwise leaves halves unpaired, and
//! `/metrics` says so.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;

/// Both replicas' flags: a short pairing window, so unpaired halves show soon.
const ARGS: [&str; 4] = ["--api-token", TEST_TOKEN, "--pairing-window-ms", "2000"];

/// What the shop of `send_split.py` gives on one replica.
const SHOP: [(&str, &str, u64, u64); 4] = [
    ("service:split-checkout", "database:split-orders", 40, 0),
    ("service:split-checkout", "service:split-payments", 40, 10),
    ("service:split-frontend", "service:split-checkout", 40, 0),
    ("user:user", "service:split-frontend", 40, 0),
];

async fn replicas(database_url: &str, extra: &[&str]) -> (Process, Process) {
    let args: Vec<&str> = ARGS.iter().copied().chain(extra.iter().copied()).collect();
    let (a, b) = (Process::spawn_on(database_url, &args), Process::spawn_on(database_url, &args));
    a.ready().await;
    b.ready().await;
    (a, b)
}

/// Runs `send_split.py` against the OTLP/HTTP ports of `replicas`.
async fn send_shop(python: &std::path::Path, replicas: &[&Process], route: &str) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/send_split.py");
    let mut command = Command::new(python);
    command.arg(script).args(["--route", route]);
    for replica in replicas {
        command.args(["--http", &replica.otlp_http]);
    }
    let output = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("run python");
    assert!(output.status.success(), "send_split.py failed:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// A counter or gauge of `/metrics`.
async fn metric(base: &str, name: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics")).await.expect("/metrics").text().await.expect("body");
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// Polls until `check` holds, failing with `what` after `limit`; how long it took.
async fn within<F: std::future::Future<Output = bool>>(limit: Duration, what: &str, mut check: impl FnMut() -> F) -> Duration {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} within {limit:?}");
}

async fn status(url: &str) -> u16 {
    reqwest::get(url).await.map_or(0, |r| r.status().as_u16())
}

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalog_change_through_one_replica_is_served_by_the_others() {
    let Some(server) = postgres_url() else { return };
    let database_url = fresh_postgres_database(&server).await;
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("catalog-info.yaml"), component("from-a-file")).expect("write");
    let folder_arg = folder.path().display().to_string();
    let (a, b) = replicas(&database_url, &["--allow-path", &folder_arg]).await;
    let client = reqwest::Client::new();
    let by_name = |base: &str, name: &str| format!("{base}/api/catalog/entities/by-name/component/default/{name}");

    // YAML registered through A.
    let answer = client
        .post(format!("{}/api/v1/entities", a.base))
        .bearer_auth(TEST_TOKEN)
        .header("content-type", "application/yaml")
        .body(component("registered-on-a"))
        .send()
        .await
        .expect("register");
    assert_eq!(answer.status(), 201);
    let took = within(Duration::from_secs(5), "B serves what A registered", || async {
        status(&by_name(&b.base, "registered-on-a")).await == 200
    })
    .await;
    eprintln!("catalog write through A served by B after {took:?}");

    // A location registered through B.
    let target = folder.path().join("catalog-info.yaml").display().to_string();
    let answer = client
        .post(format!("{}/api/catalog/locations", b.base))
        .bearer_auth(TEST_TOKEN)
        .json(&serde_json::json!({"type": "file", "target": target}))
        .send()
        .await
        .expect("register location");
    assert_eq!(answer.status(), 201);
    let location: serde_json::Value = answer.json().await.expect("location");
    let took = within(Duration::from_secs(5), "A serves the location B registered", || async {
        status(&by_name(&a.base, "from-a-file")).await == 200
    })
    .await;
    eprintln!("location registered through B served by A after {took:?}");
    let (_, locations) = get_json(&format!("{}/api/catalog/locations", a.base)).await;
    assert!(locations.to_string().contains(&target), "A lists the location: {locations}");

    // Removed through A: an orphan on both.
    let id = location["location"]["id"].as_str().expect("location id");
    let answer = client.delete(format!("{}/api/catalog/locations/{id}", a.base)).bearer_auth(TEST_TOKEN).send().await.expect("remove");
    assert_eq!(answer.status(), 204);
    within(Duration::from_secs(5), "B marks the entity of the removed location an orphan", || async {
        let (_, entity) = get_json(&by_name(&b.base, "from-a-file")).await;
        entity["metadata"]["annotations"]["backstage.io/orphan"] == "true"
    })
    .await;

    // The orphan deleted through B is gone from A.
    let (_, entity) = get_json(&by_name(&a.base, "from-a-file")).await;
    let uid = entity["metadata"]["uid"].as_str().expect("uid");
    let answer =
        client.delete(format!("{}/api/catalog/entities/by-uid/{uid}", b.base)).bearer_auth(TEST_TOKEN).send().await.expect("delete");
    assert_eq!(answer.status(), 204);
    within(Duration::from_secs(5), "A forgets the entity B deleted", || async { status(&by_name(&a.base, "from-a-file")).await == 404 })
        .await;
    assert_eq!(status(&by_name(&a.base, "registered-on-a")).await, 200, "and nothing else");
}

#[tokio::test(flavor = "multi_thread")]
async fn traffic_split_by_trace_id_gives_one_replicas_graph_and_one_leader_survives() {
    let Some(server) = postgres_url() else { return };
    let Some(python) = test_venv("python") else { return };
    let (shared, alone) = (fresh_postgres_database(&server).await, fresh_postgres_database(&server).await);
    let (a, b) = replicas(&shared, &[]).await;
    let single = Process::spawn_on(&alone, &ARGS);
    single.ready().await;

    send_shop(&python, &[&single], "trace").await;
    send_shop(&python, &[&a, &b], "trace").await;
    wait_for_edges(&single.base, &SHOP).await;
    wait_for_edges(&a.base, &SHOP).await;
    wait_for_edges(&b.base, &SHOP).await;
    for replica in [&a, &b] {
        assert!(metric(&replica.base, "meridian_spans_received_total").await > 0, "each replica took a share");
    }
    let spans = metric(&a.base, "meridian_spans_received_total").await + metric(&b.base, "meridian_spans_received_total").await;
    assert_eq!(spans, metric(&single.base, "meridian_spans_received_total").await, "every span reached one replica");
    for replica in [&a, &b, &single] {
        assert_eq!(metric(&replica.base, "meridian_spans_expired_total").await, 0, "no half waited in vain");
    }
    // Requests and errors per operation, as one replica counts them (the
    // latencies are those of two runs, so they differ).
    let payments = |base: String| async move {
        let (_, answer) = get_json(&format!("{base}/api/v1/services/split-payments/operations?window=15m")).await;
        answer["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .map(|o| (o["operation"].clone(), o["requests"].clone(), o["errors"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(payments(a.base.clone()).await, payments(single.base.clone()).await);
    assert_eq!(payments(b.base.clone()).await, payments(single.base.clone()).await);

    // Both replicas saw split-frontend move to 2.0.0: one deploy, stored once.
    let deploys = |base: String| async move {
        let (_, history) = get_json(&format!("{base}/api/v1/deploys?service=split-frontend")).await;
        history["items"].as_array().map(|items| {
            items
                .iter()
                .map(|d| (d["fromVersion"].as_str().map(str::to_string), d["version"].as_str().map(str::to_string)))
                .collect::<Vec<_>>()
        })
    };
    let one = Some(vec![(Some("1.0.0".to_string()), Some("2.0.0".to_string()))]);
    within(Duration::from_secs(10), "one deploy in the single replica's history", || async { deploys(single.base.clone()).await == one })
        .await;
    for replica in [&a, &b] {
        assert_eq!(deploys(replica.base.clone()).await, one, "the same deploy on every replica");
    }
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&shared).await.expect("connect");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys WHERE service = 'split-frontend'")
        .fetch_one(&mut connection)
        .await
        .expect("count deploys");
    assert_eq!(rows, 1, "two replicas saw the deploy; it is stored once");

    // One leader; when it dies, the other takes over.
    let leaders = |a: String, b: String| async move { (metric(&a, "meridian_leader").await, metric(&b, "meridian_leader").await) };
    within(Duration::from_secs(10), "a leader is chosen", || async {
        matches!(leaders(a.base.clone(), b.base.clone()).await, (1, 0) | (0, 1))
    })
    .await;
    let (mut leader, follower) = if metric(&a.base, "meridian_leader").await == 1 { (a, b) } else { (b, a) };
    leader.kill();
    let took = within(Duration::from_secs(10), "the follower leads once the leader is killed", || async {
        metric(&follower.base, "meridian_leader").await == 1
    })
    .await;
    eprintln!("leadership moved {took:?} after kill -9");
    drop(connection);
}

#[tokio::test(flavor = "multi_thread")]
async fn traffic_not_split_by_trace_id_leaves_halves_unpaired_and_metrics_say_so() {
    let Some(server) = postgres_url() else { return };
    let Some(python) = test_venv("python") else { return };
    let database_url = fresh_postgres_database(&server).await;
    let (a, b) = replicas(&database_url, &[]).await;
    send_shop(&python, &[&a, &b], "span").await;
    // Halves that met no partner are counted once their 2 s window passes.
    let expired = |a: String, b: String| async move {
        metric(&a, "meridian_spans_expired_total").await + metric(&b, "meridian_spans_expired_total").await
    };
    within(Duration::from_secs(15), "unpaired halves are counted on /metrics", || async {
        expired(a.base.clone(), b.base.clone()).await > 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await; // every half's window has passed
    let unpaired = expired(a.base.clone(), b.base.clone()).await;
    let graph = edges(&a.base).await;
    eprintln!("scattered by span: {unpaired} unpaired halves; graph {graph:?}");
    let calls_between = |source: &str, target: &str| {
        graph.iter().filter(|(s, t, _, _)| s == source && t == target).map(|(_, _, requests, _)| requests).sum::<u64>()
    };
    assert!(calls_between("service:split-frontend", "service:split-checkout") < 40, "calls were lost between services: {graph:?}");
    assert!(calls_between("user:user", "service:split-checkout") > 0, "checkout looks called by users: {graph:?}");
    assert_ne!(graph, SHOP.iter().map(|(s, t, r, e)| (s.to_string(), t.to_string(), *r, *e)).collect::<Vec<_>>());
}
