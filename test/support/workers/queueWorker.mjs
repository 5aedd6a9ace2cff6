// One work-queue agent as a real OS process, using the built library: claim-next -> progress ->
// complete until the queue is drained (or, with QW_STOP_FILE, until that file exists). Each line
// of its log is appended only after the call it reports has returned:
//   start <pid> <agent_id> <t_ms>
//   claim <id> <token> <t_ms>
//   progress <id> <token> <t_ms>
//   complete <id> <token> <t_ms>
//   refused <op> <id> <token> <code> <t_ms>    (progress/complete refused, e.g. NOT_OWNER)
//   busy <op> LOCK_TIMEOUT <t_ms>              (a lock not acquired in time: nothing written, retried)
//   error <op> <code> <t_ms> <message>         (anything else unexpected)
//   exit <pid> <t_ms>
// usage: node queueWorker.mjs <distDir> <logFile>
// Env: COORDINATION_DIR, AGENT_ID, LEASE_TTL_SECONDS, REAP_INTERVAL_MS ... as for the CLI, and
//   QW_STOP_FILE  keep polling on NOTHING_CLAIMABLE until this file exists (default: exit at once,
//                 also on an unexpected claim error; with a stop file, after 50 of them in a row)
//   QW_TEAM       claim only this team's items
//   QW_WORK_MS    sleep up to this many ms (random) between progress and complete (default 0),
//   QW_WORK_MIN_MS  plus this many (default 0): a worker that logged `progress` less than this
//                 long ago is certainly in that sleep, holding its claim but no file lock
//   QW_POLL_MS    pause after NOTHING_CLAIMABLE in stop-file mode (default 50)
//   QW_RETRY_UNAVAILABLE=1  also retry STORE_UNAVAILABLE (a PostgreSQL server restarted or a
//                 connection terminated under the agent): logged `busy <op> STORE_UNAVAILABLE`
import { appendFileSync, existsSync } from 'node:fs';

const [distDir, logFile] = process.argv.slice(2);
if (!distDir || !logFile) {
  console.error('usage: node queueWorker.mjs <distDir> <logFile>');
  process.exit(2);
}
const { Coordinator, isSwarmError } = await import(`${distDir}/index.js`);
const stopFile = process.env.QW_STOP_FILE || undefined;
const team = process.env.QW_TEAM || undefined;
const workMs = Number(process.env.QW_WORK_MS || 0);
const workMinMs = Number(process.env.QW_WORK_MIN_MS || 0);
const pollMs = Number(process.env.QW_POLL_MS || 50);
const retryUnavailable = process.env.QW_RETRY_UNAVAILABLE === '1';

/** @param {string} line */
const log = (line) => appendFileSync(logFile, `${line}\n`);
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** @param {unknown} err */
const codeOf = (err) => (isSwarmError(err) ? /** @type {{ code: string }} */ (err).code : 'INTERNAL');
/** @param {unknown} err */
const oneLine = (err) => String(err instanceof Error ? err.message : err).replace(/\s+/g, ' ');

/**
 * Runs `call` again while it fails with LOCK_TIMEOUT, as an agent loop should: the lock was not
 * acquired, nothing was written, the call can simply be repeated. On a starved machine 32 agents
 * can wait longer than FLOCK_TIMEOUT for the backlog head's lock. Logged as `busy`, not `error`.
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} call
 * @returns {Promise<T>}
 */
async function retryBusy(what, call) {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const busy = isSwarmError(err, 'LOCK_TIMEOUT') || (retryUnavailable && isSwarmError(err, 'STORE_UNAVAILABLE'));
      if (!busy || (stopFile && existsSync(stopFile))) throw err;
      log(`busy ${what} ${codeOf(err)} ${Date.now()}`);
      if (isSwarmError(err, 'STORE_UNAVAILABLE')) await sleep(200);
    }
  }
}

const coord = await Coordinator.open({ env: process.env });
log(`start ${process.pid} ${coord.agentId} ${Date.now()}`);

let status = 0;
let errorsInARow = 0;
for (;;) {
  if (stopFile && existsSync(stopFile)) break;
  let item;
  try {
    item = await retryBusy('claim', () => coord.claimNext(team ? { team } : {}));
  } catch (err) {
    if (stopFile && existsSync(stopFile)) break; // told to stop while waiting: not an error
    if (isSwarmError(err, 'NOTHING_CLAIMABLE')) {
      if (!stopFile) break;
      await sleep(pollMs);
      continue;
    }
    log(`error claim ${codeOf(err)} ${Date.now()} ${oneLine(err)}`);
    status = 1;
    // Draining: stop at once (the test fails on the logged error). Otherwise retry a while.
    if (!stopFile || ++errorsInARow >= 50) break;
    await sleep(pollMs);
    continue;
  }
  errorsInARow = 0;
  const id = item.work_item_id;
  const token = item.fencing_token;
  log(`claim ${id} ${token} ${Date.now()}`);
  let op = 'progress';
  try {
    await retryBusy('progress', () => coord.progress(id, 50, 'in_progress', { token }));
    log(`progress ${id} ${token} ${Date.now()}`);
    if (workMs > 0 || workMinMs > 0) await sleep(workMinMs + Math.random() * workMs);
    op = 'complete';
    await retryBusy('complete', () => coord.complete(id, { result: `done by ${coord.agentId}`, velocityPoints: 2, token }));
    log(`complete ${id} ${token} ${Date.now()}`);
  } catch (err) {
    if (isSwarmError(err, 'NOT_OWNER') || isSwarmError(err, 'WRONG_STATE') || isSwarmError(err, 'NOT_FOUND')) {
      log(`refused ${op} ${id} ${token} ${codeOf(err)} ${Date.now()}`);
    } else {
      log(`error ${op} ${codeOf(err)} ${Date.now()} ${oneLine(err)}`);
      status = 1;
    }
  }
}
await coord.close();
log(`exit ${process.pid} ${Date.now()}`);
process.exitCode = status;
