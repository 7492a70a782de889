import { api, query } from '../api';
import { h, notice, formatTime, replace, Latest } from '../dom';
import type { PageContext } from '../main';
import { clipped, safeText } from '../safetext';

// The administrators' audit trail (GET /api/v1/audit, administrators only; docs/admin.md "The audit
// trail"). Every value here was typed by someone else (a user name tried at sign-in, a comment, a
// group name), so each one goes through clipped()/safeText like agent data. Reading the trail is
// itself recorded, so the page loads once and on request, never on a timer.
export interface AuditRecord {
  seq: number;
  time: string;
  time_ms: number;
  actor: string;
  address: string;
  action: string;
  target: string;
  before: string;
  after: string;
  result: string;
  status: number;
  detail: string;
  prev_hash: string;
  hash: string;
}

const LIMITS = ['100', '500', '1000'];

function change(record: AuditRecord): string {
  const parts: string[] = [];
  if (record.before || record.after) parts.push(`${record.before || '—'} → ${record.after || '—'}`);
  if (record.detail) parts.push(record.detail);
  return parts.join('; ');
}

export async function renderAudit(context: PageContext): Promise<void> {
  if (context.session.role !== 'administrator') {
    context.main.appendChild(notice('info', 'Only administrators may read the audit trail.'));
    return;
  }
  const since = h('input', { type: 'datetime-local', id: 'audit-since', name: 'since' });
  const limit = h('select', { id: 'audit-limit', name: 'limit' }, LIMITS.map((n) => h('option', { value: n }, n)));
  const status = h('div', { id: 'audit-status', 'aria-live': 'polite' });
  const body = h('tbody', { id: 'audit-rows' });
  const detail = h('section', { class: 'detail', id: 'audit-detail', 'aria-label': 'Audit record', hidden: true });

  const open = (record: AuditRecord) => {
    replace(
      detail,
      h('h2', { tabindex: -1 }, `Record ${record.seq}: ${record.action}`),
      h('pre', { class: 'json' }, safeText(JSON.stringify(record, null, 2), { preformatted: true })),
    );
    detail.hidden = false;
    (detail.querySelector('h2') as HTMLElement).focus();
  };

  // The first load runs while the form can be used: a filter asked for after it must not be replaced by it.
  const loads = new Latest();
  const load = async () => {
    const ticket = loads.start();
    replace(status, notice('info', 'Loading…'));
    // Newest first; with a start time, the records from then on (oldest first, as the chain runs).
    const from = since.value ? new Date(since.value).toISOString() : undefined;
    const answer = await api<{ records: AuditRecord[] }>(
      'GET',
      `/api/v1/audit${query({ since: from, limit: limit.value, order: from ? 'asc' : 'desc' })}`,
    );
    if (!loads.isLatest(ticket)) return;
    const records = Array.isArray(answer.records) ? answer.records : [];
    replace(
      body,
      records.map((record) =>
        h(
          'tr',
          { 'data-seq': String(record.seq), class: record.result === 'ok' ? '' : 'refused' },
          h('td', { class: 'num' }, String(record.seq)),
          h('td', {}, formatTime(record.time)),
          h('td', { class: 'actor' }, clipped(record.actor)),
          h('td', { class: 'mono' }, clipped(record.address || '—')),
          h('td', { class: 'action mono' }, clipped(record.action)),
          h('td', {}, clipped(record.target)),
          h('td', { class: record.result === 'ok' ? 'good' : 'bad' }, `${record.result} ${record.status}`),
          h('td', {}, clipped(change(record))),
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => open(record) }, 'Open')),
        ),
      ),
    );
    replace(
      status,
      records.length === 0
        ? notice('info', 'No records.')
        : notice('ok', `${records.length} records. mamorictl audit verify checks the hash chain of the whole trail.`),
    );
  };

  const form = h(
    'form',
    { class: 'filters', id: 'audit-form' },
    h('label', {}, 'From ', since),
    h('label', {}, 'At most ', limit),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load().catch((error: unknown) => replace(status, notice('error', (error as Error).message)));
  });
  context.main.append(
    form,
    status,
    h(
      'table',
      { class: 'grid', id: 'audit' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Time (UTC)', 'Who', 'From', 'Action', 'Target', 'Result', 'Change / reason', ''].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      body,
    ),
    detail,
  );
  await load();
}
