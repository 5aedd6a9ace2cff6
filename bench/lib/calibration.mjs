// @ts-check
/**
 * The calibration workloads each measured round is paired with, run alternately with it in the
 * same process and moment, so the ratio measured/calibration cancels how busy the machine was:
 * `node -e 0` for CLI calls (a process start), and for library operations a fixed piece of the
 * same kinds of work a file-store operation does: take and drop a lock as the store does, read a
 * store-sized file, a fixed CPU loop (JSON in and out), write a new one, fsync it and rename it
 * into place.
 * None of it calls swarmfile, so a change of swarmfile's code never moves the calibration.
 */
import { closeSync, mkdirSync, openSync, promises as fs, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats.mjs';

/** A fixed document of the shape of a store file holding about 100 work items (~16 KiB of JSON). */
const DOC = { items: Array.from({ length: 96 }, (_, i) => ({ work_item_id: `work_${i}`, description: `calibration item ${i}`, status: 'active', progress: i % 100, team: 'bench_team', claimed_at: '2024-01-01T00:00:00.000Z' })) };
const PAYLOAD = Buffer.from(JSON.stringify(DOC));
/** Bytes written per calibration: a small store's file. */
export const CALIBRATION_BYTES = PAYLOAD.length;
const CPU_ROUNDS = 4;
const INTENT = Buffer.from(JSON.stringify({ op: 'calibration', files: ['calibration.json'] }));

/** The argv of the CLI calibration: a Node process doing nothing. */
export const NODE_BASELINE = [process.execPath, '-e', '0'];

/**
 * One library calibration in `dir` (which must exist); resolves to its wall time in ms. Shaped like
 * a file-store operation: a lock taken as the store takes one (a prepared directory with an owner
 * entry, renamed into place) and dropped, the store file read and parsed, a new one written,
 * fsynced and renamed over it, with the same mix of synchronous calls and awaited ones, so a
 * machine busy with CPU or with fsyncs slows it as it slows the operations.
 * @param {string} dir
 */
export async function calibrateLibrary(dir) {
  const t0 = performance.now();
  const prepared = join(dir, 'calibration.lock.new');
  const lock = join(dir, 'calibration.lock');
  mkdirSync(prepared);
  const owner = openSync(join(prepared, 'owner.1'), 'wx');
  writeSync(owner, String(process.pid));
  closeSync(owner);
  renameSync(prepared, lock);
  const file = join(dir, 'calibration.json');
  const text = await fs.readFile(file, 'utf8').catch(() => PAYLOAD.toString());
  let doc = JSON.parse(text);
  for (let i = 0; i < CPU_ROUNDS; i++) doc = JSON.parse(JSON.stringify(doc));
  // An intent, the data file, the intent's removal: the pattern of a store commit (2 to 6 fsyncs).
  await writeSynced(join(dir, 'calibration.intent'), INTENT);
  await writeSynced(file, PAYLOAD);
  await writeSynced(join(dir, 'calibration.index'), INTENT);
  await fs.unlink(join(dir, 'calibration.intent'));
  unlinkSync(join(lock, 'owner.1'));
  rmdirSync(lock);
  if (doc.items.length !== DOC.items.length) throw new Error('calibration: the CPU loop lost items');
  return performance.now() - t0;
}

/**
 * Writes `buf` to a temporary file, fsyncs it and renames it to `path`.
 * @param {string} path
 * @param {Buffer} buf
 */
async function writeSynced(path, buf) {
  const out = await fs.open(`${path}.tmp`, 'w');
  await out.write(buf);
  await out.sync();
  await out.close();
  await fs.rename(`${path}.tmp`, path);
}

/**
 * Each round's calibration: the median of the calibration runs made in that round (one before each
 * operation), steadier than any single run.
 * @param {Record<string, number[]>} calibration per operation, sample i = round i
 * @returns {number[]}
 */
export function roundCalibration(calibration) {
  const byOp = Object.values(calibration);
  const rounds = Math.min(...byOp.map((xs) => xs.length));
  return Array.from({ length: rounds }, (_, i) => /** @type {number} */ (median(byOp.map((xs) => xs[i]))));
}

/**
 * Per-round ratios measured/calibration, pairing sample i with round i's calibration.
 * @param {number[]} measured
 * @param {number[]} calibration
 */
export function calibratedRatios(measured, calibration) {
  if (measured.length !== calibration.length) throw new Error(`${measured.length} samples but ${calibration.length} calibrations`);
  return measured.map((v, i) => v / calibration[i]);
}
