import { Option } from 'commander';

/** --token and --force, shared by every command that acts on a claim. */
export const tokenOption = () => new Option('--token <n>', 'fencing token from your claim (--json shows it); refused if the item was claimed again since');
export const forceOption = () => new Option('--force', "operators: act on another agent's claim (recorded on the item)");
