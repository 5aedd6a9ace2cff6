// A lock stress worker: increments a shared counter with a deliberately slow read-modify-write
// under swarmfile's lock, and logs each increment only after it is written.
// usage: node lockWorker.mjs <distDir> <counterFile> <logFile> <iterations>
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
const [distDir, counter, log, iterations] = process.argv.slice(2);
const { acquireLock, newLockStats } = await import(`${distDir}/lock/acquireLocks.js`);
const cfg = { timeoutMs: 60_000, retries: 1_000_000, backoffMs: 1, backoffMaxMs: 20, staleMs: 2000, hungAction: 'kill' };
for (let i = 0; i < Number(iterations); i++) {
  const lock = await acquireLock(counter, cfg, newLockStats());
  let n = 0;
  try {
    n = Number(readFileSync(counter, 'utf8'));
  } catch {}
  await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
  if (!lock.stillHeld()) throw new Error('lost the lock while holding it');
  // Replace by rename, so a worker killed mid-write cannot leave a truncated counter behind.
  writeFileSync(`${counter}.${process.pid}`, String(n + 1));
  renameSync(`${counter}.${process.pid}`, counter);
  appendFileSync(log, `${process.pid} ${n + 1}\n`);
  await lock.release();
}
