"""A FastMCP server behind OAuth, set up like `mcpcheck serve authorized`: loopback only.

Usage: python fastmcp_authorized.py PORT ISSUER
       (or the environment: PORT, AUTH_ISSUER; endpoint http://127.0.0.1:PORT/mcp)

ISSUER is an authorization server such as `mcpcheck authserver`; its RFC 8414 metadata
names the JWKS the tokens are checked against. Only FastMCP's own auth support is used:

- `JWTVerifier`: RS256 against ISSUER's JWKS, `iss` = ISSUER, `aud` = this server's MCP
  endpoint URL (the RFC 8707 resource a client asks its token for);
- `RemoteAuthProvider`: serves the RFC 9728 protected resource metadata at
  /.well-known/oauth-protected-resource/mcp listing ISSUER as authorization server, and
  answers a request without a token 401 with `WWW-Authenticate: Bearer scope="read:add",
  resource_metadata="…"`;
- `require_scopes("read:add")` on the `add` tool (FastMCP's per-component auth check), as
  the reference server requires that scope for `add`.
"""

import json
import os
import sys
import urllib.request

from fastmcp import FastMCP
from fastmcp.server.auth import JWTVerifier, RemoteAuthProvider, require_scopes

SCOPE = "read:add"


def jwks_uri(issuer: str) -> str:
    """The JWKS URL from the issuer's RFC 8414 metadata (loopback only, bounded)."""
    url = issuer.rstrip("/") + "/.well-known/oauth-authorization-server"
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit(f"refusing a non-loopback issuer: {issuer}")
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["jwks_uri"]


def build(port: int, issuer: str) -> FastMCP:
    base_url = f"http://127.0.0.1:{port}"
    resource = f"{base_url}/mcp"
    verifier = JWTVerifier(
        jwks_uri=jwks_uri(issuer),
        issuer=issuer,
        audience=resource,
        algorithm="RS256",
    )
    auth = RemoteAuthProvider(
        token_verifier=verifier,
        authorization_servers=[issuer],
        base_url=base_url,
        scopes_supported=[SCOPE],
        challenge_scopes=[SCOPE],
        resource_name="interop-authorized-add",
    )
    mcp = FastMCP("interop-authorized-add", auth=auth)

    @mcp.tool(annotations={"readOnlyHint": True}, auth=require_scopes(SCOPE))
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    return mcp


if __name__ == "__main__":
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ["PORT"])
    issuer = sys.argv[2] if len(sys.argv) > 2 else os.environ["AUTH_ISSUER"]
    build(port, issuer).run(
        transport="streamable-http",
        host="127.0.0.1",
        port=port,
        path="/mcp",
        show_banner=False,
    )
