/**
 * Writes CLI output straight to file descriptor 1 or 2 with write(2).
 *
 * process.stdout and process.stderr are built on first use, and when they are pipes (as for every
 * agent that reads our output) that loads net and the stream modules: about 3 ms per call, more
 * than writing the few bytes a command prints. Node writes to pipes, files and terminals
 * synchronously on Linux anyway, so a direct write keeps the same order and completeness.
 *
 * Two cases still go through the stream, from then on for the rest of the call so that output
 * never reorders: a non-blocking descriptor that is full (EAGAIN), where the stream waits for
 * room, and any other write error than EPIPE. EPIPE (the reader went away, `| head`) is the
 * reader's choice, not our failure: the rest of that output is dropped.
 */
import { writeSync } from 'node:fs';

export function stdioWriter(fd: 1 | 2): (s: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  let closed = false;
  const viaStream = (data: string | Uint8Array) => {
    if (!stream) {
      stream = fd === 1 ? process.stdout : process.stderr;
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
    stream.write(data);
  };
  return (s) => {
    if (closed) return;
    if (stream) return viaStream(s);
    const buf = Buffer.from(s, 'utf8');
    let done = 0;
    try {
      while (done < buf.length) {
        const n = writeSync(fd, buf, done, buf.length - done);
        if (n === 0) return viaStream(buf.subarray(done)); // no progress: let the stream wait
        done += n;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') closed = true;
      else viaStream(buf.subarray(done));
    }
  };
}
