/**
 * The pre-commit hook of file-path reservations (issue 9), in a real git repository with two
 * worktrees sharing one file store: `git-hook install` writes one hook to the common hooks
 * directory; a commit that stages a file another agent's live claim has reserved is refused
 * (naming file, holder and claim), other commits go through, the holder's own commit goes through,
 * and the file is free once the holder's claim ends. The hook finds the store itself (the
 * installing command's absolute COORDINATION_DIR) when the committing environment names none, and
 * honours COORDINATION_DIR when it does. Also: --warn, a foreign hook (refused, or moved aside with
 * --force), paths given from a subdirectory, and check-paths --staged with nothing staged.
 * Outcomes are checked from git (HEAD, what a commit holds) and from the store's files.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, requireBuild, tempDir, type CliResult } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

requireBuild();

const MARK = '# swarmfile-hook: pre-commit v1';

/**
 * A repository (main worktree) with src/a.ts, src/b.ts and README.md committed, a second worktree,
 * and a file store outside both. `env(agent, withDir)` is the environment of a command: a private
 * HOME (no global git config such as core.hooksPath), telemetry outside the worktrees, and
 * COORDINATION_DIR only when `withDir`.
 */
function repoWorld() {
  const base = tempDir('swarmfile-githook-');
  const wt1 = join(base, 'repo');
  const wt2 = join(base, 'wt2');
  const dir = join(base, 'store');
  const home = join(base, 'home');
  mkdirSync(join(wt1, 'src'), { recursive: true });
  mkdirSync(home);
  const env = (agent: string, withDir: boolean | string = true): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    TELEMETRY_DIR: join(base, 'telemetry'),
    SWARMFILE_FSYNC: '0',
    AGENT_ID: agent,
    // The claims' owner process is this test's, alive for the whole test (never reaped as gone).
    AGENT_PID: String(process.pid),
    ...(withDir === false ? {} : { COORDINATION_DIR: withDir === true ? dir : withDir }),
  });
  const git = (cwd: string, args: string[], agent = 'nobody', withDir: boolean | string = false): CliResult => {
    const r = spawnSync('git', args, { cwd, env: env(agent, withDir), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (cwd: string, args: string[]) => {
    const r = git(cwd, args);
    expect(r.code, `git ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const cli = (agent: string, args: string[], cwd = wt1, withDir: boolean | string = true): CliResult => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: env(agent, withDir), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };

  ok(base, ['init', '-q', wt1]);
  ok(wt1, ['config', 'user.name', 'Swarm Test']);
  ok(wt1, ['config', 'user.email', 'swarm@example.invalid']);
  ok(wt1, ['config', 'commit.gpgsign', 'false']);
  writeFileSync(join(wt1, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(wt1, 'src/b.ts'), 'export const b = 1;\n');
  writeFileSync(join(wt1, 'README.md'), '# repo\n');
  ok(wt1, ['add', '-A']);
  ok(wt1, ['commit', '-q', '-m', 'initial']);
  ok(wt1, ['worktree', 'add', '-q', '-b', 'wt2', wt2]);

  const head = (cwd: string) => ok(cwd, ['rev-parse', 'HEAD']).trim();
  /** The files the commit at HEAD changed. */
  const committed = (cwd: string) => ok(cwd, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').filter(Boolean).sort();
  /** Appends a line to `file` in worktree `cwd` and stages it. */
  const edit = (cwd: string, file: string, line: string) => {
    writeFileSync(join(cwd, file), `${readFileSync(join(cwd, file), 'utf8')}${line}\n`);
    ok(cwd, ['add', file]);
  };
  /** `git commit` as `agent`; the commit's outcome is judged from HEAD, not only from the exit status. */
  const commit = (cwd: string, agent: string, msg: string, withDir: boolean | string) => {
    const before = head(cwd);
    const r = git(cwd, ['commit', '-q', '-m', msg], agent, withDir);
    return { ...r, moved: head(cwd) !== before };
  };
  /** A live claim of `agent`, made through the CLI. */
  const claim = (agent: string, what: string) => {
    const r = cli(agent, ['-q', 'claim', 'feature', what]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  /** Ground truth from the store's files: the reserved paths of each active item that has some. */
  const stored = () => {
    const s = readStore(dir);
    assertConsistent(s);
    const out: Record<string, string[]> = {};
    for (const [id, w] of s.active) {
      const rs = (w.reserved_paths ?? []) as { path: string }[];
      if (rs.length) out[id] = rs.map((r) => r.path).sort();
    }
    for (const place of [s.backlog, s.completed, s.cancelled, s.waiting, s.dead]) {
      for (const [id, w] of place) expect(w.reserved_paths, `${id} holds reservations outside the active place`).toBeUndefined();
    }
    return out;
  };
  const hookPath = join(wt1, '.git', 'hooks', 'pre-commit');
  return { base, wt1, wt2, dir, env, git, ok, cli, head, committed, edit, commit, claim, stored, hookPath };
}

describe('git pre-commit hook (check-paths --staged) across worktrees', () => {
  it.each([
    ['the committing environment names no store (the hook finds it)', false],
    ['COORDINATION_DIR is set in the committing environment', true],
  ] as const)('refuses a commit of a file reserved by another agent; %s', (_label, withDir) => {
    const w = repoWorld();
    const install = w.cli('agent_a', ['--json', 'git-hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    // One hook, in the common hooks directory: the second worktree resolves the same one.
    const hooksOf2 = w.ok(w.wt2, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks']).trim();
    expect(JSON.parse(install.stdout)).toEqual({ path: join(hooksOf2, 'pre-commit'), replaced: null, mode: 'refuse' });
    expect(join(hooksOf2, 'pre-commit')).toBe(w.hookPath);
    expect(readFileSync(w.hookPath, 'utf8')).toContain(MARK);
    expect(readFileSync(w.hookPath, 'utf8')).toContain(w.dir); // the store, by absolute path

    // Agent A claims and reserves src/a.ts from worktree 1 (a path relative to its cwd).
    const id = w.claim('agent_a', 'edit a');
    const res = w.cli('agent_a', ['reserve', '--work', id, 'src/a.ts'], w.wt1);
    expect(res.code, res.stderr).toBe(0);
    expect(w.stored()).toEqual({ [id]: ['src/a.ts'] });

    // Agent B, in worktree 2: a commit staging src/a.ts is refused, and names file, holder and claim.
    w.edit(w.wt2, 'src/a.ts', '// by b');
    const refused = w.commit(w.wt2, 'agent_b', 'b edits a', withDir);
    expect(refused.code, refused.stderr).not.toBe(0);
    expect(refused.moved).toBe(false);
    for (const part of ['src/a.ts', 'agent_a', id, 'commit refused']) expect(refused.stderr).toContain(part);
    // The same from a subdirectory of the worktree (git runs the hook at the top level).
    const fromSub = w.git(join(w.wt2, 'src'), ['commit', '-q', '-m', 'b edits a, from src/'], 'agent_b', withDir);
    expect(fromSub.code).not.toBe(0);
    expect(fromSub.stderr).toContain('src/a.ts');

    // B's commit of src/b.ts alone goes through (src/a.ts unstaged, still edited in the worktree).
    w.ok(w.wt2, ['restore', '--staged', 'src/a.ts']);
    w.edit(w.wt2, 'src/b.ts', '// by b');
    const onlyB = w.commit(w.wt2, 'agent_b', 'b edits b', withDir);
    expect(onlyB.code, onlyB.stderr).toBe(0);
    expect(onlyB.moved).toBe(true);
    expect(w.committed(w.wt2)).toEqual(['src/b.ts']);

    // Renaming the reserved file away (git diff --cached: both names) is writing it too.
    w.ok(w.wt2, ['stash', '-q']);
    w.ok(w.wt2, ['mv', 'src/a.ts', 'src/c.ts']);
    const removal = w.commit(w.wt2, 'agent_b', 'b renames a', withDir);
    expect(removal.code).not.toBe(0);
    expect(removal.moved).toBe(false);
    expect(removal.stderr).toContain('src/a.ts');
    w.ok(w.wt2, ['reset', '-q', '--hard']);
    w.ok(w.wt2, ['stash', 'pop', '-q']);

    // A's own commit of src/a.ts, in worktree 1, goes through.
    w.edit(w.wt1, 'src/a.ts', '// by a');
    const own = w.commit(w.wt1, 'agent_a', 'a edits a', withDir);
    expect(own.code, own.stderr).toBe(0);
    expect(own.moved).toBe(true);
    expect(w.committed(w.wt1)).toEqual(['src/a.ts']);
    expect(w.stored()).toEqual({ [id]: ['src/a.ts'] }); // committing is not giving up the reservation

    // A completes its item: the reservation ends with the claim, and B's commit goes through.
    const done = w.cli('agent_a', ['complete', id, 'success']);
    expect(done.code, done.stderr).toBe(0);
    expect(w.stored()).toEqual({});
    w.ok(w.wt2, ['add', 'src/a.ts']);
    const after = w.commit(w.wt2, 'agent_b', 'b edits a, later', withDir);
    expect(after.code, after.stderr).toBe(0);
    expect(after.moved).toBe(true);
    expect(w.committed(w.wt2)).toEqual(['src/a.ts']);

    // The hook made no store of its own anywhere (./agent_coordination would be the CLI's default).
    for (const wt of [w.wt1, w.wt2]) expect(existsSync(join(wt, 'agent_coordination')), wt).toBe(false);
  });

  it("the committing environment's COORDINATION_DIR wins over the embedded store", () => {
    const w = repoWorld();
    expect(w.cli('agent_a', ['git-hook', 'install']).code).toBe(0);
    const id = w.claim('agent_a', 'edit a');
    expect(w.cli('agent_a', ['reserve', '--work', id, 'src/a.ts']).code).toBe(0);
    w.edit(w.wt2, 'src/a.ts', '// by b');
    // A store that does not exist: the hook fails closed (check-paths exits NOT_FOUND) and says why.
    const other = join(w.base, 'other-store');
    const missing = w.commit(w.wt2, 'agent_b', 'b edits a, no store', other);
    expect(missing.code).not.toBe(0);
    expect(missing.moved).toBe(false);
    expect(missing.stderr).toContain(other);
    // Another (empty) store named by the environment: nothing is reserved there.
    expect(w.cli('agent_b', ['register', 'agent_b'], w.wt2, other).code).toBe(0);
    const r = w.commit(w.wt2, 'agent_b', 'b edits a, other store', other);
    expect(r.code, r.stderr).toBe(0);
    expect(r.moved).toBe(true);
    expect(w.stored()).toEqual({ [id]: ['src/a.ts'] });
  });

  it('install --warn: the conflicting commit goes through with a warning naming the holder', () => {
    const w = repoWorld();
    const install = w.cli('agent_a', ['--json', 'git-hook', 'install', '--warn']);
    expect(install.code, install.stderr).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ path: w.hookPath, mode: 'warn' });
    const id = w.claim('agent_a', 'edit a');
    expect(w.cli('agent_a', ['reserve', '--work', id, 'src/a.ts']).code).toBe(0);

    w.edit(w.wt2, 'src/a.ts', '// by b');
    const r = w.commit(w.wt2, 'agent_b', 'b edits a anyway', false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.moved).toBe(true);
    for (const part of ['src/a.ts', 'agent_a', id, 'committing anyway']) expect(r.stderr).toContain(part);
    expect(w.committed(w.wt2)).toEqual(['src/a.ts']);
    expect(w.stored()).toEqual({ [id]: ['src/a.ts'] });

    // Installing again without --warn turns the same hook into a refusing one (no --force needed).
    expect(w.cli('agent_a', ['git-hook', 'install']).code).toBe(0);
    w.edit(w.wt2, 'src/a.ts', '// by b, again');
    const refused = w.commit(w.wt2, 'agent_b', 'b edits a again', false);
    expect(refused.code).not.toBe(0);
    expect(refused.moved).toBe(false);
  });

  it("a foreign pre-commit hook is left alone (exit 4) unless --force, which moves it aside", () => {
    const w = repoWorld();
    const foreign = '#!/bin/sh\n# somebody else\'s hook\nexit 0\n';
    mkdirSync(join(w.wt1, '.git', 'hooks'), { recursive: true });
    writeFileSync(w.hookPath, foreign);
    chmodSync(w.hookPath, 0o755);

    const refused = w.cli('agent_a', ['git-hook', 'install']);
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(w.hookPath, 'utf8')).toBe(foreign);
    expect(existsSync(`${w.hookPath}.before-swarmfile`)).toBe(false);
    // From the second worktree too: it is the same hooks directory.
    expect(w.cli('agent_a', ['git-hook', 'install'], w.wt2).code).toBe(4);
    expect(readFileSync(w.hookPath, 'utf8')).toBe(foreign);

    const forced = w.cli('agent_a', ['--json', 'git-hook', 'install', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ path: w.hookPath, replaced: `${w.hookPath}.before-swarmfile`, mode: 'refuse' });
    expect(readFileSync(`${w.hookPath}.before-swarmfile`, 'utf8')).toBe(foreign);
    expect(readFileSync(w.hookPath, 'utf8')).toContain(MARK);

    // The installed hook works.
    const id = w.claim('agent_a', 'edit a');
    expect(w.cli('agent_a', ['reserve', '--work', id, 'src/a.ts']).code).toBe(0);
    w.edit(w.wt2, 'src/a.ts', '// by b');
    const r = w.commit(w.wt2, 'agent_b', 'b edits a', false);
    expect(r.code).not.toBe(0);
    expect(r.moved).toBe(false);
  });

  it('a path given from a subdirectory is the same path as from the root, in every worktree', () => {
    const w = repoWorld();
    const id = w.claim('agent_a', 'edit a');
    const r = w.cli('agent_a', ['--json', 'reserve', '--work', id, 'a.ts'], join(w.wt1, 'src'));
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { reserved_paths: { path: string }[] }).reserved_paths.map((p) => p.path)).toEqual(['src/a.ts']);
    expect(w.stored()).toEqual({ [id]: ['src/a.ts'] });

    // B, from the other worktree's root and from its src/: the same file, held by A.
    const idB = w.claim('agent_b', 'also a');
    const clash = w.cli('agent_b', ['reserve', '--work', idB, 'src/a.ts'], w.wt2);
    expect(clash.code, clash.stderr).toBe(12);
    for (const part of ['src/a.ts', 'agent_a', id]) expect(clash.stderr).toContain(part);
    for (const [cwd, file] of [[w.wt2, 'src/a.ts'], [join(w.wt2, 'src'), 'a.ts'], [join(w.wt1, 'src'), './a.ts']] as const) {
      const check = w.cli('agent_b', ['--json', 'check-paths', file], cwd);
      expect(check.code, `${cwd} ${file}: ${check.stderr}`).toBe(12);
      const body = JSON.parse(check.stdout) as { files: string[]; conflicts: { path: string; agent_id: string; work_item_id: string }[] };
      expect(body.files).toEqual(['src/a.ts']);
      expect(body.conflicts).toEqual([expect.objectContaining({ path: 'src/a.ts', agent_id: 'agent_a', work_item_id: id })]);
    }
    expect(w.cli('agent_b', ['check-paths', 'b.ts'], join(w.wt2, 'src')).code).toBe(0);
    // Giving it up from the root by its root-relative name frees it.
    const un = w.cli('agent_a', ['--json', 'unreserve', '--work', id, 'src/a.ts'], w.wt1);
    expect(un.code, un.stderr).toBe(0);
    expect(JSON.parse(un.stdout)).toMatchObject({ removed: ['src/a.ts'], not_held: [] });
    expect(w.stored()).toEqual({});
    expect(w.cli('agent_b', ['check-paths', 'a.ts'], join(w.wt2, 'src')).code).toBe(0);
  });

  it('check-paths --staged: nothing staged exits 0; a staged reserved file exits 12', () => {
    const w = repoWorld();
    const id = w.claim('agent_a', 'edit a');
    expect(w.cli('agent_a', ['reserve', '--work', id, 'src/a.ts']).code).toBe(0);
    for (const cwd of [w.wt2, join(w.wt2, 'src')]) {
      const empty = w.cli('agent_b', ['--json', 'check-paths', '--staged'], cwd);
      expect(empty.code, empty.stderr).toBe(0);
      expect(JSON.parse(empty.stdout)).toEqual({ files: [], conflicts: [] });
    }
    // An edited but unstaged file is not part of the commit.
    writeFileSync(join(w.wt2, 'src/a.ts'), 'changed\n');
    expect(w.cli('agent_b', ['check-paths', '--staged'], w.wt2).code).toBe(0);
    w.ok(w.wt2, ['add', 'src/a.ts']);
    const staged = w.cli('agent_b', ['--json', 'check-paths', '--staged'], join(w.wt2, 'src'));
    expect(staged.code, staged.stderr).toBe(12);
    expect(JSON.parse(staged.stdout)).toMatchObject({ files: ['src/a.ts'], conflicts: [{ path: 'src/a.ts', agent_id: 'agent_a', work_item_id: id }] });
    // The holder itself may commit it.
    expect(w.cli('agent_a', ['check-paths', '--staged'], w.wt2).code).toBe(0);
  });
});
