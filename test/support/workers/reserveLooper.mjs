// One agent as a real OS process contending for one path. It opens the store, then waits for a
// `go` line on stdin (so a test can keep spares started), then loops until killed or until the
// stop file exists: claim a fresh item (type `hot`) -> reserve the path on it, again and again
// while CONFLICT -> hold it 5-30 ms -> complete (which ends the reservation) -> again. Each line
// of its log is appended only after the call it reports has returned, except `releasing`, which
// is written before complete is called. <t> is process.hrtime.bigint() (CLOCK_MONOTONIC, one
// clock for every process of the host):
//   claim <id> <token>
//   reserved <id> <token> <path> <t>  reserve returned: the reservation is acknowledged
//   releasing <id> <t>                about to complete (from here on the claim may be over)
//   completed <id>
//   error <op> <code> <message>       anything unexpected (the test fails on it)
// A `pause` line on stdin stops it at its next step between two calls (never inside one): it
// prints `paused` on stdout and waits for a `resume` line.
// Its claims record its own pid (claim_pid): once it is killed, reap ends them (process_gone).
// usage: node reserveLooper.mjs <distDir> <repoRoot> <logFile> <path> <stopFile>
// Env: COORDINATION_DIR or COORDINATION_URL, AGENT_ID.
import { appendFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [distDir, root, logFile, path, stopFile] = process.argv.slice(2);
if (!distDir || !root || !logFile || !path || !stopFile) {
  console.error('usage: node reserveLooper.mjs <distDir> <repoRoot> <logFile> <path> <stopFile>');
  process.exit(2);
}
const { Coordinator, isSwarmError } = await import(`${distDir}/index.js`);
/** @param {string} line */
const log = (line) => appendFileSync(logFile, `${line}\n`);
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** @param {unknown} err */
const codeOf = (err) => (isSwarmError(err) ? /** @type {{ code: string }} */ (err).code : 'INTERNAL');

const coord = await Coordinator.open({ env: process.env });

/** @type {() => void} */
let go = () => {};
const started = new Promise((resolve) => (go = () => resolve(undefined)));
let pauseAsked = false;
/** @type {(() => void) | null} */
let resume = null;
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'go') go();
  else if (line === 'pause') pauseAsked = true;
  else if (line === 'resume') {
    pauseAsked = false;
    resume?.();
    resume = null;
  }
});
/** Between two calls: waits here while the test looks at the store. */
async function step() {
  if (!pauseAsked) return;
  process.stdout.write('paused\n');
  await new Promise((r) => (resume = () => r(undefined)));
}

await started;
let op = 'claim';
try {
  while (!existsSync(stopFile)) {
    await step();
    op = 'claim';
    const item = await coord.claim({ workType: 'hot', description: `looper ${process.env.AGENT_ID}` });
    const id = item.work_item_id;
    log(`claim ${id} ${item.fencing_token}`);
    op = 'reserve';
    for (;;) {
      await step();
      try {
        await coord.reserve(id, [path], { root, cwd: root });
        break;
      } catch (err) {
        if (!isSwarmError(err, 'CONFLICT') && !isSwarmError(err, 'LOCK_TIMEOUT')) throw err;
        await sleep(Math.random() * 3);
      }
    }
    log(`reserved ${id} ${item.fencing_token} ${path} ${process.hrtime.bigint()}`);
    await sleep(5 + Math.random() * 25);
    await step();
    log(`releasing ${id} ${process.hrtime.bigint()}`);
    op = 'complete';
    await coord.complete(id, { result: 'held it' });
    log(`completed ${id}`);
  }
} catch (err) {
  log(`error ${op} ${codeOf(err)} ${String(err instanceof Error ? err.message : err).replace(/\s+/g, ' ')}`);
  process.exitCode = 1;
}
input.close();
await coord.close();
