"""A client driver for `mcpcheck client`: one real Python MCP client library does the
scenario's steps against the scripted server.

Usage: python conformance_client.py KIND URL   (URL last, as `mcpcheck client` appends it)
  KIND: sdk        the official Python SDK's `mcp.Client` (PyPI mcp 2.x)
        fastmcp    FastMCP's `fastmcp.Client`
        langchain  langchain-mcp-adapters' `MultiServerMCPClient` (mcp 1.x underneath)

The steps, the same in every scenario: connect over Streamable HTTP, list the tools,
call the first one with {"a": 2, "b": 3}, close. Exit 0 when the call answered without
`isError`, 1 on any error (the error is printed to stderr, which mcpcheck keeps as
evidence). The whole run is bounded by TIMEOUT seconds.

The protocol revision: `mcp.Client` and `fastmcp.Client` let the caller choose the era
(`mode=`): MCP_CONFORMANCE_PROTOCOL_VERSION picks it. A 2026-07-28 revision pins that
version (`mode="2026-07-28"`, no probe); a handshake revision (2025-03-26, 2025-06-18,
2025-11-25) selects the initialize handshake (`mode="legacy"`). Neither library lets the
caller pick *which* handshake revision it offers: both offer their newest
(2025-11-25) and accept the revision the server answers with, which is how the
lifecycle's version negotiation works. INTEROP_CLIENT_MODE overrides the choice (e.g.
`auto`, the libraries' default: probe `server/discover`, fall back to initialize).
langchain-mcp-adapters exposes no such choice: it speaks what mcp 1.x speaks (it offers
2025-11-25 in initialize and accepts an older revision the server answers with).

An elicitation handler that accepts with {"ok": true} is installed where the library
takes one (sdk, fastmcp), so the client declares the elicitation capability and the
multi-round-trip scenario asks it for an input.

OAuth (the `auth/*` scenarios, or any scenario when INTEROP_OAUTH=1): each library's own
OAuth support, configured the way a headless integrator would. All three take an
`httpx.Auth` (httpx2 under mcp 2.x), and all three get the Python SDK's
`OAuthClientProvider` (mcp.client.auth) from the SDK they run on:
  sdk        mcp.Client over `streamable_http_client(url, http_client=...)` whose HTTP
             client carries the provider (mcp.Client takes no auth of its own)
  fastmcp    `fastmcp.Client(url, auth=provider)` (FastMCP's own `auth="oauth"` helper
             opens a browser and runs a callback server; the provider it accepts instead
             is used as is)
  langchain  the connection's `auth` key (StreamableHttpConnection.auth), one provider
             for every session the adapters open, so the token is reused
The provider keeps tokens and the client registration in memory. Its redirect handler
GETs the authorization URL without following redirects and keeps `code`, `state` and
`iss` from the `Location` header (the scripted authorization endpoint approves at once);
its callback handler returns them. Nothing listens on the loopback redirect URI and
nothing contacts it. Pre-registered credentials (MCP_CONFORMANCE_CONTEXT's client_id and
client_secret) are put in the storage before the flow starts, so the provider uses them
instead of registering. A Client ID Metadata Document URL (an https example URL; the
scripted authorization server does not fetch it) is offered, which the SDK uses only
when the authorization server advertises `client_id_metadata_document_supported`.
"""

import asyncio
import json
import os
import sys
import traceback

TIMEOUT = 25
ARGS = {"a": 2, "b": 3}
HANDSHAKE = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def log(msg: str) -> None:
    print(f"[driver] {msg}", file=sys.stderr, flush=True)


REDIRECT_URI = "http://127.0.0.1:33418/callback"
CLIENT_METADATA_URL = "https://client.example/mcpcheck-interop/client-metadata.json"


def oauth_wanted() -> bool:
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    return scenario.startswith("auth/") or os.environ.get("INTEROP_OAUTH") == "1"


