/**
 * Damage stays where it is. A damaged store file (STORE_CORRUPT: not valid JSON, the wrong shape,
 * a symlink) fails the operations that need that very file, and nothing else: an operation that
 * only passes by it (a reap scanning every shard, claim-next looking through backlog segments,
 * the promotion of waiting items after a completion that is already committed) skips it, says so
 * once per file on stderr, and goes on. `coordination_helper fsck` lists the damage; `repair`
 * quarantines it.
 */
import { isSwarmError, type SwarmError } from '../errors.js';
import { reportWarning } from '../warnings.js';

const warned = new Set<string>();

/** Tells a person, once per damaged file per process, that `what` went on without it. */
export function warnDamage(err: SwarmError, what: string): void {
  const key = String(err.details?.path ?? err.message);
  if (warned.has(key)) return;
  warned.add(key);
  const hint = err.message.includes('fsck') ? '' : " Run 'coordination_helper fsck'.";
  reportWarning('SwarmfileDamage', `${err.message} ${what} went on without it.${hint}`);
}

/** `fn()`, or `fallback` (with a warning) when it meets a damaged file; other errors pass through. */
export async function unlessDamaged<T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
    warnDamage(err, what);
    return fallback;
  }
}
