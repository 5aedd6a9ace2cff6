// Holds swarmfile's lock on a file while doing synchronous file I/O for <ms> milliseconds without
// ever yielding to the event loop (as a CLI process in blocking mode does through a long
// operation), then prints "done" and exits 0. Its lock timer cannot fire meanwhile.
// usage: node busyHolder.mjs <distDir> <file> <staleMs> <ms>
const [distDir, file, stale, ms] = process.argv.slice(2);
const { acquireLock, newLockStats } = await import(`${distDir}/lock/acquireLocks.js`);
const fs = await import(`${distDir}/fsAsync.js`);
fs.useBlockingIo(true);
const lock = await acquireLock(file, { timeoutMs: 10_000, retries: 100_000, backoffMs: 1, backoffMaxMs: 20, staleMs: Number(stale), hungAction: 'kill' }, newLockStats());
process.stdout.write('held\n');
const until = Date.now() + Number(ms);
while (Date.now() < until) await fs.stat(file).catch(() => null);
process.stdout.write(lock.stillHeld() ? 'done\n' : 'lost\n');
await lock.release();
