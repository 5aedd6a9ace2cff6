/**
 * The one module of src/mcp/ that loads the MCP SDK and zod at run time. The CLI's build
 * (scripts/build-cli.mjs) bundles it, with everything it imports, into a chunk of its own that the
 * CLI requires only when `mcp` runs: one pre-linked file loads faster than the packages' trees, and
 * no other command's bundle grows. Types may be imported from the packages directly.
 */
export { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
export { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
export { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
export { z } from 'zod';
