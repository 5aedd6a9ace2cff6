/**
 * Delay before a failed item may be claimed again, ms: base * 2^(attempt-1), capped, then "equal
 * jitter" (between half and all of it) so items that failed together do not all return at once.
 */
export function retryDelay(attempt: number, baseSeconds: number, maxSeconds: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1)) * 1000;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
