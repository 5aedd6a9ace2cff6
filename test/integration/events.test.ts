/**
 * The change log (issue 10), on every store: each committed change has exactly one event, written
 * in its commit (revisions 1..n, the item's `revision` naming its last one); refused and failed
 * operations write none; cursors resume exactly; `--follow` delivers new commits; `audit` passes
 * on a store worked by real processes and fails (exit 9) on each kind of tampering. File store
 * only: rotation and retention (a reader behind it is told so), SIGKILL mid-commit, a clock
 * stepped back, a symlink planted at the log's directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, type TestStore } from '../support/backends.js';
import { CLI, DIST, run, runSync, tempDir, WORKERS } from '../support/index.js';

const { Coordinator } = (await import(join(DIST, 'coordinator/Coordinator.js'))) as typeof import('../../src/coordinator/Coordinator.js');
type CoordinatorType = import('../../src/coordinator/Coordinator.js').Coordinator;
type LoggedEvent = import('../../src/model/changeEvent.js').LoggedEvent;

const FAST = { SWARMFILE_FSYNC: '0', REAP_INTERVAL_MS: '0', OTEL_SDK_DISABLED: 'true' };
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => String((e as { code?: string })?.code ?? e));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function opener(store: TestStore, env: Record<string, string> = {}) {
  const opened: CoordinatorType[] = [];
  const open = async (agentId: string) => {
    const c = await Coordinator.open({ ...store.open, agentId, env: { ...FAST, ...env } });
    opened.push(c);
    return c;
  };
  return { open, close: () => Promise.all(opened.map((c) => c.close())) };
}

/** Every event of the log, through the library. */
async function allEvents(c: CoordinatorType): Promise<LoggedEvent[]> {
  return (await c.events()).events;
}

const typesOf = (events: readonly LoggedEvent[], id: string) => events.filter((e) => e.work_item_id === id).map((e) => e.type);

