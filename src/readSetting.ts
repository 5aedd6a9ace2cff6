/**
 * Reads one variable of the settings table (settings.ts) from an environment snapshot: unset or
 * empty gives the table's default; a value outside the variable's parser or bounds either throws
 * INVALID_INPUT (store settings: a command must not run on a setting it misread) or, with a
 * warnings list, falls back to the default and says so (telemetry must never fail a command).
 */
import { SwarmError } from './errors.js';
import { defaultText, SETTINGS, type Setting, type SettingName } from './settings.js';

export type Env = Readonly<Record<string, string | undefined>>;

type Table = typeof SETTINGS;
type KindValue<S> = S extends { kind: 'int' | 'number' } ? number : S extends { kind: 'bool' } ? boolean : string;
/** A variable's value: its kind's type, or undefined when the table gives it no default. */
export type SettingValue<N extends SettingName> = KindValue<Table[N]> | (Table[N] extends { default: unknown } ? never : undefined);

/** The name actually read: `OTEL_EXPORTER_OTLP_TRACES_<X>` when set, for a pair; else `name`. */
export function settingKey(env: Env, name: SettingName): string {
  const s: Setting = SETTINGS[name];
  if (!s.tracesVariant) return name;
  const specific = name.replace('OTEL_EXPORTER_OTLP_', 'OTEL_EXPORTER_OTLP_TRACES_');
  return env[specific]?.trim() ? specific : name;
}

/** The raw value, trimmed; undefined when unset or empty. */
export function rawSetting(env: Env, name: SettingName): string | undefined {
  const v = env[settingKey(env, name)]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The value of `name` in `env`. `warnings` given: an invalid value is listed there and the default
 * used; otherwise it throws INVALID_INPUT naming the variable.
 */
export function readSetting<N extends SettingName>(env: Env, name: N, warnings?: string[]): SettingValue<N> {
  const s: Setting = SETTINGS[name];
  const key = settingKey(env, name);
  const raw = rawSetting(env, name);
  const fallback = s.default as SettingValue<N>;
  if (raw === undefined) return fallback;
  const invalid = (why: string): SettingValue<N> => {
    if (!warnings) throw new SwarmError('INVALID_INPUT', `${key} ${why}, got ${JSON.stringify(raw)}`, { key });
    warnings.push(`${key}=${JSON.stringify(raw)} ignored: ${why}; using ${defaultText(name) || 'none'}`);
    return fallback;
  };
  switch (s.kind) {
    case 'text':
      return raw as SettingValue<N>;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true as SettingValue<N>;
      if (/^(0|false|no|off)$/i.test(raw)) return false as SettingValue<N>;
      return invalid('must be 0 or 1 (or true/false)');
    case 'choice': {
      const v = raw.toLowerCase();
      return s.choices.includes(v) ? (v as SettingValue<N>) : invalid(`must be one of ${s.choices.join(', ')}`);
    }
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (s.kind === 'int' ? !/^-?\d+$/.test(raw) : !Number.isFinite(n)) return invalid(`must be a ${s.kind === 'int' ? 'whole number' : 'number'} from ${s.min} to ${s.max}`);
      if (n < s.min || n > s.max) return invalid(`must be between ${s.min} and ${s.max}`);
      return n as SettingValue<N>;
    }
  }
}
