"""Drive an MCP server over Streamable HTTP with a real Python client library.

Usage: python clients.py KIND URL
  KIND: sdk        the official Python SDK's `mcp.Client`
        fastmcp    FastMCP's `fastmcp.Client`
        langchain  langchain-mcp-adapters' `MultiServerMCPClient` (tools loaded as
                   LangChain tools and one invoked directly; no language model)

Each client lists the tools, checks that `add` is among them, calls it with
a=2, b=3 and checks that the answer says 5. Prints one JSON line describing what
happened; exits 0 on success, 1 on any failure. The whole run is bounded by
TIMEOUT seconds so a hung server cannot hang the interop script.
"""

import asyncio
import json
import sys

TIMEOUT = 60


def says_five(value) -> bool:
    """True when a tool result (any shape a client returns) carries the number 5."""
    text = json.dumps(value, default=str)
    return "5" in text


def dump(obj):
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    return obj


async def run_sdk(url: str) -> dict:
    from mcp import Client

    async with Client(url) as client:
        listed = await client.list_tools()
        names = [t.name for t in listed.tools]
        result = await client.call_tool("add", {"a": 2, "b": 3})
        payload = dump(result)
        ok = "add" in names and not payload.get("isError") and says_five(payload)
        version = str(getattr(client, "protocol_version", None))
        return {"protocol": version, "tools": names, "call": payload, "ok": ok}


async def run_fastmcp(url: str) -> dict:
    from fastmcp import Client

    async with Client(url) as client:
        tools = await client.list_tools()
        names = [t.name for t in tools]
        result = await client.call_tool("add", {"a": 2, "b": 3})
        payload = {
            "content": [dump(c) for c in result.content],
            "structured_content": result.structured_content,
            "data": result.data,
            "is_error": result.is_error,
        }
        ok = "add" in names and not result.is_error and says_five(payload)
        version = str(getattr(client, "protocol_version", None))
        return {"protocol": version, "tools": names, "call": payload, "ok": ok}


async def run_langchain(url: str) -> dict:
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient({"target": {"url": url, "transport": "streamable_http"}})
    tools = await client.get_tools()
    names = [t.name for t in tools]
    add = next((t for t in tools if t.name == "add"), None)
    if add is None:
        return {"tools": names, "call": None, "ok": False}
    answer = await add.ainvoke({"a": 2, "b": 3})
    ok = says_five(answer)
    return {"tools": names, "call": dump(answer), "ok": ok}


RUNNERS = {"sdk": run_sdk, "fastmcp": run_fastmcp, "langchain": run_langchain}


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in RUNNERS:
        print(__doc__, file=sys.stderr)
        return 2
    kind, url = sys.argv[1], sys.argv[2]
    try:
        outcome = asyncio.run(asyncio.wait_for(RUNNERS[kind](url), TIMEOUT))
    except BaseException as exc:  # report every failure, including exception groups
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    outcome["client"] = kind
    print(json.dumps(outcome, default=str))
    return 0 if outcome.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
