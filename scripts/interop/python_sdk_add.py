"""The official Python SDK's server (mcp 2.x `MCPServer`, FastMCP's successor
inside the SDK) with one `add` tool on Streamable HTTP, loopback only.

Usage: python python_sdk_add.py PORT   (endpoint http://127.0.0.1:PORT/mcp)
"""

import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("interop-add-sdk")


@server.tool(annotations={"readOnlyHint": True})
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


if __name__ == "__main__":
    server.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[1]), streamable_http_path="/mcp")
