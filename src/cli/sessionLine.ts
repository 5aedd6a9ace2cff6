/**
 * One command line of `coordination_helper session`, run through the CLI's own code (runInSession)
 * in one CliSession for the whole session, so its Coordinator is opened once and reused, with the
 * line's stdout and stderr captured into its answer:
 *
 *   {"ok":true,"exit":0,"id":"work_…","stdout":"…","stderr":"…","result":{…}}
 *   {"ok":false,"code":"NOT_OWNER","exit":8,"error":"…","stdout":"","stderr":"…"}
 *
 * `id` is the work item the command handled (the item a store operation returned), `result` the
 * JSON the command printed when the line asked for --json. The session's store is fixed: a line
 * naming another one with --dir/--store is refused (USAGE), and so are `session` and `mcp`
 * (they would read the session's own stdin) and `NAME=value` prefixes (a line has no environment).
 */
import { resolve } from 'node:path';
import { resolveConfig } from '../config.js';
import type { Coordinator } from '../coordinator/Coordinator.js';
import { SwarmError } from '../errors.js';
import { redactUrl } from '../store/postgres/storeUrl.js';
import type { CliContext } from './CliContext.js';
import { createCliSession, type CliSession, type GlobalFlags, type RunIO } from './cliSession.js';
import { runInSession } from './runCli.js';
import { sessionWords } from './sessionWords.js';

export interface SessionAnswer {
  ok: boolean;
  /** The error's stable code (failures only). */
  code?: string;
  /** The exit status the same command line would have had. */
  exit: number;
  /** The error's message (failures only). */
  error?: string;
  id?: string;
  stdout: string;
  stderr: string;
  /** What the command printed, parsed, when the line asked for --json and it printed one JSON value. */
  result?: unknown;
}

export interface SessionRunner {
  /** Runs one line; null for a line without a command (blank, or a comment), which gets no answer. */
  run(line: string): Promise<SessionAnswer | null>;
  /**
   * The last line's answer could not be delivered: gives back the claim it handed out (claim-next:
   * released to the backlog; claim: cancelled), as the CLI does when it cannot print one. Says what was done.
   */
  giveBack(): Promise<string | null>;
  close(): Promise<void>;
}

/** Commands a session line may not run: they read the session's own stdin. */
const REFUSED = new Set(['session', 'mcp']);
const STORE_FLAGS = new Set(['--dir', '--store']);
const SWITCHES = new Set(['--json', '-q', '--quiet']);

/** The first word after the global options: the command's name. */
function commandWord(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (STORE_FLAGS.has(w)) i++;
    else if (!SWITCHES.has(w) && !/^--(dir|store)=/.test(w)) return w;
  }
  return undefined;
}

/** Refuses what a line cannot do in a session; throws USAGE. */
function refuse(words: readonly string[]): void {
  const name = commandWord(words);
  if (name && /^[A-Za-z_][A-Za-z0-9_]*=/.test(name)) {
    throw new SwarmError('USAGE', `'${name}': a session line cannot set environment variables; pass ids explicitly (e.g. progress <work_id> 50, reserve --work <work_id>)`);
  }
  if (name && REFUSED.has(name) && !words.includes('--help') && !words.includes('-h')) {
    throw new SwarmError('USAGE', `'${name}' cannot run inside a session (it would read the session's stdin)`);
  }
}

/** The store a set of flags names, as a comparable key; null when the settings cannot be resolved. */
function storeKey(flags: GlobalFlags, env: RunIO['env']): string | null {
  try {
    const c = resolveConfig({ ...(flags.dir ? { dir: flags.dir } : {}), ...(flags.store ? { storeUrl: flags.store } : {}) }, env);
    return c.storeUrl ?? `dir:${resolve(c.dir)}`;
  } catch {
    return null;
  }
}

