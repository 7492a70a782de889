// The company's registered data (issue 18): fingerprint sets of documents and exact-data-match sets
// of customer tables, with their sizes, how many agents use each version, refusals, and the files
// found to hold them. Registration stays with mamorictl (the hashing happens on the administrator's
// machine, docs/admin.md), so this page only reads.
import { api, Agent, EventRecord } from '../api';
import { h, notice, formatTime } from '../dom';
import { clipped } from '../safetext';
import type { PageContext } from '../main';

interface SetRow {
  set: string;
  version: number;
  documents?: number;
  fingerprints?: number;
  rows?: number;
  values?: number;
  artifact_bytes: number;
  updated: string;
}

type Kind = 'fingerprints' | 'edm';

// Matches counted over this window, at most MATCH_LIMIT of them (then shown as "1000+").
const MATCH_DAYS = 30;
const MATCH_LIMIT = 1000;

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

// A match names its set as "SET:DOCUMENT_ID" or "SET:TYPE+TYPE" (docs/events.md, content.matches).
const matchSearch = (name: string) => `"name":"${name}:`;

function agentsCell(kind: Kind, set: SetRow, agents: Agent[]): HTMLElement {
  let current = 0;
  let older = 0;
  const refused: Agent[] = [];
  for (const agent of agents) {
    const held = (agent.content_sets ?? []).find((s) => s.kind === kind && s.name === set.set);
    if (!held) continue;
    if (held.version === set.version) current += 1;
    else older += 1;
    if (held.error) refused.push(agent);
  }
  return h(
    'td',
    { class: 'agents' },
    `${current} at v${set.version}`,
    older > 0 ? h('span', { class: 'muted' }, `, ${older} older or none`) : null,
    refused.length > 0
      ? [h('br'), h('span', { class: 'bad' }, `${refused.length} refused (`, clipped(refused.map((a) => a.host).join(', ')), ')')]
      : null,
  );
}

async function matchesCell(name: string): Promise<HTMLElement> {
  const since = new Date(Date.now() - MATCH_DAYS * 86_400_000).toISOString();
  const q = matchSearch(name);
  const params = new URLSearchParams({ q, since, limit: String(MATCH_LIMIT), order: 'desc' });
  const answer = await api<{ events: EventRecord[]; next_cursor: string | null }>('GET', `/api/v1/events?${params}`);
  const count = `${answer.events.length}${answer.next_cursor ? '+' : ''}`;
  const link = `#/events?${new URLSearchParams({ q, since })}`;
  return h('td', { class: 'num matches' }, h('a', { href: link, title: `events naming ${name} in the last ${MATCH_DAYS} days` }, count));
}

async function table(kind: Kind, sets: SetRow[], agents: Agent[]): Promise<HTMLElement> {
  const fingerprints = kind === 'fingerprints';
  const rows = await Promise.all(
    sets.map(async (set) =>
      h(
        'tr',
        { 'data-set': `${kind}/${set.set}` },
        h('td', { class: 'mono' }, clipped(set.set)),
        h('td', { class: 'num' }, `v${set.version}`),
        h('td', { class: 'num' }, fingerprints ? (set.documents ?? 0) : (set.rows ?? 0)),
        h('td', { class: 'num' }, fingerprints ? (set.fingerprints ?? 0) : (set.values ?? 0)),
        h('td', { class: 'num size' }, size(set.artifact_bytes)),
        agentsCell(kind, set, agents),
        await matchesCell(set.set),
        h('td', {}, formatTime(set.updated)),
      ),
    ),
  );
  const headers = [
    'Set',
    'Version',
    fingerprints ? 'Documents' : 'Rows',
    fingerprints ? 'Fingerprints' : 'Values',
    'Set file',
    'Agents',
    `Matches (${MATCH_DAYS} days)`,
    'Updated',
  ];
  return h(
    'table',
    { class: 'grid', id: `sets-${kind}` },
    h('caption', {}, fingerprints ? 'Document fingerprint sets' : 'Exact-data-match sets (customer tables)'),
    h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows),
  );
}

export async function renderSets(context: PageContext): Promise<void> {
  const [fingerprints, edm, agents] = await Promise.all([
    api<{ sets: SetRow[] }>('GET', '/api/v1/fingerprints'),
    api<{ sets: SetRow[] }>('GET', '/api/v1/edm'),
    api<{ agents: Agent[] }>('GET', '/api/v1/agents'),
  ]);
  if (fingerprints.sets.length === 0 && edm.sets.length === 0) {
    context.main.appendChild(
      notice('info', 'No sets are registered (mamorictl fingerprints add --set NAME FILES, mamorictl edm add --set NAME --columns ... FILE.csv).'),
    );
    return;
  }
  for (const [kind, answer] of [['fingerprints', fingerprints], ['edm', edm]] as const) {
    if (answer.sets.length > 0) context.main.appendChild(await table(kind, answer.sets, agents.agents));
  }
}
