/**
 * Issue 3's work queue, three measurements side by side:
 *
 * 1. claim-next throughput with 1, 8, 32 agents over a pre-filled backlog. Every agent loops
 *    claim-next -> progress 50 -> complete until claim-next exits 7 (NOTHING_CLAIMABLE), through
 *    the CLI (a process per call) and through the library (a process per agent,
 *    bench/queueAgents.mjs, all started before a common "go"). Backlogs are filled with real `add`
 *    calls (library, SWARMFILE_FSYNC=0). After each run every seeded item must be completed
 *    exactly once and claimed once, nothing left queued: otherwise the suite fails.
 * 2. claim-next latency with 100 and with 100,000 queued items (target: 100k within 2x of 100).
 *    Both backlogs are written directly as segment files (writeBacklogSegments, below: the same
 *    bytes `add` writes), checked through `ready --limit 3` and `list --status pending`. Library:
 *    single claimNext calls in one process, alternating between the two stores round by round;
 *    CLI: wall time of `claim-next` processes, alternating the same way. After each timed claim the
 *    item is completed and a new one added (untimed), so both stores keep exactly n queued items.
 * 3. add -> wake-up: K agents block in `claim-next --wait 30` (CLI processes, or library waiters
 *    in one process); once all are settled (inotify watch open, no CPU for 150 ms) one item is
 *    added through the library (a long-lived driver process) and the time runs from just before
 *    the add command to the winner's claim returning (the id on the CLI's stdout; the library
 *    promise resolving), all on this process's clock. The CLI winner's process exit is timed too.
 *    Ends with a burst: K items for the K waiters, each must get exactly one.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkSwarmfileStore } from '../lib/invariants.mjs';
import { newLedger } from '../lib/runAgents.mjs';
import { median, percentile, summarize } from '../lib/stats.mjs';
import { CLI, LIBRARY, ROOT } from '../lib/targets.mjs';

const HELPER = join(ROOT, 'bench/queueAgents.mjs');
const NOTHING_CLAIMABLE = 7;
const LATENCY_TARGET = 2;
const WAIT_SECONDS = 30;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const epochNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Seeding

/**
 * Writes `n` pending items straight into backlog segment files, in exactly the layout `add`
 * produces (src/store/storeFiles.ts, src/coordinator/addWork.ts): `backlog.<rank>.<seq>.json`,
 * seq from 1, BACKLOG_SEGMENT_SIZE items per segment, JSON.stringify(items, null, 2) + '\n', items
 * shaped as addWork builds them. Ids are `work_<ns>` in creation order (10 ms apart, starting a day
 * ago), so later `add`s sort after them. The store must exist (format file) and have no backlog.
 * Returns the ids in claim order.
 */
export async function writeBacklogSegments(dir, n, { priority = 'medium', team = 'bench_team', workType = 'benchmark' } = {}) {
  const { segmentFile, BACKLOG_SEGMENT_SIZE } = await import(join(ROOT, 'dist/store/storeFiles.js'));
  const { priorityRank } = await import(join(ROOT, 'dist/model/claimOrder.js'));
  const { isoSeconds } = await import(join(ROOT, 'dist/model/now.js'));
  if (!existsSync(join(dir, 'swarmfile.json'))) throw new Error(`writeBacklogSegments: ${dir} is not a store (no swarmfile.json)`);
  if ((await fs.readdir(dir)).some((f) => f.startsWith('backlog.'))) throw new Error(`writeBacklogSegments: ${dir} already has a backlog`);
  const rank = priorityRank(priority);
  const firstStep = BigInt(Date.now() - 86_400_000) / 10n; // 10 ms steps, as generateId
  const ids = [];
  for (let seq = 1, i = 0; i < n; seq++) {
    const items = [];
    for (; i < n && items.length < BACKLOG_SEGMENT_SIZE; i++) {
      const step = firstStep + BigInt(i);
      const id = `work_${step * 10_000_000n}`;
      const at = isoSeconds(Number(step * 10n));
      ids.push(id);
      items.push({ work_item_id: id, agent_id: null, work_type: workType, description: `seeded item ${i}`, priority, team, status: 'pending', progress: 0, created_at: at, claimed_at: null, last_update: at, attempts: 0, fencing_token: 0 });
    }
    const file = join(dir, segmentFile(rank, seq));
    await fs.writeFile(`${file}.seed`, JSON.stringify(items, null, 2) + '\n');
    await fs.rename(`${file}.seed`, file);
  }
  return ids;
}

