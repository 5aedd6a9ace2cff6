/**
 * The journal's file calls that must never go through a symlink planted in the journal directory:
 * appends, stamps and bookkeeping files are opened with O_NOFOLLOW (ELOOP instead of writing to
 * whatever the link names), and new files get the user's umask.
 */
import { closeSync, constants as fsc, futimesSync, openSync, unlinkSync } from 'node:fs';

const NOFOLLOW = fsc.O_NOFOLLOW;

/** Opens `path` for appending, creating it; a symlink in its place throws ELOOP. */
export function openAppendNoFollow(path: string): number {
  return openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | NOFOLLOW, 0o666);
}

/** Creates `path` exclusively (replacing a leftover of a crashed run, never following a link). */
export function createExclusive(path: string): number {
  try {
    unlinkSync(path);
  } catch {
    /* none */
  }
  return openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | NOFOLLOW, 0o666);
}

/** Sets `path`'s mtime to now, creating it empty if missing; a symlink in its place is replaced. */
export function touchNoFollow(path: string, time = new Date()): void {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | NOFOLLOW, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    unlinkSync(path);
    fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | NOFOLLOW, 0o666);
  }
  try {
    futimesSync(fd, time, time);
  } finally {
    closeSync(fd);
  }
}

