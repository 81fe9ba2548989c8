//! Server-side rendering: every page reads without JavaScript. (Hydration is
//! tested in a real browser, in end2end/.)

use crate::common::*;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

async fn page(base: &str, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET page");
    (response.status().as_u16(), response.text().await.expect("HTML"))
}

#[tokio::test]
async fn pages_render_on_the_server() {
    let server = start(None, vec![demo_catalog()]).await;
    send_spans(
        server.running.otlp_http_addr,
        vec![("gateway", span(1, 10, Some(1), SpanKind::Client, false)), ("catalog", span(1, 11, Some(10), SpanKind::Server, false))],
    )
    .await;
    wait_for_edges(&server.base, &[("service:gateway", "service:catalog", 1, 0)]).await;

    let (status, html) = page(&server.base, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-hydrated=\"false\""), "rendered before hydration");
    // Rendered in place, not streamed into <template>s that need scripts.
    assert!(!html.contains("<template"), "pages must not depend on streaming scripts");
    assert!(html.contains("<tr data-entity=\"component:default/gateway\""), "rows are in the document");
    for name in ["Gateway", "Product catalog", "Pricing", "team-storefront"] {
        assert!(html.contains(name), "catalog page lists {name}");
    }
    // The no-JavaScript filter: ?q= filters on the server.
    let (_, filtered) = page(&server.base, "/?q=pricing").await;
    // (The hydration payload carries every entity; look at rendered rows.)
    let row = |r: &str| format!("<tr data-entity=\"{r}\"");
    assert!(filtered.contains(&row("component:default/pricing")), "?q= keeps matches");
    assert!(!filtered.contains(&row("component:default/catalog")), "?q= filters server-side");

    let (status, html) = page(&server.base, "/catalog/default/component/catalog").await;
    assert_eq!(status, 200);
    assert!(html.contains("Product catalog"));
    assert!(html.contains("group:default/team-storefront"), "owner shown");
    let callers = html.split("data-testid=\"callers\"").nth(1).expect("callers table");
    assert!(callers.contains("data-peer=\"gateway\""), "observed caller rendered: {callers:.400}");

    let (status, html) = page(&server.base, "/graph?window=1h").await;
    assert_eq!(status, 200);
    assert!(html.contains("<svg") && html.contains("data-node=\"service:gateway\""), "graph drawn on the server");

    let (status, html) = page(&server.base, "/catalog/default/component/does-not-exist").await;
    assert_eq!(status, 200);
    assert!(html.contains("Not found"));
    server.running.stop().await;
}

#[tokio::test]
async fn the_demo_page_needs_demo_mode_and_names_an_unreachable_fleet() {
    let plain = start(None, vec![demo_catalog()]).await;
    let (_, catalog) = page(&plain.base, "/").await;
    assert!(!catalog.contains("href=\"/demo\""), "no Demo link outside demo mode");
    let (status, demo) = page(&plain.base, "/demo").await;
    assert_eq!(status, 200);
    assert!(demo.contains("data-testid=\"demo-off\"") && demo.contains("--demo-fleet"), "says how to turn it on: {demo:.2000}");
    assert!(!demo.contains("data-testid=\"demo-switches\""), "no switches outside demo mode");
    plain.running.stop().await;

    // A fleet address nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let fleet_url = format!("http://{closed}");
    let demo_mode = start_with(None, vec![demo_catalog()], |c| c.demo_fleet = Some(fleet_url.clone())).await;
    let (_, catalog) = page(&demo_mode.base, "/").await;
    assert!(catalog.contains("href=\"/demo\""), "the Demo link in demo mode");
    let (status, demo) = page(&demo_mode.base, "/demo").await;
    assert_eq!(status, 200);
    assert!(!demo.contains("<template"), "rendered in place");
    assert!(
        demo.contains(&format!("the demo fleet at {fleet_url}/ did not answer")) && demo.contains("meridian-demo fleet"),
        "names the fleet and what to start: {demo:.3000}"
    );
    demo_mode.running.stop().await;
}
