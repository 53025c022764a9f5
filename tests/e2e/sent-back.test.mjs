// The officer's side of a review, end to end: a shift the supervisor sends back
// shows on the phone with its state and the comment word for word; a failed
// fetch of the reviews never gets in the way of recording; approval clears it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, addNote,
  apiToken, seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** A supervisor's decision on the officer's only shift, through the API. */
async function review(supervisor, officerId, state, comment) {
  const token = await apiToken(server.url, supervisor, 'desk-' + supervisor.officerId);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const list = await fetch(`${server.url}/api/v1/shifts?officer_id=${officerId}`, { headers });
  assert.equal(list.status, 200);
  const [shift] = (await list.json()).shifts;
  const res = await fetch(`${server.url}/api/v1/shifts/${shift.shift_id}/review`, {
    method: 'POST', headers, body: JSON.stringify({ state, comment }),
  });
  assert.equal(res.status, 201, await res.text());
  return shift;
}

test('a rejected shift shows on the phone with the comment as written, until approved', async () => {
  const officer = createUser(server.dbPath, { officerId: 'PC3001', team: 'East' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT301', role: 'supervisor', team: 'East' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 800 });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, officer);
    await startShiftAndPatrol(page, 'PC3001');
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    const comment = 'Wrong callsign.\nIt was Echo 3, not PC-PC3001: correct the shift.';
    const shift = await review(sarge, 'PC3001', 'rejected', comment);

    // A failing review fetch after unlocking: recording carries on, nothing is shown.
    const shiftList = (url) => url.pathname === '/api/v1/shifts';
    let refused = 0;
    await page.route(shiftList, (route) => { refused += 1; return route.fulfill({ status: 500, body: '{}' }); });
    await page.reload();
    await unlock(page);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await addNote(page, 'Checked the bus shelter');
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    for (let i = 0; i < 50 && refused === 0; i++) await page.waitForTimeout(100);
    assert.ok(refused > 0, 'the app asked for its sent-back shifts');
    const sentBack = page.getByRole('region', { name: 'Sent back by your supervisor' });
    assert.equal(await sentBack.count(), 0);

    // With the server answering, the next unlock shows it.
    await page.unroute(shiftList);
    await page.reload();
    await unlock(page);
    await sentBack.waitFor({ timeout: 30_000 });
    const item = sentBack.getByRole('listitem');
    await item.getByText('Rejected', { exact: true }).waitFor();
    await item.getByRole('heading', { name: new RegExp(`PC-PC3001 · ${shift.reference}$`) }).waitFor();
    assert.equal(await item.locator('blockquote').innerText(), comment);
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));

    // The shift's own screen says it too, with what to do.
    await item.getByRole('button', { name: 'Open shift' }).click();
    await page.getByRole('heading', { name: /^Shift / }).waitFor();
    await page.getByRole('region', { name: 'Sent back by your supervisor' }).getByText('Rejected', { exact: true }).waitFor();
    await page.getByText('Open an entry below and choose “Correct this entry”.').waitFor();

    // Approved: gone at the next fetch.
    await review(sarge, 'PC3001', 'approved', '');
    const asked = page.waitForResponse((r) => r.url().includes('/api/v1/shifts?') && r.ok(), { timeout: 60_000 });
    await page.reload();
    await unlock(page);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await asked;
    await page.waitForTimeout(500);
    assert.equal(await sentBack.count(), 0);
    assert.deepEqual(errors.filter((e) => !e.includes('500')), []);
  } finally {
    await browser.close();
  }
});
