// @ts-check
/**
 * Where samples come from: a results file written by bench/run.mjs, or a time window of the
 * telemetry journal. Both answer the same metrics map, so the detector does not care which.
 */
import { promises as fs } from 'node:fs';
import { querySpans, spansToMetrics } from './telemetrySource.mjs';

/** @param {string} path */
export async function fromResultsFile(path) {
  /** @type {Partial<import('../types.js').ResultsFile>} */
  const json = JSON.parse(await fs.readFile(path, 'utf8'));
  if (!json.metrics) throw new Error(`${path} has no metrics: not a bench/run.mjs results file`);
  return { kind: 'results', path, label: json.label ?? null, git: json.git ?? null, started_at: json.started_at ?? null, metrics: json.metrics };
}

/** @param {{ since?: string, until?: string, telemetryDir?: string, storeDir?: string, minSpans?: number, label?: string }} options */
export async function fromTelemetryWindow({ since, until, telemetryDir, storeDir, minSpans = 1, label = 'window' }) {
  const spans = await querySpans({ since, until, telemetryDir, storeDir });
  if (spans === null) throw new Error('the telemetry journal cannot be queried: this build has no `coordination_helper telemetry query` yet');
  // An empty or tiny window proves nothing: comparing against it would report "no regression".
  if (spans.length < minSpans) throw new Error(`the ${label} window (since ${since ?? 'the start'}${until ? ` until ${until}` : ''}) holds ${spans.length} span(s); at least ${minSpans} are needed`);
  return { kind: 'telemetry', since: since ?? null, until: until ?? null, spans: spans.length, metrics: spansToMetrics(spans) };
}
