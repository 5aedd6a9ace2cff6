/**
 * After every multi-agent run: compare what the tool *reported* (the ledger of ids and successful
 * operations) with what is on disk. Nothing lost, nothing duplicated, every file valid JSON.
 * Reads files directly rather than through the CLI, so a bug in `list` cannot hide a loss.
 *
 * ledger = { claimed: Set<id>, progressed: Set<id>, completed: Set<id> }
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

async function readJsonFile(path, problems) {
  let text;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    problems.push(`${path}: unreadable (${err.code})`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push(`${path}: not valid JSON (${err.message})`);
    return undefined;
  }
}

function count(map, id) {
  map.set(id, (map.get(id) ?? 0) + 1);
}

/** swarmfile's layout: work_claims.NNN.json arrays, work_completed.NNN.jsonl logs, agent_stats.NNN.json. */
export async function checkSwarmfileStore(dir, ledger, { preexisting = { active: 0, completed: 0 } } = {}) {
  const problems = [];
  const names = await fs.readdir(dir).catch(() => []);
  const active = new Map();
  const completed = new Map();
  const activeItems = new Map();
  let statsTasks = 0;
  let files = 0;
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (/^txn-.*\.intent$/.test(name)) problems.push(`${name}: intent left behind after every agent finished`);
    if (/^work_claims\.\d+\.json$/.test(name)) {
      files++;
      const arr = await readJsonFile(path, problems);
      if (arr !== undefined && !Array.isArray(arr)) problems.push(`${name}: not an array`);
      for (const w of Array.isArray(arr) ? arr : []) {
        count(active, w.work_item_id);
        activeItems.set(w.work_item_id, w);
      }
    } else if (/^work_completed\.\d+\.jsonl$/.test(name)) {
      files++;
      const text = await fs.readFile(path, 'utf8');
      const lines = text.split('\n');
      if (lines[lines.length - 1] !== '') problems.push(`${name}: last line has no newline (torn append)`);
      lines.forEach((line, i) => {
        if (!line) return;
        try {
          const w = JSON.parse(line);
          count(completed, w.work_item_id);
          if (w.status !== 'completed') problems.push(`${name}:${i + 1}: status ${w.status} in completed log`);
        } catch {
          problems.push(`${name}:${i + 1}: not valid JSON`);
        }
      });
    } else if (/^agent_stats\.\d+\.json$/.test(name)) {
      files++;
      const s = await readJsonFile(path, problems);
      for (const a of Object.values(s?.agents ?? {})) statsTasks += a.tasks_completed ?? 0;
    } else if (/\.json$/.test(name)) {
      files++;
      await readJsonFile(path, problems);
    }
  }
  const lost = { claims: [], progress: [], completions: [] };
  const duplicated = [];
  for (const [id, n] of [...active, ...completed]) if ((active.get(id) ?? 0) + (completed.get(id) ?? 0) > 1) duplicated.push(id);
  for (const id of ledger.claimed) {
    if (ledger.completed.has(id)) {
      if (!completed.has(id)) lost.completions.push(id); // reported complete, not in any completed log
    } else if (!active.has(id) && !completed.has(id)) lost.claims.push(id);
  }
  for (const id of ledger.progressed) {
    const w = activeItems.get(id);
    if (w && !ledger.completed.has(id) && w.progress !== 50) lost.progress.push(id);
  }
  const phantom = [...completed.keys()].filter((id) => !ledger.completed.has(id)).length - preexisting.completed;
  if (phantom > 0) problems.push(`${phantom} completion(s) on disk that no agent reported`);
  const expectedTasks = completed.size;
  if (statsTasks !== expectedTasks) problems.push(`agent_stats counts ${statsTasks} completions, completed logs hold ${expectedTasks}`);
  return finish({ files, active: active.size, completed: completed.size, lost, duplicated: [...new Set(duplicated)], problems, ledger });
}

/** SwarmSH's layout: one work_claims.json array; a completed item keeps its place with status completed. */
export async function checkSwarmshStore(dir, ledger) {
  const problems = [];
  const names = await fs.readdir(dir).catch(() => []);
  let files = 0;
  for (const name of names) if (/\.json$/.test(name)) {
    files++;
    await readJsonFile(join(dir, name), problems);
  }
  const claims = await readJsonFile(join(dir, 'work_claims.json'), []);
  const items = new Map();
  const seen = new Map();
  if (!Array.isArray(claims)) problems.push('work_claims.json: missing or not an array');
  for (const w of Array.isArray(claims) ? claims : []) {
    count(seen, w?.work_item_id);
    items.set(w?.work_item_id, w);
  }
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
