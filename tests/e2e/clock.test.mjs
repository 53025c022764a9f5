// Issue 13: a phone whose clock is two hours fast. The app learns the
// offset from the server's answers and says so; entries saved meanwhile are
// stored, and reach the server without retyping once the clock is right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, addNote, serverStats,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const TWO_HOURS = 2 * 3600 * 1000;

test('a clock two hours fast: a warning, entries saved, and they reach the server once the clock is right', async () => {
  const user = createUser(server.dbPath, { officerId: 'C100' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.clock.setSystemTime(new Date(Date.now() + TWO_HOURS));
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await page.getByText(/This phone's clock is 1[12]\d minutes ahead of the server's/).waitFor({ timeout: 15_000 });

    // Offline, still two hours fast: the entries are saved on the phone.
    await browser.context.setOffline(true);
    await startShiftAndPatrol(page, 'C100');
    await addNote(page, 'Saved with the clock two hours out');
    await page.getByText('3 changes waiting').waitFor();

    // The clock is put right; the signal comes back: nothing to retype.
    await page.clock.setSystemTime(new Date(Date.now()));
    await browser.context.setOffline(false);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    assert.deepEqual(await serverStats(server.url, user), { revisions: 3, entries: 3, conflicts: 0 });
  } finally {
    await browser.close();
  }
});
