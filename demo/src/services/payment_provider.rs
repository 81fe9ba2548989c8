//! A stand-in for the outside payment provider: no telemetry at all (we do
//! not run it), so it appears in the graph only through its callers' CLIENT
//! spans, as an external node. Its faults are switched like the services'.

use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::http::Answer;

pub fn router() -> Router {
    Router::new().route("/v1/charges", post(charge))
}

#[derive(Deserialize)]
struct Charge {
    amount_cents: i64,
    currency: String,
}

async fn charge(Json(charge): Json<Charge>) -> Answer {
    // What a card network takes, give or take.
    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(30..120))).await;
    Ok(Json(json!({
        "id": format!("ch_{:016x}", fastrand::u64(..)),
        "status": "succeeded",
        "amount_cents": charge.amount_cents,
        "currency": charge.currency,
    })))
}
