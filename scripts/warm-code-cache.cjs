// @ts-check
// Builds the V8 code cache of the CLI bundle (run by scripts/build-cli.mjs, in its own process so
// V8's flags are Node's defaults, as for an agent's call). It loads the bundle through the
// loader's own loadBundle, runs claim, progress and complete against a throw-away store with
// telemetry on, so the cache holds the compiled code of the whole hot path, and saves it with
// write-then-rename. It doubles as a smoke test of the bundle: any failure fails the build.
'use strict';
const { mkdtempSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

/** @param {string} loaderPath dist/coordination_helper.cjs */
async function warm(loaderPath) {
  /** @type {typeof import('./cli-loader.cjs')} the same code, from where the build put it */
  const { loadBundle, cachePath } = require(resolve(loaderPath));
  const { exports: bundle, script } = loadBundle(undefined);
  const dir = mkdtempSync(join(tmpdir(), 'swarmfile-code-cache-'));
  try {
    // A clean environment: no caller's OTLP endpoint or store settings leak into the build.
    const env = { COORDINATION_DIR: join(dir, 'store'), TELEMETRY_DIR: join(dir, 'telemetry'), AGENT_ID: 'agent_code_cache' };
    /** @param {string[]} argv */
    const run = async (argv) => {
      let out = '';
      let err = '';
      const status = await bundle.main(argv, { env, stdout: (s) => (out += s), stderr: (s) => (err += s) });
      if (status !== 0) throw new Error(`warm-up \`${argv.join(' ')}\` exited ${status}: ${err.trim()}`);
      return out.trim();
    };
    const id = await run(['claim', 'code_cache', 'warm-up item']);
    await run(['progress', id, '50']);
    await run(['complete', id]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const tmp = `${cachePath}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cachePath);
}

warm(process.argv[2]).catch((err) => {
  process.stderr.write(`warm-code-cache: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
