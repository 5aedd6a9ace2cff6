/**
 * `coordination_helper mcp` driven by the MCP SDK's own Client over StdioClientTransport, the
 * server being the real built CLI in a child process. Proves: every tool is listed with a
 * description and an input schema; a claim_next -> progress -> complete cycle lands in the store
 * (read back with the CLI, on both stores) with the claim tied to the server's own pid; failures
 * carry the CLI's codes (NOT_OWNER, INVALID_INPUT, NOT_FOUND, CONFLICT with the conflicts) and
 * change nothing; the server renews its claims' leases while connected; end of input and SIGTERM
 * exit 0 and give its claims back; a SIGKILLed server's claim and reservations are reaped.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore } from '../support/backends.js';
import { CLI, requireBuild, runSync, storeEnv, tempDir } from '../support/index.js';

requireBuild();

interface Result {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const TOOLS = ['claim_next', 'claim', 'add', 'progress', 'complete', 'fail', 'release', 'heartbeat', 'show', 'list', 'ready', 'dashboard', 'reserve', 'unreserve', 'reservations', 'check_paths'];

/** An MCP client connected to `coordination_helper mcp` (or to `command` running it). */
async function connect(env: Record<string, string>, opts: { cwd?: string; command?: string; args?: string[] } = {}) {
  const transport = new StdioClientTransport({ command: opts.command ?? process.execPath, args: opts.args ?? [CLI, 'mcp'], env, cwd: opts.cwd, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  const client = new Client({ name: 'mcp.test', version: '1' });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;
  return { client, transport, call, closed, stderr: () => stderr };
}

const show = (env: Record<string, string>, id: string) => JSON.parse(runSync(['--json', 'show', id], env).stdout) as Record<string, unknown>;

/** A failed call: its text starts with the code and exit status, its structured content says the same. */
function expectError(r: Result, code: string, exit: number) {
  expect(r.isError).toBe(true);
  expect(r.content[0]!.text).toMatch(new RegExp(`^${code} \\(exit ${exit}\\): `));
  expect(r.structuredContent).toMatchObject({ error: code, exit, message: expect.any(String), details: expect.any(Object) });
}

describe.each(BACKENDS)('coordination_helper mcp (%s store)', (backend) => {
  it('claim_next -> progress -> complete through the SDK client lands in the store, the claim tied to the server process', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'mcp_agent' });
    const id = runSync(['-q', 'add', 'feature', 'serve me over MCP', 'high', 'backend_team'], env).stdout.trim();
    const mcp = await connect(env);
    try {
      const claimed = await mcp.call('claim_next', { team: 'backend_team' });
      expect(claimed.isError).toBeFalsy();
      expect(claimed.content[0]!.text).toContain(id);
      expect(claimed.structuredContent).toMatchObject({ work_item_id: id, agent_id: 'mcp_agent', status: 'active', fencing_token: 1 });
      // The record as the CLI's --json prints it, and held by the server's own process.
      expect(show(env, id)).toMatchObject({ ...claimed.structuredContent, claim_pid: mcp.transport.pid });

      const progressed = await mcp.call('progress', { work_id: id, percent: 60, status: 'review' });
      expect(progressed.structuredContent).toMatchObject({ work_item_id: id, progress: 60, status: 'review' });
      expect(show(env, id)).toMatchObject({ progress: 60, status: 'review' });

      const done = await mcp.call('complete', { work_id: id, result: 'shipped', velocity_points: 8 });
      expect(done.content[0]!.text).toContain(`completed ${id}`);
      expect(JSON.parse(done.content[1]!.text!)).toEqual(done.structuredContent);
      expect(show(env, id)).toMatchObject({ status: 'completed', progress: 100, result: 'shipped', velocity_points: 8, agent_id: 'mcp_agent' });
      expect((await mcp.call('claim_next')).structuredContent).toMatchObject({ error: 'NOTHING_CLAIMABLE', exit: 7 });
    } finally {
      await mcp.client.close();
    }
  });
});

