// One agent as a real OS process for reservation races, driven line by line over stdin so a test
// can start many of them at the same instant (reservationRaces.test.ts). Its claims record its own
// pid (claim_pid), so SIGKILLing it leaves claims whose process is gone.
//   stdin  {"round":R,"paths":[...],"shared":bool}  claim a fresh item (type race_R) with the library
//   stdout {"ready":R,"id":ID,"token":N}             the claim is made; waiting for the start signal
//   stdin  go                                        reserve the round's paths on that claim, at once
//   stdout {"round":R,"id":ID,"outcome":"OK"|CODE,"reserved":[paths]|null,"conflicts":[...]}
//                                                    written only after reserve returned
//   stdin  exit (or end of input)                    close the store and exit
// usage: node reserveRacer.mjs <distDir> <repoRoot>
// Env: COORDINATION_DIR or COORDINATION_URL, AGENT_ID. A LOCK_TIMEOUT (nothing written) is retried.
import { createInterface } from 'node:readline';

const [distDir, root] = process.argv.slice(2);
if (!distDir || !root) {
  console.error('usage: node reserveRacer.mjs <distDir> <repoRoot>');
  process.exit(2);
}
const { Coordinator, isSwarmError } = await import(`${distDir}/index.js`);
const coord = await Coordinator.open({ env: process.env });
/** @type {{ round: number, paths: string[], shared: boolean, id: string } | null} */
let pending = null;
/** @param {unknown} value */
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

/** @template T @param {() => Promise<T>} call @returns {Promise<T>} */
async function retryBusy(call) {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isSwarmError(err, 'LOCK_TIMEOUT')) throw err;
    }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') break;
  if (line === 'go') {
    if (!pending) throw new Error('go before a round was set');
    const { round, paths, shared, id } = pending;
    pending = null;
    try {
      const item = await retryBusy(() => coord.reserve(id, paths, { shared, root, cwd: root }));
      say({ round, id, outcome: 'OK', reserved: (item.reserved_paths ?? []).map((/** @type {{ path: string }} */ r) => r.path), conflicts: [] });
    } catch (err) {
      const code = isSwarmError(err) ? /** @type {{ code: string }} */ (err).code : `INTERNAL ${String(err)}`;
      const conflicts = /** @type {{ details?: { conflicts?: unknown[] } }} */ (err).details?.conflicts ?? [];
      say({ round, id, outcome: code, reserved: null, conflicts });
    }
    continue;
  }
  const { round, paths, shared } = JSON.parse(line);
  const item = await retryBusy(() => coord.claim({ workType: `race_${round}`, description: `racer ${process.env.AGENT_ID} round ${round}` }));
  pending = { round, paths, shared: !!shared, id: item.work_item_id };
  say({ ready: round, id: item.work_item_id, token: item.fencing_token });
}
await coord.close();