/** A coordinator whose store calls report the work item they return (a Proxy: the commands run unchanged). */
function watched(coordinator: Coordinator, seen: (id: string, method: string) => void): Coordinator {
  return new Proxy(coordinator, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out: unknown = value.apply(target, args);
        if (!(out instanceof Promise)) return out;
        return out.then((r: unknown) => {
          const id = (r as { work_item_id?: unknown } | null)?.work_item_id;
          if (typeof id === 'string') seen(id, String(key));
          return r;
        });
      };
    },
  });
}

/**
 * A runner for the lines of one session. `flags` are the session's own global options: its store,
 * and --json/--quiet as defaults for every line.
 */
export function createSessionRunner(io: RunIO, flags: GlobalFlags): SessionRunner {
  let out = '';
  let err = '';
  const lineIO: RunIO = { ...io, stdout: (s) => void (out += s), stderr: (s) => void (err += s), longLived: true };
  const inner = createCliSession(lineIO);
  const home = { ...(flags.dir ? { dir: flags.dir } : {}), ...(flags.store ? { store: flags.store } : {}) };
  let homeKey: string | null | undefined;
  /** What the current line's store calls handed back last (read through `lastHandled`: set by callbacks). */
  let handled: { id: string; method: string; coordinator: Coordinator } | undefined;
  const lastHandled = () => handled;

  const session: CliSession = {
    context(lineFlags): CliContext {
      if (lineFlags.dir || lineFlags.store) {
        homeKey ??= storeKey(home, io.env);
        const key = storeKey(lineFlags, io.env);
        if (homeKey && key && key !== homeKey) {
          throw new SwarmError('USAGE', `this session's store is ${redactUrl(homeKey.replace(/^dir:/, ''))}; ${lineFlags.store ? '--store' : '--dir'} names another (start another session for it)`);
        }
      }
      const c = inner.context({ ...home, json: lineFlags.json || flags.json, quiet: lineFlags.quiet || flags.quiet });
      return {
        get config() {
          return c.config;
        },
        env: c.env,
        json: c.json,
        inSession: true,
        quiet: c.quiet,
        coordinator: async (mode) => {
          const opened = await c.coordinator(mode);
          return watched(opened, (id, method) => void (handled = { id, method, coordinator: opened }));
        },
        out: c.out,
        say: c.say,
      };
    },
    close: () => inner.close(),
  };

  return {
    async run(line) {
      out = '';
      err = '';
      handled = undefined;
      let words: string[] | null = null;
      try {
        words = sessionWords(line);
        if (words) refuse(words);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return { ok: false, code: 'USAGE', exit: 2, error: message, stdout: '', stderr: `coordination_helper: error [USAGE]: ${message}\n` };
      }
      if (!words) return null;
      const outcome = await runInSession(words, lineIO, session);
      if (outcome.error) {
        const message = outcome.error.message ?? /error \[[A-Z_]+\]: ([^\n]*)/.exec(err)?.[1] ?? err.trim().split('\n')[0] ?? '';
        return { ok: false, code: outcome.error.code, exit: outcome.status, error: message, stdout: out, stderr: err };
      }
      const h = lastHandled();
      const answer: SessionAnswer = { ok: true, exit: 0, ...(h ? { id: h.id } : {}), stdout: out, stderr: err };
      if ((words.includes('--json') || flags.json) && out.trim()) {
        try {
          answer.result = JSON.parse(out);
        } catch {
          /* not one JSON value (e.g. JSON Lines): stdout has it */
        }
      }
      return answer;
    },
    async giveBack() {
      const h = lastHandled();
      if (!h || (h.method !== 'claim' && h.method !== 'claimNext')) return null;
      const reason = 'the session could not deliver its answer';
      if (h.method === 'claim') await h.coordinator.cancel(h.id, { reason });
      else await h.coordinator.release(h.id, { reason });
      return `${h.id} was ${h.method === 'claim' ? 'cancelled' : 'released back to the backlog'}`;
    },
    close: () => inner.close(),
  };
}
