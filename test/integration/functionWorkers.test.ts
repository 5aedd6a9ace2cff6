/**
 * Issue 16, defect 2: bash workers written as functions and run with `&` (the commonest pool) are
 * each their own agent process, so `kill -9` of one is detected and only its claims are reaped.
 * Their claims are made both as `$(coordination_helper claim-next)` and through a pipeline in a
 * substitution, `$(coordination_helper claim-next | tr -d '\n')`, which must be looked through.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runSync, storeEnv, tempDir } from '../support/index.js';

describe('bash function workers run with &', () => {
  it('kill -9 of one worker reaps exactly its claims (process_gone); the others keep theirs', async () => {
    const base = tempDir();
    const dir = join(base, 'store');
    const env = storeEnv(dir, { REAP_INTERVAL_MS: '3600000' });
    for (let i = 0; i < 6; i++) runSync(['-q', 'add', 'feature', `t${i}`], env);
    const script = join(base, 'pool.sh');
    writeFileSync(
      script,
      `H="${process.execPath} ${CLI}"
worker() {
  export AGENT_ID=worker_$1
  a=$($H -q claim-next)
  b=$($H -q claim-next | tr -d '\\n')
  echo "$1 $BASHPID $a $b"
  sleep 60
}
for i in 1 2 3; do worker $i & done
wait
`,
    );
    const pool = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    pool.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    try {
      for (let i = 0; i < 1500 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lines).toHaveLength(3);
      const workers = lines.map((l) => l.split(' ')).map(([n, pid, a, b]) => ({ n: n!, pid: Number(pid), ids: [a!, b!] }));
      const items = JSON.parse(runSync(['--json', 'list'], env).stdout) as { work_item_id: string; agent_id: string; claim_pid: number }[];
      for (const w of workers) for (const id of w.ids) expect(items.find((i) => i.work_item_id === id)?.claim_pid).toBe(w.pid);
      const victim = workers[1]!;
      process.kill(victim.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      const reap = JSON.parse(runSync(['--json', 'reap'], env).stdout) as { reaped: { work_item_id: string; reason: string }[] };
      expect(reap.reaped.map((r) => r.work_item_id).sort()).toEqual([...victim.ids].sort());
      expect(new Set(reap.reaped.map((r) => r.reason))).toEqual(new Set(['process_gone']));
    } finally {
      pool.kill('SIGKILL');
      spawn('pkill', ['-f', script]);
    }
  });
});
