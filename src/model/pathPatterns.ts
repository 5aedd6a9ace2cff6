// Path patterns for reservations: normalising what a user or git gives, deciding exactly whether
// two patterns (or a pattern and a file) can name a common path, and index keys for bucketing.
// (Line comments, not a JSDoc block: the glob syntax below is full of star-slash sequences.)
//
// Glob syntax. A pattern is a `/`-separated path relative to the repository root.
//   - `*` matches any run of characters within one component, including none; it also matches
//     names starting with `.`: `src/*.ts` matches `src/a.ts` and `src/.a.ts`, not `src/a/b.ts`.
//   - `?` matches exactly one character other than `/`: `doc/v?.md` matches `doc/v1.md`.
//   - `**` as a whole component matches zero or more whole components: `src/**` is everything
//     under `src`; `**/x.ts` is `x.ts` at any depth, the root included; `a/**/b` matches `a/b`,
//     `a/x/b` and `a/x/y/b`. Inside a component with other characters (`a**b`) it means `*`.
//   - `{a,b,c}` lists alternatives. Groups may nest, alternatives may contain `/` and may be
//     empty: `{src,lib/old}/x.ts`, `x{,.bak}`. Empty components left by the expansion are
//     dropped (`a/{,b/}c` is `a/c` or `a/b/c`); an alternative ending in `/` covers its tree.
//   - Every other character is literal, `[`, `]` and `\` included: there are no escapes and no
//     character classes. A pattern without `*`, `?` or `{` is a literal path.
//   - A trailing `/` means the directory's whole tree: `src/store/` is `src/store/**`.
//   - Limits: at most 4096 bytes, and at most 64 alternatives after brace expansion.
// A path matched by a pattern has at least one component, and no component is empty.
import { posix } from 'node:path';
import { SwarmError } from '../errors.js';
import { fnv1a } from './shardFor.js';

export const MAX_PATTERN_BYTES = 4096;
export const MAX_ALTERNATIVES = 64;
/** Index keys are the first KEY_DEPTH fixed components of a pattern (see patternKeys). */
export const KEY_DEPTH = 2;

/** One component of a brace-free pattern: null for a whole-component `**`, else its characters. */
type Component = readonly string[] | null;
type Alternative = readonly Component[];

/** Control characters (C0, DEL, C1), line and paragraph separators, and bidirectional overrides: they could disguise a path on a terminal. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function invalid(kind: 'pattern' | 'file', input: string, why: string): SwarmError {
  return new SwarmError('INVALID_INPUT', `path ${kind} ${JSON.stringify(input)} ${why}`, { path: input });
}

/** Refuses empty, over-long, and control-character input. */
function checkText(kind: 'pattern' | 'file', input: string): void {
  if (input === '') throw invalid(kind, input, 'is empty');
  if (CONTROL.test(input)) throw invalid(kind, input, 'contains a control character (U+0000-U+001F, U+007F-U+009F), a line separator or a bidirectional override');
  if (Buffer.byteLength(input, 'utf8') > MAX_PATTERN_BYTES) throw invalid(kind, input, `is longer than ${MAX_PATTERN_BYTES} bytes`);
}