describe.each(BACKENDS)('change log on the %s store', (backend) => {
  it('logs each change once, in its commit, with the revision the item carries', async () => {
    const store = freshStore(backend);
    const { open, close } = await opener(store, { MAX_RETRY_ATTEMPTS: '1', RETRY_BACKOFF_SECONDS: '0' });
    try {
      const a = await open('agent_a');
      const b = await open('agent_b');
      const one = await a.add({ workType: 'feature', description: 'one' });
      const two = await a.add({ workType: 'feature', description: 'two' });
      const claimed = await a.claimNext();
      expect(claimed.work_item_id).toBe(one.work_item_id);
      await a.progress(one.work_item_id, 40);
      // Refused changes write nothing: another agent's complete, a bad percent.
      expect(await codeOf(b.complete(one.work_item_id, { result: 'stolen' }))).toBe('NOT_OWNER');
      expect(await codeOf(a.progress(one.work_item_id, 400))).toBe('INVALID_INPUT');
      await a.complete(one.work_item_id, { result: 'ok', velocityPoints: 5 });
      const second = await b.claimNext();
      expect(second.work_item_id).toBe(two.work_item_id);
      await b.fail(two.work_item_id, { reason: 'broken' }); // MAX_RETRY_ATTEMPTS=1: dead
      await a.requeue(two.work_item_id);
      await a.cancel(two.work_item_id);
      const direct = await b.claim({ workType: 'bug', description: 'direct' });
      await b.release(direct.work_item_id);

      const events = await allEvents(a);
      expect(typesOf(events, one.work_item_id)).toEqual(['added', 'claimed', 'progressed', 'completed']);
      expect(typesOf(events, two.work_item_id)).toEqual(['added', 'claimed', 'dead', 'requeued', 'cancelled']);
      expect(typesOf(events, direct.work_item_id)).toEqual(['added', 'claimed', 'released']);
      for (const id of [one.work_item_id, two.work_item_id, direct.work_item_id]) {
        const mine = events.filter((e) => e.work_item_id === id);
        expect(mine.map((e) => e.revision)).toEqual(mine.map((_, i) => i + 1));
        expect((await a.show(id)).revision).toBe(mine.length);
      }
      const done = events.find((e) => e.type === 'completed')!;
      expect(done).toMatchObject({ credit: 'agent_a', velocity_points: 5, from: 'active', to: 'finished', agent_id: 'agent_a', status: 'completed' });
      expect(events.find((e) => e.type === 'progressed')).toMatchObject({ progress: 40, to: 'active' });
      const report = await a.audit();
      expect(report).toMatchObject({ consistent: true, coverage: 'complete', items: 3, events: events.length });
    } finally {
      await close();
    }
  });

  it('resumes exactly after a cursor, filters by type, and refuses a bad --since', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { ...FAST, AGENT_ID: 'agent_c' });
    for (let i = 0; i < 6; i++) expect(runSync(['-q', 'add', 'chore', `n${i}`], env).code).toBe(0);
    const first = runSync(['--json', 'events'], env);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);
    expect(lines.map((e) => e.type)).toEqual(Array(6).fill('added'));
    expect(runSync(['-q', 'claim-next'], env).code).toBe(0);
    const rest = runSync(['--json', 'events', '--since', lines[2]!.cursor], env).stdout.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);
    expect(rest.map((e) => `${e.type} ${e.work_item_id}`)).toEqual([...lines.slice(3).map((e) => `added ${e.work_item_id}`), `claimed ${lines[0]!.work_item_id}`]);
    const claims = runSync(['--json', 'events', '--type', 'claimed,completed'], env).stdout.trim().split('\n');
    expect(claims.map((l) => JSON.parse(l).type)).toEqual(['claimed']);
    expect(runSync(['events', '--since', '10m'], env).stdout.trim().split('\n').length).toBe(7);
    expect(runSync(['events', '--since', '2999-01-01T00:00:00Z'], env).stdout).toBe('');
    for (const bad of [['--since', 'yesterday'], ['--type', 'exploded'], ['--since', backend === 'file' ? 'p12' : 'f1.0-1.0']]) {
      const r = runSync(['events', ...bad], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/INVALID_INPUT/);
      expect(r.stdout).toBe('');
    }
  });

  it('--follow prints each new commit as it happens, and ends with exit 0 on SIGTERM', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { ...FAST, AGENT_ID: 'agent_f' });
    expect(runSync(['-q', 'add', 'chore', 'before'], env).code).toBe(0);
    const child = spawn(process.execPath, [CLI, '--json', 'events', '--follow', '--type', 'added'], { env: { PATH: process.env.PATH!, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const seen = async (n: number) => {
      for (let t = 0; t < 300 && out.split('\n').filter(Boolean).length < n; t++) await sleep(50);
      return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoggedEvent);
    };
    expect((await seen(1)).map((e) => e.type)).toEqual(['added']);
    expect((await run(['-q', 'add', 'chore', 'after one'], env)).code).toBe(0);
    expect((await run(['-q', 'claim-next'], env)).code).toBe(0); // filtered out
    expect((await run(['-q', 'add', 'chore', 'after two'], env)).code).toBe(0);
    const got = await seen(3);
    expect(got.map((e) => e.type)).toEqual(['added', 'added', 'added']);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('audit passes on a store worked by 6 processes at once', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { ...FAST });
    const { open, close } = await opener(store);
    try {
      const c = await open('feeder');
      for (let i = 0; i < 60; i++) await c.add({ workType: 'job', description: `job ${i}` });
    } finally {
      await close();
    }
    const logs = Array.from({ length: 6 }, (_, i) => join(tempDir(), `worker${i}.log`));
    const workers = logs.map(
      (log, i) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [join(WORKERS, 'queueWorker.mjs'), DIST, log], { env: { ...env, AGENT_ID: `w${i}` }, stdio: 'ignore' });
          child.on('close', (code) => resolve(code));
        }),
    );
    expect(await Promise.all(workers)).toEqual(Array(6).fill(0));
    const completes = logs.flatMap((l) => readFileSync(l, 'utf8').split('\n').filter((x) => x.startsWith('complete ')));
    expect(completes.length).toBe(60);
    const audit = runSync(['--json', 'audit'], env);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ consistent: true, coverage: 'complete', items: 60 });
    const events = runSync(['--json', 'events', '--type', 'completed'], env).stdout.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);
    expect(new Set(events.map((e) => e.work_item_id)).size).toBe(60);
    expect(events.length).toBe(60);
  });

  it('events --follow is refused inside a session (it would never end)', () => {
    const store = freshStore(backend);
    const env = envFor(store, { ...FAST });
    const r = runSync(['session'], env, 'add chore x\nevents --follow\nevents --json\n');
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(answers[1]).toMatchObject({ ok: false, code: 'USAGE' });
    expect(answers[2].ok).toBe(true);
  });
});

