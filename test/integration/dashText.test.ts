/**
 * Free text that starts with '-' (src/cli/textArguments.ts). SwarmSH's script took it literally;
 * commander refused it as an unknown option, so agent scripts passing "- [ ] task" broke.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTextArgument } from '../../src/cli/textArguments.js';
import { runSync, snapshot, storeEnv, tempDir } from '../support/index.js';

describe('which arguments starting with - are text', () => {
  it.each([
    ['- [ ] write docs', true],
    ['-x fix the flag', true],
    ['-1 tests failed', true],
    ['--verbose breaks the build', true],
    ['->', true],
    ['-5', true],
    ['-x', false],
    ['-q', false],
    ['-abc', false],
    ['--dry-run', false],
    ['--reason=two words', false],
    ['--', false],
    ['-', false],
    ['plain', false],
  ])('%j -> %s', (arg, text) => {
    expect(isTextArgument(arg)).toBe(text);
  });
});

describe('CLI: descriptions, results and reasons that start with -', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = join(tempDir(), 'store');
    env = storeEnv(dir, { AGENT_ID: 'agent_dash' });
  });
  const show = (id: string) => JSON.parse(runSync(['--json', 'show', id], env).stdout);

  it('claim and complete store them exactly, on the fast path and through commander alike', () => {
    const fast = runSync(['claim', 'feature', '- [ ] write docs', 'high'], env);
    expect(fast.code, fast.stderr).toBe(0);
    // --lease makes the command line commander's: the same text must arrive the same way.
    const slow = runSync(['claim', '--lease', '60', 'feature', '- [ ] write docs', 'high'], env);
    expect(slow.code, slow.stderr).toBe(0);
    for (const id of [fast.stdout.trim(), slow.stdout.trim()]) {
      expect(show(id)).toMatchObject({ description: '- [ ] write docs', priority: 'high' });
      const done = runSync(['complete', id, '-1 tests failed', '2'], env);
      expect(done.code, done.stderr).toBe(0);
      expect(show(id)).toMatchObject({ status: 'completed', result: '-1 tests failed', velocity_points: 2 });
    }
  });

  it('add, fail and cancel --reason take them too', () => {
    const add = runSync(['add', 'bug_fix', '--verbose breaks the build', 'critical', '--depends-on', 'work_1'], env);
    // Parsed (text operand, then --depends-on's value) and run: exit 3 because no work_1 exists, not 2 (usage).
    expect(add.code).toBe(3);
    const added = runSync(['-q', 'add', 'bug_fix', '--verbose breaks the build', 'critical'], env);
    expect(added.code, added.stderr).toBe(0);
    const id = added.stdout.trim();
    expect(show(id).description).toBe('--verbose breaks the build');
    expect(runSync(['-q', 'claim-next'], env).stdout.trim()).toBe(id);
    expect(runSync(['fail', id, '- compiler crashed'], env).code).toBe(0);
    expect(show(id).failures.map((f: { reason: string }) => f.reason)).toEqual(['- compiler crashed']);
    expect(runSync(['cancel', id, '--reason', '-- not needed any more'], env).code).toBe(0);
    expect(show(id).status).toBe('cancelled');
  });

  it('an option-shaped argument is still an option: unknown ones are usage errors and write nothing; -- makes it text', () => {
    const before = snapshot(dir);
    const bad = runSync(['claim', 'feature', '--dry-run'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--dry-run'");
    expect(snapshot(dir)).toBe(before);
    const escaped = runSync(['claim', 'feature', '--', '--dry-run'], env);
    expect(escaped.code, escaped.stderr).toBe(0);
    expect(show(escaped.stdout.trim()).description).toBe('--dry-run');
  });

  it("commander's own messages never show the internal mark", () => {
    const r = runSync(['claim', 'feature', 'a', 'high', 'team', '- extra'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('\u0000');
    const u = runSync(['- not a command'], env);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown command '- not a command'");
  });
});
