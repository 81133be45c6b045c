"""The smallest FastMCP server: one `add` tool on Streamable HTTP, loopback only.

Usage: python fastmcp_add.py PORT   (endpoint http://127.0.0.1:PORT/mcp)
"""

import sys

from fastmcp import FastMCP

mcp = FastMCP("interop-add")


@mcp.tool(annotations={"readOnlyHint": True})
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


if __name__ == "__main__":
    mcp.run(
        transport="streamable-http",
        host="127.0.0.1",
        port=int(sys.argv[1]),
        path="/mcp",
        show_banner=False,
    )
