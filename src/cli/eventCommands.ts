import type { Command } from 'commander';
import { SwarmError } from '../errors.js';
import { CHANGE_TYPES, type LoggedEvent } from '../model/changeEvent.js';
import type { CliContext } from './CliContext.js';

type Ctx = () => CliContext;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** One event as a line of text: time, type, item, revision, agent, status and progress. */
function eventLine(e: LoggedEvent): string {
  const extra = e.credit !== undefined ? ` credit=${e.credit} points=${e.velocity_points ?? 0}` : e.paths ? ` paths=${e.paths.join(',')}` : '';
  return `${e.ts}\t${e.type}\t${e.work_item_id}\tr${e.revision}\t${e.agent_id ?? '-'}\t${e.from ?? '-'}->${e.to}\t${e.status}\t${e.progress}%${extra}`;
}

/** The change log (issue 10): `events` and `audit`. */
export function registerEventCommands(program: Command, ctx: Ctx): void {
  program
    .command('events')
    .description('print the change log: every committed change of every item, written in the same commit as the change; oldest first, an item\'s changes in order')
    .option('--since <cursor|time|duration>', "after a cursor printed by a previous 'events --json' (exactly the events after it), or from a time (2026-12-04T15:00:00Z) or a duration ago (15m)")
    .option('--follow', 'keep running and print new events as they commit (woken by file notifications or PostgreSQL NOTIFY, not polling); SIGINT/SIGTERM end it with exit 0')
    .option('--type <types>', `only these types, comma-separated or repeated: ${CHANGE_TYPES.join(', ')}`, collect)
    .option('--allow-gap', 'read on when events after --since were deleted by retention (EVENTS_MAX_MB), with a warning, instead of failing')
    .addHelpText(
      'after',
      `
Text: one line per event (time, type, item, revision, agent, from->to, status, progress); the cursor to resume from goes to stderr at the end.
--json: JSON Lines, one event per line with the CLI's field names, each with the "cursor" that resumes right after it.
Exit status: 0; 2 (INVALID_INPUT) for a bad --since or --type; 13 (EVENTS_GAP) when events after the cursor were deleted by retention (nothing is printed past the gap) unless --allow-gap.`,
    )
    .action(async (o: { since?: string; follow?: boolean; type?: string[]; allowGap?: boolean }) => {
      const c = ctx();
      if (o.follow && c.inSession) throw new SwarmError('USAGE', 'events --follow never ends, so it cannot run inside a session; run it as its own process');
      const coordinator = await c.coordinator('read');
      const query = { since: o.since, types: o.type, allowGap: !!o.allowGap };
      const print = (events: LoggedEvent[]) => {
        if (events.length) c.out(events.map((e) => (c.json ? JSON.stringify(e) : eventLine(e))).join('\n'));
      };
      const onGap = (missing: string) => c.say(`warning: events were lost to this reader (--allow-gap): ${missing}`);
      if (!o.follow) {
        const page = await coordinator.events(query, onGap);
        print(page.events);
        if (!c.json && page.cursor) c.say(`cursor: ${page.cursor}`);
        return;
      }
      const stop = new AbortController();
      const end = () => stop.abort();
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
      try {
        await coordinator.followEvents(query, print, stop.signal, onGap);
      } finally {
        process.off('SIGINT', end);
        process.off('SIGTERM', end);
      }
    });

  program
    .command('audit')
    .description('check the change log against the store: each item claimed at most once per fencing token and completed at most once, its record made by its last logged change and in the place that change put it, nothing logged missing, and (when the log holds the whole history) every item logged and the counters equal to the logged completions')
    .addHelpText('after', '\nSafe while agents work (a discrepancy counts only if a second look finds it again). --json: the whole report.\nExit status: 0 when consistent; 9 (AUDIT_FAILED) with each discrepancy listed.')
    .action(async () => {
      const c = ctx();
      const r = await (await c.coordinator('read')).audit();
      if (c.json) c.out(JSON.stringify(r, null, 2));
      else for (const d of r.discrepancies) c.out(`${d.check}\t${d.work_item_id ?? d.agent_id ?? '-'}\t${d.detail}`);
      const partial = r.coverage === 'partial' ? ` (history checks skipped${r.unverified ? `; ${r.unverified} item(s) whose last change is older than the log not judged` : ''})` : '';
      c.say(`${r.events} event(s), ${r.items} item(s), coverage ${r.coverage}${partial}: ${r.consistent ? 'consistent' : `${r.discrepancies.length} discrepancy(ies)`}`);
      if (!r.consistent) throw new SwarmError('AUDIT_FAILED', `${r.discrepancies.length} discrepancy(ies) between the change log and the store: ${r.discrepancies.slice(0, 5).map((d) => `${d.check} ${d.work_item_id ?? d.agent_id ?? ''}`).join('; ')}${r.discrepancies.length > 5 ? '; ...' : ''}`);
    });
}
