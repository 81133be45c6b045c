//! Reference MCP servers for mcpcheck, each with switchable deliberate faults.
//!
//! mcpcheck must show that every check passes against a correct server and
//! fails against a server with exactly the matching fault. This crate is that
//! pair of targets: [`plain`] is the correct handler, [`http`] and [`stdio`]
//! serve it, [`authorized`] puts it behind OAuth 2.1 bearer tokens, and
//! [`faults`] lists the violations the servers can switch on. The seed's
//! other patterns are served too, each passing the catalogue: [`mounted`]
//! (MCP inside an axum app), [`composed`] (servers mounted under
//! namespaces), [`openapi`] (a REST API's operations as tools) and
//! [`proxy`] (one endpoint fronting backend servers).

pub mod authorized;
pub mod composed;
pub mod faults;
pub mod http;
pub mod mounted;
pub mod openapi;
pub mod plain;
pub mod proxy;
pub mod stdio;
mod stdio_shim;

pub use authorized::{AuthorizedOptions, KeySource, authorized_router, serve_authorized_http};
pub use composed::{ComposeError, Composed, Mountable, serve_composed_http};
pub use faults::{CATALOGUE, Fault, FaultSet, FaultSpec, Server, UnknownFault};
pub use http::{
    HttpOptions, Limits, mcp_router, plain_router, serve_plain_http, serve_router, serve_router_with,
};
pub use mounted::{mounted_router, mounted_router_with, serve_mounted_http, serve_mounted_http_with};
pub use openapi::{OpenApiServer, serve_openapi_http};
pub use proxy::{backends_from_config, serve_proxied_http};
pub use stdio::{serve_plain_io, serve_plain_io_with, serve_plain_stdio};
/// The token [`serve_router`] and [`mcp_router`] take, re-exported.
pub use tokio_util::sync::CancellationToken;
