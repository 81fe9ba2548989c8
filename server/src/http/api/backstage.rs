//! Backstage's catalog read API under `/api/catalog`, served from the
//! in-memory index: same paths, parameters, filter semantics, JSON shapes
//! and error body, so `@backstage/catalog-client` works unmodified.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use catalog::index::{CatalogIndex, Direction, Filter, OrderField, project};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, ApiState};
use crate::core::location_source;
use crate::http::auth::require_write_token;

/// Items a page holds when the request does not say (Backstage's default).
const DEFAULT_QUERY_LIMIT: usize = 20;

/// Reads: open. Writes: [`require_write_token`] guards them.
pub fn router(state: &ApiState) -> Router<ApiState> {
    let writes = Router::new()
        .route("/api/catalog/locations", post(add_location))
        .route("/api/catalog/locations/{id}", delete(remove_location))
        .route("/api/catalog/entities/by-uid/{uid}", delete(delete_entity))
        .route_layer(axum::middleware::from_fn_with_state(state.write_tokens.clone(), require_write_token));
    Router::new()
        .route("/api/catalog/entities", get(entities))
        .route("/api/catalog/entities/by-query", get(by_query))
        .route("/api/catalog/entities/by-name/{kind}/{namespace}/{name}", get(by_name))
        .route("/api/catalog/entities/by-uid/{uid}", get(by_uid))
        .route("/api/catalog/entities/by-refs", post(by_refs))
        .route("/api/catalog/entity-facets", get(facets))
        .route("/api/catalog/locations", get(locations))
        .route("/api/catalog/locations/{id}", get(location))
        .route("/api/v1/search", get(search))
        .merge(writes)
}

/// A query string with repeated keys (`filter=a&filter=b`).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(raw: Option<String>) -> Self {
        Params(form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    /// Every value, also split on commas (`fields=a,b&fields=c`).
    fn list(&self, key: &str) -> Vec<String> {
        self.all(key).iter().flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
    }

    fn number(&self, key: &str) -> Result<Option<usize>, ApiError> {
        match self.0.iter().find(|(k, _)| k == key) {
            None => Ok(None),
            Some((_, v)) => {
                v.parse().map(Some).map_err(|_| ApiError::bad_request(format!("{key} must be a non-negative integer, not `{v}`")))
            }
        }
    }

    fn filter(&self) -> Result<Filter, ApiError> {
        Ok(Filter::parse(&self.all("filter")).map_err(crate::core::Error::from)?)
    }
}

fn direction(text: &str) -> Result<Direction, ApiError> {
    match text.to_ascii_lowercase().as_str() {
        "asc" => Ok(Direction::Asc),
        "desc" => Ok(Direction::Desc),
        other => Err(ApiError::bad_request(format!("order must be asc or desc, not `{other}`"))),
    }
}

fn snapshot(state: &ApiState) -> Arc<CatalogIndex> {
    state.core.catalog()
}

/// `GET /api/v1/search?q=&filter=&facet=&limit=`: ranked, typo-tolerant
/// search for people, with facet counts over all matches.
async fn search(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let text = params.all("q").first().cloned().unwrap_or_default();
    let limit = params.number("limit")?.unwrap_or(DEFAULT_QUERY_LIMIT);
    let answer = state.core.search(&text, &params.filter()?, &params.all("facet"), limit);
    let items: Vec<Value> = answer
        .hits
        .iter()
        .map(|hit| {
            let (e, m) = (&hit.entity, &hit.entity.metadata);
            json!({"entityRef": hit.entity_ref, "kind": e.kind, "name": m.name, "title": m.title, "description": m.description, "score": hit.score})
        })
        .collect();
    let facets = facets_json(answer.facets);
    Ok(Json(json!({ "items": items, "total": answer.total, "facets": facets })).into_response())
}

