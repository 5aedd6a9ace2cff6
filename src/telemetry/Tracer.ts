/**
 * The contract between the coordinator and telemetry. The coordinator opens one span per
 * operation and ends it; everything else (sampling, the journal, export) is behind this interface.
 * Implementations must never throw from these methods: telemetry is best effort.
 */
export type AttrValue = string | number | boolean;

export interface OperationSpan {
  setAttribute(key: string, value: AttrValue): void;
  /** Ends the span. `errorCode` is the SwarmError code when the operation failed. */
  end(errorCode?: string): void;
}

export interface Tracer {
  startSpan(name: string, attributes?: Record<string, AttrValue>): OperationSpan;
  /** Flushes what is buffered within a small bounded time. Safe to call more than once. */
  shutdown(): Promise<void>;
}

const noopSpan: OperationSpan = { setAttribute() {}, end() {} };

export const noopTracer: Tracer = {
  startSpan: () => noopSpan,
  shutdown: async () => {},
};
