/**
 * Entry of the `coordination_helper` bundle: wires runCli to the real argv, streams and exit
 * status. The bundle does not run itself: its loader (scripts/cli-loader.cjs, installed as
 * dist/coordination_helper.cjs) compiles it with V8's code cache and calls `main`.
 */
import { writeSync } from 'node:fs';
import { useBlockingIo } from '../fsAsync.js';
import { setWarningHandler } from '../warnings.js';
import { agentProcess } from '../model/processIdentity.js';
import { makeTracer } from '../telemetry/makeTracer.js';
import type { RunIO } from './cliSession.js';
import { runCli } from './runCli.js';
import { stdioWriter } from './stdioWriter.js';

/**
 * Runs one command line and resolves to its exit status. `io` replaces parts of the process's
 * own streams and environment (the build's code-cache warm-up runs commands silently this way).
 */
export function main(argv: readonly string[], io: Partial<RunIO> = {}): Promise<number> {
  // One command per process: nothing to overlap file I/O with, so skip the thread-pool round trips.
  useBlockingIo();
  setWarningHandler((message) => {
    try {
      writeSync(2, `coordination_helper: warning: ${message}\n`);
    } catch {
      /* stderr closed */
    }
  });
  return runCli(argv, { stdout: stdioWriter(1), stderr: stdioWriter(2), env: process.env, agentPid: agentProcess(process.ppid), makeTracer, ...io });
}
