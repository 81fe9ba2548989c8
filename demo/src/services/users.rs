//! Users and their carts, in the `users-db` database.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::Db;
use crate::http::{Answer, ApiError};
use crate::service::Context;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, tier TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cart_items (user_id INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL,
        PRIMARY KEY (user_id, product_id))",
    "INSERT OR IGNORE INTO users (id, name, email, tier)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
        SELECT i, 'Shopper ' || i, 'shopper' || i || '@example.com', CASE WHEN i % 10 = 0 THEN 'gold' ELSE 'standard' END FROM n",
];

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let db = Db::open(&context.data_dir, "users-db", SCHEMA).await?;
    Ok(Router::new()
        .route("/users/{id}", get(user))
        .route("/users/{id}/cart", get(cart).post(add_to_cart).delete(empty_cart))
        .with_state(db))
}

async fn user(State(db): State<Db>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT id, name, email, tier FROM users WHERE id = ?";
    let row: Option<(i64, String, String, String)> =
        db.traced("SELECT", "users", SQL, sqlx::query_as(SQL).bind(id).fetch_optional(&db.pool)).await?;
    let (id, name, email, tier) = row.ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    Ok(Json(json!({ "id": id, "name": name, "email": email, "tier": tier })))
}

async fn cart(State(db): State<Db>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT product_id, quantity FROM cart_items WHERE user_id = ? ORDER BY product_id";
    let items: Vec<(i64, i64)> = db.traced("SELECT", "cart_items", SQL, sqlx::query_as(SQL).bind(id).fetch_all(&db.pool)).await?;
    let items: Vec<_> = items.into_iter().map(|(product_id, quantity)| json!({ "product_id": product_id, "quantity": quantity })).collect();
    Ok(Json(json!({ "user_id": id, "items": items })))
}

#[derive(Deserialize)]
struct CartItem {
    product_id: i64,
    quantity: i64,
}

async fn add_to_cart(State(db): State<Db>, Path(id): Path<i64>, Json(item): Json<CartItem>) -> Answer {
    if !(1..=20).contains(&item.quantity) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "quantity must be 1 to 20"));
    }
    const SQL: &str = "INSERT INTO cart_items (user_id, product_id, quantity) VALUES (?, ?, ?)
        ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = MIN(20, quantity + excluded.quantity)";
    db.traced("INSERT", "cart_items", SQL, sqlx::query(SQL).bind(id).bind(item.product_id).bind(item.quantity).execute(&db.pool)).await?;
    cart(State(db), Path(id)).await
}

async fn empty_cart(State(db): State<Db>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "DELETE FROM cart_items WHERE user_id = ?";
    let done = db.traced("DELETE", "cart_items", SQL, sqlx::query(SQL).bind(id).execute(&db.pool)).await?;
    Ok(Json(json!({ "user_id": id, "removed": done.rows_affected() })))
}
