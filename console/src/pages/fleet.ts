import { api, Agent } from '../api';
import { h, replace, formatTime, Child } from '../dom';
import { clipped } from '../safetext';
import type { PageContext } from '../main';

const REFRESH_MS = 5000;

function policyCell(agent: Agent): HTMLElement {
  if (agent.policy.error) {
    return h('td', { class: 'bad' }, `v${agent.policy.version} · error: `, h('span', { class: 'mono' }, clipped(agent.policy.error)));
  }
  if (agent.policy.version === 0) return h('td', { class: 'muted' }, 'none reported');
  return h('td', {}, `v${agent.policy.version} (`, clipped(agent.policy.source), ')');
}

// The fingerprint and EDM sets the agent's policy names: the version in use, and a refusal in red.
function setsCell(agent: Agent): HTMLElement {
  const sets = agent.content_sets ?? [];
  if (sets.length === 0) return h('td', { class: 'muted' }, '—');
  return h(
    'td',
    {},
    sets.flatMap((set, index): Child[] => [
      index > 0 ? h('br') : null,
      h('span', { class: 'mono', 'data-set': `${set.kind}/${set.name}` }, clipped(set.name)),
      set.version > 0 ? ` v${set.version}` : h('span', { class: 'muted' }, ' not yet'),
      set.error
        ? h('span', { class: 'bad' }, ` · refused${set.refused_version > 0 ? ` v${set.refused_version}` : ''}: `, clipped(set.error))
        : null,
    ]),
  );
}

export function agentRow(agent: Agent): HTMLTableRowElement {
  const status = agent.silent ? 'silent' : 'online';
  return h(
    'tr',
    { 'data-agent': agent.agent_id },
    h('td', {}, h('span', { class: 'host' }, clipped(agent.host)), h('br'), h('small', { class: 'mono muted' }, agent.agent_id)),
    h('td', {}, agent.last_event?.user ? clipped(agent.last_event.user) : h('span', { class: 'muted' }, '—')),
    h('td', {}, clipped(agent.group)),
    h('td', {}, h('span', { class: `badge ${status}` }, status), h('br'), h('small', { class: 'muted' }, formatTime(agent.last_seen))),
    policyCell(agent),
    setsCell(agent),
    h('td', {}, agent.agent_version ? clipped(agent.agent_version) : '—', h('br'), h('small', { class: 'muted' }, clipped(agent.os))),
    h(
      'td',
      {},
      agent.last_event
        ? [h('span', { class: 'mono' }, clipped(agent.last_event.type)), h('br'), h('small', { class: 'muted' }, formatTime(agent.last_event.time))]
        : h('span', { class: 'muted' }, 'none'),
    ),
    h('td', { class: 'num' }, agent.event_count),
  );
}

export async function renderFleet(context: PageContext): Promise<void> {
  const summary = h('p', { id: 'fleet-summary', role: 'status' });
  const body = h('tbody', { id: 'fleet-rows' });
  const table = h(
    'table',
    { class: 'grid', id: 'fleet' },
    h('caption', {}, 'Enrolled agents (refreshed every 5 s)'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Host', 'User', 'Group', 'Status', 'Policy', 'Sets', 'Agent version', 'Last event', 'Events'].map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    body,
  );
  context.main.append(summary, table);
  const load = async () => {
    const answer = await api<{ agents: Agent[] }>('GET', '/api/v1/agents');
    const silent = answer.agents.filter((agent) => agent.silent).length;
    replace(summary, `${answer.agents.length} agents, ${answer.agents.length - silent} online, ${silent} silent`);
    replace(body, answer.agents.map(agentRow));
  };
  await load();
  const timer = window.setInterval(() => void load().catch(() => {}), REFRESH_MS);
  context.onLeave(() => window.clearInterval(timer));
}