/** Splits at the `/`s outside braces, so a group like `{src,lib/old}` stays one segment. */
function splitOutsideBraces(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth = Math.max(0, depth - 1);
    else if (text[i] === '/' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

const segmentsOf = (dir: string) => dir.split('/').filter((s) => s !== '');
const startsWith = (whole: readonly string[], head: readonly string[]) => head.length <= whole.length && head.every((s, i) => whole[i] === s);

/**
 * The segments of `input` relative to `root`: relative input starts at `cwd` (which must be inside
 * root), `.` and empty segments go, `..` is resolved lexically and must not leave the root.
 */
function relativeSegments(kind: 'pattern' | 'file', input: string, root: string, cwd: string): string[] {
  const glob = kind === 'pattern';
  const rootSegs = segmentsOf(posix.resolve(root));
  const absolute = posix.isAbsolute(input);
  const stack = absolute ? [] : segmentsOf(posix.resolve(cwd));
  if (!absolute && !startsWith(stack, rootSegs)) throw invalid(kind, input, `is relative, but the current directory ${JSON.stringify(cwd)} is outside the repository root ${JSON.stringify(root)}`);
  let fixed = stack.length; // leading segments that name real directories (from cwd), not glob syntax
  for (const seg of glob ? splitOutsideBraces(input) : input.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') {
      stack.push(seg);
      continue;
    }
    if (glob && stack.length > fixed && /[{}]/.test(stack.at(-1) ?? '')) throw invalid(kind, input, "has '..' after a brace group, which cannot be resolved");
    stack.pop();
    fixed = Math.min(fixed, stack.length);
  }
  if (!startsWith(stack, rootSegs)) throw invalid(kind, input, `escapes the repository root ${JSON.stringify(root)}`);
  const rel = stack.slice(rootSegs.length);
  if (glob && rel.slice(0, Math.max(0, fixed - rootSegs.length)).some((s) => /[*?{}]/.test(s))) {
    throw invalid(kind, input, 'is relative to a directory whose name contains glob characters; give it relative to the repository root');
  }
  return rel;
}

/** The canonical form of a user's pattern, relative to `root` (see the glob syntax above). */
export function normalizePattern(input: string, root: string, cwd: string): string {
  checkText('pattern', input);
  const rel = relativeSegments('pattern', input, root, cwd);
  const tree = input.endsWith('/');
  if (rel.length === 0 && !tree) throw invalid('pattern', input, "names the repository root; use '**' or a trailing slash");
  if (tree && rel.at(-1) !== '**') rel.push('**');
  const pattern = rel.join('/');
  // Validates braces, limits, '.' and '..' inside braces.
  if (alternatives(pattern, input).every((alt) => alt.length === 0)) throw invalid('pattern', input, 'matches no path (every alternative is empty)');
  return pattern;
}

/** The canonical form of a literal file path (no glob syntax: `*` is just a character). */
export function normalizeFile(input: string, root: string, cwd: string): string {
  checkText('file', input);
  if (input.endsWith('/')) throw invalid('file', input, 'ends with a slash: it names a directory, not a file');
  const rel = relativeSegments('file', input, root, cwd);
  if (rel.length === 0) throw invalid('file', input, 'names the repository root, not a file');
  return rel.join('/');
}

/** Brace expansion of `pattern` into brace-free strings (deduplicated); `shown` names it in errors. */
function expandBraces(pattern: string, shown: string): string[] {
  const tooMany = () => invalid('pattern', shown, `has too many alternatives (more than ${MAX_ALTERNATIVES} after brace expansion)`);
  let pos = 0;
  const sequence = (inGroup: boolean): string[] => {
    let out = [''];
    let run = '';
    const flush = () => {
      if (run !== '') out = out.map((s) => s + run);
      run = '';
    };
    while (pos < pattern.length) {
      const c = pattern[pos] as string;
      if (inGroup && (c === ',' || c === '}')) break;
      pos++;
      if (c === '}') throw invalid('pattern', shown, "has unbalanced braces (a '}' without its '{')");
      if (c !== '{') {
        run += c;
        continue;
      }
      flush();
      const options = group();
      if (out.length * options.length > MAX_ALTERNATIVES) throw tooMany();
      out = out.flatMap((head) => options.map((o) => head + o));
    }
    flush();
    return out;
  };
  const group = (): string[] => {
    const options: string[] = [];
    for (;;) {
      options.push(...sequence(true));
      if (options.length > MAX_ALTERNATIVES) throw tooMany();
      const c = pattern[pos++];
      if (c === '}') return options;
      if (c !== ',') throw invalid('pattern', shown, "has unbalanced braces (a '{' without its '}')");
    }
  };
  return [...new Set(sequence(false))];
}

/** A brace-free pattern as components; `.`/`..` here can only have come out of braces. */
function toAlternative(text: string, shown: string): Alternative {
  const parts = text.split('/').filter((c) => c !== '');
  if (parts.some((c) => c === '.' || c === '..')) throw invalid('pattern', shown, "has a '.' or '..' component inside braces, which cannot be resolved");
  if (text.endsWith('/') && parts.length > 0 && parts.at(-1) !== '**') parts.push('**');
  return parts.map((c) => (c === '**' ? null : Array.from(c.replace(/\*+/g, '*'))));
}

/** Bounded memo tables: patterns repeat a lot (one reservation against many). */
const parsed = new Map<string, readonly Alternative[]>();
const overlaps = new Map<string, boolean>();
function remember<V>(table: Map<string, V>, key: string, value: V): V {
  if (table.size >= 10_000) table.clear();
  table.set(key, value);
  return value;
}

/** The brace alternatives of a pattern, validated (limits, braces) and memoised. */
function alternatives(pattern: string, shown = pattern): readonly Alternative[] {
  const hit = parsed.get(pattern);
  if (hit) return hit;
  if (Buffer.byteLength(pattern, 'utf8') > MAX_PATTERN_BYTES) throw invalid('pattern', shown, `is longer than ${MAX_PATTERN_BYTES} bytes`);
  return remember(parsed, pattern, expandBraces(pattern, shown).map((text) => toAlternative(text, shown)));
}

type Push = (i: number, j: number, consumed: boolean) => void;

/**
 * Steps one overlap decision may take. Patterns a person writes take a few hundred; crafted ones
 * (many `*` against many `*`, times 64 alternatives on each side) could take minutes while the
 * table's lock is held. Past the budget the answer is "they overlap": undecided counts as a conflict.
 */
export const OVERLAP_BUDGET = 200_000;
let stepsLeft = OVERLAP_BUDGET;
class OverBudget extends Error {}

/**
 * Search of a product automaton with positions 0..m and 0..n: `step` pushes the successors of
 * (i, j). True iff (m, n) is reached with at least one consuming step on the way.
 */
function reachable(m: number, n: number, step: (i: number, j: number, push: Push) => void): boolean {
  const seen = new Uint8Array((m + 1) * (n + 1) * 2);
  const todo = [0]; // state = ((i * (n + 1) + j) << 1) | consumedSomething
  seen[0] = 1;
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (--stepsLeft < 0) throw new OverBudget();
    const used = s & 1;
    const i = Math.floor((s >> 1) / (n + 1));
    const j = (s >> 1) % (n + 1);
    if (used && i === m && j === n) return true;
    step(i, j, (ni, nj, consumed) => {
      const t = ((ni * (n + 1) + nj) << 1) | (used || consumed ? 1 : 0);
      if (seen[t] === 1) return;
      seen[t] = 1;
      todo.push(t);
    });
  }
  return false;
}

