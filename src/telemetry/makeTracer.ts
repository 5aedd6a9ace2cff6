import type { Config } from '../config.js';
import { JournalTracer } from './JournalTracer.js';
import { noopTracer, type Tracer } from './Tracer.js';

/** The CLI's tracer factory (RunIO.makeTracer): the journal tracer, or none when OTEL_SDK_DISABLED=true. */
export async function makeTracer(config: Readonly<Config>): Promise<Tracer> {
  try {
    return config.telemetry.disabled ? noopTracer : new JournalTracer(config.telemetry);
  } catch {
    return noopTracer;
  }
}
