// Issue 13, small things: the inactivity lock keeps a half-typed form, and
// a double tap on "End patrol" stores one end, not two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, serverStats,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('an inactivity lock keeps the half-typed form; a double tap on End patrol ends it once', async () => {
  const user = createUser(server.dbPath, { officerId: 'L100' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await startShiftAndPatrol(page, 'L100');

    await page.getByRole('button', { name: 'Stop and search', exact: true }).click();
    await page.getByLabel('Place first detained').fill('Market Square, by the fountain');
    await page.getByLabel('Self-defined ethnicity').selectOption('W1');
    await page.getByLabel('Object of search').selectOption({ label: 'Controlled drugs' });
    await page.getByLabel('Grounds for the search').fill('Strong smell of cannabis');
    // Eleven minutes without a touch: the app locks itself.
    await page.clock.setSystemTime(new Date(Date.now() + 11 * 60 * 1000));
    await page.getByRole('heading', { name: 'Beatbook is locked' }).waitFor({ timeout: 30_000 });
    await unlock(page);
    await page.getByRole('heading', { name: 'Stop and search' }).waitFor();
    assert.equal(await page.getByLabel('Place first detained').inputValue(), 'Market Square, by the fountain');
    assert.equal(await page.getByLabel('Grounds for the search').inputValue(), 'Strong smell of cannabis');
    assert.equal(await page.getByLabel('Self-defined ethnicity').inputValue(), 'W1');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'End patrol' }).dblclick();
    await page.getByRole('button', { name: 'Start patrol' }).waitFor();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });
    // Shift, patrol, and one end of the patrol.
    assert.deepEqual(await serverStats(server.url, user), { revisions: 3, entries: 2, conflicts: 0 });
  } finally {
    await browser.close();
  }
});
