/**
 * claim, add, claim-next, progress and complete: the commands agents run in loops, so each call's
 * start-up matters. They are defined once here as data; workCommands.ts registers them with
 * commander (help, errors, every unusual command line) and parseHotCommand.ts runs the plain
 * command lines without loading commander at all. One definition keeps the two paths from
 * drifting apart, and a test (test/unit/fastPathParity.test.ts) holds them to the same result.
 */
import type { CliContext } from './CliContext.js';
import { deliverOutput } from './deliverOutput.js';
import { DEFAULT_PRIORITY, DEFAULT_TEAM, PRIORITIES } from '../model/types.js';
import { parseWholeNumber } from '../model/validate.js';
import { numberArgument, ownerProof } from './numberArguments.js';
import { FORCE_OPTION, ROOT_OPTION, TOKEN_OPTION, type OptionSpec } from './ownerOptions.js';
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
  /** Command options, parsed by the fast path too (parseHotCommand.ts) when used plainly. */
  readonly options: readonly OptionSpec[];
  /** Text after the options in `--help`. */
  readonly helpAfter?: string;
  /** Runs with one value per declared argument (commander's processed arguments) and the options. */
  run(c: CliContext, args: ReadonlyArray<string | undefined>, opts: HotOptions): Promise<void>;
}

/** The options' values as commander hands them over (camelCase keys). */
export interface HotOptions {
  lease?: string;
  token?: string;
  force?: boolean;
  type?: string;
  team?: string;
  wait?: string;
  dependsOn?: string[];
  paths?: string[];
  root?: string;
}

const LEASE_OPTION: OptionSpec = { flags: '--lease <seconds>', description: 'lease length for this claim (default LEASE_TTL_SECONDS)' };

/** claim's and add's arguments: the item to create. */
const ITEM_ARGS: readonly HotArgument[] = [
  { syntax: '<work_type>', description: 'kind of work, e.g. feature, bug_fix (letters, digits, _ . : -)' },
  { syntax: '<description>', description: 'free text, up to 8192 UTF-8 bytes; tab/CR/LF allowed, other control characters refused' },
  { syntax: '[priority]', description: PRIORITIES.join(' | '), defaultValue: DEFAULT_PRIORITY },
  { syntax: '[team]', description: 'team name', defaultValue: DEFAULT_TEAM },
];

export const HOT_COMMANDS: readonly HotCommand[] = [
  {
    name: 'claim',
    description: 'create a work item claimed by $AGENT_ID and print its id',
    args: ITEM_ARGS,
    options: [LEASE_OPTION],
    async run(c, [workType, description, priority, team], opts) {
      const coordinator = await c.coordinator();
      const item = await coordinator.claim({ workType: workType!, description: description!, priority: priority!, team: team!, leaseSeconds: numberArgument('lease', opts.lease) });
      await deliverOutput(c, item, { what: 'cancelled', undo: () => coordinator.cancel(item.work_item_id, { reason: 'claim output could not be written' }) });
      c.say(`claimed ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team}) for ${item.agent_id}`);
    },
  },
  {
    name: 'add',
    description: 'enqueue an unclaimed item in the backlog and print its id',
    args: ITEM_ARGS,
    options: [
      { flags: '--depends-on <id>', description: 'claimable only after this item is completed (repeatable)', repeatable: true },
      { flags: '--paths <glob...>', description: 'paths or globs the item will touch: claim-next hands it out only while none is reserved by another live claim, and reserves them with the claim', variadic: true },
      ROOT_OPTION,
    ],
    async run(c, [workType, description, priority, team], opts) {
      const item = await (await c.coordinator()).add({ workType: workType!, description: description!, priority: priority!, team: team!, dependsOn: opts.dependsOn, paths: opts.paths, root: opts.root });
      await deliverOutput(c, item);
      c.say(`queued ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team})${item.status === 'waiting' ? `, waiting for ${item.depends_on!.join(', ')}` : ''}`);
    },
  },
  {
    name: 'claim-next',
    description: 'claim the best claimable item for $AGENT_ID (critical > high > medium > low, then oldest) and print its id',
    args: [],
    options: [
      { flags: '--type <work_type>', description: 'only items of this work type' },
      { flags: '--team <team>', description: 'only items of this team' },
      { flags: '--wait <seconds>', description: 'block up to this long until an item is claimable (woken by file changes)' },
      LEASE_OPTION,
    ],
    helpAfter: 'Exits 7 (NOTHING_CLAIMABLE) when nothing can be claimed (after --wait seconds).',
    async run(c, _args, opts) {
      const coordinator = await c.coordinator();
      const item = await coordinator.claimNext({ workType: opts.type, team: opts.team, waitSeconds: numberArgument('wait', opts.wait), leaseSeconds: numberArgument('lease', opts.lease) });
      await deliverOutput(c, item, { what: 'released back to the backlog', undo: () => coordinator.release(item.work_item_id, { reason: 'claim-next output could not be written' }) });
      c.say(`claimed ${item.work_item_id} (${item.work_type}, ${item.priority}) for ${item.agent_id}: token ${item.fencing_token}, lease until ${item.lease_expires_at}`);
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
      const item = await (await c.coordinator('read')).progress(workIdOrCurrent(c, workId), parseWholeNumber('percent', percent!), status, ownerProof(opts));
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
      const item = await (await c.coordinator('read')).complete(workIdOrCurrent(c, workId), { result, velocityPoints: numberArgument('velocity_points', points), ...ownerProof(opts) });
      if (c.json) c.out(JSON.stringify(item, null, 2));
      c.say(`completed ${item.work_item_id}: ${item.result} (+${item.velocity_points} points for ${item.team})`);
    },
  },
];
