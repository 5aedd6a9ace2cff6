// Takes swarmfile's lock on a file, says "held" on stdout, and keeps it until killed.
// usage: node lockHolder.mjs <distDir> <file>
const [distDir, file] = process.argv.slice(2);
const { acquireLock, newLockStats } = await import(`${distDir}/lock/acquireLocks.js`);
await acquireLock(file, { timeoutMs: 10_000, retries: 100_000, backoffMs: 1, backoffMaxMs: 20, staleMs: Number(process.argv[4] ?? 60_000), hungAction: 'kill' }, newLockStats());
process.stdout.write('held\n');
setInterval(() => undefined, 1000);
