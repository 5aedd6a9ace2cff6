/**
 * What an MCP tool call answers. Success: a short line naming the item, the same data as JSON text
 * (for clients that pass only text content to the model) and as structuredContent: what the CLI's
 * --json prints. Failure: isError, text `CODE (exit N): message` with the CLI's stable code and
 * exit status, and structuredContent {error, exit, message, details}.
 */
import { ERROR_CODES, isSwarmError } from '../errors.js';

/** A tool's outcome before it becomes a result: the human line and the JSON object. */
export interface ToolAnswer {
  line: string;
  data: Record<string, unknown>;
}

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

export function successResult({ line, data }: ToolAnswer): ToolResult {
  return { content: [{ type: 'text', text: line }, { type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** An error as a tool result; anything but a SwarmError is INTERNAL (a bug). */
export function errorResult(err: unknown): ToolResult {
  const code = isSwarmError(err) ? err.code : 'INTERNAL';
  const exit = ERROR_CODES[code][0];
  const message = err instanceof Error ? err.message : String(err);
  // details are plain records; the round trip drops anything JSON cannot carry.
  const details = isSwarmError(err) && err.details ? (JSON.parse(JSON.stringify(err.details)) as Record<string, unknown>) : {};
  return { content: [{ type: 'text', text: `${code} (exit ${exit}): ${message}` }], structuredContent: { error: code, exit, message, details }, isError: true };
}
