//! SLOs with known answers, through the real server on SQLite and on
//! PostgreSQL: spans in over OTLP, evaluated at a chosen time, read back
//! from `/api/v1/slos`.

use std::path::Path;

use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::Value;

use crate::common::*;

const CATALOG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop}
spec: {type: service, lifecycle: production, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: edge}
spec: {type: service, lifecycle: production, owner: team-edge}
";

/// An SLO over `service`'s spans: availability (`not-5xx`) or latency
/// (`lte` 300 ms), over a rolling `window`.
fn slo(name: &str, service: &str, window: &str, latency: bool) -> String {
    let (indicator, objective) = if latency {
        (
            format!("thresholdMetric:\n        metricSource: {{type: meridian, spec: {{service: {service}, measure: latency}}}}"),
            "{op: lte, value: 300, target: 0.95}",
        )
    } else {
        (
            format!(
                "ratioMetric:\n        good: {{metricSource: {{type: meridian, spec: {{service: {service}, status: not-5xx}}}}}}\n        total: {{metricSource: {{type: meridian, spec: {{service: {service}}}}}}}"
            ),
            "{target: 0.99}",
        )
    };
    format!(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: {name}}}\nspec:\n  service: {service}\n  budgetingMethod: Occurrences\n  indicator:\n    spec:\n      {indicator}\n  timeWindow: [{{duration: {window}, isRolling: true}}]\n  objectives: [{objective}]\n---\n"
    )
}

fn write_catalog(dir: &Path) {
    std::fs::write(dir.join("catalog-info.yaml"), CATALOG).unwrap();
    let slos = [
        slo("shop-availability", "shop", "28d", false),
        slo("shop-latency", "shop", "7d", true),
        slo("edge-5m", "edge", "5m", false),
        slo("edge-6m", "edge", "6m", false),
        // Refused, with its place: Meridian computes from its own traces.
        slo("broken", "shop", "7d", false).replacen("type: meridian", "type: prometheus", 1),
    ];
    std::fs::write(dir.join("slos.yaml"), slos.concat()).unwrap();
}

async fn requests(base: &str, service: &str) -> u64 {
    let (_, operations) = get_json(&format!("{base}/api/v1/services/{service}/operations?window=1h")).await;
    operations["operations"].as_array().map_or(0, |ops| ops.iter().map(|o| o["requests"].as_u64().unwrap_or(0)).sum())
}

fn item<'a>(answer: &'a Value, name: &str) -> &'a Value {
    answer["items"].as_array().and_then(|items| items.iter().find(|i| i["name"] == name)).unwrap_or_else(|| panic!("{name} in {answer}"))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

