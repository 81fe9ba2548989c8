//! Backstage's catalog read API under `/api/catalog`, served from the
//! in-memory index: same paths, parameters, filter semantics, JSON shapes
//! and error body, so `@backstage/catalog-client` works unmodified.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use catalog::index::{CatalogIndex, Direction, Filter, OrderField, project};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::openapi::{self, NotFound, ReadErrors, WriteErrors};
use super::{ApiBody, ApiError, ApiPath, ApiQuery, ApiState, DryRun, Routes};
use crate::core::catalog::CatalogLocation;
use crate::core::location_source;
use crate::http::auth::WriteAccess;

/// Items a page holds when the request does not say (Backstage's default).
const DEFAULT_QUERY_LIMIT: usize = 20;
/// The largest `offset` or `limit` read (the document says so too).
const MAX_NUMBER: usize = i32::MAX as usize;

/// Reads: open. Writes take a [`WriteAccess`].
pub fn routes() -> Routes {
    Routes::new()
        .routes(routes!(add_location))
        .routes(routes!(remove_location))
        .routes(routes!(delete_entity))
        .routes(routes!(entities))
        .routes(routes!(by_query))
        .routes(routes!(by_name))
        .routes(routes!(by_uid))
        .routes(routes!(by_refs))
        .routes(routes!(facets))
        .routes(routes!(locations))
        .routes(routes!(location))
        .routes(routes!(search))
}

/// An entity as `fields=` projects it: the whole entity when no field is named.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
struct ProjectedEntity(Value);

/// One of `filter=`: `key=value` pairs joined by commas (all must match);
/// several `filter` parameters match any. A key alone matches entities that have it.
const FILTER: &str = "Entity filter: `kind=component,spec.type=service`; repeated: any of them";

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
            Some((_, v)) => match v.parse::<usize>() {
                Ok(n) if n <= MAX_NUMBER => Ok(Some(n)),
                _ => Err(ApiError::bad_request(format!("{key} must be a whole number from 0 to {MAX_NUMBER}, not `{v}`"))),
            },
        }
    }

    fn filter(&self) -> Result<Filter, ApiError> {
        Ok(Filter::parse(&self.all("filter")).map_err(crate::core::Error::from)?)
    }
}

fn direction(text: &str) -> Result<Direction, ApiError> {
    match text {
        "asc" => Ok(Direction::Asc),
        "desc" => Ok(Direction::Desc),
        other => Err(ApiError::bad_request(format!("order must be asc or desc, not `{other}`"))),
    }
}

fn snapshot(state: &ApiState) -> Arc<CatalogIndex> {
    state.core.catalog()
}

#[derive(Serialize, ToSchema)]
struct SearchAnswerBody {
    items: Vec<SearchHit>,
    /// Matches in all, before `limit`.
    total: usize,
    facets: Facets,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SearchHit {
    entity_ref: String,
    kind: String,
    name: String,
    title: Option<String>,
    description: Option<String>,
    score: u32,
}

/// Counts by facet: `{"kind": [{"value": "Component", "count": 12}]}`.
type Facets = std::collections::BTreeMap<String, Vec<FacetCount>>;

#[derive(Serialize, ToSchema)]
struct FacetCount {
    value: String,
    count: usize,
}

/// Ranked, typo-tolerant search for people, with facet counts over all matches.
#[utoipa::path(get, path = "/api/v1/search", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "Words to look for"),
        ("filter" = Option<Vec<String>>, Query, description = FILTER, explode = true),
        ("facet" = Option<Vec<String>>, Query, description = "Fields to count values of (`kind`, `spec.type`)", explode = true),
        ("limit" = Option<usize>, Query, description = "Hits returned (default 20)", maximum = 2147483647),
    ),
    responses((status = 200, body = SearchAnswerBody), ReadErrors))]
async fn search(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let text = params.all("q").first().cloned().unwrap_or_default();
    let limit = params.number("limit")?.unwrap_or(DEFAULT_QUERY_LIMIT);
    let answer = state.core.search(&text, &params.filter()?, &params.all("facet"), limit);
    let items = answer
        .hits
        .iter()
        .map(|hit| {
            let (e, m) = (&hit.entity, &hit.entity.metadata);
            SearchHit {
                entity_ref: hit.entity_ref.to_string(),
                kind: e.kind.to_string(),
                name: m.name.clone(),
                title: m.title.clone(),
                description: m.description.clone(),
                score: hit.score,
            }
        })
        .collect();
    Ok(Json(SearchAnswerBody { items, total: answer.total, facets: facets_of(answer.facets) }).into_response())
}

