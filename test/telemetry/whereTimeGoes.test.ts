/**
 * Issue 16, "telemetry that answers where did the time go": claim-next's normal "nothing
 * claimable" is not a failure; its waiting is `wait_ms`, apart from the work; each CLI call records
 * its process start-up.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, tempDir } from '../support/index.js';

describe('where the time went', () => {
  it('claim-next --wait that finds nothing: an outcome with wait_ms, not an error; every call has cli.startup_ms', () => {
    const base = tempDir();
    const env = { COORDINATION_DIR: join(base, 'store'), TELEMETRY_DIR: join(base, 'tel'), AGENT_ID: 'agent_t', OTEL_TRACES_SAMPLER: 'always_on' };
    expect(runSync(['register', 'agent_t'], env).code).toBe(0);
    expect(runSync(['claim-next', '--wait', '1'], env).code).toBe(7);
    const q = runSync(['telemetry', 'query'], env);
    expect(q.code).toBe(0);
    const spans = q.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; status: { code: number }; attributes: Record<string, unknown> });
    const next = spans.find((s) => s.name === 'swarmfile.claim_next')!;
    expect(next.status.code).toBe(1);
    expect(next.attributes['swarmfile.outcome']).toBe('NOTHING_CLAIMABLE');
    expect(next.attributes['wait_ms']).toBeGreaterThan(500);
    for (const s of spans) expect(s.attributes['cli.startup_ms'], s.name).toBeGreaterThan(0);
    const stats = JSON.parse(runSync(['--json', 'telemetry', 'stats'], env).stdout) as { operations: { operation: string; errors: number; successRate: number; latencyMs: { max: number }; waitMs: { max: number }; startupMs: { p50: number } }[] };
    const op = stats.operations.find((o) => o.operation === 'claim_next')!;
    expect(op.errors).toBe(0);
    expect(op.successRate).toBe(1);
    expect(op.waitMs.max).toBeGreaterThan(500);
    // The work alone: the second of waiting is not in the latency.
    expect(op.latencyMs.max).toBeLessThan(op.waitMs.max);
    expect(op.startupMs.p50).toBeGreaterThan(0);
  });
});
