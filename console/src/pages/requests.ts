import { api, ApiError } from '../api';
import { h, replace, notice, formatTime } from '../dom';
import type { PageContext } from '../main';
import { clipped } from '../safetext';

// Employees' requests for a blocked device (mamori-agent request; docs/admin.md "Exception
// requests"). Everything but the ids and times was written on the PC (user, host, device name,
// reason): it goes through the DOM helpers like every other agent-supplied text, clipped in the table
// with the whole value in the answer panel.
interface ExceptionRequest {
  id: string;
  agent_id: string;
  host: string;
  user: string;
  device_id: string;
  device_name: string;
  reason: string;
  minutes_asked: number;
  state: 'pending' | 'approved' | 'refused' | 'expired';
  created_at: string;
  decided_at?: string;
  decided_by?: string;
  minutes?: number;
  note?: string;
}

const REFRESH_MS = 10_000;

function requestRow(request: ExceptionRequest, answer?: (request: ExceptionRequest) => void): HTMLElement {
  const outcome =
    request.state === 'approved'
      ? `approved for ${request.minutes} min by ${request.decided_by}`
      : request.state === 'refused'
        ? `refused by ${request.decided_by}`
        : request.state;
  return h(
    'tr',
    { 'data-request': request.id, 'data-state': request.state },
    h('td', {}, formatTime(request.created_at)),
    h('td', {}, clipped(request.user)),
    h('td', {}, clipped(request.host)),
    h('td', {}, clipped(request.device_name), h('br'), h('small', { class: 'mono muted' }, clipped(request.device_id))),
    h('td', { class: 'reason' }, clipped(request.reason, 200)),
    h('td', { class: 'num' }, request.minutes_asked),
    h('td', { class: 'state' }, outcome, request.note ? h('br') : null, request.note ? h('small', {}, clipped(request.note)) : null),
    h('td', {}, answer ? h('button', { type: 'button', class: 'link', onclick: () => answer(request) }, 'Answer') : null),
  );
}

function table(id: string, caption: string, rows: HTMLElement[]): HTMLElement {
  return h(
    'table',
    { class: 'grid', id },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h('tr', {}, ['Asked', 'User', 'Host', 'Device', 'Reason', 'Minutes asked', 'State', ''].map((t) => h('th', { scope: 'col' }, t))),
    ),
    h('tbody', {}, rows),
  );
}

export async function renderRequests(context: PageContext): Promise<void> {
  const admin = context.session.role === 'administrator';
  const intro = h(
    'p',
    {},
    'Employees ask for a blocked device with “mamori-agent request”. Approve a request for a window: the PC opens the device by itself at its next policy poll, once, and blocks it again when the window ends. Or refuse it with a note the employee reads. Requests left unanswered for a day expire.',
  );
  const lists = h('div', { id: 'request-lists' });
  const detail = h('section', { class: 'detail', id: 'request-detail', 'aria-label': 'Answer the request', hidden: true });
  context.main.append(intro);
  if (!admin) context.main.append(notice('info', 'Only administrators may answer requests.'));
  context.main.append(lists, detail);

  const answer = (request: ExceptionRequest) => {
    const minutes = h('input', {
      id: 'request-minutes',
      name: 'minutes',
      type: 'number',
      min: 1,
      max: 10080,
      value: Math.min(Math.max(request.minutes_asked, 1), 10080),
      required: true,
    });
    const note = h('textarea', { id: 'request-note', name: 'note', rows: 2, maxlength: 1000 });
    const result = h('div', { id: 'request-result', 'aria-live': 'polite' });
    const send = (action: 'approve' | 'refuse') => {
      const body = action === 'approve' ? { minutes: Number(minutes.value), ...(note.value ? { note: note.value } : {}) } : { note: note.value };
      api<ExceptionRequest>('POST', `/api/v1/exception-requests/${encodeURIComponent(request.id)}/${action}`, body)
        .then((saved) => {
          replace(
            result,
            notice('ok', saved.state === 'approved' ? `Approved for ${saved.minutes} ${saved.minutes === 1 ? 'minute' : 'minutes'}. The PC opens the device at its next poll.` : 'Refused.'),
          );
          void refresh();
        })
        .catch((error: unknown) => {
          const where = error instanceof ApiError && error.where ? ` (${error.where})` : '';
          replace(result, notice('error', `${(error as Error).message}${where}`));
        });
    };
    replace(
      detail,
      h('h2', { tabindex: -1 }, 'Answer the request'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'User'),
        h('dd', {}, request.user),
        h('dt', {}, 'Host'),
        h('dd', {}, request.host),
        h('dt', {}, 'Device'),
        h('dd', {}, `${request.device_name} (${request.device_id})`),
        h('dt', {}, 'Reason'),
        h('dd', { id: 'request-reason' }, request.reason),
        h('dt', {}, 'Asked'),
        h('dd', {}, `${formatTime(request.created_at)}, for ${request.minutes_asked} minutes`),
      ),
      h(
        'form',
        { class: 'stack', id: 'request-form', onsubmit: (e: Event) => e.preventDefault() },
        h('label', { for: 'request-minutes' }, 'Window in minutes (1 to 10080)'),
        minutes,
        h('label', { for: 'request-note' }, 'Note (required to refuse; the employee reads it)'),
        note,
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', id: 'request-approve', onclick: () => send('approve') }, 'Approve for this window'),
          ' ',
          h('button', { type: 'button', id: 'request-refuse', class: 'secondary', onclick: () => send('refuse') }, 'Refuse with note'),
        ),
      ),
      result,
    );
    detail.hidden = false;
    (detail.querySelector('h2') as HTMLElement).focus();
  };

  const refresh = async () => {
    try {
      const answer_ = await api<{ requests: ExceptionRequest[] }>('GET', '/api/v1/exception-requests?limit=500');
      const pending = answer_.requests.filter((r) => r.state === 'pending');
      const history = answer_.requests.filter((r) => r.state !== 'pending');
      replace(
        lists,
        pending.length === 0
          ? notice('info', 'No request is waiting for an answer.')
          : table('requests-pending', `Waiting for an answer (${pending.length})`, pending.map((r) => requestRow(r, admin ? answer : undefined))),
        history.length === 0 ? null : table('requests-history', 'Answered and expired', history.map((r) => requestRow(r))),
      );
    } catch (error) {
      replace(lists, notice('error', (error as Error).message));
    }
  };
  await refresh();
  const timer = window.setInterval(() => {
    // Not while an answer is being written: the lists would move under the administrator's hand.
    if (detail.hidden) void refresh();
  }, REFRESH_MS);
  context.onLeave(() => window.clearInterval(timer));
}
