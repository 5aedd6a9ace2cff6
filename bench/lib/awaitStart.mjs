// @ts-check
/**
 * The channel children's start (bench/children/*Agent.mjs): connected, they say `ready` on stdout
 * and wait for the runner's `go` on stdin, so that every agent's cycles start together however
 * long the others took to start (32 MCP servers and their clients take many seconds on 2 cores).
 * Without `handshake` (an older runner), they wait for `startAt` (epoch ms) instead.
 * @param {{ handshake?: boolean, startAt?: number }} spec
 * @returns {Promise<void>}
 */
export async function awaitStart(spec) {
  if (!spec.handshake) {
    await new Promise((r) => setTimeout(r, Math.max(0, (spec.startAt ?? 0) - Date.now())));
    return;
  }
  process.stdout.write('ready\n');
  await new Promise((resolve) => {
    process.stdin.once('data', resolve);
    process.stdin.once('end', resolve);
  });
  process.stdin.pause();
}
