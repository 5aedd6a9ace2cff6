/**
 * The one settings table (src/settings.ts): the configuration, the docs and `--help` all come from
 * it, nothing reads the environment around it, and every override the library accepts is applied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ERROR_CODES } from '../../src/errors.js';
import { SETTINGS, settingNames, settingsMarkdown, type SettingGroup, type SettingName } from '../../src/settings.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { ROOT, runSync } from '../support/index.js';

const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every file below src/, relative to ROOT. */
function sources(dir = 'src'): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
}

describe('the settings docs', () => {
  it('print every table block of README.md and docs/ from the settings table, and leave no variable out', () => {
    const documented = new Set<SettingGroup>();
    let blocks = 0;
    for (const file of docs) {
      for (const m of read(file).matchAll(/<!-- settings: ([a-z ]+) -->\n([\s\S]*?)\n<!-- \/settings -->/g)) {
        const groups = m[1]!.trim().split(/\s+/) as SettingGroup[];
        groups.forEach((g) => documented.add(g));
        blocks++;
        expect(m[2], `${file}: the settings table of "${m[1]}" is out of date: run make settings-docs`).toBe(settingsMarkdown(groups));
      }
    }
    expect(blocks).toBeGreaterThanOrEqual(3);
    for (const name of settingNames()) expect(documented.has(SETTINGS[name].group), `${name} is in no documented table`).toBe(true);
  });

  it('name no swarmfile variable the table does not have', () => {
    const known = new Set<string>(settingNames());
    for (const name of settingNames()) if ('tracesVariant' in SETTINGS[name]) known.add(name.replace('OTEL_EXPORTER_OTLP_', 'OTEL_EXPORTER_OTLP_TRACES_'));
    // Variables of the tests and the build, not of swarmfile.
    for (const n of ['SWARMFILE_TEST_CLI', 'SWARMFILE_KEEP_TEMP']) known.add(n);
    for (const code of Object.keys(ERROR_CODES)) known.add(code); // LOCK_TIMEOUT is an error code
    const ours = /`((?:FLOCK|LOCK|LEASE|AGENT|JOURNAL|TELEMETRY|OTEL|WAL|SWARMFILE|COORDINATION|WORK_QUEUE|RETRY|REAP|MAX_RETRY|SAMPLING|COMPRESSION|CURRENT_WORK)_[A-Z0-9_]+)(?:=[^`]*)?`/g;
    const unknown: string[] = [];
    for (const file of docs) for (const m of read(file).matchAll(ours)) if (!known.has(m[1]!) && !m[1]!.includes('(')) unknown.push(`${file}: ${m[1]}`);
    expect(unknown).toEqual([]);
  });

  it('--help lists every store, agent, queue and lock variable with its default', () => {
    const help = runSync(['--help'], {}).stdout;
    for (const name of settingNames(['store', 'agent', 'queue', 'locks'])) {
      expect(help).toContain(name);
      const def = SETTINGS[name as SettingName] as { default?: unknown };
      if (typeof def.default === 'number') expect(help).toMatch(new RegExp(`${name}[\\s\\S]*?default ${def.default}`));
    }
  });
});

describe('reading the environment', () => {
  it('happens only in config.ts and the telemetry resolver, through readSetting', () => {
    const offenders: string[] = [];
    for (const file of sources()) {
      const text = read(file);
      if (/process\.env/.test(text) && !['src/config.ts', 'src/cli/main.ts', 'src/coordinator/Coordinator.ts'].includes(file)) offenders.push(`${file}: process.env`);
      if (/\benv(\.|\[['"])[A-Z][A-Z0-9_]+/.test(text) && file !== 'src/readSetting.ts') offenders.push(`${file}: reads a variable by name`);
    }
    expect(offenders).toEqual([]);
  });

  it('applies every override the library accepts, over the environment', () => {
    const env = { SWARMFILE_INJECT_DELAY_MS: '5', SWARMFILE_CRASH_AT: 'env', SWARMFILE_STALL_AT: 'env', SWARMFILE_FAIL_AT: 'env', LEASE_TTL_SECONDS: '10', AGENT_STALE_SECONDS: '20' };
    const c = resolveConfig({ injectDelayMs: 7, crashAt: 'renamed', stallAt: 'intent', failAt: 'apply', leaseTtlSeconds: 60, agentStaleSeconds: 30 }, env);
    expect([c.injectDelayMs, c.crashAt, c.stallAt, c.failAt, c.leaseTtlSeconds, c.agentStaleSeconds]).toEqual([7, 'renamed', 'intent', 'apply', 60, 30]);
    const fromEnv = resolveConfig({}, env);
    expect([fromEnv.injectDelayMs, fromEnv.crashAt, fromEnv.leaseTtlSeconds, fromEnv.agentStaleSeconds]).toEqual([5, 'env', 10, 20]);
    // The stale limit defaults to the lease, whichever way the lease was given.
    expect(resolveConfig({ leaseTtlSeconds: 60 }, {}).agentStaleSeconds).toBe(60);
    expect(resolveConfig({}, {}).agentStaleSeconds).toBe(SETTINGS.LEASE_TTL_SECONDS.default);
  });

  it('gives the table defaults to an empty environment, the telemetry ones included', () => {
    const c = resolveConfig({}, {});
    expect([c.dir, c.shards, c.lock.timeoutMs, c.lock.staleMs, c.lock.hungAction, c.leaseTtlSeconds, c.maxRetryAttempts]).toEqual(['./agent_coordination', 16, 30_000, 30_000, 'kill', 300, 3]);
    expect(c.telemetry.journal.dir).toBe('./telemetry');
    expect(c.telemetry.journal.rotationBytes).toBe(16 * 1024 * 1024);
    expect(c.telemetry.sampler).toBe('parentbased_always_on');
    expect(c.telemetry.warnings).toEqual([]);
    expect(resolveConfig({ telemetryDir: '/t' }, {}).telemetry.journal.dir).toBe('/t');
  });

  it('refuses a bad store setting, but only warns about a bad telemetry setting', () => {
    expect(() => resolveConfig({}, { LOCK_HUNG_ACTION: 'maybe' })).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const tc = resolveTelemetryConfig({ JOURNAL_ROTATION_MB: 'lots', OTEL_TRACES_SAMPLER: 'sometimes', TELEMETRY_SAMPLE_RATE: '0.25' }, '/t');
    expect(tc.journal.rotationBytes).toBe(16 * 1024 * 1024);
    expect(tc.sampler).toBe('parentbased_traceidratio');
    expect(tc.ratio).toBe(0.25);
    expect(tc.warnings.join('\n')).toMatch(/JOURNAL_ROTATION_MB="lots" ignored/);
    expect(tc.warnings.join('\n')).toMatch(/OTEL_TRACES_SAMPLER="sometimes" ignored/);
  });

  it('`settings` shows where each value came from and exits 2 on a value every command would refuse', () => {
    const ok = runSync(['settings', '--json', '--group', 'locks'], { FLOCK_TIMEOUT: '7' });
    expect(ok.code, ok.stderr).toBe(0);
    const rows = JSON.parse(ok.stdout) as { name: string; value: string; source: string }[];
    expect(rows.find((r) => r.name === 'FLOCK_TIMEOUT')).toMatchObject({ value: '7', source: 'environment' });
    expect(rows.find((r) => r.name === 'FLOCK_RETRIES')).toMatchObject({ value: '10000', source: 'default' });
    const bad = runSync(['settings', '--group', 'locks'], { FLOCK_TIMEOUT: 'soon' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/FLOCK_TIMEOUT\s+soon\s+\[environment\]\s+refused/);
    expect(bad.stderr).toMatch(/\[INVALID_INPUT\]/);
    expect(runSync(['settings', '--group', 'nope'], {}).code).toBe(2);
  });
});
