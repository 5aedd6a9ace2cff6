// @ts-check
/**
 * Renders a report file in headless Debian chromium: the DOM after load (--dump-dom) and a PNG
 * screenshot next to the report. Uses the flags that work on this closed-network machine and a
 * fresh profile directory each time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'];

/**
 * @param {string} bin
 * @param {string[]} args
 * @param {number} timeoutMs
 * @returns {Promise<string>}
 */
function run(bin, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
  });
}

/**
 * @param {string} htmlPath
 * @param {{ bin?: string, screenshot?: string, width?: number, height?: number, timeoutMs?: number }} [options]
 */
export async function renderInChromium(htmlPath, { bin = '/usr/bin/chromium', screenshot, width = 1200, height = 2400, timeoutMs = 60_000 } = {}) {
  const url = pathToFileURL(htmlPath).href;
  const profile = () => mkdtempSync(join(os.tmpdir(), 'swarmfile-chromium-'));
  const p1 = profile();
  const p2 = profile();
  try {
    const dom = await run(bin, [...FLAGS, `--user-data-dir=${p1}`, '--dump-dom', url], timeoutMs);
    if (screenshot) await run(bin, [...FLAGS, `--user-data-dir=${p2}`, `--window-size=${width},${height}`, `--screenshot=${screenshot}`, url], timeoutMs);
    return { dom, screenshot: screenshot ?? null };
  } finally {
    rmSync(p1, { recursive: true, force: true });
    rmSync(p2, { recursive: true, force: true });
  }
}
