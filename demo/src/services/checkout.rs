//! Orders, in the `orders-db` database. Placing one reads the cart (users),
//! prices it (pricing), reserves stock (inventory), charges it (payments),
//! records it, publishes `OrderPlaced` to the `order-placed` queue and
//! empties the cart.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::Db;
use crate::http::{Answer, ApiError, Downstream};
use crate::layout::Process;
use crate::service::Context;

const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    total_cents INTEGER NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"];

pub const ORDER_PLACED: &str = "order-placed";

#[derive(Clone)]
struct Checkout {
    db: Db,
    users: Downstream,
    pricing: Downstream,
    inventory: Downstream,
    payments: Downstream,
    broker: String,
    client: reqwest::Client,
}

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let checkout = Checkout {
        db: Db::open(&context.data_dir, "orders-db", SCHEMA).await?,
        users: context.peer(Process::Users, Duration::from_millis(500)),
        pricing: context.peer(Process::Pricing, Duration::from_millis(500)),
        inventory: context.peer(Process::Inventory, Duration::from_millis(500)),
        payments: context.peer(Process::Payments, Duration::from_secs(2)),
        broker: context.layout.url(Process::Queue),
        client: reqwest::Client::new(),
    };
    Ok(Router::new().route("/orders", post(place)).route("/orders/{id}", get(order)).with_state(checkout))
}

#[derive(Deserialize)]
struct PlaceOrder {
    user_id: i64,
}

async fn place(State(checkout): State<Checkout>, Json(request): Json<PlaceOrder>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = request.user_id;
    let cart = checkout.users.get(&format!("/users/{user}/cart")).await?;
    let items = cart["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("the cart of user {user} is empty")));
    }
    let ids: Vec<String> = items.iter().map(|i| i["product_id"].to_string()).collect();
    let prices = checkout.pricing.get(&format!("/prices?ids={}", ids.join(","))).await?;
    let total: i64 = items
        .iter()
        .map(|item| {
            let price = prices["prices"].as_array().into_iter().flatten().find(|p| p["product_id"] == item["product_id"]);
            price.and_then(|p| p["cents"].as_i64()).unwrap_or(0) * item["quantity"].as_i64().unwrap_or(1)
        })
        .sum();
    checkout.inventory.post("/reservations", &json!({ "items": items })).await?;

    const INSERT: &str = "INSERT INTO orders (user_id, total_cents, status) VALUES (?, ?, 'pending') RETURNING id";
    let db = &checkout.db;
    let order: i64 = db.traced("INSERT", "orders", INSERT, sqlx::query_scalar(INSERT).bind(user).bind(total).fetch_one(&db.pool)).await?;
    let charge = checkout.payments.post("/charges", &json!({ "order_id": order, "amount_cents": total })).await?;
    let status = if charge["status"] == "captured" { "paid" } else { "payment-deferred" };
    const UPDATE: &str = "UPDATE orders SET status = ? WHERE id = ?";
    db.traced("UPDATE", "orders", UPDATE, sqlx::query(UPDATE).bind(status).bind(order).execute(&db.pool)).await?;

    let event = json!({ "type": "OrderPlaced", "order_id": order, "user_id": user, "total_cents": total, "status": status });
    if let Err(error) = crate::queue::publish(&checkout.client, &checkout.broker, ORDER_PLACED, event).await {
        // The order stands; only its confirmation e-mail is lost.
        tracing::warn!("order {order}: cannot publish OrderPlaced: {error}");
    }
    checkout.users.delete(&format!("/users/{user}/cart")).await?;
    Ok((StatusCode::CREATED, Json(json!({ "order_id": order, "total_cents": total, "status": status }))))
}

async fn order(State(checkout): State<Checkout>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT user_id, total_cents, status, created_at FROM orders WHERE id = ?";
    let db = &checkout.db;
    let row: Option<(i64, i64, String, String)> =
        db.traced("SELECT", "orders", SQL, sqlx::query_as(SQL).bind(id).fetch_optional(&db.pool)).await?;
    let (user_id, total_cents, status, created_at) = row.ok_or_else(|| ApiError::not_found(format!("order {id}")))?;
    Ok(Json(json!({ "order_id": id, "user_id": user_id, "total_cents": total_cents, "status": status, "created_at": created_at })))
}
