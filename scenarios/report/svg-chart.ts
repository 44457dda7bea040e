export interface Series { name: string; color: string; points: [number, number][]; dashed?: boolean }
export interface Band { from_s: number; to_s: number; label: string; color: string }
export interface Marker { at_s: number; label: string }

const W = 860, H = 220, L = 56, R = 12, T = 14, B = 30;
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v)!;
}

/** A self-contained SVG line chart over time, with shaded fault windows and event markers. */
export function lineChart(o: { title: string; unit: string; x_max_s: number; series: Series[]; bands?: Band[]; markers?: Marker[]; y_max?: number; threshold?: { value: number; label: string } }): string {
  const yData = Math.max(0, ...o.series.flatMap((s) => s.points.map((p) => p[1])), o.threshold?.value ?? 0);
  const yMax = niceMax(o.y_max !== undefined ? Math.min(yData, o.y_max) : yData);
  const x = (s: number) => L + (s / Math.max(o.x_max_s, 1)) * (W - L - R);
  const y = (v: number) => T + (1 - Math.min(v, yMax) / yMax) * (H - T - B);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}" class="chart">`];
  for (const b of o.bands ?? []) {
    parts.push(`<rect x="${x(b.from_s).toFixed(1)}" y="${T}" width="${Math.max(2, x(b.to_s) - x(b.from_s)).toFixed(1)}" height="${H - T - B}" fill="${b.color}" opacity="0.18"><title>${esc(b.label)}</title></rect>`);
    parts.push(`<text x="${(x(b.from_s) + 3).toFixed(1)}" y="${T + 11}" font-size="10" fill="#444">${esc(b.label)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${L - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end" fill="#555">${+v.toFixed(2)}</text>`);
  }
  const step = niceMax(o.x_max_s / 10);
  for (let s = 0; s <= o.x_max_s; s += step) parts.push(`<text x="${x(s).toFixed(1)}" y="${H - 12}" font-size="10" text-anchor="middle" fill="#555">${s}s</text>`);
  if (o.threshold) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(o.threshold.value).toFixed(1)}" y2="${y(o.threshold.value).toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${W - R - 4}" y="${(y(o.threshold.value) - 4).toFixed(1)}" font-size="10" text-anchor="end" fill="#c00">${esc(o.threshold.label)}</text>`);
  }
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
  }
  for (const m of o.markers ?? []) {
    parts.push(`<line x1="${x(m.at_s).toFixed(1)}" x2="${x(m.at_s).toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#7a3" stroke-width="1"><title>${esc(m.label)}</title></line>`);
  }
  parts.push(`<text x="${L}" y="${H - 1}" font-size="10" fill="#333">${esc(o.unit)} · ${o.series.map((s) => `<tspan fill="${s.color}">■ ${esc(s.name)}</tspan>`).join(' ')}</text>`);
  parts.push('</svg>');
  return `<figure><figcaption>${esc(o.title)}</figcaption>${parts.join('')}</figure>`;
}
