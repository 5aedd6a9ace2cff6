/** File-path reservations (issue 9): reserve, unreserve, reservations, check-paths, git-hook. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { isSwarmError, SwarmError } from '../errors.js';
import { conflictError, conflictRecord } from '../model/pathConflicts.js';
import type { LiveReservation } from '../model/types.js';
import type { CliContext } from './CliContext.js';
import { formatTable } from './formatTable.js';
import { gitTopLevel, installHook, stagedFiles } from './gitHook.js';
import { ownerProof } from './numberArguments.js';
import { FORCE_OPTION, ROOT_OPTION, TOKEN_OPTION } from './ownerOptions.js';
import { workIdOrCurrent } from './workIdOrCurrent.js';

type Ctx = () => CliContext;

const WORK_OPTION = { flags: '--work <work_id>', description: 'the claim (default: $CURRENT_WORK_ITEM)' };
const RESERVATION_HEADERS = ['path', 'mode', 'agent_id', 'work_item_id', 'lease_expires_at', 'reason'];
const reservationRow = (r: LiveReservation) => [r.path, r.shared ? 'shared' : 'exclusive', r.agent_id, r.work_item_id, r.lease_expires_at ?? '', r.reason ?? ''];

/** With --json, a CONFLICT is also printed on stdout as {error, conflicts} before it fails the command. */
async function reportingConflicts<T>(c: CliContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (c.json && isSwarmError(err, 'CONFLICT')) c.out(JSON.stringify({ error: 'CONFLICT', conflicts: err.details?.conflicts ?? [] }, null, 2));
    throw err;
  }
}

