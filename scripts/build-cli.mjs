// @ts-check
// Bundles the CLI into one file: every agent call pays module loading, and one pre-linked file
// loads several times faster than a tree of node_modules. Heavy, rarely needed packages stay
// external and are loaded with import() only by the commands that need them.
//
// Output (dist/):
//   bundle/coordination_helper.<hash>.cjs      the bundle, named by its content hash
//   bundle/coordination_helper.<hash>.v8cache  its V8 code cache (scripts/warm-code-cache.cjs)
//   coordination_helper.cjs                    the executable: scripts/cli-loader.cjs, pointed at <hash>
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

/**
 * pg asks at load time whether it runs in a Cloudflare Worker: on Node 20 (no `navigator`) it
 * does so by touching the global `Response`, which makes Node load and compile its whole fetch
 * implementation (undici): about half of what a PostgreSQL CLI call cost beyond a file-store
 * call. The bundle is for Node only, so the question is answered at build time. The build fails if
 * pg's code changed shape, so an upgrade cannot silently bring the cost back.
 * @type {import('esbuild').Plugin}
 */
const pgNodeOnly = {
  name: 'pg-node-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const call = 'if (isCloudflareRuntime()) {';
      if (source.split(call).length !== 2) throw new Error(`build-cli: ${args.path} no longer has exactly one '${call}'; review the pg-node-only plugin`);
      return { contents: source.replace(call, 'if (false) {'), loader: 'js' };
    });
  },
};

const BUNDLE_DIR = 'dist/bundle';
const LOADER = 'dist/coordination_helper.cjs';

// Old bundles and caches go: only the pair the loader names may exist.
rmSync(BUNDLE_DIR, { recursive: true, force: true });
mkdirSync(BUNDLE_DIR, { recursive: true });
rmSync(`${LOADER}.map`, { force: true }); // the bundle's map from before the loader existed

const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: BUNDLE_DIR,
  entryNames: 'coordination_helper.[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // pg is bundled (its many small files cost start-up when loaded from node_modules); its
  // optional native binding and Cloudflare socket are never used.
  external: ['pako', 'chokidar', 'pg-native', 'pg-cloudflare', 'cloudflare:sockets', '@opentelemetry/*'],
  // import() becomes require() (the external packages all have CommonJS builds): code run through
  // vm.Script, as the loader does, has no working import() when it comes from a code cache.
  supported: { 'dynamic-import': false },
  plugins: [pgNodeOnly],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const bundleFile = Object.keys(result.metafile.outputs).find((f) => f.endsWith('.cjs'));
if (!bundleFile) throw new Error('build-cli: esbuild wrote no .cjs bundle');
const id = /^coordination_helper\.([A-Za-z0-9]+)\.cjs$/.exec(basename(bundleFile))?.[1];
if (!id) throw new Error(`build-cli: unexpected bundle name ${bundleFile}`);
if (readFileSync(bundleFile, 'utf8').includes('Cloudflare-Workers')) {
  throw new Error(`build-cli: ${bundleFile} still asks whether it runs in a Cloudflare Worker (the pg-node-only plugin did not apply)`);
}
if (/\bimport\(/.test(readFileSync(bundleFile, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, ''))) {
  throw new Error(`build-cli: ${bundleFile} still calls import(), which fails under the code cache`);
}

// The loader is written whole under a temporary name, then renamed: a concurrent call never sees
// half a file, nor a loader naming a bundle that is not there yet.
const loader = readFileSync('scripts/cli-loader.cjs', 'utf8').replace('@@BUNDLE_ID@@', id);
writeFileSync(`${LOADER}.tmp`, loader);
chmodSync(`${LOADER}.tmp`, 0o755);
renameSync(`${LOADER}.tmp`, LOADER);

const warm = spawnSync(process.execPath, [join('scripts', 'warm-code-cache.cjs'), LOADER], { stdio: 'inherit' });
if (warm.status !== 0) throw new Error('build-cli: building the code cache failed (see above)');
