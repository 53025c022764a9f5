// Issue 13: two tabs of one profile share one log. Entries saved in either
// show in both at once, every entry reaches the server exactly once, and
// sign-out in one tab is refused while the other holds an unsynced entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, addNote, serverStats,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const timeline = (page) => page.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem');

test('two tabs offline: both see every entry, sign-out waits for the other tab, all sync exactly once', async () => {
  const user = createUser(server.dbPath, { officerId: 'T100' });
  const browser = await launchBrowser();
  try {
    const a = await browser.context.newPage();
    await a.goto(server.url);
    await signInAndSetPin(a, user);
    await a.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await startShiftAndPatrol(a, 'T100');
    await a.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });

    const b = await browser.context.newPage();
    await b.goto(server.url);
    await unlock(b);
    await b.getByRole('heading', { name: 'Patrol running' }).waitFor();

    await browser.context.setOffline(true);
    await addNote(a, 'Saved in tab A');
    await addNote(b, 'Saved in tab B');
    // Each tab shows the other's entry without a reload.
    await timeline(a).filter({ hasText: 'Saved in tab B' }).waitFor({ timeout: 10_000 });
    await timeline(b).filter({ hasText: 'Saved in tab A' }).waitFor({ timeout: 10_000 });

    // Sign-out counts what is in storage, not what this tab has seen.
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.getByText(/Cannot sign out: 2 change\(s\) have not reached the server/).waitFor();

    await browser.context.setOffline(false);
    await a.getByRole('button', { name: 'Sync now' }).click();
    for (const page of [a, b]) {
      await page.getByText(/All synced at \d\d:\d\d|Nothing waiting/).waitFor({ timeout: 60_000 });
      await timeline(page).filter({ hasText: 'Saved in tab A' }).filter({ has: page.getByText('Synced', { exact: true }) }).waitFor({ timeout: 30_000 });
      await timeline(page).filter({ hasText: 'Saved in tab B' }).filter({ has: page.getByText('Synced', { exact: true }) }).waitFor({ timeout: 30_000 });
    }
    assert.deepEqual(await serverStats(server.url, user), { revisions: 4, entries: 4, conflicts: 0 });

    // Now that the server holds everything, sign-out in one tab signs out both.
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
    await b.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await serverStats(server.url, user), { revisions: 4, entries: 4, conflicts: 0 });
  } finally {
    await browser.close();
  }
});
