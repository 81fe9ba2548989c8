//! The shop's public API, what browsers call: it fans out to catalog,
//! recommendations, users and checkout. Each client (`X-Client-Id`) gets a
//! token bucket of 10 requests, refilled at 5 a second; beyond that the
//! answer is 429 with `Retry-After`, as the crawler in the load finds out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Answer, ApiError, Downstream};
use crate::layout::Process;
use crate::resilience::TokenBucket;
use crate::service::Context;

#[derive(Clone)]
struct Gateway {
    catalog: Downstream,
    recommendations: Downstream,
    users: Downstream,
    checkout: Downstream,
}

pub fn router(context: &Context) -> anyhow::Result<Router> {
    let gateway = Gateway {
        catalog: context.peer(Process::Catalog, Duration::from_secs(1)),
        recommendations: context.peer(Process::Recommendations, Duration::from_millis(300)),
        users: context.peer(Process::Users, Duration::from_millis(500)),
        checkout: context.peer(Process::Checkout, Duration::from_secs(5)),
    };
    let limits = Arc::new(RateLimits::default());
    Ok(Router::new()
        .route("/api/products", get(products))
        .route("/api/products/{id}", get(product))
        .route("/api/search", get(search))
        .route("/api/cart/items", post(add_to_cart))
        .route("/api/checkout", post(checkout))
        .route_layer(axum::middleware::from_fn_with_state(limits, rate_limit))
        .with_state(gateway))
}

/// One token bucket per client.
#[derive(Default)]
struct RateLimits {
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

async fn rate_limit(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    let client = request.headers().get("x-client-id").and_then(|v| v.to_str().ok()).unwrap_or("anonymous").to_string();
    let now = Instant::now();
    let allowed = {
        let mut buckets = limits.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.clear(); // a crude bound on memory; the demo has a few hundred clients
        }
        buckets.entry(client.clone()).or_insert_with(|| TokenBucket::new(10.0, 5.0, now)).try_take(now)
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::Span::current().record("demo.fault", "rate-limited");
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("client {client} is over 5 requests a second")).into_response();
    response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("1"));
    response
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    page: u32,
}

async fn products(State(gateway): State<Gateway>, Query(page): Query<Page>) -> Answer {
    Ok(Json(gateway.catalog.get(&format!("/products?limit=20&offset={}", (page.page % 6) * 20)).await?))
}

async fn product(State(gateway): State<Gateway>, Path(id): Path<u32>, headers: HeaderMap) -> Answer {
    let user = headers.get("x-user-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u32>().ok());
    let recommendations = async {
        match user {
            Some(user) => gateway.recommendations.get(&format!("/recommendations/{user}")).await.ok(),
            None => None,
        }
    };
    let (product_path, related_path) = (format!("/products/{id}"), format!("/products/{id}/related"));
    let (product, related, recommended) =
        tokio::join!(gateway.catalog.get(&product_path), gateway.catalog.get(&related_path), recommendations);
    let mut product = product?;
    product["related"] = related.map_or(Value::Null, |r| r["related"].clone());
    product["recommended"] = recommended.map_or(Value::Null, |r| r["products"].clone());
    Ok(Json(product))
}

#[derive(Deserialize)]
struct Search {
    q: String,
}

async fn search(State(gateway): State<Gateway>, Query(search): Query<Search>) -> Answer {
    let q: String = search.q.chars().filter(|c| c.is_alphanumeric() || *c == ' ').take(64).collect();
    Ok(Json(gateway.catalog.get(&format!("/search?q={}", q.replace(' ', "+"))).await?))
}

#[derive(Deserialize)]
struct CartItem {
    user_id: u32,
    product_id: u32,
    quantity: u32,
}

async fn add_to_cart(State(gateway): State<Gateway>, Json(item): Json<CartItem>) -> Answer {
    let body = json!({ "product_id": item.product_id, "quantity": item.quantity });
    Ok(Json(gateway.users.post(&format!("/users/{}/cart", item.user_id), &body).await?))
}

#[derive(Deserialize)]
struct Checkout {
    user_id: u32,
}

async fn checkout(State(gateway): State<Gateway>, Json(request): Json<Checkout>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let order = gateway.checkout.post("/orders", &json!({ "user_id": request.user_id })).await?;
    Ok((StatusCode::CREATED, Json(order)))
}
