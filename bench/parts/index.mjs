// @ts-check
/**
 * The suite's parts, in run order. Each is { name, title, run(ctx) } returning
 * { data, table: {headers, rows} } or { skipped: message }; see docs/benchmarking.md.
 * To add a part: write parts/<name>.mjs and list it here.
 */
import startup from './startup.mjs';
import latency from './latency.mjs';
import throughput from './throughput.mjs';
import connections from './connections.mjs';
import changelog from './changeLog.mjs';
import sweep from './sweep.mjs';
import shards from './shards.mjs';
import scale from './scale.mjs';
import memory from './memory.mjs';
import telemetry from './telemetry.mjs';
import against from './against.mjs';
import claimnext from './claimNext.mjs';
import hotpath from './hotPath.mjs';
import durability from './durability.mjs';
import backends from './backends.mjs';
import reservations from './reservations.mjs';
import detector from './detector.mjs';

/** @type {import('../types.js').BenchPart[]} */
export const PARTS = [startup, latency, throughput, connections, changelog, sweep, shards, scale, durability, memory, telemetry, claimnext, hotpath, reservations, detector, backends, against];
