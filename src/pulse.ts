/**
 * Signs of life. A lock holder refreshes its lock from a timer, but a CLI process does its I/O
 * synchronously (fsAsync.ts) and its timers do not run while it works through a long operation
 * (a big cleanup or import). So every synchronous file call also calls `pulse()`, and the lock
 * module refreshes what this process holds from there: a process that is doing I/O is alive.
 */
const hooks = new Set<() => void>();
let last = 0;

/** Registers `fn` to run on a pulse; returns its removal. */
export function onPulse(fn: () => void): () => void {
  hooks.add(fn);
  return () => void hooks.delete(fn);
}

/** At most every 200 ms, runs every registered hook. Cheap enough for every file call. */
export function pulse(): void {
  if (hooks.size === 0) return;
  const now = Date.now();
  if (now - last < 200 && now >= last) return;
  last = now;
  for (const fn of hooks) fn();
}
