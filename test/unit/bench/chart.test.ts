import { describe, expect, it } from 'vitest';
import { latencyChartSvg } from '../../../bench/chart';

const points = [
  { offeredPerSecond: 25, p50Ms: 80, p99Ms: 400 },
  { offeredPerSecond: 50, p50Ms: 900, p99Ms: 3_800 },
  { offeredPerSecond: 100, p50Ms: 8_500, p99Ms: undefined },
];

const circlesOf = (svg: string, colour: string) =>
  [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5" fill="([^"]+)"\/>/g)]
    .filter((match) => match[3] === colour)
    .map((match) => ({ x: Number(match[1]), y: Number(match[2]) }));

describe('latencyChartSvg', () => {
  const svg = latencyChartSvg(points, 'Pipeline <2 cores>');

  it('is one SVG document with its title escaped as text and alternative', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>Pipeline &#60;2 cores&#62;</title>');
    expect(svg).not.toContain('<2 cores>');
  });

  it('plots one p50 point per step and p99 points only where p99 is known', () => {
    expect(circlesOf(svg, '#1f77b4')).toHaveLength(3);
    expect(circlesOf(svg, '#ff7f0e')).toHaveLength(2);
  });

  it('places a higher rate further right and a higher latency higher up (log scale)', () => {
    const [first, second, third] = circlesOf(svg, '#1f77b4');
    expect(first!.x).toBeLessThan(second!.x);
    expect(second!.x).toBeLessThan(third!.x);
    expect(first!.y).toBeGreaterThan(second!.y);
    expect(second!.y).toBeGreaterThan(third!.y);
  });

  it('draws the p99 target line with its label', () => {
    expect(svg).toContain('target p99 1 s');
    expect(latencyChartSvg(points, 't', 500)).toContain('target p99 500 ms');
  });
});
