/**
 * The SWARMFILE_INJECT test hook: slows chosen operations on purpose, so the benchmark's regression
 * detector can be shown to catch a slowdown in one operation and only there. A spec lists
 * `operation=delay` pairs, comma-separated: `claim=25ms` sleeps 25 ms before the operation;
 * `claim=10%` busy-waits, after it, a tenth of the time the operation itself took (a 10% slowdown,
 * fine-grained enough for sub-millisecond library calls). `*` names every operation; `claim-next`
 * and `claim_next` are the same.
 */
import { SwarmError } from '../errors.js';

export interface InjectedDelay {
  /** Sleep this long before the operation. */
  readonly ms?: number;
  /** Busy-wait this percent of the operation's own duration after it. */
  readonly pct?: number;
}

export type InjectSpec = Readonly<Record<string, InjectedDelay>>;

/** Parses `claim=25ms,complete=10%`; throws INVALID_INPUT naming the bad pair. */
export function parseInjectSpec(text: string | undefined): InjectSpec {
  const spec: Record<string, InjectedDelay> = {};
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_*-]+)=(\d+(?:\.\d+)?)(ms|%)$/i.exec(pair);
    if (!m) throw new SwarmError('INVALID_INPUT', `SWARMFILE_INJECT: ${JSON.stringify(pair)} is not operation=<n>ms or operation=<n>%`);
    const value = Number(m[2]);
    if (value > 60_000) throw new SwarmError('INVALID_INPUT', `SWARMFILE_INJECT: ${JSON.stringify(pair)} is more than 60000`);
    spec[operationKey(m[1]!)] = m[3] === '%' ? { pct: value } : { ms: value };
  }
  return Object.freeze(spec);
}

const operationKey = (op: string): string => op.toLowerCase().replace(/-/g, '_');

/** Runs `fn` as operation `operation` with whatever delay the spec (or the every-operation `everyMs`) asks for. */
export async function withInjectedDelay<T>(spec: InjectSpec, everyMs: number, operation: string, fn: () => Promise<T>): Promise<T> {
  const d = spec[operationKey(operation)] ?? spec['*'];
  const sleepMs = (d?.ms ?? 0) + everyMs;
  if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
  if (!d?.pct) return fn();
  const t0 = performance.now();
  const value = await fn();
  const until = performance.now() + ((performance.now() - t0) * d.pct) / 100;
  while (performance.now() < until) {
    // Busy-wait: a timer cannot sleep for a fraction of a millisecond.
  }
  return value;
}
