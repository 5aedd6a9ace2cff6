// @ts-check
// Bundles the CLI into one file: every agent call pays module loading, and one pre-linked file
// loads several times faster than a tree of node_modules. Heavy, rarely needed packages stay
// external and are loaded with import() only by the commands that need them.
//
// Output (dist/):
//   bundle/coordination_helper.<hash>.cjs      the bundle, named by its content hash
//   bundle/coordination_helper.<hash>.v8cache  its V8 code cache (scripts/warm-code-cache.cjs)
//   bundle/mcp-sdk.<hash>.cjs                  the MCP SDK and zod, required by the bundle for `mcp` only
//   coordination_helper.cjs                    the executable: scripts/cli-loader.cjs, pointed at <hash>
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
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

// Old bundles and caches go, except the generation the installed loader names (its bundle, cache,
// map and MCP SDK chunk): a call that started before the new loader is renamed into place still
// finds what its loader names. So at most two generations exist.
mkdirSync(BUNDLE_DIR, { recursive: true });
const installed = existsSync(LOADER) ? /const BUNDLE_ID = '([A-Za-z0-9]+)'/.exec(readFileSync(LOADER, 'utf8'))?.[1] : undefined;
const installedBundle = installed ? join(BUNDLE_DIR, `coordination_helper.${installed}.cjs`) : '';
const installedText = installed && existsSync(installedBundle) ? readFileSync(installedBundle, 'utf8') : null;
const keep = new Set(installedText === null ? [] : readdirSync(BUNDLE_DIR).filter((n) => n.includes(`.${installed}.`) || installedText.includes(n)));
for (const name of readdirSync(BUNDLE_DIR)) if (!keep.has(name)) rmSync(join(BUNDLE_DIR, name), { recursive: true, force: true });
rmSync(`${LOADER}.map`, { force: true }); // the bundle's map from before the loader existed

/**
 * What both bundles are: one CommonJS file for Node 20 each, named by its content hash. import()
 * becomes require() (the external packages all have CommonJS builds): code run through vm.Script,
 * as the loader does, has no working import() when it comes from a code cache.
 * @type {import('esbuild').BuildOptions}
 */
const CJS_BUNDLE = {
  outdir: BUNDLE_DIR,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  supported: { 'dynamic-import': false },
  metafile: true,
  logLevel: 'warning',
};

// The MCP SDK and zod, used by `mcp` alone, form a chunk of their own (src/mcp/sdk.ts and all it
// imports): bundled, `mcp` starts about a third faster than from the packages' trees (a server per
// agent: 32 agents start 32), and no other command's bundle carries them. The CLI bundle requires
// the chunk by its path next to the loader (the loader's `require`), only when `mcp` runs.
const sdkBuild = await build({ ...CJS_BUNDLE, entryPoints: ['src/mcp/sdk.ts'], entryNames: 'mcp-sdk.[hash]' });
const sdkChunk = Object.keys(sdkBuild.metafile?.outputs ?? {}).find((f) => f.endsWith('.cjs'));
if (!sdkChunk) throw new Error('build-cli: esbuild wrote no MCP SDK chunk');
/** @type {import('esbuild').Plugin} */
const mcpSdkChunk = {
  name: 'mcp-sdk-chunk',
  setup(b) {
    b.onResolve({ filter: /^\.\/sdk\.js$/ }, (args) => (/[\\/]src[\\/]mcp$/.test(args.resolveDir) ? { path: `./bundle/${basename(sdkChunk)}`, external: true } : undefined));
  },
};

const result = await build({
  ...CJS_BUNDLE,
  entryPoints: ['src/cli/main.ts'],
  entryNames: 'coordination_helper.[hash]',
  // pg is bundled (its many small files cost start-up when loaded from node_modules); its
  // optional native binding and Cloudflare socket are never used.
  external: ['pako', 'chokidar', 'pg-native', 'pg-cloudflare', 'cloudflare:sockets', '@opentelemetry/*'],
  plugins: [pgNodeOnly, mcpSdkChunk],
  sourcemap: 'linked',
});

const bundleFile = Object.keys(result.metafile?.outputs ?? {}).find((f) => f.endsWith('.cjs'));
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
