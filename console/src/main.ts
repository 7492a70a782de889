// The console's shell: sign-in, the navigation, and a hash router (#/fleet, #/events ...). Hash
// routes keep every page at one URL on the server, so the collector serves only real files.
import './style.css';
import { api, ApiError, SessionInfo, setCsrfToken, whenSignedOut } from './api';
import { h, replace, notice } from './dom';
import { renderLogin } from './pages/login';
import { renderOverview } from './pages/overview';
import { renderFleet } from './pages/fleet';
import { renderEvents } from './pages/events';
import { renderPolicies } from './pages/policies';
import { renderExceptions } from './pages/exceptions';
import { renderRequests } from './pages/requests';
import { renderIncidents } from './pages/incidents';
import { renderInspections } from './pages/inspections';
import { renderAudit } from './pages/audit';
import { renderReports } from './pages/reports';
import { renderSets } from './pages/sets';

export interface PageContext {
  session: SessionInfo;
  main: HTMLElement;
  // Registers a function run when the user leaves the page (stops polling).
  onLeave(cleanup: () => void): void;
}

type Page = (context: PageContext) => void | Promise<void>;

// adminOnly pages are not offered to a viewer (the API refuses them anyway).
const pages: { route: string; title: string; render: Page; adminOnly?: boolean }[] = [
  { route: 'overview', title: 'Overview', render: renderOverview },
  { route: 'fleet', title: 'Fleet', render: renderFleet },
  { route: 'events', title: 'Events', render: renderEvents },
  { route: 'policies', title: 'Policies', render: renderPolicies },
  { route: 'requests', title: 'Requests', render: renderRequests },
  { route: 'exceptions', title: 'Device exceptions', render: renderExceptions },
  { route: 'incidents', title: 'Incidents', render: renderIncidents },
  { route: 'inspections', title: 'Inspections', render: renderInspections },
  { route: 'sets', title: 'Company data', render: renderSets },
  { route: 'reports', title: 'Reports', render: renderReports },
  { route: 'audit', title: 'Audit trail', render: renderAudit, adminOnly: true },
];

const pagesFor = (info: SessionInfo) => pages.filter((page) => !page.adminOnly || info.role === 'administrator');

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const whoami = document.getElementById('whoami') as HTMLElement;
let session: SessionInfo | null = null;
let cleanups: (() => void)[] = [];

function leavePage(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

function showLogin(message?: string): void {
  leavePage();
  session = null;
  setCsrfToken('');
  nav.hidden = true;
  replace(nav);
  replace(whoami);
  document.title = 'Sign in · mamori console';
  renderLogin(main, message, (info) => {
    startSession(info);
  });
}

function startSession(info: SessionInfo): void {
  session = info;
  setCsrfToken(info.csrf_token);
  replace(
    nav,
    h(
      'ul',
      {},
      pagesFor(info).map((page) => h('li', {}, h('a', { href: `#/${page.route}`, 'data-route': page.route }, page.title))),
    ),
  );
  nav.hidden = false;
  replace(
    whoami,
    h('span', {}, `${info.user} (${info.role})`),
    ' ',
    h('button', { type: 'button', class: 'link', id: 'logout', onclick: () => void logout() }, 'Sign out'),
  );
  if (!location.hash || location.hash === '#/' || location.hash === '#/login') location.hash = '#/overview';
  else void route();
}

async function logout(): Promise<void> {
  try {
    await api('DELETE', '/api/v1/session');
  } catch {
    // Signed out on the server or not, the page forgets the session.
  }
  showLogin('You are signed out.');
}

async function route(): Promise<void> {
  if (!session) return;
  leavePage();
  // "#/events?type=device.blocked": the page name, then its filters (read by the page).
  const name = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'overview';
  const page = pagesFor(session).find((p) => p.route === name) ?? pages[0];
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.route === page.route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page.title} · mamori console`;
  replace(main, h('h1', {}, page.title));
  try {
    await page.render({ session, main, onLeave: (cleanup) => cleanups.push(cleanup) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    main.appendChild(notice('error', `Could not load this page: ${(error as Error).message}`));
  }
}

whenSignedOut(() => showLogin('Your session has ended. Sign in again.'));
window.addEventListener('hashchange', () => void route());

async function boot(): Promise<void> {
  try {
    startSession(await api<SessionInfo>('GET', '/api/v1/session'));
  } catch {
    showLogin();
  }
}

void boot();
