/**
 * The start-up fast path (parseHotCommand.ts) and commander (program.ts) must agree: every command
 * line the fast path takes, commander accepts too and it makes the very same library call; every
 * command line commander refuses, the fast path leaves to commander. Both run in-process here
 * against a recording stand-in for the coordinator, so the comparison is of calls, not output.
 */
import { describe, expect, it } from 'vitest';
import { parseHotCommand } from '../../src/cli/parseHotCommand.js';
import { runProgram } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/CliContext.js';
import type { CliSession, GlobalFlags } from '../../src/cli/cliSession.js';
import { resolveConfig } from '../../src/config.js';
import type { Coordinator } from '../../src/coordinator/Coordinator.js';
import { SwarmError } from '../../src/errors.js';

type Call = [method: string, ...args: unknown[]];

/** Runs `use` with a context whose coordinator records every call; returns the calls and the error code, if any. */
async function recorded(use: (session: CliSession, io: { stdout: (s: string) => void; stderr: (s: string) => void; env: Record<string, string> }) => Promise<unknown>) {
  const calls: Call[] = [];
  const item = { work_item_id: 'work_1', work_type: 'feature', priority: 'medium', team: 't', agent_id: 'a', status: 'active', progress: 0 };
  // Any method records its call; `then` stays undefined so the stand-in is not taken for a promise.
  const coordinator = new Proxy({}, { get: (_t, method: string) => (method === 'then' ? undefined : async (...args: unknown[]) => (calls.push([method, ...args]), method === 'ready' || method === 'list' ? [] : item)) }) as unknown as Coordinator;
  const config = resolveConfig({}, { CURRENT_WORK_ITEM: 'work_current' });
  const session: CliSession = {
    context: (flags: GlobalFlags): CliContext => ({ config, env: {}, json: !!flags.json, inSession: false, quiet: !!flags.quiet, coordinator: async () => coordinator, out: () => undefined, say: () => undefined }),
    close: async () => undefined,
  };
  let code: string | number = 0;
  try {
    const status = await use(session, { stdout: () => undefined, stderr: () => undefined, env: {} });
    if (typeof status === 'number' && status !== 0) code = status;
  } catch (err) {
    code = err instanceof SwarmError ? err.code : String(err);
  }
  return { calls, code };
}

const viaCommander = (argv: string[]) => recorded((session, io) => runProgram(argv, io, session));
const viaFastPath = (argv: string[]) => {
  const hot = parseHotCommand(argv);
  return hot ? recorded((session) => hot.command.run(session.context(hot.flags), hot.args, hot.opts)) : null;
};

/** What agent loops run: these must stay on the fast path (no commander load). */
const FAST: string[][] = [
  ['claim', 'feature', 'fix x'],
  ['claim', 'feature', 'fix x', 'high', 'team_a'],
  ['-q', 'claim', 'feature', '- [ ] write docs'],
  ['--json', 'claim', 'bug', 'y', '--lease', '60'],
  ['claim', 'feature', 'x', '--lease=60'],
  ['add', 'feature', 'x'],
  ['add', 'feature', 'x', 'low', 't', '--depends-on', 'work_1', '--depends-on', 'work_2'],
  ['add', '--depends-on=work_1', 'feature', 'x'],
  ['claim-next'],
  ['-q', 'claim-next', '--wait', '30'],
  ['claim-next', '--type', 'bug', '--team', 'a', '--lease', '10'],
  ['claim-next', '--wait=5'],
  ['progress', 'work_1', '50'],
  ['progress', 'work_1', '50', 'review', '--token', '3'],
  ['progress', '', '40'],
  ['progress', 'work_1', '50', '--force'],
  ['complete'],
  ['complete', 'work_1', 'success', '8'],
  ['complete', 'work_1', '-1 tests failed'],
  ['complete', 'work_1', '--token', '4', '--force'],
  // Refused by the library's checks, the same way on both paths.
  ['progress', 'work_1', 'fifty'],
  ['progress', 'work_1', '101'],
  ['claim-next', '--wait', 'soon'],
  ['complete', 'work_1', 'ok', 'many'],
];

/** Usage errors: commander refuses them (exit 2) and the fast path must not take them. */
const REFUSED: string[][] = [
  ['claim'],
  ['claim', 'feature'],
  ['claim', 'a', 'b', 'c', 'd', 'e'],
  ['claim', '-x', 'y'],
  ['add', 'feature'],
  ['claim-next', 'extra'],
  ['claim-next', '--wait'],
  ['claim-next', '--bogus'],
  ['claim-next', '--lease'],
  ['progress', 'work_1'],
  ['complete', 'a', 'b', 'c', 'd'],
  ['complete', '--token'],
];

/** Accepted by commander, but unusual enough that the fast path hands them over. */
const HANDED_OVER: string[][] = [
  ['claim-next', '--wait', '1', '--wait', '2'],
  ['claim', '--', '--x', 'y'],
  ['claim-next', '--json'],
  ['--dir', '/tmp/x', 'claim-next'],
  ['claim-next', '--team', '-odd'],
];

describe('the fast path and commander', () => {
  it.each(FAST.map((argv) => [argv.join(' '), argv]))('make the same call for: %s', async (_label, argv) => {
    const fast = await viaFastPath(argv as string[]);
    expect(fast, 'the fast path should take this command line').not.toBeNull();
    const full = await viaCommander(argv as string[]);
    expect(fast).toEqual(full);
  });

  it.each(REFUSED.map((argv) => [argv.join(' '), argv]))('both refuse: %s', async (_label, argv) => {
    expect(parseHotCommand(argv as string[])).toBeNull();
    const full = await viaCommander(argv as string[]);
    expect(full.code).toBe(2);
    expect(full.calls).toEqual([]);
  });

  it.each(HANDED_OVER.map((argv) => [argv.join(' '), argv]))('the fast path hands over: %s', async (_label, argv) => {
    expect(parseHotCommand(argv as string[])).toBeNull();
    expect((await viaCommander(argv as string[])).code).toBe(0);
  });
});

describe('start-up of the hot commands', () => {
  it('claim, progress and complete load no module they do not need (node:child_process costs ~5 ms per call)', async () => {
    const { requireBuild, runSync, storeEnv, tempDir } = await import('../support/index.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    requireBuild();
    const dir = tempDir();
    const hook = join(dir, 'loaded.cjs');
    writeFileSync(hook, `process.on('exit', () => process.stderr.write('\\nchild_process loaded: ' + process.moduleLoadList.some((m) => m.includes('child_process')) + '\\n'));`);
    const env = storeEnv(join(dir, 'store'), { NODE_OPTIONS: `-r ${hook}` });
    const claim = runSync(['claim', 'feature', 'start-up check'], env);
    expect(claim.code, claim.stderr).toBe(0);
    const id = claim.stdout.trim();
    for (const args of [['claim', 'feature', 'start-up check'], ['progress', id, '50'], ['complete', id]]) {
      const r = runSync(args, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args.join(' ')).toContain('child_process loaded: false');
    }
  });
});
