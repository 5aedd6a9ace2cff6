#!/usr/bin/env node
/** Process entry of `coordination_helper`: wires runCli to the real argv, streams and exit status. */
import { agentProcess } from '../model/processIdentity.js';
import { makeTracer } from '../telemetry/makeTracer.js';
import { runCli } from './runCli.js';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // A closed pipe (`| head`) is the reader's choice, not our failure.
  if (err.code !== 'EPIPE') throw err;
});

void runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
  agentPid: agentProcess(process.ppid),
  makeTracer,
}).then((status) => {
  // Exit now rather than when the event loop drains: a file watcher (claim-next --wait) can keep
  // a timer alive for another second after it is closed. Everything is flushed by here (runCli
  // closed the coordinator and its telemetry; stdout/stderr writes to pipes and files are
  // synchronous on Linux).
  process.exit(status);
});
