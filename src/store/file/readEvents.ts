/**
 * WorkStore.readEvents on files: the change log's lanes (eventLanes.ts) read without locks and
 * merged into one sequence.
 *
 * A consistent cut: every lane's length is taken first, then each lane is read up to that length.
 * An event is appended only after every earlier change of its item was (they held the item's lock
 * one after another), so the cut never holds a later change of an item without the earlier ones.
 * A rotation between the lengths and the reads is seen in a second listing, and the read starts
 * over. The merge takes events lane by lane in order (so a cursor is a position in each lane) and,
 * among the lanes' next events, the earliest by time whose item has no earlier revision still to
 * come: an item's events come in revision order even when the clock was stepped back.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readdirSync } from 'node:fs';
import { SwarmError, ioError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import type { ChangeEvent, LoggedEvent } from '../../model/changeEvent.js';
import type { EventPage } from '../WorkStore.js';
import { appendingSegment, decodeCursor, encodeCursor, EVENT_DIR, EVENT_LANES, laneFile, laneSegmentFile, listLanes, parseEventFile, startPositions, type LaneListing, type LanePositions } from './eventLanes.js';
import { isFormat, type FormatRecord } from './shardLayout.js';
import type { Store } from './Store.js';
import { FORMAT_FILE } from './storeFiles.js';

interface LaneEvent {
  event: ChangeEvent;
  /** Position after this event. */
  segment: number;
  offset: number;
  /** Inside the first capture (see cutOf). */
  inCut: boolean;
}

export async function readEventLog(store: Store, cursor: string | null, limit: number): Promise<EventPage> {
  const from = cursor === null ? startPositions() : decodeCursor(cursor);
  const dir = store.path(EVENT_DIR);
  const st = await fs.lstat(dir).catch(() => null);
  if (st && !st.isDirectory()) {
    throw new SwarmError('STORE_CORRUPT', `${dir} is not a directory (a symbolic link or a file); swarmfile never follows links in its store. It was left as it is: move it aside.`, { path: dir });
  }
  const format = await store.readJson<FormatRecord | null>(FORMAT_FILE, null, isFormat);
  for (;;) {
    const { caps, rotatedAtCapture } = captureLanes(store);
    try {
      const listing = await listLanes(dir).catch((err) => {
        throw ioError(err, 'listing', dir);
      });
      const gaps: string[] = [];
      const lanes: LaneEvent[][] = [];
      let vanished = false;
      for (let l = 0; l < EVENT_LANES && !vanished; l++) {
        const read = await readLane(store, listing, l, from[l]!, caps[l]!, rotatedAtCapture[l]!, gaps);
        if (read === null) vanished = true;
        else lanes.push(read);
      }
      // A rotated segment deleted by retention while we read: read again (the listing then shows the gap).
      if (vanished) continue;
      const movedAside = listing.damaged || (await store.list()).some((n) => n.startsWith(`${EVENT_DIR}.damaged-`));
      const complete = format?.change_log === true && !movedAside && listing.segments.every((segs) => segs.length === 0 || segs[0]!.segment === 1);
      const page = merge(cutOf(lanes), from, limit);
      return { ...page, complete, ...(gaps.length ? { gap: { missing: gaps.join('; ') } } : {}) };
    } finally {
      for (const c of caps) if (c) closeSync(c.fd);
    }
  }
}

/** A lane's file being appended, as captured: open (so a rotation cannot swap it), its inode and two sizes. */
interface Capture {
  /** The newest rotated segment when the lane was captured (0: none). */
  rotatedAtCapture: number;
  fd: number;
  ino: number;
  /** Size at the first capture: the cut. */
  size1: number;
  /** Size at the second, just after: where to look for earlier changes the cut must take in (cutOf). */
  size2: number;
}

/**
 * Opens every lane's file being appended and takes its size, twice, each time in one tight
 * synchronous loop (file-system calls of a few microseconds, no await in between), so the two
 * passes are each close to one instant; the second starts after the first ended.
 */