/** Whether components `x` and `y` (all characters literal when flagged) share a non-empty match. */
function componentsMeet(x: readonly string[], xLiteral: boolean, y: readonly string[], yLiteral: boolean): boolean {
  const wild = (c: string | undefined, literal: boolean) => !literal && (c === '*' || c === '?');
  return reachable(x.length, y.length, (i, j, push) => {
    const xs = !xLiteral && x[i] === '*';
    const ys = !yLiteral && y[j] === '*';
    if (xs) push(i + 1, j, false); // `*` matching nothing
    if (ys) push(i, j + 1, false);
    if (i < x.length && j < y.length && (wild(x[i], xLiteral) || wild(y[j], yLiteral) || x[i] === y[j])) {
      push(xs ? i : i + 1, ys ? j : j + 1, true); // one character, read by both
    }
  });
}

/** Whether two brace-free patterns share a path of at least one component. */
function alternativesMeet(a: Alternative, b: Alternative, bLiteral: boolean): boolean {
  const met = new Map<number, boolean>(); // componentsMeet of (i, j), asked again on every path through it
  return reachable(a.length, b.length, (i, j, push) => {
    const ag = i < a.length && a[i] === null; // `**`
    const bg = j < b.length && b[j] === null;
    if (ag) push(i + 1, j, false); // `**` matching no more components
    if (bg) push(i, j + 1, false);
    if (i >= a.length || j >= b.length) return;
    const [ac, bc] = [a[i] as Component, b[j] as Component];
    let meet = ac === null || bc === null ? true : met.get(i * (b.length + 1) + j);
    if (meet === undefined) met.set(i * (b.length + 1) + j, (meet = componentsMeet(ac!, false, bc!, bLiteral)));
    if (meet) push(ag ? i : i + 1, bg ? j : j + 1, true);
  });
}

