import type { Command } from 'commander';
import { conflictRecord, describeConflict } from '../model/pathConflicts.js';
import type { WorkItem } from '../model/types.js';
import type { CliContext } from './CliContext.js';
import { formatTable } from './formatTable.js';
import { FORCE_OPTION, TOKEN_OPTION } from './ownerOptions.js';
import { workIdOrCurrent } from './workIdOrCurrent.js';
import { numberArgument, ownerProof } from './numberArguments.js';

type Ctx = () => CliContext;

const READY_HEADERS = ['work_item_id', 'priority', 'team', 'work_type', 'attempts', 'description'];
const readyRow = (w: WorkItem) => [w.work_item_id, w.priority, w.team, w.work_type, w.attempts ?? 0, w.description];

/** The work queue (issue 3): backlog, claim-next, leases, failure handling, housekeeping. */
export function registerQueueCommands(program: Command, ctx: Ctx): void {
  // add and claim-next: defined in hotCommands.ts, shared with the start-up fast path.
  program
    .command('ready')
    .description('list what claim-next would hand out now, in that order')
    .option('--type <work_type>', 'only items of this work type')
    .option('--team <team>', 'only items of this team')
    .option('--limit <n>', 'look at this many claimable items at most')
    .option('--held-back', 'list instead the claimable items held back because their declared paths (add --paths) are reserved by a live claim, with who holds them')
    .action(async (opts: { type?: string; team?: string; limit?: string; heldBack?: boolean }) => {
      const c = ctx();
      const coordinator = await c.coordinator('read');
      const filter = { workType: opts.type, team: opts.team, limit: numberArgument('limit', opts.limit) };
      const held = await coordinator.heldBack(filter);
      if (opts.heldBack) {
        if (c.json) c.out(JSON.stringify(held.map((h) => ({ ...h.item, held_back_by: h.conflicts.map(conflictRecord) })), null, 2));
        else if (!held.length) c.say('nothing is held back by reserved paths');
        else for (const h of held) c.out(`${h.item.work_item_id}: ${h.conflicts.map(describeConflict).join('; ')}`);
        return;
      }
      const items = await coordinator.ready(filter);
      if (c.json) c.out(JSON.stringify(items, null, 2));
      else if (items.length) c.out(formatTable(READY_HEADERS, items.map(readyRow)));
      else c.say('nothing is claimable');
      // Items whose declared paths are reserved wait: say by whom (ready --held-back lists them).
      for (const h of held) c.say(`held back: ${h.item.work_item_id}: ${h.conflicts.map(describeConflict).join('; ')}`);
      // Blocked items are never ready: say why they are missing, so nobody waits for them in vain.
      const blocked = (await coordinator.list({ status: 'waiting', team: opts.team })).filter((w) => w.blocked_by && (!opts.type || w.work_type === opts.type));
      for (const w of blocked) c.say(`blocked: ${w.work_item_id} waits on dead ${w.blocked_by!.join(', ')} (requeue or cancel it)`);
    });

  program
    .command('heartbeat')
    .description("renew a claim's lease; without an id, renew every claim of $AGENT_ID and its registry heartbeat")
    .argument('[work_id]', 'the claim')
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .action(async (workId: string | undefined, opts: { token?: string; force?: boolean }) => {
      const c = ctx();
      const coord = await c.coordinator();
      if (workId) {
        const item = await coord.heartbeat(workId, ownerProof(opts));
        if (c.json) c.out(JSON.stringify(item, null, 2));
        c.say(`${item.work_item_id}: lease until ${item.lease_expires_at}`);
      } else {
        const hb = await coord.heartbeatAgent();
        if (c.json) c.out(JSON.stringify(hb, null, 2));
        c.say(`${coord.agentId}: heartbeat recorded${hb.agent ? '' : ' (not registered)'}, ${hb.renewed.length} lease(s) renewed`);
      }
    });

  program
    .command('release')
    .description('give a claim back to the backlog on purpose (attempt count unchanged)')
    .argument('[work_id]', "the claim; omitted or empty means $CURRENT_WORK_ITEM")
    .option('--reason <text>', 'why, kept in the item events')
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .action(async (workId: string | undefined, opts: { reason?: string; token?: string; force?: boolean }) => {
      const c = ctx();
      const item = await (await c.coordinator('read')).release(workIdOrCurrent(c, workId), { ...ownerProof(opts), reason: opts.reason });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`released ${item.work_item_id} to the backlog`);
    });

  program
    .command('fail')
    .description('report a failed attempt: retried after a backoff, dead after MAX_RETRY_ATTEMPTS')
    .argument('[work_id]', "the claim; omitted or empty means $CURRENT_WORK_ITEM")
    .argument('[reason]', 'why it failed', 'failed')
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .action(async (workId: string | undefined, reason: string, opts: { token?: string; force?: boolean }) => {
      const c = ctx();
      const item = await (await c.coordinator('read')).fail(workIdOrCurrent(c, workId), { ...ownerProof(opts), reason });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(item.status === 'dead' ? `${item.work_item_id} is dead after ${item.attempts} attempts (requeue revives it)` : `${item.work_item_id} failed (attempt ${item.attempts}); retry after ${item.retry_at}`);
    });

  program
    .command('requeue')
    .description('revive a dead item: back to the backlog with its attempt count reset')
    .argument('<work_id>', 'the dead item')
    .action(async (workId: string) => {
      const c = ctx();
      const item = await (await c.coordinator('read')).requeue(workId);
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`requeued ${item.work_item_id}`);
    });

  program
    .command('cancel')
    .description("withdraw an item (queued, waiting or dead; a claimed one by its owner or with --force)")
    .argument('<work_id>', 'the item')
    .option('--reason <text>', 'why, kept in the item events')
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .action(async (workId: string, opts: { reason?: string; token?: string; force?: boolean }) => {
      const c = ctx();
      const item = await (await c.coordinator('read')).cancel(workId, { ...ownerProof(opts), reason: opts.reason });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`cancelled ${item.work_item_id}`);
    });

  program
    .command('reap')
    .description('return expired, orphaned (process gone) and stale-agent claims to the backlog now')
    .action(async () => {
      const c = ctx();
      const r = await (await c.coordinator('read')).reap();
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else if (r.reaped.length) c.out(formatTable(['work_item_id', 'agent_id', 'reason'], r.reaped.map((x) => [x.work_item_id, x.agent_id, x.reason])));
      c.say(`reaped ${r.reaped.length} claim(s); ${r.agents.length} agent status change(s); ${r.promoted} waiting item(s) now queued`);
    });

  program
    .command('agents')
    .description('registered agents with liveness: active, stale (no sign of life for AGENT_STALE_SECONDS) or gone (process ended)')
    .option('--prune', 'remove agents with no sign of life for --older-than (those holding claims only with --force)')
    .option('--older-than <age>', 'with --prune: seconds, or 7d, 12h, 30m', '7d')
    .option('--force', 'with --prune: also remove agents holding claims, releasing the claims')
    .action(async (opts: { prune?: boolean; olderThan: string; force?: boolean }) => {
      const c = ctx();
      if (opts.prune) {
        const r = await (await c.coordinator('read')).pruneAgents({ olderThan: opts.olderThan, force: opts.force });
        if (c.json) c.out(JSON.stringify(r, null, 2));
        else {
          if (r.removed.length) c.out(r.removed.join('\n'));
          c.say(`removed ${r.removed.length} agent(s)${r.released.length ? `, released ${r.released.length} claim(s)` : ''}`);
        }
        for (const k of r.kept) c.say(`kept ${k.agent_id}: it holds ${k.claims.length} claim(s) (${k.claims.join(', ')}); --force releases them`);
        return;
      }
      const agents = await (await c.coordinator('read')).agents();
      if (c.json) c.out(JSON.stringify(agents, null, 2));
      else if (agents.length) {
        const headers = ['agent_id', 'liveness', 'team', 'claims', 'pid', 'host', 'alive', 'last_seen', 'capacity', 'specialization'];
        c.out(formatTable(headers, agents.map((a) => [a.agent_id, a.liveness, a.team, a.active_claims, a.pid, a.host, a.process_alive === null ? '?' : a.process_alive ? 'yes' : 'no', a.last_seen, a.capacity, a.specialization])));
      } else c.say('no registered agents');
    });

  program
    .command('cleanup')
    .description('archive finished items older than a cutoff into archive/*.jsonl.gz (read with list --archived)')
    .option('--older-than <duration>', 'e.g. 30m, 12h, 7d, or seconds', '7d')
    .option('--dry-run', 'only count what would be archived')
    .action(async (opts: { olderThan: string; dryRun?: boolean }) => {
      const c = ctx();
      const r = await (await c.coordinator('read')).cleanup({ olderThan: opts.olderThan, dryRun: opts.dryRun });
      if (c.json) c.out(JSON.stringify(r, null, 2));
      c.say(`${r.dry_run ? 'would archive' : 'archived'} ${r.archived} item(s) finished before ${r.cutoff}${r.archive ? ` into ${r.archive}` : ''}`);
    });
}
