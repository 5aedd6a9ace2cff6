/**
 * Writes CLI output straight to file descriptor 1 or 2 with write(2).
 *
 * process.stdout and process.stderr are built on first use, and when they are pipes (as for every
 * agent that reads our output) that loads net and the stream modules: about 3 ms per call, more
 * than writing the few bytes a command prints. Node writes to pipes, files and terminals
 * synchronously on Linux anyway, so a direct write keeps the same order and completeness.
 *
 * A non-blocking descriptor that is full (EAGAIN) goes through the stream from then on, which
 * waits for room (and keeps the order). Any other failure (a full disk, /dev/full, EIO, a reader
 * that went away: EPIPE) throws IO_ERROR with `details.output`: a command whose answer could not
 * be written has failed, and the commands that hand out a claim give it back (deliverOutput.ts).
 */
import { writeSync } from 'node:fs';
import { SwarmError } from '../errors.js';

export function outputError(fd: number, err: unknown): SwarmError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  const why = code === 'EPIPE' ? 'the reader went away' : (err as Error).message;
  return new SwarmError('IO_ERROR', `writing to ${fd === 1 ? 'stdout' : 'stderr'} failed (${why})`, { errno: code, output: true }, { cause: err });
}

export function stdioWriter(fd: 1 | 2): (s: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  let closed = false;
  const viaStream = (data: string | Uint8Array) => {
    if (!stream) {
      stream = fd === 1 ? process.stdout : process.stderr;
      stream.on('error', () => {
        // Late, after the command's result: its exit status must still say so.
        process.exitCode = 11;
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
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return viaStream(buf.subarray(done));
      closed = true; // nothing more goes to a broken descriptor
      throw outputError(fd, err);
    }
  };
}