/// `GET /entities?filter=&fields=&order=asc:field&offset=&limit=`
async fn entities(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let index = snapshot(&state);
    let mut ids = index.filter(&params.filter()?);
    let order = params
        .all("order")
        .iter()
        .map(|o| {
            let (dir, field) =
                o.split_once(':').ok_or_else(|| ApiError::bad_request(format!("order `{o}` must be asc:FIELD or desc:FIELD")))?;
            Ok(OrderField { field: field.to_string(), direction: direction(dir)? })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    index.sort(&mut ids, &order);
    let offset = params.number("offset")?.unwrap_or(0);
    let limit = params.number("limit")?.unwrap_or(usize::MAX);
    let fields = params.list("fields");
    let ids = ids.into_iter().skip(offset).take(limit).collect();
    Ok(json_array(index, ids, fields))
}

/// Facet counts in Backstage's shape: `{facet: [{value, count}]}`.
fn facets_json(facets: std::collections::BTreeMap<String, Vec<(String, usize)>>) -> serde_json::Map<String, Value> {
    facets
        .into_iter()
        .map(|(name, counts)| (name, counts.into_iter().map(|(value, count)| json!({"value": value, "count": count})).collect()))
        .collect()
}

/// The entities at `ids` as a JSON array, streamed in chunks of about 64 KB
/// as the client reads: a list of every entity of a large catalog is never
/// held whole, neither as values nor as text.
fn json_array(index: Arc<CatalogIndex>, ids: Vec<usize>, fields: Vec<String>) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunks = futures::stream::unfold(Some(0), move |next| {
        let chunk = next.map(|mut next| {
            let mut body = Vec::with_capacity(CHUNK + 4096);
            if next == 0 {
                body.push(b'[');
            }
            while next < ids.len() && body.len() < CHUNK {
                if next > 0 {
                    body.push(b',');
                }
                // Writing a `Value` into a `Vec` cannot fail.
                let _ = serde_json::to_writer(&mut body, &project(&index.entities()[ids[next]].to_json(), &fields));
                next += 1;
            }
            let more = next < ids.len();
            if !more {
                body.push(b']');
            }
            (Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(body)), more.then_some(next))
        });
        std::future::ready(chunk)
    });
    ([(axum::http::header::CONTENT_TYPE, "application/json")], axum::body::Body::from_stream(chunks)).into_response()
}

/// What a by-query cursor carries between pages (base64 JSON, as Backstage's
/// client expects: it peeks inside for a `query` key).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    filter: Vec<String>,
    order_fields: Vec<String>,
    full_text_filter_term: String,
    full_text_filter_fields: Vec<String>,
    offset: usize,
}

