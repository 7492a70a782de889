import { api, EventRecord } from '../api';
import { h, notice, formatTime } from '../dom';
import type { PageContext } from '../main';
import { eventDetail } from './events';

// Incidents are the activity capability's incident.* events. Until it has landed there are none,
// and the page says so.
export async function renderIncidents(context: PageContext): Promise<void> {
  const answer = await api<{ events: EventRecord[] }>('GET', '/api/v1/events?q=incident.&order=desc&limit=500');
  const incidents = answer.events.filter((event) => event.type.startsWith('incident.'));
  if (incidents.length === 0) {
    context.main.appendChild(notice('info', 'No incident.* events have been reported.'));
    return;
  }
  const detail = h('section', { class: 'detail', 'aria-label': 'Incident detail' });
  const list = h(
    'ul',
    { class: 'plain' },
    incidents.map((event) =>
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => eventDetail(detail, event) },
          `${formatTime(event.time)} · ${event.type} · ${event.host}`,
        ),
      ),
    ),
  );
  context.main.append(list, detail);
}
