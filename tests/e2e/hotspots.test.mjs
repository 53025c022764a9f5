// Issue 11 item 3: hotspots as managed data. An admin lists the force's
// hotspots; after one sync the officer's phone holds the list and, with no
// signal, offers it when a patrol starts: the nearest first (the phone is in
// the market square), searchable by typing, and "Other location" for a place
// that is not a hotspot (which then asks where). The server holds the
// hotspot's ID, and the return counts the patrol as that hotspot's time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, serverBinary, apiToken,
  seriousA11yViolations,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function hotspot(args) {
  const run = spawnSync(serverBinary, ['force', 'hotspot', '--db', server.dbPath, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

test('an officer picks the nearest hotspot offline; the return counts it by its ID', async () => {
  hotspot(['--id', 'bus-station', '--name', 'Bus Station', '--area', 'Town centre',
    '--centre', '52.6400,-1.1350', '--radius-m', '100']);
  hotspot(['--id', 'market-square', '--name', 'Market Square', '--area', 'Town centre',
    '--centre', '52.6369,-1.1398', '--radius-m', '200']);
  hotspot(['--id', 'riverside', '--name', 'Riverside Park', '--area', 'West']);
  const user = createUser(server.dbPath, { officerId: 'H100' });
  const browser = await launchBrowser();
  try {
    await browser.context.grantPermissions(['geolocation']);
    await browser.context.setGeolocation({ latitude: 52.6370, longitude: -1.1399, accuracy: 10 });
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await page.getByLabel('Patrolling as').selectOption({ label: 'Police officer' });
    await page.getByLabel('Callsign').fill('H1');
    await page.getByLabel('Team').fill('North');
    await page.getByRole('button', { name: 'Start shift' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => (localStorage.getItem('bb:force') ?? '').includes('market-square'),
      null, { timeout: 30_000 });

    // No signal from here on: the list is the phone's copy.
    await browser.context.setOffline(true);
    await page.getByRole('button', { name: 'Start patrol' }).click();
    const group = page.getByRole('group', { name: /Hotspot/ });
    await page.getByText(/Location found/).waitFor({ timeout: 30_000 });
    const radios = group.getByRole('radio');
    // Nearest first: standing in the market square, then the bus station,
    // then the park that has no centre; "Other location" last.
    await group.getByRole('radio', { name: /Market Square.*here/ }).waitFor();
    assert.match(await radios.nth(0).evaluate((r) => r.closest('label').textContent), /Market Square/);
    assert.match(await radios.nth(1).evaluate((r) => r.closest('label').textContent), /Bus Station.*m/);
    assert.match(await radios.nth(2).evaluate((r) => r.closest('label').textContent), /Riverside Park/);
    assert.equal(await page.getByLabel(/^Location/).isVisible(), false);
    assert.deepEqual(await seriousA11yViolations(page), []);

    // Nothing picked: the form says so rather than saving a patrol nowhere.
    await page.getByLabel('Mode').selectOption({ label: 'Foot' });
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await page.getByText('Choose a hotspot, or Other location').waitFor();

    // Searching narrows the list.
    await page.getByLabel('Find a hotspot').fill('river');
    await group.getByRole('radio', { name: /Riverside Park/ }).waitFor();
    assert.equal(await group.getByRole('radio', { name: /Bus Station/ }).count(), 0);
    await page.getByLabel('Find a hotspot').fill('');
    await group.getByRole('radio', { name: /Market Square/ }).check();
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await page.getByText(/Market Square/).first().waitFor();
    await page.getByRole('button', { name: 'End patrol' }).click();

    // Somewhere that is not a hotspot: it asks where.
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await group.getByRole('radio', { name: /Other location/ }).check();
    await page.getByLabel(/^Location/).fill('Car park');
    await page.getByLabel('Mode').selectOption({ label: 'Foot' });
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await page.getByRole('button', { name: 'End patrol' }).click();

    await browser.context.setOffline(false);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
  } finally {
    await browser.close();
  }

  const token = await apiToken(server.url, user, 'check-H100');
  const { revisions } = await (await fetch(`${server.url}/api/v1/revisions`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  const patrols = revisions.filter((r) => r.kind === 'patrol' && r.seq === 1)
    .map((r) => r.revision.record.patrol);
  assert.deepEqual(patrols.map((p) => [p.hotspot ?? null, p.area]),
    [['market-square', 'Market Square'], [null, 'Car park']]);

  const sup = createUser(server.dbPath, { officerId: 'H900', role: 'supervisor' });
  const supToken = await apiToken(server.url, sup, 'check-H900');
  // The force's day (Europe/London), as the return counts it.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  const ret = await (await fetch(`${server.url}/api/v1/return?from=${today}&to=${today}`, {
    headers: { authorization: `Bearer ${supToken}` },
  })).json();
  assert.equal(ret.by_hotspot['market-square'].patrols, 1);
  assert.equal(ret.hotspots['market-square'].name, 'Market Square');
  assert.equal(ret.by_area['Car park'].patrols, 1);
  assert.equal(ret.in_hotspots.patrols + ret.outside_hotspots.patrols, ret.totals.patrols);
});
