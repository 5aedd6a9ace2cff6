import type { Command } from 'commander';
import type { CliContext } from './CliContext.js';

type Ctx = () => CliContext;

export function registerAdminCommands(program: Command, ctx: Ctx): void {
  program
    .command('import-swarmsh')
    .description("import a SwarmSH directory (work_claims.json, work_claims_fast.jsonl, agent_status.json, coordination_log.json); ids already present are skipped; exits 0 even when some records could not be read, reporting them")
    .argument('<dir>', 'the SwarmSH coordination directory')
    .action(async (dir: string) => {
      const c = ctx();
      const r = await (await c.coordinator()).importSwarmsh(dir);
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else {
        c.out(`imported ${r.active_imported} active, ${r.completed_imported} completed, ${r.agents_imported} agents; skipped ${r.skipped_existing} already present; ${r.problems.length} problems`);
      }
      for (const p of r.problems) c.say(`could not import ${p.file}${p.line ? `:${p.line}` : ''}${p.work_item_id ? ` (${p.work_item_id})` : ''}: ${p.reason}`);
    });
}
