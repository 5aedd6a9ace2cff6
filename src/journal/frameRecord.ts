/**
 * Record framing of the journal. One record is one line:
 *
 *   SW1 <payload bytes, 8 hex> <crc32 of payload, 8 hex> <payload: one-line JSON>\n
 *
 * The payload is JSON.stringify output, so it never holds a raw newline. A reader accepts a
 * record only when magic, length, checksum and the closing newline all agree; anything else is a
 * torn or corrupt region, skipped by searching for the next magic (a false magic inside a payload
 * cannot pass the checksum and closing-newline test).
 */
import { crc32 } from './crc32.js';

export const FRAME_MAGIC = 'SW1 ';
const MAGIC = Buffer.from(FRAME_MAGIC, 'latin1');
const HEADER_BYTES = 4 + 8 + 1 + 8 + 1; // magic, len, space, crc, space

export function encodeFrame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const header = `${FRAME_MAGIC}${payload.length.toString(16).padStart(8, '0')} ${crc32(payload).toString(16).padStart(8, '0')} `;
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length + 1);
  out.write(header, 0, 'latin1');
  payload.copy(out, HEADER_BYTES);
  out[out.length - 1] = 0x0a;
  return out;
}

export interface DecodedFrame {
  /** Byte offset of the frame in the file. */
  offset: number;
  /** Offset just past the frame. */
  end: number;
  payload: Buffer;
}

/** A skipped region. `torn`: it runs to the end of the data (an unfinished append); `corrupt`: valid records follow it. */
export interface BadRegion {
  offset: number;
  bytes: number;
  kind: 'torn' | 'corrupt';
}

const HEX8 = /^[0-9a-f]{8}$/;

function frameAt(buf: Buffer, p: number): DecodedFrame | null {
  if (buf.length - p < HEADER_BYTES + 1) return null;
  if (buf[p] !== 0x53 || buf[p + 1] !== 0x57 || buf[p + 2] !== 0x31 || buf[p + 3] !== 0x20) return null;
  const lenHex = buf.toString('latin1', p + 4, p + 12);
  const crcHex = buf.toString('latin1', p + 13, p + 21);
  if (buf[p + 12] !== 0x20 || buf[p + 21] !== 0x20 || !HEX8.test(lenHex) || !HEX8.test(crcHex)) return null;
  const len = parseInt(lenHex, 16);
  const start = p + HEADER_BYTES;
  const end = start + len + 1;
  if (end > buf.length || buf[end - 1] !== 0x0a) return null;
  if (crc32(buf, start, start + len) !== parseInt(crcHex, 16)) return null;
  return { offset: p, end, payload: buf.subarray(start, start + len) };
}

/**
 * Splits `buf` into frames and bad regions. `base` is added to every offset (the file offset of
 * buf[0]) so that callers reading a file from the middle report file offsets.
 */
export function decodeFrames(buf: Buffer, base = 0): { frames: DecodedFrame[]; bad: BadRegion[] } {
  const frames: DecodedFrame[] = [];
  const bad: BadRegion[] = [];
  let p = 0;
  while (p < buf.length) {
    const f = frameAt(buf, p);
    if (f) {
      frames.push({ ...f, offset: f.offset + base, end: f.end + base });
      p = f.end;
      continue;
    }
    // Resynchronise: the next magic at which a whole valid frame starts.
    let q = p + 1;
    for (;;) {
      q = buf.indexOf(MAGIC, q);
      if (q < 0 || frameAt(buf, q)) break;
      q++;
    }
    const stop = q < 0 ? buf.length : q;
    bad.push({ offset: p + base, bytes: stop - p, kind: q < 0 ? 'torn' : 'corrupt' });
    p = stop;
  }
  return { frames, bad };
}
