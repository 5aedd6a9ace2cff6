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
import { createInterface } from 'node:readline';

const spec = JSON.parse(process.argv[2]);
const { Coordinator } = await import(spec.library);
const at = () => performance.timeOrigin + performance.now();
const send = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once('line', resolve));
const code = (err) => err?.code ?? 'INTERNAL';

async function agentsMode() {
  const coords = [];
  // One after another: concurrent first opens of one store in one process are not what we measure.
  for (const id of spec.agentIds) coords.push(await Coordinator.open({ dir: spec.dir, agentId: id }));
  send({ event: 'ready', pid: process.pid });
  await nextLine();
  const t0 = at();
  const ledger = { claimed: [], progressed: [], completed: [] };
  const ops = [];
  const cycles = [];
  const failures = [];
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
  const loop = async (a) => {
    const coord = coords[a];
    let strikes = 0;
    for (;;) {
      const c0 = at();
      const claim = await timed(a, 'claim_next', () => coord.claimNext());
      if (claim.err) {
        if (code(claim.err) === 'NOTHING_CLAIMABLE') break;
        failures.push({ agent: a, op: 'claim_next', code: code(claim.err), message: String(claim.err.message).slice(0, 300) });
        if (++strikes > 20) break;
        continue;
      }
      const id = claim.v.work_item_id;
      ledger.claimed.push(id);
      const p = await timed(a, 'progress', () => coord.progress(id, 50, 'in_progress'));
      if (p.err) failures.push({ agent: a, op: 'progress', id, code: code(p.err), message: String(p.err.message).slice(0, 300) });
      else ledger.progressed.push(id);
      const d = await timed(a, 'complete', () => coord.complete(id, { result: 'success', velocityPoints: 3 }));
      if (d.err) failures.push({ agent: a, op: 'complete', id, code: code(d.err), message: String(d.err.message).slice(0, 300) });
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
  const coords = new Map();
  const coordFor = async (agent) => {
    if (!coords.has(agent)) coords.set(agent, await Coordinator.open({ dir: spec.dir, agentId: agent }));
    return coords.get(agent);
  };
  for (const id of spec.agentIds ?? []) await coordFor(id);
  send({ event: 'ready', pid: process.pid });
  for await (const line of lines) {
    const cmd = JSON.parse(line);
    if (cmd.op === 'exit') break;
    if (cmd.op === 'add') {
      const coord = await coordFor('bench_adder');
      const t = performance.now();
      await coord.add({ workType: 'benchmark', description: `wake ${cmd.tag}`, priority: 'medium', team: 'bench_team' }).then(
        (item) => send({ event: 'added', tag: cmd.tag, id: item.work_item_id, ms: performance.now() - t, at: at() }),
        (err) => send({ event: 'added', tag: cmd.tag, error: `${code(err)} ${String(err.message).slice(0, 300)}` }),
      );
    } else if (cmd.op === 'wait') {
      const coord = await coordFor(cmd.agent);
      coord.claimNext({ waitSeconds: cmd.seconds }).then(
        (item) => send({ event: 'claimed', agent: cmd.agent, id: item.work_item_id, at: at() }),
        (err) => send({ event: 'wait-failed', agent: cmd.agent, code: code(err), message: String(err.message).slice(0, 300), at: at() }),
      );
    } else if (cmd.op === 'complete') {
      const coord = await coordFor(cmd.agent);
      await coord.complete(cmd.id, { result: 'success', velocityPoints: 1 }).then(
        () => send({ event: 'completed', agent: cmd.agent, id: cmd.id }),
        (err) => send({ event: 'complete-failed', agent: cmd.agent, id: cmd.id, code: code(err), message: String(err.message).slice(0, 300) }),
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
