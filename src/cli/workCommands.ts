import type { Command } from 'commander';
import { SwarmError } from '../errors.js';
import { generateId } from '../model/generateId.js';
import type { WorkItem } from '../model/types.js';
import type { CliContext } from './CliContext.js';
import { formatTable } from './formatTable.js';
import { forceOption, tokenOption } from './ownerOptions.js';
import { workIdOrCurrent } from './workIdOrCurrent.js';

type Ctx = () => CliContext;

const ITEM_HEADERS = ['work_item_id', 'status', 'progress', 'priority', 'team', 'agent_id', 'work_type', 'description'];
const itemRow = (w: WorkItem) => [w.work_item_id, w.status, `${w.progress}%`, w.priority, w.team, w.agent_id, w.work_type, w.description];


export function registerWorkCommands(program: Command, ctx: Ctx): void {
  program
    .command('claim')
    .description('create a work item claimed by $AGENT_ID and print its id')
    .argument('<work_type>', 'kind of work, e.g. feature, bug_fix (letters, digits, _ . : -)')
    .argument('<description>', 'free text, up to 8192 UTF-8 bytes; tab/CR/LF allowed, other control characters refused')
    .argument('[priority]', 'critical | high | medium | low', 'medium')
    .argument('[team]', 'team name', 'autonomous_team')
    .option('--lease <seconds>', 'lease length for this claim (default LEASE_TTL_SECONDS)')
    .action(async (workType: string, description: string, priority: string, team: string, opts: { lease?: string }) => {
      const c = ctx();
      const item = await (await c.coordinator()).claim({ workType, description, priority, team, leaseSeconds: opts.lease });
      c.out(c.json ? JSON.stringify(item, null, 2) : item.work_item_id);
      c.say(`claimed ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team}) for ${item.agent_id}`);
    });

  program
    .command('progress')
    .description("record progress on your claim (renews its lease)")
    .argument('<work_id>', "the item; '' means $CURRENT_WORK_ITEM")
    .argument('<percent>', 'whole number 0..100')
    .argument('[status]', 'progress state, e.g. in_progress, review, blocked (not completed/pending/waiting/dead/cancelled/failed)', 'in_progress')
    .addOption(tokenOption())
    .addOption(forceOption())
    .action(async (workId: string, percent: string, status: string, opts: { token?: string; force?: boolean }) => {
      const c = ctx();
      const item = await (await c.coordinator()).progress(workIdOrCurrent(c, workId), percent, status, opts);
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`${item.work_item_id}: ${item.progress}% ${item.status}`);
    });

  program
    .command('complete')
    .description('finish your claim: it moves to the completed log and credits its agent and team')
    .argument('[work_id]', 'the item; omitted or empty means $CURRENT_WORK_ITEM')
    .argument('[result]', 'outcome text', 'success')
    .argument('[velocity_points]', 'whole number 0..1000', '5')
    .addOption(tokenOption())
    .addOption(forceOption())
    .action(async (workId: string | undefined, result: string, points: string, opts: { token?: string; force?: boolean }) => {
      const c = ctx();
      const item = await (await c.coordinator()).complete(workIdOrCurrent(c, workId), { result, velocityPoints: points, ...opts });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`completed ${item.work_item_id}: ${item.result} (+${item.velocity_points} points for ${item.team})`);
    });

  program
    .command('show')
    .description('print one item, wherever it is (queued, waiting, claimed, dead, finished, archived)')
    .argument('<work_id>', 'the item')
    .action(async (workId: string) => {
      const c = ctx();
      const item = await (await c.coordinator()).show(workId);
      c.out(c.json ? JSON.stringify(item, null, 2) : Object.entries(item).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'));
    });

  program
    .command('list')
    .description('list unfinished items (queued, waiting, claimed, dead), oldest first (--json: full records)')
    .option('--status <status>', 'only this status: pending, waiting, dead, completed, cancelled, or a claim status (active, in_progress ...)')
    .option('--team <team>', 'only this team')
    .option('--agent <agent_id>', 'only this agent')
    .option('--all', 'include finished (completed and cancelled) items')
    .option('--archived', 'read the cleanup archives instead')
    .action(async (opts: { status?: string; team?: string; agent?: string; all?: boolean; archived?: boolean }) => {
      const c = ctx();
      const items = await (await c.coordinator()).list({ status: opts.status, team: opts.team, agentId: opts.agent, all: opts.all, archived: opts.archived });
      if (c.json) c.out(JSON.stringify(items, null, 2));
      else if (items.length) c.out(formatTable(ITEM_HEADERS, items.map(itemRow)));
      else c.say('no work items');
    });

  program
    .command('generate-id')
    .description('print a new unique id (agent_<ns> by default)')
    .argument('[kind]', 'agent | work', 'agent')
    .action((kind: string) => {
      if (kind !== 'agent' && kind !== 'work') throw new SwarmError('INVALID_INPUT', `kind: must be agent or work (got ${JSON.stringify(kind)})`, { field: 'kind' });
      ctx().out(generateId(kind));
    });
}
