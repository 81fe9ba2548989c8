//! Order confirmations: consumes `order-placed`, looks the shopper up
//! (users) and records the e-mail it "sends" in the `notifications-db`
//! database. `GET /notifications` lists them (nothing calls it: the
//! documented operation that is never used).

use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::Db;
use crate::http::{Answer, Downstream};
use crate::layout::Process;
use crate::service::Context;

const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,
    email TEXT NOT NULL, subject TEXT NOT NULL, sent_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"];

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let db = Db::open(&context.data_dir, "notifications-db", SCHEMA).await?;
    let users = context.peer(Process::Users, Duration::from_millis(500));
    let broker = context.layout.url(Process::Queue);
    let consumer_db = db.clone();
    tokio::spawn(async move {
        crate::queue::consume(broker, super::checkout::ORDER_PLACED, move |event| confirm(consumer_db.clone(), users.clone(), event)).await;
    });
    Ok(Router::new().route("/notifications", get(list)).with_state(db))
}

async fn confirm(db: Db, users: Downstream, event: Value) -> anyhow::Result<()> {
    let order = event["order_id"].as_i64().ok_or_else(|| anyhow::anyhow!("OrderPlaced without order_id: {event}"))?;
    let user = users.get(&format!("/users/{}", event["user_id"])).await?;
    let email = user["email"].as_str().unwrap_or("unknown@example.com");
    const SQL: &str = "INSERT INTO notifications (order_id, email, subject) VALUES (?, ?, ?)";
    let subject = format!("Your order {order} is confirmed");
    db.traced("INSERT", "notifications", SQL, sqlx::query(SQL).bind(order).bind(email).bind(&subject).execute(&db.pool)).await?;
    Ok(())
}

#[derive(Deserialize)]
struct ByOrder {
    order_id: Option<i64>,
}

async fn list(State(db): State<Db>, Query(by): Query<ByOrder>) -> Answer {
    const SQL: &str =
        "SELECT order_id, email, subject, sent_at FROM notifications WHERE ?1 IS NULL OR order_id = ?1 ORDER BY id DESC LIMIT 50";
    let rows: Vec<(i64, String, String, String)> =
        db.traced("SELECT", "notifications", SQL, sqlx::query_as(SQL).bind(by.order_id).fetch_all(&db.pool)).await?;
    let list: Vec<Value> = rows.into_iter().map(|(o, e, s, t)| json!({ "order_id": o, "email": e, "subject": s, "sent_at": t })).collect();
    Ok(Json(json!({ "notifications": list })))
}