/// Entities, filtered, ordered and paged by offset; streamed as the client reads.
#[utoipa::path(get, path = "/api/catalog/entities", tag = "catalog",
    params(
        ("filter" = Option<Vec<String>>, Query, description = FILTER, explode = true),
        ("fields" = Option<Vec<String>>, Query, description = "Fields kept (`metadata.name,kind`); all when absent", explode = true),
        ("order" = Option<Vec<String>>, Query, description = "`asc:FIELD` or `desc:FIELD`", explode = true, pattern = "^(asc|desc):.+$"),
        ("offset" = Option<usize>, Query, maximum = 2147483647),
        ("limit" = Option<usize>, Query, maximum = 2147483647),
    ),
    responses((status = 200, body = Vec<ProjectedEntity>), ReadErrors))]
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
fn facets_of(facets: std::collections::BTreeMap<String, Vec<(String, usize)>>) -> Facets {
    facets
        .into_iter()
        .map(|(name, counts)| (name, counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect()))
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

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct QueryPage {
    items: Vec<ProjectedEntity>,
    total_items: usize,
    page_info: PageInfo,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev_cursor: Option<String>,
}

/// Entities by filter, full-text term and order, paged by cursor.
#[utoipa::path(get, path = "/api/catalog/entities/by-query", tag = "catalog",
    params(
        ("filter" = Option<Vec<String>>, Query, description = FILTER, explode = true),
        ("orderField" = Option<Vec<String>>, Query, description = "`FIELD`, `FIELD,asc` or `FIELD,desc`", explode = true),
        ("fullTextFilterTerm" = Option<String>, Query),
        ("fullTextFilterFields" = Option<Vec<String>>, Query, explode = true),
        ("fields" = Option<Vec<String>>, Query, explode = true),
        ("cursor" = Option<String>, Query, description = "A page's `nextCursor` or `prevCursor`; the other parameters are then ignored"),
        ("offset" = Option<usize>, Query, maximum = 2147483647),
        ("limit" = Option<usize>, Query, description = "Items a page holds (default 20)", maximum = 2147483647),
    ),
    responses((status = 200, body = QueryPage), ReadErrors))]
async fn by_query(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let cursor = match params.all("cursor").first().filter(|c| !c.is_empty()) {
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
    let items =
        ids.iter().skip(cursor.offset).take(limit).map(|&i| ProjectedEntity(project(&index.entities()[i].to_json(), &fields))).collect();
    let page_info = PageInfo {
        next_cursor: (cursor.offset.saturating_add(limit) < total).then(|| cursor.encode(cursor.offset + limit)),
        prev_cursor: (cursor.offset > 0).then(|| cursor.encode(cursor.offset.saturating_sub(limit))),
    };
    Ok(Json(QueryPage { items, total_items: total, page_info }).into_response())
}

/// One entity by its kind, namespace and name (any case).
#[utoipa::path(get, path = "/api/catalog/entities/by-name/{kind}/{namespace}/{name}", tag = "catalog",
    params(("kind" = String, Path), ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = catalog::Entity), NotFound, ReadErrors))]
async fn by_name(
    State(state): State<ApiState>,
    ApiPath((kind, namespace, name)): ApiPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let index = snapshot(&state);
    let key = catalog::EntityRef::new(&kind, &namespace, &name).key();
    match index.get(&key) {
        Some(e) => Ok(Json(e.to_json()).into_response()),
        None => Err(ApiError::not_found(format!("No entity named '{key}' found"))),
    }
}

/// One entity by its `metadata.uid`.
#[utoipa::path(get, path = "/api/catalog/entities/by-uid/{uid}", tag = "catalog", params(("uid" = String, Path)),
    responses((status = 200, body = catalog::Entity), NotFound, ReadErrors))]
async fn by_uid(State(state): State<ApiState>, ApiPath(uid): ApiPath<String>) -> Result<Response, ApiError> {
    let index = snapshot(&state);
    match index.get_by_uid(&uid) {
        Some(e) => Ok(Json(e.to_json()).into_response()),
        None => Err(ApiError::not_found(format!("No entity with uid {uid}"))),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ByRefs {
    entity_refs: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
}

/// `POST /entities/by-refs`: items in request order, `null` for refs that are
/// missing (or filtered out by `?filter=`).
#[utoipa::path(post, path = "/api/catalog/entities/by-refs", tag = "catalog",
    params(("filter" = Option<Vec<String>>, Query, description = FILTER, explode = true)),
    request_body = ByRefs,
    responses((status = 200, body = RefItems), ReadErrors))]
async fn by_refs(State(state): State<ApiState>, RawQuery(raw): RawQuery, ApiBody(body): ApiBody) -> Result<Response, ApiError> {
    let request: ByRefs = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let filter = Params::new(raw).filter()?;
    let index = snapshot(&state);
    let allowed: Option<HashSet<usize>> = (!filter.is_empty()).then(|| index.filter(&filter).into_iter().collect());
    let items = request
        .entity_refs
        .iter()
        .map(|text| {
            let key = catalog::EntityRef::parse(text, None, catalog::entity_ref::DEFAULT_NAMESPACE).ok().map(|r| r.key());
            let position = key.and_then(|k| index.position(&k));
            match position {
                Some(i) if allowed.as_ref().is_none_or(|a| a.contains(&i)) => {
                    Some(ProjectedEntity(project(&index.entities()[i].to_json(), &request.fields)))
                }
                _ => None,
            }
        })
        .collect();
    Ok(Json(RefItems { items }).into_response())
}

