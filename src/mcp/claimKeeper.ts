/**
 * The claims an MCP server holds, renewed while it runs: every `intervalMs` (a fraction of the
 * lease) each one gets `renew` (Coordinator.heartbeat, fenced by the coordinator's own token). A
 * claim lost meanwhile (reaped after a stall, then claimed again, or finished through the CLI) is
 * dropped and named as a warning; any other failure is a warning and the claim is tried again at
 * the next tick, while its lease may still be running.
 */
import { isSwarmError } from '../errors.js';
import { reportWarning } from '../warnings.js';

/** Answers of a heartbeat that mean the claim is no longer this server's to renew. */
const LOST = ['NOT_OWNER', 'WRONG_STATE', 'NOT_FOUND'] as const;

export interface ClaimKeeper {
  add(workId: string): void;
  remove(workId: string): void;
  /** The claims held now. */
  held(): string[];
  /** No more renewals; resolves once a renewal in progress has ended. */
  stop(): Promise<void>;
}

export function keepClaims(intervalMs: number, renew: (workId: string) => Promise<unknown>): ClaimKeeper {
  const claims = new Set<string>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    for (const id of [...claims]) {
      if (stopped) return;
      try {
        await renew(id);
      } catch (err) {
        if (!claims.has(id)) continue; // finished while being renewed
        if (LOST.some((code) => isSwarmError(err, code))) {
          claims.delete(id);
          reportWarning('mcp', `${id} is no longer held by this server (${err instanceof Error ? err.message : String(err)}); it is not renewed any more`);
        } else reportWarning('mcp', `renewing the lease of ${id} failed (tried again in ${Math.round(intervalMs)} ms): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    add: (id) => void claims.add(id),
    remove: (id) => void claims.delete(id),
    held: () => [...claims],
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
