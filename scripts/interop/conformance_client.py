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
    log(f"mcp.Client mode={mode}")
    async with Client(url, mode=mode, elicitation_callback=elicit) as client:
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
    log(f"fastmcp.Client mode={mode}")
    async with Client(url, mode=mode, elicitation_handler=elicit, timeout=TIMEOUT) as client:
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
    client = MultiServerMCPClient({"target": {"url": url, "transport": "streamable_http"}})
    tools = await client.get_tools()
    first = tools[0]
    log(f"tools: {[t.name for t in tools]}; calling {first.name}")
    answer = await first.ainvoke(ARGS)
    log(f"result: {json.dumps(dump(answer), default=str)[:300]}")
    return True


RUNNERS = {"sdk": run_sdk, "fastmcp": run_fastmcp, "langchain": run_langchain}


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in RUNNERS:
        print(__doc__, file=sys.stderr)
        return 2
    kind, url = sys.argv[1], sys.argv[-1]
    log(f"{kind} -> {url} scenario={os.environ.get('MCP_CONFORMANCE_SCENARIO')} "
        f"revision={os.environ.get('MCP_CONFORMANCE_PROTOCOL_VERSION')}")
    try:
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
