//! Stock and reservations, in the `inventory-db` database. A reservation
//! first asks catalog about each product (catalog asks inventory for stock:
//! the two call each other, a cycle Meridian's insights point out).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use std::time::Duration;

use crate::db::Db;
use crate::http::{Answer, ApiError, Downstream};
use crate::layout::Process;
use crate::service::Context;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS stock (product_id INTEGER PRIMARY KEY, available INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reservations (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO stock (product_id, available)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
        SELECT i, 100000 FROM n",
];

#[derive(Clone)]
struct Inventory {
    db: Db,
    catalog: Downstream,
}

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let inventory = Inventory {
        db: Db::open(&context.data_dir, "inventory-db", SCHEMA).await?,
        catalog: context.peer(Process::Catalog, Duration::from_millis(300)),
    };
    Ok(Router::new().route("/stock/{id}", get(stock)).route("/reservations", post(reserve)).with_state(inventory))
}

async fn stock(State(Inventory { db, .. }): State<Inventory>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT available FROM stock WHERE product_id = ?";
    let available: Option<i64> = db.traced("SELECT", "stock", SQL, sqlx::query_scalar(SQL).bind(id).fetch_optional(&db.pool)).await?;
    let available = available.ok_or_else(|| ApiError::not_found(format!("stock for product {id}")))?;
    Ok(Json(json!({ "product_id": id, "available": available })))
}

#[derive(Deserialize)]
struct Reservation {
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    product_id: i64,
    quantity: i64,
}

/// Reserves every item or none (one transaction); 409 when one is short.
async fn reserve(State(Inventory { db, catalog }): State<Inventory>, Json(request): Json<Reservation>) -> Answer {
    for item in &request.items {
        // Still listed? A catalog outage does not block reservations.
        let _ = catalog.get(&format!("/products/{}", item.product_id)).await;
    }
    const TAKE: &str = "UPDATE stock SET available = available - ? WHERE product_id = ? AND available >= ?";
    const RECORD: &str = "INSERT INTO reservations (product_id, quantity) VALUES (?, ?)";
    let mut tx = db.traced("BEGIN", "stock", "BEGIN", db.pool.begin()).await?;
    for item in &request.items {
        let taken = db
            .traced(
                "UPDATE",
                "stock",
                TAKE,
                sqlx::query(TAKE).bind(item.quantity).bind(item.product_id).bind(item.quantity).execute(&mut *tx),
            )
            .await?;
        if taken.rows_affected() == 0 {
            return Err(ApiError::new(StatusCode::CONFLICT, format!("product {} is short of {}", item.product_id, item.quantity)));
        }
        db.traced("INSERT", "reservations", RECORD, sqlx::query(RECORD).bind(item.product_id).bind(item.quantity).execute(&mut *tx))
            .await?;
    }
    db.traced("COMMIT", "stock", "COMMIT", tx.commit()).await?;
    Ok(Json(json!({ "reserved": request.items.len() })))
}