/// A server on `database_url` with the SLOs above, and their services'
/// spans of the last minutes in; the start of the current minute.
async fn seeded(
    database_url: Option<String>,
    adjust: impl FnOnce(&mut server::serve::ServeConfig),
) -> (TestServer, u64, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let server = start_with(database_url, vec![dir.path().to_path_buf()], |config| {
        config.slo_interval = None;
        adjust(config);
    })
    .await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let end = now - now % 60;

    // shop, three minutes ago: 98 answers under 300 ms, 2 server errors
    // (503, status left unset), 10 of all of them slow.
    let shop: Vec<Span> =
        (0..100).map(|i| served(i + 1, end - 180, if i < 90 { 100 } else { 500 }, if i < 98 { 200 } else { 503 })).collect();
    export(&server.running.otlp_http_addr.to_string(), &request("shop", shop)).await;
    // edge: a bad minute just outside a 5-minute window, a good one just inside.
    let bad: Vec<Span> = (1000..1005).map(|i| served(i, end - 360, 10, 500)).collect();
    let good: Vec<Span> = (2000..2005).map(|i| served(i, end - 300, 10, 200)).collect();
    export(&server.running.otlp_http_addr.to_string(), &request("edge", [bad, good].concat())).await;
    for _ in 0..100 {
        if requests(&server.base, "shop").await == 100 && requests(&server.base, "edge").await == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (server, end, dir)
}

async fn known_answers(database_url: Option<String>) {
    let (server, end, _dir) = seeded(database_url, |config| {
        config.regression = server::core::deploys::RegressionRule {
            window: std::time::Duration::from_secs(60),
            ..server::core::deploys::DEFAULT_REGRESSION_RULE
        }
    })
    .await;
    let (status, before) = get_json(&format!("{}/api/v1/slos", server.base)).await;
    assert_eq!((status, before["items"].as_array().map(Vec::len)), (200, Some(0)), "nothing before the first evaluation: {before}");
    server.running.slos.evaluate(end + 30).await.unwrap();
    let (status, answer) = get_json(&format!("{}/api/v1/slos", server.base)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["items"].as_array().map(Vec::len), Some(4), "the broken SLO is left out: {answer}");

    // Exactly 2 % errors against 99 %: the budget overspent once, every burn 2, a ticket.
    let availability = item(&answer, "shop-availability");
    assert_eq!((availability["good"].as_u64(), availability["total"].as_u64()), (Some(98), Some(100)), "{availability}");
    assert!(close(&availability["attainment"], 0.98), "{availability}");
    assert!(close(&availability["errorBudgetRemaining"], -1.0), "{availability}");
    for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] {
        let burn = &availability["burnRates"][window];
        // The 5-minute window holds the minute three minutes back; all do.
        assert!(close(burn, 2.0), "burn over {window}: {burn}");
    }
    assert_eq!(availability["alert"], "ticket");
    assert_eq!(availability["alertHistory"][0]["state"], "ticket");
    assert_eq!((availability["window"].as_str(), availability["entityRef"].as_str()), (Some("28d"), Some("component:default/shop")));
    assert!(!availability["budgetSeries"].as_array().unwrap().is_empty(), "a chart: {availability}");

    // Latency: 90 of 100 within 300 ms against 95 %.
    let latency = item(&answer, "shop-latency");
    assert_eq!((latency["good"].as_u64(), latency["total"].as_u64()), (Some(90), Some(100)), "{latency}");
    assert!(close(&latency["burnRates"]["1h"], 2.0), "{latency}");
    assert_eq!(latency["threshold"]["op"], "lte");

    // The window's edge: the bad minute six minutes back is outside 5m and inside 6m.
    let five = item(&answer, "edge-5m");
    assert_eq!((five["good"].as_u64(), five["total"].as_u64()), (Some(5), Some(5)), "{five}");
    let six = item(&answer, "edge-6m");
    assert_eq!((six["good"].as_u64(), six["total"].as_u64()), (Some(5), Some(10)), "{six}");

    // Filters, one SLO, and what is refused.
    let (_, shop_only) = get_json(&format!("{}/api/v1/slos?service=shop", server.base)).await;
    assert_eq!(shop_only["items"].as_array().map(Vec::len), Some(2));
    // Half of edge's calls failed within the hour (and within 30m and 6h): both edge SLOs page.
    let (_, paging) = get_json(&format!("{}/api/v1/slos?state=page", server.base)).await;
    let names: Vec<&str> = paging["items"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["edge-5m", "edge-6m"]);
    let (status, refused) = get_json(&format!("{}/api/v1/slos?state=burning", server.base)).await;
    assert_eq!(status, 400, "{refused}");
    let names_of = |answer: &Value| -> Vec<String> {
        answer["items"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str().map(str::to_string)).collect()
    };
    let (_, edge) = get_json(&format!("{}/api/v1/slos?owner=team-edge", server.base)).await;
    assert_eq!(names_of(&edge), ["edge-5m", "edge-6m"], "an owner as a descriptor writes it: {edge}");
    assert_eq!(edge["items"][0]["owner"], "group:default/team-edge");
    assert_eq!(edge["owners"], serde_json::json!(["group:default/team", "group:default/team-edge"]));
    let (status, refused) = get_json(&format!("{}/api/v1/slos?sort=worst", server.base)).await;
    assert_eq!(status, 400, "{refused}");
    // The SLOs page and the API list the same objectives in the same order
    // for the same filter (the page sorts by budget unless told).
    for (page, api) in [
        ("", "sort=budget"),
        ("sort=name", "sort=name"),
        ("sort=burn", "sort=burn"),
        ("owner=team-edge&sort=name", "owner=team-edge&sort=name"),
        ("owner=group%3Adefault%2Fteam", "owner=team&sort=budget"),
        ("state=ticket", "state=ticket&sort=budget"),
    ] {
        let shown: Vec<String> =
            page_rows(&format!("{}/slos?{page}", server.base), "slos", &["data-slo"]).await.into_iter().flatten().collect();
        let (status, answer) = get_json(&format!("{}/api/v1/slos?{api}", server.base)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(shown, names_of(&answer), "page `{page}` against API `{api}`");
    }
    let (_, by_budget) = get_json(&format!("{}/api/v1/slos?sort=budget", server.base)).await;
    assert_eq!(names_of(&by_budget)[0], "edge-6m", "the most overspent budget first: {by_budget}");
    let (status, one) = get_json(&format!("{}/api/v1/slos/edge-6m", server.base)).await;
    assert_eq!((status, one["items"].as_array().map(Vec::len)), (200, Some(1)));
    let (status, _) = get_json(&format!("{}/api/v1/slos/nothing", server.base)).await;
    assert_eq!(status, 404);

    // The refused SLO is a catalog problem, at its place.
    let (_, problems) = get_json(&format!("{}/api/v1/catalog/problems", server.base)).await;
    let refused = problems
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["message"].as_str().unwrap_or("").starts_with("SLO `broken`: unknown metric source type `prometheus`"));
    let place = refused.map(|p| &p["location"]).expect("the refused SLO among the problems");
    assert!(place["file"].as_str().unwrap().ends_with("slos.yaml"), "{problems}");
    assert_eq!(
        (place["line"].as_u64(), place["column"].as_u64(), refused.unwrap()["severity"].as_str()),
        (Some(65), Some(37), Some("error"))
    );

    // A deploy of shop just before its bad minute: both its SLOs burned faster after it.
    let deploy = serde_json::json!({"service": "shop", "version": "2.0", "at": slo::window::rfc3339(end - 200)});
    let response =
        reqwest::Client::new().post(format!("{}/api/v1/deploys", server.base)).bearer_auth(TEST_TOKEN).json(&deploy).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let (_, deploys) = get_json(&format!("{}/api/v1/deploys?service=shop", server.base)).await;
    let rose = &deploys["items"][0]["burnRose"];
    let names: Vec<&str> = rose.as_array().unwrap().iter().filter_map(|b| b["slo"].as_str()).collect();
    assert_eq!(names, ["shop-availability", "shop-latency"], "{deploys}");
    assert!(close(&rose[0]["after"], 2.0) && rose[0]["before"].is_null(), "{rose}");

    // The pages, rendered on the server: the entity's SLO panel (and its refused SLO's problem) and the SLOs page, filtered by state.
    let html = reqwest::get(format!("{}/catalog/default/component/shop", server.base)).await.unwrap().text().await.unwrap();
    let problems = html.split("data-testid=\"problems\"").nth(1).expect("shop's problems");
    assert!(problems.contains("slos.yaml:65:37: error: SLO `broken`: unknown metric source type `prometheus`"), "{problems:.2000}");
    let html = reqwest::get(format!("{}/catalog/default/component/shop?tab=slos", server.base)).await.unwrap().text().await.unwrap();
    let panel = html.split("data-testid=\"slo-panel\"").nth(1).expect("an SLO panel on the component's page");
    assert!(panel.contains("data-slo=\"shop-availability\"") && panel.contains(">Ticket<") && panel.contains("-100.00 %"), "{panel:.3000}");
    assert!(panel.contains("class=\"budget-chart\""), "the budget chart is drawn on the server: {panel:.4000}");
    // Minutes of events in a 28-day window: the chart spans them, says so, and labels both axes.
    let chart = panel.split("data-testid=\"budget-chart\"").nth(1).expect("a budget chart");
    assert!(chart.contains("data-testid=\"budget-note\"") && chart.contains(": the chart spans that, not the whole 28d."), "{chart:.2000}");
    assert!(chart.contains("min ago</span><span>now</span>") && chart.contains("<span>100 %</span><span>0</span>"), "{chart:.2000}");
    let html = reqwest::get(format!("{}/slos?state=page&sort=name", server.base)).await.unwrap().text().await.unwrap();
    let table = html.split("data-testid=\"slos\"").nth(1).expect("the SLO table");
    assert!(table.contains("data-slo=\"edge-5m\"") && table.contains("data-slo=\"edge-6m\""), "{table:.2000}");
    assert!(!table.contains("data-slo=\"shop-availability\""), "only paging SLOs");
    assert!(html.contains("<option value=\"page\" selected"), "the form shows the choice");

    // A late server error two minutes back is counted by the next pass (in
    // the window and in every burn window), with no new alert change.
    export(&server.running.otlp_http_addr.to_string(), &request("shop", vec![served(500, end - 120, 10, 503)])).await;
    for _ in 0..100 {
        if requests(&server.base, "shop").await == 101 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.running.slos.evaluate(end + 45).await.unwrap();
    let (_, again) = get_json(&format!("{}/api/v1/slos/shop-availability", server.base)).await;
    let again = &again["items"][0];
    assert_eq!((again["good"].as_u64(), again["total"].as_u64()), (Some(98), Some(101)), "{again}");
    assert!(close(&again["burnRates"]["5m"], 300.0 / 101.0), "{again}");
    assert_eq!(again["alertHistory"].as_array().map(Vec::len), Some(1));
    server.running.stop().await;
}

#[tokio::test]
async fn known_answers_on_sqlite() {
    known_answers(None).await;
}

#[tokio::test]
async fn known_answers_on_postgres() {
    let Some(url) = postgres_url() else { return };
    known_answers(Some(fresh_postgres_database(&url).await)).await;
}

#[tokio::test]
async fn alert_changes_reach_the_webhook_after_a_failed_try() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let store = received.clone();
    // Fails the first delivery, takes the rest.
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(event): axum::Json<Value>| {
            let store = store.clone();
            async move {
                let mut received = store.lock().unwrap();
                received.push(event);
                if received.len() == 1 { axum::http::StatusCode::INTERNAL_SERVER_ERROR } else { axum::http::StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (server, end, _dir) = seeded(None, |config| config.alert_webhook = Some(url)).await;
    server.running.slos.evaluate(end + 30).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let events = loop {
        let events = received.lock().unwrap().clone();
        // Four changes worth telling (two tickets, two pages), one sent twice.
        if events.len() >= 5 || std::time::Instant::now() > deadline {
            break events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let ticket = events.iter().filter(|e| e["slo"] == "shop-availability").collect::<Vec<_>>();
    assert_eq!(ticket.len(), 2, "the refused delivery was tried again: {events:?}");
    assert_eq!((ticket[1]["state"].as_str(), ticket[1]["previous"].as_str()), (Some("ticket"), None));
    assert!(close(&ticket[1]["errorBudgetRemaining"], -1.0), "{}", ticket[1]);
    assert!(close(&ticket[1]["burnRates"]["1h"], 2.0), "{}", ticket[1]);
    let pages: Vec<&str> = events.iter().filter(|e| e["state"] == "page").filter_map(|e| e["slo"].as_str()).collect();
    assert!(pages.contains(&"edge-5m") && pages.contains(&"edge-6m"), "{events:?}");
    assert_eq!(events.len(), 5, "{events:?}");
    // Evaluated again with nothing changed: nothing more is posted.
    server.running.slos.evaluate(end + 45).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(received.lock().unwrap().len(), 5);
    server.running.stop().await;
}
