import type { Command } from 'commander';
import type { Dashboard } from '../coordinator/buildDashboard.js';
import type { CliContext } from './CliContext.js';
import { DEFAULT_TEAM } from '../model/types.js';
import { numberArgument } from './numberArguments.js';
import { formatTable } from './formatTable.js';

type Ctx = () => CliContext;

function renderDashboard(d: Dashboard): string {
  const out = [
    `swarmfile dashboard  ${d.generated_at}  ${d.store.kind} store ${d.store.location}${d.store.kind === 'file' ? `  shards=${d.shards}` : ''}`,
    `active work: ${d.totals.active_work}   queued: ${d.totals.queued}   waiting: ${d.totals.waiting} (blocked by a dead dependency: ${d.totals.blocked})   dead: ${d.totals.dead}   completed: ${d.totals.tasks_completed}   velocity points: ${d.totals.velocity_points}`,
    '',
    'AGENTS',
    d.agents.length ? formatTable(['agent_id', 'team', 'status', 'active', 'completed', 'velocity', 'last_completed_at'], d.agents.map((a) => [a.agent_id, a.team, a.status ?? 'unregistered', a.active_work, a.tasks_completed, a.velocity_points, a.last_completed_at])) : '(none)',
    '',
    'TEAM VELOCITY',
    d.teams.length ? formatTable(['team', 'active', 'completed', 'velocity_points'], d.teams.map((t) => [t.team, t.active_work, t.tasks_completed, t.velocity_points])) : '(none)',
    '',
    'ACTIVE WORK',
    d.active_work.length ? formatTable(['work_item_id', 'status', 'progress', 'priority', 'team', 'agent_id', 'description'], d.active_work.map((w) => [w.work_item_id, w.status, `${w.progress}%`, w.priority, w.team, w.agent_id, w.description])) : '(none)',
  ];
  return out.join('\n');
}

export function registerAgentCommands(program: Command, ctx: Ctx): void {
  program
    .command('register')
    .description('add an agent to agent_status.json (or refresh it)')
    .argument('<agent_id>', 'the agent (letters, digits, _ . : -)')
    .argument('[team]', 'team name', DEFAULT_TEAM)
    .argument('[capacity]', 'whole number 1..10000', '100')
    .argument('[specialization]', 'what it is good at', 'general_development')
    .action(async (agentId: string, team: string, capacity: string, specialization: string) => {
      const c = ctx();
      const rec = await (await c.coordinator()).register({ agentId, team, capacity: numberArgument('capacity', capacity), specialization });
      c.out(c.json ? JSON.stringify(rec, null, 2) : rec.agent_id);
      c.say(`registered ${rec.agent_id} in ${rec.team} (capacity ${rec.capacity}, ${rec.specialization})`);
    });

  program
    .command('unregister')
    .description('remove an agent from the registry; refused (exit 4) while it holds live claims, unless --force, which releases them')
    .argument('<agent_id>', 'the agent')
    .option('--force', 'release its live claims back to the backlog first')
    .action(async (agentId: string, opts: { force?: boolean }) => {
      const c = ctx();
      const r = await (await c.coordinator('read')).unregister(agentId, { force: opts.force });
      if (c.json) c.out(JSON.stringify(r, null, 2));
      c.say(`unregistered ${agentId}${r.released.length ? `; released ${r.released.join(', ')}` : ''}`);
    });

  program
    .command('dashboard')
    .description('agents, active work, queue sizes (queued, waiting, dead) and per-team velocity')
    .action(async () => {
      const c = ctx();
      const d = await (await c.coordinator('read')).dashboard();
      c.out(c.json ? JSON.stringify(d, null, 2) : renderDashboard(d));
    });
}
