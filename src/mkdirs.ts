/**
 * Creates a directory and its missing parents, and always ends. Node's own `mkdir -p`
 * (recursive: true) spins forever at 100% CPU when a parent exists but refuses children with
 * ENOENT (`/proc/nope`) or when the working directory was removed (a deleted worktree): it keeps
 * retrying the parent. Here each missing component is made once, from the deepest existing
 * ancestor down, and any refusal is thrown with its path.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function mkdirs(path: string): void {
  const target = resolve(path); // throws ENOENT (uv_cwd) when the working directory is gone
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if (statSync(p).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
