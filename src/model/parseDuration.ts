import { SwarmError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90`, `90s`, `15m`, `12h`, `7d`, `2w` -> seconds. Throws INVALID_INPUT naming `field`. */
export function parseDuration(field: string, value: unknown): number {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(value) : null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (!m) throw new SwarmError('INVALID_INPUT', `${field}: must be a duration such as 90s, 15m, 12h or 7d (got ${JSON.stringify(value)})`, { field, value });
  return Number(m[1]) * UNITS[m[2] || 's']!;
}
