import type { Config } from '../config.js';
import { JournalTracer } from './JournalTracer.js';
import { resolveTelemetryConfig } from './resolveTelemetryConfig.js';
import { noopTracer, type Tracer } from './Tracer.js';

/** The CLI's tracer factory (RunIO.makeTracer): the journal tracer, or none when OTEL_SDK_DISABLED=true. */
export async function makeTracer(config: Readonly<Config>): Promise<Tracer> {
  try {
    const tc = resolveTelemetryConfig(config.env, config.telemetryDir);
    return tc.disabled ? noopTracer : new JournalTracer(tc);
  } catch {
    return noopTracer;
  }
}
