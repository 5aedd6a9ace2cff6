/**
 * `coordination_helper session` driven from bash through a real `coproc`, as agents run it
 * (test/support/workers/sessionDriver.sh and sessionCycles.sh), on both stores: a whole
 * add -> claim-next -> progress -> complete cycle with its answers checked against the store;
 * failures (NOT_OWNER, a malformed line, refused commands) answered with ok:false while the
 * session goes on; text with spaces, quotes, $ and backslashes stored verbatim; end of input
 * exiting 0; the claim of a SIGKILLed agent script reaped as process_gone; and 8 concurrent
 * sessions draining one backlog exactly once, checked from the store.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, readTestStore } from '../support/backends.js';
import { CLI, requireBuild, runSync, storeEnv, tempDir, WORKERS } from '../support/index.js';
import { assertConsistent, assertExactlyOnce, ledgerProblems } from '../support/storeInvariants.mjs';

requireBuild();

interface Answer {
  ok: boolean;
  exit: number;
  code?: string;
  error?: string;
  id?: string;
  stdout: string;
  stderr: string;
  result?: Record<string, unknown>;
}

/** Runs sessionDriver.sh over `lines`; returns its answers, its pids and the session's exit status. */
function drive(env: Record<string, string>, lines: string[]) {
  const base = tempDir('session-');
  const linesFile = join(base, 'lines');
  const out = join(base, 'answers');
  writeFileSync(linesFile, lines.join('\n') + '\n');
  const r = spawnSync('bash', [join(WORKERS, 'sessionDriver.sh'), linesFile, out], { env: { ...env, CLI }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return { ...parseLog(readFileSync(out, 'utf8')), stderr: r.stderr };
}

function parseLog(text: string) {
  const rows = text.split('\n').filter(Boolean);
  // stdout carries answer lines only: every line the driver read is one JSON object.
  const answers = rows.filter((l) => !l.startsWith('# ')).map((l) => JSON.parse(l) as Answer);
  const [, script, coprocess] = /^# script (\d+) coprocess (\d+)$/.exec(rows[0] ?? '') ?? [];
  const exit = /^# exit (\d+)$/.exec(rows[rows.length - 1] ?? '')?.[1];
  return { answers, scriptPid: Number(script), coprocessPid: Number(coprocess), exit: exit === undefined ? null : Number(exit), held: rows.includes('# held') };
}

const show = (env: Record<string, string>, id: string) => JSON.parse(runSync(['--json', 'show', id], env).stdout) as Record<string, unknown>;

/** Alive and not a zombie (an orphan's parent may never reap it here). */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.each(BACKENDS)('session from a bash coproc (%s store)', (backend) => {
  it('runs add -> claim-next -> progress -> complete; errors answer ok:false and the session goes on; EOF exits 0', () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'session_agent' });
    const theirs = runSync(['-q', 'claim', 'feature', 'held by another agent'], { ...env, AGENT_ID: 'other_agent' }).stdout.trim();
    const { answers, exit, scriptPid, stderr } = drive(env, [
      '# a comment: no answer',
      "add feature 'first item' high backend_team",
      '',
      'claim-next --json',
      'progress @ID@ 50 review',
      `progress ${theirs} 10`,
      'add feature "unterminated',
      'add feature a|b',
      'session',
      'CURRENT_WORK_ITEM=x complete',
      '--dir /nonexistent/elsewhere list',
      'help claim',
      'bogus-command',
      'complete @ID@ success 8',
      'complete @ID@',
    ]);
    expect(exit).toBe(0);
    expect(stderr).toBe('');
    expect(answers).toHaveLength(13);
    const [added, claimed, progressed, notOwner, unterminated, operator, nested, assignment, otherStore, help, unknown, completed, twice] = answers;
    const id = added!.id!;
    expect(added).toMatchObject({ ok: true, exit: 0, id, stdout: `${id}\n` });
    expect(claimed).toMatchObject({ ok: true, exit: 0, id, result: { work_item_id: id, agent_id: 'session_agent', status: 'active', fencing_token: 1 } });
    expect(progressed).toMatchObject({ ok: true, exit: 0, id, stdout: '' });
    expect(notOwner).toMatchObject({ ok: false, code: 'NOT_OWNER', exit: 8 });
    expect(notOwner!.stderr).toContain('[NOT_OWNER]');
    for (const a of [unterminated, operator, nested, assignment, otherStore, unknown]) expect(a).toMatchObject({ ok: false, code: 'USAGE', exit: 2 });
    expect(unterminated!.error).toContain('unterminated double quote');
    expect(operator!.error).toContain("unquoted shell operator '|'");
    expect(nested!.error).toContain('cannot run inside a session');
    expect(assignment!.error).toContain('cannot set environment variables');
    expect(otherStore!.error).toContain("this session's store is");
    expect(unknown!.error).toBe("unknown command 'bogus-command'");
    expect(help).toMatchObject({ ok: true, exit: 0 });
    expect(help!.stdout).toContain('<work_type>');
    expect(completed).toMatchObject({ ok: true, exit: 0, id });
    expect(twice).toMatchObject({ ok: false, code: 'WRONG_STATE', exit: 4 });
    expect(twice).not.toHaveProperty('id');

    // The store agrees with the answers; the claim was the script's (the coproc subshell looked through).
    expect(show(env, id)).toMatchObject({ status: 'completed', agent_id: 'session_agent', velocity_points: 8, team: 'backend_team' });
    expect(show(env, theirs)).toMatchObject({ status: 'active', agent_id: 'other_agent', progress: 0 });
    expect(claimed!.result!.claim_pid).toBe(scriptPid);
  });

  it('stores quoted text with spaces, quotes, $, backticks and backslashes verbatim', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'session_agent' });
    const lines = [
      `claim feature "He said \\"it's done\\" \\\\o/ $HOME \`ls\` \\$(rm -rf /) ; | & tab\there" high`,
      `complete @ID@ 'single: "$PATH" \\ no escapes \\n' 3`,
      `--json show @ID@`,
    ];
    const { answers, exit } = drive(env, lines);
    expect(exit).toBe(0);
    expect(answers.map((a) => a.ok)).toEqual([true, true, true]);
    const want = { description: `He said "it's done" \\o/ $HOME \`ls\` $(rm -rf /) ; | & tab\there`, result: 'single: "$PATH" \\ no escapes \\n' };
    expect(answers[2]!.result).toMatchObject(want);
    expect(show(env, answers[0]!.id!)).toMatchObject({ ...want, status: 'completed' });
    assertConsistent(await readTestStore(store));
  });

  it("reaps the claim of a SIGKILLed agent script (process gone); its session ends on the closed pipe", async () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'doomed_agent', REAP_INTERVAL_MS: '3600000' });
    const id = runSync(['-q', 'add', 'feature', 'claimed, then orphaned'], env).stdout.trim();
    const base = tempDir('session-kill-');
    const linesFile = join(base, 'lines');
    const out = join(base, 'answers');
    writeFileSync(linesFile, 'claim-next\n@HOLD@\n');
    const script = spawn('bash', [join(WORKERS, 'sessionDriver.sh'), linesFile, out], { env: { ...env, CLI }, stdio: 'ignore' });
    try {
      for (let i = 0; i < 3000 && !(existsSync(out) && parseLog(readFileSync(out, 'utf8')).held); i++) await new Promise((r) => setTimeout(r, 10));
      const log = parseLog(readFileSync(out, 'utf8'));
      expect(log.answers).toEqual([expect.objectContaining({ ok: true, id })]);
      expect(show(env, id)).toMatchObject({ status: 'active', agent_id: 'doomed_agent', claim_pid: log.scriptPid });
      script.kill('SIGKILL');
      // The session reads end of input once the script is gone, closes its coordinator and exits.
      for (let i = 0; i < 3000 && running(log.coprocessPid); i++) await new Promise((r) => setTimeout(r, 10));
      expect(running(log.coprocessPid)).toBe(false);
      const reap = JSON.parse(runSync(['--json', 'reap'], env).stdout) as { reaped: { work_item_id: string; reason: string }[] };
      expect(reap.reaped).toEqual([expect.objectContaining({ work_item_id: id, reason: 'process_gone' })]);
      expect(show(env, id)).toMatchObject({ status: 'pending', agent_id: null });
    } finally {
      script.kill('SIGKILL');
    }
  });

  it('8 concurrent sessions drain one backlog: every item completed exactly once, by the agent told so', async () => {
    const store = freshStore(backend);
    const env = envFor(store);
    const items = 48;
    const ids = drive(env, Array.from({ length: items }, (_, i) => `add feature "item ${i}" ${['critical', 'high', 'medium', 'low'][i % 4]}`)).answers.map((a) => a.id!);
    expect(new Set(ids).size).toBe(items);
    const base = tempDir('session-many-');
    const logs = Array.from({ length: 8 }, (_, a) => join(base, `agent_${a}.log`));
    await Promise.all(
      logs.map(
        (log, a) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn('bash', [join(WORKERS, 'sessionCycles.sh'), log], { env: { ...env, CLI, AGENT_ID: `cycler_${a}` }, stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (d) => (stderr += d));
            child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`agent ${a} exited ${code}: ${stderr}`))));
          }),
      ),
    );
    const ledger = { claimed: new Set<string>(), progressed: new Set<string>(), completed: new Set<string>() };
    const completedBy = new Map<string, string[]>();
    for (const [a, log] of logs.entries()) {
      const rows = readFileSync(log, 'utf8').trim().split('\n');
      expect(rows.at(-1)).toBe('exit 0');
      const parsed = rows.slice(0, -1).map((r) => ({ op: r.slice(0, r.indexOf(' ')), answer: JSON.parse(r.slice(r.indexOf(' ') + 1)) as Answer }));
      // Each agent stops at its first failed claim-next, which must say the backlog is empty.
      expect(parsed.at(-1)).toMatchObject({ op: 'claim', answer: { ok: false, code: 'NOTHING_CLAIMABLE', exit: 7 } });
      for (const { op, answer } of parsed.slice(0, -1)) {
        expect(answer, `${op} of agent ${a}`).toMatchObject({ ok: true });
        if (op === 'claim') ledger.claimed.add(answer.id!);
        if (op === 'progress') ledger.progressed.add(answer.id!);
        if (op === 'complete') {
          ledger.completed.add(answer.id!);
          completedBy.set(answer.id!, [...(completedBy.get(answer.id!) ?? []), `cycler_${a}`]);
        }
      }
    }
    const s = await readTestStore(store);
    const places = assertExactlyOnce(s, ids);
    expect([...places.values()].every((p) => p === 'completed')).toBe(true);
    assertConsistent(s);
    expect(ledgerProblems(s, ledger)).toEqual({ lost: { claims: [], progress: [], completions: [] }, problems: [] });
    expect([...ledger.completed].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(completedBy.get(id)).toHaveLength(1);
      expect(s.completed.get(id)?.agent_id).toBe(completedBy.get(id)![0]);
    }
  }, 120_000);
});

