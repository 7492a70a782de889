import { api, query, EventRecord } from '../api';
import { h, replace, formatTime, notice, Latest } from '../dom';
import { clipped, safeText } from '../safetext';
import type { PageContext } from '../main';

const POLL_MS = 2000;
const PAGE = 200;
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

// Nested details flattened to dotted keys ("process.name"), values shown as text.
function flatten(value: unknown, prefix: string, out: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
}

export function eventDetail(panel: HTMLElement, event: EventRecord): void {
  const fields: [string, string][] = [
    ['id', event.id],
    ['type', event.type],
    ['time', event.time],
    ['severity', event.severity],
    ['agent_id', event.agent_id],
    ['host', event.host],
    ['user', event.user],
  ];
  const details: [string, string][] = [];
  flatten(event.details, '', details);
  const table = (caption: string, rows: [string, string][]) =>
    h(
      'table',
      { class: 'kv' },
      h('caption', {}, caption),
      h('tbody', {}, rows.map(([key, value]) => h('tr', {}, h('th', { scope: 'row' }, clipped(key, 64)), h('td', { class: 'mono' }, value)))),
    );
  replace(
    panel,
    h('h2', { id: 'event-detail-title', tabindex: -1 }, `Event ${event.type}`),
    table('Fields', fields),
    details.length ? table('Details and evidence', details) : h('p', { class: 'muted' }, 'No details.'),
    h('details', {}, h('summary', {}, 'Raw JSON'), h('pre', { class: 'json' }, safeText(JSON.stringify(event, null, 2), { preformatted: true }))),
  );
  panel.hidden = false;
  (panel.querySelector('h2') as HTMLElement).focus();
}

