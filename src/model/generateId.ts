/**
 * Ids of the form `work_<nanoseconds>` / `agent_<nanoseconds>`, unique across processes on one
 * host even when two processes read the same clock value.
 *
 * The value is a nanosecond wall-clock timestamp whose last 7 digits are replaced by this
 * process's pid (Linux pids are below 2^22 < 10^7). Two live processes therefore never produce
 * the same value, and within a process the value strictly increases (if the clock has not moved
 * on by a full 10 ms step, the step is advanced). Ids still sort by creation time to 10 ms.
 */
const STEP = 10_000_000n; // the 7 low digits of nanoseconds
const PID_PART = BigInt(process.pid) % STEP;
let lastStep = 0n;

function nowNs(): bigint {
  // Date.now() is wall time in ms; hrtime adds the sub-millisecond part.
  const ms = BigInt(Date.now());
  const sub = process.hrtime.bigint() % 1_000_000n;
  return ms * 1_000_000n + sub;
}

export type IdKind = 'work' | 'agent';

export function generateId(kind: IdKind): string {
  let step = nowNs() / STEP;
  if (step <= lastStep) step = lastStep + 1n;
  lastStep = step;
  return `${kind}_${step * STEP + PID_PART}`;
}

/** The creation time encoded in an id, in ms since the epoch (NaN when the id has another form). */
export function idTimeMs(id: string): number {
  const m = /^[a-z]+_(\d{13,})$/.exec(id);
  return m ? Number(BigInt(m[1]!) / 1_000_000n) : Number.NaN;
}
