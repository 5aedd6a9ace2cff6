// @ts-check
/**
 * Child process: sequential claim/progress/complete rounds through the library (and add/claim-next
 * with `queue`); prints samples. With `calibrate`, each operation is preceded by a calibration run
 * (bench/lib/calibration.mjs) whose time is kept beside it. With two `sides` (two builds, or one
 * build under two configurations), both run every step of every round back to back, in ABBA
 * order (A B, B A, A B, ...), so sample i of each side comes from the same moment.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { calibrateLibrary } from '../lib/calibration.mjs';

/** @typedef {{ library: string, dir: string, overrides?: Record<string, unknown> }} Side */
/** @type {{ sides: Side[], rounds: number, queue: boolean, calibrate?: boolean, warmup?: number }} */
const spec = JSON.parse(process.argv[2]);
const OPS = ['claim', 'progress', 'complete', ...(spec.queue ? ['add', 'claim-next'] : [])];
const newSamples = () => /** @type {Record<string, number[]>} */ (Object.fromEntries(OPS.map((op) => [op, []])));
/** @type {import('../../src/index.js').Coordinator[]} */
const coords = [];
for (const [i, side] of spec.sides.entries()) {
  const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(pathToFileURL(side.library).href));
  const where = /^postgres(ql)?:\/\//.test(side.dir) ? { storeUrl: side.dir } : { dir: side.dir };
  coords.push(await Coordinator.open({ ...where, agentId: `bench_library_${i}`, ...(side.overrides ?? {}) }));
}
const samples = spec.sides.map(newSamples);
const calibration = spec.calibrate ? newSamples() : null;
const calDir = join(spec.sides[0].dir.startsWith('postgres') ? process.cwd() : spec.sides[0].dir, 'calibration');
if (calibration) mkdirSync(calDir, { recursive: true });
let keep = true;

/**
 * @template T
 * @param {number} side
 * @param {string} op
 * @param {() => Promise<T>} fn
 */
const time = async (side, op, fn) => {
  const c = calibration ? await calibrateLibrary(calDir) : 0;
  const t = performance.now();
  const v = await fn();
  const ms = performance.now() - t;
  if (keep) {
    samples[side][op].push(ms);
    calibration?.[op].push(c);
  }
  return v;
};

/**
 * One round's steps; each runs for one side, with that side's state (the items it works on).
 * @type {[string, (side: number, r: number, st: Record<string, any>) => Promise<void>][]}
 */
const STEPS = [
  ['claim', async (side, r, st) => {
    st.item = await time(side, 'claim', () => coords[side].claim({ workType: 'benchmark', description: `library ${r}`, priority: 'medium', team: 'bench_team' }));
  }],
  ['progress', async (side, _r, st) => void (await time(side, 'progress', () => coords[side].progress(st.item.work_item_id, 50, 'in_progress')))],
  ['complete', async (side, _r, st) => void (await time(side, 'complete', () => coords[side].complete(st.item.work_item_id, { result: 'success', velocityPoints: 3 })))],
  // One item through the work queue: nothing else is queued, so claim-next takes this one.
  ['add', async (side, r, st) => {
    st.added = await time(side, 'add', () => coords[side].add({ workType: 'benchmark', description: `library queue ${r}`, priority: 'medium', team: 'bench_team' }));
  }],
  ['claim-next', async (side, _r, st) => {
    const next = await time(side, 'claim-next', () => coords[side].claimNext());
    if (next.work_item_id !== st.added.work_item_id) throw new Error(`claim-next took ${next.work_item_id}, not ${st.added.work_item_id}`);
    await coords[side].complete(next.work_item_id, { result: 'success', velocityPoints: 1 });
  }],
];

const warmup = spec.warmup ?? 0;
const states = spec.sides.map(() => ({}));
let flip = false;
for (let r = -warmup; r < spec.rounds; r++) {
  keep = r >= 0;
  // With two sides, each step runs on both back to back, the order flipping every step (ABBA), so
  // each pair of samples is as close in time as it can be.
  for (const [op, step] of STEPS) {
    if (!OPS.includes(op)) continue;
    const order = spec.sides.map((_, i) => i);
    if ((flip = !flip)) order.reverse();
    for (const side of order) await step(side, r, states[side]);
  }
}
for (const c of coords) await c.close();
process.stdout.write(JSON.stringify({ samples: spec.sides.length === 1 ? samples[0] : samples, calibration, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
