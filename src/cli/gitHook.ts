/**
 * git's side of file-path reservations (issue 9): the staged files of a commit, and the pre-commit
 * hook that asks check-paths about them. The hook goes to the repository's common hooks
 * directory (`git rev-parse --git-path hooks`), so every worktree runs it, and names the store by
 * absolute path, so every worktree checks the same store.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SwarmError } from '../errors.js';

const MARK = '# swarmfile-hook: pre-commit v1';

function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new SwarmError('INVALID_INPUT', `git ${args.join(' ')} failed in ${cwd}: ${stderr || (err as Error).message}`, { cwd });
  }
}

/** The repository's top level (of this worktree). */
export function gitTopLevel(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).trim();
}

/** Files a commit from `cwd` would touch, relative to the top level (renames as both names). */
export function stagedFiles(cwd: string): string[] {
  return git(cwd, ['-c', 'core.quotePath=false', 'diff', '--cached', '--name-only', '--no-renames', '--no-relative', '-z'])
    .split('\0')
    .filter((f) => f !== '');
}

/** A word for sh, quoted: nothing in it is expanded. */
const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export interface HookInstall {
  /** Where the hook was written. */
  path: string;
  /** A hook that was not swarmfile's, moved aside (with --force). */
  replaced: string | null;
  mode: 'refuse' | 'warn';
}

/**
 * Writes the pre-commit hook. `store` is what the hook exports when the committing environment
 * names no store (COORDINATION_DIR=<abs> or COORDINATION_URL=<url>), and `telemetryDir` the
 * journal's directory (absolute) when it names none. A store error refuses the commit (fails
 * closed) unless the hook was installed with --warn. A hook that is not
 * swarmfile's is left alone unless `force` (then it is moved aside beside it).
 */
export function installHook(cwd: string, opts: { warn: boolean; force: boolean; store: { dir: string } | { url: string }; telemetryDir: string }): HookInstall {
  const hooks = resolve(cwd, git(cwd, ['rev-parse', '--git-path', 'hooks']).trim());
  mkdirSync(hooks, { recursive: true });
  const path = join(hooks, 'pre-commit');
  let replaced: string | null = null;
  if (existsSync(path) && !readFileSync(path, 'utf8').includes(MARK)) {
    if (!opts.force) {
      throw new SwarmError('WRONG_STATE', `${path} exists and is not swarmfile's hook; it was left as it is (--force moves it aside to pre-commit.before-swarmfile and installs this one)`, { path });
    }
    replaced = `${path}.before-swarmfile`;
    renameSync(path, replaced);
  }
  const cli = realpathSync(process.argv[1] ?? '');
  const store = 'dir' in opts.store ? `COORDINATION_DIR=${shQuote(resolve(opts.store.dir))}; export COORDINATION_DIR` : `COORDINATION_URL=${shQuote(opts.store.url)}; export COORDINATION_URL`;
  const onConflict = opts.warn
    ? `echo "swarmfile: committing anyway (hook installed with --warn)" >&2\n  exit 0`
    : `echo "swarmfile: commit refused: another agent's live claim has reserved these paths (AGENT_ID=\${AGENT_ID:-unset}). Wait for it, or commit with --no-verify." >&2\n  exit 12`;
  const script = `#!/bin/sh
${MARK} (${opts.warn ? 'warn' : 'refuse'})
# Installed by \`coordination_helper git-hook install\`: asks the swarmfile store whether the staged
# files are reserved by another agent's live claim (check-paths --staged). Run it again to change it.
if [ -z "\${COORDINATION_DIR:-}\${COORDINATION_URL:-}" ]; then ${store}; fi
# The journal goes where the install's went, never into the worktree being committed.
if [ -z "\${TELEMETRY_DIR:-}" ]; then TELEMETRY_DIR=${shQuote(resolve(opts.telemetryDir))}; export TELEMETRY_DIR; fi
${shQuote(process.execPath)} ${shQuote(cli)} check-paths --staged
status=$?
if [ "$status" -eq 12 ]; then
  ${onConflict}
fi
${opts.warn ? 'exit 0' : 'exit $status'}
`;
  const tmp = `${path}.swarmfile-${process.pid}`;
  writeFileSync(tmp, script, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
  return { path, replaced, mode: opts.warn ? 'warn' : 'refuse' };
}
