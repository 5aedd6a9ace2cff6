// One agent of the shard-split tests, as a real OS process using the built library. Mode `write`:
// claim N items (logging `claim <id>` once the call returned), progress each to 40, complete every
// third (`complete <id>`), heartbeat every tenth. Mode `read`: until the stop file exists, list the
// active items and log `seen <count of the ids in EXPECT_IDS found> <duplicates> <total>` per pass,
// so a test can check that no listing made while shards split lost or doubled an item.
// usage: node splitWorker.mjs <distDir> <logFile> write <n> | read <stopFile> <expectIdsFile>
// Env: COORDINATION_DIR, AGENT_ID.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const [distDir, logFile, mode, arg, expectFile] = process.argv.slice(2);
const { Coordinator } = await import(`${distDir}/index.js`);
const coord = await Coordinator.open({});
/** @param {string} line */
const log = (line) => appendFileSync(logFile, `${line}\n`);
try {
  if (mode === 'write') {
    const n = Number(arg);
    const mine = [];
    for (let i = 0; i < n; i++) {
      const item = await coord.claim({ workType: 'feature', description: `split ${process.env.AGENT_ID} ${i}`, priority: 'medium', team: 'split' });
      log(`claim ${item.work_item_id}`);
      mine.push(item.work_item_id);
    }
    for (const [i, id] of mine.entries()) {
      await coord.progress(id, 40, 'in_progress');
      if (i % 10 === 0) await coord.heartbeat(id);
      if (i % 3 === 0) {
        await coord.complete(id, { result: 'success', velocityPoints: 1 });
        log(`complete ${id}`);
      }
    }
  } else {
    const expect = new Set(readFileSync(String(expectFile), 'utf8').split('\n').filter(Boolean));
    while (!existsSync(String(arg))) {
      /** @type {Array<{ work_item_id: string }>} */
      const items = await coord.list({});
      const ids = items.map((w) => w.work_item_id);
      log(`seen ${ids.filter((id) => expect.has(id)).length} ${ids.length - new Set(ids).size} ${ids.length}`);
    }
  }
  log('done');
} finally {
  await coord.close();
}
