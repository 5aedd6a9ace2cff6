// @ts-check
/**
 * Issue 18: the same workload on both stores, side by side in one run. Full cycles
 * (claim -> progress -> complete) through the CLI and the library at 1/8/32/128 agents; claim-next
 * latency through the library with 100 and with 100,000 queued items; CLI start-up (one `claim`
 * process, file and PostgreSQL alternating). PostgreSQL comes from scripts/ensure-postgres.sh
 * (database swarmfile_bench, a fresh schema per run); every run ends with the invariant check.
 * Targets: PostgreSQL library throughput at 32 agents >= the file store's; claim-next latency at
 * 100,000 queued within 1.5x of 100 (PostgreSQL); CLI start-up on PostgreSQL within 1.3x of the
 * file store's.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { fmt, multiRun } from '../lib/multiRun.mjs';
import { writeBacklogSegments } from '../lib/seedBacklog.mjs';
import { median } from '../lib/stats.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';
import { openOptionsOf, splitSchema, storeEnvOf } from '../lib/storeLocation.mjs';

const AGENTS = [1, 8, 32, 128];

/** The bench database's URL (scripts/ensure-postgres.sh), and a maker of fresh stores in it (a schema each). */
function pgBase() {
  const r = spawnSync('bash', [join(ROOT, 'scripts/ensure-postgres.sh'), '--db', 'swarmfile_bench'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/ensure-postgres.sh failed: ${r.stderr.trim()}`);
  const url = r.stdout.trim();
  /** @param {string} label */
  const fresh = (label) => `${url}&schema=b_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  return { url, fresh };
}

/**
 * `n` queued items in a fresh PostgreSQL store, written with one INSERT ... SELECT (off the clock,
 * like the file store's segments written directly).
 * @param {string} location
 * @param {number} n
 */
async function seedPg(location, n) {
  const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(LIBRARY));
  const c = await Coordinator.open({ ...openOptionsOf(location), agentId: 'bench_seeder' });
  await c.add({ workType: 'benchmark', description: 'creates the schema', team: 'bench_team' });
  await c.close();
  const { url, schema } = splitSchema(location);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "${schema}".work_items (work_item_id, place, rank, work_type, team, agent_id, status, depends_on, item)
       SELECT id, 'backlog', 2, 'benchmark', 'bench_team', NULL, 'pending', '{}',
         jsonb_build_object('work_item_id', id, 'agent_id', NULL, 'work_type', 'benchmark', 'description', 'seeded ' || i, 'priority', 'medium',
           'team', 'bench_team', 'status', 'pending', 'progress', 0, 'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'claimed_at', NULL, 'last_update', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'attempts', 0, 'fencing_token', 0)
       FROM (SELECT i, 'work_' || (1000000000000000000 + i)::text AS id FROM generate_series(1, $1::int - 1) AS i) s`,
      [n],
    );
    await client.query(`ANALYZE "${schema}".work_items`);
  } finally {
    await client.end();
  }
}

/**
 * Library claim-next latency, ms per call, `rounds` calls after `warmup`; each claimed item is
 * completed and replaced (untimed), so the queue keeps its size.
 * @param {string} location
 * @param {number} rounds
 */
async function claimNextLatency(location, rounds, warmup = 5) {
  const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(LIBRARY));
  const c = await Coordinator.open({ ...openOptionsOf(location), agentId: 'bench_latency', env: { REAP_INTERVAL_MS: '3600000', OTEL_SDK_DISABLED: 'true' } });
  /** @type {number[]} */
  const samples = [];
  try {
    for (let i = 0; i < warmup + rounds; i++) {
      const t = performance.now();
      const item = await c.claimNext();
      const ms = performance.now() - t;
      if (i >= warmup) samples.push(ms);
      await c.complete(item.work_item_id);
      await c.add({ workType: 'benchmark', description: `refill ${i}`, team: 'bench_team' });
    }
  } finally {
    await c.close();
  }
  return samples;
}

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'backends',
  title: 'File store and PostgreSQL, side by side',
  async run(ctx) {
    const base = pgBase();
    const { cliCycles, libCycles } = ctx.sizes;
    /** @type {unknown[][]} */
    const rows = [];
    /** @type {Record<string, number>} */
    const cps = {};
    for (const agents of AGENTS) {
      for (const mode of ['cli', 'library']) {
        const cycles = mode === 'cli' ? Math.max(2, Math.floor(cliCycles(agents) / 2)) : libCycles(agents);
        for (const backend of ['file', 'postgres']) {
          const label = `backends-${backend}-${mode}-${agents}`;
          const dir = backend === 'file' ? ctx.tmp(label) : base.fresh(label);
          ctx.progress.start(`backends ${backend} ${mode} ${agents} agents`, agents * cycles);
          const r = await multiRun(ctx, label, { agents, cycles, mode, dir, env: { OTEL_SDK_DISABLED: 'true' } });
          cps[`${backend}.${mode}.${agents}`] = r.throughput_cycles_per_s;
          ctx.metric(`backends.${backend}.${mode}.a${agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
          rows.push([backend, mode, agents, r.ok_cycles, fmt(r.throughput_cycles_per_s, 1), fmt(r.latency.claim?.p50 ?? null, 1), fmt(r.latency.complete?.p50 ?? null, 1), r.invariants.ok ? 'ok' : 'FAILED']);
        }
      }
    }
    // claim-next latency, 100 and 100,000 queued, both stores.
    /** @type {Record<string, number | null>} */
    const claimNextMs = {};
    const rounds = 40;
    for (const n of [100, 100_000]) {
      ctx.progress.start(`backends claim-next latency, ${n} queued`, 2);
      const fileDir = ctx.tmp(`backends-queue-${n}`);
      const init = await ctx.cli(['register', 'store_creator'], { COORDINATION_DIR: fileDir }); // creates the store (reads do not)
      if (init.code !== 0) throw new Error(`backends: register exited ${init.code}: ${init.stderr.trim()}`);
      await writeBacklogSegments(fileDir, n, { team: 'bench_team' });
      const pgUrl = base.fresh(`queue_${n}`);
      await seedPg(pgUrl, n);
      for (const [backend, location] of [['file', fileDir], ['postgres', pgUrl]]) {
        const samples = await claimNextLatency(location, rounds);
        ctx.metric(`backends.${backend}.claim_next.q${n}.ms`, 'ms', 'lower', samples);
        claimNextMs[`${backend}.${n}`] = median(samples);
        ctx.progress.tick();
      }
    }
    // CLI start-up: one `claim` process, alternating.
    /** @type {Record<string, number[]>} */
    const startup = { file: [], postgres: [] };
    const startupStores = { file: ctx.tmp('backends-startup'), postgres: base.fresh('startup') };
    ctx.progress.start('backends CLI start-up', 40);
    for (let i = 0; i < 22; i++) {
      for (const backend of /** @type {const} */ (['file', 'postgres'])) {
        const t = await ctx.cli(['-q', 'claim', 'benchmark', `startup ${i}`], { ...storeEnvOf(startupStores[backend]), AGENT_ID: 'bench_startup', OTEL_SDK_DISABLED: 'true' });
        if (t.code !== 0) throw new Error(`claim on ${backend} failed: ${t.stderr}`);
        if (i >= 2) startup[backend].push(t.ms);
        ctx.progress.tick();
      }
    }
    ctx.metric('backends.file.cli_claim.ms', 'ms', 'lower', startup.file);
    ctx.metric('backends.postgres.cli_claim.ms', 'ms', 'lower', startup.postgres);
    const ratio = (/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) => (a && b ? a / b : null);
    const targets = {
      pg_library_32_vs_file: ratio(cps['postgres.library.32'], cps['file.library.32']),
      pg_claim_next_100k_vs_100: ratio(claimNextMs['postgres.100000'], claimNextMs['postgres.100']),
      file_claim_next_100k_vs_100: ratio(claimNextMs['file.100000'], claimNextMs['file.100']),
      pg_cli_claim_vs_file: ratio(median(startup.postgres), median(startup.file)),
    };
    rows.push(['', '', '', '', '', '', '', '']);
    rows.push(['target', 'PostgreSQL library cycles/s at 32 agents / file store\'s (>= 1)', '', '', fmt(targets.pg_library_32_vs_file, 2), '', '', (targets.pg_library_32_vs_file ?? 0) >= 1 ? 'met' : 'MISSED']);
    rows.push(['target', 'PostgreSQL claim-next median, 100,000 / 100 queued (<= 1.5)', '', '', fmt(targets.pg_claim_next_100k_vs_100, 2), '', '', (targets.pg_claim_next_100k_vs_100 ?? 99) <= 1.5 ? 'met' : 'MISSED']);
    rows.push(['info', 'file store claim-next median, 100,000 / 100 queued', '', '', fmt(targets.file_claim_next_100k_vs_100, 2), '', '', '']);
    rows.push(['target', 'CLI claim on PostgreSQL / file store, median wall time (<= 1.3)', '', '', fmt(targets.pg_cli_claim_vs_file, 2), '', '', (targets.pg_cli_claim_vs_file ?? 99) <= 1.3 ? 'met' : 'MISSED']);
    return {
      data: { cycles_per_s: cps, claim_next_ms: claimNextMs, cli_claim_ms: { file: median(startup.file), postgres: median(startup.postgres) }, targets },
      table: { headers: ['store', 'via', 'agents', 'cycles', 'cycles/s', 'claim p50 ms', 'complete p50 ms', 'invariants'], rows },
    };
  },
};
