import { api, ApiError } from '../api';
import { h, replace, notice } from '../dom';
import type { PageContext } from '../main';

interface ExceptionAnswer {
  challenge: string;
  minutes: number;
  response: string;
  key_id: string;
}

export function renderExceptions(context: PageContext): void {
  const { main, session } = context;
  main.appendChild(
    h(
      'p',
      {},
      'A blocked USB device shows a challenge code (in its device.blocked event and on the user’s screen). ' +
        'Turn it into a response code that allows the device for some minutes; the user places the response in the agent’s exceptions folder.',
    ),
  );
  if (session.role !== 'administrator') {
    main.appendChild(notice('info', 'Only administrators may grant exceptions.'));
    return;
  }
  const challenge = h('input', { id: 'exc-challenge', name: 'challenge', required: true, class: 'mono', spellcheck: 'false' });
  const minutes = h('input', { id: 'exc-minutes', name: 'minutes', type: 'number', min: 1, max: 10080, value: 30, required: true });
  const result = h('div', { id: 'exc-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack', id: 'exc-form' },
    h('label', { for: 'exc-challenge' }, 'Challenge code'),
    challenge,
    h('label', { for: 'exc-minutes' }, 'Minutes (1 to 10080)'),
    minutes,
    h('button', { type: 'submit' }, 'Make response code'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api<ExceptionAnswer>('POST', '/api/v1/exceptions', { challenge: challenge.value.trim(), minutes: Number(minutes.value) })
      .then((answer) =>
        replace(
          result,
          h('p', {}, `Response code for ${answer.minutes} minutes (key ${answer.key_id}):`),
          h('output', { class: 'code mono', id: 'exc-response' }, answer.response),
        ),
      )
      .catch((error: unknown) => {
        const where = error instanceof ApiError && error.where ? ` (${error.where})` : '';
        replace(result, notice('error', `${(error as Error).message}${where}`));
      });
  });
  main.append(form, result);
}
