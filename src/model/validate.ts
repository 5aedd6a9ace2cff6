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

/** The whole-number fields and their inclusive bounds, shared by the library and the CLI. */
export const WHOLE_NUMBERS = {
  percent: [0, 100],
  velocity_points: [0, 1000],
  capacity: [1, 10_000],
  lease: [1, 31_536_000],
  wait: [0, 31_536_000],
  limit: [1, 1_000_000_000],
  token: [1, Number.MAX_SAFE_INTEGER],
} as const satisfies Record<string, readonly [number, number]>;
export type WholeNumberField = keyof typeof WHOLE_NUMBERS;

/** The library's check: `value` must be a number, whole and within the field's bounds. */
export function wholeNumber(field: WholeNumberField, value: unknown): number {
  const [min, max] = WHOLE_NUMBERS[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`, value);
  }
  return value;
}

/** The CLI's parse: decimal digits (blanks around them allowed), then the library's check. */
export function parseWholeNumber(field: WholeNumberField, text: string): number {
  const [min, max] = WHOLE_NUMBERS[field];
  if (!/^\s*\d+\s*$/.test(text)) invalid(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`, text);
  return wholeNumber(field, Number(text));
}

export const validatePercent = (v: unknown): number => wholeNumber('percent', v);
export const validateVelocity = (v: unknown): number => wholeNumber('velocity_points', v);
export const validateCapacity = (v: unknown): number => wholeNumber('capacity', v);
export const validateLease = (v: unknown): number => wholeNumber('lease', v);
