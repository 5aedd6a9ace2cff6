// Bundles the CLI into one file: every agent call pays module loading, and one pre-linked file
// loads several times faster than a tree of node_modules. Heavy, rarely needed packages stay
// external and are loaded with import() only by the commands that need them.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/coordination_helper.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['pako', 'chokidar', '@opentelemetry/*'],
  // Stand-ins for two start-up costs the CLI does not need; see each shim's header.
  alias: { 'graceful-fs': './scripts/shims/graceful-fs.cjs', 'signal-exit': './scripts/shims/signal-exit.cjs' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
