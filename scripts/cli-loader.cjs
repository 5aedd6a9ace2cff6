#!/usr/bin/env node
// @ts-check
// coordination_helper's executable (installed as dist/coordination_helper.cjs by
// scripts/build-cli.mjs, which fills in BUNDLE_ID). It loads the CLI bundle with V8's code cache:
// every agent call compiles the bundle anew, and reusing the compiled code that the build saved
// (after running claim, progress and complete; scripts/warm-code-cache.cjs) saves about 5 ms of
// each call. Node 20 has no module.enableCompileCache, hence vm.Script with cachedData.
//
// The bundle and its cache are named by the bundle's content hash, so a cache can only ever meet
// the bundle it was made from. A missing cache, or one V8 rejects (another Node version, other V8
// flags), just means a plain compile: V8 checks the cache before using any of it.
'use strict';
/** @typedef {typeof import('../src/cli/main.js')} CliBundle what the bundle exports */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

const BUNDLE_ID = '@@BUNDLE_ID@@';
const bundlePath = join(__dirname, 'bundle', `coordination_helper.${BUNDLE_ID}.cjs`);
const cachePath = join(__dirname, 'bundle', `coordination_helper.${BUNDLE_ID}.v8cache`);

/**
 * Compiles and runs the bundle's top level as a CommonJS module; returns its exports and script.
 * @param {Buffer | undefined} cachedData
 */
function loadBundle(cachedData) {
  const source = readFileSync(bundlePath, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
    // No importModuleDynamically: the build turns every import() into require() (see
    // scripts/build-cli.mjs). On Node 20, import() in code restored from a cache fails even with
    // vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER, which also prints an experimental warning.
  });
  const module = { exports: /** @type {CliBundle} */ ({}) }; // filled in by the bundle
  // The bundle sits next to this file's directory tree, so this require finds the same
  // node_modules; it only ever asks for built-ins and the external packages.
  script.runInThisContext()(module.exports, require, module, bundlePath, join(__dirname, 'bundle'));
  return { exports: module.exports, script };
}

function readCache() {
  try {
    return readFileSync(cachePath);
  } catch {
    return undefined; // no cache: compile from source
  }
}

if (require.main === module) {
  loadBundle(readCache())
    .exports.main(process.argv.slice(2))
    .then((status) => {
      // Exit now rather than when the event loop drains: a closed file watcher (claim-next
      // --wait) can keep a timer alive for another second. Everything is flushed by here: runCli
      // closed the coordinator and its telemetry, and stdout/stderr are written synchronously.
      process.exit(status);
    });
} else {
  // Required by scripts/warm-code-cache.cjs, which builds the cache with this same code.
  module.exports = { loadBundle, bundlePath, cachePath };
}