describe('coordination_helper mcp', () => {
  it('lists every tool with a one-line description and an object input schema; names the generated agent', async () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    delete env.AGENT_ID;
    const mcp = await connect(env);
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
      for (const t of tools) {
        expect(t.description, t.name).toMatch(/^[^\n]{10,140}$/);
        expect(t.inputSchema.type, t.name).toBe('object');
      }
      expect(tools.find((t) => t.name === 'progress')!.inputSchema).toMatchObject({ required: ['work_id', 'percent'], properties: { percent: { type: 'integer', minimum: 0, maximum: 100 } } });
      const agent = /you are agent (agent_\d+)/i.exec(mcp.client.getInstructions() ?? '')?.[1];
      expect(agent).toBeDefined();
      expect(mcp.stderr()).toContain(`acts as ${agent}`);
      // The identity is fixed for the server's life: a created item is the generated agent's.
      const made = await mcp.call('claim', { work_type: 'chore', description: 'made and claimed' });
      expect(made.structuredContent).toMatchObject({ agent_id: agent, status: 'active' });
      expect(show(storeEnv(dir), String(made.structuredContent!.work_item_id)).agent_id).toBe(agent);
    } finally {
      await mcp.client.close();
    }
  });

  it("answers errors with the CLI's codes and changes nothing: NOT_OWNER, INVALID_INPUT, NOT_FOUND, CONFLICT", async () => {
    const dir = join(tempDir(), 'store');
    const root = tempDir('mcp-repo-');
    const env = storeEnv(dir, { AGENT_ID: 'mcp_agent' });
    const other = { ...env, AGENT_ID: 'other_agent' };
    const theirs = runSync(['-q', 'claim', 'feature', 'held by another agent'], other).stdout.trim();
    expect(runSync(['-q', 'reserve', 'src/**', '--work', theirs, '--root', root], other).code).toBe(0);
    const mcp = await connect(env, { cwd: root });
    try {
      expectError(await mcp.call('progress', { work_id: theirs, percent: 10 }), 'NOT_OWNER', 8);
      expectError(await mcp.call('complete', { work_id: theirs }), 'NOT_OWNER', 8);

      const mine = String((await mcp.call('claim', { work_type: 'feature', description: 'mine', priority: 'low' })).structuredContent!.work_item_id);
      const bad = await mcp.call('progress', { work_id: mine, percent: 150 });
      expectError(bad, 'INVALID_INPUT', 2);
      expect(bad.content[0]!.text).toContain('percent: must be a whole number from 0 to 100 (got 150)');
      expect(bad.structuredContent!.details).toMatchObject({ field: 'percent', value: 150 });
      expectError(await mcp.call('progress', { work_id: mine, percent: '50' }), 'INVALID_INPUT', 2);
      expectError(await mcp.call('progress', { work_id: mine, percent: 5, precent: 5 }), 'INVALID_INPUT', 2);
      expectError(await mcp.call('claim', { work_type: 'feature', description: 'x', priority: 'urgent' }), 'INVALID_INPUT', 2);
      expect((await mcp.call('progress', { work_id: mine })).content[0]!.text).toBe('INVALID_INPUT (exit 2): percent: is required');
      expect((await mcp.call('reserve', { work_id: mine, paths: ['docs/', 7] })).structuredContent).toMatchObject({ error: 'INVALID_INPUT', details: { field: 'paths.1', value: 7 } });
      expectError(await mcp.call('show', { work_id: 'work_1' }), 'NOT_FOUND', 3);

      // Another agent's live claim holds src/**: all or nothing, the conflict named.
      const conflict = await mcp.call('reserve', { work_id: mine, paths: ['docs/a.md', 'src/store/x.ts'] });
      expectError(conflict, 'CONFLICT', 12);
      expect(conflict.structuredContent!.details).toMatchObject({ conflicts: [{ path: 'src/store/x.ts', held_path: 'src/**', agent_id: 'other_agent', work_item_id: theirs }] });
      expectError(await mcp.call('check_paths', { paths: ['src/a.ts'] }), 'CONFLICT', 12);
      expect((await mcp.call('check_paths', { paths: ['docs/a.md'] })).isError).toBeFalsy();

      expect(show(env, theirs)).toMatchObject({ agent_id: 'other_agent', progress: 0, status: 'active' });
      expect(show(env, mine)).toMatchObject({ progress: 0 });
      expect(show(env, mine).reserved_paths ?? []).toEqual([]);
      expect((await mcp.call('reserve', { work_id: mine, paths: ['docs/'] })).structuredContent).toMatchObject({ work_item_id: mine, reserved_paths: [expect.objectContaining({ path: 'docs/**' })] });
    } finally {
      await mcp.client.close();
    }
  });

  it('renews the leases of its claims while connected', async () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { AGENT_ID: 'mcp_agent', LEASE_TTL_SECONDS: '3' });
    const id = runSync(['-q', 'add', 'feature', 'keep me'], env).stdout.trim();
    const mcp = await connect(env);
    try {
      const first = String((await mcp.call('claim_next')).structuredContent!.lease_expires_at);
      // No call from the client: only the server's own renewals can move the lease.
      let now = first;
      for (let i = 0; i < 100 && now <= first; i++) {
        await new Promise((r) => setTimeout(r, 200));
        now = String(show(env, id).lease_expires_at);
      }
      expect(now > first).toBe(true);
      expect(show(env, id)).toMatchObject({ status: 'active', agent_id: 'mcp_agent', fencing_token: 1 });
    } finally {
      await mcp.client.close();
    }
  });

  it('exits 0 at end of input and on SIGTERM, giving its claims back to the backlog', async () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { AGENT_ID: 'mcp_agent' });
    const statusFile = join(tempDir(), 'status');
    // bash reports how the server exited.
    const wrapped = { command: 'bash', args: ['-c', `"${process.execPath}" "${CLI}" mcp; echo $? >> "${statusFile}"`] };
    const id = runSync(['-q', 'add', 'feature', 'claimed twice'], env).stdout.trim();

    const eof = await connect(env, wrapped);
    expect((await eof.call('claim_next')).structuredContent).toMatchObject({ work_item_id: id, status: 'active' });
    await eof.client.close(); // closes the server's stdin
    await eof.closed;
    expect(readFileSync(statusFile, 'utf8')).toBe('0\n');
    expect(show(env, id)).toMatchObject({ status: 'pending', attempts: 0 });

    const term = await connect(env, wrapped);
    expect((await term.call('claim_next')).structuredContent).toMatchObject({ work_item_id: id, fencing_token: 2 });
    process.kill(Number(show(env, id).claim_pid), 'SIGTERM');
    await term.closed;
    expect(readFileSync(statusFile, 'utf8')).toBe('0\n0\n');
    expect(show(env, id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('no other command loads the MCP SDK or zod (help for mcp included); mcp does', () => {
    const dir = tempDir();
    const hook = join(dir, 'loaded.cjs');
    writeFileSync(hook, `process.on('exit', () => process.stderr.write('\\nmcp sdk loaded: ' + Object.keys(require.cache).some((f) => /mcp-sdk|@modelcontextprotocol|[\\\\/]zod[\\\\/]/.test(f)) + '\\n'));`);
    const env = storeEnv(join(dir, 'store'), { NODE_OPTIONS: `-r ${hook}` });
    const id = runSync(['claim', 'feature', 'start-up check'], env).stdout.trim();
    for (const args of [['add', 'feature', 'x'], ['progress', id, '50'], ['list'], ['--json', 'show', id], ['mcp', '--help'], ['help', 'mcp']]) {
      const r = runSync(args, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args.join(' ')).toContain('mcp sdk loaded: false');
    }
    const served = runSync(['-q', 'mcp'], env, '');
    expect(served.code, served.stderr).toBe(0);
    expect(served.stdout).toBe('');
    expect(served.stderr).toContain('mcp sdk loaded: true');
  });

  it("a SIGKILLed server's claim is reaped (process gone) and its reservations end with it", async () => {
    const dir = join(tempDir(), 'store');
    const root = tempDir('mcp-repo-');
    const env = storeEnv(dir, { AGENT_ID: 'mcp_agent' });
    const id = runSync(['-q', 'add', 'feature', 'crash during me', '--paths', 'src/**', '--root', root], env).stdout.trim();
    const mcp = await connect(env, { cwd: root });
    const claimed = await mcp.call('claim_next');
    expect(claimed.structuredContent).toMatchObject({ work_item_id: id, reserved_paths: [expect.objectContaining({ path: 'src/**' })] });
    expect((await mcp.call('reserve', { work_id: id, paths: ['docs/'] })).isError).toBeFalsy();
    expect(JSON.parse(runSync(['--json', 'reservations'], env).stdout)).toHaveLength(2);
    const pid = mcp.transport.pid!;
    process.kill(pid, 'SIGKILL');
    await mcp.closed;
    expect(existsSync(`/proc/${pid}`)).toBe(false);

    const reap = JSON.parse(runSync(['--json', 'reap'], env).stdout) as { reaped: Array<{ work_item_id: string; reason: string }> };
    expect(reap.reaped).toEqual([expect.objectContaining({ work_item_id: id, reason: 'process_gone' })]);
    expect(JSON.parse(runSync(['--json', 'reservations'], env).stdout)).toEqual([]);
    expect(show(env, id)).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
