/**
 * The promise-returning file calls of the store, its locks and the journal reader.
 *
 * Made from node:fs's callback API with util.promisify, not taken from fs.promises: that does the
 * same work through the same thread pool, but loading it (node:fs/promises pulls in file watchers,
 * readline and directory streams) costs every CLI call about 1.2 ms before its first file
 * operation. File descriptors stand in for FileHandle, which only fs.promises provides.
 *
 * Blocking mode (useBlockingIo, set by the CLI's main) runs each call synchronously instead and
 * returns a settled promise. A CLI process performs one operation and has nothing to overlap its
 * I/O with, while each thread-pool round trip costs it ~0.1 ms (a claim makes about twenty, a
 * complete about forty): 2-4 ms per call. The calls, their order and their results are the same
 * either way; only the waiting differs. fsync is the exception and stays asynchronous (see
 * below), so the lock refresher can run while a slow disk flushes. Library users keep the
 * default: their event loop stays free during I/O.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { pulse } from './pulse.js';

let blocking = false;

/** Switches every call of this module (and the lock module's fs) to synchronous I/O. */
export function useBlockingIo(on = true): void {
  blocking = on;
}

export function isBlockingIo(): boolean {
  return blocking;
}

/** `asyncFn` normally; in blocking mode `syncFn`, its result or error delivered as a promise. */
function either<A extends unknown[], R>(asyncFn: (...args: A) => Promise<R>, syncFn: (...args: A) => R): (...args: A) => Promise<R> {
  return (...args) => {
    if (!blocking) return asyncFn(...args);
    pulse();
    try {
      return Promise.resolve(syncFn(...args));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

const p = {
  readFile: promisify(fs.readFile),
  writeFile: promisify(fs.writeFile),
  stat: promisify(fs.stat),
  lstat: promisify(fs.lstat),
  lstatBig: (path: string) => new Promise<fs.BigIntStats>((resolve, reject) => fs.lstat(path, { bigint: true }, (err, st) => (err ? reject(err) : resolve(st)))),
  readlink: promisify(fs.readlink),
  readdir: promisify(fs.readdir),
  mkdir: promisify(fs.mkdir),
  rmdir: promisify(fs.rmdir),
  unlink: promisify(fs.unlink),
  rename: promisify(fs.rename),
  link: promisify(fs.link),
  open: promisify(fs.open),
  close: promisify(fs.close),
  write: promisify(fs.write),
  read: promisify(fs.read),
  fsync: promisify(fs.fsync),
  ftruncate: promisify(fs.ftruncate),
  futimes: promisify(fs.futimes),
  fchmod: promisify(fs.fchmod),
};

export const readFileText = either(
  (path: string) => p.readFile(path, 'utf8'),
  (path: string) => fs.readFileSync(path, 'utf8'),
);
/**
 * A store file's bytes, refusing a symbolic link in its place (ELOOP): the store never follows
 * links, so a link planted there cannot make it read, echo or overwrite another file.
 */
export const readFileNoFollow = either(
  async (path: string) => {
    const fd = await p.open(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      return await p.readFile(fd);
    } finally {
      await p.close(fd);
    }
  },
  (path: string) => {
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
);
export const readFileBytes = either(
  (path: string) => p.readFile(path),
  (path: string) => fs.readFileSync(path),
);
export const writeFile = either(
  (path: string, data: string, opts: fs.WriteFileOptions) => p.writeFile(path, data, opts),
  (path: string, data: string, opts: fs.WriteFileOptions) => fs.writeFileSync(path, data, opts),
);
export const stat = either(
  (path: string) => p.stat(path),
  (path: string) => fs.statSync(path),
);
export const lstat = either(
  (path: string) => p.lstat(path),
  (path: string) => fs.lstatSync(path),
);
/** lstat with nanosecond times and 64-bit inode numbers (to tell one version of a file from the next). */
export const lstatBig = either(
  (path: string) => p.lstatBig(path),
  (path: string) => fs.lstatSync(path, { bigint: true }),
);
export const readlink = either(
  (path: string) => p.readlink(path),
  (path: string) => fs.readlinkSync(path),
);
export const readdir = either(
  (path: string) => p.readdir(path),
  (path: string) => fs.readdirSync(path),
);
export const mkdir = either(
  (path: string, opts?: fs.MakeDirectoryOptions) => p.mkdir(path, opts),
  (path: string, opts?: fs.MakeDirectoryOptions) => fs.mkdirSync(path, opts),
);
export const rmdir = either(
  (path: string) => p.rmdir(path),
  (path: string) => fs.rmdirSync(path),
);
export const unlink = either(
  (path: string) => p.unlink(path),
  (path: string) => fs.unlinkSync(path),
);
export const rename = either(
  (from: string, to: string) => p.rename(from, to),
  (from: string, to: string) => fs.renameSync(from, to),
);
export const link = either(
  (from: string, to: string) => p.link(from, to),
  (from: string, to: string) => fs.linkSync(from, to),
);
export const open = either(
  (path: string, flags: string | number, mode: number) => p.open(path, flags, mode),
  (path: string, flags: string | number, mode: number) => fs.openSync(path, flags, mode),
);
export const fstatSize = either(
  async (fd: number) => (await promisify(fs.fstat)(fd)).size,
  (fd: number) => fs.fstatSync(fd).size,
);
export const close = either(
  (fd: number) => p.close(fd),
  (fd: number) => fs.closeSync(fd),
);
/**
 * Always through the thread pool, in blocking mode too: fsync is the one call that can take long
 * (a busy or stalled disk), and while it waits the event loop must stay free for the lock's
 * timer that refreshes our locks; otherwise a slow fsync could let another process take a lock
 * over as stale while we still write under it.
 */
export const utimes = either(
  (path: string, atime: Date, mtime: Date) => promisify(fs.utimes)(path, atime, mtime),
  (path: string, atime: Date, mtime: Date) => fs.utimesSync(path, atime, mtime),
);
export const fsync = (fd: number): Promise<void> => p.fsync(fd);

/** fsyncs a directory, so that the renames, creates and unlinks in it survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY, 0);
  try {
    await fsync(fd);
  } finally {
    await close(fd);
  }
}
export const futimes = either(
  (fd: number, atime: Date, mtime: Date) => p.futimes(fd, atime, mtime),
  (fd: number, atime: Date, mtime: Date) => fs.futimesSync(fd, atime, mtime),
);
export const ftruncate = either(
  (fd: number, len: number) => p.ftruncate(fd, len),
  (fd: number, len: number) => fs.ftruncateSync(fd, len),
);
export const fchmod = either(
  (fd: number, mode: number) => p.fchmod(fd, mode),
  (fd: number, mode: number) => fs.fchmodSync(fd, mode),
);
const write = either(
  (fd: number, buf: Uint8Array, off: number, len: number, pos: number | null) => p.write(fd, buf, off, len, pos).then((r) => r.bytesWritten),
  (fd: number, buf: Uint8Array, off: number, len: number, pos: number | null) => fs.writeSync(fd, buf, off, len, pos),
);

/** Reads up to `len` bytes at `pos` into `buf`; resolves to the count read (0 at the end). */
export const read = either(
  (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => p.read(fd, buf, off, len, pos).then((r) => r.bytesRead),
  (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => fs.readSync(fd, buf, off, len, pos),
);

/** Writes all of `data` at `position` (advancing), looping over short writes; throws ENOSPC when a write makes no progress. */
export async function writeAll(fd: number, data: Uint8Array, position: number | null = null): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const n = await write(fd, data, done, data.length - done, position === null ? null : position + done);
    if (n === 0) throw Object.assign(new Error('no space left for write'), { code: 'ENOSPC' });
    done += n;
  }
}
