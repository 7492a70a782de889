import { api, ApiError, EventRecord } from '../api';
import { h, notice, formatTime, replace } from '../dom';
import type { PageContext } from '../main';
import { eventDetail } from './events';
import { clipped } from '../safetext';

// Incidents are the activity capability's incident.opened / incident.updated events (docs/events.md),
// one per incident.id (the newest event carries the whole evidence chain). Their status and comment
// are the administrators' (GET/PUT /api/v1/incidents).
interface IncidentState {
  incident_id: string;
  status: string;
  comment: string;
  updated_by: string;
  updated_at: string;
}

const STATUSES = ['open', 'acknowledged', 'closed'];

function evidenceTable(event: EventRecord): HTMLElement | null {
  const evidence = (event.details as Record<string, unknown>)['incident.evidence'];
  if (!Array.isArray(evidence) || evidence.length === 0) return null;
  const columns = ['time', 'event.type', 'process.name', 'path', 'weight', 'event.id'];
  return h(
    'table',
    { class: 'grid', id: 'incident-evidence' },
    h('caption', {}, `Evidence chain (${evidence.length}, oldest first)`),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      evidence.map((item) => {
        const entry = (item ?? {}) as Record<string, unknown>;
        return h('tr', {}, columns.map((c) => h('td', { class: 'mono' }, entry[c] === undefined ? '' : clipped(String(entry[c])))));
      }),
    ),
  );
}

export async function renderIncidents(context: PageContext): Promise<void> {
  const admin = context.session.role === 'administrator';
  const [opened, updated, states] = await Promise.all([
    api<{ events: EventRecord[] }>('GET', '/api/v1/events?type=incident.opened&order=desc&limit=1000'),
    api<{ events: EventRecord[] }>('GET', '/api/v1/events?type=incident.updated&order=desc&limit=1000'),
    api<{ incidents: IncidentState[] }>('GET', '/api/v1/incidents').catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return { incidents: [] as IncidentState[] };
      throw error;
    }),
  ]);
  // The newest event of each incident.
  const latest = new Map<string, EventRecord>();
  for (const event of [...opened.events, ...updated.events].sort((a, b) => (a.id < b.id ? 1 : -1))) {
    const id = String((event.details as Record<string, unknown>)['incident.id'] ?? event.id);
    if (!latest.has(id)) latest.set(id, event);
  }
  if (latest.size === 0) {
    context.main.appendChild(notice('info', 'No incident has been reported (activity monitoring opens them: docs/events.md).'));
    return;
  }
  const stateOf = new Map(states.incidents.map((s) => [s.incident_id, s]));
  const detail = h('section', { class: 'detail', id: 'incident-detail', 'aria-label': 'Incident', hidden: true });

  const open = (id: string, event: EventRecord) => {
    const state = stateOf.get(id);
    const status = h('select', { id: 'incident-status', name: 'status', disabled: !admin }, STATUSES.map((s) => h('option', { value: s }, s)));
    status.value = state?.status ?? 'open';
    const comment = h('textarea', { id: 'incident-comment', name: 'comment', rows: 3, readonly: !admin });
    comment.value = state?.comment ?? '';
    const result = h('div', { id: 'incident-result', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'stack', id: 'incident-form' },
      h('label', { for: 'incident-status' }, 'Status'),
      status,
      h('label', { for: 'incident-comment' }, 'Comment'),
      comment,
      admin ? h('button', { type: 'submit' }, 'Save') : null,
      state ? h('small', { class: 'muted' }, `last changed by ${state.updated_by} at ${formatTime(state.updated_at)}`) : null,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      api<IncidentState>('PUT', `/api/v1/incidents/${encodeURIComponent(id)}`, { status: status.value, comment: comment.value })
        .then((saved) => {
          stateOf.set(id, saved);
          const cell = document.querySelector(`#incidents tr[data-incident="${CSS.escape(id)}"] .status`);
          if (cell) replace(cell, saved.status);
          replace(result, notice('ok', `Saved: ${saved.status}.`));
        })
        .catch((error: unknown) => replace(result, notice('error', (error as Error).message)));
    });
    const eventPanel = h('div', {});
    eventDetail(eventPanel, event);
    replace(detail, h('h2', { tabindex: -1 }, `Incident ${id}`), form, result, evidenceTable(event), eventPanel);
    detail.hidden = false;
    (detail.querySelector('h2') as HTMLElement).focus();
  };

  context.main.append(
    h(
      'table',
      { class: 'grid', id: 'incidents' },
      h('thead', {}, h('tr', {}, ['Last activity', 'User', 'Host', 'Score', 'Evidence', 'Status', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        [...latest.entries()].map(([id, event]) => {
          const d = event.details as Record<string, unknown>;
          const evidence = Array.isArray(d['incident.evidence']) ? (d['incident.evidence'] as unknown[]).length : 0;
          return h(
            'tr',
            { 'data-incident': id },
            h('td', {}, formatTime(event.time)),
            h('td', {}, clipped(String(d['user.name'] ?? event.user))),
            h('td', {}, clipped(event.host)),
            h('td', { class: 'num' }, String(d['incident.score'] ?? '')),
            h('td', { class: 'num' }, evidence),
            h('td', { class: 'status' }, stateOf.get(id)?.status ?? 'open'),
            h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => open(id, event) }, 'Open')),
          );
        }),
      ),
    ),
    detail,
  );
}
