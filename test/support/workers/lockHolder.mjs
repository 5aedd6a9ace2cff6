// Takes swarmfile's lock on a file, says "held" on stdout, and keeps it until killed; on SIGUSR2
// it reports on stdout whether its lock is still its own ("still-held" / "lost").
// usage: node lockHolder.mjs <distDir> <file> [staleMs]
const [distDir, file, stale] = process.argv.slice(2);
const { acquireLock, newLockStats } = await import(`${distDir}/lock/acquireLocks.js`);
const lock = await acquireLock(file, { timeoutMs: 10_000, retries: 100_000, backoffMs: 1, backoffMaxMs: 20, staleMs: Number(stale ?? 60_000), hungAction: 'kill' }, newLockStats());
process.stdout.write('held\n');
process.on('SIGUSR2', () => process.stdout.write(lock.stillHeld() ? 'still-held\n' : 'lost\n'));
setInterval(() => undefined, 1000);
