/**
 * proper-lockfile style stress test: workers increment a shared counter with a slow
 * read-modify-write under the lock while a chaos loop SIGKILLs them (leaving stale locks that
 * must be taken over). Two holders at once would lose increments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/index.js';

describe('lock under SIGKILL chaos', () => {
  it('never has two holders: no increment is lost', async () => {
    const dir = tempDir();
    const counter = join(dir, 'counter');
    const log = join(dir, 'log');
    const live = new Set<ChildProcess>();
    let kills = 0;
    let stop = false;
    const start = (): Promise<void> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [join(ROOT, 'test/support/workers/lockWorker.mjs'), (process.env.LOCK_DIST ?? join(ROOT, 'dist')), counter, log, '400'], { stdio: 'ignore' });
        live.add(child);
        child.on('close', () => {
          live.delete(child);
          // Restart killed workers until the chaos phase ends.
          if (!stop) void start().then(done);
          else done();
        });
      });
    const workers = Array.from({ length: 6 }, start);
    const chaos = (async () => {
      const until = Date.now() + (process.env.CHAOS ? 120_000 : 12_000);
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
        const victims = [...live];
        const v = victims[Math.floor(Math.random() * victims.length)];
        if (v?.kill('SIGKILL')) kills++;
      }
      stop = true;
      for (const c of live) c.kill('SIGKILL');
    })();
    await chaos;
    await Promise.all(workers);
    const logged = readFileSync(log, 'utf8').trim().split('\n');
    const value = Number(readFileSync(counter, 'utf8'));
    expect(kills).toBeGreaterThan(5);
    // Each logged increment wrote a distinct value: a double holder would write one value twice.
    expect(new Set(logged.map((l) => l.split(' ')[1])).size).toBe(logged.length);
    // The counter holds every logged increment (a killed worker may have written without logging).
    expect(value).toBeGreaterThanOrEqual(logged.length);
    expect(value - logged.length).toBeLessThanOrEqual(kills);
  });
});
