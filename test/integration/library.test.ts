/** The library API: the same operations in one long-lived process, including concurrent calls. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Coordinator, isSwarmError } from '../../src/index.js';
import { tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

describe('Coordinator (library)', () => {
  it('claims, progresses and completes; concurrent calls in one process lose nothing', async () => {
    const dir = join(tempDir(), 'store');
    // Several coordinators opening a brand-new store at once (regression: shared temp name).
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => Coordinator.open({ dir, agentId: `agent_${i}`, env: {} })));
    const items = await Promise.all(Array.from({ length: 60 }, (_, i) => [a, b, c][i % 3]!.claim({ workType: 'feature', description: `job ${i}`, team: `t${i % 2}` })));
    expect(new Set(items.map((w) => w.work_item_id)).size).toBe(60);
    await Promise.all(items.map((w, i) => [a, b, c][i % 3]!.progress(w.work_item_id, 50)));
    await Promise.all(items.map((w, i) => [a, b, c][i % 3]!.complete(w.work_item_id, { velocityPoints: 2 })));
    const err = await a.complete(items[0]!.work_item_id).catch((e: unknown) => e);
    expect(isSwarmError(err, 'WRONG_STATE')).toBe(true);
    const dash = await b.dashboard();
    expect(dash.totals).toEqual({ active_work: 0, queued: 0, waiting: 0, blocked: 0, dead: 0, tasks_completed: 60, velocity_points: 120 });
    expect(a.shards).toBe(16);
    const store = readStore(dir);
    assertConsistent(store);
    expect(store.completed.size).toBe(60);
    await Promise.all([a.close(), b.close(), c.close(), a.close()]);
  });
});
