/**
 * The agent of a long-lived process (`session`, `mcp`): AGENT_ID as configured, else an id
 * generated once, named on stderr, and kept for the process's whole life.
 */
import { resolveConfig } from '../config.js';
import { generateId } from '../model/generateId.js';
import { validateName } from '../model/validate.js';
import type { RunIO } from './cliSession.js';

/** `io.env` with AGENT_ID fixed, and that id. A bad setting in the environment fails here, before anything is served. */
export function fixedAgent(io: RunIO, what: string): { env: RunIO['env']; agentId: string } {
  const given = resolveConfig({}, io.env).agentId;
  const agentId = validateName('AGENT_ID', given ?? generateId('agent'));
  if (given === undefined) io.stderr(`coordination_helper ${what}: AGENT_ID is not set; this ${what} acts as ${agentId}\n`);
  return { env: { ...io.env, AGENT_ID: agentId }, agentId };
}
