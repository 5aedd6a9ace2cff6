/**
 * Real OS processes: 32 concurrent agents (bash loops calling the CLI), then an invariant check
 * over the store itself (its files, or its tables), on every backend.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, readTestStore, type TestStore } from '../support/backends.js';
import { CLI, ROOT, expectAudit, tempDir } from '../support/index.js';
import { assertConsistent } from '../support/storeInvariants.mjs';

const AGENTS = 32;
/** Cycles per agent: a PostgreSQL CLI call costs more (a connection each), so half as many there, still 32 processes at once. */
const cyclesOf = (backend: string) => (backend === 'postgres' ? 2 : 4);

function runAgent(i: number, store: TestStore, outDir: string): Promise<number | null> {
  const CYCLES = cyclesOf(store.backend);
  return new Promise((done) => {
    const child = spawn('bash', [join(ROOT, 'test/support/workers/agent_loop.sh'), String(CYCLES), join(outDir, `agent_${i}.log`)], {
      env: { ...envFor(store), CLI, AGENT_ID: `agent_${i}` },
      stdio: 'ignore',
    });
    child.on('close', (code) => done(code));
  });
}

describe.each(BACKENDS)(`${AGENTS} concurrent agent processes (%s store)`, (backend) => {
  it('lose nothing and duplicate nothing', async () => {
    const CYCLES = cyclesOf(backend);
    const base = tempDir();
    const testStore = freshStore(backend);
    await Promise.all(Array.from({ length: AGENTS }, (_, i) => runAgent(i, testStore, base)));

    const reported = { claim: new Set<string>(), progress: new Set<string>(), complete: new Set<string>() };
    const failures: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      for (const line of readFileSync(join(base, `agent_${i}.log`), 'utf8').trim().split('\n')) {
        const [op, rc, id] = line.split(' ') as ['claim' | 'progress' | 'complete', string, string];
        if (rc === '0') {
          expect(reported[op].has(id), `${op} of ${id} reported twice`).toBe(false);
          reported[op].add(id);
        } else failures.push(line);
      }
    }
    // With a 30 s lock timeout nothing should fail at all on this load.
    expect(failures).toEqual([]);
    expect(reported.claim.size).toBe(AGENTS * CYCLES);

    const store = await readTestStore(testStore);
    assertConsistent(store);
    expect(store.leftovers).toEqual([]);
    // Every completion the CLI reported is in the log exactly once (readStore rejects duplicates)...
    for (const id of reported.complete) expect(store.completed.has(id), `completion of ${id} lost`).toBe(true);
    // ...and every claim reported is on disk, active or completed.
    for (const id of reported.claim) expect(store.active.has(id) || store.completed.has(id), `claim ${id} lost`).toBe(true);
    expect(store.completed.size).toBe(reported.complete.size);
    expect(store.active.size).toBe(0);
    for (const w of store.completed.values()) {
      expect(w.description).toMatch(/^task \d+ of agent_\d+: "quoted" \\ back$/);
      expect(w.agent_id).toMatch(/^agent_\d+$/);
    }
    // The per-team counters are exact: 3 points per completion.
    const total = [...store.statsTeams.values()].reduce((s, t) => s + t.velocity_points, 0);
    expect(total).toBe(3 * AGENTS * CYCLES);
    // The tool's own exactly-once audit of its change log agrees (issue 10).
    expectAudit(envFor(testStore));
  }, 900_000); // bounded work; the limit only catches a hang, never a slow machine
});
