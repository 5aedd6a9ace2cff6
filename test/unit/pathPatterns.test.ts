import { describe, expect, it } from 'vitest';
import type { SwarmError } from '../../src/errors.js';
import { bucketOf, fileMatches, KEY_DEPTH, normalizeFile, normalizePattern, patternKeys, patternsOverlap } from '../../src/model/pathPatterns.js';

const ROOT = '/repo';

/** The SwarmError a call throws (its code and message), or 'OK'. */
function failure(fn: () => unknown): { code: string; message: string } | 'OK' {
  try {
    fn();
  } catch (e) {
    return { code: (e as SwarmError).code, message: (e as Error).message };
  }
  return 'OK';
}
const codeOf = (fn: () => unknown) => {
  const f = failure(fn);
  return f === 'OK' ? f : f.code;
};

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/**
 * Reference matcher for the test patterns: a RegExp over '/' + path. Handles `**` components, `*`,
 * `?` and non-nested braces inside one component (all the random patterns use).
 */
function toRegExp(pattern: string): RegExp {
  const component = (c: string) =>
    [...c].map((ch) => ({ '*': '[^/]*', '?': '[^/]', '{': '(?:', ',': '|', '}': ')' })[ch] ?? ch.replace(/[.+^$()|[\]\\]/g, '\\$&')).join('');
  return new RegExp(`^${pattern.split('/').map((c) => (c === '**' ? '(?:/[^/]+)*' : `/${component(c)}`)).join('')}$`);
}

