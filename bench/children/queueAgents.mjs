// @ts-check
/**
 * Child process of the `claimnext` part (bench/parts/claimNext.mjs): work-queue agents through the
 * library. Argument: a JSON spec {mode, library, ...}. Talks JSON Lines: events on stdout, commands
 * on stdin. Timestamps (`at`) are epoch milliseconds with sub-ms precision
 * (performance.timeOrigin + performance.now()), comparable between processes on one host.
 *
 * mode 'agents'  {dir, agentIds}: opens one Coordinator per agent, prints {event:'ready'}, waits for
 *                a `go` line, then every agent loops claimNext -> progress 50 -> complete until
 *                NOTHING_CLAIMABLE; prints {event:'done', ...ledger and samples}.
 * mode 'latency' {stores: [{dir, n}], rounds, warmup}: one Coordinator per store; each round times
 *                one claimNext per store (order alternating by round), then completes the item and
 *                adds a new one (both untimed for claim-next, `add` is timed separately) so every
 *                store keeps exactly n queued items. Prints {event:'done', samples}.
 * mode 'seed'    {stores: [{dir, n}]}: adds n backlog items to each store with `add` (run it with
 *                SWARMFILE_FSYNC=0 to seed quickly); prints {event:'done', ids: {dir: [ids]}}.
 * mode 'serve'   {dir, agentIds}: a long-lived driver for the wake-up measurement. Commands:
 *                {op:'add', tag} -> {event:'added', tag, id, ms, at}
 *                {op:'wait', agent, seconds} -> later {event:'claimed', agent, id, at} (or 'wait-failed')
 *                {op:'complete', agent, id} -> {event:'completed', agent, id} (or 'complete-failed')
 *                {op:'exit'} -> closes every coordinator and exits.
 */
/** @import { Coordinator as Coord } from '../../src/index.js' */
/** @import { LedgerLists, QueueCycle, QueueFailure, QueueOp } from '../types.js' */
import { createInterface } from 'node:readline';

/**
 * The spec of every mode (each reads its own fields; see above).
 * @type {{ mode: string, library: string, dir: string, agentIds: string[], stores: { dir: string, n: number }[], rounds: number, warmup: number }}
 */
const spec = JSON.parse(process.argv[2]);
const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(spec.library));
const at = () => performance.timeOrigin + performance.now();
/** @param {object} o */
const send = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once('line', resolve));
/** @param {unknown} err a rejection: a SwarmError carries its code */
const code = (err) => /** @type {{ code?: string } | null | undefined} */ (err)?.code ?? 'INTERNAL';
/** @param {unknown} err */
const message = (err) => String(/** @type {{ message?: unknown } | null | undefined} */ (err)?.message).slice(0, 300);

