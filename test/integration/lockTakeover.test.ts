/**
 * Issue 15, item 1: taking over a dead holder's lock must never remove a live one. Twelve claim
 * loops on a one-shard store, a quarter of the calls SIGKILLed while holding the shard lock
 * (SWARMFILE_CRASH_AT=before-commit), so dead holders' locks are taken over all the time, by
 * several waiters at once, often within the same second and with recycled inodes. The ledger of
 * acknowledged claims (exit 0 and an id on stdout) must match the store exactly.
 * CHAOS=1 (make chaos) runs it ten times longer.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, storeEnv, tempDir, expectAudit } from '../support/index.js';
import { assertConsistent, assertExactlyOnce, readStore } from '../support/storeInvariants.mjs';

const LOOPS = 12;
const CALLS = process.env.CHAOS ? 200 : 20;

describe('lock takeover under crashes on one shard', () => {
  it('every acknowledged claim is in the store exactly once; no call fails', async () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { WORK_QUEUE_SHARDING: '1', SWARMFILE_FSYNC: '0', FLOCK_TIMEOUT: '120' });
    const acked: string[] = [];
    const failures: string[] = [];
    let killed = 0;
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, loop) => {
        for (let i = 0; i < CALLS; i++) {
          const crash = (i + loop) % 4 === 0;
          const r = await run(['-q', 'claim', 'feature', `loop ${loop} call ${i}`], { ...env, AGENT_ID: `agent_${loop}`, ...(crash ? { SWARMFILE_CRASH_AT: 'before-commit' } : {}) });
          if (r.signal === 'SIGKILL' && crash) killed++;
          else if (r.code === 0 && /^\S+$/.test(r.stdout.trim())) acked.push(r.stdout.trim());
          else failures.push(`loop ${loop} call ${i}: exit ${r.code} ${r.signal ?? ''} ${r.stderr.trim()}`);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(killed).toBe(LOOPS * Math.ceil(CALLS / 4));
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, acked);
    // Killed before commit: nothing of theirs is there, so the store holds exactly the acknowledged.
    expect([...store.active.keys()].sort()).toEqual([...acked].sort());
    expectAudit(env);
  });
});
