import type { WorkItem } from '../../model/types.js';
import type { Segment } from './listSegments.js';

/**
 * How a segment's new contents are committed: an emptied segment is removed unless it may be its
 * rank's tail (no higher sequence was listed), so the tail, and with it the sequence, survives.
 */
export function segmentChange(seg: Segment, items: WorkItem[], listed: readonly Segment[]): { writes: [string, unknown][]; deletes: string[] } {
  const hasLater = listed.some((s) => s.rank === seg.rank && s.seq > seg.seq);
  if (items.length === 0 && hasLater) return { writes: [], deletes: [seg.file] };
  return { writes: [[seg.file, items]], deletes: [] };
}