async function agentsMode() {
  /** @type {Coord[]} */
  const coords = [];
  // One after another: concurrent first opens of one store in one process are not what we measure.
  for (const id of spec.agentIds) coords.push(await Coordinator.open({ dir: spec.dir, agentId: id }));
  send({ event: 'ready', pid: process.pid });
  await nextLine();
  const t0 = at();
  /** @type {LedgerLists} */
  const ledger = { claimed: [], progressed: [], completed: [] };
  /** @type {QueueOp[]} */
  const ops = [];
  /** @type {QueueCycle[]} */
  const cycles = [];
  /** @type {QueueFailure[]} */
  const failures = [];
  /**
   * @template T
   * @param {number} agent
   * @param {string} op
   * @param {() => Promise<T>} fn
   * @returns {Promise<{ v: T, err?: undefined } | { err: unknown, v?: undefined }>}
   */
  const timed = async (agent, op, fn) => {
    const s = performance.now();
    try {
      const v = await fn();
      ops.push({ agent, op, ms: performance.now() - s, ok: true });
      return { v };
    } catch (err) {
      ops.push({ agent, op, ms: performance.now() - s, ok: false, code: code(err) });
      return { err };
    }
  };
  /** @param {number} a */
  const loop = async (a) => {
    const coord = coords[a];
    let strikes = 0;
    for (;;) {
      const c0 = at();
      const claim = await timed(a, 'claim_next', () => coord.claimNext());
      if (claim.err) {
        if (code(claim.err) === 'NOTHING_CLAIMABLE') break;
        failures.push({ agent: a, op: 'claim_next', code: code(claim.err), message: message(claim.err) });
        if (++strikes > 20) break;
        continue;
      }
      const id = /** @type {import('../../src/index.js').WorkItem} */ (claim.v).work_item_id;
      ledger.claimed.push(id);
      const p = await timed(a, 'progress', () => coord.progress(id, 50, 'in_progress'));
      if (p.err) failures.push({ agent: a, op: 'progress', id, code: code(p.err), message: message(p.err) });
      else ledger.progressed.push(id);
      const d = await timed(a, 'complete', () => coord.complete(id, { result: 'success', velocityPoints: 3 }));
      if (d.err) failures.push({ agent: a, op: 'complete', id, code: code(d.err), message: message(d.err) });
      else ledger.completed.push(id);
      cycles.push({ agent: spec.agentIds[a], start: c0, end: at(), ok: !p.err && !d.err });
    }
  };
  await Promise.all(coords.map((_, a) => loop(a)));
  for (const c of coords) await c.close();
  send({ event: 'done', t0, end: at(), ledger, ops, cycles, failures, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}

async function latencyMode() {
  const stores = [];
  for (const s of spec.stores) stores.push({ ...s, coord: await Coordinator.open({ dir: s.dir, agentId: `bench_latency_${s.n}` }) });
  /** @type {Record<number, { claim_next: number[], add: number[] }>} */
  const samples = Object.fromEntries(stores.map((s) => [s.n, { claim_next: [], add: [] }]));
  const problems = [];
  for (let r = -spec.warmup; r < spec.rounds; r++) {
    const order = r % 2 === 0 ? stores : [...stores].reverse();
    for (const s of order) {
      const t = performance.now();
      const item = await s.coord.claimNext();
      const ms = performance.now() - t;
      await s.coord.complete(item.work_item_id, { result: 'success', velocityPoints: 1 });
      const ta = performance.now();
      await s.coord.add({ workType: 'benchmark', description: `replenish ${r}`, priority: 'medium', team: 'bench_team' });
      const addMs = performance.now() - ta;
      if (r < 0) continue;
      samples[s.n].claim_next.push(ms);
      samples[s.n].add.push(addMs);
    }
  }
  for (const s of stores) {
    const ready = await s.coord.list({ status: 'pending' });
    if (ready.length !== s.n) problems.push(`store of ${s.n}: ${ready.length} pending items after the rounds`);
    await s.coord.close();
  }
  send({ event: 'done', samples, problems, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}

async function seedMode() {
  /** @type {Record<string, string[]>} */
  const ids = {};
  for (const { dir, n } of spec.stores) {
    const coord = await Coordinator.open({ dir, agentId: 'bench_seeder' });
    ids[dir] = [];
    for (let i = 0; i < n; i++) ids[dir].push((await coord.add({ workType: 'benchmark', description: `seeded ${i}`, priority: 'medium', team: 'bench_team' })).work_item_id);
    await coord.close();
  }
  send({ event: 'done', ids });
}

async function serveMode() {
  /** @type {Map<string, Coord>} */
  const coords = new Map();
  /** @param {string} agent */
  const coordFor = async (agent) => {
    let coord = coords.get(agent);
    if (!coord) coords.set(agent, (coord = await Coordinator.open({ dir: spec.dir, agentId: agent })));
    return coord;
  };
  for (const id of spec.agentIds ?? []) await coordFor(id);
  send({ event: 'ready', pid: process.pid });
  for await (const line of lines) {
    /** @type {{ op: string, tag?: string, agent: string, seconds?: number, id: string }} a command line, parsed */
    const cmd = JSON.parse(line);
    if (cmd.op === 'exit') break;
    if (cmd.op === 'add') {
      const coord = await coordFor('bench_adder');
      const t = performance.now();
      await coord.add({ workType: 'benchmark', description: `wake ${cmd.tag}`, priority: 'medium', team: 'bench_team' }).then(
        (item) => send({ event: 'added', tag: cmd.tag, id: item.work_item_id, ms: performance.now() - t, at: at() }),
        (err) => send({ event: 'added', tag: cmd.tag, error: `${code(err)} ${message(err)}` }),
      );
    } else if (cmd.op === 'wait') {
      const coord = await coordFor(cmd.agent);
      coord.claimNext({ waitSeconds: cmd.seconds }).then(
        (item) => send({ event: 'claimed', agent: cmd.agent, id: item.work_item_id, at: at() }),
        (err) => send({ event: 'wait-failed', agent: cmd.agent, code: code(err), message: message(err), at: at() }),
      );
    } else if (cmd.op === 'complete') {
      const coord = await coordFor(cmd.agent);
      await coord.complete(cmd.id, { result: 'success', velocityPoints: 1 }).then(
        () => send({ event: 'completed', agent: cmd.agent, id: cmd.id }),
        (err) => send({ event: 'complete-failed', agent: cmd.agent, id: cmd.id, code: code(err), message: message(err) }),
      );
    }
  }
  for (const c of coords.values()) await c.close();
  process.exit(0); // pending claimNext waits hold chokidar watchers open
}

if (spec.mode === 'agents') await agentsMode();
else if (spec.mode === 'latency') await latencyMode();
else if (spec.mode === 'seed') await seedMode();
else if (spec.mode === 'serve') await serveMode();
else throw new Error(`queueAgents: unknown mode ${spec.mode}`);
lines.close();
