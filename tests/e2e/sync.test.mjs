// Issue 3, end to end: entries recorded offline reach the server exactly
// once when the connection returns, whatever the network does meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, startShiftAndPatrol, addNote, serverStats, createUser, signInAndSetPin, unlock } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const PUSH = '**/api/v1/sync/push';

async function waitAllSynced(page, timeout = 60_000) {
  await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout });
}

/** Signs in online, then records a shift, a patrol and `notes` notes
 * offline: 2 + notes revisions. Returns the user. */
async function recordOffline(browser, page, officerId, notes) {
  const user = createUser(server.dbPath, { officerId });
  await page.goto(server.url);
  await signInAndSetPin(page, user);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await browser.context.setOffline(true);
  await startShiftAndPatrol(page, officerId);
  for (let i = 1; i <= notes; i++) await addNote(page, `Note ${i} from ${officerId}`);
  await page.getByText(`${2 + notes} changes waiting`).waitFor();
  assert.deepEqual(await serverStats(server.url, user), { revisions: 0, entries: 0, conflicts: 0 });
  return user;
}

test('entries recorded offline all reach the server once and turn synced', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const user = await recordOffline(browser, page, 'S100', 3);
    const items = page.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem');
    assert.equal(await items.filter({ hasText: 'Not synced' }).count(), 4);

    await browser.context.setOffline(false);
    await waitAllSynced(page);
    // The badge itself: "Not synced" also contains the word.
    assert.equal(await items.filter({ has: page.getByText('Synced', { exact: true }) }).count(), 4);
    assert.equal(await items.filter({ hasText: 'Not synced' }).count(), 0);
    assert.deepEqual(await serverStats(server.url, user), { revisions: 5, entries: 5, conflicts: 0 });

    // A correction made online goes straight away, as one more revision.
    await items.filter({ hasText: 'Note 2 from S100' }).getByRole('button').click();
    await page.getByRole('button', { name: 'Correct this entry' }).click();
    await page.getByLabel('Note (required)').fill('Note 2, corrected');
    await page.getByLabel('Reason for correction').fill('Typo');
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.getByText('Synced', { exact: true }).waitFor();
    await waitAllSynced(page);
    assert.deepEqual(await serverStats(server.url, user), { revisions: 6, entries: 5, conflicts: 0 });
  } finally {
    await browser.close();
  }
});

test('a server error and a response lost after commit are retried without duplicates', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const user = await recordOffline(browser, page, 'S200', 4);
    let calls = 0;
    await page.route(PUSH, async (route) => {
      calls += 1;
      if (calls === 1) return route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal","message":"boom"}' });
      if (calls === 2) {
        // The server stores the batch, then the answer never arrives.
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await browser.context.setOffline(false);
    await page.getByText(/Sync failed: The server had a problem \(500\)/).waitFor({ timeout: 15_000 });
    await waitAllSynced(page);
    assert.ok(calls >= 3, `expected retries, saw ${calls} pushes`);
    assert.deepEqual(await serverStats(server.url, user), { revisions: 6, entries: 6, conflicts: 0 });
  } finally {
    await browser.close();
  }
});

test('a hanging server times out, and the app backs off and succeeds', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const user = await recordOffline(browser, page, 'S300', 1);
    let calls = 0;
    await page.route(PUSH, async (route) => {
      calls += 1;
      if (calls === 1) return; // never answered: the app must give up on it
      return route.continue();
    });
    await browser.context.setOffline(false);
    await page.getByText(/Sync failed: The server took too long to answer/).waitFor({ timeout: 45_000 });
    await waitAllSynced(page);
    assert.deepEqual(await serverStats(server.url, user), { revisions: 3, entries: 3, conflicts: 0 });
  } finally {
    await browser.close();
  }
});

test('a tab closed mid-sync resumes from its outbox on the next start', async () => {
  const browser = await launchBrowser();
  try {
    let page = await browser.context.newPage();
    const user = await recordOffline(browser, page, 'S400', 3);
    let reached;
    const committed = new Promise((ok) => { reached = ok; });
    await page.route(PUSH, async (route) => {
      // The server commits; the tab is gone before the answer arrives.
      await route.fetch();
      reached();
    });
    await browser.context.setOffline(false);
    await committed;
    await page.close();
    assert.deepEqual(await serverStats(server.url, user), { revisions: 5, entries: 5, conflicts: 0 });

    page = await browser.context.newPage();
    await page.goto(server.url);
    await unlock(page);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await waitAllSynced(page);
    const items = page.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem');
    assert.equal(await items.filter({ hasText: 'Not synced' }).count(), 0);
    assert.deepEqual(await serverStats(server.url, user), { revisions: 5, entries: 5, conflicts: 0 });
  } finally {
    await browser.close();
  }
});
