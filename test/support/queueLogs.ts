/**
 * Work-queue agent logs and the claim-history checks over them. test/support/workers/queueWorker.mjs
 * and the CLI loops in the work-queue tests write one line per call, appended only after the call
 * returned, `<op> <id> <token> <t_ms>` for claim/progress/complete; any other line (start, exit,
 * refused, error) is kept as is.
 */
import { readFileSync } from 'node:fs';

export interface QueueLogEvent {
  op: 'claim' | 'progress' | 'complete';
  id: string;
  token: number;
  t: number;
  /** The log the line came from (one log per agent process). */
  log: string;
}

export interface QueueLogs {
  events: QueueLogEvent[];
  /** Lines that are not claim/progress/complete, prefixed with their log's name. */
  other: string[];
}

export function readQueueLogs(files: Iterable<string>): QueueLogs {
  const events: QueueLogEvent[] = [];
  const other: string[] = [];
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      const m = /^(claim|progress|complete) (\S+) (\d+) (\d+)$/.exec(line);
      if (m) events.push({ op: m[1] as QueueLogEvent['op'], id: m[2]!, token: Number(m[3]), t: Number(m[4]), log: file });
      else other.push(`${file}: ${line}`);
    }
  }
  return { events, other };
}

/**
 * Claim history checks that hold whatever happened to the agents: each (id, token) claim logged
 * at most once, each item completed at most once, and progress/complete only by the process that
 * logged the claim with that token, after it. Returns the problems (empty when all hold).
 */
export function claimLogProblems(logs: QueueLogs): string[] {
  const problems: string[] = [];
  const claims = new Map<string, QueueLogEvent>();
  const completes = new Map<string, QueueLogEvent>();
  for (const e of logs.events) {
    const key = `${e.id}#${e.token}`;
    if (e.op === 'claim') {
      if (claims.has(key)) problems.push(`claim of ${e.id} with token ${e.token} logged twice (${claims.get(key)!.log}, ${e.log})`);
      claims.set(key, e);
    }
  }
  for (const e of logs.events) {
    const key = `${e.id}#${e.token}`;
    if (e.op === 'claim') continue;
    const c = claims.get(key);
    if (!c) problems.push(`${e.op} of ${e.id} with token ${e.token} without a logged claim`);
    else if (c.log !== e.log) problems.push(`${e.op} of ${e.id} token ${e.token} by ${e.log}, but ${c.log} claimed it`);
    else if (e.t < c.t) problems.push(`${e.op} of ${e.id} token ${e.token} logged before its claim`);
    if (e.op === 'complete') {
      const dup = completes.get(e.id);
      if (dup) problems.push(`${e.id} completed twice (tokens ${dup.token} and ${e.token})`);
      completes.set(e.id, e);
    }
  }
  return problems;
}

/**
 * Hold intervals of each item: from its claim (logged after claim-next returned) to the end of
 * that hold, given by `endOf` (the completion, the owner's death ...), or open when undefined.
 * Returns the pairs of holds of one item that overlap in time: two live owners at once.
 */
export function overlappingHolds(logs: QueueLogs, endOf: (claim: QueueLogEvent) => number | undefined): string[] {
  const byItem = new Map<string, QueueLogEvent[]>();
  for (const e of logs.events) if (e.op === 'claim') byItem.set(e.id, [...(byItem.get(e.id) ?? []), e]);
  const problems: string[] = [];
  for (const [id, claims] of byItem) {
    const holds = claims.map((c) => ({ c, start: c.t, end: endOf(c) ?? Number.POSITIVE_INFINITY })).sort((a, b) => a.start - b.start);
    for (let i = 1; i < holds.length; i++) {
      const prev = holds[i - 1]!;
      const cur = holds[i]!;
      if (cur.start < prev.end) {
        problems.push(`${id}: token ${cur.c.token} claimed by ${cur.c.log} at ${cur.start} while token ${prev.c.token} of ${prev.c.log} was held until ${prev.end === Number.POSITIVE_INFINITY ? 'the end' : prev.end}`);
      }
      if (cur.c.token <= prev.c.token) problems.push(`${id}: token ${cur.c.token} claimed after token ${prev.c.token} (tokens must grow)`);
    }
  }
  return problems;
}
