import type { Command } from 'commander';
import { SwarmError } from '../errors.js';
import { generateId } from '../model/generateId.js';
import type { WorkItem } from '../model/types.js';
import type { CliContext } from './CliContext.js';
import { formatTable } from './formatTable.js';
import { HOT_COMMANDS, type HotOptions } from './hotCommands.js';

type Ctx = () => CliContext;

const ITEM_HEADERS = ['work_item_id', 'status', 'progress', 'priority', 'team', 'agent_id', 'work_type', 'description'];
const itemRow = (w: WorkItem) => [w.work_item_id, w.blocked_by ? `blocked (dead: ${w.blocked_by.join(', ')})` : w.status, `${w.progress}%`, w.priority, w.team, w.agent_id, w.work_type, w.description];

export function registerWorkCommands(program: Command, ctx: Ctx): void {
  // claim, add, claim-next, progress, complete: defined in hotCommands.ts, shared with the start-up fast path.
  for (const hot of HOT_COMMANDS) {
    const cmd = program.command(hot.name).description(hot.description);
    for (const a of hot.args) cmd.argument(a.syntax, a.description, a.defaultValue);
    for (const o of hot.options) {
      if (o.repeatable) cmd.option(o.flags, o.description, (value: string, prev: string[] = []) => [...prev, value]);
      else cmd.option(o.flags, o.description);
    }
    if (hot.helpAfter) cmd.addHelpText('after', `\n${hot.helpAfter}`);
    cmd.action((...values: unknown[]) => hot.run(ctx(), values.slice(0, hot.args.length) as Array<string | undefined>, values[hot.args.length] as HotOptions));
  }

  program
    .command('show')
    .description('print one item, wherever it is (queued, waiting, claimed, dead, finished, archived)')
    .argument('<work_id>', 'the item')
    .action(async (workId: string) => {
      const c = ctx();
      const item = await (await c.coordinator('read')).show(workId);
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
      const items = await (await c.coordinator('read')).list({ status: opts.status, team: opts.team, agentId: opts.agent, all: opts.all, archived: opts.archived });
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
