// Bundle-only stand-in for signal-exit (used by proper-lockfile, and formerly write-file-atomic, to
// clean up locks and temp files when the process is interrupted). The real module installs and
// removes a handler for ~17 signals around every lock and atomic write, each through libuv's
// signal lock: about 7 ms per CLI call. swarmfile does not need it: a lock or temp file left by an
// interrupted process (SIGINT, SIGTERM or SIGKILL alike) is taken over or swept by the next process
// that locks that file (src/lock/acquireLocks.ts, src/store/Store.ts). Normal exit still runs the
// handlers.
function onExit(cb) {
  const handler = (code) => cb(code, null);
  process.once('exit', handler);
  return () => process.removeListener('exit', handler);
}
module.exports = onExit;
module.exports.onExit = onExit;
