/**
 * The settings table (settings.ts) as the CLI prints it: the Environment part of `--help`, and
 * `coordination_helper settings`, which shows each variable's value in this environment, where
 * it came from, and the problem with any value that would be refused or ignored.
 */
import { SwarmError } from '../errors.js';
import { rawSetting, readSetting, settingKey, type Env } from '../readSetting.js';
import { defaultText, SETTINGS, settingNames, type SettingGroup, type SettingName } from '../settings.js';
import { redactUrl } from '../store/postgres/storeUrl.js';

const plain = (s: string) => s.replace(/[`*]/g, '');
const HELP_GROUPS: readonly SettingGroup[] = ['store', 'agent', 'queue', 'locks'];
const LENIENT: readonly SettingGroup[] = ['telemetry', 'export'];

/** Wraps `text` to lines of at most `width` characters, each after the first indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join(`\n${indent}`);
}

/** The Environment section of `--help`: store, agent, queue and lock settings; telemetry by reference. */
export function settingsHelp(): string {
  const col = 28;
  const rows = settingNames(HELP_GROUPS).map((n) => {
    const def = defaultText(n);
    const head = `  ${n.padEnd(col - 3)} `;
    return head + wrap(plain(`${SETTINGS[n].doc}${def ? `; default ${def}` : ''}`), 100 - col, ' '.repeat(col));
  });
  const more = `  ${'TELEMETRY_DIR'.padEnd(col - 3)} ${wrap(`journal directory; default ${plain(defaultText('TELEMETRY_DIR'))}. OTEL_SDK_DISABLED=true turns telemetry off; every telemetry and export variable: 'coordination_helper settings --group telemetry' (and export), docs/telemetry.md`, 100 - col, ' '.repeat(col))}`;
  return ['', "Environment ('coordination_helper settings' shows the values in effect):", ...rows, more, ''].join('\n');
}

export interface SettingReport {
  name: string;
  group: SettingGroup;
  /** The value in effect, as text; null when unset and without a default. */
  value: string | null;
  source: 'environment' | 'default';
  default: string;
  /** Why the environment's value is refused (store settings) or ignored (telemetry). */
  problem?: string;
  doc: string;
}

/** Every variable's value in `env`, its source and any problem with it. */
export function settingsReport(env: Env, groups?: readonly SettingGroup[]): SettingReport[] {
  return settingNames(groups).map((name: SettingName) => {
    const raw = rawSetting(env, name);
    const s = SETTINGS[name];
    const report: SettingReport = { name: settingKey(env, name), group: s.group, value: null, source: raw === undefined ? 'default' : 'environment', default: plain(defaultText(name)), doc: plain(s.doc) };
    const warnings: string[] = [];
    try {
      const v = readSetting(env, name, LENIENT.includes(s.group) ? warnings : undefined);
      report.value = raw ?? (v === undefined ? null : String(v));
    } catch (err) {
      if (!(err instanceof SwarmError)) throw err;
      report.value = raw ?? null;
      report.problem = `refused: ${err.message}`;
    }
    if (warnings.length) report.problem = `ignored: ${warnings[0]}`;
    // A database password is never printed.
    if (name === 'COORDINATION_URL' && report.value !== null) report.value = redactUrl(report.value);
    return report;
  });
}

/** `settings` as text: one line per variable, `name=value (source)`, problems flagged. */
export function formatSettingsReport(rows: readonly SettingReport[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 0);
  return rows
    .map((r) => `${r.name.padEnd(width)}  ${r.value ?? '(unset)'}  [${r.source}]${r.problem ? `  ${r.problem}` : ''}`)
    .join('\n');
}

/** Which store a command run with this environment would use (the top of `--help`'s trailer). */
export function storeHelp(env: Env): string {
  const url = rawSetting(env, 'COORDINATION_URL');
  const dir = rawSetting(env, 'COORDINATION_DIR') ?? SETTINGS.COORDINATION_DIR.default;
  return url
    ? `\nStore: PostgreSQL at ${redactUrl(url)} (COORDINATION_URL; --store overrides it, --dir picks a file store)\n`
    : `\nStore: the file store at ${dir} (COORDINATION_DIR or --dir; COORDINATION_URL or --store picks PostgreSQL)\n`;
}
