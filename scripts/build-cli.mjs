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
  sourcemap: 'linked',
  logLevel: 'warning',
});
