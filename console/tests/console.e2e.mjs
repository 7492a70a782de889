// End-to-end test of the web console (issue 10): a real mamori-collector serving the built console
// over TLS, real mamori-agent processes enrolled in it, and Debian's chromium driven by
// playwright-core. Run by ctest (tests/console/CMakeLists.txt) or by hand:
//   MAMORI_BIN_DIR=build/bin MAMORI_CONSOLE_DIR=build/bin/console-dist node console/tests/console.e2e.mjs
// Screenshots and logs go to MAMORI_ARTIFACTS (default: a temporary folder, printed).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const BIN = process.env.MAMORI_BIN_DIR || path.resolve('build/bin');
const CONSOLE_DIR = process.env.MAMORI_CONSOLE_DIR || path.join(BIN, 'console-dist');
const CHROMIUM = process.env.MAMORI_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.MAMORI_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-console-artifacts-'));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-console-'));
const ADMIN = { user: 'alice', password: 'correct horse battery staple' };
const VIEWER = { user: 'victor', password: 'viewer password 123' };
const GROUP = 'office';
const HOSTILE_PROCESS = '<img src=x onerror=alert(1)>';
const HOSTILE_PATH = '/home/u/"><script>window.__pwned=1</script>.txt';
// Issue 20: a name that displays as "pc-invoiceexe.pdf" when the override takes effect, and a value
// with no place to break a line.
const DISGUISED_HOST = 'pc-invoice\u202Efdp.exe\u200B';
const LONG_VALUE = `/srv/${'x'.repeat(16 * 1024 - 5)}`; // the most an event string may hold

fs.mkdirSync(ARTIFACTS, { recursive: true });
const processes = [];
let passed = 0;
let currentPage = null;
let failed = 0;

function log(text) {
  process.stdout.write(`${text}\n`);
}

async function waitUntil(condition, timeoutMs, what, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await condition();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

// Runs body while the page's requests that match are answered 1.5 s late (a slow answer for an earlier
// choice), then waits past them; fails when none was held back, since the check would prove nothing.
async function withSlowAnswers(page, matches, body) {
  let held = 0;
  const hold = async (route) => {
    held += 1;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  };
  await page.route(matches, hold);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the slow answers
  } finally {
    await page.unroute(matches, hold);
  }
  assert.ok(held >= 1, 'no answer was held back: the test proves nothing');
}

function start(name, args) {
  const logPath = path.join(ARTIFACTS, `${name}.log`);
  const out = fs.openSync(logPath, 'w');
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', out, out] });
  processes.push(child);
  return { child, logPath };
}

