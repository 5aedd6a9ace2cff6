// N library agents in this one process call claim-next at once, each in a loop until nothing is
// claimable (so claim-next serves them together: src/store/file/claimBest.ts). Logs
// `claim <agent> <id>` once each call returned. Mode `claim`: claims only. Mode `cycle`: each
// claim is followed by progress 50 and complete (other writes to the shards meanwhile).
// usage: node sharedClaimers.mjs <distDir> <logFile> <claimers> <claim|cycle> [team,team,...]
// The i-th claimer filters by the (i mod k)-th team given, if any. Env: COORDINATION_DIR, AGENT_ID.
import { appendFileSync } from 'node:fs';

const [distDir, logFile, count, mode, teams] = process.argv.slice(2);
const { Coordinator, isSwarmError } = await import(`${distDir}/index.js`);
const teamList = teams ? teams.split(',') : [];
const coords = await Promise.all(Array.from({ length: Number(count) }, (_, i) => Coordinator.open({ agentId: `${process.env.AGENT_ID}_${i}` })));
/** @param {import('../../../src/index.js').Coordinator} c @param {number} i */
async function agent(c, i) {
  const team = teamList.length ? teamList[i % teamList.length] : undefined;
  for (;;) {
    let item;
    try {
      item = await c.claimNext(team ? { team } : {});
    } catch (err) {
      if (isSwarmError(err, 'NOTHING_CLAIMABLE')) return;
      throw err;
    }
    appendFileSync(logFile, `claim ${process.env.AGENT_ID}_${i} ${item.work_item_id}\n`);
    if (mode === 'cycle') {
      await c.progress(item.work_item_id, 50, 'in_progress');
      await c.complete(item.work_item_id, { result: 'success', velocityPoints: 1 });
    }
  }
}
await Promise.all(coords.map(agent));
for (const c of coords) await c.close();
