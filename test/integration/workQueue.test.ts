/**
 * The work queue under real concurrency: a pre-seeded backlog drained by many OS processes, each
 * running claim-next -> progress -> complete until NOTHING_CLAIMABLE. The claims each agent
 * logged and the store files themselves (read with plain fs) must agree: every item completed
 * exactly once, by the one agent that claimed it, and nothing left anywhere else.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, assertExactlyOnce, readStore, type StoreState } from '../support/storeInvariants.mjs';
import { claimLogProblems, overlappingHolds, readQueueLogs, type QueueLogs } from '../support/queueLogs.js';

const WORKER = join(ROOT, 'test/support/workers/queueWorker.mjs');
const DIST = join(ROOT, 'dist');
const TEAMS = ['team_a', 'team_b', 'team_c'];
// The built library, the same code the worker processes run (types from the sources).
const { Coordinator, PRIORITIES } = (await import(join(DIST, 'index.js'))) as typeof import('../../src/index.js');

/** Enqueues n items from this one process (library add), mixed priorities and teams. */
async function seed(dir: string, n: number): Promise<string[]> {
  const coord = await Coordinator.open({ dir, fsync: false, env: {} });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const item = await coord.add({ workType: i % 5 === 0 ? 'review' : 'feature', description: `item ${i}`, priority: PRIORITIES[i % PRIORITIES.length]!, team: TEAMS[i % TEAMS.length]! });
    ids.push(item.work_item_id);
  }
  await coord.close();
  return ids;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Process groups still running; a failing or hanging test must not leave agents behind. */
const running = new Set<number>();
const killGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
afterEach(() => {
  for (const pid of running) killGroup(pid);
  running.clear();
});

/** Runs one agent in its own process group; the whole group is SIGKILLed after `timeoutMs`. */
function spawnAndWait(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Exit> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    running.add(child.pid!);
    const timer = setTimeout(() => killGroup(child.pid!), timeoutMs);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      done({ code, signal, stderr });
    });
  });
}

/**
 * In a run where nobody dies, more claims than items means items are handed out again (e.g. a
 * claim that leaves the item queued): agents could then loop forever. Stops them at once.
 */
function watchClaims(logFiles: readonly string[], items: number): { stop: () => void; excess: () => number } {
  let seen = 0;
  const timer = setInterval(() => {
    seen = readQueueLogs(logFiles).events.filter((e) => e.op === 'claim').length;
    if (seen > items) for (const pid of running) killGroup(pid);
  }, 500);
  return { stop: () => clearInterval(timer), excess: () => Math.max(0, seen - items) };
}

/**
 * The invariants of a run in which no agent died: the store holds every seeded id exactly once,
 * all completed, nothing queued, active, waiting or dead; each item was claimed exactly once
 * (token 1) and completed by the process that claimed it; no two holds of an item overlap.
 */
function checkCleanDrain(store: StoreState, ids: readonly string[], logs: QueueLogs, points: number) {
  assertConsistent(store);
  const places = assertExactlyOnce(store, ids);
  expect([...places.values()].every((p) => p === 'completed')).toBe(true);
  expect(store.completed.size).toBe(ids.length);
  expect({ backlog: store.backlog.size, active: store.active.size, waiting: store.waiting.size, dead: store.dead.size }).toEqual({ backlog: 0, active: 0, waiting: 0, dead: 0 });
  expect(store.leftovers).toEqual([]);

  expect(claimLogProblems(logs)).toEqual([]);
  const claims = logs.events.filter((e) => e.op === 'claim');
  const completes = logs.events.filter((e) => e.op === 'complete');
  // Each item claimed exactly once, with token 1: nobody died, so nothing was reclaimed.
  expect(claims.length).toBe(ids.length);
  expect(new Set(claims.map((c) => c.id))).toEqual(new Set(ids));
  expect(claims.filter((c) => c.token !== 1)).toEqual([]);
  expect(completes.length).toBe(ids.length);
  expect(logs.events.filter((e) => e.op === 'progress').length).toBe(ids.length);

  // The finished log agrees with what each agent was told, down to the agent and the token.
  const agentOfLog = new Map<string, string>();
  for (const line of logs.other) {
    const m = /^(.*): start \d+ (\S+) \d+$/.exec(line);
    if (m) agentOfLog.set(m[1]!, m[2]!);
  }
  for (const c of completes) {
    const w = store.completed.get(c.id)!;
    expect(w.fencing_token, c.id).toBe(c.token);
    expect(w.attempts ?? 0, c.id).toBe(0);
    expect(w.velocity_points).toBe(points);
    if (agentOfLog.size) expect(w.agent_id, c.id).toBe(agentOfLog.get(c.log));
  }
  // No item was held by two live owners at once: a hold ends with its logged completion.
  const completeOf = new Map(completes.map((c) => [`${c.id}#${c.token}`, c.t]));
  expect(overlappingHolds(logs, (c) => completeOf.get(`${c.id}#${c.token}`))).toEqual([]);
  const total = [...store.statsTeams.values()].reduce((s, t) => s + t.tasks_completed, 0);
  expect(total).toBe(ids.length);
}

