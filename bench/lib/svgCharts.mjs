// @ts-check
/**
 * Tiny inline-SVG charts for the self-contained report: no scripts, no fonts to fetch, no network.
 * Every data mark carries class "mark" so a test can count them.
 */
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** @param {unknown} s */
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ENTITIES[c]);

/**
 * A data series: bars take `values` (one per category), lines take `points` ([x, y] pairs).
 * Non-finite numbers are left out of the drawing.
 * @typedef {{ name: string, color?: string }} Named
 * @typedef {Named & { values: (number | null | undefined)[], colors?: string[] }} BarSeries
 * @typedef {Named & { points: [number, number | null | undefined][] }} LineSeries
 * @typedef {{ l: number, r: number, t: number, b: number }} Margins
 */

/** @param {number} v */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p;
}

/** @param {number} v */
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** @param {{ id: string, title: string, width: number, height: number, m: Margins, yMax: number, yLabel: string, yMin?: number }} options */
function frame({ id, title, width, height, m, yMax, yLabel, yMin = 0 }) {
  const ih = height - m.t - m.b;
  /** @param {number} v */
  const y = (v) => m.t + ih - ((v - yMin) / (yMax - yMin)) * ih;
  let s = `<svg class="chart" data-chart="${esc(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`;
  s += `<text x="${width / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>`;
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    s += `<line x1="${m.l}" x2="${width - m.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${fmt(v)}</text>`;
  }
  s += `<text transform="translate(14 ${m.t + ih / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`;
  return { s, y, ih };
}

/**
 * @param {Named[]} series
 * @param {number} x
 * @param {number} y
 */
function legend(series, x, y) {
  return series.map((se, i) => `<rect x="${x}" y="${y + i * 16 - 9}" width="10" height="10" fill="${se.color ?? PALETTE[i % PALETTE.length]}"/><text x="${x + 14}" y="${y + i * 16}" class="legend">${esc(se.name)}</text>`).join('');
}

/** Grouped vertical bars: categories on x, one bar per series. Optional horizontal reference line. */
/** @param {{ id: string, title: string, categories: string[], series: BarSeries[], yLabel: string, refLine?: { value: number, label: string }, width?: number, height?: number }} chart */
export function barChart({ id, title, categories, series, yLabel, refLine, width = 640, height = 300 }) {
  const m = { l: 56, r: 150, t: 28, b: 46 };
  const vals = series.flatMap((s) => s.values).filter(/** @returns {v is number} */ (v) => typeof v === 'number' && Number.isFinite(v));
  const yMax = niceMax(Math.max(...vals, refLine?.value ?? 0) * 1.05);
  const { s: head, y } = frame({ id, title, width, height, m, yMax, yLabel });
  let s = head;
  const iw = width - m.l - m.r;
  const gw = iw / categories.length;
  const bw = Math.max(2, (gw * 0.8) / series.length);
  categories.forEach((c, ci) => {
    series.forEach((se, si) => {
      const v = se.values[ci];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const x = m.l + ci * gw + gw * 0.1 + si * bw;
      const fill = se.colors?.[ci] ?? se.color ?? PALETTE[si % PALETTE.length];
      s += `<rect class="mark" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${Math.max(1, y(0) - y(v)).toFixed(1)}" fill="${fill}"><title>${esc(`${se.name} ${c}: ${fmt(v)}`)}</title></rect>`;
    });
    s += `<text x="${m.l + ci * gw + gw / 2}" y="${height - m.b + 16}" text-anchor="middle" class="tick">${esc(c)}</text>`;
  });
  if (refLine) s += `<line x1="${m.l}" x2="${width - m.r}" y1="${y(refLine.value)}" y2="${y(refLine.value)}" class="ref"/><text x="${width - m.r + 4}" y="${y(refLine.value) + 4}" class="legend">${esc(refLine.label)}</text>`;
  s += legend(series, width - m.r + 12, m.t + 30);
  return `${s}</svg>`;
}

/**
 * @param {[number, number | null | undefined]} point
 * @returns {point is [number, number]}
 */
const finitePoint = (point) => Number.isFinite(point[0]) && Number.isFinite(point[1]);

