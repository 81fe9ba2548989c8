//! "You may also like": a few products per shopper, from catalog. Someone
//! started it and never registered it: the running service the catalog
//! does not know.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::http::{Answer, Downstream};
use crate::layout::Process;
use crate::service::Context;

pub fn router(context: &Context) -> Router {
    let catalog = context.peer(Process::Catalog, Duration::from_millis(500));
    Router::new().route("/recommendations/{user_id}", get(recommend)).with_state(catalog)
}

async fn recommend(State(catalog): State<Downstream>, Path(user): Path<u64>) -> Answer {
    let page = catalog.get(&format!("/products?limit=4&offset={}", (user * 7) % 116)).await?;
    Ok(Json(json!({ "user_id": user, "products": page["products"] })))
}
