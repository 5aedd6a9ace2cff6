// Bundle-only stand-in for graceful-fs. proper-lockfile loads graceful-fs as its default `fs`,
// but swarmfile always passes its own `fs` (src/lock/acquireLocks.ts), so the real module (which
// patches fs and pulls in stream and assert at start-up) would be dead weight on every CLI call.
module.exports = require('node:fs');
