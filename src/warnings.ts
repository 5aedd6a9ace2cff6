/**
 * Where background trouble goes (a hung lock holder killed, a committed change not yet applied):
 * somewhere a person sees it, never into a command's result. One handler for the whole program,
 * as OpenTelemetry JS routes its background errors: Node's process warnings by default (library
 * users see them on stderr or in their own 'warning' listener); the CLI writes them to stderr at
 * once, since it may exit before an emitted warning would be printed.
 */
export type WarningHandler = (message: string, kind: string) => void;

let handler: WarningHandler = (message, kind) => process.emitWarning(message, kind);

export function setWarningHandler(next: WarningHandler): void {
  handler = next;
}

export function reportWarning(kind: string, message: string): void {
  try {
    handler(message, kind);
  } catch {
    /* a warning never fails the operation that raised it */
  }
}