describe('work queue: many agent processes drain one backlog', () => {
  it('1,000 queued items, 32 concurrent agent processes running claim-next -> progress -> complete', async () => {
    const N = 1000;
    const AGENTS = 32;
    const base = tempDir();
    const dir = join(base, 'store');
    const ids = await seed(dir, N);
    expect(new Set(ids).size).toBe(N);
    const seeded = readStore(dir);
    assertExactlyOnce(seeded, ids);
    expect(seeded.backlog.size).toBe(N);

    const started = Date.now();
    const logFiles = Array.from({ length: AGENTS }, (_, i) => join(base, `worker_${i}.log`));
    const watch = watchClaims(logFiles, N);
    const exits = await Promise.all(
      logFiles.map((log, i) =>
        spawnAndWait(process.execPath, [WORKER, DIST, log], {
          ...storeEnv(dir),
          AGENT_ID: `agent_${i}`,
          // A few agents only take one team's work, the rest take anything.
          ...(i % 8 === 7 ? { QW_TEAM: TEAMS[i % TEAMS.length]! } : {}),
        }, 600_000), // unloaded it drains in about a minute; the bound is for a busy machine
      ),
    );
    const elapsed = Date.now() - started;
    watch.stop();
    expect(watch.excess(), 'more claims than items').toBe(0);
    expect(exits.filter((e) => e.code !== 0)).toEqual([]);

    const logs = readQueueLogs(logFiles);
    expect(logs.other.filter((l) => /: (error|refused) /.test(l))).toEqual([]);
    // Every worker ran and stopped on its own (at NOTHING_CLAIMABLE), each with its own pid.
    const pids = logs.other.map((l) => /: start (\d+) /.exec(l)?.[1]).filter(Boolean);
    expect(new Set(pids).size).toBe(AGENTS);
    expect(logs.other.filter((l) => /: exit /.test(l)).length).toBe(AGENTS);
    // The work was actually shared.
    const perWorker = new Map<string, number>();
    for (const e of logs.events) if (e.op === 'complete') perWorker.set(e.log, (perWorker.get(e.log) ?? 0) + 1);
    expect(perWorker.size).toBeGreaterThan(AGENTS / 2);

    checkCleanDrain(readStore(dir), ids, logs, 2);
    console.log(`[workQueue] ${N} items, ${AGENTS} library agents: drained in ${elapsed} ms (${perWorker.size} agents completed work)`);
  }, 900_000);

  it('the same through the real CLI: 8 bash agents looping claim-next -> progress -> complete', async () => {
    const N = 96;
    const AGENTS = 8;
    const base = tempDir();
    const dir = join(base, 'store');
    const ids = await seed(dir, N);
    // One agent as users write them. `--json` gives the fencing token, passed back on every call.
    const loop = `
      out=$1
      while :; do
        json=$(node "$CLI" -q --json claim-next); rc=$?; t=$(date +%s%3N)
        if [ "$rc" -eq 7 ]; then echo "exit $$ $t" >>"$out"; exit 0; fi
        if [ "$rc" -ne 0 ]; then echo "error claim $rc $t" >>"$out"; exit 1; fi
        id=$(printf '%s\\n' "$json" | sed -n 's/^  "work_item_id": "\\(.*\\)",$/\\1/p')
        token=$(printf '%s\\n' "$json" | sed -n 's/^  "fencing_token": \\([0-9]*\\),\\{0,1\\}$/\\1/p')
        echo "claim $id $token $t" >>"$out"
        if node "$CLI" -q progress "$id" 50 in_progress --token "$token"; then echo "progress $id $token $(date +%s%3N)" >>"$out"
        else echo "error progress $? $id" >>"$out"; fi
        if node "$CLI" -q complete "$id" success 3 --token "$token"; then echo "complete $id $token $(date +%s%3N)" >>"$out"
        else echo "error complete $? $id" >>"$out"; fi
      done`;
    const started = Date.now();
    const logFiles = Array.from({ length: AGENTS }, (_, i) => join(base, `cli_agent_${i}.log`));
    const watch = watchClaims(logFiles, N);
    const exits = await Promise.all(logFiles.map((log, i) => spawnAndWait('bash', ['-c', loop, 'agent', log], { ...storeEnv(dir), CLI, AGENT_ID: `cli_agent_${i}` }, 600_000)));
    const elapsed = Date.now() - started;
    watch.stop();
    expect(watch.excess(), 'more claims than items').toBe(0);
    // The only message on stderr is each agent's final NOTHING_CLAIMABLE (errors are never quiet).
    const stderr = exits.flatMap((e) => e.stderr.split('\n')).filter((l) => l && !l.includes('error [NOTHING_CLAIMABLE]'));
    expect(stderr).toEqual([]);
    expect(exits.map((e) => e.stderr.split('error [NOTHING_CLAIMABLE]').length - 1)).toEqual(exits.map(() => 1));
    expect(exits.filter((e) => e.code !== 0)).toEqual([]);

    const logs = readQueueLogs(logFiles);
    expect(logs.other.filter((l) => !/: exit \d+ \d+$/.test(l))).toEqual([]);
    const store = readStore(dir);
    checkCleanDrain(store, ids, logs, 3);
    // Each completion is credited to the bash agent whose log holds that claim.
    for (const c of logs.events.filter((e) => e.op === 'complete')) {
      const agent = /cli_agent_(\d+)\.log$/.exec(c.log)![1];
      expect(store.completed.get(c.id)!.agent_id).toBe(`cli_agent_${agent}`);
      // The claim recorded the agent script (the CLI's parent) as the owning process.
      const exitLine = readFileSync(c.log, 'utf8').match(/^exit (\d+) /m);
      expect(store.completed.get(c.id)!.claim_pid).toBe(Number(exitLine![1]));
    }
    console.log(`[workQueue] ${N} items, ${AGENTS} CLI agents: drained in ${elapsed} ms`);
  }, 900_000);
});
