// @ts-check
/**
 * The work queue's promise on top of the store checker (bench/lib/invariants.mjs, built on
 * test/support/storeInvariants.mjs): each of `items` was handed out by claim-next once, completed
 * exactly once and is no longer queued; nothing else was completed or claimed.
 */
import { scanStore } from '../../test/support/storeInvariants.mjs';
import { checkSwarmfileStore } from './invariants.mjs';

/**
 * checkSwarmfileStore plus the queue's own promise. `claims` holds every id any claim returned,
 * repeats kept.
 * @param {string} dir
 * @param {{ items: string[], claims: string[], ledger: import('../types.js').Ledger }} run
 * @returns {Promise<import('../types.js').InvariantReport & { queue: import('../types.js').QueueReport }>}
 */
export async function checkQueueStore(dir, { items, claims, ledger }) {
  const inv = await checkSwarmfileStore(dir, ledger);
  const store = scanStore(dir);
  const expected = new Set(items);
  const done = store.completedTimes;
  const queued = store.backlog;
  /** @type {Map<string, number>} */
  const claimCount = new Map();
  for (const id of claims) claimCount.set(id, (claimCount.get(id) ?? 0) + 1);
  const q = {
    items: items.length,
    completed_once: items.filter((id) => done.get(id) === 1).length,
    never_completed: items.filter((id) => !done.get(id)).length,
    completed_twice: items.filter((id) => (done.get(id) ?? 0) > 1).length,
    claimed_twice: [...claimCount.values()].filter((n) => n > 1).length,
    still_queued: items.filter((id) => queued.has(id)).length,
    unexpected_completions: [...done.keys()].filter((id) => !expected.has(id)).length,
    unexpected_claims: [...claimCount.keys()].filter((id) => !expected.has(id)).length,
  };
  const problems = [];
  if (q.never_completed) problems.push(`${q.never_completed} of ${q.items} items never completed (${q.still_queued} still queued)`);
  if (q.completed_twice) problems.push(`${q.completed_twice} items completed more than once`);
  if (q.claimed_twice) problems.push(`${q.claimed_twice} items handed out by claim-next more than once`);
  if (q.unexpected_completions) problems.push(`${q.unexpected_completions} completions of items nobody queued`);
  if (q.unexpected_claims) problems.push(`${q.unexpected_claims} claims of items nobody queued`);
  inv.problems.push(...problems);
  inv.lost.total += q.never_completed;
  inv.lost.queued = q.never_completed;
  inv.duplicated.count += q.completed_twice + q.claimed_twice;
  inv.ok = inv.ok && problems.length === 0;
  return { ...inv, queue: q };
}
