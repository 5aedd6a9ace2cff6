/** Plain aligned text tables for human output; cells are single-line (newlines shown as \n). */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>, maxWidth = 48): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '-' : String(v).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, ' ');
    return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
  };
  const body = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...body.map(line)].join('\n');
}
