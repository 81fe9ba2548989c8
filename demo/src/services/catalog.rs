//! Products, in the `catalog-db` database, joined with prices from pricing
//! (timeout, then retries with exponential backoff and full jitter) and
//! stock from inventory (timeout; the page degrades without it).

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::Db;
use crate::http::{Answer, ApiError, Downstream};
use crate::layout::Process;
use crate::resilience::Backoff;
use crate::service::Context;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, description TEXT NOT NULL)",
    "INSERT OR IGNORE INTO products (id, name, category, description)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
        SELECT i,
               CASE i % 6 WHEN 0 THEN 'Espresso cup' WHEN 1 THEN 'Hiking boot' WHEN 2 THEN 'Desk lamp'
                          WHEN 3 THEN 'Rain jacket' WHEN 4 THEN 'Notebook' ELSE 'Headphones' END || ' ' || i,
               CASE i % 3 WHEN 0 THEN 'home' WHEN 1 THEN 'outdoor' ELSE 'office' END,
               'Product number ' || i
        FROM n",
];

/// Pricing is flaky: three retries, 25 ms doubling to at most 200 ms.
const PRICING_RETRIES: Backoff = Backoff { base: Duration::from_millis(25), cap: Duration::from_millis(200), retries: 3 };

#[derive(Clone)]
struct Catalog {
    db: Db,
    pricing: Downstream,
    inventory: Downstream,
}

pub async fn router(context: &Context) -> anyhow::Result<Router> {
    let catalog = Catalog {
        db: Db::open(&context.data_dir, "catalog-db", SCHEMA).await?,
        pricing: context.peer(Process::Pricing, Duration::from_millis(300)),
        inventory: context.peer(Process::Inventory, Duration::from_millis(300)),
    };
    Ok(Router::new()
        .route("/products", get(list))
        .route("/products/{id}", get(product))
        .route("/products/{id}/related", get(related))
        .route("/search", get(search))
        .with_state(catalog))
}

type Row = (i64, String, String, String);

fn to_json((id, name, category, description): Row) -> Value {
    json!({ "id": id, "name": name, "category": category, "description": description })
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    offset: i64,
    limit: Option<i64>,
}

async fn list(State(catalog): State<Catalog>, Query(page): Query<Page>) -> Answer {
    const SQL: &str = "SELECT id, name, category, description FROM products ORDER BY id LIMIT ? OFFSET ?";
    let limit = page.limit.unwrap_or(20).clamp(1, 100);
    let db = &catalog.db;
    let rows: Vec<Row> =
        db.traced("SELECT", "products", SQL, sqlx::query_as(SQL).bind(limit).bind(page.offset.max(0)).fetch_all(&db.pool)).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
    let prices = catalog.pricing.get_with_retries(&format!("/prices?ids={}", ids.join(",")), PRICING_RETRIES).await?;
    let products: Vec<Value> = rows.into_iter().map(to_json).collect();
    Ok(Json(json!({ "products": products, "prices": prices["prices"] })))
}

async fn product(State(catalog): State<Catalog>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT id, name, category, description FROM products WHERE id = ?";
    let db = &catalog.db;
    let row: Option<Row> = db.traced("SELECT", "products", SQL, sqlx::query_as(SQL).bind(id).fetch_optional(&db.pool)).await?;
    let mut product = to_json(row.ok_or_else(|| ApiError::not_found(format!("product {id}")))?);
    let (price_path, stock_path) = (format!("/prices/{id}"), format!("/stock/{id}"));
    let (price, stock) = tokio::join!(catalog.pricing.get_with_retries(&price_path, PRICING_RETRIES), catalog.inventory.get(&stock_path));
    product["price"] = price?;
    // Without inventory the page still shows, stock unknown.
    product["stock"] = stock.map_or(Value::Null, |s| s["available"].clone());
    Ok(Json(product))
}

async fn related(State(catalog): State<Catalog>, Path(id): Path<i64>) -> Answer {
    const SQL: &str = "SELECT id, name, category, description FROM products
        WHERE category = (SELECT category FROM products WHERE id = ?) AND id != ? ORDER BY (id * 7919) % 101 LIMIT 4";
    let db = &catalog.db;
    let rows: Vec<Row> = db.traced("SELECT", "products", SQL, sqlx::query_as(SQL).bind(id).bind(id).fetch_all(&db.pool)).await?;
    Ok(Json(json!({ "related": rows.into_iter().map(to_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct Search {
    q: String,
}

async fn search(State(catalog): State<Catalog>, Query(search): Query<Search>) -> Answer {
    const SQL: &str = "SELECT id, name, category, description FROM products WHERE name LIKE ? OR category LIKE ? ORDER BY id LIMIT 20";
    let pattern = format!("%{}%", search.q.trim());
    let db = &catalog.db;
    let rows: Vec<Row> =
        db.traced("SELECT", "products", SQL, sqlx::query_as(SQL).bind(&pattern).bind(&pattern).fetch_all(&db.pool)).await?;
    Ok(Json(json!({ "query": search.q, "results": rows.into_iter().map(to_json).collect::<Vec<_>>() })))
}
