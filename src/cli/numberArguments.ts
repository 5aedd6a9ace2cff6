/**
 * Command-line text into the library's numbers: the library takes numbers only (percent, lease,
 * wait, limit, capacity, velocity points, fencing tokens); the CLI parses its strings here, with
 * the library's bounds and messages (model/validate.ts).
 */
import type { OwnerProof } from '../coordinator/checkOwner.js';
import { parseWholeNumber, type WholeNumberField } from '../model/validate.js';

/** `text` as a whole number of `field`; undefined stays undefined (the library's default applies). */
export function numberArgument(field: WholeNumberField, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseWholeNumber(field, text);
}

/** `--token` / `--force` as the library's proof of ownership. */
export function ownerProof(opts: { token?: string; force?: boolean }): OwnerProof {
  return { token: numberArgument('token', opts.token), force: opts.force };
}
