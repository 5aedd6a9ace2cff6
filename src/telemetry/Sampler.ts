/**
 * Head sampling per OpenTelemetry's OTEL_TRACES_SAMPLER names. The decision depends only on the
 * trace id (and the parent's sampled flag for parentbased_*), so every process keeps or drops a
 * trace as a whole. `rate` is the probability a span of this kind is kept: statistics weight each
 * span by 1/rate.
 */
import type { SamplerName } from './resolveTelemetryConfig.js';
import type { TraceParent } from './traceContext.js';

export interface SamplingDecision {
  sampled: boolean;
  rate: number;
}

/** OpenTelemetry JS's TraceIdRatioBasedSampler rule: xor of the id's 32-bit words against ratio x 2^32-1. */
export function traceIdRatioKeeps(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  let acc = 0;
  for (let i = 0; i < traceId.length / 8; i++) acc = (acc ^ parseInt(traceId.slice(i * 8, (i + 1) * 8), 16)) >>> 0;
  return acc <= Math.floor(ratio * 0xffffffff);
}

export interface Sampler {
  shouldSample(traceId: string, parent: TraceParent | null): SamplingDecision;
}

export function createSampler(name: SamplerName, ratio: number): Sampler {
  const root = (traceId: string): SamplingDecision => {
    switch (name) {
      case 'always_off':
      case 'parentbased_always_off':
        return { sampled: false, rate: 0 };
      case 'traceidratio':
      case 'parentbased_traceidratio':
        return { sampled: traceIdRatioKeeps(traceId, ratio), rate: ratio };
      default:
        return { sampled: true, rate: 1 };
    }
  };
  return {
    shouldSample(traceId, parent) {
      const base = root(traceId);
      if (!parent || !name.startsWith('parentbased_')) return base;
      // The parent decided for the whole trace; its rate is assumed to be this swarm's configured one.
      return { sampled: parent.sampled, rate: name === 'parentbased_traceidratio' ? ratio : 1 };
    },
  };
}
