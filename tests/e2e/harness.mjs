// Shared end-to-end harness: the real server on 127.0.0.1 (a port it picks,
// a fresh SQLite file) serving the built app, and Debian's Chromium driven by
// playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

export const serverBinary = process.env.BEATBOOK_SERVER_BIN || join(root, 'target/server/beatbook-server');
export const distDir = process.env.BEATBOOK_DIST || join(root, 'dist');

/** Starts the server on a free port with a fresh database. */
export async function startServer({ db, dist = distDir } = {}) {
  if (!existsSync(serverBinary)) throw new Error(`server not built: ${serverBinary} (run scripts/test.sh)`);
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`app not built: ${dist}`);
  const dir = db ? null : mkdtempSync(join(tmpdir(), 'beatbook-e2e-'));
  const dbPath = db || join(dir, 'e2e.db');
  const child = spawn(serverBinary, ['serve', '--listen', '127.0.0.1:0', '--db', dbPath, '--dist', dist], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 20 s: ${stderr}`)), 20_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited ${code}: ${stderr}`)); });
  });
  return {
    url,
    dbPath,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((ok) => child.once('exit', ok));
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

const phone = {
  viewport: { width: 412, height: 915 },
  deviceScaleFactor: 2.625,
  isMobile: true,
  hasTouch: true,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36',
};
// A supervisor's desk.
const desktop = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

/**
 * A fresh Chromium profile (its own user-data-dir), closed by `close()`: a phone by
 * default, a desktop window with `{ desktop: true }`.
 */
export async function launchBrowser({ desktop: onDesk = false, timezoneId } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'beatbook-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
    ...(onDesk ? desktop : phone),
    ...(timezoneId ? { timezoneId } : {}),
    acceptDownloads: true,
    serviceWorkers: 'allow',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page; returns serious and critical violations. */
export async function seriousA11yViolations(page) {
  const already = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!already) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Collects uncaught page errors so a test can assert there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

/** Creates an account with the admin command line (the server may be running). */
export function createUser(dbPath, { officerId, name = officerId, role = 'officer', team = 'North', password = 'correct horse battery' }) {
  for (const args of [['team', 'add', '--db', dbPath, team]]) {
    spawnSync(serverBinary, args, { encoding: 'utf8' }); // an existing team is fine
  }
  const r = spawnSync(serverBinary, ['user', 'add', '--db', dbPath, '--officer-id', officerId, '--name', name,
    '--role', role, '--team', team, '--password-stdin'], { input: password + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`user add ${officerId}: ${r.stderr}`);
  return { officerId, password };
}

export const PIN = '482913';

/** First run on a device: sign in online, then choose the PIN. */
export async function signInAndSetPin(page, { officerId, password }, pin = PIN) {
  await page.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
  await page.getByLabel('Officer ID').fill(officerId);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Longer than the app's own request timeout (30 s): a request that never got an
  // answer then shows as the app's "took too long", not as a bare test timeout. No
  // second try: an officer kept waiting 30 s for a sign-in is a failure.
  const reached = await page.getByRole('heading', { name: 'Choose a PIN' })
    .waitFor({ timeout: 40_000 }).then(() => true, () => false);
  if (!reached) {
    // Say what the screen said instead (a refusal, a timeout), for the log. The button
    // says "Working…" while the request is out.
    const said = (await page.locator('[role=alert], [role=status], .error, form button')
      .allTextContents().catch(() => [])).filter(Boolean);
    throw new Error(`sign-in as ${officerId} did not reach "Choose a PIN"; the screen said: ${JSON.stringify(said)}`);
  }
  await page.getByLabel(/New PIN/).fill(pin);
  await page.getByLabel('Same PIN again').fill(pin);
  await page.getByRole('button', { name: 'Set PIN' }).click();
  await page.getByRole('heading', { name: 'Start shift' }).waitFor({ timeout: 20_000 });
}

/** The lock screen after a reload or a lock. */
export async function unlock(page, pin = PIN) {
  await page.getByRole('heading', { name: 'Beatbook is locked' }).waitFor({ timeout: 15_000 });
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Unlock' }).click();
}

/** Starts a shift and a running patrol. */
export async function startShiftAndPatrol(page, officerId) {
  await page.getByLabel('Patrolling as').selectOption({ label: 'PCSO' });
  await page.getByLabel('Callsign').fill('PC-' + officerId);
  await page.getByLabel('Team').fill('North');
  await page.getByRole('button', { name: 'Start shift' }).click();
  await page.getByRole('button', { name: 'Start patrol' }).click();
  await page.getByLabel(/^Location/).fill('Park Road shops');
  await page.getByLabel('Mode').selectOption({ label: 'Foot' });
  await page.getByRole('button', { name: 'Start patrol' }).click();
  await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
}

/** Records a note during the current shift. */
export async function addNote(page, text) {
  await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
  await page.getByLabel('Kind').selectOption({ label: 'Community engagement' });
  await page.getByLabel('Note (required)').fill(text);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
}

/** Signs in through the API (as the app does) and returns the token. */
export async function apiToken(url, { officerId, password }, deviceId = 'test-harness') {
  const res = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ officer_id: officerId, password, device_id: deviceId }),
  });
  if (!res.ok) throw new Error(`sign-in ${officerId}: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** What the server holds for one officer, asked of the server itself (as that officer). */
export async function serverStats(url, user) {
  const token = await apiToken(url, user, 'stats-' + user.officerId);
  const res = await fetch(`${url}/api/v1/stats?officer_id=${encodeURIComponent(user.officerId)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`stats: ${res.status}`);
  return res.json();
}

