/**
 * `events`: the change log read from a cursor or a time, filtered by type, once or following new
 * commits (woken by the store's notifications: file events on the file store, LISTEN/NOTIFY on
 * PostgreSQL; never by polling).
 */
import { SwarmError } from '../errors.js';
import { CHANGE_TYPES, type ChangeType, type LoggedEvent } from '../model/changeEvent.js';
import { parseDuration } from '../model/parseDuration.js';
import type { EventPage } from '../store/WorkStore.js';
import type { OpContext } from './OpContext.js';

export interface EventQuery {
  /** A cursor printed by `events --json` (resume after it), an ISO-8601 time, or a duration ago (`15m`). */
  since?: string;
  /** Only these types (the cursor still moves past the others). */
  types?: readonly string[];
  /** Read on past events deleted by retention (with a warning) instead of failing with EVENTS_GAP. */
  allowGap?: boolean;
}

/** A second look this long after a notified read: past chokidar's 50 ms per-file throttle (see followChanges). */
const TRAILING_LOOK_MS = 60;

/** Events read per store call. */
const PAGE = 1000;

interface Start {
  cursor: string | null;
  /** Events before this time are skipped (a time given to --since). */
  notBefore?: string;
}

/** Where a query starts: a cursor is passed to the store; a time is a filter on a read from the start. */
export function startOf(since: string | undefined, nowMs: number): Start {
  if (since === undefined || since === '') return { cursor: null };
  if (/^[fp][0-9a-z]/.test(since)) return { cursor: since };
  if (/^\d+(\.\d+)?\s*[smhdw]?$/.test(since.trim())) return { cursor: null, notBefore: new Date(nowMs - parseDuration('--since', since) * 1000).toISOString() };
  const ms = Date.parse(since);
  if (!/^\d{4}-\d{2}-\d{2}/.test(since) || !Number.isFinite(ms)) {
    throw new SwarmError('INVALID_INPUT', `--since: ${JSON.stringify(since.slice(0, 80))} is not a cursor from 'events --json', an ISO-8601 time (2026-12-04T15:00:00Z) or a duration ago (15m)`);
  }
  return { cursor: null, notBefore: new Date(ms).toISOString() };
}

export function validateTypes(types: readonly string[] | undefined): Set<ChangeType> | null {
  if (!types?.length) return null;
  const known = new Set<string>(CHANGE_TYPES);
  const wanted = types.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const bad = wanted.filter((t) => !known.has(t));
  if (bad.length) throw new SwarmError('INVALID_INPUT', `--type: unknown event type ${bad.map((b) => JSON.stringify(b)).join(', ')}; the types are ${CHANGE_TYPES.join(', ')}`);
  return new Set(wanted as ChangeType[]);
}

/** A reader of the change log that remembers where it is. */
export class ChangeReader {
  private cursor: string | null;
  private readonly notBefore?: string;
  private readonly types: Set<ChangeType> | null;
  /** The log covers the store's whole history (as of the last read). */
  complete = false;

  constructor(
    private readonly ctx: OpContext,
    query: EventQuery,
    nowMs: number,
  ) {
    const start = startOf(query.since, nowMs);
    this.cursor = start.cursor;
    this.notBefore = start.notBefore;
    this.types = validateTypes(query.types);
    this.allowGap = !!query.allowGap;
  }

  private readonly allowGap: boolean;

  get position(): string | null {
    return this.cursor;
  }

  /** Every event committed after the cursor (as far as this read sees), filtered; moves the cursor past them. */
  async next(onGap: (missing: string) => void): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    for (;;) {
      const page: EventPage = await this.ctx.store.readEvents(this.cursor, PAGE);
      this.complete = page.complete;
      if (page.gap) {
        if (!this.allowGap) throw new SwarmError('EVENTS_GAP', `the change log no longer holds events after the cursor: ${page.gap.missing}. Read on with --allow-gap (they are lost to this reader), or raise EVENTS_MAX_MB`);
        onGap(page.gap.missing);
      }
      this.cursor = page.cursor;
      for (const e of page.events) {
        if (this.notBefore !== undefined && e.ts < this.notBefore) continue;
        if (this.types && !this.types.has(e.type)) continue;
        out.push(e);
      }
      if (page.events.length < PAGE) return out;
    }
  }
}

/**
 * Follows the log: `deliver` gets each batch of new events as they commit, until `signal` aborts.
 * The watch is set up before the first read, so nothing committed in between is missed.
 */
export async function followChanges(ctx: OpContext, reader: ChangeReader, deliver: (events: LoggedEvent[]) => Promise<void> | void, onGap: (missing: string) => void, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | null = null;
  let dirty = true;
  const watch = await ctx.store.watchEvents(() => {
    dirty = true;
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  // chokidar drops a file's change events for 50 ms after one it reported (and raw events 5 ms
  // apart, or with an unmoved mtime), without reporting them later: a commit landing in that
  // window after the one that woke us would go unreported. So each read a notification caused is
  // followed by one more look TRAILING_LOOK_MS later, unless another notification comes first.
  let trailing = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    while (!signal.aborted) {
      if (!dirty) {
        await Promise.race([
          new Promise<void>((resolve) => {
            wake = resolve;
            if (trailing) timer = setTimeout(resolve, TRAILING_LOOK_MS);
          }),
          aborted,
        ]);
        clearTimeout(timer);
        wake = null;
      }
      if (signal.aborted) break;
      trailing = dirty; // woken by a notification (not by the trailing look): look once more later
      dirty = false;
      const events = await reader.next(onGap);
      if (events.length) await deliver(events);
    }
  } finally {
    clearTimeout(timer);
    await watch.close();
  }
}
