//! The mounted server: an ordinary axum web application with the MCP
//! endpoint mounted inside it, beside health checks and REST routes.
//!
//! Real MCP servers often live inside an existing web service, next to its
//! health check and REST routes, sharing one listener and one shutdown. This
//! module is that shape: `GET /health`, a small in-memory items API under
//! `/api/items` (documented by `docs/openapi/items.yaml`, which the OpenAPI
//! server turns into tools), and the plain MCP server at `/mcpserver/mcp`.
//!
//! The items store is bounded ([`MAX_ITEMS`] items, names of at most
//! [`MAX_NAME`] bytes, request bodies of at most [`MAX_BODY`] bytes) so a
//! client cannot grow it without limit.

use std::{
    collections::BTreeMap,
    future::Future,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{
    faults::FaultSet,
    http::{HttpOptions, Limits, mcp_router, serve_router_with},
    plain::PlainServer,
};

/// Where the MCP endpoint is mounted.
pub const MCP_PATH: &str = "/mcpserver/mcp";
/// Most items the store holds; creating one more answers 507.
pub const MAX_ITEMS: usize = 1000;
/// Longest item name, in bytes.
pub const MAX_NAME: usize = 200;
/// Largest REST request body, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// One item of the REST API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Item {
    /// Assigned by the server, from 1.
    pub id: u64,
    /// What the item is called.
    pub name: String,
    /// How many there are.
    pub quantity: i64,
}

/// What a client sends to create or replace an item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// What the item is called (1 to [`MAX_NAME`] bytes).
    pub name: String,
    /// How many there are; default 0.
    #[serde(default)]
    pub quantity: i64,
}

#[derive(Debug, Default)]
struct Store {
    next: u64,
    items: BTreeMap<u64, Item>,
}

type Shared = Arc<Mutex<Store>>;

/// The mounted application: `/health`, `/api/items`, and the plain MCP
/// server (with `faults`) at [`MCP_PATH`]. `cancel` ends the MCP sessions;
/// pass the same token to [`serve_router`].
pub fn mounted_router(faults: FaultSet, cancel: CancellationToken) -> Router {
    mounted_router_with(faults, Limits::default(), cancel)
}

/// [`mounted_router`] with these limits on the MCP endpoint (bodies and
/// sessions; the REST routes keep their own body cap).
pub fn mounted_router_with(faults: FaultSet, limits: Limits, cancel: CancellationToken) -> Router {
    let opts = HttpOptions { limits, ..HttpOptions::new(MCP_PATH, faults.clone()) };
    let handler = PlainServer::with_faults(faults);
    let mcp = mcp_router(move || Ok(handler.clone()), opts, cancel);
    let api = Router::new()
        .route("/api/items", get(list_items).post(create_item))
        .route("/api/items/{id}", get(get_item).put(replace_item).delete(delete_item))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Shared::default());
    Router::new().route("/health", get(health)).merge(api).merge(mcp)
}

/// Serves the mounted application until `shutdown` resolves: one listener,
/// one shutdown for the REST routes and the MCP endpoint alike.
pub async fn serve_mounted_http(
    listener: tokio::net::TcpListener,
    faults: FaultSet,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_mounted_http_with(listener, faults, Limits::default(), shutdown).await
}

/// [`serve_mounted_http`] within these limits.
pub async fn serve_mounted_http_with(
    listener: tokio::net::TcpListener,
    faults: FaultSet,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cancel = CancellationToken::new();
    let app = mounted_router_with(faults, limits.clone(), cancel.clone());
    serve_router_with(listener, app, cancel, &limits, shutdown).await
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// An error answer: the status and `{"error": message}`.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

fn not_found(id: u64) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no item {id}"))
}

fn validate(new: &NewItem) -> Result<(), ApiError> {
    if new.name.is_empty() || new.name.len() > MAX_NAME {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("name must be 1 to {MAX_NAME} bytes"),
        ));
    }
    Ok(())
}

fn lock(store: &Shared) -> Result<std::sync::MutexGuard<'_, Store>, ApiError> {
    store.lock().map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable".into()))
}

async fn list_items(State(store): State<Shared>) -> ApiResult {
    Ok(Json(lock(&store)?.items.values().cloned().collect::<Vec<_>>()).into_response())
}

async fn create_item(State(store): State<Shared>, Json(new): Json<NewItem>) -> ApiResult {
    validate(&new)?;
    let mut s = lock(&store)?;
    if s.items.len() >= MAX_ITEMS {
        let message = format!("the store holds at most {MAX_ITEMS} items");
        return Err(ApiError(StatusCode::INSUFFICIENT_STORAGE, message));
    }
    s.next += 1;
    let item = Item { id: s.next, name: new.name, quantity: new.quantity };
    s.items.insert(item.id, item.clone());
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

async fn get_item(State(store): State<Shared>, Path(id): Path<u64>) -> ApiResult {
    let item = lock(&store)?.items.get(&id).cloned().ok_or_else(|| not_found(id))?;
    Ok(Json(item).into_response())
}

async fn replace_item(
    State(store): State<Shared>,
    Path(id): Path<u64>,
    Json(new): Json<NewItem>,
) -> ApiResult {
    validate(&new)?;
    let mut s = lock(&store)?;
    let item = s.items.get_mut(&id).ok_or_else(|| not_found(id))?;
    item.name = new.name;
    item.quantity = new.quantity;
    Ok(Json(item.clone()).into_response())
}

async fn delete_item(State(store): State<Shared>, Path(id): Path<u64>) -> ApiResult {
    lock(&store)?.items.remove(&id).ok_or_else(|| not_found(id))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
