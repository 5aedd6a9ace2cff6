/**
 * claim, progress and complete: the commands agents run in tight loops, so each call's start-up
 * matters. They are defined once here as data; workCommands.ts registers them with commander
 * (help, errors, every unusual command line) and parseHotCommand.ts runs the plain command lines
 * without loading commander at all. One definition keeps the two paths from drifting apart.
 */
import { SwarmError } from '../errors.js';
import type { CliContext } from './CliContext.js';

/** commander's argument syntax: `<name>` is required, `[name]` optional with `defaultValue`. */
export interface HotArgument {
  readonly syntax: string;
  readonly description: string;
  readonly defaultValue?: string;
}

export interface HotCommand {
  readonly name: string;
  readonly description: string;
  readonly args: readonly HotArgument[];
  /** Runs with one value per declared argument (commander's processed arguments). */
  run(c: CliContext, args: ReadonlyArray<string | undefined>): Promise<void>;
}

/** SwarmSH semantics: an omitted or empty work id means $CURRENT_WORK_ITEM. */
function workIdOrCurrent(ctx: CliContext, id: string | undefined): string {
  const resolved = id || ctx.config.currentWorkItem;
  if (!resolved) throw new SwarmError('INVALID_INPUT', 'work_item_id: give one, or set CURRENT_WORK_ITEM', { field: 'work_item_id' });
  return resolved;
}

export const HOT_COMMANDS: readonly HotCommand[] = [
  {
    name: 'claim',
    description: 'create a work item claimed by $AGENT_ID and print its id',
    args: [
      { syntax: '<work_type>', description: 'kind of work, e.g. feature, bug_fix (letters, digits, _ . : -)' },
      { syntax: '<description>', description: 'free text, up to 8192 UTF-8 bytes; tab/CR/LF allowed, other control characters refused' },
      { syntax: '[priority]', description: 'critical | high | medium | low', defaultValue: 'medium' },
      { syntax: '[team]', description: 'team name', defaultValue: 'autonomous_team' },
    ],
    async run(c, [workType, description, priority, team]) {
      const item = await (await c.coordinator()).claim({ workType: workType!, description: description!, priority: priority!, team: team! });
      c.out(c.json ? JSON.stringify(item, null, 2) : item.work_item_id);
      c.say(`claimed ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team}) for ${item.agent_id}`);
    },
  },
  {
    name: 'progress',
    description: 'record progress on an active item',
    args: [
      { syntax: '<work_id>', description: "the item; '' means $CURRENT_WORK_ITEM" },
      { syntax: '<percent>', description: 'whole number 0..100' },
      { syntax: '[status]', description: 'progress state, e.g. in_progress, review, blocked (not completed/pending/dead/cancelled/failed)', defaultValue: 'in_progress' },
    ],
    async run(c, [workId, percent, status]) {
      const item = await (await c.coordinator()).progress(workIdOrCurrent(c, workId), percent!, status);
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`${item.work_item_id}: ${item.progress}% ${item.status}`);
    },
  },
  {
    name: 'complete',
    description: 'finish an item: it moves to the completed log and credits its agent and team',
    args: [
      { syntax: '[work_id]', description: 'the item; omitted or empty means $CURRENT_WORK_ITEM' },
      { syntax: '[result]', description: 'outcome text', defaultValue: 'success' },
      { syntax: '[velocity_points]', description: 'whole number 0..1000', defaultValue: '5' },
    ],
    async run(c, [workId, result, points]) {
      const item = await (await c.coordinator()).complete(workIdOrCurrent(c, workId), { result, velocityPoints: points });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`completed ${item.work_item_id}: ${item.result} (+${item.velocity_points} points for ${item.team})`);
    },
  },
];
