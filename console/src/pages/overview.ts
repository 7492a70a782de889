// The overview (GET /api/v1/overview): the fleet at a glance. Every count comes from the collector's
// database; this page only draws. A chart segment or a top-list row opens the events view with the
// filters that select exactly the events it counts.
import { api, query } from '../api';
import { h, replace, notice, formatTime, Latest } from '../dom';
import { clipped } from '../safetext';
import { stackedBarChart, ChartSeries } from '../chart';
import type { PageContext } from '../main';

interface Overview {
  since: string;
  until: string;
  bucket: 'hour' | 'day';
  tz_offset_min: number;
  series: { start: string; type: string; severity: string; count: number }[];
  top_hosts: { name: string; high: number; critical: number }[];
  top_users: { name: string; high: number; critical: number }[];
  fleet: {
    agents: number;
    online: number;
    silent: number;
    policy_current: number;
    policy_old: number;
    policy_refused: number;
    policy_none: number;
  };
  incidents: {
    open: number;
    acknowledged: number;
    more: boolean;
    newest: { incident_id: string; time: string; host: string; user: string; score: string; status: string }[];
  };
}

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const RANGES: { value: string; label: string; hours: number }[] = [
  { value: '24h', label: 'Last 24 hours', hours: 24 },
  { value: '7d', label: 'Last 7 days', hours: 24 * 7 },
  { value: '30d', label: 'Last 30 days', hours: 24 * 30 },
];
// Types beyond this many (the busiest first) share one "other types" segment.
const MAX_TYPES = 7;
const HOUR_MS = 3_600_000;

// The browser's UTC offset in whole hours (the collector's day buckets start at local midnight).
function offsetMinutes(): number {
  return Math.round(-new Date().getTimezoneOffset() / 60) * 60;
}

export function eventsLink(filters: Record<string, string | undefined>): string {
  return `#/events${query(filters)}`;
}

function bucketLabel(bucket: number, kind: 'hour' | 'day', offsetMin: number): string {
  // Shown in the collector's bucket zone (the browser's, whole hours).
  const local = new Date(bucket + offsetMin * 60_000).toISOString();
  return kind === 'hour' ? `${local.slice(5, 10)} ${local.slice(11, 16)}` : local.slice(0, 10);
}

const REFRESH_MS = 60_000;