#[derive(Serialize, ToSchema)]
struct RefItems {
    /// In the order asked; `null` where a ref names no entity.
    items: Vec<Option<ProjectedEntity>>,
}

#[derive(Serialize, ToSchema)]
struct FacetsBody {
    facets: Facets,
}

/// Value counts of fields over the entities a filter keeps.
#[utoipa::path(get, path = "/api/catalog/entity-facets", tag = "catalog",
    params(
        ("facet" = Vec<String>, Query, description = "Fields to count values of (`kind`, `spec.type`); at least one", explode = true),
        ("filter" = Option<Vec<String>>, Query, description = FILTER, explode = true),
    ),
    responses((status = 200, body = FacetsBody), ReadErrors))]
async fn facets(State(state): State<ApiState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let names = params.all("facet");
    if names.is_empty() {
        return Err(ApiError::bad_request("at least one facet parameter is required"));
    }
    let index = snapshot(&state);
    let facets = facets_of(index.facets(&params.filter()?, &names));
    Ok(Json(FacetsBody { facets }).into_response())
}

#[derive(Serialize, ToSchema)]
struct LocationItem {
    data: CatalogLocation,
}

/// Every registered location.
#[utoipa::path(get, path = "/api/catalog/locations", tag = "catalog", responses((status = 200, body = Vec<LocationItem>), ReadErrors))]
async fn locations(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let items: Vec<LocationItem> = state.core.locations().await?.into_iter().map(|data| LocationItem { data }).collect();
    Ok(Json(items).into_response())
}

/// One registered location.
#[utoipa::path(get, path = "/api/catalog/locations/{id}", tag = "catalog", params(("id" = String, Path)),
    responses((status = 200, body = CatalogLocation), NotFound, ReadErrors))]
async fn location(State(state): State<ApiState>, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    Ok(Json(state.core.location(&id).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
struct NewLocation {
    #[serde(rename = "type")]
    location_type: LocationType,
    /// An absolute path under an allowed root, or a URL on an allowed host.
    #[schema(min_length = 1)]
    target: String,
}

#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum LocationType {
    File,
    Url,
}

impl LocationType {
    fn as_str(self) -> &'static str {
        match self {
            LocationType::File => "file",
            LocationType::Url => "url",
        }
    }
}

#[derive(Serialize, ToSchema)]
struct LocationAdded {
    location: CatalogLocation,
    entities: Vec<Arc<catalog::Entity>>,
    /// The location was registered before.
    exists: bool,
    /// Problems that kept entities out, `file:line:column: message`.
    errors: Vec<String>,
}

/// `POST /locations[?dryRun=true]` with `{type: "file" | "url", target}`:
/// registers an absolute file or folder path, or a URL on the allow-list (or,
/// with dryRun, only reports what it holds).
#[utoipa::path(post, path = "/api/catalog/locations", tag = "catalog",
    params(DryRun),
    request_body = NewLocation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = LocationAdded),
        (status = 200, description = "Registered before, or a dry run", body = LocationAdded),
        (status = 403, description = "A file outside the folders Meridian may read (--catalog, --allow-path)", body = openapi::ErrorBody),
        (status = 409, description = "The location conflicts with the configuration", body = openapi::ErrorBody),
        WriteErrors, ReadErrors,
    ))]
async fn add_location(
    _: WriteAccess,
    State(state): State<ApiState>,
    ApiQuery(params): ApiQuery<DryRun>,
    ApiBody(body): ApiBody,
) -> Result<Response, ApiError> {
    let request: NewLocation = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let source = location_source(Some(request.location_type.as_str()), &request.target)?;
    let dry_run = params.dry_run.unwrap_or(false);
    let outcome = state.core.register_location(&source, dry_run).await?;
    let errors: Vec<String> = outcome.registration.problems.iter().filter(|d| d.is_error()).map(ToString::to_string).collect();
    let status = if dry_run || outcome.exists { StatusCode::OK } else { StatusCode::CREATED };
    let body = LocationAdded { location: outcome.location, entities: outcome.registration.entities, exists: outcome.exists, errors };
    Ok((status, Json(body)).into_response())
}

/// Unregisters a location and removes the entities it alone provided.
#[utoipa::path(delete, path = "/api/catalog/locations/{id}", tag = "catalog", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), NotFound,
        (status = 409, description = "The location comes from --catalog", body = openapi::ErrorBody),
        WriteErrors, ReadErrors))]
async fn remove_location(_: WriteAccess, State(state): State<ApiState>, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    state.core.remove_location(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Removes an entity registered through the API.
#[utoipa::path(delete, path = "/api/catalog/entities/by-uid/{uid}", tag = "catalog", params(("uid" = String, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), NotFound,
        (status = 409, description = "The entity comes from a location; remove the location", body = openapi::ErrorBody),
        WriteErrors, ReadErrors))]
async fn delete_entity(_: WriteAccess, State(state): State<ApiState>, ApiPath(uid): ApiPath<String>) -> Result<Response, ApiError> {
    state.core.delete_entity(&uid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
