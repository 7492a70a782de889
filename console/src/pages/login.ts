import { api, ApiError, SessionInfo } from '../api';
import { h, replace, notice } from '../dom';

export function renderLogin(main: HTMLElement, message: string | undefined, done: (info: SessionInfo) => void): void {
  const status = h('div', { id: 'login-status' });
  if (message) status.appendChild(notice('info', message));
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', id: 'login-submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login', id: 'login-form' },
    h('label', { for: 'login-user' }, 'User name'),
    user,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    replace(status);
    api<SessionInfo>('POST', '/api/v1/session', { user: user.value, password: password.value })
      .then((info) => {
        password.value = '';
        done(info);
      })
      .catch((error: unknown) => {
        const text =
          error instanceof ApiError && error.status === 429
            ? error.message
            : error instanceof ApiError && error.status === 401
              ? 'Wrong user name or password.'
              : `Sign-in failed: ${(error as Error).message}`;
        replace(status, notice('error', text));
        password.value = '';
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  replace(main, h('h1', {}, 'Sign in'), status, form);
  user.focus();
}
