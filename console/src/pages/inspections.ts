import { api, ApiError } from '../api';
import { h, notice, formatTime } from '../dom';
import type { PageContext } from '../main';

// Inspection reports come from GET /api/v1/inspections when the collector has it (the inspection
// tool's issue). The console shows what the API reports, including whether the signature verifies.
type Report = Record<string, unknown>;

function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function renderInspections(context: PageContext): Promise<void> {
  let reports: Report[];
  try {
    const answer = await api<Record<string, unknown>>('GET', '/api/v1/inspections');
    const list = answer.inspections ?? answer.reports ?? [];
    reports = Array.isArray(list) ? (list as Report[]) : [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      context.main.appendChild(notice('info', 'This collector has no inspection reports API.'));
      return;
    }
    throw error;
  }
  if (reports.length === 0) {
    context.main.appendChild(notice('info', 'No inspection reports yet.'));
    return;
  }
  const verified = (report: Report) => report.signature_valid ?? report.signature_verified ?? report.verified;
  context.main.appendChild(
    h(
      'table',
      { class: 'grid', id: 'inspections' },
      h('thead', {}, h('tr', {}, ['Time', 'Host', 'Report', 'Signature'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        reports.map((report) =>
          h(
            'tr',
            {},
            h('td', {}, formatTime(text(report.time ?? report.received_at ?? report.created_at))),
            h('td', {}, text(report.host)),
            h('td', {}, h('pre', { class: 'json' }, JSON.stringify(report, null, 2))),
            h(
              'td',
              { class: verified(report) === true ? 'good' : 'bad' },
              verified(report) === true ? 'verifies' : verified(report) === false ? 'does NOT verify' : 'not reported',
            ),
          ),
        ),
      ),
    ),
  );
}
