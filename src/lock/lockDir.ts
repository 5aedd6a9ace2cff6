/**
 * The lock's file-system adapter: the few calls the lock algorithm (acquireLocks.ts) makes, kept
 * apart from it as proper-lockfile keeps its fs adapter. All calls are synchronous: they are a
 * handful of metadata operations on one directory, cheaper than a thread-pool round trip each.
 *
 * A held lock is a directory `<name>` holding exactly one entry, `owner.<token>`, whose content is
 * the holder's identity. It comes into being whole: the holder prepares `<name>.<token>.new` with
 * its entry inside, then rename(2)s it to `<name>`. rename fails while `<name>` is a non-empty
 * directory and replaces it when empty, so:
 *   - acquiring is atomic together with the holder's identity (no ownerless window);
 *   - removing a dead holder is unlink(`<name>/owner.<token>`): the token names that very
 *     acquisition, so a remover can never delete a newer holder's entry, and two removers of the
 *     same dead entry cannot both succeed;
 *   - the emptied directory is then free for the next rename, with no second guard to go stale.
 * Nothing here follows a symlink: a symlink planted at `<name>` makes rename fail (ENOTDIR), and
 * the entry is created with O_EXCL inside a directory this process just made.
 */
import { constants as fsc, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, utimesSync, writeSync } from 'node:fs';

export const OWNER_PREFIX = 'owner.';
export const PREPARED_SUFFIX = '.new';

export type CreateResult = 'held' | 'busy' | 'not-a-lock';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Removes a prepared directory that did not become the lock (or whose holder died before it did). */
export function removePrepared(prepared: string): void {
  try {
    // Only a real directory: a symlink planted under such a name is never emptied through.
    if (!lstatSync(prepared).isDirectory()) return;
    for (const name of readdirSync(prepared)) unlinkSync(`${prepared}/${name}`);
    rmdirSync(prepared);
  } catch {
    /* already gone; fsck reports leftovers */
  }
}

/** One attempt to create lock `lockDir` holding `owner.<token>` with `content`. */
export function tryCreate(lockDir: string, token: string, content: string): CreateResult {
  const prepared = `${lockDir}.${token}${PREPARED_SUFFIX}`;
  mkdirSync(prepared);
  try {
    const fd = openSync(`${prepared}/${OWNER_PREFIX}${token}`, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o666);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    renameSync(prepared, lockDir);
    return 'held';
  } catch (err) {
    removePrepared(prepared);
    const code = errCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'busy';
    if (code === 'ENOTDIR' || code === 'EISDIR') return 'not-a-lock';
    throw err;
  }
}

export interface OwnerEntry {
  /** The entry's name inside the lock directory (`owner.<token>`). */
  name: string;
  token: string;
  /** Its content, or null when unreadable (written by no live holder: see judgeOwner). */
  content: string | null;
  mtimeMs: number;
}

/**
 * The entries of lock `lockDir`: null when there is no lock; [] when it is empty (being released
 * or taken over: the next rename gets it). Anything that is not an owner entry is ignored here and
 * reported by fsck.
 */
export function readOwners(lockDir: string): OwnerEntry[] | null {
  let names: string[];
  try {
    names = readdirSync(lockDir);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return [];
    throw err;
  }
  const out: OwnerEntry[] = [];
  for (const name of names) {
    if (!name.startsWith(OWNER_PREFIX)) continue;
    const path = `${lockDir}/${name}`;
    try {
      const st = lstatSync(path);
      if (!st.isFile()) continue;
      let content: string | null = null;
      try {
        const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
        try {
          content = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      } catch {
        content = null;
      }
      out.push({ name, token: name.slice(OWNER_PREFIX.length), content, mtimeMs: st.mtimeMs });
    } catch {
      /* removed meanwhile */
    }
  }
  return out;
}

/** Removes one owner entry by its exact name; false when it was already gone. */
export function removeEntry(lockDir: string, name: string): boolean {
  try {
    unlinkSync(`${lockDir}/${name}`);
    return true;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Removes the lock directory if it is empty; a new holder's non-empty directory stays. */
export function removeIfEmpty(lockDir: string): void {
  try {
    rmdirSync(lockDir);
  } catch {
    /* ENOTEMPTY: someone holds it again; ENOENT: already gone */
  }
}

/** Whether our entry is still in place (the lock is still ours). */
export function entryPresent(lockDir: string, token: string): boolean {
  try {
    return lstatSync(`${lockDir}/${OWNER_PREFIX}${token}`).isFile();
  } catch {
    return false;
  }
}

/** Marks our entry as refreshed now (its mtime is the holder's sign of life). */
export function touchEntry(lockDir: string, token: string): void {
  try {
    const now = new Date();
    utimesSync(`${lockDir}/${OWNER_PREFIX}${token}`, now, now);
  } catch {
    /* gone: entryPresent reports it before any commit */
  }
}