/** Checks a seeded store through the CLI: `ready --limit 3` and `list --status pending` line count. */
async function verifySeed(ctx, dir, ids, env) {
  const ready = await ctx.cli(['ready', '--limit', '3', '--json'], { ...env, COORDINATION_DIR: dir });
  if (ready.code !== 0) throw new Error(`claimnext: ready exited ${ready.code}: ${ready.stderr.trim()}`);
  const first = JSON.parse(ready.stdout).map((w) => w.work_item_id);
  const list = await ctx.cli(['list', '--status', 'pending'], { ...env, COORDINATION_DIR: dir });
  if (list.code !== 0) throw new Error(`claimnext: list exited ${list.code}: ${list.stderr.trim()}`);
  const rows = list.stdout.split('\n').filter(Boolean).length - 1; // minus the header line
  const problems = [];
  if (first.join() !== ids.slice(0, 3).join()) problems.push(`ready --limit 3 gave ${first.join(', ')}, seeded ${ids.slice(0, 3).join(', ')}`);
  if (rows !== ids.length) problems.push(`list --status pending shows ${rows} items, seeded ${ids.length}`);
  if (problems.length) throw new Error(`claimnext: seeded store ${dir} does not read back: ${problems.join('; ')}`);
  return { ready_ms: ready.ms, list_ms: list.ms, list_rows: rows };
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Every child this part started and that has not exited yet: killed if the part fails midway. */
const live = new Set();
function track(child) {
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

/** A child speaking JSON Lines on stdout; `waitFor` takes the first unconsumed matching event. */
function spawnJsonl(label, argv, env) {
  const child = track(spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const events = [];
  const listeners = new Set();
  const notify = () => [...listeners].forEach((l) => l());
  let stderr = '';
  let exited = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let ev;
    try {
      ev = JSON.parse(line);
    } catch {
      ev = { event: 'text', line };
    }
    ev.recvAt = performance.now();
    events.push(ev);
    notify();
  });
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.on('close', (code, signal) => {
    exited = { code, signal };
    notify();
  });
  return {
    label,
    child,
    pid: child.pid,
    events,
    get exited() {
      return exited;
    },
    get stderr() {
      return stderr;
    },
    send: (msg) => child.stdin.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`),
    waitFor(pred, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        let timer;
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          const ev = events.find((e) => !e.taken && pred(e));
          if (ev) {
            ev.taken = true;
            done();
            resolve(ev);
          } else if (exited) {
            done();
            reject(new Error(`${label} exited (${exited.code ?? exited.signal}) before the awaited event: ${stderr.trim().slice(-1500)}`));
          }
        };
        timer = setTimeout(() => {
          done();
          reject(new Error(`${label}: no awaited event within ${timeoutMs} ms: ${stderr.trim().slice(-1500)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async exit(timeoutMs = 10_000) {
      if (exited) return exited;
      this.send({ op: 'exit' });
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await new Promise((r) => child.once('close', r));
      clearTimeout(t);
      return exited;
    },
  };
}

const helper = (label, spec, env) => spawnJsonl(label, [process.execPath, HELPER, JSON.stringify({ library: LIBRARY, ...spec })], env);

/** A CLI `claim-next --wait` process; records when its id line reaches us and when it exits. */
function spawnCliWaiter(agent, env) {
  const child = track(spawn(process.execPath, [CLI, 'claim-next', '--wait', String(WAIT_SECONDS)], { env: { ...env, AGENT_ID: agent }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const w = { agent, child, pid: child.pid, out: '', outAt: null, id: null, exitAt: null, code: null, stderr: '' };
  child.stdout.on('data', (d) => {
    w.out += d;
    if (w.outAt === null && w.out.includes('\n')) {
      w.outAt = performance.now();
      w.id = w.out.trim().split('\n')[0];
    }
  });
  child.stderr.on('data', (d) => (w.stderr += d));
  w.closed = new Promise(/** @param {(v?: unknown) => void} resolve */ (resolve) =>
    child.on('close', (code, signal) => {
      w.exitAt = performance.now();
      w.code = code ?? (signal ? 128 : -1);
      resolve();
    }),
  );
  return w;
}

async function until(pred, timeoutMs, pollMs = 2) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (performance.now() > end) return null;
    await sleep(pollMs);
  }
}

// ---------------------------------------------------------------------------------------------
// "Settled": Linux /proc tells when a waiter has its inotify watch and has gone quiet.

const PROC = existsSync('/proc/self/task') && existsSync(`/proc/self/task/${process.pid}/schedstat`);

/** CPU time of every thread of `pid`, ms (schedstat is in ns); null when unreadable. */
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return null;
  }
}

function hasInotify(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Waits until every process in `pids` has used under 0.5 ms of CPU per 25 ms for `quietMs` and each
 * of `watchers` has an inotify descriptor. Without /proc it just sleeps. Returns false on timeout.
 */
async function settle(pids, { watchers = [], quietMs = 150, maxMs = 15_000 } = {}) {
  if (!PROC) {
    await sleep(800);
    return true;
  }
  const end = performance.now() + maxMs;
  let last = pids.map(cpuMs);
  let quietSince = performance.now();
  while (performance.now() < end) {
    await sleep(25);
    const now = pids.map(cpuMs);
    const busy = now.some((v, i) => v !== null && last[i] !== null && v - last[i] > 0.5) || !watchers.every(hasInotify);
    last = now;
    if (busy) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Invariants for queue runs

async function readBacklogIds(dir) {
  const ids = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    if (!/^backlog\.[0-3]\.\d{9}\.json$/.test(name)) continue;
    const arr = JSON.parse(await fs.readFile(join(dir, name), 'utf8'));
    for (const w of Array.isArray(arr) ? arr : []) ids.push(w.work_item_id);
  }
  return ids;
}

async function completedCounts(dir) {
  const counts = new Map();
  for (const name of await fs.readdir(dir)) {
    if (!/^work_completed\.\d+\.jsonl$/.test(name)) continue;
    for (const line of (await fs.readFile(join(dir, name), 'utf8')).split('\n')) {
      if (!line) continue;
      try {
        const id = JSON.parse(line).work_item_id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      } catch {
        /* reported by checkSwarmfileStore */
      }
    }
  }
  return counts;
}

/**
 * checkSwarmfileStore plus the queue's own promise: each of `items` was handed out by claim-next
 * once (`claims`, every id any claim returned, repeats kept), completed exactly once, and no longer
 * queued; nothing else was completed.
 * @param {string} dir
 * @param {{ items: string[], claims: string[], ledger: import('../types.js').Ledger }} run
 * @returns {Promise<import('../types.js').InvariantReport>}
 */
export async function checkQueueStore(dir, { items, claims, ledger }) {
  const inv = await checkSwarmfileStore(dir, ledger);
  const expected = new Set(items);
  const done = await completedCounts(dir);
  const queued = new Set(await readBacklogIds(dir));
  const claimCount = new Map();
  for (const id of claims) claimCount.set(id, (claimCount.get(id) ?? 0) + 1);
  const q = {
    items: items.length,
    completed_once: items.filter((id) => done.get(id) === 1).length,
    never_completed: items.filter((id) => !done.get(id)).length,
    completed_twice: items.filter((id) => done.get(id) > 1).length,
    claimed_twice: [...claimCount.values()].filter((n) => n > 1).length,
    still_queued: items.filter((id) => queued.has(id)).length,
    unexpected_completions: [...done.keys()].filter((id) => !expected.has(id)).length,
    unexpected_claims: [...claimCount.keys()].filter((id) => !expected.has(id)).length,
  };
  const problems = [];
  if (q.never_completed) problems.push(`${q.never_completed} of ${q.items} items never completed (${q.still_queued} still queued)`);
  if (q.completed_twice) problems.push(`${q.completed_twice} items completed more than once`);
  if (q.claimed_twice) problems.push(`${q.claimed_twice} items handed out by claim-next more than once`);
  if (q.unexpected_completions) problems.push(`${q.unexpected_completions} completions of items nobody queued`);
  if (q.unexpected_claims) problems.push(`${q.unexpected_claims} claims of items nobody queued`);
  inv.queue = q;
  inv.problems.push(...problems);
  inv.lost.total += q.never_completed;
  inv.lost.queued = q.never_completed;
  inv.duplicated.count += q.completed_twice + q.claimed_twice;
  inv.ok = inv.ok && problems.length === 0;
  return inv;
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput

/** Fills each store's backlog with real `add` calls (one library process, SWARMFILE_FSYNC=0). */
async function seedWithAdd(stores, env) {
  const p = helper('claimnext seed', { mode: 'seed', stores }, { ...process.env, ...env, SWARMFILE_FSYNC: '0' });
  const done = await p.waitFor((e) => e.event === 'done', 300_000);
  await p.exit();
  return done.ids;
}

function summarizeQueueRun({ mode, agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants }) {
  const okCycles = cycles.filter((c) => c.ok);
  const perAgent = new Map();
  for (const c of okCycles) perAgent.set(c.agent, (perAgent.get(c.agent) ?? 0) + 1);
  const counts = [...perAgent.values()];
  return {
    mode,
    agents,
    items: items.length,
    ok_cycles: okCycles.length,
    wall_ms: wallMs,
    throughput_cycles_per_s: okCycles.length / (wallMs / 1000),
    cycle_samples_ms: okCycles.map((c) => c.end - c.start),
    op_summary_ms: Object.fromEntries(['claim_next', 'progress', 'complete'].map((op) => [op, summarize(ops.filter((o) => o.op === op && o.ok).map((o) => o.ms))])),
    ops: ops.length,
    failures,
    cycles_per_agent: { min: counts.length ? Math.min(...counts) : 0, max: counts.length ? Math.max(...counts) : 0, agents_with_work: counts.length },
    claims: claims.length,
    ledger_sizes: { claimed: ledger.claimed.size, progressed: ledger.progressed.size, completed: ledger.completed.size },
    invariants,
  };
}

/** Agents as CLI processes: claim-next -> progress -> complete until exit 7. */
async function cliQueueRun(ctx, { dir, agents, items, env }) {
  const ledger = newLedger();
  const claims = [];
  const ops = [];
  const cycles = [];
  const failures = [];
  const t0 = performance.now();
  const agent = async (a) => {
    const agentEnv = { ...env, COORDINATION_DIR: dir, AGENT_ID: `cn_cli_${agents}_${a}` };
    let strikes = 0;
    for (;;) {
      const c0 = performance.now();
      const c = await ctx.cli(['claim-next'], agentEnv);
      ops.push({ op: 'claim_next', ms: c.ms, ok: c.code === 0, code: c.code });
      if (c.code === NOTHING_CLAIMABLE) break;
      if (c.code !== 0) {
        failures.push({ agent: a, op: 'claim_next', code: c.code, message: c.stderr.trim().slice(0, 300) });
        if (++strikes > 20) break;
        continue;
      }
      const id = c.stdout.trim();
      claims.push(id);
      ledger.claimed.add(id);
      const p = await ctx.cli(['progress', id, '50', 'in_progress'], agentEnv);
      ops.push({ op: 'progress', ms: p.ms, ok: p.code === 0, code: p.code });
      if (p.code === 0) ledger.progressed.add(id);
      else failures.push({ agent: a, op: 'progress', id, code: p.code, message: p.stderr.trim().slice(0, 300) });
      const d = await ctx.cli(['complete', id, 'success', '3'], agentEnv);
      ops.push({ op: 'complete', ms: d.ms, ok: d.code === 0, code: d.code });
      if (d.code === 0) ledger.completed.add(id);
      else failures.push({ agent: a, op: 'complete', id, code: d.code, message: d.stderr.trim().slice(0, 300) });
      cycles.push({ agent: a, start: c0 - t0, end: performance.now() - t0, ok: p.code === 0 && d.code === 0 });
      ctx.progress.tick();
    }
  };
  await Promise.all(Array.from({ length: agents }, (_, a) => agent(a)));
  // Throughput counts up to the last completed cycle: each agent's final exit-7 call is not work.
  const wallMs = Math.max(1, ...cycles.filter((c) => c.ok).map((c) => c.end));
  const invariants = await checkQueueStore(dir, { items, claims, ledger });
  return summarizeQueueRun({ mode: 'cli', agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants });
}

/** Agents through the library, one process per agent, released together. */
async function libQueueRun(ctx, { dir, agents, items, env }) {
  const procs = Array.from({ length: agents }, (_, a) => helper(`claimnext agent ${a}`, { mode: 'agents', dir, agentIds: [`cn_lib_${agents}_${a}`] }, { ...process.env, ...env }));
  await Promise.all(procs.map((p) => p.waitFor((e) => e.event === 'ready', 120_000)));
  const go = epochNow();
  for (const p of procs) p.send('go');
  const results = await Promise.all(procs.map((p) => p.waitFor((e) => e.event === 'done', 600_000)));
  await Promise.all(procs.map((p) => p.exit()));
  const ledger = newLedger();
  const claims = [];
  const ops = [];
  const cycles = [];
  const failures = [];
  for (const r of results) {
    for (const id of r.ledger.claimed) claims.push(id), ledger.claimed.add(id);
    for (const id of r.ledger.progressed) ledger.progressed.add(id);
    for (const id of r.ledger.completed) ledger.completed.add(id);
    ops.push(...r.ops);
    failures.push(...r.failures);
    for (const c of r.cycles) cycles.push({ agent: c.agent, start: c.start - go, end: c.end - go, ok: c.ok });
  }
  ctx.progress.tick(cycles.length);
  const wallMs = Math.max(1, ...cycles.filter((c) => c.ok).map((c) => c.end));
  const invariants = await checkQueueStore(dir, { items, claims, ledger });
  return summarizeQueueRun({ mode: 'library', agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants });
}

async function throughput(ctx, env) {
  const { claimNextAgents, claimNextCliCycles, claimNextLibCycles } = ctx.sizes;
  const plan = [];
  for (const [mode, perAgent, run] of [['cli', claimNextCliCycles, cliQueueRun], ['library', claimNextLibCycles, libQueueRun]]) {
    for (const agents of claimNextAgents) {
      const label = `claimnext-${mode}-${agents}`;
      plan.push({ mode, agents, run, label, dir: ctx.tmp(label), n: agents * perAgent(agents) }); // backlog: agents x cycles per agent
    }
  }
  ctx.progress.start('claimnext throughput: seeding with add', 1);
  const seeded = await seedWithAdd(plan.map(({ dir, n }) => ({ dir, n })), env);
  ctx.progress.tick();
  const runs = [];
  for (const { mode, agents, run, label, dir, n } of plan) {
    ctx.progress.start(`claimnext throughput ${mode} ${agents} agent${agents === 1 ? '' : 's'}`, n);
    const r = await run(ctx, { dir, agents, items: seeded[dir], env });
    r.label = label;
    ctx.checkRun(label, r);
    runs.push(r);
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// 2. Latency against queue length

async function latency(ctx, env) {
  const { claimNextQueueSizes: sizes, claimNextLibRounds: libRounds, claimNextCliRounds: cliRounds } = ctx.sizes;
  const cliWarmup = 2;
  const libWarmup = 5;
  ctx.progress.start('claimnext latency: seeding', sizes.length);
  const stores = [];
  for (const n of sizes) {
    const dir = ctx.tmp(`claimnext-queue-${n}`);
    const init = await ctx.cli(['register', 'store_creator'], { ...env, COORDINATION_DIR: dir }); // creates the store (reads do not)
    if (init.code !== 0) throw new Error(`claimnext: register exited ${init.code}: ${init.stderr.trim()}`);
    const t = performance.now();
    const ids = await writeBacklogSegments(dir, n);
    const seedMs = performance.now() - t;
    const verify = await verifySeed(ctx, dir, ids, env);
    stores.push({ n, dir, seed_ms: seedMs, segments: Math.ceil(n / 256), verify });
    ctx.progress.tick();
  }

  ctx.progress.start('claimnext latency: library', 1);
  const lib = helper('claimnext latency', { mode: 'latency', stores: stores.map(({ n, dir }) => ({ n, dir })), rounds: libRounds, warmup: libWarmup }, { ...process.env, ...env });
  const libOut = await lib.waitFor((e) => e.event === 'done', 600_000);
  await lib.exit();
  ctx.progress.tick();

  // CLI: a driver per store completes each claimed item and adds a replacement, off the clock.
  ctx.progress.start('claimnext latency: CLI', (cliRounds + cliWarmup) * stores.length);
  const drivers = stores.map((s) => helper(`claimnext driver ${s.n}`, { mode: 'serve', dir: s.dir, agentIds: [] }, { ...process.env, ...env }));
  await Promise.all(drivers.map((d) => d.waitFor((e) => e.event === 'ready')));
  const cli = Object.fromEntries(sizes.map((n) => [n, []]));
  const problems = Object.fromEntries(sizes.map((n) => [n, libOut.problems.filter((p) => p.startsWith(`store of ${n}:`))]));
  for (let r = -cliWarmup; r < cliRounds; r++) {
    const order = r % 2 === 0 ? stores.map((_, i) => i) : stores.map((_, i) => stores.length - 1 - i);
    for (const i of order) {
      const s = stores[i];
      const agent = 'bench_cli_latency';
      const c = await ctx.cli(['claim-next'], { ...env, COORDINATION_DIR: s.dir, AGENT_ID: agent });
      if (c.code !== 0) throw new Error(`claimnext: claim-next on ${s.n} queued exited ${c.code}: ${c.stderr.trim()}`);
      const id = c.stdout.trim();
      drivers[i].send({ op: 'complete', agent, id });
      const done = await drivers[i].waitFor((e) => (e.event === 'completed' || e.event === 'complete-failed') && e.id === id);
      if (done.event !== 'completed') problems[s.n].push(`complete ${id} failed: ${done.code} ${done.message}`);
      drivers[i].send({ op: 'add', tag: `cli ${r}` });
      await drivers[i].waitFor((e) => e.event === 'added');
      if (r >= 0) cli[s.n].push(c.ms);
      ctx.progress.tick();
    }
  }
  await Promise.all(drivers.map((d) => d.exit()));

  // Each store must still hold exactly n queued items, nothing active, every round completed once.
  for (const s of stores) {
    const completions = libWarmup + libRounds + cliWarmup + cliRounds;
    const inv = await checkSwarmfileStore(s.dir, newLedger(), { preexisting: { active: 0, completed: completions } });
    const queued = (await readBacklogIds(s.dir)).length;
    if (queued !== s.n) inv.problems.push(`${queued} items queued after the rounds, expected ${s.n}`);
    if (inv.on_disk.active !== 0) inv.problems.push(`${inv.on_disk.active} items left claimed`);
    if (inv.on_disk.completed !== completions) inv.problems.push(`${inv.on_disk.completed} completed items, expected ${completions}`);
    inv.problems.push(...problems[s.n]);
    inv.ok = inv.ok && inv.problems.length === 0;
    ctx.checkRun(`claimnext-queue-${s.n}`, { invariants: inv });
    s.invariants = inv;
  }

  const out = { sizes, target_ratio: LATENCY_TARGET, stores, library: { rounds: libRounds, warmup: libWarmup, samples_ms: {}, summary: {} }, cli: { rounds: cliRounds, warmup: cliWarmup, samples_ms: cli, summary: {} } };
  for (const n of sizes) {
    out.library.samples_ms[n] = libOut.samples[n].claim_next;
    out.library.summary[n] = summarize(libOut.samples[n].claim_next);
    out.library.add_summary = { ...(out.library.add_summary ?? {}), [n]: summarize(libOut.samples[n].add) };
    out.cli.summary[n] = summarize(cli[n]);
  }
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  for (const [mode, samples] of [['library', out.library.samples_ms], ['cli', out.cli.samples_ms]]) {
    const a = samples[small];
    const b = samples[large];
    const paired = a.map((v, i) => b[i] / v).filter(Number.isFinite);
    out[mode].ratio = { small, large, ratio_of_medians: median(b) / median(a), ratio_of_p95: percentile(b, 95) / percentile(a, 95), median_paired_ratio: median(paired), paired_ratios: paired };
  }
  out.library.ratio.add_ratio_of_medians = median(libOut.samples[large].add) / median(libOut.samples[small].add);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. add -> wake-up

async function wake(ctx, env, mode, k) {
  const reps = ctx.sizes.claimNextWakeReps;
  const dir = ctx.tmp(`claimnext-wake-${mode}-k${k}`);
  const procEnv = { ...process.env, ...env, COORDINATION_DIR: dir };
  const driver = helper(`claimnext wake driver`, { mode: 'serve', dir, agentIds: [] }, procEnv);
  await driver.waitFor((e) => e.event === 'ready');
  const items = [];
  const claims = [];
  const ledger = newLedger();
  const problems = [];
  const samples = [];
  const addMs = [];
  const exitMs = [];
  const settleMs = [];
  let unsettled = 0;
  let seq = 0;
  const complete = async (agent, id, via = driver) => {
    via.send({ op: 'complete', agent, id });
    const done = await via.waitFor((e) => (e.event === 'completed' || e.event === 'complete-failed') && e.id === id);
    if (done.event === 'completed') ledger.completed.add(id);
    else problems.push(`complete ${id} as ${agent}: ${done.code} ${done.message}`);
  };
  let addError = null;
  const add = (tag) => {
    driver.send({ op: 'add', tag });
    return driver.waitFor((e) => e.event === 'added' && e.tag === tag).then((e) => {
      if (e.error) throw new Error(`claimnext wake: add failed: ${(addError = e.error)}`);
      items.push(e.id);
      return e;
    });
  };

  // Waiter pool: CLI processes, or K library agents in one process.
  let waiters = [];
  let lib;
  let expired = 0;
  const exits = [];
  const spawnOne = () => spawnCliWaiter(`wake_cli_k${k}_${seq++}`, procEnv);
  const replace = (w) => {
    waiters = waiters.filter((x) => x !== w);
    waiters.push(spawnOne());
  };
  if (mode === 'cli') {
    for (let i = 0; i < k; i++) waiters.push(spawnOne());
  } else {
    const agentIds = Array.from({ length: k }, (_, i) => `wake_lib_k${k}_${i}`);
    lib = helper(`claimnext library waiters`, { mode: 'serve', dir, agentIds }, procEnv);
    await lib.waitFor((e) => e.event === 'ready');
    for (const agent of agentIds) lib.send({ op: 'wait', agent, seconds: WAIT_SECONDS });
  }
  const settled = async () => {
    const t = performance.now();
    const ok = mode === 'cli' ? await settle([driver.pid, ...waiters.map((w) => w.pid)], { watchers: waiters.map((w) => w.pid) }) : await settle([driver.pid, lib.pid], { watchers: [lib.pid] });
    settleMs.push(performance.now() - t);
    if (!ok) unsettled++;
  };
  const cliWinner = () => waiters.find((w) => w.outAt !== null);
  /** Before an add: nobody may hold a claim yet; a wait that ran out (exit 7) is renewed. */
  const checkPool = () => {
    if (mode === 'cli') {
      for (const w of [...waiters]) {
        if (w.outAt !== null) {
          problems.push(`waiter ${w.agent} claimed ${w.id} when nothing had been added for it`);
          claims.push(w.id);
          replace(w);
        } else if (w.exitAt !== null) {
          if (w.code === NOTHING_CLAIMABLE) expired++;
          else problems.push(`waiter ${w.agent} exited ${w.code}: ${w.stderr.trim().slice(0, 300)}`);
          replace(w);
        }
      }
    } else {
      for (const e of lib.events.filter((x) => !x.taken && (x.event === 'claimed' || x.event === 'wait-failed'))) {
        e.taken = true;
        if (e.event === 'claimed') {
          problems.push(`waiter ${e.agent} claimed ${e.id} when nothing had been added for it`);
          claims.push(e.id);
        } else if (e.code === 'NOTHING_CLAIMABLE') expired++;
        else problems.push(`waiter ${e.agent} failed: ${e.code} ${e.message}`);
        lib.send({ op: 'wait', agent: e.agent, seconds: WAIT_SECONDS });
      }
    }
  };

  ctx.progress.start(`claimnext wake ${mode} K=${k}`, reps + 1);
  for (let rep = 0; rep < reps; rep++) {
    checkPool();
    await settled();
    const t0 = performance.now();
    const added = add(`rep ${rep}`);
    added.catch(() => undefined); // awaited below; a failure also ends the wait for a winner
    let id;
    let agent;
    let at;
    if (mode === 'cli') {
      const w = await until(() => cliWinner() ?? addError, 40_000);
      if (addError) await added;
      if (!w) throw new Error(`claimnext wake: no CLI waiter claimed within 40 s (rep ${rep})`);
      at = w.outAt;
      ({ id, agent } = w);
      replace(w);
      exits.push(w.closed.then(() => (w.code !== 0 ? problems.push(`waiter ${w.agent} exited ${w.code}: ${w.stderr.trim().slice(0, 300)}`) : exitMs.push(w.exitAt - t0))));
    } else {
      const claimed = lib.waitFor((e) => e.event === 'claimed', 40_000);
      claimed.catch(() => undefined);
      const ev = await Promise.race([claimed, added.then(() => claimed)]);
      at = ev.recvAt;
      ({ id, agent } = ev);
    }
    const a = await added;
    samples.push(at - t0);
    addMs.push(a.ms);
    claims.push(id);
    ledger.claimed.add(id);
    if (id !== a.id) problems.push(`rep ${rep}: waiter got ${id}, the add made ${a.id}`);
    if (mode === 'cli') await complete(agent, id);
    else {
      await complete(agent, id, lib);
      lib.send({ op: 'wait', agent, seconds: WAIT_SECONDS });
    }
    ctx.progress.tick();
  }

  // Burst: K items for the K waiters; each must get exactly one, none may sleep through it.
  checkPool();
  await settled();
  const tb = performance.now();
  const burst = await Promise.all(Array.from({ length: k }, (_, i) => add(`burst ${i}`)));
  let got;
  if (mode === 'cli') {
    got = await until(() => (waiters.every((w) => w.outAt !== null) ? waiters : null), 40_000, 5);
    if (!got) {
      problems.push(`burst: ${waiters.filter((w) => w.outAt === null).length} of ${k} CLI waiters got nothing within 40 s`);
      got = waiters.filter((w) => w.outAt !== null);
    }
    got = got.map((w) => ({ id: w.id, agent: w.agent, at: w.outAt }));
  } else {
    got = [];
    for (let i = 0; i < k; i++) {
      const ev = await lib.waitFor((e) => e.event === 'claimed', 40_000).catch(() => null);
      if (!ev) {
        problems.push(`burst: ${k - i} of ${k} library waiters got nothing within 40 s`);
        break;
      }
      got.push({ id: ev.id, agent: ev.agent, at: ev.recvAt });
    }
  }
  const burstMs = got.length ? Math.max(...got.map((g) => g.at)) - tb : null;
  for (const g of got) {
    claims.push(g.id);
    ledger.claimed.add(g.id);
    await complete(g.agent, g.id, mode === 'cli' ? driver : lib);
  }
  ctx.progress.tick();
  if (mode === 'cli') {
    const stuck = waiters.filter((w) => w.exitAt === null && w.outAt === null);
    for (const w of stuck) w.child.kill('SIGTERM'); // only when the burst failed
    await Promise.all(waiters.map((w) => w.closed));
    for (const w of waiters) if (!stuck.includes(w) && w.code !== 0) problems.push(`burst waiter ${w.agent} exited ${w.code}: ${w.stderr.trim().slice(0, 300)}`);
    await Promise.all(exits);
  } else await lib.exit();
  await driver.exit();

  const invariants = await checkQueueStore(dir, { items, claims, ledger });
  invariants.problems.push(...problems);
  invariants.ok = invariants.ok && problems.length === 0;
  const label = `claimnext-wake-${mode}-k${k}`;
  ctx.checkRun(label, { invariants });
  return {
    label,
    mode,
    waiters: k,
    reps,
    samples_ms: samples,
    summary: summarize(samples),
    add_ms: summarize(addMs),
    add_samples_ms: addMs,
    process_exit_ms: mode === 'cli' ? summarize(exitMs) : null,
    process_exit_samples_ms: mode === 'cli' ? exitMs : null,
    burst: { items: k, claimed: got.length, ms: burstMs, ids: burst.map((b) => b.id) },
    settle_ms: summarize(settleMs),
    unsettled,
    expired_waits: expired,
    settle_method: PROC ? 'inotify fd + CPU quiet 150 ms (/proc)' : 'fixed 800 ms sleep',
    invariants,
  };
}

// ---------------------------------------------------------------------------------------------

const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const via = (mode) => (mode === 'cli' ? 'CLI processes' : 'library');

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'claimnext',
  title: 'Work queue: claim-next throughput, latency vs queue length, add -> wake-up (issue 3)',
  async run(ctx) {
    const env = { TELEMETRY_DIR: ctx.tmp('claimnext-telemetry') };
    const seconds = {};
    let t = performance.now();
    const lap = (name) => {
      seconds[name] = (performance.now() - t) / 1000;
      t = performance.now();
    };
    let runs;
    let lat;
    const wakes = [];
    try {
      runs = await throughput(ctx, env);
      lap('throughput');
      lat = await latency(ctx, env);
      lap('latency');
      for (const mode of ['cli', 'library']) for (const k of ctx.sizes.claimNextWakeWaiters) wakes.push(await wake(ctx, env, mode, k));
      lap('wake');
    } finally {
      for (const child of live) child.kill('SIGKILL'); // only our own children, left over by a failure
    }

    const rows = [];
    for (const r of runs) {
      const m = r.mode === 'cli' ? 'cli' : 'lib';
      ctx.metric(`claimnext.throughput.${m}.a${r.agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      ctx.metric(`claimnext.throughput.${m}.a${r.agents}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      const cyc = summarize(r.cycle_samples_ms);
      rows.push(['throughput', via(r.mode), `${r.agents} agent${r.agents === 1 ? '' : 's'}`, `${r.ok_cycles}/${r.items} items`, `${f(r.throughput_cycles_per_s, 2)} cycles/s`, f(cyc.p50), f(cyc.p95), r.invariants.ok ? `ok, exactly once${r.failures.length ? `; ${r.failures.length} failed ops` : ''}` : 'FAILED']);
    }
    for (const mode of ['library', 'cli']) {
      const m = mode === 'cli' ? 'cli' : 'lib';
      const d = lat[mode];
      for (const n of lat.sizes) ctx.metric(`claimnext.latency.${m}.n${n}.ms`, 'ms', 'lower', d.samples_ms[n]);
      ctx.metric(`claimnext.latency.${m}.ratio`, 'x', 'lower', d.ratio.paired_ratios);
      for (const n of lat.sizes) {
        const s = d.summary[n];
        const last = n === d.ratio.large;
        const ok = d.ratio.ratio_of_medians <= LATENCY_TARGET;
        rows.push(['claim-next latency', via(mode), `${n.toLocaleString('en-US')} queued`, s.n, last ? `${f(d.ratio.ratio_of_medians, 2)}x (p95 ${f(d.ratio.ratio_of_p95, 2)}x)` : '', f(s.p50, 2), f(s.p95, 2), last ? (ok ? `ok (<=${LATENCY_TARGET}x)` : `OVER ${LATENCY_TARGET}x target`) : '']);
      }
    }
    for (const w of wakes) {
      const m = w.mode === 'cli' ? 'cli' : 'lib';
      ctx.metric(`claimnext.wake.${m}.k${w.waiters}.ms`, 'ms', 'lower', w.samples_ms);
      if (w.process_exit_samples_ms) ctx.metric(`claimnext.wake.${m}.k${w.waiters}.exit_ms`, 'ms', 'lower', w.process_exit_samples_ms);
      const extra = w.mode === 'cli' ? `exit p50 ${f(w.process_exit_ms.p50, 0)} ms` : '';
      const check = (w.invariants.ok ? `ok; burst ${w.burst.claimed}/${w.burst.items} in ${f(w.burst.ms, 0)} ms` : 'FAILED') + (w.unsettled ? `; ${w.unsettled} adds before waiters settled` : '');
      rows.push(['add -> wake', w.mode === 'cli' ? 'CLI --wait 30' : 'library waitSeconds', `K=${w.waiters}`, w.summary.n, extra, f(w.summary.p50), f(w.summary.p95), check]);
    }
    return {
      data: { seconds, throughput: runs, latency: lat, wake: wakes, seeding: 'throughput: add through the library with SWARMFILE_FSYNC=0; latency: backlog segment files written directly (writeBacklogSegments), checked with ready --limit 3 and list --status pending' },
      table: { headers: ['measure', 'via', 'setting', 'n', 'result', 'p50 ms', 'p95 ms', 'check'], rows },
    };
  },
};
