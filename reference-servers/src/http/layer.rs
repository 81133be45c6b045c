//! The request/response layer around rmcp's service (passthrough for now).

use std::sync::Arc;

use axum::{body::Body, extract::State, http::Request, response::Response};
use tower::ServiceExt;

use super::Inner;
use crate::faults::FaultSet;

/// State shared by all requests.
pub(crate) struct Shared {
    inner: Inner,
    faults: FaultSet,
}

impl Shared {
    pub(crate) fn new(inner: Inner, faults: FaultSet) -> Self {
        Self { inner, faults }
    }
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response {
    let _ = &shared.faults;
    match shared.inner.clone().oneshot(req).await {
        Ok(resp) => resp.map(Body::new),
        Err(never) => match never {},
    }
}