/**
 * Lines over numeric x (log2 or log10 scale optional).
 * @param {{ id: string, title: string, series: LineSeries[], xLabel: string, yLabel: string, logX?: boolean, width?: number, height?: number }} chart
 */
export function lineChart({ id, title, series, xLabel, yLabel, logX = false, width = 640, height = 300 }) {
  const m = { l: 56, r: 150, t: 28, b: 46 };
  const pts = series.flatMap((s) => s.points).filter(finitePoint);
  const yMax = niceMax(Math.max(...pts.map((p) => p[1])) * 1.05);
  const xs = [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b);
  /** @param {number} v */
  const tx = (v) => (logX ? Math.log(v) : v);
  const x0 = tx(xs[0] ?? 0);
  const x1 = tx(xs[xs.length - 1] ?? 1);
  const iw = width - m.l - m.r;
  /** @param {number} v */
  const x = (v) => m.l + (x1 === x0 ? iw / 2 : ((tx(v) - x0) / (x1 - x0)) * iw);
  const { s: head, y } = frame({ id, title, width, height, m, yMax, yLabel });
  let s = head;
  for (const v of xs) s += `<text x="${x(v)}" y="${height - m.b + 16}" text-anchor="middle" class="tick">${v}</text>`;
  s += `<text x="${m.l + iw / 2}" y="${height - 8}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`;
  series.forEach((se, i) => {
    const color = se.color ?? PALETTE[i % PALETTE.length];
    const p = se.points.filter(finitePoint);
    if (p.length > 1) s += `<path class="mark line" d="${p.map(([a, b], k) => `${k ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('')}" fill="none" stroke="${color}" stroke-width="2"/>`;
    for (const [a, b] of p) s += `<circle class="mark" cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${se.name} ${a}: ${fmt(b)}`)}</title></circle>`;
  });
  s += legend(series, width - m.r + 12, m.t + 30);
  return `${s}</svg>`;
}

/**
 * Diverging horizontal bars of percent change; flagged rows drawn red.
 * @param {{ id: string, title: string, rows: { label: string, value: number, flag: 'regression' | 'improvement' | null }[], width?: number }} chart
 */
export function changeChart({ id, title, rows, width = 760 }) {
  const rowH = 18;
  const m = { l: 260, r: 70, t: 30, b: 24 };
  const height = m.t + m.b + rowH * rows.length;
  const lim = niceMax(Math.max(10, ...rows.map((r) => Math.abs(r.value))));
  const iw = width - m.l - m.r;
  /** @param {number} v */
  const x = (v) => m.l + ((Math.max(-lim, Math.min(lim, v)) + lim) / (2 * lim)) * iw;
  let s = `<svg class="chart" data-chart="${esc(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`;
  s += `<text x="${width / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>`;
  s += `<line x1="${x(0)}" x2="${x(0)}" y1="${m.t - 4}" y2="${height - m.b}" class="ref"/>`;
  s += `<text x="${x(-lim)}" y="${height - 6}" class="tick">-${lim}% (better)</text><text x="${x(lim)}" y="${height - 6}" text-anchor="end" class="tick">+${lim}% (worse)</text>`;
  rows.forEach((r, i) => {
    const yy = m.t + i * rowH;
    const a = Math.min(x(0), x(r.value));
    const w = Math.max(1, Math.abs(x(r.value) - x(0)));
    const fill = r.flag === 'regression' ? '#dc2626' : r.flag === 'improvement' ? '#16a34a' : '#9ca3af';
    s += `<text x="${m.l - 6}" y="${yy + 12}" text-anchor="end" class="tick">${esc(r.label)}</text>`;
    s += `<rect class="mark${r.flag === 'regression' ? ' regression' : ''}" x="${a.toFixed(1)}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${fill}"><title>${esc(`${r.label}: ${fmt(r.value)}%`)}</title></rect>`;
    s += `<text x="${width - m.r + 4}" y="${yy + 12}" class="tick">${r.value >= 0 ? '+' : ''}${fmt(r.value)}%${r.flag === 'regression' ? ' !' : ''}</text>`;
  });
  return `${s}</svg>`;
}
