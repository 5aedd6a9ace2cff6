#!/usr/bin/env node
// @ts-check
// Size of a day of journal before and after gzip: writes SPANS spans (default 86,400 = one
// operation per second for 24 h) with the real journal tracer into a temp TELEMETRY_DIR, then runs
// the real maintenance with the clock two days ahead so every sealed segment is compressed.
// Prints one JSON object. usage: node bench/children/journalDay.mjs [--spans N]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../../dist/', import.meta.url);
/** @param {string} file */
const at = (file) => new URL(file, dist).href;
const { resolveConfig } = await import(at('config.js'));
const { makeTracer } = await import(at('telemetry/makeTracer.js'));
const { resolveTelemetryConfig } = await import(at('telemetry/resolveTelemetryConfig.js'));
const { maintainJournal } = await import(at('journal/maintainJournal.js'));

const i = process.argv.indexOf('--spans');
const spans = i > 0 ? Number(process.argv[i + 1]) : 86_400;
const dir = mkdtempSync(join(tmpdir(), 'journal-day-'));
const env = {
  TELEMETRY_DIR: dir,
  WAL_SYNC_INTERVAL: 'never',
  JOURNAL_ROTATION_MB: '1',
  JOURNAL_SEAL_GRACE_MS: '0',
  JOURNAL_MAINTENANCE_INTERVAL_S: '86400',
  OTEL_TRACES_SAMPLER: 'always_on',
};
const config = resolveConfig({}, env);
const tracer = await makeTracer(config);
const ops = ['claim', 'progress', 'complete'];
for (let n = 0; n < spans; n++) {
  const op = ops[n % 3];
  const span = tracer.startSpan(`swarmfile.${op}`, { 'swarmfile.operation': op, 'agent.id': `agent_${n % 32}`, 'work.type': 'feature', 'work.team': `team_${n % 4}` });
  span.setAttribute('work.id', `work_${1795430000000000000n + BigInt(n) * 10_000_000n}`);
  span.setAttribute('store.shard', n % 16);
  span.setAttribute('lock.wait_ms', (n % 97) / 10);
  span.setAttribute('lock.retries', n % 5 === 0 ? 1 : 0);
  span.end(n % 50 === 0 ? 'NOT_FOUND' : undefined);
}
await tracer.shutdown();

const bytes = () => {
  let total = 0;
  /** @param {string} d */
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.(wal|seg|gz)$|segment|current/.test(e.name)) total += statSync(join(d, e.name)).size;
    }
  };
  walk(dir);
  return total;
};
const before = bytes();
await maintainJournal(resolveTelemetryConfig(env, dir).journal, Date.now() + 2 * 86_400_000);
const after = bytes();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ spans, bytes_before: before, bytes_after: after, ratio: Math.round((before / after) * 10) / 10 }));
