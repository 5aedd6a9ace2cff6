/**
 * Exponential backoff with jitter: attempt n waits base * 2^n, capped at max, scaled by a random
 * factor in [0.5, 1.5) so that contending processes spread out instead of retrying in step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(1, Math.round(exp * (0.5 + random())));
}
