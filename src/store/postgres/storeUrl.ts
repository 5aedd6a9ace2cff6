import { SwarmError } from '../../errors.js';

export interface StoreUrl {
  /** What the PostgreSQL client connects with (the `schema` parameter removed). */
  connectionString: string;
  /** The schema holding swarmfile's tables: `?schema=` in the URL, default `swarmfile`. */
  schema: string;
  /** The URL for people: its password, if any, replaced by `***`. */
  display: string;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** A password never reaches a message, a log line or `--json` output: every place prints this. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * Reads COORDINATION_URL / --store: `postgres://` or `postgresql://`, with an optional
 * `schema=<name>` parameter (lower case letters, digits, _). Anything else is INVALID_INPUT.
 */
export function parseStoreUrl(url: string): StoreUrl {
  const display = redactUrl(url);
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new SwarmError('INVALID_INPUT', `COORDINATION_URL / --store must be a postgres:// or postgresql:// URL, got ${JSON.stringify(display)}`, { field: 'COORDINATION_URL' });
  }
  let schema = 'swarmfile';
  const connectionString = url.replace(/([?&])schema=([^&#]*)&?/i, (_m, sep: string, value: string) => {
    schema = decodeURIComponent(value);
    return sep;
  }).replace(/[?&]$/, '');
  if (!SCHEMA_RE.test(schema)) {
    throw new SwarmError('INVALID_INPUT', `schema=${JSON.stringify(schema)} in COORDINATION_URL: use lower case letters, digits and _ (at most 63, not starting with a digit)`, { field: 'COORDINATION_URL' });
  }
  return { connectionString, schema, display: redactUrl(connectionString) + (schema === 'swarmfile' ? '' : `${connectionString.includes('?') ? '&' : '?'}schema=${schema}`) };
}
