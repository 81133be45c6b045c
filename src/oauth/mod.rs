//! OAuth 2.1 for mcpcheck: the test authorization server, token minting, and
//! the token sources the auth checks draw on.
//!
//! - [`cimd`]: Client ID Metadata Documents, fetched (by the authorization
//!   server) and served (by the check that tries one).
//! - [`discovery`]: challenge → protected resource metadata → authorization
//!   server metadata → token endpoint, as a client finds them.
//! - [`flow`]: an OAuth client on the raw wire (registration, the code flow
//!   with PKCE, refresh), recorded, for the `auth/as` checks and for
//!   mcpcheck's own registration.
//! - [`keys`]: RS256 and ES256 signing keys made at start, and their JWKS.
//! - [`mint`]: valid and deliberately bad access tokens; tampering helpers
//!   that work on anyone's JWT.
//! - [`server`]: `mcpcheck authserver` (RFC 8414, PKCE, RFC 7591, refresh
//!   rotation, RFC 8707 / Auth0 audiences).
//! - [`source`]: the token material of the auth checks, and where it comes from.

pub mod cimd;
pub mod discovery;
pub mod embedded;
pub mod flow;
pub mod keys;
pub mod mint;
pub mod server;
pub mod source;
