// @ts-check
/**
 * claimnext measurement 3: add -> wake-up. K agents block in `claim-next --wait 30` (CLI
 * processes, or library waiters in one process); once all are settled (inotify watch open, no CPU
 * for 150 ms) one item is added through the library (a long-lived driver process) and the time
 * runs from just before the add command to the winner's claim returning (the id on the CLI's
 * stdout; the library promise resolving), all on this process's clock. The CLI winner's process
 * exit is timed too. Ends with a burst: K items for the K waiters, each must get exactly one.
 */
/** @import { BenchContext } from '../../types.js' */
/** @import { CliWaiter, JsonlChild } from '../../lib/childProcesses.mjs' */
import { spawnCliWaiter, spawnQueueHelper, until } from '../../lib/childProcesses.mjs';
import { checkQueueStore } from '../../lib/queueInvariants.mjs';
import { newLedger } from '../../lib/runAgents.mjs';
import { PROC, settle } from '../../lib/settle.mjs';
import { summarize } from '../../lib/stats.mjs';

const NOTHING_CLAIMABLE = 7;
const WAIT_SECONDS = 30;

/** @typedef {CliWaiter & { outAt: number, id: string }} ClaimedWaiter a waiter that printed its id */

/**
 * The CLI waiters that have printed an id, in pool order (spawnCliWaiter sets outAt and id together).
 * @param {CliWaiter[]} waiters
 */
const claimedOf = (waiters) => /** @type {ClaimedWaiter[]} */ (waiters.filter((w) => w.outAt !== null));

/**
 * @param {BenchContext} ctx
 * @param {Record<string, string>} env
 * @param {'cli' | 'library'} mode
 * @param {number} k waiters
 */
export async function wake(ctx, env, mode, k) {
  const reps = ctx.sizes.claimNextWakeReps;
  const dir = ctx.tmp(`claimnext-wake-${mode}-k${k}`);
  const procEnv = { ...process.env, ...env, COORDINATION_DIR: dir };
  const driver = spawnQueueHelper(`claimnext wake driver`, { mode: 'serve', dir, agentIds: [] }, procEnv);
  await driver.waitFor((e) => e.event === 'ready');
  /** @type {string[]} */
  const items = [];
  /** @type {string[]} */
  const claims = [];
  const ledger = newLedger();
  /** @type {string[]} */
  const problems = [];
  /** @type {number[]} */
  const samples = [];
  /** @type {number[]} */
  const addMs = [];
  /** @type {number[]} */
  const exitMs = [];
  /** @type {number[]} */
  const settleMs = [];
  let unsettled = 0;
  let seq = 0;
  /**
   * @param {string} agent
   * @param {string} id
   */
  const complete = async (agent, id, via = driver) => {
    via.send({ op: 'complete', agent, id });
    const done = await via.waitFor((e) => (e.event === 'completed' || e.event === 'complete-failed') && e.id === id);
    if (done.event === 'completed') ledger.completed.add(id);
    else problems.push(`complete ${id} as ${agent}: ${done.code} ${done.message}`);
  };
  /** @type {string | null} */
  let addError = null;
  /** @param {string} tag */
  const add = (tag) => {
    driver.send({ op: 'add', tag });
    return driver.waitFor((e) => e.event === 'added' && e.tag === tag).then((e) => {
      if (e.error) throw new Error(`claimnext wake: add failed: ${(addError = e.error)}`);
      items.push(e.id);
      return e;
    });
  };

  // Waiter pool: CLI processes, or K library agents in one process. `lib` is set exactly in library
  // mode, so the branches below test it rather than `mode`.
  /** @type {CliWaiter[]} */
  let waiters = [];
  /** @type {JsonlChild | undefined} */
  let lib;
  let expired = 0;
  /** @type {Promise<number>[]} */
  const exits = [];
  const spawnOne = () => spawnCliWaiter(`wake_cli_k${k}_${seq++}`, procEnv, WAIT_SECONDS);
  /** @param {CliWaiter} w */
  const replace = (w) => {
    waiters = waiters.filter((x) => x !== w);
    waiters.push(spawnOne());
  };
  if (mode === 'cli') {
    for (let i = 0; i < k; i++) waiters.push(spawnOne());
  } else {
    const agentIds = Array.from({ length: k }, (_, i) => `wake_lib_k${k}_${i}`);
    const pool = spawnQueueHelper(`claimnext library waiters`, { mode: 'serve', dir, agentIds }, procEnv);
    lib = pool;
    await pool.waitFor((e) => e.event === 'ready');
    for (const agent of agentIds) pool.send({ op: 'wait', agent, seconds: WAIT_SECONDS });
  }
  const settled = async () => {
    const t = performance.now();
    const ok = lib ? await settle([driver.pid, lib.pid], { watchers: [lib.pid] }) : await settle([driver.pid, ...waiters.map((w) => w.pid)], { watchers: waiters.map((w) => w.pid) });
    settleMs.push(performance.now() - t);
    if (!ok) unsettled++;
  };
  const cliWinner = () => /** @type {ClaimedWaiter | undefined} */ (waiters.find((w) => w.outAt !== null));
  /** Before an add: nobody may hold a claim yet; a wait that ran out (exit 7) is renewed. */
  const checkPool = () => {
    if (!lib) {
      for (const w of [...waiters]) {
        if (w.outAt !== null) {
          problems.push(`waiter ${w.agent} claimed ${w.id} when nothing had been added for it`);
          claims.push(/** @type {string} */ (w.id)); // set with outAt
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
    /** @type {string} */
    let id;
    /** @type {string} */
    let agent;
    /** @type {number} */
    let at;
    if (!lib) {
      const w = await until(() => cliWinner() ?? addError, 40_000);
      if (addError) await added; // throws
      if (!w || typeof w === 'string') throw new Error(`claimnext wake: no CLI waiter claimed within 40 s (rep ${rep})`);
      at = w.outAt;
      ({ id, agent } = w);
      replace(w);
      // exitAt is set before `closed` settles.
      exits.push(w.closed.then(() => (w.code !== 0 ? problems.push(`waiter ${w.agent} exited ${w.code}: ${w.stderr.trim().slice(0, 300)}`) : exitMs.push(/** @type {number} */ (w.exitAt) - t0))));
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
    if (!lib) await complete(agent, id);
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
  /** @type {{ id: string, agent: string, at: number }[]} */
  let got;
  if (!lib) {
    let ready = await until(() => (waiters.every((w) => w.outAt !== null) ? claimedOf(waiters) : null), 40_000, 5);
    if (!ready) {
      problems.push(`burst: ${waiters.filter((w) => w.outAt === null).length} of ${k} CLI waiters got nothing within 40 s`);
      ready = claimedOf(waiters);
    }
    got = ready.map((w) => ({ id: w.id, agent: w.agent, at: w.outAt }));
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
    await complete(g.agent, g.id, lib ?? driver);
  }
  ctx.progress.tick();
  if (!lib) {
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
