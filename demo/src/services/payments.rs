//! Charges, in the `payments-db` database. The outside provider is called
//! through a circuit breaker: after 5 failures in a row it opens for 15 s,
//! and while open the fallback accepts the charge as `deferred` (captured
//! later) instead of failing the order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::Db;
use crate::http::{ApiError, Downstream};
use crate::layout::Process;
use crate::resilience::CircuitBreaker;
use crate::service::Context;

const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS charges (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL, status TEXT NOT NULL, provider_ref TEXT)"];

#[derive(Clone)]
struct Payments {
    db: Db,
    provider: Downstream,
    breaker: Arc<CircuitBreaker>,
}

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let payments = Payments {
        db: Db::open(&context.data_dir, "payments-db", SCHEMA).await?,
        provider: Downstream::external(&context.layout.url(Process::PaymentProvider), Duration::from_millis(800), "payment-provider"),
        breaker: Arc::new(CircuitBreaker::new(5, Duration::from_secs(15))),
    };
    Ok(Router::new().route("/charges", post(charge)).with_state(payments))
}

#[derive(Deserialize)]
struct Charge {
    order_id: i64,
    amount_cents: i64,
}

async fn charge(State(payments): State<Payments>, Json(charge): Json<Charge>) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let outcome = match payments.breaker.allow(Instant::now()) {
        true => {
            let result = payments.provider.post("/v1/charges", &json!({ "amount_cents": charge.amount_cents, "currency": "EUR" })).await;
            payments.breaker.record(result.is_ok(), Instant::now());
            result.map_err(|e| e.to_string())
        }
        false => Err("circuit open".to_string()),
    };
    let (status, reference, answer) = match outcome {
        Ok(receipt) => ("captured", receipt["id"].as_str().map(str::to_string), StatusCode::CREATED),
        Err(reason) => {
            tracing::warn!(
                "order {}: provider unavailable ({reason}, breaker {:?}); charge deferred",
                charge.order_id,
                payments.breaker.state()
            );
            ("deferred", None, StatusCode::ACCEPTED)
        }
    };
    const SQL: &str = "INSERT INTO charges (order_id, amount_cents, status, provider_ref) VALUES (?, ?, ?, ?) RETURNING id";
    let db = &payments.db;
    let id: i64 = db
        .traced(
            "INSERT",
            "charges",
            SQL,
            sqlx::query_scalar(SQL).bind(charge.order_id).bind(charge.amount_cents).bind(status).bind(&reference).fetch_one(&db.pool),
        )
        .await?;
    Ok((answer, Json(json!({ "id": id, "order_id": charge.order_id, "status": status, "provider_ref": reference }))))
}
