// @ts-check
/**
 * After every multi-agent run: compare what the tool *reported* (the ledger of ids and successful
 * operations) with what is on disk. Nothing lost, nothing duplicated, every file valid JSON.
 * Reads files directly rather than through the CLI, so a bug in `list` cannot hide a loss.
 *
 * ledger = { claimed: Set<id>, progressed: Set<id>, completed: Set<id> }
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { consistencyProblems, ledgerProblems, placesOf, scanStore } from '../../test/support/storeInvariants.mjs';
import { readPgStore } from '../../test/support/pgStoreState.mjs';
import { isStoreUrl, splitSchema } from './storeLocation.mjs';

/**
 * A file's parsed JSON, or undefined (missing, unreadable or invalid: the last two noted in `problems`).
 * @param {string} path
 * @param {string[]} problems
 * @returns {Promise<any>} parsed JSON, whatever the file holds
 */
async function readJsonFile(path, problems) {
  let text;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const { code } = /** @type {NodeJS.ErrnoException} */ (err);
    if (code === 'ENOENT') return undefined;
    problems.push(`${path}: unreadable (${code})`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push(`${path}: not valid JSON (${/** @type {SyntaxError} */ (err).message})`);
    return undefined;
  }
}

/**
 * @param {Map<string, number>} map
 * @param {string} id
 */
function count(map, id) {
  map.set(id, (map.get(id) ?? 0) + 1);
}

/**
 * swarmfile's layout, through the one store checker the tests use too
 * (test/support/storeInvariants.mjs): every file valid, no id in two places or finished twice,
 * counters equal to the completed logs, no intent left behind, and the ledger held.
 * @param {string} dir
 * @param {import('../types.js').Ledger} ledger
 * @param {{ preexisting?: { active?: number, completed?: number }, audit?: boolean }} [options] audit: also run the tool's change-log audit (default true)
 * @returns {Promise<import('../types.js').InvariantReport>}
 */
export async function checkSwarmfileStore(dir, ledger, { preexisting = { active: 0, completed: 0 }, audit = true } = {}) {
  // A PostgreSQL store (a URL) is read with plain SQL over its tables (test/support/pgStoreState.mjs).
  const s = isStoreUrl(dir) ? await readPgStore(splitSchema(dir).url, splitSchema(dir).schema) : scanStore(dir);
  const problems = [...s.problems, ...consistencyProblems(s)];
  for (const name of s.leftovers) if (name.endsWith('.intent')) problems.push(`${name}: intent left behind after every agent finished`);
  const { lost, problems: ledgerIssues } = ledgerProblems(s, ledger, { preexistingCompleted: preexisting.completed ?? 0 });
  problems.push(...ledgerIssues);
  // The change log against the store (issue 10): the tool's own exactly-once audit, beside this ledger check.
  if (audit) problems.push(...auditProblems(dir));
  const duplicated = new Set(s.duplicates);
  for (const [id, at] of placesOf(s)) if (at.length > 1) duplicated.add(id);
  return finish({ files: s.files, active: s.active.size, completed: s.completed.size, lost, duplicated: [...duplicated], problems, ledger });
}

/**
 * `coordination_helper audit` of the store (the current build's CLI): each discrepancy as a problem.
 * @param {string} dir a directory or a PostgreSQL URL
 * @returns {string[]}
 */
function auditProblems(dir) {
  const cli = new URL('../../dist/coordination_helper.cjs', import.meta.url).pathname;
  const where = isStoreUrl(dir) ? { COORDINATION_URL: dir } : { COORDINATION_DIR: dir };
  const r = spawnSync(process.execPath, [cli, '--json', 'audit'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OTEL_SDK_DISABLED: 'true', ...where }, encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return [];
  try {
    /** @type {{ discrepancies: { check: string, work_item_id?: string, agent_id?: string, detail: string }[] }} */
    const report = JSON.parse(r.stdout);
    return report.discrepancies.map((d) => `audit: ${d.check} ${d.work_item_id ?? d.agent_id ?? ''}: ${d.detail}`);
  } catch {
    return [`audit: exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().slice(0, 300)}`];
  }
}

/**
 * SwarmSH's layout: one work_claims.json array; a completed item keeps its place with status completed.
 * @param {string} dir
 * @param {import('../types.js').Ledger} ledger
 * @returns {Promise<import('../types.js').InvariantReport>}
 */
export async function checkSwarmshStore(dir, ledger) {
  /** @type {string[]} */
  const problems = [];
  const names = await fs.readdir(dir).catch(() => []);
  let files = 0;
  for (const name of names) if (/\.json$/.test(name)) {
    files++;
    await readJsonFile(join(dir, name), problems);
  }
  const claims = await readJsonFile(join(dir, 'work_claims.json'), []);
  /** @type {Map<string, any>} SwarmSH's items as parsed */
  const items = new Map();
  /** @type {Map<string, number>} */
  const seen = new Map();
  if (!Array.isArray(claims)) problems.push('work_claims.json: missing or not an array');
  for (const w of Array.isArray(claims) ? claims : []) {
    count(seen, w?.work_item_id);
    items.set(w?.work_item_id, w);
  }
  /** @type {LostIds} */
  const lost = { claims: [], progress: [], completions: [] };
  for (const id of ledger.claimed) if (!items.has(id)) lost.claims.push(id);
  for (const id of ledger.completed) {
    const w = items.get(id);
    if (w && w.status !== 'completed') lost.completions.push(id);
  }
  for (const id of ledger.progressed) {
    const w = items.get(id);
    if (w && !ledger.completed.has(id) && Number(w.progress) !== 50) lost.progress.push(id);
  }
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const completed = [...items.values()].filter((w) => w?.status === 'completed').length;
  return finish({ files, active: items.size - completed, completed, lost, duplicated, problems, ledger });
}

/** @typedef {{ claims: string[], progress: string[], completions: string[] }} LostIds */

/**
 * @param {{ files: number, active: number, completed: number, lost: LostIds, duplicated: string[], problems: string[], ledger: import('../types.js').Ledger }} found
 * @returns {import('../types.js').InvariantReport}
 */
function finish({ files, active, completed, lost, duplicated, problems, ledger }) {
  const lostTotal = lost.claims.length + lost.progress.length + lost.completions.length;
  return {
    ok: lostTotal === 0 && duplicated.length === 0 && problems.length === 0,
    files_checked: files,
    reported: { claimed: ledger.claimed.size, progressed: ledger.progressed.size, completed: ledger.completed.size },
    on_disk: { active, completed },
    lost: { claims: lost.claims.length, progress: lost.progress.length, completions: lost.completions.length, total: lostTotal, examples: [...lost.claims, ...lost.completions, ...lost.progress].slice(0, 5) },
    duplicated: { count: duplicated.length, examples: duplicated.slice(0, 5) },
    problems: problems.slice(0, 20),
  };
}
