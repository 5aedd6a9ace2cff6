// @ts-check
/**
 * What power-loss durability costs: library claim/progress/complete latency with no fsync, with
 * files fsynced before their rename only (SWARMFILE_FSYNC_DIR=0), and with the store directory
 * fsynced too after each commit's renames (the default). The three settings alternate block by
 * block in one run, so load drift falls on all of them alike.
 */
import { summarize } from '../lib/stats.mjs';
import { libraryRounds, OPS } from './latency.mjs';

/** @type {[string, Record<string, string>][]} */
const MODES = [
  ['no fsync', { SWARMFILE_FSYNC: '0' }],
  ['files only', { SWARMFILE_FSYNC: '1', SWARMFILE_FSYNC_DIR: '0' }],
  ['files + dir (default)', { SWARMFILE_FSYNC: '1', SWARMFILE_FSYNC_DIR: '1' }],
];

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'durability',
  title: 'Cost of fsync: none, files only, files + directory (library)',
  async run(ctx) {
    const blocks = 5;
    const rounds = Math.max(10, Math.round(ctx.sizes.latencyLibRounds / blocks));
    /** @type {Record<string, number[]>[]} */
    const samples = MODES.map(() => Object.fromEntries(OPS.map((op) => [op, []])));
    ctx.progress.start('durability', blocks * MODES.length);
    for (let b = 0; b < blocks; b++) {
      for (let m = 0; m < MODES.length; m++) {
        const lib = await libraryRounds(ctx.tmp(`durability-${m}-${b}`), rounds, MODES[m][1]);
        for (const op of OPS) samples[m][op].push(...lib.samples[op]);
        ctx.progress.tick();
      }
    }
    const rows = [];
    /** @type {Record<string, import('../types.js').Summary>} */
    const data = {};
    for (const op of OPS) {
      const sums = MODES.map((_, m) => summarize(samples[m][op]));
      MODES.forEach(([name], m) => {
        data[`${name}.${op}`] = sums[m];
        ctx.metric(`durability.${name.split(' ')[0]}.${op}.ms`, 'ms', 'lower', samples[m][op]);
      });
      // Every mode ran rounds >= 10 times, so these medians are numbers.
      const ratio = Number(sums[2].p50) / Number(sums[1].p50);
      rows.push([op, ...sums.map((s) => Number(s.p50).toFixed(2)), ratio.toFixed(2)]);
    }
    return { data, table: { headers: ['op', ...MODES.map(([n]) => `${n} p50 ms`), 'dir fsync x'], rows } };
  },
};
