import { api, ApiError, Agent, PolicySummary, ValidationAnswer } from '../api';
import { h, replace, notice, formatTime, Latest } from '../dom';
import { lineDiff, lineOf, pointerOffset } from '../jsonpos';
import type { PageContext } from '../main';
import { clipped, safeText } from '../safetext';

const ROLLOUT_MS = 3000;

function template(group: string): string {
  return JSON.stringify({ schema_version: 1, version: 1, name: group, group }, null, 2);
}

// The next version: the stored one plus one, written into the document when it parses.
function bumpVersion(document: string, current: number): string {
  try {
    const parsed = JSON.parse(document) as Record<string, unknown>;
    parsed.version = current + 1;
    return JSON.stringify(parsed, null, 2);
  } catch {
    return document;
  }
}

export async function renderPolicies(context: PageContext): Promise<void> {
  const { main, session } = context;
  const admin = session.role === 'administrator';
  const [policies, agents] = await Promise.all([
    api<{ policies: PolicySummary[]; key_id?: string }>('GET', '/api/v1/policies'),
    api<{ agents: Agent[] }>('GET', '/api/v1/agents'),
  ]);
  const groups = [...new Set([...policies.policies.map((p) => p.group), ...agents.agents.map((a) => a.group), 'default'])].sort();
  const groupSelect = h('select', { id: 'policy-group', name: 'group' }, groups.map((g) => h('option', { value: g }, g)));
  const overview = h(
    'table',
    { class: 'grid', id: 'policy-overview' },
    h('caption', {}, `Current policy per group${policies.key_id ? ` (signing key ${policies.key_id})` : ''}`),
    h('thead', {}, h('tr', {}, ['Group', 'Version', 'Name', 'Pushed', 'SHA-256'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      policies.policies.map((p) =>
        h('tr', {}, h('td', {}, clipped(p.group)), h('td', { class: 'num' }, p.version), h('td', {}, clipped(p.name)), h('td', {}, formatTime(p.pushed_at)), h('td', { class: 'mono small' }, p.sha256.slice(0, 16))),
      ),
    ),
  );
  const editorArea = h('section', { id: 'policy-editor', 'aria-label': 'Policy of the selected group' });
  main.append(overview, h('div', { class: 'field inline' }, h('label', { for: 'policy-group' }, 'Group'), groupSelect), editorArea);

  let rolloutTimer = 0;
  const stopRollout = () => window.clearInterval(rolloutTimer);
  context.onLeave(stopRollout);

  // The group shown is the one chosen last: an answer for a group chosen before it (slower, or its
  // policy larger) is dropped, else it replaced the editor of the group the select shows, and a push
  // went to the group on the page's heading, not the one in the select.
  const opening = new Latest();
  const open = async (group: string) => {
    const mine = opening.start();
    stopRollout();
    let current: PolicySummary | null = null;
    try {
      current = await api<PolicySummary>('GET', `/api/v1/policies?group=${encodeURIComponent(group)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    if (!opening.isLatest(mine)) return;
    const currentText = current?.document ?? '';
    const textarea = h('textarea', {
      id: 'policy-text',
      name: 'policy',
      rows: 24,
      spellcheck: 'false',
      class: 'mono',
      'aria-describedby': 'policy-errors',
      readonly: !admin,
    });
    textarea.value = current ? bumpVersion(currentText, current.version) : template(group);
    const gutter = h('ol', { class: 'gutter', 'aria-hidden': 'true' });
    const errors = h('div', { id: 'policy-errors', 'aria-live': 'polite' });
    const diff = h('pre', { id: 'policy-diff', class: 'diff', tabindex: 0, 'aria-label': 'Difference to the current policy' });
    const result = h('div', { id: 'policy-result', 'aria-live': 'polite' });
    const rollout = h('section', { id: 'rollout', 'aria-label': 'Rollout' });
    const push = h('button', { type: 'button', id: 'policy-push', disabled: true }, 'Push to group');
    let lastValid = false;

    const showErrors = (answer: ValidationAnswer) => {
      const text = textarea.value;
      const badLines = new Map<number, string[]>();
      const items = answer.errors.map((error) => {
        const offset = pointerOffset(text, error.where);
        const line = offset === null ? 1 : lineOf(text, offset);
        badLines.set(line, [...(badLines.get(line) ?? []), error.error]);
        const select = () => {
          const lines = text.split('\n');
          const start = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
          textarea.focus();
          textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
        };
        return h(
          'li',
          {},
          h('button', { type: 'button', class: 'link', onclick: select }, `line ${line}`),
          ' ',
          h('code', {}, error.where || '/'),
          ': ',
          error.error,
        );
      });
      const lineCount = text.split('\n').length;
      replace(
        gutter,
        Array.from({ length: lineCount }, (_, k) => {
          const messages = badLines.get(k + 1);
          return h('li', { class: messages ? 'bad' : '', title: messages?.join('; ') }, messages ? `${k + 1} ✗` : String(k + 1));
        }),
      );
      textarea.setAttribute('aria-invalid', answer.valid ? 'false' : 'true');
      replace(
        errors,
        answer.valid
          ? notice('ok', `Valid (version ${answer.version ?? '?'}).`)
          : [notice('error', `${answer.errors.length} problem(s)${answer.more_errors ? ', more not shown' : ''}:`), h('ul', { class: 'errors' }, items)],
      );
    };
    // Both sides pretty-printed when they parse, so the diff shows changed keys, not layout.
    const pretty = (text: string): string => {
      try {
        return JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        return text;
      }
    };
    const showDiff = () => {
      const lines = lineDiff(currentText ? pretty(currentText) : '', pretty(textarea.value));
      replace(
        diff,
        lines.filter((l) => l.kind !== ' ').length === 0
          ? 'No change against the current policy.'
          : lines.map((l) => h('span', { class: l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : 'same' }, safeText(`${l.kind} ${l.text}\n`, { preformatted: true }))),
      );
    };
    let validateTimer = 0;
    const validation = new Latest();
    const validate = async () => {
      const ticket = validation.start();
      const answer = await api<ValidationAnswer>('POST', `/api/v1/policies/validate?group=${encodeURIComponent(group)}`, textarea.value);
      if (!validation.isLatest(ticket)) return;
      lastValid = answer.valid;
      push.disabled = !admin || !answer.valid;
      showErrors(answer);
    };
    const changed = () => {
      push.disabled = true;
      showDiff();
      window.clearTimeout(validateTimer);
      validateTimer = window.setTimeout(() => void validate().catch((e: unknown) => replace(errors, notice('error', (e as Error).message))), 300);
    };
    textarea.addEventListener('input', changed);
    textarea.addEventListener('scroll', () => {
      gutter.scrollTop = textarea.scrollTop;
    });

    const showRollout = async (version: number) => {
      const answer = await api<{ agents: Agent[] }>('GET', '/api/v1/agents');
      const members = answer.agents.filter((a) => a.group === group);
      const state = (a: Agent) => (a.policy.error ? 'error' : a.policy.version >= version ? 'applied' : 'pending');
      const applied = members.filter((a) => state(a) === 'applied').length;
      replace(
        rollout,
        h('h2', {}, `Rollout of version ${version}`),
        h('p', { id: 'rollout-summary', role: 'status' }, `${applied} of ${members.length} agents applied version ${version}`),
        h(
          'table',
          { class: 'grid', id: 'rollout-table' },
          h('thead', {}, h('tr', {}, ['Host', 'State', 'Reported version', 'Applied at', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            members.map((a) =>
              h(
                'tr',
                { 'data-agent': a.agent_id },
                h('td', {}, clipped(a.host)),
                h('td', {}, h('span', { class: `badge ${state(a)}` }, state(a))),
                h('td', { class: 'num' }, a.policy.version),
                h('td', {}, formatTime(a.policy.applied_at)),
                h('td', { class: 'mono' }, clipped(a.policy.error || '')),
              ),
            ),
          ),
        ),
      );
    };
    const watchRollout = (version: number) => {
      stopRollout();
      void showRollout(version).catch(() => {});
      rolloutTimer = window.setInterval(() => void showRollout(version).catch(() => {}), ROLLOUT_MS);
    };

    push.addEventListener('click', () => {
      if (!lastValid) return;
      push.disabled = true;
      api<PolicySummary>('POST', `/api/v1/policies?group=${encodeURIComponent(group)}`, textarea.value)
        .then((pushed) => {
          replace(result, notice('ok', `Pushed version ${pushed.version} of “${pushed.name}” to group ${pushed.group}.`));
          watchRollout(pushed.version);
        })
        .catch((error: unknown) => {
          const where = error instanceof ApiError && error.where ? ` (at ${error.where})` : '';
          replace(result, notice('error', `${(error as Error).message}${where}`));
          push.disabled = false;
        });
    });

    replace(
      editorArea,
      h('h2', {}, current ? `Group ${group}: version ${current.version} “${current.name}”` : `Group ${group}: no policy yet`),
      admin ? null : notice('info', 'Viewers may read and validate policies; only administrators push.'),
      h('label', { for: 'policy-text' }, admin ? 'Edit the policy (JSON, docs/policy.md); it is checked as you type' : 'Policy (read-only)'),
      h('div', { class: 'editor' }, gutter, textarea),
      errors,
      h('h2', {}, 'Difference to the current version'),
      diff,
      admin ? h('p', {}, push) : null,
      result,
      rollout,
    );
    showDiff();
    await validate();
    if (current && opening.isLatest(mine)) watchRollout(current.version);
  };
  groupSelect.addEventListener('change', () => void open(groupSelect.value));
  await open(groupSelect.value);
}
