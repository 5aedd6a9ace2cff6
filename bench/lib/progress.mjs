// @ts-check
/** Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (CI logs, pipes). */
/**
 * @param {NodeJS.WriteStream} [stream]
 * @returns {import('../types.js').Progress}
 */
export function makeProgress(stream = process.stderr, { quiet = false } = {}) {
  const tty = !!stream.isTTY;
  let label = '';
  let total = 0;
  let done = 0;
  let lastLine = 0;
  const draw = () => {
    if (quiet) return;
    if (tty) {
      const width = 24;
      const frac = total ? Math.min(1, done / total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      stream.write(`\r\x1b[K[${bar}] ${String(Math.round(frac * 100)).padStart(3)}% ${label} (${done}/${total})`);
    } else if (done === total || Date.now() - lastLine > 5000) {
      lastLine = Date.now();
      stream.write(`${label}: ${done}/${total}\n`);
    }
  };
  return {
    /** Starts a step with `n` units of work. */
    start(name, n) {
      label = name;
      total = n;
      done = 0;
      lastLine = 0;
      if (!quiet && !tty) stream.write(`${name}: started (${n})\n`);
      else draw();
    },
    tick(k = 1) {
      done += k;
      draw();
    },
    /** A message that must not be overdrawn by the bar. */
    note(msg) {
      if (quiet) return;
      stream.write(tty ? `\r\x1b[K${msg}\n` : `${msg}\n`);
    },
    end() {
      if (!quiet && tty) stream.write('\r\x1b[K');
    },
  };
}
