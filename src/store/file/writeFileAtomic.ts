/**
 * Replaces a store file atomically: write a temporary file beside it, fsync it, rename it over the
 * target. A reader sees the old file or the new one, never a mix; a crash leaves at most a
 * temporary file, which the next locker of the target sweeps (Store.scanForOrphans).
 *
 * This was write-file-atomic. It is our own because every CLI call writes at least one file, and
 * that package costs each call about 5 ms before its first write: it loads node:crypto (for a
 * sha1 temp name) and node:worker_threads (for the thread id), and per write adds realpath, stat,
 * chown and a second open. None of those buys anything here: the store follows no symlinks (a
 * rename replaces a planted link rather than writing through it), and the mode comes from the
 * umask like any other file the user's processes create (0644 under umask 022, 0600 under 077).
 */
import { close, fsync, open, rename, unlink, writeAll } from '../../fsAsync.js';

export interface AtomicWriteOptions {
  /** fsync the temporary file before the rename (power-loss safety). */
  fsync: boolean;
  /** Called when the temporary file is complete, just before the rename (fault-injection tests). */
  beforeRename?: () => void;
}

/**
 * `<target>.<pid hex><8 random hex>`, the form storeFiles.tempFileTarget recognises and
 * tempFileWriter reads the pid back from. The pid keeps live processes apart; the random part
 * keeps threads of one process, and a dead process whose pid came back, apart. O_EXCL (below)
 * makes a clash an error rather than a shared file.
 */
function tempName(path: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return `${path}.${process.pid.toString(16)}${rand}`;
}

export async function writeFileAtomic(path: string, data: Uint8Array, opts: AtomicWriteOptions): Promise<void> {
  let tmp = tempName(path);
  let fd: number | undefined;
  try {
    try {
      fd = await open(tmp, 'wx', 0o666);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      tmp = tempName(path);
      fd = await open(tmp, 'wx', 0o666);
    }
    // Every byte, or an error (ENOSPC): a full disk never renames a truncated file over good data.
    await writeAll(fd, data);
    if (opts.fsync) await fsync(fd);
    const closing = fd;
    fd = undefined;
    await close(closing);
    opts.beforeRename?.();
    await rename(tmp, path);
  } catch (err) {
    if (fd !== undefined) await close(fd).catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
