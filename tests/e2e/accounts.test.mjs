// Issue 4, end to end: sign in, PIN, encrypted offline log that survives a
// closed app, sync, and another officer who cannot see any of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, addNote,
  apiToken, serverStats, seriousA11yViolations, PIN, dumpStorage,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });


test('sign in, set a PIN, record offline, reopen, unlock, sync; another officer sees none of it', async () => {
  const amira = createUser(server.dbPath, { officerId: 'A100', name: 'PC Amira Shah', team: 'North' });
  const ben = createUser(server.dbPath, { officerId: 'B200', name: 'PC Ben Cole', team: 'South' });
  const phoneA = await launchBrowser();
  const phoneB = await launchBrowser();
  try {
    let page = await phoneA.context.newPage();
    await page.goto(server.url);
    // A wrong password says nothing about which part was wrong.
    await page.getByLabel('Officer ID').fill('A100');
    await page.getByLabel('Password').fill('not it');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Officer ID or password not recognised').waitFor();
    await page.getByLabel('Password').fill('');
    await page.reload();
    await signInAndSetPin(page, amira);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));

    await phoneA.context.setOffline(true);
    await startShiftAndPatrol(page, 'A100');
    await addNote(page, 'Spoke to Jordan Blakemore at the bus stop');
    await page.getByText('3 changes waiting').waitFor();
    // What a finder of the phone would read: no plaintext of the entry.
    const dump = await dumpStorage(page);
    assert.ok(dump.includes('"revisions":{"'), 'no revisions in IndexedDB');
    assert.ok(!dump.includes('Blakemore') && !dump.includes('Park Road'), 'plaintext found in storage');

    // Close the app and open it again, still offline.
    await page.close();
    page = await phoneA.context.newPage();
    await page.goto(server.url);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByLabel('PIN', { exact: true }).fill('000000');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText(/Wrong PIN/).waitFor({ timeout: 15_000 });
    await unlock(page, PIN);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await page.getByText(/Spoke to Jordan Blakemore/).waitFor();

    // Sign-out is refused while anything is unsynced.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText(/Cannot sign out: 3 change\(s\) have not reached the server/).waitFor();

    await phoneA.context.setOffline(false);
    await page.getByText(/All synced at/).waitFor({ timeout: 30_000 });
    assert.deepEqual(await serverStats(server.url, amira), { revisions: 3, entries: 3, conflicts: 0 });

    // Another officer on another phone: their own empty log, and the server
    // refuses them Amira's entries.
    const pageB = await phoneB.context.newPage();
    await pageB.goto(server.url);
    await signInAndSetPin(pageB, ben);
    assert.equal(await pageB.getByText(/Blakemore|Park Road/).count(), 0);
    const tokenB = await apiToken(server.url, ben, 'phone-b-api');
    const refused = await fetch(`${server.url}/api/v1/revisions?officer_id=A100`, { headers: { authorization: `Bearer ${tokenB}` } });
    assert.equal(refused.status, 403);
    assert.ok(!(await refused.text()).includes('Blakemore'));
    const own = await (await fetch(`${server.url}/api/v1/revisions`, { headers: { authorization: `Bearer ${tokenB}` } })).json();
    assert.equal(own.revisions.length, 0);

    // Lock on demand, then sign out now that everything is synced: local copies go.
    await page.getByRole('button', { name: 'Lock now' }).click();
    await unlock(page);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
    const left = JSON.parse(await dumpStorage(page));
    assert.deepEqual(Object.keys(left.idb.revisions), []);
    assert.deepEqual(Object.keys(left.idb.answers), []);
    // The device's own ID and its chain's head stay (they are the device's,
    // not the officer's: ARCHITECTURE.md, "Device chain").
    assert.deepEqual(Object.keys(left.idb.meta).sort(), ['bb:device', 'chain']);
    assert.match(left.idb.meta.chain, /^[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(left.localStorage).filter((k) => k.startsWith('bb:rev:') || k === 'bb:session' || k === 'bb:vault'), []);
  } finally {
    await phoneA.close();
    await phoneB.close();
  }
});
