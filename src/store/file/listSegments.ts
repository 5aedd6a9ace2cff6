import type { Store } from './Store.js';
import { parseSegment } from './storeFiles.js';

export interface Segment {
  file: string;
  rank: number;
  seq: number;
}

/** Backlog segments in claim order: priority rank, then sequence (a lock-free directory listing). */
export async function listSegments(store: Store): Promise<Segment[]> {
  const segs: Segment[] = [];
  for (const name of await store.list()) {
    const s = parseSegment(name);
    if (s) segs.push(s);
  }
  return segs.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
}

/** The highest-sequence segment of a rank (where new items go), or undefined when there is none. */
export function tailOf(segs: readonly Segment[], rank: number): Segment | undefined {
  let tail: Segment | undefined;
  for (const s of segs) if (s.rank === rank && (!tail || s.seq > tail.seq)) tail = s;
  return tail;
}
