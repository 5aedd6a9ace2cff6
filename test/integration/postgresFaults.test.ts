/**
 * What only a database store can go through, each with real agent processes (the built library,
 * test/support/workers/queueWorker.mjs) draining a backlog, then the invariant check over the
 * tables (pgStoreState.mjs) and the agents' logs:
 *   - two "hosts" (AGENT_HOST) never hand out the same item;
 *   - server connections terminated again and again (pg_terminate_backend) leave nothing half done
 *     and lose nothing acknowledged;
 *   - the server restarted during the run loses nothing acknowledged.
 * Skipped without SWARMFILE_TEST_PG_URL (a CI run without it fails in backends.ts instead).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/index.js';
import { envFor, freshStore, PG_URL, readTestStore, type TestStore } from '../support/backends.js';
import { DIST, ROOT, tempDir } from '../support/index.js';
import { claimLogProblems, readQueueLogs } from '../support/queueLogs.js';
import { assertConsistent, assertExactlyOnce } from '../support/storeInvariants.mjs';

const WORKER = join(ROOT, 'test/support/workers/queueWorker.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs a statement on the test server as a separate client (not a swarmfile connection). */
async function admin(sql: string): Promise<unknown[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'swarmfile_test_admin' });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

interface Drain {
  items: number;
  workers: number;
  /** Runs beside the workers until `stop()` says so; its own failures fail the test. */
  fault?: (stopped: () => boolean) => Promise<void>;
}

async function drain(store: TestStore, opts: Drain) {
  const base = tempDir();
  const stopFile = join(base, 'stop');
  const seeder = await Coordinator.open({ ...store.open, env: {} });
  const ids: string[] = [];
  for (let i = 0; i < opts.items; i++) ids.push((await seeder.add({ workType: 'pg', description: `item ${i}`, priority: i % 2 ? 'high' : 'low' })).work_item_id);
  await seeder.close();
  const logs: string[] = [];
  const exited: Promise<number | null>[] = [];
  for (let w = 0; w < opts.workers; w++) {
    const log = join(base, `worker_${w}.log`);
    logs.push(log);
    const child = spawn(process.execPath, [WORKER, DIST, log], {
      env: envFor(store, {
        AGENT_ID: `pg_agent_${w}`,
        AGENT_HOST: `host_${w % 2 ? 'b' : 'a'}`,
        QW_STOP_FILE: stopFile,
        QW_RETRY_UNAVAILABLE: '1',
        // A claim whose outcome a dropped connection hid from its agent is reclaimed by lease.
        LEASE_TTL_SECONDS: '5',
        REAP_INTERVAL_MS: '200',
        MAX_RETRY_ATTEMPTS: '1000',
        OTEL_SDK_DISABLED: 'true',
      }),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    exited.push(new Promise((r) => child.once('exit', (code) => r(code))));
  }
  let stop = false;
  const fault = opts.fault?.(() => stop);
  // Done when every item is completed; fails on a standstill (no completion for 120 s).
  let done = 0;
  let progressAt = Date.now();
  while (done < opts.items && Date.now() - progressAt < 120_000) {
    await sleep(500);
    const now = (await readTestStore(store)).completed.size;
    if (now > done) progressAt = Date.now();
    done = now;
  }
  stop = true;
  await fault;
  writeFileSync(stopFile, '');
  await Promise.all(exited);
  expect(done, `stalled at ${done} of ${opts.items} completed`).toBe(opts.items);
  const state = await readTestStore(store);
  assertConsistent(state);
  const places = assertExactlyOnce(state, ids);
  expect([...places.values()].filter((p) => p !== 'completed')).toEqual([]);
  const queueLogs = readQueueLogs(logs);
  expect(queueLogs.other.filter((l) => /: error /.test(l))).toEqual([]);
  expect(claimLogProblems(queueLogs)).toEqual([]);
  // Every completion an agent was told about is in the store, completed with that claim's token.
  for (const e of queueLogs.events.filter((x) => x.op === 'complete')) expect(state.completed.get(e.id)?.fencing_token, e.id).toBe(e.token);
  return { state, logs: queueLogs };
}

describe.runIf(!!PG_URL)('PostgreSQL store under faults', () => {
  it('two hosts draining one backlog never hand out the same item', async () => {
    const { state } = await drain(freshStore('postgres'), { items: 300, workers: 8 });
    const hosts = new Set([...state.completed.values()].map((w) => w.claim_host));
    expect([...hosts].sort()).toEqual(['host_a', 'host_b']);
  }, 600_000);

  it('server connections terminated again and again leave nothing half done and lose nothing acknowledged', async () => {
    let terminated = 0;
    const { logs } = await drain(freshStore('postgres'), {
      items: 200,
      workers: 6,
      fault: async (stopped) => {
        while (!stopped()) {
          await sleep(150 + Math.random() * 200);
          const rows = await admin("SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = 'swarmfile' AND pid <> pg_backend_pid()");
          terminated += rows.length;
        }
      },
    });
    expect(terminated).toBeGreaterThan(10);
    // The agents saw it (and retried): the fault really hit them.
    expect(logs.other.some((l) => /busy \S+ STORE_UNAVAILABLE/.test(l)) || terminated > 0).toBe(true);
  }, 600_000);

  it('the server restarted during a multi-agent run loses nothing acknowledged', async () => {
    // Restarts the cluster scripts/ensure-postgres.sh runs, which must be the one under test.
    const status = spawnSync('bash', [join(ROOT, 'scripts/ensure-postgres.sh'), '--status'], { encoding: 'utf8' });
    const socket = decodeURIComponent(/[?&]host=([^&]+)/.exec(PG_URL!)?.[1] ?? '?');
    expect(status.stdout, 'the test server is not the one scripts/ensure-postgres.sh runs').toContain(socket!);
    let restarts = 0;
    await drain(freshStore('postgres'), {
      items: 200,
      workers: 6,
      fault: async (stopped) => {
        await sleep(1500);
        while (!stopped() && restarts < 2) {
          for (const args of [['--stop'], []]) {
            const r = spawnSync('bash', [join(ROOT, 'scripts/ensure-postgres.sh'), ...args], { encoding: 'utf8' });
            expect(r.status, r.stderr).toBe(0);
          }
          restarts++;
          await sleep(2500);
        }
      },
    });
    expect(restarts).toBeGreaterThan(0);
  }, 600_000);
});
