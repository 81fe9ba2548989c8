//! Prices, in the `pricing-db` database. The fleet starts it slightly flaky
//! (a share of 503s), so its callers' retries show in the traces.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::Db;
use crate::http::{Answer, ApiError};
use crate::service::Context;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS prices (product_id INTEGER PRIMARY KEY, cents INTEGER NOT NULL, currency TEXT NOT NULL)",
    "INSERT OR IGNORE INTO prices (product_id, cents, currency)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
        SELECT i, 499 + (i * 733) % 20000, 'EUR' FROM n",
];

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let db = Db::open(&context.data_dir, "pricing-db", SCHEMA).await?;
    Ok(Router::new().route("/prices", get(prices)).route("/prices/{id}", get(price)).with_state(db))
}

async fn price(State(db): State<Db>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT cents, currency FROM prices WHERE product_id = ?";
    let row: Option<(i64, String)> = db.traced("SELECT", "prices", SQL, sqlx::query_as(SQL).bind(id).fetch_optional(&db.pool)).await?;
    let (cents, currency) = row.ok_or_else(|| ApiError::not_found(format!("price for product {id}")))?;
    Ok(Json(json!({ "product_id": id, "cents": cents, "currency": currency })))
}

#[derive(Deserialize)]
struct Ids {
    ids: String,
}

async fn prices(State(db): State<Db>, Query(query): Query<Ids>) -> Answer {
    let ids = parse_ids(&query.ids)?;
    // One statement for the whole page: `json_each` expands the id list.
    const SQL: &str = "SELECT product_id, cents, currency FROM prices WHERE product_id IN (SELECT value FROM json_each(?))";
    let list = serde_json::to_string(&ids).unwrap_or_default();
    let rows: Vec<(i64, i64, String)> = db.traced("SELECT", "prices", SQL, sqlx::query_as(SQL).bind(list).fetch_all(&db.pool)).await?;
    let prices: Vec<_> =
        rows.into_iter().map(|(id, cents, currency)| json!({ "product_id": id, "cents": cents, "currency": currency })).collect();
    Ok(Json(json!({ "prices": prices })))
}

/// A query parameter list of ids, `1,2,3`.
fn parse_ids(text: &str) -> Result<Vec<i64>, ApiError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i64>().map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, format!("`{s}` is not an id"))))
        .collect()
}
