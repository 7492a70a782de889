import { api, ApiError } from '../api';
import { h, notice, formatTime, replace, Latest } from '../dom';
import type { PageContext } from '../main';
import { clipped, safeText } from '../safetext';

// Inspection reports uploaded with `mamorictl inspections upload` (GET /api/v1/inspections, when the
// collector has it). The collector checked each signature on upload; `signature` says how.
interface InspectionRow {
  id: string;
  received?: string;
  host?: string;
  started?: string;
  key_id?: string;
  signature?: string;
  findings?: number;
  critical?: number;
}

const text = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));

export async function renderInspections(context: PageContext): Promise<void> {
  let rows: InspectionRow[];
  try {
    const answer = await api<{ inspections?: InspectionRow[] }>('GET', '/api/v1/inspections');
    rows = Array.isArray(answer.inspections) ? answer.inspections : [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      context.main.appendChild(notice('info', 'This collector has no inspection reports API.'));
      return;
    }
    throw error;
  }
  if (rows.length === 0) {
    context.main.appendChild(notice('info', 'No inspection reports have been uploaded (mamorictl inspections upload FILE).'));
    return;
  }
  const detail = h('section', { class: 'detail', id: 'inspection-detail', 'aria-label': 'Inspection report', hidden: true });
  // The report opened last is the one shown, however long an earlier one (a large report) takes.
  const opening = new Latest();
  const open = async (row: InspectionRow) => {
    const ticket = opening.start();
    const report = await api<Record<string, unknown>>('GET', `/api/v1/inspections/${encodeURIComponent(row.id)}`);
    if (!opening.isLatest(ticket)) return;
    replace(
      detail,
      h('h2', { tabindex: -1 }, `Report from ${text(row.host)}`),
      h('p', {}, `Signature: ${text(row.signature)}`),
      h('pre', { class: 'json' }, safeText(JSON.stringify(report, null, 2), { preformatted: true })),
    );
    detail.hidden = false;
    (detail.querySelector('h2') as HTMLElement).focus();
  };
  context.main.append(
    h(
      'table',
      { class: 'grid', id: 'inspections' },
      h('thead', {}, h('tr', {}, ['Received', 'Host', 'Inspection started', 'Findings', 'Critical', 'Signature', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            { 'data-inspection': row.id },
            h('td', {}, formatTime(row.received)),
            h('td', {}, clipped(text(row.host))),
            h('td', {}, formatTime(row.started)),
            h('td', { class: 'num' }, text(row.findings)),
            h('td', { class: row.critical ? 'num bad' : 'num' }, text(row.critical)),
            h('td', { class: row.signature?.startsWith('valid') ? 'good' : 'bad' }, clipped(text(row.signature)), h('br'), h('small', { class: 'mono muted' }, 'key ', clipped(text(row.key_id)))),
            h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => void open(row).catch((e: unknown) => replace(detail, notice('error', (e as Error).message))) }, 'Open')),
          ),
        ),
      ),
    ),
    detail,
  );
}
