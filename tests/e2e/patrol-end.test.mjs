// Issue 11 item 5: a forgotten "End patrol" can be put right. A correction of
// an ended patrol shows its end time (a running patrol's correction does not),
// refuses an end before the start, and what the officer types is what the
// server holds, with the change in the entry's history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, apiToken,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('an officer corrects the end of a patrol ended late; the server holds the corrected end', async () => {
  const user = createUser(server.dbPath, { officerId: 'E100' });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await startShiftAndPatrol(page, 'E100');
    // The patrol is still running: its correction has no end time to put right.
    await page.getByRole('button', { name: /Patrol ·/ }).click();
    await page.getByRole('button', { name: 'Correct this entry' }).click();
    await page.getByLabel('Time (required)').waitFor();
    assert.equal(await page.getByLabel(/^Ended/).isVisible(), false);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Back' }).click();

    await page.getByRole('button', { name: 'End patrol' }).click();
    await page.getByRole('button', { name: 'Start patrol' }).waitFor();
    await page.getByRole('button', { name: /Patrol ·/ }).click();
    await page.getByRole('button', { name: 'Correct this entry' }).click();
    const start = await page.getByLabel('Time (required)').inputValue();
    const ended = page.getByLabel('Ended (required)');
    assert.match(await ended.inputValue(), /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);

    // An end a day before the start is refused at the field, at once.
    const dayBefore = new Date(Date.parse(start + ':00Z') - 24 * 3600 * 1000).toISOString().slice(0, 16);
    await ended.fill(dayBefore);
    await page.getByLabel('Reason for correction').fill('End tapped late');
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.getByText('Cannot end before it started').waitFor();
    assert.equal(await ended.getAttribute('aria-invalid'), 'true');

    // The patrol really ended in the minute it started.
    await ended.fill(start);
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.getByText('History (3 revisions)').click();
    await page.getByText('Corrected: End tapped late').waitFor();
    await page.getByText(/^Ended: .+ → .+$/).last().waitFor();

    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    const token = await apiToken(server.url, user, 'check-E100');
    const { revisions } = await (await fetch(`${server.url}/api/v1/revisions`, {
      headers: { authorization: `Bearer ${token}` },
    })).json();
    const patrol = revisions
      .map((r) => r.revision)
      .filter((r) => r.record.patrol)
      .sort((a, b) => b.seq - a.seq)[0];
    assert.equal(patrol.seq, 3);
    assert.equal(patrol.change.type, 'corrected');
    // The start's own minute, as typed in the phone's zone (UTC here).
    const endMinute = patrol.record.patrol.ended_at.slice(0, 16);
    assert.equal(endMinute, new Date(Date.parse(start)).toISOString().slice(0, 16));
  } finally {
    await browser.close();
  }
});
