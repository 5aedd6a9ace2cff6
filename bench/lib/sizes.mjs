// @ts-check
/**
 * Workload sizes per profile. `default` keeps a full `make benchmark` within about 10 minutes on
 * a 2-core machine; `quick` is for tests and smoke runs; `large` is for a dedicated machine.
 * Cycle counts shrink with agent count so each run does a similar amount of work.
 */
/**
 * @param {number} total
 * @param {number} min
 * @returns {import('../types.js').PerAgent}
 */
const even = (total, min) => (agents) => Math.max(min, Math.ceil(total / agents));

/** @type {Record<'quick' | 'default' | 'large', import('../types.js').Sizes>} */
export const PROFILES = {
  quick: {
    startupRounds: 6, latencyCliRounds: 8, latencyLibRounds: 50,
    throughputAgents: [1, 8, 32], cliCycles: even(16, 1), libCycles: even(100, 3),
    sweepAgents: [1, 2, 4, 8, 16, 32, 64], sweepCycles: even(16, 1),
    shardCounts: [1, 4, 16, 64], shardAgents: 32, shardCycles: 1,
    scaleSizes: [1000, 10000], scaleRounds: 4, scaleLibRounds: 10,
    memoryRounds: 3, telemetryBlocks: 2, telemetryRoundsPerBlock: 3,
    againstAgents: [8], againstCycles: even(16, 2),
    claimNextAgents: [1, 8, 32], claimNextCliCycles: even(6, 1), claimNextLibCycles: even(40, 2),
    claimNextQueueSizes: [100, 100000], claimNextLibRounds: 30, claimNextCliRounds: 5,
    claimNextWakeWaiters: [4], claimNextWakeReps: 5,
    hotPathAgents: [8, 32], hotPathCycles: even(64, 2), hotPathReps: 1,
    reservationCounts: [10, 2000], reservationPathsPerClaim: 10, reservationSeedAgents: 8, reservationLibRounds: 10, reservationCliRounds: 2,
    detectorSlowRuns: 3, detectorSameRuns: 5, detectorLibRounds: 60,
    connectionsAgents: [1, 8, 32], connectionsCliCycles: even(16, 1), connectionsLibCycles: even(100, 3), connectionsChannelCycles: even(100, 3),
    changeLogAgents: [1, 8], changeLogCycles: even(40, 3), changeLogRounds: 2, followEvents: 20,
  },
  default: {
    startupRounds: 20, latencyCliRounds: 25, latencyLibRounds: 300,
    throughputAgents: [1, 8, 32], cliCycles: even(64, 2), libCycles: even(400, 10),
    sweepAgents: [1, 2, 4, 8, 16, 32, 64], sweepCycles: even(48, 1),
    shardCounts: [1, 4, 16, 64], shardAgents: 32, shardCycles: 3,
    scaleSizes: [1000, 10000, 100000], scaleRounds: 12, scaleLibRounds: 40,
    memoryRounds: 8, telemetryBlocks: 4, telemetryRoundsPerBlock: 5,
    againstAgents: [1, 8, 32], againstCycles: even(32, 2),
    claimNextAgents: [1, 8, 32], claimNextCliCycles: even(24, 1), claimNextLibCycles: even(300, 8),
    claimNextQueueSizes: [100, 100000], claimNextLibRounds: 200, claimNextCliRounds: 25,
    claimNextWakeWaiters: [1, 8], claimNextWakeReps: 20,
    hotPathAgents: [8, 32], hotPathCycles: even(320, 8), hotPathReps: 6,
    reservationCounts: [10, 10000], reservationPathsPerClaim: 10, reservationSeedAgents: 8, reservationLibRounds: 100, reservationCliRounds: 10,
    detectorSlowRuns: 10, detectorSameRuns: 20, detectorLibRounds: 200,
    connectionsAgents: [1, 8, 32], connectionsCliCycles: even(64, 2), connectionsLibCycles: even(400, 10), connectionsChannelCycles: even(400, 10),
    changeLogAgents: [1, 8], changeLogCycles: even(150, 10), changeLogRounds: 4, followEvents: 100,
  },
  large: {
    startupRounds: 60, latencyCliRounds: 80, latencyLibRounds: 2000,
    throughputAgents: [1, 8, 32], cliCycles: even(256, 4), libCycles: even(2000, 20),
    sweepAgents: [1, 2, 4, 8, 16, 32, 64], sweepCycles: even(192, 2),
    shardCounts: [1, 4, 16, 64], shardAgents: 32, shardCycles: 8,
    scaleSizes: [1000, 10000, 100000], scaleRounds: 40, scaleLibRounds: 200,
    memoryRounds: 20, telemetryBlocks: 8, telemetryRoundsPerBlock: 10,
    againstAgents: [1, 8, 32], againstCycles: even(96, 3),
    claimNextAgents: [1, 8, 32], claimNextCliCycles: even(128, 4), claimNextLibCycles: even(2000, 20),
    claimNextQueueSizes: [100, 100000], claimNextLibRounds: 1000, claimNextCliRounds: 80,
    claimNextWakeWaiters: [1, 8, 32], claimNextWakeReps: 40,
    hotPathAgents: [8, 32], hotPathCycles: even(2000, 20), hotPathReps: 5,
    reservationCounts: [10, 10000], reservationPathsPerClaim: 10, reservationSeedAgents: 8, reservationLibRounds: 200, reservationCliRounds: 50,
    detectorSlowRuns: 20, detectorSameRuns: 40, detectorLibRounds: 300,
    connectionsAgents: [1, 8, 32], connectionsCliCycles: even(256, 4), connectionsLibCycles: even(2000, 20), connectionsChannelCycles: even(2000, 20),
    changeLogAgents: [1, 8, 32], changeLogCycles: even(600, 20), changeLogRounds: 6, followEvents: 400,
  },
};

