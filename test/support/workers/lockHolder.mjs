// Takes swarmfile's lock on a file, says "held" on stdout, and keeps it until killed; on SIGUSR2
// it reports on stdout whether its lock is still its own ("still-held" / "lost").
// usage: node lockHolder.mjs <distDir> <file> [staleMs]
const [distDir, file, stale] = process.argv.slice(2);
const { acquireLock, newLockStats } = await import(`${distDir}/lock/acquireLocks.js`);
const lock = await acquireLock(file, { timeoutMs: 10_000, retries: 100_000, backoffMs: 1, backoffMaxMs: 20, staleMs: Number(stale ?? 60_000), hungAction: 'kill' }, newLockStats());
// The handler first: the test may stop this process the moment it reads "held" and signal it the
// moment it resumes, before another line of this script has run (SIGUSR2 would otherwise kill it).
process.on('SIGUSR2', () => process.stdout.write(lock.stillHeld() ? 'still-held\n' : 'lost\n'));
process.stdout.write('held\n');
setInterval(() => undefined, 1000);
