// One agent as a real OS process draining a backlog of items that declare paths (add --paths):
// claim-next -> hold 1 to 1+holdMaxMs ms (random) -> complete, until the backlog is empty.
// claim-next never hands out an item whose paths conflict with a live claim, so NOTHING_CLAIMABLE
// is transient while other agents hold conflicting paths: the agent stops only after several empty
// answers in a row with no item pending in the backlog. Times are process.hrtime.bigint()
// (CLOCK_MONOTONIC, one clock for every process of the host), logged:
//   claimed <id> <t>       right after claim-next returned
//   releasing <id> <t>     right before complete is called
//   error <op> <code> <message>
// usage: node pathClaimer.mjs <distDir> <logFile> <holdMaxMs>
// Env: COORDINATION_DIR or COORDINATION_URL, AGENT_ID.
import { appendFileSync } from 'node:fs';

const [distDir, logFile, holdMaxMs] = process.argv.slice(2);
if (!distDir || !logFile) {
  console.error('usage: node pathClaimer.mjs <distDir> <logFile> <holdMaxMs>');
  process.exit(2);
}
const { Coordinator, isSwarmError } = await import(`${distDir}/index.js`);
const holdMax = Number(holdMaxMs ?? 5);
/** @param {string} line */
const log = (line) => appendFileSync(logFile, `${line}\n`);
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** @param {unknown} err */
const codeOf = (err) => (isSwarmError(err) ? /** @type {{ code: string }} */ (err).code : 'INTERNAL');

const coord = await Coordinator.open({ env: process.env });
let op = 'claim-next';
let empty = 0;
try {
  for (;;) {
    op = 'claim-next';
    let item;
    try {
      item = await coord.claimNext();
    } catch (err) {
      if (isSwarmError(err, 'LOCK_TIMEOUT')) continue;
      if (!isSwarmError(err, 'NOTHING_CLAIMABLE')) throw err;
      op = 'list';
      if (++empty >= 3 && (await coord.list({ status: 'pending' })).length === 0) break;
      await sleep(5 + Math.random() * 20);
      continue;
    }
    log(`claimed ${item.work_item_id} ${process.hrtime.bigint()}`);
    empty = 0;
    await sleep(1 + Math.random() * holdMax);
    log(`releasing ${item.work_item_id} ${process.hrtime.bigint()}`);
    op = 'complete';
    for (;;) {
      try {
        await coord.complete(item.work_item_id, { result: 'done' });
        break;
      } catch (err) {
        if (!isSwarmError(err, 'LOCK_TIMEOUT')) throw err;
      }
    }
  }
} catch (err) {
  log(`error ${op} ${codeOf(err)} ${String(err instanceof Error ? err.message : err).replace(/\s+/g, ' ')}`);
  process.exitCode = 1;
}
await coord.close();
