import type { Command } from 'commander';
import type { CliContext } from './CliContext.js';
import { SwarmError } from '../errors.js';
import { SETTING_GROUPS, type SettingGroup } from '../settings.js';
import { formatSettingsReport, settingsReport } from './settingsText.js';
import { migrateStore } from '../store/migrateStore.js';

type Ctx = () => CliContext;

export function registerAdminCommands(program: Command, ctx: Ctx): void {
  program
    .command('settings')
    .description('every environment variable swarmfile reads: the value in effect, whether it came from the environment or the default, and any value that would be refused or ignored')
    .option('--group <group>', `only one group: ${SETTING_GROUPS.join(', ')}`)
    .addHelpText('after', '\nExit status: 0; 2 (INVALID_INPUT) when a store setting in the environment would be refused (every command would fail).')
    .action((o: { group?: string }) => {
      const c = ctx();
      const group = o.group as SettingGroup | undefined;
      if (group !== undefined && !SETTING_GROUPS.includes(group)) throw new SwarmError('INVALID_INPUT', `--group must be one of ${SETTING_GROUPS.join(', ')}, got ${JSON.stringify(o.group)}`);
      const rows = settingsReport(c.env, group ? [group] : undefined);
      c.out(c.json ? JSON.stringify(rows, null, 2) : formatSettingsReport(rows));
      const refused = rows.filter((r) => r.problem?.startsWith('refused'));
      if (refused.length) throw new SwarmError('INVALID_INPUT', `${refused.length} setting(s) would be refused: ${refused.map((r) => r.name).join(', ')}`);
    });

  program
    .command('import-swarmsh')
    .description("import a SwarmSH directory (work_claims.json, work_claims_fast.jsonl, agent_status.json, coordination_log.json); ids already present are skipped; exits 0 even when some records could not be read, reporting them")
    .argument('<dir>', 'the SwarmSH coordination directory')
    .option('--dry-run', 'show what would be imported, changed and skipped; write nothing')
    .option('--claims <mode>', 'imported active claims: keep (claimed, with a fresh lease from now) or release (back to the backlog)', 'keep')
    .action(async (dir: string, o: { dryRun?: boolean; claims: string }) => {
      const c = ctx();
      if (o.claims !== 'keep' && o.claims !== 'release') throw new SwarmError('INVALID_INPUT', `--claims must be keep or release, got ${JSON.stringify(o.claims)}`);
      const r = await (await c.coordinator(o.dryRun ? 'read' : 'write')).importSwarmsh(dir, { dryRun: !!o.dryRun, claims: o.claims });
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else {
        const would = r.dry_run ? 'would import' : 'imported';
        c.out(`${would} ${r.active_imported} active, ${r.completed_imported} completed, ${r.agents_imported} agents; skipped ${r.skipped_existing} already present; ${r.changes.length} changed; ${r.problems.length} problems`);
        if (r.claims.kept) c.out(`${r.claims.kept} claim(s) kept with a lease until ${r.claims.lease_until}: reclaimed then unless their agents renew them (heartbeat or progress)`);
        if (r.claims.released) c.out(`${r.claims.released} claim(s) ${r.dry_run ? 'would be ' : ''}released to the backlog`);
      }
      for (const ch of r.changes) c.say(`changed ${ch.work_item_id} ${ch.field}: ${JSON.stringify(ch.from)} -> ${JSON.stringify(ch.to)} (${ch.rule})`);
      for (const p of r.problems) c.say(`could not import ${p.file}${p.line ? `:${p.line}` : ''}${p.work_item_id ? ` (${p.work_item_id})` : ''}: ${p.reason}`);
    });

  program
    .command('migrate')
    .description('copy a file store into a PostgreSQL store: ids, places, fencing tokens, registry and counters kept; ids already there are skipped, so it is safe to run again')
    .requiredOption('--from <dir>', 'the file store to read (it is not changed)')
    .requiredOption('--to <url>', 'the PostgreSQL store, postgres://... (created if needed)')
    .addHelpText('after', '\nStop the agents of the file store first: items moving meanwhile may be copied from where they were.\nExit status: 0; 3 (NOT_FOUND) when --from is no store; 11 (STORE_UNAVAILABLE) when the database cannot be reached.')
    .action(async (o: { from: string; to: string }) => {
      const c = ctx();
      const r = await migrateStore(c.config, o.from, o.to);
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else {
        const copied = Object.entries(r.copied).map(([place, n]) => `${n} ${place}`).join(', ') || 'no items';
        c.out(`copied ${copied}; ${r.agents} agent(s), ${r.counters} counter(s); ${r.skipped} item(s) already there`);
        c.say(`from ${r.from} to ${r.to}`);
      }
    });

  program
    .command('fsck')
    .description('check every store file and report damage and leftovers; writes nothing')
    .addHelpText('after', '\nExit status: 0 when no damage (notes are cleared by the next command by themselves), 9 (STORE_CORRUPT) when damage is found: run `repair`.')
    .action(async () => {
      const c = ctx();
      const r = await (await c.coordinator('read')).fsck();
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else {
        for (const f of r.findings) c.out(`${f.severity}\t${f.kind}\t${f.file}\t${f.detail}`);
        c.say(`${r.files} file(s), ${r.items} item record(s): ${r.damaged} damaged, ${r.findings.length - r.damaged} note(s)`);
      }
      if (r.damaged) throw new SwarmError('STORE_CORRUPT', `${r.damaged} damaged place(s) in ${r.dir}; run 'coordination_helper repair' (it keeps every damaged file)`);
    });

  program
    .command('repair')
    .description('quarantine damaged store files (kept as <name>.damaged-<time>), salvage what parses, keep each id in one place, rebuild counters')
    .option('--dry-run', 'show what would be done, change nothing')
    .addHelpText('after', '\nExit status: 0 when the store is clean afterwards, 9 when damage remains.')
    .action(async (o: { dryRun?: boolean }) => {
      const c = ctx();
      const r = await (await c.coordinator('read')).repair({ dryRun: !!o.dryRun });
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else {
        for (const a of r.actions) c.out(`${r.dry_run ? 'would be ' : ''}${a.action}\t${a.file}\t${a.detail}${a.work_item_ids?.length ? ` (${a.work_item_ids.join(', ')})` : ''}`);
        if (!r.actions.length) c.say('nothing to repair');
      }
      if (!r.dry_run && r.after.damaged) throw new SwarmError('STORE_CORRUPT', `damage remains after repair: ${r.after.findings.filter((f) => f.severity === 'damage').map((f) => `${f.kind} ${f.file}`).join('; ')}`);
    });
}
