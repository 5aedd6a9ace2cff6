/**
 * The file store's change log (issue 10): EVENT_LANES append-only JSON Lines files in EVENT_DIR,
 * each guarded by its own lock. A transaction with events takes whichever lane is free (tryLock,
 * so any order is safe) and appends its events through its intent, with the change itself: the
 * event and the change are one commit, replayed together after a crash. A lane is in commit
 * order; a lane past EVENTS_ROTATION_MB is renamed, under its lock, into a numbered segment, and
 * the oldest segments go once the log is over EVENTS_MAX_MB.
 *
 * A position in a lane is (segment, byte offset): the file being appended is the segment that
 * comes after the last rotated one, so a position stays valid when its file is rotated.
 */
import * as fs from '../../fsAsync.js';
import { SwarmError } from '../../errors.js';

export const EVENT_DIR = 'events';
/**
 * As many lanes as agents commit at once, so that a commit seldom finds every lane taken: a
 * taken lane costs a failed try, and all taken means a wait (Store.logEvents).
 */
export const EVENT_LANES = 32;

const pad2 = (i: number) => String(i).padStart(2, '0');
/** The lane being appended. */
export const laneFile = (lane: number) => `${EVENT_DIR}/lane.${pad2(lane)}.jsonl`;
/** A rotated segment of a lane. */
export const laneSegmentFile = (lane: number, segment: number) => `${EVENT_DIR}/lane.${pad2(lane)}.${String(segment).padStart(6, '0')}.jsonl`;

const NAME_RE = /^lane\.(\d{2})(?:\.(\d{6,}))?\.jsonl$/;
/** A file name in EVENT_DIR: its lane and segment (null: the lane being appended), or null. */
export function parseEventFile(name: string): { lane: number; segment: number | null } | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const lane = Number(m[1]);
  if (lane >= EVENT_LANES) return null;
  return { lane, segment: m[2] === undefined ? null : Number(m[2]) };
}

/** Each lane's position: [segment, offset]. */
export type LanePositions = Array<[number, number]>;

/** The start of every lane. */
export function startPositions(): LanePositions {
  return Array.from({ length: EVENT_LANES }, () => [1, 0] as [number, number]);
}

/** `f` and, for each lane not at its start, `lane.segment.offset` in base 36, joined by `-`. */
export function encodeCursor(pos: LanePositions): string {
  const parts: string[] = [];
  pos.forEach(([s, o], lane) => {
    if (s !== 1 || o !== 0) parts.push(`${lane.toString(36)}.${s.toString(36)}.${o.toString(36)}`);
  });
  return 'f' + parts.join('-');
}

/** A cursor of this store's log (as encodeCursor makes them); INVALID_INPUT otherwise. */
export function decodeCursor(cursor: string): LanePositions {
  const bad = () => new SwarmError('INVALID_INPUT', `--since: ${JSON.stringify(cursor.slice(0, 80))} is neither a time nor a cursor printed by 'events --json' for this file store`);
  if (!cursor.startsWith('f')) throw bad();
  const pos = startPositions();
  const seen = new Set<number>();
  for (const part of cursor.length > 1 ? cursor.slice(1).split('-') : []) {
    const n = part.split('.').map((x) => (/^[0-9a-z]{1,12}$/.test(x) ? parseInt(x, 36) : NaN));
    if (n.length !== 3 || n.some((x) => !Number.isSafeInteger(x))) throw bad();
    const [lane, segment, offset] = n as [number, number, number];
    if (lane >= EVENT_LANES || segment < 1 || seen.has(lane)) throw bad();
    seen.add(lane);
    pos[lane] = [segment, offset];
  }
  return pos;
}

/** The lane files as they are now: rotated segments per lane (ascending) and their sizes. */
export interface LaneListing {
  segments: Array<Array<{ segment: number; size: number; ino: number }>>;
  /** A lane file was moved aside by repair (`.damaged-`): its events are lost to readers. */
  damaged: boolean;
}

/** Lists EVENT_DIR (no locks). A symlink in its place is refused by the caller's checks. */
export async function listLanes(dirPath: string): Promise<LaneListing> {
  const segments: LaneListing['segments'] = Array.from({ length: EVENT_LANES }, () => []);
  const names = await fs.readdir(dirPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  let damaged = false;
  for (const name of names) {
    if (name.startsWith('lane.') && name.includes('.damaged-')) damaged = true;
    const parsed = parseEventFile(name);
    if (!parsed || parsed.segment === null) continue;
    const st = await fs.lstat(`${dirPath}/${name}`).catch(() => null);
    if (st?.isFile()) segments[parsed.lane]!.push({ segment: parsed.segment, size: st.size, ino: st.ino });
  }
  for (const list of segments) list.sort((a, b) => a.segment - b.segment);
  return { segments, damaged };
}

/** The segment number of the file being appended in `lane`. */
export function appendingSegment(listing: LaneListing, lane: number): number {
  const rotated = listing.segments[lane]!;
  return rotated.length ? rotated[rotated.length - 1]!.segment + 1 : 1;
}
