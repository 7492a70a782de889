// Stacked bar charts drawn as SVG by the console itself (docs/decisions/0030-overview-rollup.md says
// why no charting library): one bar per time bucket, one segment per series (an event type or a
// severity). Every segment is a link that opens the events view filtered to it, reachable by
// keyboard and named for screen readers; colours come from the stylesheet (the CSP allows no inline
// style), and the legend names every colour in text.
import { h } from './dom';

const SVG = 'http://www.w3.org/2000/svg';

export interface ChartSeries {
  key: string; // the data key (a type, a severity)
  label: string; // what the legend and the segment's name say
  colourClass: string; // a class of style.css that sets fill and background
}

export interface ChartInput {
  id: string;
  title: string;
  buckets: number[]; // bucket start times (ms), ascending
  bucketMs: number;
  series: ChartSeries[];
  count(bucket: number, series: string): number;
  // The events view for one segment (a "#/events?..." link).
  link(bucket: number, series: string): string;
  // How a bucket's start is written under the axis and in segment names.
  formatBucket(bucket: number): string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

// 1, 2, 5, 10, 20, 50 ... at or above value: the axis' top.
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function stackedBarChart(input: ChartInput): HTMLElement {
  const width = 900;
  const height = 260;
  const left = 48;
  const bottom = 36;
  const top = 10;
  const plotHeight = height - top - bottom;
  const totals = input.buckets.map((bucket) => input.series.reduce((sum, s) => sum + input.count(bucket, s.key), 0));
  const max = niceCeiling(Math.max(0, ...totals));
  const slot = (width - left - 8) / Math.max(1, input.buckets.length);
  const barWidth = Math.max(2, slot * 0.75);

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'group', 'aria-labelledby': `${input.id}-title` });
  // Axis: 0, half and the top, with light grid lines.
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    root.appendChild(svg('line', { x1: left, x2: width - 4, y1: y, y2: y, class: 'grid-line' }));
    const label = svg('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' });
    label.textContent = String(Math.round(max * fraction));
    root.appendChild(label);
  }
  // At most about twelve bucket labels, evenly spaced.
  const labelEvery = Math.max(1, Math.ceil(input.buckets.length / 12));
  input.buckets.forEach((bucket, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    let y = top + plotHeight;
    for (const series of input.series) {
      const count = input.count(bucket, series.key);
      if (count <= 0) continue;
      const segment = Math.max(1, (count / max) * plotHeight);
      y -= segment;
      const name = `${series.label}, ${input.formatBucket(bucket)}: ${count} event${count === 1 ? '' : 's'}`;
      const link = svg('a', { href: input.link(bucket, series.key), 'aria-label': name, class: 'bar-link' });
      link.dataset.bucket = new Date(bucket).toISOString();
      link.dataset.series = series.key;
      link.dataset.count = String(count);
      const rect = svg('rect', { x, y, width: barWidth, height: segment, class: `bar ${series.colourClass}` });
      const tip = svg('title', {});
      tip.textContent = name;
      rect.appendChild(tip);
      link.appendChild(rect);
      root.appendChild(link);
    }
    if (index % labelEvery === 0) {
      const label = svg('text', { x: x + barWidth / 2, y: height - bottom + 16, class: 'axis', 'text-anchor': 'middle' });
      label.textContent = input.formatBucket(bucket);
      root.appendChild(label);
    }
  });

  const legend = h(
    'ul',
    { class: 'legend' },
    input.series.map((series) => h('li', {}, h('span', { class: `swatch ${series.colourClass}`, 'aria-hidden': 'true' }), series.label)),
  );
  const figure = h('figure', { class: 'chart', id: input.id });
  figure.append(h('figcaption', { id: `${input.id}-title` }, input.title), root, legend);
  return figure;
}