export function registerPathCommands(program: Command, ctx: Ctx): void {
  program
    .command('reserve')
    .description("reserve paths or globs for your claim, all or nothing: nobody else's live claim may hold an overlapping one")
    .argument('<path...>', "paths or globs, relative to the current directory inside the repository (see 'Reserving paths' in the README)")
    .option(WORK_OPTION.flags, WORK_OPTION.description)
    .option('--shared', "a reader's reservation: conflicts only with exclusive ones")
    .option('--reason <text>', 'why, shown to whoever is held up')
    .option(ROOT_OPTION.flags, ROOT_OPTION.description)
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .addHelpText('after', '\nExit status: 0 reserved; 12 (CONFLICT) another live claim holds an overlapping path (each one named on stderr, and on stdout with --json), nothing reserved; 8 (NOT_OWNER) not your claim or a stale --token; 2 a path escapes the root or is malformed.')
    .action(async (paths: string[], opts: { work?: string; shared?: boolean; reason?: string; root?: string; token?: string; force?: boolean }) => {
      const c = ctx();
      const coordinator = await c.coordinator('read');
      const id = workIdOrCurrent(c, opts.work);
      const item = await reportingConflicts(c, () => coordinator.reserve(id, paths, { shared: opts.shared, reason: opts.reason, root: opts.root, ...ownerProof(opts) }));
      if (c.json) c.out(JSON.stringify({ work_item_id: item.work_item_id, fencing_token: item.fencing_token, reserved_paths: item.reserved_paths ?? [] }, null, 2));
      c.say(`reserved for ${item.work_item_id}: ${(item.reserved_paths ?? []).map((r) => `${r.path}${r.shared ? ' (shared)' : ''}`).join(', ')}`);
    });

  program
    .command('unreserve')
    .description('give up reservations of your claim (they also end by themselves when the claim ends)')
    .argument('[path...]', 'the paths or globs as reserved')
    .option('--all', 'every reservation of the claim')
    .option(WORK_OPTION.flags, WORK_OPTION.description)
    .option(ROOT_OPTION.flags, ROOT_OPTION.description)
    .option(TOKEN_OPTION.flags, TOKEN_OPTION.description)
    .option(FORCE_OPTION.flags, FORCE_OPTION.description)
    .addHelpText('after', '\nExit status: 0 (also when a path given was not reserved: it is named on stderr); 2 neither paths nor --all; 8 not your claim.')
    .action(async (paths: string[], opts: { all?: boolean; work?: string; root?: string; token?: string; force?: boolean }) => {
      const c = ctx();
      if (!opts.all && paths.length === 0) throw new SwarmError('INVALID_INPUT', 'unreserve: give the paths to give up, or --all');
      const coordinator = await c.coordinator('read');
      const report = await coordinator.unreserve(workIdOrCurrent(c, opts.work), opts.all ? null : paths, { root: opts.root, ...ownerProof(opts) });
      if (c.json) c.out(JSON.stringify({ work_item_id: report.item.work_item_id, removed: report.removed, not_held: report.not_held, reserved_paths: report.item.reserved_paths ?? [] }, null, 2));
      c.say(`${report.item.work_item_id}: gave up ${report.removed.length} reservation(s)${report.not_held.length ? `; not reserved: ${report.not_held.join(', ')}` : ''}`);
    });

  program
    .command('reservations')
    .description('list live reservations: path, mode, holder, claim and lease')
    .option('--agent <agent_id>', 'only this agent')
    .option(WORK_OPTION.flags, 'only this claim')
    .option('--path <path>', 'only those overlapping this path or glob')
    .option(ROOT_OPTION.flags, ROOT_OPTION.description)
    .action(async (opts: { agent?: string; work?: string; path?: string; root?: string }) => {
      const c = ctx();
      const list = await (await c.coordinator('read')).reservations({ agentId: opts.agent, workId: opts.work, path: opts.path, root: opts.root });
      if (c.json) c.out(JSON.stringify(list, null, 2));
      else if (list.length) c.out(formatTable(RESERVATION_HEADERS, list.map(reservationRow)));
      else c.say('no live reservations');
    });

  program
    .command('check-paths')
    .description("check that no live claim of another agent has reserved these files (the pre-commit hook's check)")
    .argument('[file...]', 'files, relative to the current directory')
    .option('--staged', "the files staged for the next commit (git diff --cached), relative to the repository's top level")
    .option(ROOT_OPTION.flags, ROOT_OPTION.description)
    .addHelpText('after', "\nExit status: 0 none reserved by another agent ($AGENT_ID is you); 12 (CONFLICT) some are: each file, holder, claim and lease on stderr (--json: {files, conflicts} on stdout).")
    .action(async (files: string[], opts: { staged?: boolean; root?: string }) => {
      const c = ctx();
      const cwd = process.cwd();
      const root = opts.root ?? (opts.staged ? gitTopLevel(cwd) : undefined);
      // Staged names are relative to the top level; files given beside --staged to the current directory.
      const list = opts.staged ? [...files.map((f) => resolve(cwd, f)), ...stagedFiles(cwd)] : files;
      const report = await (await c.coordinator('read')).checkPaths(list, { root, cwd: opts.staged ? root : cwd });
      if (c.json) c.out(JSON.stringify({ files: report.files, conflicts: report.conflicts.map(conflictRecord) }, null, 2));
      if (report.conflicts.length) {
        throw conflictError(`check-paths (${report.files.length} file(s) checked)`, report.conflicts);
      }
      c.say(`${report.files.length} file(s) checked: none reserved by another agent`);
    });

  program
    .command('git-hook')
    .description('manage the git pre-commit hook that runs check-paths --staged')
    .command('install')
    .description("install the pre-commit hook in the repository's common hooks directory (every worktree runs it)")
    .option('--warn', 'only warn about reserved paths; never refuse the commit')
    .option('--force', "replace a pre-commit hook that is not swarmfile's (it is moved aside)")
    .action(async (opts: { warn?: boolean; force?: boolean }) => {
      const c = ctx();
      const config = c.config;
      const store = config.storeUrl ? { url: config.storeUrl } : { dir: config.dir };
      const done = installHook(process.cwd(), { warn: !!opts.warn, force: !!opts.force, store, telemetryDir: config.telemetryDir });
      if (c.json) c.out(JSON.stringify(done, null, 2));
      c.say(`installed ${done.path} (${done.mode})${done.replaced ? `; the previous hook is at ${done.replaced}` : ''}`);
    });
}