export async function renderEvents(context: PageContext): Promise<void> {
  const field = (id: string, label: string, input: HTMLInputElement | HTMLSelectElement) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const type = h('input', { id: 'f-type', name: 'type', placeholder: 'e.g. device.blocked' });
  // "high" is high or above; "=high" is high only (what an overview chart segment counts).
  const severity = h(
    'select',
    { id: 'f-severity', name: 'severity' },
    h('option', { value: '' }, 'any'),
    SEVERITIES.map((s) => h('option', { value: s }, `${s} or above`)),
    SEVERITIES.map((s) => h('option', { value: `=${s}` }, `${s} only`)),
  );
  const agent = h('input', { id: 'f-agent', name: 'agent', placeholder: 'agent id' });
  const host = h('input', { id: 'f-host', name: 'host' });
  const user = h('input', { id: 'f-user', name: 'user' });
  const since = h('input', { id: 'f-since', name: 'since', type: 'datetime-local' });
  const until = h('input', { id: 'f-until', name: 'until', type: 'datetime-local' });
  const text = h('input', { id: 'f-q', name: 'q', type: 'search', placeholder: 'free text' });
  const form = h(
    'form',
    { class: 'filters', id: 'event-filters', role: 'search' },
    field('f-type', 'Type', type),
    field('f-severity', 'Severity', severity),
    field('f-agent', 'Agent', agent),
    field('f-host', 'Host', host),
    field('f-user', 'User', user),
    field('f-since', 'From', since),
    field('f-until', 'To', until),
    field('f-q', 'Text', text),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const status = h('p', { id: 'events-status', role: 'status' });
  // The export: the collector writes the CSV (the rules of mamorictl events --csv), the browser saves it.
  const csv = h('a', { id: 'events-csv', class: 'button', href: '/api/v1/events.csv', download: 'mamori-events.csv' }, 'Export CSV');
  const body = h('tbody', { id: 'event-rows' });
  const table = h(
    'table',
    { class: 'grid', id: 'events' },
    h('caption', {}, 'Newest first; new events appear at the top'),
    h('thead', {}, h('tr', {}, ['Time', 'Severity', 'Type', 'Host', 'User', 'Summary'].map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
  const detail = h('section', { class: 'detail', id: 'event-detail', 'aria-labelledby': 'event-detail-title', hidden: true });
  context.main.append(form, h('div', { class: 'toolbar' }, status, csv), h('div', { class: 'split' }, h('div', { class: 'scroll' }, table), detail));

  const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  // datetime-local wants local time without a zone: "2026-12-01T09:00".
  const toLocal = (iso: string) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  // Filters given in the address (#/events?type=...&since=...), as the overview's links do.
  const given = new URLSearchParams(location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?') + 1) : '');
  type.value = given.get('type') ?? '';
  severity.value = given.get('severity_is') ? `=${given.get('severity_is')}` : (given.get('severity') ?? '');
  agent.value = given.get('agent') ?? '';
  host.value = given.get('host') ?? '';
  user.value = given.get('user') ?? '';
  since.value = given.get('since') ? toLocal(given.get('since') as string) : '';
  until.value = given.get('until') ? toLocal(given.get('until') as string) : '';
  text.value = given.get('q') ?? '';
  const filters = () => ({
    type: type.value.trim() || undefined,
    severity: severity.value && !severity.value.startsWith('=') ? severity.value : undefined,
    severity_is: severity.value.startsWith('=') ? severity.value.slice(1) : undefined,
    agent: agent.value.trim() || undefined,
    host: host.value.trim() || undefined,
    user: user.value.trim() || undefined,
    since: toIso(since.value),
    until: toIso(until.value),
    q: text.value.trim() || undefined,
  });
  let newest = '';
  let shown = 0;
  const loads = new Latest();

  const summary = (event: EventRecord): string => {
    const d = event.details as Record<string, unknown>;
    const parts = ['process.name', 'file.path', 'device.product', 'device.vendor', 'rule.name', 'message']
      .map((key) => d[key])
      .filter((v) => typeof v === 'string') as string[];
    return parts.join(' · ');
  };
  const row = (event: EventRecord) => {
    const tr = h(
      'tr',
      { 'data-event': event.id, tabindex: 0, class: 'clickable' },
      h('td', {}, formatTime(event.time)),
      h('td', {}, h('span', { class: `badge sev-${event.severity}` }, event.severity)),
      h('td', { class: 'mono' }, clipped(event.type)),
      h('td', {}, clipped(event.host)),
      h('td', {}, clipped(event.user)),
      h('td', { class: 'summary' }, clipped(summary(event))),
    );
    const open = () => eventDetail(detail, event);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      // Enter on a clipped value's summary opens that value, not the row.
      if (e.target !== tr) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
    return tr;
  };

  const load = async () => {
    const mine = loads.start();
    csv.setAttribute('href', `/api/v1/events.csv${query(filters())}`);
    const answer = await api<{ events: EventRecord[] }>('GET', `/api/v1/events${query({ ...filters(), order: 'desc', limit: String(PAGE) })}`);
    if (!loads.isLatest(mine)) return;
    replace(body, answer.events.map(row));
    newest = answer.events.length ? answer.events[0].id : '';
    shown = answer.events.length;
    replace(status, `${shown} events shown${shown === PAGE ? ' (the newest 200; narrow the filters for older ones)' : ''}`);
  };
  const poll = async () => {
    const mine = loads.current();
    const params = { ...filters(), order: 'asc', limit: '500', cursor: newest || undefined };
    if (!newest) Object.assign(params, { order: 'desc', limit: String(PAGE) });
    const answer = await api<{ events: EventRecord[] }>('GET', `/api/v1/events${query(params)}`);
    if (!loads.isLatest(mine) || answer.events.length === 0) return;
    const fresh = newest ? answer.events : [...answer.events].reverse();
    for (const event of fresh) body.insertBefore(row(event), body.firstChild);
    newest = fresh[fresh.length - 1].id;
    shown += fresh.length;
    replace(status, `${shown} events shown, ${fresh.length} new`);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load().catch((error: unknown) => replace(status, notice('error', (error as Error).message)));
  });
  await load();
  let polling = false;
  const timer = window.setInterval(() => {
    if (polling) return;
    polling = true;
    poll()
      .catch(() => {})
      .finally(() => {
        polling = false;
      });
  }, POLL_MS);
  context.onLeave(() => window.clearInterval(timer));
}
