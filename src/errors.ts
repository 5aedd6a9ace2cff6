/**
 * One error class for everything swarmfile reports on purpose. Every error carries a stable
 * `code`; tests assert the code, and the CLI maps codes to exit statuses through EXIT_STATUS.
 */

/** code -> [exit status, one-line meaning]. The README's exit-status table is this table. */
export const ERROR_CODES = {
  USAGE: [2, 'the command line is malformed (unknown command, missing argument)'],
  INVALID_INPUT: [2, 'an argument or field failed validation; nothing was written'],
  NOT_FOUND: [3, 'no work item or agent has that id'],
  WRONG_STATE: [4, 'the item is not in a state that allows this (e.g. completing twice)'],
  LOCK_TIMEOUT: [5, 'a file lock could not be acquired within FLOCK_TIMEOUT / FLOCK_RETRIES'],
  LOCK_COMPROMISED: [6, 'the lock was no longer held when the write was due (its entry was removed); nothing was committed'],
  NOTHING_CLAIMABLE: [7, 'no backlog item can be claimed now'],
  NOT_OWNER: [8, 'the caller does not own the claim, or its fencing token is stale'],
  STORE_CORRUPT: [9, 'a store file is not valid; it was left untouched for inspection'],
  STORE_VERSION: [10, 'the store was written by a newer, unknown format version'],
  IO_ERROR: [11, 'the file system refused a read or write (e.g. disk full, permissions)'],
  STORE_UNAVAILABLE: [11, 'the PostgreSQL store could not be reached (connection refused, dropped or timed out), or the outcome of a commit is unknown'],
  CONFLICT: [12, 'a path is reserved by another live claim (reserve, check-paths); nothing was reserved'],
  AUDIT_FAILED: [9, 'audit found the change log and the store disagreeing (each discrepancy is listed)'],
  EVENTS_GAP: [13, 'events asked for were deleted by the change log\'s retention (EVENTS_MAX_MB) before they were read; --allow-gap reads on'],
  INTERNAL: [70, 'an unexpected internal error (a bug: please report it)'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SwarmError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SwarmError';
    this.code = code;
    this.details = details;
  }

  get exitStatus(): number {
    return ERROR_CODES[this.code][0];
  }
}

export function isSwarmError(err: unknown, code?: ErrorCode): err is SwarmError {
  return err instanceof SwarmError && (code === undefined || err.code === code);
}

/** Wraps a Node fs error (ENOSPC, EACCES, EROFS ...) so callers see IO_ERROR with the path. */
export function ioError(err: unknown, action: string, path: string): SwarmError {
  if (err instanceof SwarmError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
  let message = err instanceof Error ? err.message : String(err);
  // Node's messages already start with the code ("ENOENT: no such file ..."): say it once.
  if (!message.startsWith(`${code}:`)) message = `${code}: ${message}`;
  if ((err as NodeJS.ErrnoException | undefined)?.syscall === 'uv_cwd') message = `${code}: the current directory no longer exists (was it removed?)`;
  return new SwarmError('IO_ERROR', `${action} ${path} failed: ${message}`, { path, errno: code }, { cause: err });
}

export function exitStatusFor(err: unknown): number {
  return err instanceof SwarmError ? err.exitStatus : ERROR_CODES.INTERNAL[0];
}
