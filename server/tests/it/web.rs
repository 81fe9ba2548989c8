//! Server-side rendering: every page reads without JavaScript. (Hydration is
//! tested in a real browser, in end2end/.)

use crate::common::*;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

async fn page(base: &str, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET page");
    (response.status().as_u16(), response.text().await.expect("HTML"))
}

/// Posts a page's form as a browser without JavaScript does; the redirect is not followed.
async fn post_form(url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.post(url).form(fields).send().await.unwrap()
}

/// Where a form's answer sends the browser: a 303 to a page starting with `expected`.
async fn redirected(response: reqwest::Response, expected: &str) -> String {
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    let to = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap().to_string();
    assert!(to.starts_with(expected), "{to}");
    to
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
    assert!(html.contains("<title>catalog · Meridian</title>"), "the page and the entity in the title: {html:.600}");
    let head = html.split("</head>").next().unwrap_or_default();
    assert_eq!(head.matches("<title>").count(), 1, "one title: {head}");
    assert!(html.contains("group:default/team-storefront"), "owner shown");
    assert!(html.contains("data-tab=\"Dependencies\""), "tabs are links");
    let (_, source) = page(&server.base, "/catalog/default/component/catalog?tab=source").await;
    assert!(
        source.contains("data-testid=\"entity-source\"") && source.contains("file:") && source.contains("demo/catalog/"),
        "where it came from"
    );
    assert!(source.contains(">relations<"), "the entity as YAML, relations included");
    let (status, html) = page(&server.base, "/catalog/default/component/catalog?tab=dependencies").await;
    assert_eq!(status, 200);
    let callers = html.split("data-testid=\"callers\"").nth(1).expect("callers table");
    assert!(callers.contains("data-peer=\"gateway\""), "observed caller rendered: {callers:.400}");
    assert!(
        callers.contains("class=\"sparkline\"") && callers.contains("1 requests, 0 errors, at most 1 a minute, p95 up to"),
        "the call's chart: {callers:.1500}"
    );

    let (status, html) = page(&server.base, "/graph?window=1h").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Graph · Meridian</title>"), "{html:.600}");
    assert!(html.contains("<svg") && html.contains("data-node=\"service:gateway\""), "graph drawn on the server");

    // Pages (and the app's files) are compressed as the browser asks.
    for encoding in ["br", "gzip"] {
        let response = reqwest::Client::new()
            .get(format!("{}/graph?window=1h", server.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some(encoding));
    }

    let (status, html) = page(&server.base, "/catalog/default/component/does-not-exist").await;
    assert_eq!(status, 404);
    assert!(html.contains("Not found"));
    server.running.stop().await;
}

/// A page fails with the status the REST API gives for the same question:
/// 404 for what does not exist, 400 for a bad query, 503 (with
/// `Retry-After`) when the database cannot be reached.
#[tokio::test]
async fn pages_answer_with_the_status_the_api_gives() {
    let server = start(None, vec![demo_catalog()]).await;
    for (path, api) in [
        ("/catalog/default/component/nosuch", Some("/api/catalog/entities/by-name/component/default/nosuch")),
        ("/apis/default/nosuch", None),
        ("/teams/default/nosuch", None),
        ("/no/such/page", None),
    ] {
        let (status, html) = page(&server.base, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Not found"), "{path}: {html:.1000}");
        if let Some(api) = api {
            assert_eq!(get_json(&format!("{}{api}", server.base)).await.0, 404, "{api}");
        }
    }
    let (status, html) = page(&server.base, "/graph?window=forever").await;
    assert_eq!(status, 400);
    assert!(html.contains("role=\"alert\""), "the error is shown: {html:.2000}");
    assert_eq!(get_json(&format!("{}/api/v1/graph?window=forever", server.base)).await.0, 400);
    assert_eq!(page(&server.base, "/catalog/default/component/gateway").await.0, 200);

    // The database gone: traffic pages say so with 503, as the API does.
    server.running.store.close().await;
    let response = reqwest::get(format!("{}/graph?window=1h", server.base)).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let html = response.text().await.unwrap();
    assert!(html.contains("cannot reach its database"), "{html:.2000}");
    let response = reqwest::get(format!("{}/api/v1/graph?window=1h", server.base)).await.unwrap();
    assert_eq!((response.status().as_u16(), response.headers().get("retry-after").is_some()), (503, true));
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
    assert_eq!(status, 503, "what the page needs cannot be reached");
    assert!(!demo.contains("<template"), "rendered in place");
    assert!(
        demo.contains(&format!("the demo fleet at {fleet_url}/ did not answer")) && demo.contains("meridian-demo fleet"),
        "names the fleet and what to start: {demo:.3000}"
    );

    // The switches are a plain form post that comes back with its outcome.
    let demo_form = format!("{}/demo", demo_mode.base);
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let url = demo_form.clone();
        async move { post_form(&url, &fields).await }
    };
    let outcome_of = |response: reqwest::Response| {
        let base = demo_mode.base.clone();
        async move {
            let to = redirected(response, "/demo?process=checkout&outcome=").await;
            let outcome = to.split("outcome=").nth(1).unwrap().to_string();
            // What the page reads after the redirect (its server function).
            let answer = reqwest::Client::new().post(format!("{base}/api/demo_outcome")).form(&[("id", outcome)]).send().await.unwrap();
            assert_eq!(answer.status(), 200);
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    let refused = outcome_of(
        post(vec![("process", "checkout"), ("latency_ms", "0"), ("latency_percent", "0"), ("error_percent", "150"), ("action", "faults")])
            .await,
    )
    .await;
    assert_eq!(refused["action"], "SetFaults");
    assert!(
        refused["refused"].as_str().unwrap().contains("must be a percentage from 0 to 100, not `150`"),
        "checked before sending: {refused}"
    );
    let unreachable = outcome_of(post(vec![("process", "checkout"), ("action", "clear")]).await).await;
    assert!(unreachable["refused"].as_str().unwrap().contains("did not answer"), "{unreachable}");
    let no_version = outcome_of(post(vec![("process", "checkout"), ("version", " "), ("action", "deploy")]).await).await;
    assert_eq!(no_version["refused"], "Give the version to deploy.");
    assert_eq!(post(vec![("process", "checkout"), ("action", "reboot")]).await.status(), 400, "not one of the form's buttons");
    demo_mode.running.stop().await;

    // Outside demo mode there is nothing to switch: 409, as a page would answer.
    let plain = start(None, vec![demo_catalog()]).await;
    let response = post_form(&format!("{}/demo", plain.base), &[("process", "checkout"), ("action", "clear")]).await;
    assert_eq!(response.status(), 409);
    plain.running.stop().await;
}

/// The catalog table at more than a page: sorted by a column (either way),
/// paged, and sorted by the health seen in traffic, all on the server.
#[tokio::test]
async fn the_catalog_table_sorts_and_pages_on_the_server_with_health() {
    let dir = tempfile::tempdir().expect("temp dir");
    let descriptors: Vec<String> = (0..120)
        .map(|i| format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: c-{i:03}}}\nspec: {{type: service, lifecycle: production, owner: team-{}}}\n", i % 7))
        .collect();
    std::fs::write(dir.path().join("catalog-info.yaml"), descriptors.join("---\n")).expect("catalog");
    let server = start(None, vec![dir.path().to_path_buf()]).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() - 1;
    // c-005 served three requests, c-010 one that failed.
    let spans = vec![
        ("c-005", served(1, now, 5, 200)),
        ("c-005", served(2, now, 5, 200)),
        ("c-005", served(3, now, 900, 200)),
        ("c-010", served(4, now, 5, 500)),
    ];
    send_spans(server.running.otlp_http_addr, spans).await;
    let rows = |html: &str| -> Vec<String> {
        html.split("<tr data-entity=\"component:default/")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default().to_string())
            .collect()
    };
    // Health reaches the table once the flush has written all of it.
    let first_requests = |html: &str| -> Option<u64> {
        let cell = html.split("data-testid=\"health-requests\"").nth(1)?;
        cell.split('>').nth(1)?.split('<').next()?.parse().ok()
    };
    let mut busiest = Vec::new();
    for _ in 0..100 {
        let (_, html) = page(&server.base, "/?sort=requests&order=desc").await;
        busiest = rows(&html);
        if first_requests(&html) == Some(3) && busiest.get(1).map(String::as_str) == Some("c-010") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(busiest[..2], ["c-005", "c-010"], "busiest first, then the rest without traffic");
    let (_, html) = page(&server.base, "/?sort=errors&order=desc").await;
    assert_eq!(rows(&html)[..2], ["c-010", "c-005"], "by error share");

    let (status, html) = page(&server.base, "/").await;
    assert_eq!(status, 200);
    assert_eq!(rows(&html).len(), 50, "one page");
    assert_eq!(rows(&html)[0], "c-000");
    assert!(html.contains("1–50 of 120 matches (120 entities)") && html.contains("Page 1 of 3"), "count and pager");
    let (_, html) = page(&server.base, "/?sort=name&order=desc&page=3").await;
    let last = rows(&html);
    assert_eq!((last.len(), last.first().map(String::as_str), last.last().map(String::as_str)), (20, Some("c-019"), Some("c-000")));
    let (_, html) = page(&server.base, "/?sort=name&page=99").await;
    assert_eq!(rows(&html).first().map(String::as_str), Some("c-100"), "past the end: the last page");
    let (_, html) = page(&server.base, "/?filter=spec.owner%3Dteam-3&sort=name&order=desc").await;
    let team = rows(&html);
    assert_eq!((team.len(), &team[..2]), (17, &["c-115".to_string(), "c-108".to_string()][..]), "a facet and a sort together");
    // Read once from the URL into enums and numbers; what no page offers is a 400 naming it.
    for (path, named) in [
        ("/?sort=colour", "`sort` must be one of name, kind, type, owner, lifecycle, requests, errors, p95, not `colour`"),
        ("/?sort=name&order=up", "`order` must be `asc` or `desc`, not `up`"),
        ("/?page=0", "`page` must be a whole number from 1, not `0`"),
    ] {
        let (status, html) = page(&server.base, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(named), "{path}: {named}");
    }
    server.running.stop().await;
}

/// The Register form is a plain post: it works without JavaScript, answers
/// with a redirect to its outcome (post, redirect, get), keeps what was
/// typed but the token, and refuses a post from another site.
#[tokio::test]
async fn the_register_form_posts_without_javascript() {
    let server = start(None, vec![demo_catalog()]).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: posted}\nspec: {type: service, lifecycle: production, owner: team-storefront}\n";
    let register_form = format!("{}/register", server.base);
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let url = register_form.clone();
        async move { post_form(&url, &fields).await }
    };
    let follow = |response: reqwest::Response| {
        let base = server.base.clone();
        async move { page(&base, &redirected(response, "/register?outcome=").await).await }
    };

    let (status, html) = follow(post(vec![("yaml", yaml), ("action", "preview")]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Preview: 1 would be added"), "{html:.3000}");
    assert!(html.contains("name: posted"), "the YAML is in the form again");
    let (_, html) = follow(post(vec![("yaml", yaml), ("action", "register")]).await).await;
    assert!(html.contains("That API token is not valid"), "{html:.3000}");
    let (_, html) = follow(post(vec![("yaml", yaml), ("token", TEST_TOKEN), ("action", "register")]).await).await;
    assert!(html.contains("data-applied=\"true\"") && html.contains("Registered: 1 added"), "{html:.3000}");
    assert!(!html.contains(TEST_TOKEN), "the token is never shown again");
    assert_eq!(get_json(&format!("{}/api/catalog/entities/by-name/component/default/posted", server.base)).await.0, 200);
    let (_, html) = follow(post(vec![("target", "relative/folder"), ("action", "preview-location")]).await).await;
    assert!(html.contains("role=\"alert\"") && html.contains("value=\"relative/folder\""), "{html:.3000}");
    assert_eq!(post(vec![("action", "delete-everything")]).await.status(), 400);

    // From another site: refused, whichever header the browser sends.
    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://elsewhere.example")] {
        let refused = client
            .post(format!("{}/register", server.base))
            .header(name, value)
            .form(&[("yaml", yaml), ("token", TEST_TOKEN), ("action", "register")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{name}: {value}");
    }
    let same_site = client
        .post(format!("{}/register", server.base))
        .header("origin", server.base.as_str())
        .form(&[("yaml", yaml), ("action", "preview")])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 303, "a post from Meridian's own page");
    server.running.stop().await;
}

/// The Graph page reads its choices (direction, grouping) once from the
/// URL into enums: one no page offers is a 400 naming it, as the API says.
#[tokio::test]
async fn graph_choices_no_page_offers_are_named() {
    let server = start(None, vec![demo_catalog()]).await;
    for (path, named) in [
        ("/graph?group=colour", "`group` must be `system`, `owner`, `cluster` or `none`, not `colour`"),
        ("/graph?direction=sideways", "`direction` must be `both`, `callers` or `callees`, not `sideways`"),
        ("/graph?hops=99", "`hops` must be a whole number from 1 to 10, not `99`"),
    ] {
        let (status, html) = page(&server.base, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(&named.replace('`', "&#x60;")) || html.contains(named), "{path}: {named}");
    }
    for path in ["/graph?group=cluster&direction=callers", "/graph?group=none"] {
        assert_eq!(page(&server.base, path).await.0, 200, "{path}");
    }
    server.running.stop().await;
}