/** A session process driven from here: `ask` sends a line and resolves to its answer line. */
function startSession(env: Record<string, string>, globalArgs: string[] = []) {
  const child = spawn(process.execPath, [CLI, ...globalArgs, 'session'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: ((line: string) => void)[] = [];
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      waiting.shift()?.(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return {
    child,
    closed,
    stderr: () => stderr,
    send: (line: string) => child.stdin.write(`${line}\n`),
    ask: (line: string) => new Promise<Answer>((r) => {
      waiting.push((l) => r(JSON.parse(l) as Answer));
      child.stdin.write(`${line}\n`);
    }),
    next: () => new Promise<Answer>((r) => waiting.push((l) => r(JSON.parse(l) as Answer))),
  };
}

describe('how a session process ends', () => {
  it('SIGTERM during claim-next --wait: the line is answered first, then the session dies of the signal', async () => {
    const store = freshStore('file');
    const env = envFor(store, { AGENT_ID: 'waiting_agent' });
    const s = startSession(env);
    expect((await s.ask('generate-id')).ok).toBe(true);
    const answer = s.next();
    s.send('claim-next --wait 30');
    await new Promise((r) => setTimeout(r, 300));
    s.child.kill('SIGTERM');
    const id = runSync(['-q', 'add', 'feature', 'arrives during the wait'], env).stdout.trim();
    expect(await answer).toMatchObject({ ok: true, id });
    expect(await s.closed).toEqual({ code: null, signal: 'SIGTERM' });
    expect(show(env, id)).toMatchObject({ status: 'active', agent_id: 'waiting_agent' });
  });

  it('an answer nobody reads: the claim it handed out goes back to the backlog, and the session exits 11', async () => {
    const store = freshStore('file');
    const env = envFor(store, { AGENT_ID: 'deaf_agent' });
    const s = startSession(env);
    const id = (await s.ask("add feature 'to be claimed'")).id!;
    s.child.stdout.destroy(); // nobody reads the answers any more
    s.send('claim-next');
    expect((await s.closed).code).toBe(11);
    expect(s.stderr()).toMatch(new RegExp(`error \\[IO_ERROR\\]: .*the answer was lost, so ${id} was released back to the backlog`));
    expect(show(env, id)).toMatchObject({ status: 'pending', agent_id: null });
  });
});

describe('the session store', () => {
  it("is the session's own: a line naming another is refused, never printing the store URL's password", async () => {
    const s = startSession(storeEnv(join(tempDir(), 'unused')), ['--store', 'postgres://agent:s3cret@127.0.0.1:1/db']);
    const answer = await s.ask(`--dir ${tempDir()} list`);
    expect(answer).toMatchObject({ ok: false, code: 'USAGE', exit: 2, error: "this session's store is postgres://agent:***@127.0.0.1:1/db; --dir names another (start another session for it)" });
    expect(JSON.stringify(answer)).not.toContain('s3cret');
    s.child.stdin.end();
    expect(await s.closed).toEqual({ code: 0, signal: null });
  });
});

describe('session --help', () => {
  it('explains the protocol', () => {
    const h = runSync(['session', '--help'], {});
    expect(h.code).toBe(0);
    for (const words of ['Protocol', '"ok":true', '"code":"NOT_OWNER"', 'no answer', 'coproc', 'USAGE']) expect(h.stdout).toContain(words);
    expect(runSync(['--help'], {}).stdout).toContain('session');
  });
});
