import { api, ApiError, Agent, query } from '../api';
import { h, notice, replace } from '../dom';
import type { PageContext } from '../main';
import { clipped } from '../safetext';

// The fleet report (docs/admin.md "Reports"): made by the collector for a period and a group, saved by
// the browser as one HTML page or CSV (GET /api/v1/report), and the weekly reports the collector
// wrote by itself (GET /api/v1/reports). Days are cut at this browser's UTC offset.

interface StoredReport {
  name: string;
  group: string;
  week: string;
  format: string;
  bytes: number;
}

const DAY_MS = 86_400_000;

// YYYY-MM-DD of a local date.
function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// Minutes east of UTC in whole hours, as the collector counts report days.
function offsetMinutes(): number {
  return Math.floor(-new Date().getTimezoneOffset() / 60) * 60;
}

// Local midnight of a YYYY-MM-DD as Unix milliseconds at the offset the report uses.
function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - offsetMinutes() * 60_000;
}

export async function renderReports(context: PageContext): Promise<void> {
  // Last week, Monday to Sunday, in local days.
  const today = new Date();
  const monday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - ((today.getDay() + 6) % 7) - 7);
  const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6);

  let groups: string[] = [];
  try {
    const answer = await api<{ agents: Agent[] }>('GET', '/api/v1/agents');
    groups = [...new Set(answer.agents.map((agent) => agent.group))].sort();
  } catch {
    groups = [];
  }
  const group = h(
    'select',
    { id: 'report-group', name: 'group' },
    h('option', { value: '' }, 'Every group'),
    groups.map((name) => h('option', { value: name }, name)),
  );
  const from = h('input', { id: 'report-from', type: 'date', value: isoDay(monday), required: true });
  const to = h('input', { id: 'report-to', type: 'date', value: isoDay(sunday), required: true });
  const html = h('a', { id: 'report-html', class: 'button' }, 'Download HTML');
  const csv = h('a', { id: 'report-csv', class: 'button' }, 'Download CSV');
  const problem = h('p', { id: 'report-problem', role: 'status' });
  const update = () => {
    const since = dayStart(from.value);
    const until = dayStart(to.value) + DAY_MS;  // the last day is included
    const valid = Number.isFinite(since) && Number.isFinite(until) && since < until;
    replace(problem, valid ? '' : 'The first day must be on or before the last day.');
    for (const [link, format] of [[html, 'html'], [csv, 'csv']] as const) {
      if (!valid) {
        link.removeAttribute('href');
        continue;
      }
      link.setAttribute(
        'href',
        `/api/v1/report${query({
          group: group.value || undefined,
          since: String(since),
          until: String(until),
          tz_offset_min: String(offsetMinutes()),
          format,
        })}`,
      );
    }
  };
  for (const input of [group, from, to]) input.addEventListener('change', update);
  update();

  context.main.append(
    h('h2', {}, 'Make a report'),
    h(
      'p',
      { class: 'muted' },
      'Events per day, events by type against the period before, the PCs and users with the most high and critical events, incidents, blocked devices, stopped P2P programs, exceptions granted and administrators\u2019 actions. Taking a report is recorded in the audit trail.',
    ),
    h(
      'form',
      { class: 'filters', id: 'report-form', onsubmit: (event: Event) => event.preventDefault() },
      h('label', {}, 'Group ', group),
      h('label', {}, 'First day ', from),
      h('label', {}, 'Last day ', to),
    ),
    h('div', { class: 'toolbar' }, html, ' ', csv, problem),
  );

  const weekly = h('section', { id: 'weekly-reports', 'aria-labelledby': 'weekly-title' }, h('h2', { id: 'weekly-title' }, 'Weekly reports'));
  context.main.append(weekly);
  let stored: StoredReport[];
  try {
    const answer = await api<{ reports?: StoredReport[] }>('GET', '/api/v1/reports');
    stored = Array.isArray(answer.reports) ? answer.reports : [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      weekly.append(notice('info', 'This collector writes no weekly reports (it runs with --reports-dir off).'));
      return;
    }
    throw error;
  }
  if (stored.length === 0) {
    weekly.append(notice('info', 'No weekly report yet: the collector writes last week\u2019s every Monday, for the whole fleet and for each group.'));
    return;
  }
  weekly.append(
    h(
      'table',
      { class: 'grid', id: 'weekly-report-list' },
      h('thead', {}, h('tr', {}, ['Week from', 'Group', 'Format', 'Size', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        stored.map((report) =>
          h(
            'tr',
            {},
            h('td', {}, report.week),
            h('td', {}, clipped(report.group === 'all' ? 'every group' : report.group)),
            h('td', {}, report.format.toUpperCase()),
            h('td', { class: 'num' }, `${Math.max(1, Math.round(report.bytes / 1024))} KiB`),
            h('td', {}, h('a', { href: `/api/v1/reports/${encodeURIComponent(report.name)}`, download: report.name }, 'Download')),
          ),
        ),
      ),
    ),
  );
}