impl Cursor {
    fn encode(&self, offset: usize) -> String {
        BASE64.encode(serde_json::to_vec(&Cursor { offset, ..self.clone() }).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Self, ApiError> {
        let bytes = BASE64.decode(text).map_err(|_| ApiError::bad_request("cursor is not valid"))?;
        serde_json::from_slice(&bytes).map_err(|_| ApiError::bad_request("cursor is not valid"))
    }
}

/// `GET /entities/by-query`: filter, orderField, fullTextFilter*, cursor paging.
async fn by_query(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let cursor = match params.all("cursor").first() {
        Some(text) => Cursor::decode(text)?,
        None => Cursor {
            filter: params.all("filter"),
            order_fields: params.all("orderField"),
            full_text_filter_term: params.all("fullTextFilterTerm").first().cloned().unwrap_or_default(),
            full_text_filter_fields: params.list("fullTextFilterFields"),
            offset: params.number("offset")?.unwrap_or(0),
        },
    };
    let limit = params.number("limit")?.unwrap_or(DEFAULT_QUERY_LIMIT);
    let index = snapshot(&state);
    let mut ids = index.filter(&Filter::parse(&cursor.filter).map_err(crate::core::Error::from)?);
    index.full_text(&mut ids, &cursor.full_text_filter_term, &cursor.full_text_filter_fields);
    let order = cursor
        .order_fields
        .iter()
        .map(|o| {
            let (field, dir) = o.split_once(',').unwrap_or((o.as_str(), "asc"));
            Ok(OrderField { field: field.to_string(), direction: direction(dir)? })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    index.sort(&mut ids, &order);
    let fields = params.list("fields");
    let total = ids.len();
    let items: Vec<Value> = ids.iter().skip(cursor.offset).take(limit).map(|&i| project(&index.entities()[i].to_json(), &fields)).collect();
    let mut page_info = serde_json::Map::new();
    if cursor.offset + limit < total {
        page_info.insert("nextCursor".into(), Value::String(cursor.encode(cursor.offset + limit)));
    }
    if cursor.offset > 0 {
        page_info.insert("prevCursor".into(), Value::String(cursor.encode(cursor.offset.saturating_sub(limit))));
    }
    Ok(Json(json!({"items": items, "totalItems": total, "pageInfo": page_info})).into_response())
}

async fn by_name(
    State(state): State<ApiState>,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let index = snapshot(&state);
    let key = catalog::EntityRef::new(&kind, &namespace, &name).key();
    match index.get(&key) {
        Some(e) => Ok(Json(e.to_json()).into_response()),
        None => Err(ApiError::not_found(format!("No entity named '{key}' found"))),
    }
}

async fn by_uid(State(state): State<ApiState>, Path(uid): Path<String>) -> Result<Response, ApiError> {
    let index = snapshot(&state);
    match index.get_by_uid(&uid) {
        Some(e) => Ok(Json(e.to_json()).into_response()),
        None => Err(ApiError::not_found(format!("No entity with uid {uid}"))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ByRefs {
    entity_refs: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
}

/// `POST /entities/by-refs`: items in request order, `null` for refs that are
/// missing (or filtered out by `?filter=`).
async fn by_refs(State(state): State<ApiState>, RawQuery(raw): RawQuery, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let request: ByRefs = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let filter = Params::new(raw).filter()?;
    let index = snapshot(&state);
    let allowed: Option<HashSet<usize>> = (!filter.is_empty()).then(|| index.filter(&filter).into_iter().collect());
    let items: Vec<Value> = request
        .entity_refs
        .iter()
        .map(|text| {
            let key = catalog::EntityRef::parse(text, None, catalog::entity_ref::DEFAULT_NAMESPACE).ok().map(|r| r.key());
            let position = key.and_then(|k| index.position(&k));
            match position {
                Some(i) if allowed.as_ref().is_none_or(|a| a.contains(&i)) => project(&index.entities()[i].to_json(), &request.fields),
                _ => Value::Null,
            }
        })
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

/// `GET /entity-facets?facet=kind&facet=spec.type&filter=...`
async fn facets(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let names = params.all("facet");
    if names.is_empty() {
        return Err(ApiError::bad_request("at least one facet parameter is required"));
    }
    let index = snapshot(&state);
    let facets = facets_json(index.facets(&params.filter()?, &names));
    Ok(Json(json!({ "facets": facets })).into_response())
}

async fn locations(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let items: Vec<Value> = state.core.locations().await?.into_iter().map(|l| json!({ "data": l })).collect();
    Ok(Json(items).into_response())
}

async fn location(State(state): State<ApiState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(state.core.location(&id).await?).into_response())
}

#[derive(Deserialize)]
struct NewLocation {
    #[serde(rename = "type")]
    location_type: String,
    target: String,
}

/// `POST /locations[?dryRun=true]` with `{type: "file" | "url", target}`:
/// registers an absolute file or folder path, or a URL on the allow-list (or,
/// with dryRun, only reports what it holds).
async fn add_location(State(state): State<ApiState>, RawQuery(raw): RawQuery, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let request: NewLocation = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let source = location_source(Some(&request.location_type), &request.target)?;
    let dry_run = Params::new(raw).all("dryRun").first().is_some_and(|v| v == "true");
    let outcome = state.core.register_location(&source, dry_run).await?;
    let errors: Vec<String> = outcome.registration.problems.iter().filter(|d| d.is_error()).map(ToString::to_string).collect();
    let status = if dry_run || outcome.exists { StatusCode::OK } else { StatusCode::CREATED };
    let body =
        json!({ "location": outcome.location, "entities": outcome.registration.entities, "exists": outcome.exists, "errors": errors });
    Ok((status, Json(body)).into_response())
}

async fn remove_location(State(state): State<ApiState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    state.core.remove_location(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_entity(State(state): State<ApiState>, Path(uid): Path<String>) -> Result<Response, ApiError> {
    state.core.delete_entity(&uid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
