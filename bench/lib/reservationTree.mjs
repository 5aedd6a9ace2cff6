// @ts-check
/**
 * The repository tree of the `reservations` part (bench/parts/reservations.mjs): which paths the
 * seeded claims reserve, the fresh path a measured reserve takes, and the files a measured
 * check-paths asks about. PACKAGES packages, `pkg<i>/src/mod<j>/file<k>.ts`: claim c works in
 * package c % PACKAGES, module floor(c / PACKAGES), and reserves its files 0..k. Every 100th claim
 * also holds a broad glob (docs/*.md, tools/**, ...): the index keeps those in its root file, which
 * every check reads. The globs are disjoint from each other and from every .ts path below pkg*.
 */

export const PACKAGES = 100;

export const BROAD_GLOBS = ['docs/*.md', 'tools/**', 'config/*.{json,yaml}', 'scripts/*.sh', '*.md', 'assets/**', '.github/**', 'pkg*/README.md', 'pkg*/package.json', 'vendor/*/LICENSE'];

/**
 * The paths claim `c` reserves: `count` files of its module, the last one a broad glob for every
 * 100th claim.
 * @param {number} c
 * @param {number} count
 * @returns {string[]}
 */
export function seedPaths(c, count) {
  const dir = `pkg${c % PACKAGES}/src/mod${Math.floor(c / PACKAGES)}`;
  const paths = Array.from({ length: count }, (_, k) => `${dir}/file${k}.ts`);
  if (c % 100 === 0 && count > 1) paths[count - 1] = BROAD_GLOBS[(c / 100) % BROAD_GLOBS.length];
  return paths;
}

/**
 * A literal path nobody holds, in a package the large store has reservations in (so its index
 * bucket is a busy one there): round `r`'s reserve.
 * @param {string} via 'lib' or 'cli'
 * @param {number} r
 */
export const freshPath = (via, r) => `pkg${(r * 37 + 11) % PACKAGES}/src/mod${r % 10}/fresh_${via}_${r}.ts`;

/**
 * Round `r`'s check-paths: 5 files beside reserved ones (same packages and modules, so their
 * buckets hold rows), none of them reserved: the answer is "no conflict" on every store.
 * @param {number} r
 * @returns {string[]}
 */
export const checkFiles = (r) => Array.from({ length: 5 }, (_, j) => `pkg${(r * 13 + j * 23) % PACKAGES}/src/mod${(r + j) % 10}/other${j}.ts`);