/** @param {string | number} v */
const list = (v) => String(v).split(',').map((x) => Number(x.trim())).filter((n) => Number.isInteger(n) && n > 0);

/**
 * Command-line overrides of a profile, as parseArgs gives them (strings).
 * @typedef {{ rounds?: string, libRounds?: string, cycles?: string, throughputAgents?: string, sweepAgents?: string, shardCounts?: string, shardAgents?: string, scaleSizes?: string, againstAgents?: string }} SizeOverrides
 */

/**
 * The profile, with command-line overrides applied (lists as 1,2,4; counts as integers).
 * @param {string} profile
 * @param {SizeOverrides} [overrides]
 * @returns {import('../types.js').Sizes}
 */
export function resolveSizes(profile, overrides = {}) {
  const base = Object.hasOwn(PROFILES, profile) ? PROFILES[/** @type {keyof typeof PROFILES} */ (profile)] : undefined;
  if (!base) throw new Error(`unknown profile ${profile} (quick | default | large)`);
  const s = { ...base };
  if (overrides.sweepAgents) s.sweepAgents = list(overrides.sweepAgents);
  if (overrides.shardCounts) s.shardCounts = list(overrides.shardCounts);
  if (overrides.scaleSizes) s.scaleSizes = list(overrides.scaleSizes);
  if (overrides.throughputAgents) s.throughputAgents = list(overrides.throughputAgents);
  if (overrides.againstAgents) s.againstAgents = list(overrides.againstAgents);
  if (overrides.shardAgents) s.shardAgents = Number(overrides.shardAgents);
  if (overrides.rounds) s.startupRounds = s.latencyCliRounds = Number(overrides.rounds);
  if (overrides.libRounds) s.latencyLibRounds = Number(overrides.libRounds);
  if (overrides.cycles) {
    const n = Number(overrides.cycles);
    s.cliCycles = s.sweepCycles = s.againstCycles = () => n;
    s.shardCycles = n;
  }
  return s;
}

/**
 * A JSON-friendly copy (cycle functions shown as their value at a few agent counts).
 * @param {import('../types.js').Sizes} s
 */
export function describeSizes(s) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(s)) out[k] = typeof v === 'function' ? Object.fromEntries([1, 8, 32, 64].map((a) => [a, v(a)])) : v;
  return out;
}