describe('change log files (file store)', () => {
  const fileEnv = (extra: Record<string, string> = {}) => {
    const dir = join(tempDir(), 'store');
    return { dir, env: envFor({ backend: 'file', dir, open: { dir } }, { ...FAST, AGENT_ID: 'agent_r', ...extra }) };
  };

  it('rotates lanes and deletes the oldest past EVENTS_MAX_MB; a reader behind that is told so (exit 13)', async () => {
    const limits = { EVENTS_ROTATION_MB: '0.001', EVENTS_MAX_MB: '0.01' };
    const { dir, env } = fileEnv(limits);
    const first = runSync(['-q', 'add', 'chore', 'first'], env);
    expect(first.code).toBe(0);
    const start = JSON.parse(runSync(['--json', 'events'], env).stdout.trim()) as LoggedEvent;
    const { open, close } = await opener({ backend: 'file', dir, open: { dir } }, limits);
    const c = await open('agent_r');
    for (let i = 0; i < 300; i++) await c.add({ workType: 'chore', description: `item ${i} ${'x'.repeat(200)}` });
    await close();
    const files = readdirSync(join(dir, 'events'));
    expect(files.some((f) => /^lane\.\d\d\.\d{6}\.jsonl$/.test(f))).toBe(true);
    const bytes = files.filter((f) => f.endsWith('.jsonl')).reduce((n, f) => n + readFileSync(join(dir, 'events', f)).length, 0);
    // Each lane keeps at most its share of the budget or its newest segment (~1 KB), plus the file being appended (<~1.5 KB).
    expect(bytes).toBeLessThan(0.01 * 1024 * 1024 + 32 * 2 * 1600);
    expect(bytes).toBeLessThan(300 * 400); // and far less than was written
    const behind = runSync(['events', '--since', start.cursor], env);
    expect(behind.code).toBe(13);
    expect(behind.stderr).toMatch(/EVENTS_GAP.*retention/);
    expect(behind.stdout).toBe('');
    const onward = runSync(['events', '--since', start.cursor, '--allow-gap'], env);
    expect(onward.code).toBe(0);
    expect(onward.stderr).toMatch(/lost to this reader/);
    const audit = runSync(['--json', 'audit'], env);
    expect(audit.code, audit.stdout).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ consistent: true, coverage: 'partial' });
  });

  it.skipIf(spawnSync('strace', ['-V']).status !== 0)('a slow reader (strace delays its file calls) while lanes rotate under 3 writers: the --since chain is exactly the log', async () => {
    const limits = { EVENTS_ROTATION_MB: '0.001' };
    const { dir, env } = fileEnv(limits);
    expect(runSync(['-q', 'add', 'chore', 'seed'], env).code).toBe(0);
    const { open, close } = await opener({ backend: 'file', dir, open: { dir } }, limits);
    const writers = await Promise.all([0, 1, 2].map((i) => open(`writer_${i}`)));
    let done = false;
    const writing = Promise.all(writers.map(async (w, i) => {
      for (let n = 0; n < 120; n++) await w.add({ workType: 'chore', description: `writer ${i} item ${n}` });
    })).then(() => (done = true));
    const chain: LoggedEvent[] = [];
    let cursor: string | null = null;
    for (let reads = 0; reads < 200; reads++) {
      const last = done;
      const args = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=statx,newfstatat,lstat,openat', '-e', 'inject=statx,newfstatat,lstat,openat:delay_enter=3000', process.execPath, CLI, '--json', 'events', ...(cursor ? ['--since', cursor] : [])];
      const r = await new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
        const p = spawn('strace', args, { env: { PATH: process.env.PATH!, ...env } });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ out, err, code }));
      });
      expect(r.code, r.err).toBe(0);
      for (const line of r.out.split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as LoggedEvent;
        chain.push(e);
        cursor = e.cursor;
      }
      if (last) break;
    }
    await writing;
    await close();
    const all = runSync(['--json', 'events'], env).stdout.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);
    expect(all).toHaveLength(361);
    const key = (e: LoggedEvent) => `${e.work_item_id}#${e.revision}`;
    expect(chain.map(key).sort()).toEqual(all.map(key).sort());
  }, 180_000);

  it('an item\'s events come in revision order even when the clock is stepped back between its changes', () => {
    const { env } = fileEnv();
    const id = runSync(['-q', 'claim', 'feature', 'stepped'], env).stdout.trim();
    for (let i = 1; i <= 6; i++) expect(runSync(['progress', id, String(i * 10)], { ...env, SWARMFILE_CLOCK_OFFSET_MS: String(-i * 60_000) }).code).toBe(0);
    const events = runSync(['--json', 'events'], env).stdout.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);
    expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.slice(2).map((e) => e.progress)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(runSync(['audit'], env).code).toBe(0);
  });

  it.each(['before-commit', 'after-intent', 'after-op-0', 'after-op-1', 'before-rename-intent'])('SIGKILL at %s: the event exists exactly when the change does', (step) => {
    const { env } = fileEnv();
    const id = runSync(['-q', 'claim', 'feature', 'crashy'], env).stdout.trim();
    const killed = runSync(['progress', id, '55'], { ...env, SWARMFILE_CRASH_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    const shown = JSON.parse(runSync(['--json', 'show', id], env).stdout);
    const progressed = runSync(['--json', 'events', '--type', 'progressed'], env).stdout.trim().split('\n').filter(Boolean);
    expect(progressed.length).toBe(shown.progress === 55 ? 1 : 0);
    expect(shown.revision).toBe(2 + progressed.length);
    const audit = runSync(['audit'], env);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });

  it('audit finds each kind of tampering (exit 9) and names the item', () => {
    const { dir, env } = fileEnv();
    const a = runSync(['-q', 'claim', 'feature', 'a'], env).stdout.trim();
    const b = runSync(['-q', 'claim', 'feature', 'b'], env).stdout.trim();
    expect(runSync(['complete', a, 'ok', '3'], env).code).toBe(0);
    expect(runSync(['progress', b, '20'], env).code).toBe(0);
    expect(runSync(['audit'], env).code).toBe(0);
    const lanes = readdirSync(join(dir, 'events')).filter((f) => /^lane\.\d\d\.jsonl$/.test(f)).map((f) => join(dir, 'events', f));
    const lineOf = (pred: (e: LoggedEvent) => boolean) => {
      for (const f of lanes) for (const l of readFileSync(f, 'utf8').split('\n')) if (l && pred(JSON.parse(l))) return { f, l };
      throw new Error('no such line');
    };
    const checks = () => {
      const r = runSync(['--json', 'audit'], env);
      expect(r.code).toBe(9);
      expect(r.stderr).toMatch(/AUDIT_FAILED/);
      return (JSON.parse(r.stdout).discrepancies as { check: string; work_item_id?: string; agent_id?: string }[]).map((d) => `${d.check} ${d.work_item_id ?? d.agent_id}`);
    };
    const original = new Map(lanes.map((f) => [f, readFileSync(f, 'utf8')]));
    const restore = () => {
      for (const [f, t] of original) writeFileSync(f, t);
    };
    // A completion logged twice: completed twice, and counters that disagree with the log.
    const done = lineOf((e) => e.type === 'completed');
    appendFileSync(done.f, done.l + '\n');
    expect(checks()).toEqual(expect.arrayContaining([`completed_twice ${a}`, `counters ${JSON.parse(done.l).credit}`]));
    restore();
    // A progress without its event.
    const prog = lineOf((e) => e.type === 'progressed');
    writeFileSync(prog.f, original.get(prog.f)!.replace(prog.l + '\n', ''));
    expect(checks()).toContain(`change_without_event ${b}`);
    restore();
    // An event for a change that never happened.
    appendFileSync(prog.f, JSON.stringify({ ...JSON.parse(prog.l), revision: 9, progress: 90 }) + '\n');
    expect(checks()).toContain(`event_without_change ${b}`);
    restore();
    // Below an item's last revision: a change missing from the middle, and one relabelled.
    const claimedA = lineOf((e) => e.type === 'claimed' && e.work_item_id === a);
    writeFileSync(claimedA.f, original.get(claimedA.f)!.replace(claimedA.l + '\n', ''));
    expect(checks()).toContain(`change_without_event ${a}`);
    restore();
    writeFileSync(claimedA.f, original.get(claimedA.f)!.replace(claimedA.l, claimedA.l.replace('"type":"claimed"', '"type":"released"')));
    expect(checks()).toContain(`broken_chain ${a}`);
    restore();
    // An item the log never saw (the log holds the whole history): a record added behind its back.
    const shard = readdirSync(dir).find((f) => /^work_claims\.\d{3}\.json$/.test(f) && JSON.parse(readFileSync(join(dir, f), 'utf8')).length > 0)!;
    const items = JSON.parse(readFileSync(join(dir, shard), 'utf8'));
    writeFileSync(join(dir, shard), JSON.stringify([...items, { ...items[0], work_item_id: 'work_smuggled', revision: 1 }]));
    expect(checks()).toEqual(expect.arrayContaining(['not_logged work_smuggled']));
    writeFileSync(join(dir, shard), JSON.stringify(items));
    expect(runSync(['audit'], env).code).toBe(0);
  });

  it('fsck reports a damaged lane; repair moves it aside under its lock; readers are told of the loss, and audit says partial', () => {
    const { dir, env } = fileEnv();
    const id = runSync(['-q', 'claim', 'feature', 'damaged log'], env).stdout.trim();
    const cursor = (JSON.parse(runSync(['--json', 'events'], env).stdout.trim().split('\n').pop()!) as LoggedEvent).cursor;
    const lane = readdirSync(join(dir, 'events')).find((f) => /^lane\.\d\d\.jsonl$/.test(f))!;
    appendFileSync(join(dir, 'events', lane), '{"not json\n');
    const fsck = runSync(['--json', 'fsck'], env);
    expect(fsck.code).toBe(9);
    expect(JSON.parse(fsck.stdout).findings).toEqual(expect.arrayContaining([expect.objectContaining({ file: `events/${lane}`, kind: 'bad_line', severity: 'damage' })]));
    expect(runSync(['events'], env).code).toBe(9);
    const repaired = runSync(['--json', 'repair'], env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(readdirSync(join(dir, 'events')).some((f) => f.startsWith(`${lane}.damaged-`))).toBe(true);
    expect(runSync(['fsck'], env).code).toBe(0);
    expect(runSync(['progress', id, '30'], env).code).toBe(0);
    const behind = runSync(['events', '--since', cursor], env);
    expect(behind.code).toBe(13);
    expect(behind.stderr).toMatch(/replaced/);
    const audit = runSync(['--json', 'audit'], env);
    expect(JSON.parse(audit.stdout)).toMatchObject({ coverage: 'partial' });
  });

  it('a symlink planted at events/ is refused by writers and readers, and nothing is written through it', () => {
    const { dir, env } = fileEnv();
    expect(runSync(['-q', 'add', 'chore', 'x'], env).code).toBe(0);
    const elsewhere = tempDir();
    renameSync(join(dir, 'events'), join(elsewhere, 'moved'));
    mkdirSync(join(elsewhere, 'target'));
    symlinkSync(join(elsewhere, 'target'), join(dir, 'events'));
    for (const args of [['add', 'chore', 'y'], ['events']]) {
      const r = runSync(args, env);
      expect(r.code, r.stderr).toBe(9);
      expect(r.stderr).toMatch(/symbolic link/);
    }
    expect(readdirSync(join(elsewhere, 'target'))).toEqual([]);
    expect(existsSync(join(elsewhere, 'moved'))).toBe(true);
  });
});