/** A normalised literal file path as an alternative whose components are all literal text. */
const literalAlternative = (file: string): Alternative => file.split('/').filter((c) => c !== '').map((c) => Array.from(c));

/**
 * Whether some path (one or more non-empty components) matches both normalised patterns. Exact
 * for the syntax above. With `bLiteral`, `b` is a literal file path: every character is literal.
 */
export function patternsOverlap(a: string, b: string, options: { bLiteral?: boolean } = {}): boolean {
  const literal = options.bLiteral === true;
  const quick = quickAnswer(a, b, literal);
  if (quick !== undefined) return quick;
  const key = `${literal ? 'f' : 'p'}${a.length}:${a}${b}`;
  const hit = overlaps.get(key);
  if (hit !== undefined) return hit;
  const bs = literal ? [literalAlternative(b)] : alternatives(b);
  const as = alternatives(a);
  stepsLeft = OVERLAP_BUDGET;
  let answer: boolean;
  try {
    answer = as.some((x) => bs.some((y) => alternativesMeet(x, y, literal)));
  } catch (err) {
    if (!(err instanceof OverBudget)) throw err;
    answer = true;
  }
  return remember(overlaps, key, answer);
}

const GLOB_CHARS = /[*?{]/;

/**
 * The common cases without the automaton: two literal paths overlap only when equal, and two
 * patterns whose first components are both fixed text only when those are equal.
 */
function quickAnswer(a: string, b: string, bLiteral: boolean): boolean | undefined {
  const plain = (x: string) => !GLOB_CHARS.test(x);
  if (plain(a) && (bLiteral || plain(b))) return a === b;
  const fa = a.split('/', 1)[0]!;
  const fb = b.split('/', 1)[0]!;
  if (plain(fa) && (bLiteral || plain(fb)) && fa !== fb) return false;
  return undefined;
}

/** Whether the normalised pattern matches the normalised literal file path. */
export function fileMatches(pattern: string, file: string): boolean {
  return patternsOverlap(pattern, file, { bLiteral: true });
}

/**
 * Bucket keys of a normalised pattern (or, with `literal`, of a file path), sorted; null when the
 * pattern is broad. Per alternative: a literal path gives its first KEY_DEPTH components (all of
 * them if fewer); a glob gives its first KEY_DEPTH components when they are all fixed (no `*`,
 * `?`), else the whole pattern is broad. Every path a pattern matches starts with one of its keys,
 * so overlapping patterns are broad or share a key.
 */
export function patternKeys(pattern: string, literal = false): string[] | null {
  if (literal) return [segmentsOf(pattern).slice(0, KEY_DEPTH).join('/')];
  const keys = new Set<string>();
  for (const alt of alternatives(pattern)) {
    if (alt.length === 0) continue; // matches nothing
    const anchor = alt.findIndex((c) => c === null || c.includes('*') || c.includes('?'));
    if (anchor !== -1 && anchor < KEY_DEPTH) return null;
    keys.add(alt.slice(0, KEY_DEPTH).map((c) => (c ?? []).join('')).join('/'));
  }
  return [...keys].sort();
}

/** Stable bucket of a key: FNV-1a 32-bit over its UTF-8 bytes, mod `buckets`. */
export function bucketOf(key: string, buckets: number): number {
  if (!Number.isSafeInteger(buckets) || buckets < 1) throw new SwarmError('INVALID_INPUT', `bucket count ${JSON.stringify(buckets)} is not a positive integer`, { buckets });
  return fnv1a(Buffer.from(key, 'utf8').toString('latin1')) % buckets;
}