function captureLanes(store: Store): { caps: (Capture | null)[]; rotatedAtCapture: number[] } {
  // The rotated segments that exist now: any newer one was made after the capture.
  const rotatedAtCapture: number[] = Array.from({ length: EVENT_LANES }, () => 0);
  let names: string[] = [];
  try {
    names = readdirSync(store.path(EVENT_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(err, 'listing', store.path(EVENT_DIR));
  }
  for (const name of names) {
    const parsed = parseEventFile(name);
    if (parsed?.segment != null && parsed.segment > rotatedAtCapture[parsed.lane]!) rotatedAtCapture[parsed.lane] = parsed.segment;
  }
  const open = (l: number): Capture | null => {
    const path = store.path(laneFile(l));
    try {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      const st = fstatSync(fd);
      return { rotatedAtCapture: rotatedAtCapture[l]!, fd, ino: st.ino, size1: st.size, size2: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new SwarmError('STORE_CORRUPT', `${path} is a symbolic link; swarmfile never follows links in its store. It was left as it is: move it aside.`, { path });
      throw ioError(err, 'reading', path);
    }
  };
  const caps: (Capture | null)[] = [];
  try {
    for (let l = 0; l < EVENT_LANES; l++) caps.push(open(l));
    for (let l = 0; l < EVENT_LANES; l++) {
      const c = caps[l];
      if (c) c.size2 = fstatSync(c.fd).size;
      else {
        // Made since the first pass: nothing of it is in the cut, but it may hold an earlier change.
        const late = open(l);
        if (late) caps[l] = { ...late, size1: 0 };
      }
    }
  } catch (err) {
    for (const c of caps) if (c) closeSync(c.fd);
    throw err;
  }
  return { caps, rotatedAtCapture };
}

/**
 * One lane's events after `from`: its rotated segments, then the captured file (whose segment is
 * the rotated one with its inode, if it was rotated since, else the next). Null when a rotated
 * segment vanished while being read. Each event says whether it is inside the first capture.
 */
async function readLane(store: Store, listing: LaneListing, lane: number, from: [number, number], cap: Capture | null, rotatedAtCapture: number, gaps: string[]): Promise<LaneEvent[] | null> {
  const [segment0, offset0] = from;
  const rotated = listing.segments[lane]!;
  // The captured file is the rotated segment with its inode if it was rotated since, else the one being appended.
  const capSegment = cap ? (rotated.find((r) => r.ino === cap.ino)?.segment ?? appendingSegment(listing, lane)) : null;
  const last = Math.max(capSegment ?? 0, appendingSegment(listing, lane));
  if (segment0 > last) {
    throw new SwarmError('INVALID_INPUT', `--since: the cursor is ahead of this store's change log (lane ${lane} segment ${segment0}, the log is at ${last}); was it printed for another store?`);
  }
  const oldest = rotated.length ? rotated[0]!.segment : last;
  if (segment0 < oldest) gaps.push(`lane ${lane}: segments ${segment0}..${oldest - 1} were deleted by retention (EVENTS_MAX_MB)`);
  const out: LaneEvent[] = [];
  // Inside the capture: rotated segments that existed then (and came before the captured file), and the captured file up to its first size.
  const parts: { segment: number; bytes: () => Promise<Buffer | null>; size: number; cut: number }[] = rotated
    .filter((r) => r.segment >= segment0 && r.segment !== capSegment)
    .map((r) => ({ segment: r.segment, size: r.size, cut: r.segment <= rotatedAtCapture && (capSegment === null || r.segment < capSegment) ? r.size : 0, bytes: () => readWhole(store.path(laneSegmentFile(lane, r.segment))) }));
  if (cap && capSegment !== null && capSegment >= segment0) parts.push({ segment: capSegment, size: cap.size2, cut: cap.size1, bytes: () => readFd(cap.fd, cap.size2) });
  parts.sort((a, b) => a.segment - b.segment);
  if (!cap && segment0 === appendingSegment(listing, lane) && offset0 > 0) gaps.push(`lane ${lane}: segment ${segment0} is gone though the cursor was inside it (it was replaced)`);
  for (const part of parts) {
    let start = part.segment === segment0 ? offset0 : 0;
    if (start > part.size) {
      // Shorter than where the reader was: the file was replaced (repair moved a damaged lane aside).
      gaps.push(`lane ${lane}: segment ${part.segment} is shorter than the cursor's position (it was replaced)`);
      start = 0;
    }
    const whole = await part.bytes();
    if (whole === null) return null;
    const bytes = whole.subarray(start, part.size);
    let pos = 0;
    for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, pos)) {
      const text = bytes.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      let event: ChangeEvent;
      try {
        event = JSON.parse(text) as ChangeEvent;
      } catch {
        throw new SwarmError('STORE_CORRUPT', `${store.path(part.segment === capSegment ? laneFile(lane) : laneSegmentFile(lane, part.segment))}: the line ending at byte ${start + pos} is not valid JSON; it was left as it is`);
      }
      out.push({ event, segment: part.segment, offset: start + pos, inCut: start + pos <= part.cut });
    }
  }
  return out;
}

/** A rotated segment's bytes; null if it is gone (deleted by retention meanwhile). */
async function readWhole(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFileNoFollow(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new SwarmError('STORE_CORRUPT', `${path} is a symbolic link; swarmfile never follows links in its store. It was left as it is: move it aside.`, { path });
    throw ioError(err, 'reading', path);
  }
}

/** The first `size` bytes of an open file. */
async function readFd(fd: number, size: number): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const n = await fs.read(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * The events to give out: each lane's events inside the first capture, and, taken in with the
 * lane's events before them, every earlier change of an item that one of those depends on found
 * between the two captures. An item's change is appended only after its previous change was, so
 * a change inside the first capture has its predecessor appended before the second capture began:
 * the cut never holds a later change of an item without the earlier ones.
 */
function cutOf(lanes: LaneEvent[][]): LaneEvent[][] {
  const keep = lanes.map((lane) => lane.filter((e) => e.inCut).length);
  const where = new Map<string, [number, number]>();
  lanes.forEach((lane, l) => lane.forEach((e, i) => where.set(`${e.event.work_item_id}\0${orderKey(e.event)}`, [l, i])));
  const work: [number, number][] = [];
  lanes.forEach((lane, l) => lane.forEach((_, i) => i < keep[l]! && work.push([l, i])));
  while (work.length) {
    const [l, i] = work.pop()!;
    const e = lanes[l]![i]!.event;
    const prev = e.type === 'archived' ? orderKey(e) - 1 : orderKey(e) - 2;
    const at = where.get(`${e.work_item_id}\0${prev}`);
    if (!at) continue;
    const [pl, pi] = at;
    for (; keep[pl]! <= pi; keep[pl]!++) work.push([pl, keep[pl]!]);
  }
  return lanes.map((lane, l) => lane.slice(0, keep[l]));
}

/** Order key of an item's event: its revision (an archived event comes after the change with the same revision). */
const orderKey = (e: ChangeEvent) => e.revision * 2 + (e.type === 'archived' ? 1 : 0);

/** The lanes merged (see the file's comment); at most `limit` events. */
function merge(lanes: LaneEvent[][], from: LanePositions, limit: number): Omit<EventPage, 'complete'> {
  const pending = new Map<string, number[]>();
  for (const lane of lanes) for (const { event } of lane) (pending.get(event.work_item_id) ?? pending.set(event.work_item_id, []).get(event.work_item_id)!).push(orderKey(event));
  for (const keys of pending.values()) keys.sort((a, b) => b - a); // smallest last: pop()
  const heads = lanes.map(() => 0);
  const pos: LanePositions = from.map(([s, o]) => [s, o]);
  const events: LoggedEvent[] = [];
  while (events.length < limit) {
    let best = -1;
    let fallback = -1;
    for (let l = 0; l < lanes.length; l++) {
      const next = lanes[l]![heads[l]!];
      if (!next) continue;
      if (fallback < 0 || next.event.ts < lanes[fallback]![heads[fallback]!]!.event.ts) fallback = l;
      const keys = pending.get(next.event.work_item_id)!;
      if (keys[keys.length - 1] !== orderKey(next.event)) continue;
      if (best < 0 || next.event.ts < lanes[best]![heads[best]!]!.event.ts) best = l;
    }
    if (fallback < 0) break;
    // No eligible head means revisions out of order inside the log itself (damage): keep going by time.
    const l = best >= 0 ? best : fallback;
    const next = lanes[l]![heads[l]!++]!;
    const keys = pending.get(next.event.work_item_id)!;
    keys.splice(keys.lastIndexOf(orderKey(next.event)), 1);
    pos[l] = [next.segment, next.offset];
    events.push({ ...next.event, cursor: encodeCursor(pos) });
  }
  return { events, cursor: encodeCursor(pos) };
}
