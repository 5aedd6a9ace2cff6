/**
 * Input rules shared by the CLI and the library. Each check throws INVALID_INPUT naming the field,
 * before any lock is taken or file written.
 */
import { SwarmError } from '../errors.js';
import { PRIORITIES, RESERVED_STATUSES, type Priority } from './types.js';

/** Longest description or result accepted, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 8192;
/** work_type, team, agent ids, statuses and specializations: a letter or digit, then letters, digits, _ . : - (64 at most). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** Work ids as generated here or imported from SwarmSH. */
const WORK_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
// Free text may hold tab, LF and CR; every other C0 control and DEL is refused.
// eslint-disable-next-line no-control-regex
const BAD_CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function invalid(field: string, message: string, value?: unknown): never {
  throw new SwarmError('INVALID_INPUT', `${field}: ${message}`, { field, value });
}

export function validateName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) invalid(field, 'must not be empty', value);
  if (!NAME_RE.test(value)) {
    invalid(field, `must be 1-64 characters: a letter or digit, then letters, digits, '_', '.', ':' or '-' (got ${JSON.stringify(value)})`, value);
  }
  return value;
}

export function validateWorkId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) invalid('work_item_id', 'is required (or set CURRENT_WORK_ITEM)', value);
  if (!WORK_ID_RE.test(value)) invalid('work_item_id', `is not a valid work id: ${JSON.stringify(value)}`, value);
  return value;
}

export function validateText(field: string, value: unknown, { allowEmpty = false } = {}): string {
  if (typeof value !== 'string') invalid(field, 'must be a string', value);
  if (!allowEmpty && value.trim().length === 0) invalid(field, 'must not be empty', value);
  if (BAD_CONTROL_RE.test(value)) invalid(field, 'contains a control character (only tab, CR and LF are allowed)', value);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_TEXT_BYTES) invalid(field, `is ${bytes} bytes; the limit is ${MAX_TEXT_BYTES} bytes of UTF-8`, undefined);
  return value;
}

export function validatePriority(value: unknown): Priority {
  if (typeof value !== 'string' || !(PRIORITIES as readonly string[]).includes(value)) {
    invalid('priority', `must be one of ${PRIORITIES.join(', ')} (got ${JSON.stringify(value)})`, value);
  }
  return value as Priority;
}

export function validateProgressStatus(value: unknown): string {
  const status = validateName('status', value);
  if ((RESERVED_STATUSES as readonly string[]).includes(status)) {
    invalid('status', `'${status}' is set by its own command, not by progress`, value);
  }
  return status;
}

/** Accepts a number, or a string of decimal digits (CLI input). */
export function parseWholeNumber(field: string, value: unknown, min: number, max: number): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else invalid(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`, value);
  if (!Number.isInteger(n) || n < min || n > max) invalid(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`, value);
  return n;
}

export const validatePercent = (v: unknown): number => parseWholeNumber('percent', v, 0, 100);
export const validateVelocity = (v: unknown): number => parseWholeNumber('velocity_points', v, 0, 1000);
export const validateCapacity = (v: unknown): number => parseWholeNumber('capacity', v, 1, 10_000);
/** A lease length in seconds (per claim, or LEASE_TTL_SECONDS). */
export const validateLease = (v: unknown): number => parseWholeNumber('lease', v, 1, 31_536_000);