describe('normalizePattern', () => {
  it.each([
    ['x.ts', '/repo/src', 'src/x.ts'],
    ['../lib/*.ts', '/repo/src', 'lib/*.ts'],
    ['./a/./b', '/repo', 'a/b'],
    ['src//a///b.ts', '/repo', 'src/a/b.ts'],
    ['/repo/src/a.ts', '/repo/src/deep', 'src/a.ts'],
    ['/repo/src/a.ts', '/elsewhere', 'src/a.ts'],
    ['src/store/', '/repo', 'src/store/**'],
    ['store//', '/repo/src', 'src/store/**'],
    ['src/**/', '/repo', 'src/**'],
    ['/repo/', '/repo', '**'],
    ['./', '/repo', '**'],
    ['../', '/repo/src', '**'],
    ['**', '/repo/src', 'src/**'],
    ['a/b/../c', '/repo', 'a/c'],
    ['../repo/x', '/repo', 'x'],
    ['{a,b/c}/x.ts', '/repo/src', 'src/{a,b/c}/x.ts'],
    ['x{,.bak}', '/repo', 'x{,.bak}'],
    ['[x]\\y', '/repo', '[x]\\y'],
  ])('%j in %s -> %j', (input, cwd, want) => expect(normalizePattern(input, ROOT, cwd)).toBe(want));

  it.each([
    ['', '/repo', 'is empty'],
    ['../x', '/repo', 'escapes the repository root'],
    ['../../x', '/repo/src', 'escapes the repository root'],
    ['/etc/passwd', '/repo', 'escapes the repository root'],
    ['/repo2/x', '/repo', 'escapes the repository root'],
    ['a/../../x', '/repo', 'escapes the repository root'],
    ['.', '/repo', 'names the repository root'],
    ['/repo', '/repo/src', 'names the repository root'],
    ['..', '/repo/src', 'names the repository root'],
    ['src/a', '/tmp', 'outside the repository root'],
    ['a\u0000b', '/repo', 'control character'],
    ['a\nb', '/repo', 'control character'],
    ['a\u001bb', '/repo', 'control character'],
    ['a\u007fb', '/repo', 'control character'],
    ['a'.repeat(4097), '/repo', 'longer than 4096 bytes'],
    ['{a,b', '/repo', 'unbalanced braces'],
    ['a}', '/repo', 'unbalanced braces'],
    ['{a,{b,c}', '/repo', 'unbalanced braces'],
    ['{a,b}/../x', '/repo', "'..' after a brace group"],
    ['{,}', '/repo', 'matches no path'],
    ['{/,}', '/repo', 'matches no path'],
    ['{.,a}/x', '/repo', "'.' or '..' component inside braces"],
    ['{..,a}/x', '/repo', "'.' or '..' component inside braces"],
    ['{../x,y}', '/repo', "'.' or '..' component inside braces"],
    ['a/{b/../c,d}', '/repo', "'.' or '..' component inside braces"],
    ['a/{b/./c,d}', '/repo', "'.' or '..' component inside braces"],
  ])('refuses %j in %s (%s)', (input, cwd, why) => {
    const f = failure(() => normalizePattern(input, ROOT, cwd));
    expect(f).not.toBe('OK');
    if (f === 'OK') return;
    expect(f.code).toBe('INVALID_INPUT');
    expect(f.message).toContain(why);
    expect(f.message).toContain(JSON.stringify(input));
  });

  it('refuses a relative pattern from a directory whose name is glob syntax, not an absolute one', () => {
    expect(codeOf(() => normalizePattern('x', ROOT, '/repo/we{ird'))).toBe('INVALID_INPUT');
    expect(normalizePattern('../x', ROOT, '/repo/we{ird')).toBe('x');
    expect(normalizeFile('x', ROOT, '/repo/we{ird')).toBe('we{ird/x');
  });

  it('allows nested braces and up to 64 alternatives in total', () => {
    expect(normalizePattern('{a,{b,c/{d,e}}}/x', ROOT, ROOT)).toBe('{a,{b,c/{d,e}}}/x');
    expect(normalizePattern('{a,b}'.repeat(6), ROOT, ROOT)).toBe('{a,b}'.repeat(6));
    expect(normalizePattern(`{${Array.from({ length: 64 }, (_, i) => `f${i}`).join(',')}}`, ROOT, ROOT)).toMatch(/^\{f0,/);
    for (const p of ['{a,b}'.repeat(7), `{${Array.from({ length: 65 }, (_, i) => `f${i}`).join(',')}}`, '{a,b}/{c,d}/{e,f}/{g,h}/{i,j}/{k,l}/{m,n}']) {
      const f = failure(() => normalizePattern(p, ROOT, ROOT));
      expect(f === 'OK' ? f : [f.code, f.message.includes('too many alternatives')]).toEqual(['INVALID_INPUT', true]);
    }
  });
});

describe('normalizeFile', () => {
  it.each([
    ['a*b', '/repo', 'a*b'],
    ['{x', '/repo/src', 'src/{x'],
    ['./a//b/../c.ts', '/repo', 'a/c.ts'],
    ['/repo/x/y', '/repo', 'x/y'],
    ['**', '/repo', '**'],
  ])('%j in %s -> %j', (input, cwd, want) => expect(normalizeFile(input, ROOT, cwd)).toBe(want));

  it.each([
    ['src/', 'a directory, not a file'],
    ['', 'is empty'],
    ['../x', 'escapes the repository root'],
    ['.', 'names the repository root'],
    ['x\u0000', 'control character'],
    ['x\ty', 'control character'],
  ])('refuses %j (%s)', (input, why) => {
    const f = failure(() => normalizeFile(input, ROOT, ROOT));
    expect(f === 'OK' ? f : [f.code, f.message.includes(why), f.message.includes(JSON.stringify(input))]).toEqual(['INVALID_INPUT', true, true]);
  });
});

describe('patternsOverlap', () => {
  it.each([
    ['src/**', 'src/a/b.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/x/y.md', true],
    ['src/{a,b}/x', 'src/b/*', true],
    ['src/{a,b}/x', 'src/c/*', false],
    ['src/a?/x', 'src/a/x', false],
    ['src/a?/x', 'src/ab/x', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/c', false],
    ['*.ts', '*.js', false],
    ['*a', 'b*', true],
    ['a*', '*b', true],
    ['x*y', '*z', false],
    ['a/*/b', 'a/**', true],
    ['a/*/b', 'a/b', false],
    ['a/**', 'a', true],
    ['**', 'x', true],
    ['**', '**', true],
    ['**', 'a/{b,c}/*.ts', true],
    ['a/*', 'a', false],
    ['*', 'a/b', false],
    ['**/x.ts', 'x.ts', true],
    ['**/x.ts', 'a/b/x.ts', true],
    ['**/x.ts', 'a/b/y.ts', false],
    ['{src,lib/old}/x.ts', 'lib/*/x.ts', true],
    ['{src,lib/old}/x.ts', 'lib/x.ts', false],
    ['x{,.bak}', 'x', true],
    ['x{,.bak}', 'x.bak', true],
    ['x{,.bak}', 'x.b', false],
    ['a**b', 'a/b', false],
    ['a**b', 'ab', true],
    ['a/{,b/}c', 'a/c', true],
    ['a/{,b/}c', 'a/b/c', true],
    ['{a,b/}', 'b/x/y', true],
    ['??', '?', false],
    ['?*', '*?', true],
    ['a?c', 'a*', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['a\\b', 'a\\*', true],
    ['*/**/*', 'x', false],
    ['*/**/*', 'x/y', true],
    ['**/a/**', '**/b/**', true],
    ['a/**/b/**/c', '**/c/**/b/**/a', false],
    ['.git/**', '*/config', true],
    ['é?', 'é😀', true],
    ['?', '😀', true],
    ['{,}', '**', false],
    ['{,/}', '{,a}', false],
  ])('%j vs %j -> %s', (a, b, want) => {
    expect(patternsOverlap(a, b)).toBe(want);
    expect(patternsOverlap(b, a)).toBe(want);
  });

  it.each([
    ['a?b', 'a*b', true],
    ['acb', 'a*b', false],
    ['a*b', 'a*b', true],
    ['axxb', 'a*b', false],
    ['**', '**', true],
    ['*', '**', true],
    ['src/**', 'src/a/b.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['{x,y}/z', 'y/z', true],
    ['{x,y}/z', '{x,y}/z', false],
    ['a/**/b', 'a/b', true],
  ])('pattern %j matches file %j: %s', (p, f, want) => expect(fileMatches(p, f)).toBe(want));

});

describe('randomised cross-checks', () => {
  // Patterns: 1-3 components from COMPONENTS (braces stay inside one component). Brute force:
  // every path of depth 1-4 whose components are strings of length 1-2 over {a,b,c}. That is
  // complete: a component of a shortest common path is needed only where one side has a non-`**`
  // component (else the two `**` absorb it), so its depth is at most 3 when a side has no `**`
  // and at most 2 + 2 when both have one; and each alternative here has at most two non-`*`
  // characters, at most one when it has a `*`, so two components that meet do so in a string of
  // length <= 2 (one side fixes the length, or each side contributes at most one character), whose
  // wildcard-matched characters can be taken from {a,b}.
  const COMPONENTS = ['a', 'b', 'ab', '*', '?', 'a*', '*b', '**', '{a,b*}', 'a{,b}', '{?,ab}'];
  const LETTERS = ['a', 'b', 'c'];
  const NAMES = [...LETTERS, ...LETTERS.flatMap((x) => LETTERS.map((y) => x + y))];
  const PATHS: string[] = [];
  for (let depth = 1, layer = ['']; depth <= 4; depth++) {
    layer = layer.flatMap((head) => NAMES.map((n) => (head ? `${head}/${n}` : n)));
    PATHS.push(...layer);
  }
  const r = rng(20240611);
  const randomPattern = (parts: readonly string[], maxDepth: number) =>
    Array.from({ length: 1 + Math.floor(r() * maxDepth) }, () => pick(r, parts)).join('/');
  const pool = [...new Set(Array.from({ length: 800 }, () => randomPattern(COMPONENTS, 3)))];
  /** The brute-force match set of each pattern, as a bitset over PATHS. */
  const matchSets = new Map(
    pool.map((p) => {
      const re = toRegExp(p);
      const bits = new Uint32Array(Math.ceil(PATHS.length / 32));
      PATHS.forEach((path, k) => {
        if (re.test(`/${path}`)) bits[k >> 5]! |= 1 << (k & 31);
      });
      return [p, bits] as const;
    }),
  );
  const meet = (x: Uint32Array, y: Uint32Array) => x.some((w, k) => (w & y[k]!) !== 0);

  it('patternsOverlap equals brute force on every pair of ~400 random patterns', () => {
    let overlapping = 0;
    let pairs = 0;
    const wrong: string[] = [];
    for (const a of pool) {
      for (const b of pool) {
        const want = meet(matchSets.get(a)!, matchSets.get(b)!);
        if (patternsOverlap(a, b) !== want) wrong.push(`${a} vs ${b}: want ${want}`);
        overlapping += want ? 1 : 0;
        pairs++;
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(pairs).toBeGreaterThan(100_000);
    expect(overlapping).toBeGreaterThan(pairs / 10);
    expect(overlapping).toBeLessThan(pairs * 0.9);
  });

  it('fileMatches equals the reference matcher, also for files named with * and ?', () => {
    const fileNames = [...NAMES, '*', '?', 'a*', '*b', '**', 'a?'];
    const wrong: string[] = [];
    for (const p of pool) {
      const re = toRegExp(p);
      for (let k = 0; k < 40; k++) {
        const file = randomPattern(fileNames, 4);
        if (fileMatches(p, file) !== re.test(`/${file}`)) wrong.push(`${p} ~ ${file}`);
      }
      const hits = PATHS.filter((_, k) => (matchSets.get(p)![k >> 5]! >>> (k & 31)) & 1);
      for (let k = 0; k < 10 && hits.length > 0; k++) {
        const file = pick(r, hits);
        if (!fileMatches(p, file)) wrong.push(`${p} should match ${file}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('overlapping patterns (and matching files) are broad or share a key', () => {
    const keyed = ['src', 'a', 'x{,y}', '{src,a}', '{a,b/c}'];
    const parts = [...keyed, ...keyed, ...keyed, '*', '?', 'a*', '**', '*.ts', '{a,*}'];
    const patterns = [...new Set(Array.from({ length: 3000 }, () => randomPattern(parts, 4)))];
    /** A file the pattern probably matches: braces, `**`, `*` and `?` filled in at random. */
    const instantiate = (p: string) =>
      p
        .replace(/\{([^{}]*)\}/g, (_, body: string) => pick(r, body.split(',')))
        .split('/')
        .flatMap((c) => (c === '**' ? Array.from({ length: Math.floor(r() * 3) }, () => pick(r, ['a', 'zz'])) : [c.replace(/\*/g, () => pick(r, ['', 'q', '*'])).replace(/\?/g, () => pick(r, ['q', '?']))]))
        .filter((c) => c !== '')
        .join('/');
    const files = Array.from({ length: 3000 }, () => randomPattern(['src', 'a', 'b', 'c', 'x', 'xy', 'y.ts', '*', '?'], 4));
    const shares = (x: string[] | null, y: string[] | null) => x === null || y === null || x.some((k) => y.includes(k));
    let checkedPatterns = 0;
    let checkedFiles = 0;
    for (let k = 0; k < 60_000; k++) {
      const a = pick(r, patterns);
      const b = pick(r, patterns);
      const f = (r() < 0.5 && instantiate(a)) || pick(r, files);
      if (patternsOverlap(a, b)) {
        const [ka, kb] = [patternKeys(a), patternKeys(b)];
        expect(shares(ka, kb), `${a} ${JSON.stringify(ka)} vs ${b} ${JSON.stringify(kb)}`).toBe(true);
        if (ka && kb) checkedPatterns++;
      }
      if (fileMatches(a, f)) {
        const [ka, kf] = [patternKeys(a), patternKeys(f, true)];
        expect(shares(ka, kf), `${a} ${JSON.stringify(ka)} vs file ${f} ${JSON.stringify(kf)}`).toBe(true);
        if (ka) checkedFiles++;
      }
    }
    expect(checkedPatterns).toBeGreaterThan(500);
    expect(checkedFiles).toBeGreaterThan(5000);
  });
});

describe('patternKeys and bucketOf', () => {
  it.each([
    ['src/a/b.ts', false, ['src/a']],
    ['README.md', false, ['README.md']],
    ['src/store/**', false, ['src/store']],
    ['src/*/x', false, null],
    ['src/**', false, null],
    ['**/*.md', false, null],
    ['{src,lib}/a/*.ts', false, ['lib/a', 'src/a']],
    ['{src/a/*,docs}', false, ['docs', 'src/a']],
    ['{src/a/*,docs/*}', false, null],
    ['a*b/c', true, ['a*b/c']],
    ['x/y/z', true, ['x/y']],
  ])('%j (literal %s) -> %j', (p, literal, want) => expect(patternKeys(p, literal)).toEqual(want));

  it('KEY_DEPTH is 2', () => expect(KEY_DEPTH).toBe(2));

  it('hashes UTF-8 bytes with FNV-1a 32-bit', () => {
    expect(bucketOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(bucketOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(bucketOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    let h = 0x811c9dc5;
    for (const byte of new TextEncoder().encode('src/é😀')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    expect(bucketOf('src/é😀', 2 ** 32)).toBe(h);
    expect(bucketOf('src/é😀', 64)).toBe(h % 64);
    expect(codeOf(() => bucketOf('x', 0))).toBe('INVALID_INPUT');
    expect(codeOf(() => bucketOf('x', 1.5))).toBe('INVALID_INPUT');
  });
});

describe('limits found by the adversary (issue 9)', () => {
  it('a pair too costly to decide counts as a conflict instead of holding the table lock for seconds', () => {
    // '*x'x100 and '*y'x100 cannot match one path (one ends in x, the other in y), but deciding it
    // exactly for 64 x 64 alternatives would take seconds: past OVERLAP_BUDGET steps it is a conflict.
    const a = `${'*x'.repeat(100)}{1,2,3,4,5,6,7,8}{1,2,3,4,5,6,7,8}`;
    const b = `${'*y'.repeat(100)}{1,2,3,4,5,6,7,8}{1,2,3,4,5,6,7,8}`;
    expect(patternsOverlap(a, b)).toBe(true);
    // Small patterns of the same shape are still decided exactly.
    expect(patternsOverlap('*x*x', '*y*y')).toBe(false);
  });

  it.each([['C1 NEL', 'src/a\u0085b'], ['C1 CSI', 'src/a\u009bb'], ['bidi override', 'src/a\u202eb'], ['line separator', 'src/a\u2028b'], ['isolate', 'a\u2066b']])('refuses %s', (_name, input) => {
    expect(() => normalizePattern(input, '/r', '/r')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => normalizeFile(input, '/r', '/r')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
