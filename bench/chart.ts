/**
 * The pipeline chart: POST→SUCCESS latency (p50 and p99, log scale) against the offered rate, as a small
 * hand-written SVG (no charting dependency). Pure: the bench writes the string it returns.
 */

export interface ChartPoint {
  readonly offeredPerSecond: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 64, right: 24, top: 40, bottom: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const formatMs = (ms: number) => (ms >= 1_000 ? `${ms / 1_000} s` : `${ms} ms`);

export function latencyChartSvg(points: readonly ChartPoint[], title: string, targetMs = 1_000): string {
  const rates = points.map((p) => p.offeredPerSecond);
  const maxRate = Math.max(1, ...rates);
  const latencies = points.flatMap((p) => [p.p50Ms, p.p99Ms]).filter((v): v is number => v !== undefined);
  // Decades from 10 ms up to the decade above the slowest point (at least 10 s, so the target shows).
  const top = Math.max(10_000, 10 ** Math.ceil(Math.log10(Math.max(1, ...latencies))));
  const bottom = 10;
  const x = (rate: number) => MARGIN.left + (rate / maxRate) * PLOT_W;
  const y = (ms: number) => {
    const clamped = Math.min(top, Math.max(bottom, ms));
    const share = (Math.log10(clamped) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom));
    return MARGIN.top + (1 - share) * PLOT_H;
  };
  const r = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let decade = bottom; decade <= top; decade *= 10) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${r(y(decade))}" y2="${r(y(decade))}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${r(y(decade) + 4)}" text-anchor="end">${formatMs(decade)}</text>`,
    );
  }
  for (const rate of rates) {
    parts.push(
      `<text x="${r(x(rate))}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${rate}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${r(y(targetMs))}" y2="${r(y(targetMs))}" stroke="#c00" stroke-dasharray="6 4"/>`,
    `<text x="${WIDTH - MARGIN.right}" y="${r(y(targetMs) - 6)}" text-anchor="end" fill="#c00">target p99 ${formatMs(targetMs)}</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#000"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#000"/>`,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle">offered payments per second</text>`,
    `<text transform="translate(16 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">POST→SUCCESS latency</text>`,
  );
  const series = [
    { name: 'p50', colour: '#1f77b4', pick: (p: ChartPoint) => p.p50Ms },
    { name: 'p99', colour: '#ff7f0e', pick: (p: ChartPoint) => p.p99Ms },
  ];
  series.forEach((s, index) => {
    const known = points.filter((p) => s.pick(p) !== undefined);
    const coords = known.map((p) => `${r(x(p.offeredPerSecond))},${r(y(s.pick(p) as number))}`);
    if (coords.length > 1)
      parts.push(
        `<polyline points="${coords.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
      );
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.colour}"/>`);
    }
    const legendY = MARGIN.top + 14 + index * 16;
    parts.push(
      `<line x1="${MARGIN.left + 12}" x2="${MARGIN.left + 32}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${s.colour}" stroke-width="2"/>`,
      `<text x="${MARGIN.left + 38}" y="${legendY}">${s.name}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
