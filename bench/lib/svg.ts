/** A small line chart (p99 latency against offered load, one line per gateway) as SVG text. */

export interface Series {
  name: string;
  color: string;
  /** x: achieved requests per second, y: latency ms. */
  points: { x: number; y: number; label?: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const W = 720,
    H = 420,
    L = 70,
    R = 160,
    T = 40,
    B = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(1, ...ys));
  const px = (x: number) => L + (x / xMax) * (W - L - R);
  const py = (y: number) => H - B - (y / yMax) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5,
      yv = (yMax * i) / 5;
    out.push(`<line x1="${px(xv)}" y1="${T}" x2="${px(xv)}" y2="${H - B}" stroke="#eee"/>`);
    out.push(`<line x1="${L}" y1="${py(yv)}" x2="${W - R}" y2="${py(yv)}" stroke="#eee"/>`);
    out.push(`<text x="${px(xv)}" y="${H - B + 16}" text-anchor="middle">${+xv.toFixed(1)}</text>`);
    out.push(`<text x="${L - 6}" y="${py(yv) + 4}" text-anchor="end">${+yv.toFixed(1)}</text>`);
  }
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
      if (p.label) out.push(`<text x="${(px(p.x) + 5).toFixed(1)}" y="${(py(p.y) - 5).toFixed(1)}" font-size="10" fill="${s.color}">${esc(p.label)}</text>`);
    }
    out.push(`<rect x="${W - R + 15}" y="${T + i * 20}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${W - R + 32}" y="${T + i * 20 + 10}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
