// @ts-check
/** Pure statistics over raw samples: percentiles, Mann-Whitney U, a bootstrap CI, and for paired samples the Wilcoxon signed-rank test and a trimmed-mean change with its CI. No I/O. */

/** @param {ArrayLike<number>} xs */
export function sorted(xs) {
  return Float64Array.from(xs).sort();
}

/**
 * Linear-interpolated percentile (p in 0..100) of raw samples; null for no samples.
 * @param {ArrayLike<number>} xs
 * @param {number} p
 * @returns {number | null}
 */
export function percentile(xs, p) {
  if (!xs.length) return null;
  const s = sorted(xs);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** @param {ArrayLike<number>} xs */
export const median = (xs) => percentile(xs, 50);
/** @param {number[]} xs */
export const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * @param {number[]} xs
 * @returns {import('../types.js').Summary}
 */
export function summarize(xs) {
  return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), mean: mean(xs), min: xs.length ? Math.min(...xs) : null, max: xs.length ? Math.max(...xs) : null };
}

/**
 * Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf).
 * @param {number} z
 */
function normCdf(z) {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/**
 * Two-sided Mann-Whitney U test (normal approximation with tie correction and continuity
 * correction). Returns p = 1 when either side has fewer than 3 samples: too few to say anything.
 * @param {number[]} a
 * @param {number[]} b
 * @returns {{ u: number | null, z: number | null, p: number }}
 */
export function mannWhitneyU(a, b) {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 < 3 || n2 < 3) return { u: null, z: null, p: 1 };
  /** @type {[number, 0 | 1][]} */
  const all = [...a.map((v) => /** @type {[number, 0]} */ ([v, 0])), ...b.map((v) => /** @type {[number, 1]} */ ([v, 1]))].sort((x, y) => x[0] - y[0]);
  /** @type {number[]} */
  const ranks = new Array(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1][0] === all[i][0]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let r1 = 0;
  for (let k = 0; k < all.length; k++) if (all[k][1] === 0) r1 += ranks[k];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u: u1, z: 0, p: 1 };
  const z = (Math.abs(u1 - mu) - 0.5) / sigma;
  return { u: u1, z: Math.sign(u1 - mu) * Math.max(z, 0), p: Math.min(1, 2 * (1 - normCdf(Math.max(z, 0)))) };
}

/**
 * Small seeded PRNG (mulberry32) so bootstrap intervals are reproducible.
 * @param {number} [seed]
 * @returns {() => number}
 */
export function rng(seed = 0x5eed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Bootstrap 95% CI of median(b)/median(a) - 1, as a percent change.
 * @param {number[]} a
 * @param {number[]} b
 * @returns {[number, number] | null}
 */
export function bootstrapChangeCI(a, b, iterations = 1000, seed = 1) {
  if (a.length < 3 || b.length < 3) return null;
  const rand = rng(seed);
  /** @param {number[]} xs */
  const draw = (xs) => {
    /** @type {number[]} */
    const s = new Array(xs.length);
    for (let i = 0; i < xs.length; i++) s[i] = xs[Math.floor(rand() * xs.length)];
    return median(s);
  };
  /** @type {number[]} */
  const out = [];
  for (let i = 0; i < iterations; i++) {
    // Both draws hold at least 3 samples, so their medians are numbers.
    const ma = /** @type {number} */ (draw(a));
    if (ma !== 0) out.push((/** @type {number} */ (draw(b)) / ma - 1) * 100);
  }
  return out.length ? [/** @type {number} */ (percentile(out, 2.5)), /** @type {number} */ (percentile(out, 97.5))] : null;
}

/**
 * Two-sided Wilcoxon signed-rank test of "the paired differences are centred on 0" (normal
 * approximation with tie and continuity corrections; zero differences are dropped, as Wilcoxon
 * did). Returns p = 1 with fewer than 6 non-zero differences: too few to say anything.
 * @param {number[]} d paired differences (e.g. log(current/baseline) per round)
 * @returns {{ w: number | null, z: number | null, p: number, n: number }}
 */
export function wilcoxonSignedRank(d) {
  const nz = d.filter((x) => x !== 0 && Number.isFinite(x)).sort((x, y) => Math.abs(x) - Math.abs(y));
  const n = nz.length;
  if (n < 6) return { w: null, z: null, p: 1, n };
  let wPlus = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && Math.abs(nz[j + 1]) === Math.abs(nz[i])) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (nz[k] > 0) wPlus += r;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const mu = (n * (n + 1)) / 4;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sigma === 0) return { w: wPlus, z: 0, p: 1, n };
  const z = Math.max(Math.abs(wPlus - mu) - 0.5, 0) / sigma;
  return { w: wPlus, z: Math.sign(wPlus - mu) * z, p: Math.min(1, 2 * (1 - normCdf(z))), n };
}

/**
 * Mean of the middle of the samples: `trim` (0..0.5) of them cut from each end. Robust like the
 * median against the odd stalled round, and about as precise as the mean otherwise.
 * @param {ArrayLike<number>} xs
 * @returns {number | null}
 */
export function trimmedMean(xs, trim = 0.2) {
  if (!xs.length) return null;
  const s = sorted(xs);
  const cut = Math.min(Math.floor(s.length * trim), Math.floor((s.length - 1) / 2));
  let sum = 0;
  for (let i = cut; i < s.length - cut; i++) sum += s[i];
  return sum / (s.length - 2 * cut);
}

/**
 * Paired comparison of per-round ratios current/baseline (both measured in the same round, so
 * load shared by the pair cancels): the change as a percent (20%-trimmed mean of the log-ratios,
 * back-transformed), a bootstrap 95% CI of it, and the signed-rank test's p on the log-ratios.
 * @param {number[]} ratios current/baseline per round (positive)
 * @returns {{ n: number, change_pct: number | null, ci95_change_pct: [number, number] | null, p_value: number, median_ratio: number | null }}
 */
export function pairedChange(ratios, iterations = 2000, seed = 1) {
  const logs = ratios.filter((r) => r > 0 && Number.isFinite(r)).map(Math.log);
  const n = logs.length;
  const est = trimmedMean(logs);
  const toPct = (/** @type {number} */ l) => (Math.exp(l) - 1) * 100;
  const medianRatio = median(ratios);
  if (est === null) return { n, change_pct: null, ci95_change_pct: null, p_value: 1, median_ratio: medianRatio };
  /** @type {[number, number] | null} */
  let ci = null;
  if (n >= 3) {
    const rand = rng(seed);
    const boot = new Float64Array(iterations);
    const draw = new Float64Array(n);
    for (let i = 0; i < iterations; i++) {
      for (let k = 0; k < n; k++) draw[k] = logs[Math.floor(rand() * n)];
      boot[i] = /** @type {number} */ (trimmedMean(draw));
    }
    ci = [toPct(/** @type {number} */ (percentile(boot, 2.5))), toPct(/** @type {number} */ (percentile(boot, 97.5)))];
  }
  return { n, change_pct: toPct(est), ci95_change_pct: ci, p_value: wilcoxonSignedRank(logs).p, median_ratio: medianRatio };
}
