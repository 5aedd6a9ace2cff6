#!/usr/bin/env node
// @ts-check
/**
 * Rewrites the settings tables in README.md and docs/*.md from the settings table (src/settings.ts,
 * built to dist/): every block between `<!-- settings: <group> <group>... -->` and
 * `<!-- /settings -->`. `make settings-docs` runs it; test/unit/settingsDocs.test.ts fails when a
 * table is out of date.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { settingsMarkdown } = await import(join(ROOT, 'dist/settings.js'));
const BLOCK = /(<!-- settings: ([a-z ]+) -->)[\s\S]*?(<!-- \/settings -->)/g;

for (const file of ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]) {
  const path = join(ROOT, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(BLOCK, (_all, open, groups, close) => `${open}\n${settingsMarkdown(groups.trim().split(/\s+/))}\n${close}`);
  if (next !== text) {
    writeFileSync(path, next);
    console.log(`updated ${file}`);
  }
}