def oauth_provider(url: str, kind: str):
    """The SDK's OAuthClientProvider for `url`, headless (see the module docstring).
    Works on mcp 1.x (httpx, callback returns (code, state)) and mcp 2.x (httpx2,
    callback returns AuthorizationCodeResult with iss)."""
    from urllib.parse import parse_qs, urlsplit

    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata

    try:
        from mcp.shared.auth import AuthorizationCodeResult
    except ImportError:  # mcp 1.x
        AuthorizationCodeResult = None
    try:
        import httpx2 as http
    except ImportError:  # mcp 1.x is on httpx
        import httpx as http

    class MemoryStorage:
        def __init__(self):
            self.tokens = None
            self.client_info = None

        async def get_tokens(self):
            return self.tokens

        async def set_tokens(self, tokens):
            log(f"oauth: tokens stored (scope={getattr(tokens, 'scope', None)}, "
                f"refresh={'yes' if getattr(tokens, 'refresh_token', None) else 'no'})")
            self.tokens = tokens

        async def get_client_info(self):
            return self.client_info

        async def set_client_info(self, client_info):
            log(f"oauth: client registered: client_id={client_info.client_id}")
            self.client_info = client_info

    storage = MemoryStorage()
    context = os.environ.get("MCP_CONFORMANCE_CONTEXT")
    if context:
        handed = json.loads(context)
        if handed.get("client_id"):
            log(f"oauth: pre-registered client_id={handed['client_id']} from MCP_CONFORMANCE_CONTEXT")
            storage.client_info = OAuthClientInformationFull(
                client_id=handed["client_id"],
                client_secret=handed.get("client_secret"),
                redirect_uris=[REDIRECT_URI],
            )

    received: dict = {}

    async def redirect_handler(authorization_url: str) -> None:
        log(f"oauth: authorization request {authorization_url}")
        async with http.AsyncClient(follow_redirects=False, timeout=10) as client:
            response = await client.get(authorization_url)
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            raise RuntimeError(f"authorization endpoint answered {response.status_code} "
                               f"without a redirect: {response.text[:200]}")
        query = parse_qs(urlsplit(location).query)
        received.clear()
        received.update({k: v[0] for k, v in query.items()})
        log(f"oauth: redirected to {location}")
        if "code" not in received:
            raise RuntimeError(f"no code in the redirect: {location}")

    async def callback_handler():
        code, state, iss = received.get("code"), received.get("state"), received.get("iss")
        if AuthorizationCodeResult is None:
            return code, state
        return AuthorizationCodeResult(code=code, state=state, iss=iss)

    metadata = OAuthClientMetadata(
        client_name=f"mcpcheck interop driver ({kind})",
        redirect_uris=[REDIRECT_URI],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    return OAuthClientProvider(
        server_url=url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
        client_metadata_url=CLIENT_METADATA_URL,
    )


def chosen_mode() -> str:
    override = os.environ.get("INTEROP_CLIENT_MODE")
    if override:
        return override
    version = os.environ.get("MCP_CONFORMANCE_PROTOCOL_VERSION", "")
    if version in HANDSHAKE:
        return "legacy"
    if version:
        return version
    return "auto"


def dump(obj):
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    return obj


async def run_sdk(url: str) -> bool:
    from mcp import Client
    from mcp.types import ElicitResult

    async def elicit(context, params):
        log(f"elicitation: {dump(params)}")
        return ElicitResult(action="accept", content={"ok": True})

    mode = chosen_mode()
    log(f"mcp.Client mode={mode} oauth={oauth_wanted()}")
    if not oauth_wanted():
        async with Client(url, mode=mode, elicitation_callback=elicit) as client:
            return await sdk_steps(client)
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with create_mcp_http_client(auth=oauth_provider(url, "sdk")) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, mode=mode, elicitation_callback=elicit) as client:
            return await sdk_steps(client)


async def sdk_steps(client) -> bool:
    log(f"negotiated {client.protocol_version}")
    listed = await client.list_tools()
    first = listed.tools[0].name
    log(f"tools: {[t.name for t in listed.tools]}; calling {first}")
    result = await client.call_tool(first, ARGS)
    payload = dump(result)
    log(f"result: {json.dumps(payload)[:300]}")
    return not payload.get("is_error") and not payload.get("isError")


async def run_fastmcp(url: str) -> bool:
    from fastmcp import Client

    async def elicit(message, response_type, params, context):
        log(f"elicitation: {message}")
        return {"ok": True}

    mode = chosen_mode()
    log(f"fastmcp.Client mode={mode} oauth={oauth_wanted()}")
    auth = oauth_provider(url, "fastmcp") if oauth_wanted() else None
    async with Client(url, mode=mode, elicitation_handler=elicit, timeout=TIMEOUT, auth=auth) as client:
        log(f"negotiated {client.protocol_version}")
        tools = await client.list_tools()
        first = tools[0].name
        log(f"tools: {[t.name for t in tools]}; calling {first}")
        # raise_on_error=False: an isError result is reported, not raised.
        result = await client.call_tool(first, ARGS, raise_on_error=False)
        log(f"result: content={[dump(c) for c in result.content]} is_error={result.is_error}")
        return not result.is_error


async def run_langchain(url: str) -> bool:
    from langchain_mcp_adapters.client import MultiServerMCPClient

    # The adapters' own path, as a LangChain application uses them: get_tools() opens a
    # session to list the tools, and invoking a tool opens another for the call (the
    # adapters open one session per tool invocation when not given a session). An
    # isError result raises ToolException.
    connection = {"url": url, "transport": "streamable_http"}
    log(f"langchain oauth={oauth_wanted()}")
    if oauth_wanted():
        connection["auth"] = oauth_provider(url, "langchain")
    client = MultiServerMCPClient({"target": connection})
    tools = await client.get_tools()
    first = tools[0]
    log(f"tools: {[t.name for t in tools]}; calling {first.name}")
    answer = await first.ainvoke(ARGS)
    log(f"result: {json.dumps(dump(answer), default=str)[:300]}")
    return True


RUNNERS = {"sdk": run_sdk, "fastmcp": run_fastmcp, "langchain": run_langchain}
# Imported before TIMEOUT starts: on a busy machine importing fastmcp alone can take
# most of it, and the bound is meant for the protocol exchange.
PRELOAD = {"sdk": ["mcp", "mcp.client.auth"], "fastmcp": ["fastmcp", "mcp.client.auth"],
           "langchain": ["langchain_mcp_adapters.client", "mcp.client.auth"]}


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in RUNNERS:
        print(__doc__, file=sys.stderr)
        return 2
    kind, url = sys.argv[1], sys.argv[-1]
    log(f"{kind} -> {url} scenario={os.environ.get('MCP_CONFORMANCE_SCENARIO')} "
        f"revision={os.environ.get('MCP_CONFORMANCE_PROTOCOL_VERSION')}")
    try:
        for module in PRELOAD[kind]:
            __import__(module)
        ok = asyncio.run(asyncio.wait_for(RUNNERS[kind](url), TIMEOUT))
    except BaseException as exc:  # report every failure, including exception groups
        log(f"error: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return 1
    if not ok:
        log("error: the tool call answered isError")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
