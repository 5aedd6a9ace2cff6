// @ts-check
// Preloaded with NODE_OPTIONS=--require by the memory part: records this process's peak RSS.
const fs = require('node:fs');
const out = process.env.SWARMFILE_BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    try {
      fs.appendFileSync(out, `${process.pid} ${process.resourceUsage().maxRSS * 1024}\n`);
    } catch {}
  });
}
