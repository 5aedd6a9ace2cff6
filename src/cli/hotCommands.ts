/**
 * claim, progress and complete: the commands agents run in tight loops, so each call's start-up
 * matters. They are defined once here as data; workCommands.ts registers them with commander
 * (help, errors, every unusual command line) and parseHotCommand.ts runs the plain command lines
 * without loading commander at all. One definition keeps the two paths from drifting apart.
 */
import type { CliContext } from './CliContext.js';
import { deliverOutput } from './deliverOutput.js';
import { FORCE_OPTION, TOKEN_OPTION, type OptionSpec } from './ownerOptions.js';
import { workIdOrCurrent } from './workIdOrCurrent.js';

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
  /** Command options; a command line that uses one goes through commander (see parseHotCommand). */
  readonly options: readonly OptionSpec[];
  /** Runs with one value per declared argument (commander's processed arguments) and the options. */
  run(c: CliContext, args: ReadonlyArray<string | undefined>, opts: HotOptions): Promise<void>;
}

/** The options' values as commander hands them over. */
export interface HotOptions {
  lease?: string;
  token?: string;
  force?: boolean;
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
    options: [{ flags: '--lease <seconds>', description: 'lease length for this claim (default LEASE_TTL_SECONDS)' }],
    async run(c, [workType, description, priority, team], opts) {
      const coordinator = await c.coordinator();
      const item = await coordinator.claim({ workType: workType!, description: description!, priority: priority!, team: team!, leaseSeconds: opts.lease });
      await deliverOutput(c, item, { what: 'cancelled', undo: () => coordinator.cancel(item.work_item_id, { reason: 'claim output could not be written' }) });
      c.say(`claimed ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team}) for ${item.agent_id}`);
    },
  },
  {
    name: 'progress',
    description: 'record progress on your claim (renews its lease)',
    args: [
      { syntax: '<work_id>', description: "the item; '' means $CURRENT_WORK_ITEM" },
      { syntax: '<percent>', description: 'whole number 0..100' },
      { syntax: '[status]', description: 'progress state, e.g. in_progress, review, blocked (not completed/pending/waiting/dead/cancelled/failed)', defaultValue: 'in_progress' },
    ],
    options: [TOKEN_OPTION, FORCE_OPTION],
    async run(c, [workId, percent, status], opts) {
      const item = await (await c.coordinator('read')).progress(workIdOrCurrent(c, workId), percent!, status, { token: opts.token, force: opts.force });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`${item.work_item_id}: ${item.progress}% ${item.status}`);
    },
  },
  {
    name: 'complete',
    description: 'finish your claim: it moves to the completed log and credits its agent and team',
    args: [
      { syntax: '[work_id]', description: 'the item; omitted or empty means $CURRENT_WORK_ITEM' },
      { syntax: '[result]', description: 'outcome text', defaultValue: 'success' },
      { syntax: '[velocity_points]', description: 'whole number 0..1000', defaultValue: '5' },
    ],
    options: [TOKEN_OPTION, FORCE_OPTION],
    async run(c, [workId, result, points], opts) {
      const item = await (await c.coordinator('read')).complete(workIdOrCurrent(c, workId), { result, velocityPoints: points, token: opts.token, force: opts.force });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`completed ${item.work_item_id}: ${item.result} (+${item.velocity_points} points for ${item.team})`);
    },
  },
];