export async function renderOverview(context: PageContext): Promise<void> {
  const range = h('select', { id: 'ov-range', name: 'range' }, RANGES.map((r) => h('option', { value: r.value }, r.label)));
  // The choice lives in the address (#/overview?range=24h&bucket=hour), so Back from a drill-down
  // returns to the same charts.
  const given = new URLSearchParams(location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?') + 1) : '');
  range.value = RANGES.some((r) => r.value === given.get('range')) ? (given.get('range') as string) : '7d';
  const bucket = h(
    'select',
    { id: 'ov-bucket', name: 'bucket' },
    h('option', { value: '' }, 'automatic'),
    h('option', { value: 'hour' }, 'hours'),
    h('option', { value: 'day' }, 'days'),
  );
  bucket.value = ['hour', 'day'].includes(given.get('bucket') ?? '') ? (given.get('bucket') as string) : '';
  const form = h(
    'form',
    { class: 'filters', id: 'overview-form' },
    h('div', { class: 'field' }, h('label', { for: 'ov-range' }, 'Range'), range),
    h('div', { class: 'field' }, h('label', { for: 'ov-bucket' }, 'Bars per'), bucket),
    h('button', { type: 'submit' }, 'Show'),
  );
  const status = h('p', { id: 'overview-status', role: 'status' });
  const content = h('div', { id: 'overview' });
  context.main.append(form, status, content);

  const loads = new Latest();
  const load = async () => {
    const mine = loads.start();
    const hours = RANGES.find((r) => r.value === range.value)?.hours ?? 24 * 7;
    const until = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
    const since = until - hours * HOUR_MS;
    const answer = await api<Overview>(
      'GET',
      `/api/v1/overview${query({
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        bucket: bucket.value || undefined,
        tz_offset_min: String(offsetMinutes()),
      })}`,
    );
    if (!loads.isLatest(mine)) return; // a later request (the form submitted again) wins
    draw(answer);
    replace(status, `From ${formatTime(answer.since)} to ${formatTime(answer.until)}, by ${answer.bucket}`);
  };
  // The page stays current by itself, once a minute, but never redraws under someone using it: not
  // while the tab is hidden or the keyboard focus is inside the charts and tables.
  const refresh = window.setInterval(() => {
    if (document.hidden || content.contains(document.activeElement)) return;
    load().catch((error: unknown) => replace(status, notice('error', (error as Error).message)));
  }, REFRESH_MS);
  context.onLeave(() => window.clearInterval(refresh));

  const draw = (o: Overview) => {
    const sinceMs = Date.parse(o.since);
    const untilMs = Date.parse(o.until);
    const bucketMs = o.bucket === 'hour' ? HOUR_MS : 24 * HOUR_MS;
    const offsetMs = o.tz_offset_min * 60_000;
    // Every bucket of the range, empty ones too, so time reads evenly left to right.
    const first = Math.floor((sinceMs + offsetMs) / bucketMs) * bucketMs - offsetMs;
    const buckets: number[] = [];
    for (let b = first; b < untilMs; b += bucketMs) buckets.push(b);
    // A bucket's events-view range: the bucket cut to the overview's range (the first and last may be partial).
    const window = (b: number) => ({ since: new Date(Math.max(b, sinceMs)).toISOString(), until: new Date(Math.min(b + bucketMs, untilMs)).toISOString() });
    const format = (b: number) => bucketLabel(b, o.bucket, o.tz_offset_min);

    const byType = new Map<string, Map<number, number>>();
    const bySeverity = new Map<string, Map<number, number>>();
    const totals = new Map<string, number>();
    for (const row of o.series) {
      const start = Date.parse(row.start);
      for (const [map, key] of [
        [byType, row.type],
        [bySeverity, row.severity],
      ] as const) {
        const inner = map.get(key) ?? new Map<number, number>();
        inner.set(start, (inner.get(start) ?? 0) + row.count);
        map.set(key, inner);
      }
      totals.set(row.type, (totals.get(row.type) ?? 0) + row.count);
    }
    const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([type]) => type);
    const shown = ranked.slice(0, MAX_TYPES);
    const others = ranked.slice(MAX_TYPES);
    const typeSeries: ChartSeries[] = shown.map((type, i) => ({ key: type, label: type, colourClass: `c${i}` }));
    if (others.length) typeSeries.push({ key: '', label: `other types (${others.length})`, colourClass: 'c-other' });
    const typeCount = (b: number, key: string) =>
      key ? (byType.get(key)?.get(b) ?? 0) : others.reduce((sum, type) => sum + (byType.get(type)?.get(b) ?? 0), 0);

    const fleet = o.fleet;
    const stat = (label: string, value: number, href: string, tone = '') =>
      h('li', { class: `stat ${tone}` }, h('a', { href }, h('span', { class: 'value' }, value), h('span', { class: 'label' }, label)));
    const sum = (list: { high: number; critical: number }) => list.high + list.critical;
    const topTable = (id: string, caption: string, rows: Overview['top_hosts'], link: (name: string) => string) =>
      rows.length === 0
        ? h('p', { class: 'muted', id }, `${caption}: none in this range.`)
        : h(
            'table',
            { class: 'grid compact', id },
            h('caption', {}, caption),
            h('thead', {}, h('tr', {}, ['Name', 'High', 'Critical', 'Total'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              {},
              rows.map((row) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: link(row.name) }, row.name ? clipped(row.name) : '(none)')),
                  h('td', { class: 'num' }, row.high),
                  h('td', { class: 'num' }, row.critical),
                  h('td', { class: 'num' }, sum(row)),
                ),
              ),
            ),
          );
    const range = { since: o.since, until: o.until };
    replace(
      content,
      h(
        'section',
        { 'aria-labelledby': 'ov-fleet-title' },
        h('h2', { id: 'ov-fleet-title' }, 'Fleet'),
        h(
          'ul',
          { class: 'stats', id: 'ov-fleet' },
          stat('agents', fleet.agents, '#/fleet'),
          stat('online', fleet.online, '#/fleet', 'good'),
          stat('silent', fleet.silent, '#/fleet', fleet.silent ? 'bad' : ''),
          stat('policy current', fleet.policy_current, '#/policies', 'good'),
          stat('policy out of date', fleet.policy_old, '#/policies', fleet.policy_old ? 'warn' : ''),
          stat('policy refused', fleet.policy_refused, '#/policies', fleet.policy_refused ? 'bad' : ''),
          stat('no policy yet', fleet.policy_none, '#/policies'),
          stat('open incidents', o.incidents.open, '#/incidents', o.incidents.open ? 'bad' : ''),
          stat('acknowledged incidents', o.incidents.acknowledged, '#/incidents'),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'ov-events-title' },
        h('h2', { id: 'ov-events-title' }, 'Events'),
        o.series.length === 0 ? notice('info', 'No event in this range.') : null,
        stackedBarChart({
          id: 'chart-type',
          title: `Events per ${o.bucket} by type`,
          buckets,
          bucketMs,
          series: typeSeries,
          count: typeCount,
          link: (b, key) => eventsLink({ type: key || undefined, ...window(b) }),
          formatBucket: format,
        }),
        stackedBarChart({
          id: 'chart-severity',
          title: `Events per ${o.bucket} by severity`,
          buckets,
          bucketMs,
          series: SEVERITIES.map((s) => ({ key: s, label: s, colourClass: `sev-fill-${s}` })),
          count: (b, key) => bySeverity.get(key)?.get(b) ?? 0,
          link: (b, key) => eventsLink({ severity_is: key, ...window(b) }),
          formatBucket: format,
        }),
      ),
      h(
        'section',
        { 'aria-labelledby': 'ov-top-title', class: 'columns' },
        h('h2', { id: 'ov-top-title' }, 'Most high and critical events'),
        topTable('ov-top-hosts', 'Hosts', o.top_hosts, (name) => eventsLink({ severity: 'high', host: name, ...range })),
        topTable('ov-top-users', 'Users', o.top_users, (name) => eventsLink({ severity: 'high', user: name || undefined, ...range })),
      ),
      h(
        'section',
        { 'aria-labelledby': 'ov-incidents-title' },
        h('h2', { id: 'ov-incidents-title' }, 'Open incidents'),
        o.incidents.newest.length === 0
          ? h('p', { class: 'muted' }, 'No open incident.')
          : h(
              'table',
              { class: 'grid compact', id: 'ov-incidents' },
              h('caption', {}, `The newest ${o.incidents.newest.length}${o.incidents.more ? ' (of the newest 1000 reported)' : ''}`),
              h('thead', {}, h('tr', {}, ['Opened', 'User', 'Host', 'Score', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
              h(
                'tbody',
                {},
                o.incidents.newest.map((i) =>
                  h(
                    'tr',
                    { 'data-incident': i.incident_id },
                    h('td', {}, h('a', { href: '#/incidents' }, formatTime(i.time))),
                    h('td', {}, clipped(i.user)),
                    h('td', {}, clipped(i.host)),
                    h('td', { class: 'num' }, i.score),
                    h('td', {}, i.status),
                  ),
                ),
              ),
            ),
      ),
    );
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = `#/overview${query({ range: range.value, bucket: bucket.value || undefined })}`;
    if (location.hash !== wanted) {
      location.hash = wanted; // the router draws the page anew with it
      return;
    }
    load().catch((error: unknown) => replace(status, notice('error', (error as Error).message)));
  });
  await load();
}
