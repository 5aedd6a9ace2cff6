import { readFileBytes } from '../fsAsync.js';
import { decodeFrames, type BadRegion } from './frameRecord.js';
import type { JournalFile } from './listJournalFiles.js';

export interface JournalRecord {
  /** Offset of the frame in the (decompressed) file. */
  offset: number;
  end: number;
  value: unknown;
}

export interface FileContent {
  file: JournalFile;
  records: JournalRecord[];
  bad: BadRegion[];
  /** Decompressed length. */
  length: number;
}

let pakoPromise: Promise<typeof import('pako')> | undefined;
/** pako is loaded only when a compressed segment is actually read or written. */
export function loadPako(): Promise<typeof import('pako')> {
  return (pakoPromise ??= import('pako'));
}

/** The (decompressed) bytes of one journal file, and where they were read from. */
export async function readJournalBytes(file: JournalFile): Promise<{ data: Buffer; path: string; compressed: boolean }> {
  let path = file.path;
  let compressed = file.compressed;
  let raw: Buffer;
  try {
    raw = await readFileBytes(path);
  } catch (err) {
    // Compressed between listing and reading.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || compressed || file.live) throw err;
    path = `${path}.gz`;
    compressed = true;
    raw = await readFileBytes(path);
  }
  return { data: compressed ? Buffer.from((await loadPako()).ungzip(raw)) : raw, path, compressed };
}

/** Reads one journal file (gunzipping segments) and decodes its records from `fromOffset`. */
export async function readJournalFile(file: JournalFile, fromOffset = 0): Promise<FileContent> {
  let got: Awaited<ReturnType<typeof readJournalBytes>>;
  try {
    got = await readJournalBytes(file);
  } catch (err) {
    // A damaged gzip (truncated, garbled) is one bad region: its records are lost to readers,
    // but the rest of the journal stays readable, and verify reports it.
    if ((err as NodeJS.ErrnoException).code !== undefined && (err as NodeJS.ErrnoException).code !== 'Z_DATA_ERROR') throw err;
    return { file, records: [], bad: [{ offset: 0, bytes: file.size, kind: 'corrupt' }], length: 0 };
  }
  const { data, path, compressed } = got;
  const slice = fromOffset > 0 ? data.subarray(fromOffset) : data;
  const { frames, bad } = decodeFrames(slice, fromOffset);
  const records: JournalRecord[] = [];
  for (const f of frames) {
    try {
      records.push({ offset: f.offset, end: f.end, value: JSON.parse(f.payload.toString('utf8')) });
    } catch {
      bad.push({ offset: f.offset, bytes: f.end - f.offset, kind: 'corrupt' });
    }
  }
  return { file: { ...file, path, compressed }, records, bad, length: data.length };
}
