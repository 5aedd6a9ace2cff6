// @ts-check
/** Peak RSS per agent process (CLI claim/progress/complete) against `node -e 0`, and the library process. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fmt } from '../lib/multiRun.mjs';
import { summarize } from '../lib/stats.mjs';
import { ROOT } from '../lib/targets.mjs';
import { libraryRounds } from './latency.mjs';

const MB = 1024 * 1024;

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'memory',
  title: 'Peak RSS per process',
  async run(ctx) {
    const rounds = ctx.sizes.memoryRounds;
    const dir = ctx.tmp('memory');
    const rssFile = join(ctx.tmp('memory-rss'), 'rss.txt');
    // The probe is preloaded into every node process, the baseline included, so both pay it.
    const probeEnv = { NODE_OPTIONS: `--require=${join(ROOT, 'bench/lib/rssProbe.cjs')}`, SWARMFILE_BENCH_RSS_FILE: rssFile };
    const env = { ...probeEnv, COORDINATION_DIR: dir, AGENT_ID: 'bench_memory' };
    /**
     * @param {string[]} argv
     * @param {Record<string, string>} e
     */
    const peak = async (argv, e) => {
      await fs.rm(rssFile, { force: true });
      const r = await ctx.run(argv, { ...process.env, ...e });
      const text = await fs.readFile(rssFile, 'utf8').catch(() => '');
      const v = Number(text.trim().split('\n').pop()?.split(' ')[1]);
      return { r, mb: Number.isFinite(v) ? v / MB : null };
    };
    /** @type {Record<string, (number | null)[]>} MiB; null when a process left no figure */
    const samples = { node: [], claim: [], progress: [], complete: [] };
    ctx.progress.start('memory', rounds + 1);
    for (let i = 0; i < rounds; i++) {
      samples.node.push((await peak([process.execPath, '-e', '0'], probeEnv)).mb);
      const c = await peak(ctx.target.argv(['claim', 'benchmark', `memory ${i}`]), env);
      samples.claim.push(c.mb);
      const id = c.r.stdout.trim();
      samples.progress.push((await peak(ctx.target.argv(['progress', id, '50']), env)).mb);
      samples.complete.push((await peak(ctx.target.argv(['complete', id]), env)).mb);
      ctx.progress.tick();
    }
    const lib = await libraryRounds(ctx.tmp('memory-lib'), ctx.sizes.latencyLibRounds);
    ctx.progress.tick();
    /** @type {{ unit: string, samples: typeof samples, summary: Record<string, import('../types.js').Summary>, library_process_peak_mb: number }} */
    const data = { unit: 'MiB', samples, summary: {}, library_process_peak_mb: lib.maxRssBytes / MB };
    const base = summarize(samples.node.filter((v) => v !== null));
    data.summary.node = base;
    const rows = [['node -e 0', fmt(base.p50), fmt(base.max), '1.00']];
    ctx.metric('memory.node.rss_mb', 'MiB', 'lower', samples.node);
    for (const op of ['claim', 'progress', 'complete']) {
      const s = summarize(samples[op].filter((v) => v !== null));
      data.summary[op] = s;
      ctx.metric(`memory.cli.${op}.rss_mb`, 'MiB', 'lower', samples[op]);
      rows.push([`CLI ${op}`, fmt(s.p50), fmt(s.max), fmt(Number(s.p50) / Number(base.p50), 2)]);
    }
    rows.push([`library process (${ctx.sizes.latencyLibRounds} cycles)`, fmt(data.library_process_peak_mb), '', fmt(data.library_process_peak_mb / Number(base.p50), 2)]);
    return { data, table: { headers: ['process', 'peak RSS p50 MiB', 'max MiB', 'vs node -e 0'], rows } };
  },
};
