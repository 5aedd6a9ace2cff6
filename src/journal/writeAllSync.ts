import { writeSync } from 'node:fs';

/** Writes all of `data` to `fd`, looping over short writes; a write that makes no progress is ENOSPC. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) {
    const n = writeSync(fd, data, done, data.length - done);
    if (n === 0) throw Object.assign(new Error('no space left for write'), { code: 'ENOSPC' });
    done += n;
  }
}
