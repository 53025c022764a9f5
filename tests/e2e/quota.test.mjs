// Issue 13: a phone whose storage is full. A save says so in words and keeps
// the form; answers that cannot be stored do not turn into a push loop; once
// space is freed everything syncs and the kept form saves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, addNote, serverStats,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** Fills the origin's storage (a database of its own) until the browser refuses. */
async function fillStorage(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('filler', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('x');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    let n = 0;
    for (const size of [256 * 1024, 16 * 1024, 1024]) {
      const chunk = 'f'.repeat(size) + Math.random();
      for (;;) {
        const ok = await new Promise((done) => {
          const tx = db.transaction('x', 'readwrite');
          tx.objectStore('x').put(chunk + n, n);
          tx.oncomplete = () => done(true);
          tx.onabort = () => done(false);
          tx.onerror = () => done(false);
        });
        if (!ok) break;
        n += 1;
        if (n > 100000) throw new Error('quota never reached');
      }
    }
    db.close();
    return n;
  });
}

async function freeStorage(page) {
  await page.evaluate(() => new Promise((ok, fail) => {
    const r = indexedDB.deleteDatabase('filler');
    r.onsuccess = () => ok();
    r.onerror = () => fail(r.error);
  }));
}

test('a full disk: the save is refused in words, the form kept, no push loop, recovery after freeing space', async () => {
  const user = createUser(server.dbPath, { officerId: 'Q100' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await startShiftAndPatrol(page, 'Q100');
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });

    // One entry waits (offline), then the origin's quota is made small and filled.
    await browser.context.setOffline(true);
    await addNote(page, 'Saved before the disk filled');
    const cdp = await browser.context.newCDPSession(page);
    const { usage } = await page.evaluate(() => navigator.storage.estimate());
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: Math.round(usage + 2 * 1024 * 1024) });
    assert.ok((await fillStorage(page)) > 0);

    // A save now: refused in words, the typed text still there.
    await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
    await page.getByLabel('Kind').selectOption({ label: 'Community engagement' });
    await page.getByLabel('Note (required)').fill('Typed while the disk was full');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/storage for Beatbook is full/i).first().waitFor();
    assert.equal(await page.getByLabel('Note (required)').inputValue(), 'Typed while the disk was full');

    // Online: the server's answers cannot be stored. The app backs off
    // rather than pushing the same batch again and again.
    const pushes = [];
    page.on('request', (r) => { if (r.url().endsWith('/api/v1/sync/push')) pushes.push(Date.now()); });
    await browser.context.setOffline(false);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.waitForTimeout(12_000);
    assert.ok(pushes.length >= 1 && pushes.length <= 6, `${pushes.length} pushes in 12 s`);
    await page.getByText(/could not be stored on this phone/).waitFor();

    // Space freed on the phone (the browser's allowance is a share of the
    // free disk, so it grows back): the waiting entry syncs, once, and the
    // kept form saves.
    await freeStorage(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor().catch(async (e) => {
      throw new Error(`${e.message}\n${await page.locator('body').innerText()}\n${JSON.stringify(await page.evaluate(() => navigator.storage.estimate()))}`);
    });
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    assert.deepEqual(await serverStats(server.url, user), { revisions: 4, entries: 4, conflicts: 0 });
  } finally {
    await browser.close();
  }
});