/**
 * Chromium started by hand (detached, its own process group) on a fixed
 * profile, driven over CDP, so a test can SIGKILL the whole browser (what a
 * phone's low-memory killer, a crash or a flat battery does) and start it
 * again on the same profile. `kill()` kills the group at once;
 * `close()` also removes the profile.
 */
export async function launchKillableBrowser(userDataDir = mkdtempSync(join(tmpdir(), 'beatbook-killable-'))) {
  const child = spawn('/usr/bin/chromium', [
    ...chromiumArgs, '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank',
  ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const wsUrl = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`chromium did not start: ${stderr}`)), 20_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`chromium exited ${code}: ${stderr}`)); });
  });
  const browser = await chromium.connectOverCDP(wsUrl);
  const context = browser.contexts()[0];
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    userDataDir,
    browser,
    context,
    /** A page the size of a phone. */
    async newPage() {
      const page = await context.newPage();
      await page.setViewportSize(phone.viewport);
      return page;
    },
    /** SIGKILL of the whole process group, with no warning to the browser. */
    async kill() {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await exited;
      await browser.close().catch(() => {});
    },
    async close({ keepProfile = false } = {}) {
      await this.kill();
      if (!keepProfile) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Everything the app keeps on the device: local storage and every
 * IndexedDB store, as one JSON text. */
export async function dumpStorage(page) {
  return page.evaluate(async () => {
    const out = { localStorage: { ...localStorage }, idb: {} };
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('beatbook');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    for (const name of db.objectStoreNames) {
      out.idb[name] = await new Promise((ok, fail) => {
        const tx = db.transaction(name, 'readonly');
        const keys = tx.objectStore(name).getAllKeys();
        const values = tx.objectStore(name).getAll();
        tx.oncomplete = () => ok(Object.fromEntries(keys.result.map((k, i) => [k, values.result[i]])));
        tx.onerror = () => fail(tx.error);
      });
    }
    db.close();
    return JSON.stringify(out);
  });
}

/**
 * Each record type, filled and saved from the shift screen (a shift and a
 * running patrol already started). `toast` is what the app says once it is
 * on disk; `summary` finds it in the timeline.
 */
export const recordFillers = [
  {
    kind: 'Note', toast: 'Saved', summary: /Crash note/,
    async fill(page) {
      await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
      await page.getByLabel('Kind').selectOption({ label: 'Community engagement' });
      await page.getByLabel('Note (required)').fill('Crash note by the library');
    },
  },
  {
    kind: 'Stop and search', toast: 'Saved', summary: /Controlled drugs/,
    async fill(page) {
      await page.getByRole('button', { name: 'Stop and search', exact: true }).click();
      await page.getByLabel('Place first detained').fill('Market Square, by the fountain');
      await page.getByLabel('Self-defined ethnicity').selectOption('W1');
      await page.getByLabel('Object of search').selectOption({ label: 'Controlled drugs' });
      await page.getByLabel('Legal power').selectOption({ label: 's23 Misuse of Drugs Act 1971' });
      await page.getByLabel('Grounds for the search').fill('Strong smell of cannabis, seen passing a package');
      await page.getByLabel('Outcome (required)').selectOption({ label: 'No further action' });
      await page.getByRole('group', { name: /Outcome linked to the object/ }).getByLabel('No').check();
      await page.getByRole('group', { name: /injury or damage/ }).getByLabel('No').check();
    },
  },
  {
    kind: 'Arrest', toast: 'Saved', summary: /Criminal damage/,
    async fill(page) {
      await page.getByRole('button', { name: 'Arrest', exact: true }).click();
      await page.getByLabel('Offence (required)').fill('Criminal damage');
      await page.getByLabel('Place of arrest').fill('Market Square');
      await page.getByLabel('Grounds for suspicion').fill('Seen kicking the bus shelter glass');
      await page.getByLabel('To allow prompt and effective investigation').check();
      await page.getByLabel('Why, for a prompt investigation').fill('CCTV to be seized before it is overwritten');
      const now = await page.evaluate(() => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16));
      await page.getByLabel('Caution given at').fill(now);
      await page.getByLabel('Custody suite').fill('Central custody');
    },
  },
  {
    kind: 'ASB intervention', toast: 'Saved', summary: /Bus station/,
    async fill(page) {
      await page.getByRole('button', { name: 'ASB intervention', exact: true }).click();
      await page.getByLabel('Power or tool used').selectOption({ label: 's35 dispersal direction' });
      await page.getByLabel('Number of persons').fill('4');
      await page.getByLabel('Place (required)').fill('Bus station');
      await page.getByLabel('Dispersal area').fill('Town centre zone A');
      await page.getByLabel('Period (hours, up to 48)').fill('24');
      await page.getByLabel('Authorising inspector').fill('Insp 1102 Khan');
      await page.getByLabel('Terms of the direction').fill('Leave the area and do not return for 24 hours');
      await page.getByLabel('Who was directed').fill('Four teenagers by the shelter, two in red jackets');
    },
  },
  {
    kind: 'Stop and account', toast: 'Saved', summary: /closed shop/,
    async fill(page) {
      await page.getByRole('button', { name: 'Stop and account', exact: true }).click();
      await page.getByLabel(/^Place/).fill('Market Street');
      await page.getByLabel(/Asked to account for/).fill('Seen leaving the closed shop at 02:00');
    },
  },
  {
    kind: 'Immediate Justice referral', toast: 'Saved', summary: /Ref JX-2231/,
    async fill(page) {
      await page.getByRole('button', { name: 'Immediate Justice referral', exact: true }).click();
      await page.getByLabel('Person referred').fill('Ref JX-2231');
      await page.getByLabel('Disposal it followed').selectOption({ label: 'Community resolution' });
      const today = await page.evaluate(() => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10));
      await page.getByLabel('Referral date').fill(today);
      await page.getByRole('group', { name: 'Victim consulted?' }).getByLabel('Yes').check();
      await page.getByLabel('Hours ordered').fill('6');
    },
  },
];
