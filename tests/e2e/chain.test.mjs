// Issue 9, item 9: the server can tell when a phone lost something. Three
// entries saved offline, the middle one gone from the phone's storage before
// it synced: the supervisor's shift record says entries from this phone are
// missing, from the save before to the save after (in the force's time,
// Europe/London); a shift whose saves all arrived says nothing of the kind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, addNote,
  apiToken, seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** The keys of one IndexedDB store of the app. */
async function keysOf(page, store) {
  return page.evaluate(async (name) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('beatbook');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const keys = await new Promise((ok, fail) => {
      const tx = db.transaction(name, 'readonly');
      const req = tx.objectStore(name).getAllKeys();
      tx.oncomplete = () => ok(req.result);
      tx.onerror = () => fail(tx.error);
    });
    db.close();
    return keys;
  }, store);
}

/** Deletes one revision from the phone's storage, as a fault or a hand would. */
async function deleteRevision(page, id) {
  await page.evaluate(async (key) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('beatbook');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    await new Promise((ok, fail) => {
      const tx = db.transaction('revisions', 'readwrite');
      tx.objectStore('revisions').delete(key);
      tx.oncomplete = ok;
      tx.onerror = () => fail(tx.error);
    });
    db.close();
  }, id);
}

/** Saves a note and returns its revision ID (the key it added). */
async function noteAndItsKey(page, text) {
  const before = new Set(await keysOf(page, 'revisions'));
  await addNote(page, text);
  const added = (await keysOf(page, 'revisions')).filter((k) => !before.has(k));
  assert.equal(added.length, 1, JSON.stringify(added));
  return added[0];
}

const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

async function getJson(url, token) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, url);
  return res.json();
}

test('a save deleted from the phone before sync shows on the supervisor\'s record as missing between two times', async () => {
  const officer = createUser(server.dbPath, { officerId: 'PC3001', name: 'PC Ana Silva', team: 'East' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT301', name: 'Sgt Bo Reid', role: 'supervisor', team: 'East' });
  const phone = await launchBrowser();
  const desk = await launchBrowser({ desktop: true });
  try {
    const p = await phone.context.newPage();
    await p.goto(server.url);
    await signInAndSetPin(p, officer);
    await p.evaluate(async () => (await navigator.serviceWorker.ready).active.state);
    await startShiftAndPatrol(p, 'PC3001');
    await p.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // Offline: three notes, the middle one then gone from IndexedDB.
    await phone.context.setOffline(true);
    const first = await noteAndItsKey(p, 'Chain note one');
    const second = await noteAndItsKey(p, 'Chain note two');
    const third = await noteAndItsKey(p, 'Chain note three');
    assert.equal(new Set([first, second, third]).size, 3);
    await deleteRevision(p, second);
    // The app reads its log from storage again (as after the phone restarted).
    await p.reload();
    await unlock(p);
    await p.getByRole('heading', { name: 'Patrol running' }).waitFor({ timeout: 15_000 });
    assert.equal(await p.getByText('Chain note two').count(), 0);
    await phone.context.setOffline(false);
    await p.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // A second shift, every save of it synced.
    p.on('dialog', (d) => d.accept());
    await p.getByRole('button', { name: 'End shift' }).click();
    await p.getByRole('heading', { name: 'Start shift' }).waitFor();
    await startShiftAndPatrol(p, 'PC3001');
    await addNote(p, 'Chain note of an intact shift');
    await p.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // What the server holds: the two shifts, and when notes one and three were saved.
    const token = await apiToken(server.url, sarge, 'sup-api');
    const list = await getJson(`${server.url}/api/v1/shifts?officer_id=PC3001`, token);
    assert.equal(list.shifts.length, 2, JSON.stringify(list));
    const details = await Promise.all(list.shifts.map((s) => getJson(`${server.url}/api/v1/shifts/${s.shift_id}`, token)));
    const broken = details.find((d) => d.revisions.some((r) => r.id === first));
    const intact = details.find((d) => d !== broken);
    assert.ok(broken && intact);
    assert.ok(!broken.revisions.some((r) => r.id === second), 'the deleted save never reached the server');
    const savedAt = (id) => london.format(new Date(broken.revisions.find((r) => r.id === id).captured_at));
    const words = `Entries from this phone are missing between ${savedAt(first)} and ${savedAt(third)}`;

    // The supervisor's screen.
    const page = await desk.context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, sarge);
    await page.getByRole('button', { name: 'Review shifts and programme return' }).click();
    await page.getByRole('table', { name: /Shifts/ }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: `Open shift ${broken.reference}` }).click();
    await page.getByRole('heading', { name: `Shift ${broken.reference}` }).waitFor();
    const section = page.getByRole('region', { name: "Entries missing from the phone's record" });
    await section.getByRole('alert').filter({ hasText: words }).waitFor();
    assert.equal(await section.getByRole('alert').count(), 1);
    await page.getByText('Chain note three').first().waitFor();
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));

    await page.getByRole('button', { name: 'Back to shifts' }).click();
    await page.getByRole('button', { name: `Open shift ${intact.reference}` }).click();
    await page.getByRole('heading', { name: `Shift ${intact.reference}` }).waitFor();
    await page.getByText('Chain note of an intact shift').first().waitFor();
    assert.equal(await page.getByRole('region', { name: "Entries missing from the phone's record" }).count(), 0);
    assert.equal(await page.getByText(/missing between/).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await Promise.all([phone.close(), desk.close()]);
  }
});
