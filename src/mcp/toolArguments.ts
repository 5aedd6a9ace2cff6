/**
 * The MCP tools' arguments: zod schemas named as the CLI's fields (they also give tools/list its
 * JSON Schemas), and their check, which fails as the CLI does: INVALID_INPUT naming the field, with
 * the library's own message for whole numbers (same bounds: model/validate.ts). Everything beyond
 * the JSON types (names, text, statuses) is left to the library, which checks it for every caller.
 */
import { SwarmError } from '../errors.js';
import { PRIORITIES } from '../model/types.js';
import { WHOLE_NUMBERS, wholeNumber, type WholeNumberField } from '../model/validate.js';
import { z } from './sdk.js';

/** Whole-number arguments and the library field whose bounds and message they take. */
const WHOLE_ARGUMENTS = {
  percent: 'percent',
  velocity_points: 'velocity_points',
  wait_seconds: 'wait',
  lease_seconds: 'lease',
  limit: 'limit',
} as const satisfies Record<string, WholeNumberField>;

/** A whole-number argument, bounded as the library bounds its field. */
export function whole(argument: keyof typeof WHOLE_ARGUMENTS, description: string) {
  const [min, max] = WHOLE_NUMBERS[WHOLE_ARGUMENTS[argument]];
  return z.number().int().min(min).max(max).describe(description);
}

/** A string argument. */
export const text = (description: string) => z.string().describe(description);
/** A true/false switch (default false). */
export const flag = (description: string) => z.boolean().optional().describe(description);

/** The fields several tools share. */
export const ARG = {
  work_id: text('the work item id'),
  work_type: text('kind of work, e.g. feature, bug_fix'),
  description: text('what to do (free text)'),
  priority: z.enum(PRIORITIES).optional().describe('default medium'),
  team: text('team name (default autonomous_team)').optional(),
  type_filter: text('only items of this work_type').optional(),
  team_filter: text('only items of this team').optional(),
  lease_seconds: whole('lease_seconds', 'lease length (default LEASE_TTL_SECONDS); renewed while this server runs').optional(),
  reason: text('why (kept on the item)').optional(),
  paths: z.array(z.string()).min(1).describe('paths or globs, relative to the project directory'),
};

/** One tool's argument object: only the declared fields (a misspelt one is refused, not ignored). */
export const argumentsOf = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape);

/** The JSON Schema tools/list shows for an argument object. */
export function jsonSchemaOf(schema: z.ZodObject): { type: 'object'; [key: string]: unknown } {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
  return { ...json, type: 'object' };
}

/** `args` checked against `schema`; throws INVALID_INPUT naming the first wrong field. */
export function parseArguments<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  // The value at the issue's path (an element of an array argument included).
  const value = issue.path.reduce<unknown>((v, key) => (typeof v === 'object' && v !== null && Object.hasOwn(v, key) ? (v as Record<PropertyKey, unknown>)[key] : undefined), args);
  if (Object.hasOwn(WHOLE_ARGUMENTS, field) && value !== undefined) wholeNumber(WHOLE_ARGUMENTS[field as keyof typeof WHOLE_ARGUMENTS], value); // throws the library's error
  if (issue.code === 'unrecognized_keys') {
    throw new SwarmError('INVALID_INPUT', `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`, { field: issue.keys[0] });
  }
  throw new SwarmError('INVALID_INPUT', `${field || 'arguments'}: ${value === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message}`, { field: field || undefined, value });
}
