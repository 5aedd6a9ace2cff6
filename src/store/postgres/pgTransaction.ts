/**
 * One PostgreSQL transaction with the same patience as a file lock: deadlocks, serialization
 * failures, a refused or dropped connection and an administrator's termination are retried with
 * jittered backoff until FLOCK_TIMEOUT (or FLOCK_RETRIES) runs out, then STORE_UNAVAILABLE (exit
 * 11). A failure before COMMIT was sent leaves nothing (the server rolls the transaction back);
 * a connection lost during COMMIT leaves the outcome unknown, which is said, never retried.
 */
import type { Pool, PoolClient } from 'pg';
import type { LockConfig } from '../../config.js';
import { SwarmError, isSwarmError } from '../../errors.js';
import { backoffDelay } from '../../lock/backoffDelay.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import { monotonicMs } from '../../model/clock.js';

/** SQLSTATEs worth another try: serialization failure, deadlock, admin/crash shutdown, cannot connect now. */
const RETRY_STATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

function retryable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && (RETRY_STATES.has(e.code) || e.code.startsWith('08') || CONNECTION_CODES.has(e.code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(String(e?.message ?? ''));
}

/** Failures to get a usable connection that another try would not cure: unknown host, refused login, no such database. */
function cannotConnect(err: unknown): boolean {
  const code = String((err as { code?: string })?.code ?? '');
  return code.startsWith('28') || code === '3D000' || code === 'ENOTFOUND' || code === 'EACCES' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

/** The error a caller sees for a database failure: SwarmErrors pass through, the rest are mapped. */
export function storeError(err: unknown, where: string): Error {
  if (isSwarmError(err)) return err;
  const e = err as { code?: string; message?: string };
  if (retryable(err) || cannotConnect(err)) return new SwarmError('STORE_UNAVAILABLE', `the PostgreSQL store at ${where} cannot be reached: ${e?.message ?? String(err)}`, { store: where });
  return new SwarmError('INTERNAL', `PostgreSQL error${e?.code ? ` ${e.code}` : ''} at ${where}: ${e?.message ?? String(err)}`, { store: where });
}

/**
 * Runs `body` in one transaction (or, with `atomic` false, statement by statement: for a body whose
 * only write is one statement, which commits by itself, two round trips fewer).
 */
const ignore = () => undefined;

export async function inTransaction<T>(pool: Pool, lock: LockConfig, stats: LockStats, where: string, body: (client: PoolClient) => Promise<T>, atomic = true): Promise<T> {
  const start = monotonicMs();
  for (let attempt = 0; ; attempt++) {
    let client: PoolClient | undefined;
    let committing = false;
    try {
      client = await pool.connect();
      // A connection the server drops while we hold it also emits 'error' on the client (the
      // query in flight fails as well, and is handled below): without a listener, that event
      // would end the process.
      client.on('error', ignore);
      if (atomic) await client.query('BEGIN');
      const result = await body(client);
      committing = true;
      if (atomic) await client.query('COMMIT');
      client.off('error', ignore);
      client.release();
      return result;
    } catch (err) {
      if (client) {
        if (atomic && !committing) await client.query('ROLLBACK').catch(() => undefined);
        // A connection in an unknown state is closed, not returned to the pool.
        client.off('error', ignore);
        client.release(retryable(err) ? (err as Error) : undefined);
      }
      if (committing && retryable(err)) {
        throw new SwarmError('STORE_UNAVAILABLE', `the connection to ${where} was lost while committing: the change may or may not have been made; look before retrying (show, list)`, { store: where });
      }
      const waited = monotonicMs() - start;
      if (!retryable(err) || waited >= lock.timeoutMs || attempt >= lock.retries) throw storeError(err, where);
      stats.retries++;
      const delay = Math.min(backoffDelay(attempt, Math.max(lock.backoffMs, 20), Math.max(lock.backoffMaxMs, 1000)), lock.timeoutMs - waited);
      stats.waitMs += delay;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