function addUser(stateDir, account, role) {
  const result = spawnSync(path.join(BIN, 'mamori-collector'), ['user', 'add', account.user, '--role', role, '--state-dir', stateDir], {
    input: `${account.password}\n`,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `user add ${account.user}: ${result.stderr}`);
}

// A plain HTTPS client for checks below the browser (raw status codes, headers).
function request(base, ca, method, urlPath, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(urlPath, base);
    const req = https.request(url, { method, ca, headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: a console file
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

function uuidv7() {
  const bytes = crypto.randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    passed++;
    log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    log(`FAIL ${name}: ${error.stack || error}`);
    if (currentPage) {
      await currentPage.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
      fs.writeFileSync(path.join(ARTIFACTS, 'failure.html'), await currentPage.content().catch(() => ''));
    }
    throw error;
  }
}

async function axeCheck(page, name) {
  // Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by the CSP.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  fs.writeFileSync(path.join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(results, null, 2));
  const serious = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe found serious or critical violations on ${name}: ${JSON.stringify(serious, null, 2)}`);
}

async function main() {
  assert.ok(fs.existsSync(path.join(CONSOLE_DIR, 'index.html')), `no built console in ${CONSOLE_DIR} (npm run build)`);
  assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM} (apt-get install chromium; scripts/bootstrap.sh --test)`);
  log(`artifacts: ${ARTIFACTS}`);

  const stateDir = path.join(WORK, 'collector');
  fs.mkdirSync(stateDir, { recursive: true });
  // The first administrator exists before the collector ever ran: `user add` creates the database.
  addUser(stateDir, ADMIN, 'admin');
  addUser(stateDir, VIEWER, 'viewer');
  const portFile = path.join(WORK, 'collector.port');
  start('collector', [
    path.join(BIN, 'mamori-collector'), '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--console-dir', CONSOLE_DIR, '--log-level', 'info',
  ]);
  const port = await waitUntil(() => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim(), 30000, 'the collector port file');
  const base = `https://127.0.0.1:${port}`;
  const ca = fs.readFileSync(path.join(stateDir, 'tls', 'collector.crt'));
  const adminToken = fs.readFileSync(path.join(stateDir, 'admin.token'), 'utf8').trim();
  const bearer = { Authorization: `Bearer ${adminToken}` };

  // Version 1 of the group's policy, pushed the mamorictl way (bearer token), sets a short poll
  // interval: the agents fetch it right after enrollment and then poll every 5 s.
  const v1 = await request(base, ca, 'POST', `/api/v1/policies?group=${GROUP}`, {
    body: { schema_version: 1, version: 1, name: 'office v1', group: GROUP, reporting: { policy_poll_interval_ms: 5000, heartbeat_interval_ms: 1000 } },
    headers: bearer,
  });
  assert.equal(v1.status, 200, v1.text);

  // Two real agents in the group the test pushes to. They must touch nothing but what the test
  // started: no USB, and no P2P guard (it may kill processes) where this agent build has one.
  const agentHelp = spawnSync(path.join(BIN, 'mamori-agent'), ['--help'], { encoding: 'utf8' }).stdout || '';
  const confine = ['--device-control', 'off', ...(agentHelp.includes('--p2p-guard') ? ['--p2p-guard', 'off'] : [])];
  const agents = [];
  for (const name of ['agent-a', 'agent-b']) {
    const dir = path.join(WORK, name);
    start(name, [
      path.join(BIN, 'mamori-agent'), '--state-dir', dir, '--collector', base, '--ca-file', path.join(stateDir, 'tls', 'collector.crt'),
      '--enroll-secret-file', path.join(stateDir, 'enroll.secret'), '--group', GROUP, '--heartbeat-interval', '1',
      '--emit-synthetic', '3', '--log-level', 'info', ...confine,
    ]);
    agents.push(dir);
  }
  // A third agent with device control on a recorded sysfs tree and the employees' request socket
  // (issue 20): the stick 2-1 is blocked, an employee asks for it, the administrator approves in the
  // console. Its group's policy enforces device control and polls every 5 s.
  // Issue 18: a customer table registered with mamorictl (hashed on this side); the desk policy names
  // it, so agent-c fetches the signed set and reports the version it holds in its heartbeat.
  const table = path.join(WORK, 'customers.csv');
  fs.writeFileSync(table, 'name,phone,email\n山田 太郎,03-1234-5678,taro@example.jp\n佐藤 花子,06-2345-6789,hanako@example.jp\n');
  const edmAdd = spawnSync(
    path.join(BIN, 'mamorictl'),
    ['--collector', base, '--ca-file', path.join(stateDir, 'tls', 'collector.crt'), '--token-file', path.join(stateDir, 'admin.token'), 'edm', 'add', '--set', 'customers', '--columns', 'name,phone,email', table],
    { encoding: 'utf8' },
  );
  assert.equal(edmAdd.status, 0, `mamorictl edm add: ${edmAdd.stderr}`);
  const desk = await request(base, ca, 'POST', '/api/v1/policies?group=desk', {
    body: {
      schema_version: 1, version: 1, name: 'desk v1', group: 'desk', device_control: { mode: 'enforce' },
      content_scan: { edm: [{ set: 'customers', min_rows: 1 }] }, reporting: { policy_poll_interval_ms: 5000, heartbeat_interval_ms: 1000 },
    },
    headers: bearer,
  });
  assert.equal(desk.status, 200, desk.text);
  const sysfs = path.join(WORK, 'sysfs');
  fs.cpSync(path.resolve('..', 'tests', 'fixtures', 'sysfs', 'desktop'), sysfs, { recursive: true, verbatimSymlinks: true });
  const stickAuthorized = path.join(sysfs, 'devices', 'pci0000:00', '0000:00:04.0', 'usb2', '2-1', 'authorized');
  const requestSocket = path.join(WORK, 'run', 'request.sock');
  start('agent-c', [
    path.join(BIN, 'mamori-agent'), '--state-dir', path.join(WORK, 'agent-c'), '--collector', base, '--ca-file', path.join(stateDir, 'tls', 'collector.crt'),
    '--enroll-secret-file', path.join(stateDir, 'enroll.secret'), '--group', 'desk', '--heartbeat-interval', '1', '--log-level', 'info',
    '--sysfs-root', sysfs, '--request-socket', requestSocket, ...(agentHelp.includes('--p2p-guard') ? ['--p2p-guard', 'off'] : []),
  ]);

  const identities = await waitUntil(() => {
    const found = agents.map((dir) => {
      const file = path.join(dir, 'identity.json');
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
    });
    return found.every((id) => id && id.node_key) && found;
  }, 30000, 'both agents to enroll');

  await step('the console files come with a strict CSP, nosniff, no referrer and cache headers', async () => {
    const index = await request(base, ca, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.headers['content-type'], /^text\/html/);
    const csp = index.headers['content-security-policy'];
    for (const part of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) {
      assert.ok(csp.includes(part), `CSP lacks ${part}: ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['referrer-policy'], 'no-referrer');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.ok(!/<script>|<style>|style=/.test(index.text), 'index.html has inline script or style');
    const asset = index.text.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const js = await request(base, ca, 'GET', asset);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /^text\/javascript/);
    assert.match(js.headers['cache-control'], /immutable/);
    for (const evil of ['/../admin.token', '/%2e%2e/admin.token', '/assets/../../collector/admin.token', '/..%2fadmin.token', '/%2e%2e%2f%2e%2e%2fetc/passwd']) {
      const answer = await request(base, ca, 'GET', evil);
      assert.equal(answer.status, 404, `${evil} answered ${answer.status}`);
      assert.ok(!answer.text.includes(adminToken));
    }
  });

  await step('no API answer without a session; a CSRF-less state change is refused; a viewer cannot push', async () => {
    for (const [method, p] of [['GET', '/api/v1/agents'], ['GET', '/api/v1/events'], ['GET', '/api/v1/policies'], ['GET', '/api/v1/session'], ['POST', '/api/v1/policies?group=office']]) {
      const answer = await request(base, ca, method, p, method === 'POST' ? { body: '{}' } : {});
      assert.equal(answer.status, 401, `${method} ${p} without a session answered ${answer.status}`);
    }
    const bad = await request(base, ca, 'POST', '/api/v1/session', { body: { user: ADMIN.user, password: 'wrong password!' } });
    assert.equal(bad.status, 401);
    const login = await request(base, ca, 'POST', '/api/v1/session', { body: ADMIN });
    assert.equal(login.status, 200);
    const cookie = login.headers['set-cookie'][0];
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(attribute), `cookie lacks ${attribute}: ${cookie}`);
    assert.match(cookie, /^__Host-mamori_session=/);
    const session = { Cookie: cookie.split(';')[0] };
    assert.equal((await request(base, ca, 'GET', '/api/v1/agents', { headers: session })).status, 200);
    const doc = JSON.stringify({ schema_version: 1, version: 1, name: 'x', group: GROUP });
    const noToken = await request(base, ca, 'POST', `/api/v1/policies?group=${GROUP}`, { body: doc, headers: session });
    assert.equal(noToken.status, 403, `push without CSRF token answered ${noToken.status}`);
    const wrongToken = await request(base, ca, 'POST', `/api/v1/policies?group=${GROUP}`, { body: doc, headers: { ...session, 'X-CSRF-Token': 'f'.repeat(64) } });
    assert.equal(wrongToken.status, 403);
    const logout = await request(base, ca, 'DELETE', '/api/v1/session', { headers: { ...session, 'X-CSRF-Token': login.json.csrf_token } });
    assert.equal(logout.status, 200);
    assert.equal((await request(base, ca, 'GET', '/api/v1/agents', { headers: session })).status, 401, 'the session outlived logout');

    const viewer = await request(base, ca, 'POST', '/api/v1/session', { body: VIEWER });
    assert.equal(viewer.status, 200);
    assert.equal(viewer.json.role, 'viewer');
    const viewerHeaders = { Cookie: viewer.headers['set-cookie'][0].split(';')[0], 'X-CSRF-Token': viewer.json.csrf_token };
    assert.equal((await request(base, ca, 'GET', '/api/v1/events', { headers: viewerHeaders })).status, 200);
    const viewerPush = await request(base, ca, 'POST', `/api/v1/policies?group=${GROUP}`, { body: doc, headers: viewerHeaders });
    assert.equal(viewerPush.status, 403, `a viewer push answered ${viewerPush.status}`);
    const viewerGrant = await request(base, ca, 'POST', '/api/v1/exceptions', { body: { challenge: 'x', minutes: 5 }, headers: viewerHeaders });
    assert.equal(viewerGrant.status, 403);
  });

  await step('repeated wrong passwords lock the account for a while', async () => {
    const victim = { user: 'mallory-target', password: 'unguessable password 1' };
    addUser(stateDir, victim, 'viewer');
    for (let i = 0; i < 5; i++) {
      const answer = await request(base, ca, 'POST', '/api/v1/session', { body: { user: victim.user, password: `guess ${i}` } });
      assert.equal(answer.status, 401);
    }
    const locked = await request(base, ca, 'POST', '/api/v1/session', { body: victim });
    assert.equal(locked.status, 429, 'the right password right after five wrong ones must still be refused');
    assert.ok(Number(locked.headers['retry-after']) > 0);
  });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    currentPage = page;
    const dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const cspViolations = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

    await step('without a session the browser sees only the sign-in form', async () => {
      await page.goto(`${base}/#/fleet`);
      await page.waitForSelector('#login-form');
      assert.equal(await page.locator('#fleet').count(), 0);
      await shot('01-login');
      await axeCheck(page, 'login');
    });

    await step('a wrong password is refused on the page', async () => {
      await page.fill('#login-user', ADMIN.user);
      await page.fill('#login-password', 'not the password');
      await page.click('#login-submit');
      await page.waitForSelector('#login-status .error');
      assert.match(await page.textContent('#login-status'), /Wrong user name or password/);
    });

    await step('the administrator signs in and sees both agents online with their policy and last event', async () => {
      await page.fill('#login-user', ADMIN.user);
      await page.fill('#login-password', ADMIN.password);
      await page.click('#login-submit');
      // Signed in from #/fleet, the console stays there (it opens on the overview otherwise).
      await page.waitForSelector('#fleet');
      for (const identity of identities) {
        await page.waitForSelector(`#fleet tr[data-agent="${identity.agent_id}"] .badge.online`, { timeout: 20000 });
      }
      await page.waitForFunction(() => [...document.querySelectorAll('#fleet-rows tr')].every((tr) => /^[a-z]+\.[a-z_.]+/.test(tr.cells[7].textContent) && tr.cells[4].textContent.startsWith('v1') && tr.cells[1].textContent.trim() !== ''), null, { timeout: 20000 });
      const text = await page.textContent('#fleet');
      assert.match(text, /office/);
      await shot('02-fleet');
      await axeCheck(page, 'fleet');
    });

    await step('policy page: a slow answer for the group shown first never replaces the group chosen after it', async () => {
      // The page opens the first group ('default') and the administrator picks GROUP at once; the
      // answer for 'default' comes last. It replaced GROUP's editor while the select showed GROUP.
      const slow = (url) => url.pathname === '/api/v1/policies' && url.searchParams.get('group') === 'default';
      await withSlowAnswers(page, slow, async () => {
        await page.click('a[data-route="policies"]');
        await page.waitForSelector('#policy-group');
        await page.selectOption('#policy-group', 'default');
        await page.selectOption('#policy-group', GROUP);
        await page.waitForFunction((group) => document.querySelector('#policy-text')?.value.includes(`"group": "${group}"`), GROUP);
      });
      const shown = await page.evaluate(() => ({
        select: document.querySelector('#policy-group').value,
        heading: document.querySelector('#policy-editor h2').textContent,
        text: document.querySelector('#policy-text').value,
      }));
      assert.equal(shown.select, GROUP);
      assert.ok(shown.heading.startsWith(`Group ${GROUP}:`), `the editor shows another group: ${shown.heading}`);
      assert.ok(shown.text.includes(`"group": "${GROUP}"`), shown.text);
    });

    let pushedVersion = 0;
    await step('policy editor: errors shown at their line, diff, push, and rollout applied on every agent', async () => {
      await page.click('a[data-route="policies"]');
      await page.selectOption('#policy-group', GROUP);
      // The group's editor is rebuilt when its policy arrives: text typed into the editor the page had
      // before is replaced. Wait until this group's current policy is shown and checked.
      await page.waitForFunction((group) => {
        const text = document.querySelector('#policy-text');
        const checked = document.querySelector('#policy-errors');
        return text && text.value.includes(`"group": "${group}"`) && checked && checked.textContent.includes('Valid');
      }, GROUP);
      const broken = JSON.stringify({ schema_version: 1, version: 2, name: 'office console', group: GROUP, grup: 'typo', reporting: { policy_poll_interval_ms: 10 } }, null, 2);
      await page.fill('#policy-text', broken);
      await page.waitForSelector('#policy-errors ul.errors li');
      const errors = await page.textContent('#policy-errors');
      assert.match(errors, /\/grup/);
      assert.match(errors, /\/reporting\/policy_poll_interval_ms/);
      // The error for /grup sits at the line that holds "grup".
      const line = broken.split('\n').findIndex((l) => l.includes('"grup"')) + 1;
      assert.ok(errors.includes(`line ${line}`), `expected the /grup error at line ${line}: ${errors}`);
      assert.ok(await page.isDisabled('#policy-push'), 'an invalid policy must not be pushable');
      await shot('03-policy-errors');
      const good = JSON.stringify({ schema_version: 1, version: 2, name: 'office console', group: GROUP, reporting: { policy_poll_interval_ms: 5000, heartbeat_interval_ms: 1000 } }, null, 2);
      await page.fill('#policy-text', good);
      await page.waitForSelector('#policy-errors .ok');
      assert.match(await page.textContent('#policy-diff'), /\+ .*"version": 2/);
      await page.click('#policy-push');
      await page.waitForSelector('#policy-result .ok');
      pushedVersion = 2;
      await page.waitForFunction(
        (n) => document.querySelector('#rollout-summary')?.textContent?.startsWith(`${n} of ${n} agents applied`),
        identities.length,
        { timeout: 60000 },
      );
      await shot('04-policy-rollout');
      await axeCheck(page, 'policies');
    });

    await step('events: hostile agent data appears live as text, no script runs, detail shows every field', async () => {
      await page.click('a[data-route="events"]');
      await page.waitForSelector('#events');
      await page.waitForSelector('#event-rows tr');
      const before = await page.locator('#event-rows tr').count();
      const id = uuidv7();
      const [identity] = identities;
      const event = {
        id, type: 'p2p.killed', time: new Date().toISOString(), severity: 'high', agent_id: identity.agent_id, host: 'pc-<b>bold</b>', user: '"><svg onload=alert(2)>',
        details: { 'process.name': HOSTILE_PROCESS, 'process.executable': HOSTILE_PATH, 'file.path': HOSTILE_PATH, 'p2p.rule': 'winny' },
      };
      const ingest = await request(base, ca, 'POST', '/api/v1/events', { body: { events: [event] }, headers: { Authorization: `Bearer ${identity.node_key}` } });
      assert.equal(ingest.status, 200, ingest.text);
      // Live: the row appears without a reload.
      await page.waitForSelector(`#event-rows tr[data-event="${id}"]`, { timeout: 15000 });
      assert.ok((await page.locator('#event-rows tr').count()) > before);
      const rowText = await page.textContent(`#event-rows tr[data-event="${id}"]`);
      assert.ok(rowText.includes(HOSTILE_PROCESS), `the process name is not shown as text: ${rowText}`);
      await page.click(`#event-rows tr[data-event="${id}"]`);
      await page.waitForSelector('#event-detail:not([hidden])');
      const detail = await page.textContent('#event-detail');
      for (const value of [id, 'p2p.killed', HOSTILE_PROCESS, HOSTILE_PATH, 'pc-<b>bold</b>', 'winny', identity.agent_id]) {
        assert.ok(detail.includes(value), `detail lacks ${value}`);
      }
      const injected = await page.evaluate(() => ({
        pwned: window.__pwned === 1,
        imgs: document.querySelectorAll('main img, main svg, main script, main b').length,
      }));
      assert.deepEqual(injected, { pwned: false, imgs: 0 }, 'agent-supplied markup became DOM');
      assert.deepEqual(dialogs, [], 'an alert() from agent data ran');
      await shot('05-event-detail');
      await axeCheck(page, 'events');
    });

    await step('events: filters by type, severity and free text', async () => {
      await page.fill('#f-type', 'agent.synthetic');
      await page.click('#event-filters button[type=submit]');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('#event-rows tr')];
        return rows.length > 0 && rows.every((r) => r.textContent.includes('agent.synthetic'));
      });
      await page.fill('#f-type', '');
      await page.selectOption('#f-severity', 'high');
      await page.fill('#f-q', 'onerror');
      await page.click('#event-filters button[type=submit]');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('#event-rows tr')];
        return rows.length === 1 && rows[0].textContent.includes('p2p.killed');
      });
    });

    await step('hostile text: bidi and zero-width characters are shown escaped, a 16 KB value keeps the table on screen', async () => {
      // An agent whose host name hides a right-to-left override and a zero-width space (issue 20),
      // enrolled through the API as any agent would, and an event of it with 16 KB unbroken values.
      const agentId = uuidv7();
      const enroll = await request(base, ca, 'POST', '/api/v1/enroll', {
        body: { enroll_secret: fs.readFileSync(path.join(stateDir, 'enroll.secret'), 'utf8').trim(), agent_id: agentId, host: DISGUISED_HOST, os: 'Debian GNU/Linux 12', agent_version: '0.1.0', group: GROUP },
      });
      assert.equal(enroll.status, 200, enroll.text);
      const id = uuidv7();
      const event = {
        id, type: 'activity.removable_copy', time: new Date().toISOString(), severity: 'medium', agent_id: agentId, host: DISGUISED_HOST, user: LONG_VALUE,
        details: { 'file.path': LONG_VALUE, 'process.name': 'cp' },
      };
      const ingest = await request(base, ca, 'POST', '/api/v1/events', { body: { events: [event] }, headers: { Authorization: `Bearer ${enroll.json.node_key}` } });
      assert.equal(ingest.status, 200, ingest.text);
      // What a person reads: the markers, never the raw control characters (which would reorder the text).
      const shown = (selector) =>
        page.$eval(selector, (element) => {
          const visible = element.innerText;
          return { visible, markers: [...element.querySelectorAll('.cp')].map((m) => m.textContent) };
        });
      const withinViewport = (tableSelector) =>
        page.evaluate((selector) => {
          const table = document.querySelector(selector);
          const right = Math.max(...[...table.querySelectorAll('th')].map((th) => th.getBoundingClientRect().right));
          return { viewport: window.innerWidth, table: Math.round(table.getBoundingClientRect().right), lastHeader: Math.round(right), page: document.documentElement.scrollWidth };
        }, tableSelector);
      const assertOnScreen = (sizes, where) => {
        for (const key of ['table', 'lastHeader', 'page']) assert.ok(sizes[key] <= sizes.viewport, `${where}: ${key} ends at ${sizes[key]} px, beyond the ${sizes.viewport} px viewport: ${JSON.stringify(sizes)}`);
      };
      const assertEscaped = (text, where) => {
        assert.ok(text.visible.includes('pc-invoice<U+202E>fdp.exe<U+200B>'), `${where} does not show the host escaped: ${text.visible.slice(0, 200)}`);
        assert.ok(!/[\u202E\u200B]/.test(text.visible), `${where} still holds the raw characters`);
        assert.deepEqual(text.markers, ['<U+202E>', '<U+200B>']);
      };

      await page.click('a[data-route="fleet"]');
      await page.waitForSelector(`#fleet tr[data-agent="${agentId}"]`, { timeout: 20000 });
      // Its newest event (with the 16 KB user) reaches the fleet row within a refresh.
      await page.waitForFunction((agent) => document.querySelector(`#fleet tr[data-agent="${agent}"]`).cells[1].textContent.includes('/srv/xxx'), agentId, { timeout: 20000 });
      assertEscaped(await shown(`#fleet tr[data-agent="${agentId}"] .host`), 'the fleet');
      const fleetSizes = await withinViewport('#fleet');
      log(`     fleet table with a 16 KB value: ends at ${fleetSizes.table} px (last column header at ${fleetSizes.lastHeader} px) in a ${fleetSizes.viewport} px viewport`);
      assertOnScreen(fleetSizes, 'the fleet');
      await shot('09-hostile-fleet');
      await axeCheck(page, 'fleet-hostile');

      await page.click('a[data-route="events"]');
      await page.waitForSelector(`#event-rows tr[data-event="${id}"]`, { timeout: 15000 });
      assertEscaped(await shown(`#event-rows tr[data-event="${id}"] td:nth-child(4)`), 'the events table');
      const sizes = await withinViewport('#events');
      assertOnScreen(sizes, 'the events table');
      log(`     events table with a 16 KB value: ends at ${sizes.table} px (last column header at ${sizes.lastHeader} px) in a ${sizes.viewport} px viewport`);
      // In the table the value is clipped; the whole of it opens in place and in the detail view.
      const userCell = `#event-rows tr[data-event="${id}"] td:nth-child(5)`;
      assert.ok((await page.$eval(userCell, (td) => td.innerText)).length < 300, 'the 16 KB value is not clipped in the table');
      await page.click(`${userCell} summary`);
      await page.waitForFunction((selector) => document.querySelector(`${selector} details`).open, userCell);
      assert.ok((await page.$eval(userCell, (td) => td.innerText)).includes(LONG_VALUE), 'the whole value does not open in place');
      assertOnScreen(await withinViewport('#events'), 'the events table with the value open');
      await page.waitForSelector('#event-detail:not([hidden])');
      const detail = await page.$eval('#event-detail table.kv', (t) => t.innerText);
      assert.ok(detail.includes(LONG_VALUE), 'the detail view lacks the whole value');
      assertEscaped(await shown('#event-detail table.kv'), 'the event detail');
      assertOnScreen(await withinViewport('#events'), 'the events page with the detail open');
      await shot('10-hostile-events');
      await axeCheck(page, 'events-hostile');
    });

    await step('device exceptions: a challenge becomes a response code', async () => {
      await page.click('a[data-route="exceptions"]');
      await page.fill('#exc-challenge', 'not-a-challenge');
      await page.click('#exc-form button[type=submit]');
      await page.waitForSelector('#exc-result .error');
      assert.match(await page.textContent('#exc-result'), /challenge/);
      const challenge = '3f2a91c0-46f40001-9b1c22de';
      await page.fill('#exc-challenge', challenge);
      await page.fill('#exc-minutes', '45');
      await page.click('#exc-form button[type=submit]');
      await page.waitForSelector('#exc-response');
      const code = await page.textContent('#exc-response');
      assert.ok(code.startsWith(`${challenge}.45.`), `unexpected response code ${code}`);
      await shot('06-exceptions');
      await axeCheck(page, 'exceptions');
    });

    await step('incidents: the evidence chain is shown, an administrator acknowledges one with a comment', async () => {
      const [identity] = identities;
      const incidentId = uuidv7();
      const now = new Date().toISOString();
      const event = {
        id: uuidv7(), type: 'incident.opened', time: now, severity: 'high', agent_id: identity.agent_id, host: 'pc-1', user: 'taro',
        details: {
          'incident.id': incidentId, 'incident.score': 12, 'incident.first_time': now, 'incident.last_time': now, 'user.name': 'taro',
          'incident.evidence': [
            { 'event.id': uuidv7(), 'event.type': 'activity.removable_copy', time: now, weight: 8, 'process.pid': 42, 'process.name': HOSTILE_PROCESS, path: HOSTILE_PATH },
            { 'event.id': uuidv7(), 'event.type': 'activity.archive', time: now, weight: 4, 'process.pid': 43, 'process.name': 'zip', path: '/media/usb/x.zip' },
          ],
        },
      };
      const ingest = await request(base, ca, 'POST', '/api/v1/events', { body: { events: [event] }, headers: { Authorization: `Bearer ${identity.node_key}` } });
      assert.equal(ingest.status, 200, ingest.text);
      await page.click('a[data-route="incidents"]');
      await page.click(`#incidents tr[data-incident="${incidentId}"] button`);
      await page.waitForSelector('#incident-evidence');
      const evidence = await page.textContent('#incident-evidence');
      assert.ok(evidence.includes(HOSTILE_PROCESS) && evidence.includes('activity.archive'), evidence);
      await page.selectOption('#incident-status', 'acknowledged');
      await page.fill('#incident-comment', 'called the user; stick was a gift');
      await page.click('#incident-form button[type=submit]');
      await page.waitForSelector('#incident-result .ok');
      await shot('07-incident');
      await axeCheck(page, 'incidents');
      await page.click('a[data-route="fleet"]');
      await page.click('a[data-route="incidents"]');
      await page.waitForSelector(`#incidents tr[data-incident="${incidentId}"]`);
      assert.equal((await page.textContent(`#incidents tr[data-incident="${incidentId}"] .status`)).trim(), 'acknowledged');
      assert.equal(await page.evaluate(() => window.__pwned === 1), false);
    });

    await step('overview: charts and top lists from seeded events; a bar opens exactly its events; CSV keeps Japanese', async () => {
      // Seeded through the agents' API like any report: an hour two hours back holds three high
      // device blocks on a Japanese host and two critical P2P stops.
      const [identity] = identities;
      const hourMs = 3600000;
      const hour = Math.floor(Date.now() / hourMs) * hourMs - 2 * hourMs;
      const host = '経理-pc01';
      const user = '山田太郎';
      const seeded = [];
      for (let i = 0; i < 3; i++) {
        seeded.push({ id: uuidv7(), type: 'device.blocked', time: new Date(hour + 600000 + i * 1000).toISOString(), severity: 'high', agent_id: identity.agent_id, host, user, details: { 'device.product': `USBメモリ ${i}`, 'device.vendor': '=cmd|calc' } });
      }
      for (let i = 0; i < 2; i++) {
        seeded.push({ id: uuidv7(), type: 'p2p.killed', time: new Date(hour + 900000 + i * 1000).toISOString(), severity: 'critical', agent_id: identity.agent_id, host: 'pc-2', user: 'sato', details: { 'process.name': 'winny' } });
      }
      const ingest = await request(base, ca, 'POST', '/api/v1/events', { body: { events: seeded }, headers: { Authorization: `Bearer ${identity.node_key}` } });
      assert.equal(ingest.status, 200, ingest.text);
      const bucket = new Date(hour).toISOString();

      await page.click('a[data-route="overview"]');
      await page.waitForFunction(() => /by day$/.test(document.querySelector('#overview-status')?.textContent ?? ''));
      await page.selectOption('#ov-range', '24h');
      assert.equal(await page.inputValue('#ov-range'), '24h');
      await page.click('#overview-form button[type=submit]');
      await page.waitForFunction(() => /by hour$/.test(document.querySelector('#overview-status')?.textContent ?? ''));
      const blocked = `#chart-type a[data-series="device.blocked"][data-bucket="${bucket}"]`;
      await page.waitForSelector(blocked, { timeout: 15000 });
      assert.equal(await page.getAttribute(blocked, 'data-count'), '3');
      assert.match(await page.getAttribute(blocked, 'aria-label'), /^device\.blocked, .*: 3 events$/);
      const critical = `#chart-severity a[data-series="critical"][data-bucket="${bucket}"]`;
      assert.equal(await page.getAttribute(critical, 'data-count'), '2');
      const topHosts = await page.$$eval('#ov-top-hosts tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
      assert.deepEqual(topHosts.find((row) => row[0] === host), [host, '3', '0', '3'], JSON.stringify(topHosts));
      const fleet = await page.textContent('#ov-fleet');
      assert.match(fleet, /4agents/, fleet); // the two agents, the disguised one enrolled above and the requests agent
      assert.match(fleet, /1acknowledged incidents/, fleet);
      await shot('12-overview');
      await axeCheck(page, 'overview');

      // The critical segment opens the events view filtered to that severity and hour.
      await page.click(critical);
      await page.waitForFunction(() => document.querySelectorAll('#event-rows tr').length === 2 && [...document.querySelectorAll('#event-rows tr')].every((tr) => tr.textContent.includes('p2p.killed')), null, { timeout: 15000 });
      assert.equal(await page.inputValue('#f-severity'), '=critical');
      // The device-block segment: exactly its three events, with the type filled in.
      await page.goBack();
      await page.waitForSelector(blocked, { timeout: 15000 });
      await page.click(blocked);
      await page.waitForFunction(() => document.querySelectorAll('#event-rows tr').length === 3 && [...document.querySelectorAll('#event-rows tr')].every((tr) => tr.textContent.includes('device.blocked')), null, { timeout: 15000 });
      assert.equal(await page.inputValue('#f-type'), 'device.blocked');
      const ids = new Set(await page.$$eval('#event-rows tr', (trs) => trs.map((tr) => tr.dataset.event)));
      assert.deepEqual(ids, new Set(seeded.slice(0, 3).map((e) => e.id)));
      await shot('13-overview-drilldown');
      await axeCheck(page, 'events-drilldown');

      // CSV export of what is shown: UTF-8 with a byte-order mark, Japanese intact, formulas defused.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#events-csv')]);
      const saved = path.join(ARTIFACTS, 'events-export.csv');
      await download.saveAs(saved);
      const bytes = fs.readFileSync(saved);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'no UTF-8 byte-order mark');
      const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
      assert.equal(lines[0], '"id","time","severity","type","agent_id","host","user","details"');
      assert.equal(lines.length, 4, lines.join('\n'));
      for (const line of lines.slice(1)) {
        assert.ok(line.includes(`"${host}","${user}"`), line);
        assert.ok(line.includes('USBメモリ'), line);
        assert.ok(line.includes('""device.vendor"":""=cmd|calc""'), line); // inside the details JSON, quoted
      }
    });

    await step('reports: the administrator takes the report of the seeded days as HTML and CSV', async () => {
      // The overview's seeded hour was two hours back: a period from the day before to today holds it.
      const day = (ms) => new Date(ms).toISOString().slice(0, 10);
      await page.click('a[data-route="reports"]');
      await page.waitForSelector('#report-form');
      await page.fill('#report-from', day(Date.now() - 2 * 86400000));
      await page.fill('#report-to', day(Date.now()));
      await page.dispatchEvent('#report-to', 'change');
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
      const savedCsv = path.join(ARTIFACTS, 'report.csv');
      await csvDownload.saveAs(savedCsv);
      const bytes = fs.readFileSync(savedCsv);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'no UTF-8 byte-order mark');
      const lines = bytes.subarray(3).toString('utf8').split('\r\n');
      assert.ok(lines.some((l) => l.startsWith('"device_blocks","経理-pc01","山田太郎","USBメモリ 0"')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('"p2p_stops","pc-2","sato","winny (killed)","2"')), lines.join('\n'));
      const [htmlDownload] = await Promise.all([page.waitForEvent('download'), page.click('#report-html')]);
      const savedHtml = path.join(ARTIFACTS, 'report.html');
      await htmlDownload.saveAs(savedHtml);
      const html = fs.readFileSync(savedHtml, 'utf8');
      assert.ok(html.includes('<svg') && !html.includes('<script'), 'the report page draws its chart without script');
      assert.ok(html.includes('経理-pc01'), 'the Japanese host is in the HTML report');
      await shot('14-reports');
      await axeCheck(page, 'reports');
    });

    await step('requests: an employee asks, the administrator approves in the console, the PC opens the stick, expiry closes it', async () => {
      const ask = (...args) => spawnSync(path.join(BIN, 'mamori-agent'), ['request', '--socket', requestSocket, ...args], { encoding: 'utf8', timeout: 60000 });
      await waitUntil(() => fs.existsSync(requestSocket) && ask('--list').stdout.includes('2-1'), 60000, 'agent-c to block the stick and list it');
      assert.equal(fs.readFileSync(stickAuthorized, 'utf8').trim(), '0');
      // The reason is the employee's text: a direction override in it must show, not act.
      const reason = '納品データ for the client \u202Egpj.exe';
      const asked = ask('--device', '2-1', '--reason', reason, '--minutes', '1');
      assert.equal(asked.status, 0, asked.stderr);
      await page.click('a[data-route="requests"]');
      await page.waitForSelector('#requests-pending tr[data-request]', { timeout: 15000 });
      const row = await page.textContent('#requests-pending tr[data-request]');
      assert.ok(row.includes('納品データ for the client <U+202E>gpj.exe'), row);
      assert.ok(row.includes('QEMU USB HARDDRIVE'), row);
      await shot('14-requests');
      await axeCheck(page, 'requests');
      await page.click('#requests-pending tr[data-request] button');
      await page.waitForSelector('#request-detail h2');
      assert.match(await page.textContent('#request-reason'), /<U\+202E>gpj\.exe/);
      await page.fill('#request-minutes', '1');
      await page.fill('#request-note', 'for the delivery');
      await shot('15-request-answer');
      await axeCheck(page, 'request-answer');
      await page.click('#request-approve');
      await page.waitForSelector('#request-result .ok');
      // The agent learns it at its next policy poll (5 s) and opens the stick.
      await waitUntil(() => fs.readFileSync(stickAuthorized, 'utf8').trim() === '1', 30000, 'agent-c to authorize the stick');
      await page.waitForSelector('#requests-history tr[data-state="approved"]', { timeout: 15000 });
      await shot('16-requests-history');
      // Approved once: a second answer is refused.
      const id = await page.getAttribute('#requests-history tr[data-state="approved"]', 'data-request');
      const again = await page.evaluate(
        async (requestId) => (await fetch(`/api/v1/exception-requests/${requestId}/refuse`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"note":"x"}' })).status,
        id,
      );
      assert.equal(again, 403, 'a page script without the CSRF token must be refused');
      // One minute later the stick is blocked again.
      await waitUntil(() => fs.readFileSync(stickAuthorized, 'utf8').trim() === '0', 100000, 'the window to end and the stick to be blocked again', 500);
    });

    await step('company data: sets with their sizes, the agents holding each version, and their matches', async () => {
      const desk = JSON.parse(fs.readFileSync(path.join(WORK, 'agent-c', 'identity.json'), 'utf8'));
      // A file found to hold two rows of the table, as the agent reports it (the set and a row count, no value).
      const match = {
        id: uuidv7(), type: 'content.match', time: new Date().toISOString(), severity: 'medium', agent_id: desk.agent_id, host: 'pc-desk', user: 'hanako',
        details: { 'file.path': '/home/hanako/export.csv', 'content.matches': [{ type: 'edm', name: 'customers:name+phone', count: 2, container_path: '' }] },
      };
      const ingest = await request(base, ca, 'POST', '/api/v1/events', { body: { events: [match] }, headers: { Authorization: `Bearer ${desk.node_key}` } });
      assert.equal(ingest.status, 200, ingest.text);
      // The fleet shows the version agent-c applied, from its heartbeat.
      await page.click('a[data-route="fleet"]');
      await page.waitForFunction((agent) => /customers v1/.test(document.querySelector(`#fleet tr[data-agent="${agent}"]`)?.cells[5].textContent ?? ''), desk.agent_id, { timeout: 30000 });
      await page.click('a[data-route="sets"]');
      const row = '#sets-edm tr[data-set="edm/customers"]';
      await page.waitForSelector(row);
      const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent.trim()));
      assert.equal(cells[0], 'customers');
      assert.equal(cells[1], 'v1');
      assert.equal(cells[2], '2'); // rows
      assert.match(cells[4], /KiB|B$/); // the signed set file's size
      assert.match(cells[5], /^1 at v1/); // agent-c holds it
      assert.equal(cells[6], '1'); // the one match
      await shot('17-company-data');
      await axeCheck(page, 'sets');
      // The count opens exactly those events.
      await page.click(`${row} td.matches a`);
      await page.waitForSelector(`#event-rows tr[data-event="${match.id}"]`, { timeout: 15000 });
      assert.equal(await page.locator('#event-rows tr').count(), 1);
    });

    await step('audit trail: the administrator sees each action and failed sign-in, hostile names escaped', async () => {
      // A sign-in with a disguised user name, tried from outside the page.
      const tried = await request(base, ca, 'POST', '/api/v1/session', { body: { user: DISGUISED_HOST, password: 'not it' } });
      assert.equal(tried.status, 401, tried.text);
      await page.click('a[data-route="audit"]');
      await page.waitForSelector('#audit-rows tr');
      const rows = await page.$$eval('#audit-rows tr', (trs) =>
        trs.map((tr) => ({ action: tr.querySelector('.action').textContent, actor: tr.querySelector('.actor').textContent, text: tr.textContent })),
      );
      const actions = rows.map((r) => r.action);
      for (const action of ['policy.push', 'exception.grant', 'exception.request.approve', 'incident.update', 'session.signin', 'events.export']) {
        assert.ok(actions.includes(action), `no ${action} in the audit page: ${actions.join(', ')}`);
      }
      assert.ok(rows.some((r) => r.action === 'session.signin' && r.text.includes('refused 401')), 'no refused sign-in shown');
      const disguised = rows.find((r) => r.action === 'session.signin' && r.actor.includes('pc-invoice'));
      assert.ok(disguised, 'the disguised sign-in is missing');
      assert.equal(disguised.actor, 'pc-invoice<U+202E>fdp.exe<U+200B>');
      await page.click('#audit-rows tr button');
      await page.waitForSelector('#audit-detail pre');
      assert.match(await page.textContent('#audit-detail pre'), /"prev_hash"/);
      await shot('11-audit');
      await axeCheck(page, 'audit');
      // The page's first load (the newest records) answers after the filter asked for next: it must
      // not replace the filter's answer (none from a day in 2099).
      const first = (url) => url.pathname === '/api/v1/audit' && !url.searchParams.has('since');
      await withSlowAnswers(page, first, async () => {
        await page.click('a[data-route="fleet"]');
        await page.waitForSelector('#fleet-rows');
        await page.click('a[data-route="audit"]');
        await page.waitForSelector('#audit-since');
        await page.fill('#audit-since', '2099-01-01T00:00');
        await page.click('#audit-form button[type="submit"]');
        await page.waitForFunction(() => document.querySelector('#audit-status')?.textContent.includes('No records.'));
      });
      assert.match(await page.textContent('#audit-status'), /No records\./);
      assert.equal(await page.locator('#audit-rows tr').count(), 0);
    });

    await step('inspections: the report opened last is the one shown, however slow an earlier one', async () => {
      // Two reports of the same home, made a second apart, uploaded the mamorictl way (bearer token).
      const tool = path.join(WORK, 'inspect-tool');
      fs.mkdirSync(tool);
      for (const name of ['mamori-inspect', 'mamori-extract', 'mamori-extract-light']) {
        fs.copyFileSync(path.join(BIN, name), path.join(tool, name));
        fs.chmodSync(path.join(tool, name), 0o755);
      }
      const inspectBin = path.join(tool, 'mamori-inspect');
      assert.equal(spawnSync(inspectBin, ['keygen'], { encoding: 'utf8' }).status, 0);
      const home = path.join(WORK, 'inspect-home');
      fs.mkdirSync(path.join(home, 'Documents'), { recursive: true });
      fs.writeFileSync(path.join(home, 'Documents', 'memo.txt'), '社外秘: 2027 計画\n');
      const uploaded = [];
      for (const n of [1, 2]) {
        if (n === 2) await new Promise((resolve) => setTimeout(resolve, 1100)); // another start time, another report
        const out = path.join(WORK, `inspect-out-${n}`);
        const run = spawnSync(inspectBin, ['--home', home, '--no-system-programs', '--no-processes', '--out', out], { encoding: 'utf8', input: '' });
        assert.equal(run.status, 1, run.stderr);
        const text = fs.readFileSync(path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.json'))), 'utf8');
        const answer = await request(base, ca, 'POST', '/api/v1/inspections', { body: text, headers: bearer });
        assert.ok(answer.status === 200 || answer.status === 201, answer.text);
        uploaded.push({ id: answer.json.id, started: JSON.parse(text).report.run.started });
      }
      assert.notEqual(uploaded[0].started, uploaded[1].started);
      await page.click('a[data-route="inspections"]');
      await page.waitForSelector(`#inspections tr[data-inspection="${uploaded[1].id}"]`);
      const first = (url) => url.pathname === `/api/v1/inspections/${uploaded[0].id}`;
      await withSlowAnswers(page, first, async () => {
        await page.click(`#inspections tr[data-inspection="${uploaded[0].id}"] button`);
        await page.click(`#inspections tr[data-inspection="${uploaded[1].id}"] button`);
        await page.waitForFunction((started) => document.querySelector('#inspection-detail pre')?.textContent.includes(started), uploaded[1].started);
      });
      const shown = await page.textContent('#inspection-detail pre');
      assert.ok(shown.includes(uploaded[1].started), 'the report opened last is not shown');
      assert.ok(!shown.includes(uploaded[0].started), 'the report opened first replaced the one opened last');
    });

    await step('the viewer sees the fleet but has no push button, and sign-out ends the session', async () => {
      await page.click('#logout');
      await page.waitForSelector('#login-form');
      assert.equal((await page.evaluate(() => fetch('/api/v1/agents').then((r) => r.status))), 401);
      await page.fill('#login-user', VIEWER.user);
      await page.fill('#login-password', VIEWER.password);
      await page.click('#login-submit');
      await page.waitForSelector('a[data-route="fleet"]');
      await page.click('a[data-route="fleet"]');
      await page.waitForSelector('#fleet-rows tr');
      assert.match(await page.textContent('#whoami'), /victor \(viewer\)/);
      await page.click('a[data-route="policies"]');
      await page.waitForSelector('#policy-text');
      assert.equal(await page.locator('#policy-push').count(), 0);
      const status = await page.evaluate(() =>
        fetch('/api/v1/policies?group=office', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status),
      );
      assert.equal(status, 403, 'a page script without the CSRF token must be refused');
      await shot('08-viewer-policies');
      // A viewer reads the requests but gets no answer button.
      await page.click('a[data-route="requests"]');
      await page.waitForSelector('#requests-history tr[data-request]');
      assert.equal(await page.locator('#requests-history button, #requests-pending button').count(), 0);
      assert.equal(await page.locator('a[data-route="audit"]').count(), 0, 'a viewer is offered the audit trail');
      assert.equal(await page.evaluate(() => fetch('/api/v1/audit').then((r) => r.status)), 403);
    });

    await step('no CSP violation was reported by the browser', async () => {
      assert.deepEqual(cspViolations, []);
    });
    assert.ok(pushedVersion > 0);
  } finally {
    await browser.close();
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  if (!failed) log(`FAIL setup: ${error.stack || error}`);
} finally {
  for (const child of processes) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  await Promise.all(
    processes.map((child) => (child.exitCode === null ? new Promise((resolve) => { const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 10000); child.on('exit', () => { clearTimeout(t); resolve(); }); }) : null)),
  );
  if (!process.env.MAMORI_KEEP_TEST_DIRS) fs.rmSync(WORK, { recursive: true, force: true });
  log(`artifacts: ${ARTIFACTS}`);
  log(`${passed} passed, ${failed} failed`);
}
process.exit(exitCode);
