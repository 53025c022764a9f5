// Issue 11: the phone in Europe/London. A time typed for another season is
// stored with that season's offset (not today's); a time in the hour the
// clocks went back is refused until the officer says which one, and a time
// the clocks skipped is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, apiToken,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

async function noteAt(page, text, time) {
  await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
  await page.getByLabel('Kind').selectOption({ label: 'Community engagement' });
  await page.getByLabel('Note (required)').fill(text);
  await page.getByLabel('Time (required)').fill(time);
  await page.getByRole('button', { name: 'Save' }).click();
}

test('times typed in London are stored with the offset of their own moment, and the doubled hour asks which', async () => {
  const user = createUser(server.dbPath, { officerId: 'L100' });
  const browser = await launchBrowser({ timezoneId: 'Europe/London' });
  try {
    const page = await browser.context.newPage();
    // Winter on the phone's calendar: summer times must still be BST.
    await page.clock.setSystemTime(new Date('2026-12-01T12:00:00Z'));
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await startShiftAndPatrol(page, 'L100');

    await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
    // The "which one" question is not there until a time needs it.
    await page.getByLabel('Time (required)').waitFor();
    assert.equal(await page.getByRole('radio', { name: /clocks went back/ }).count(), 0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await noteAt(page, 'Summer, typed in winter', '2026-07-15T10:00');
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();

    // 01:30 on 25 October 2026 happened twice.
    await noteAt(page, 'In the doubled hour', '2026-10-25T01:30');
    await page.getByText('That time happened twice (the clocks went back): choose which').waitFor();
    await page.getByRole('radio', { name: 'The second, after the clocks went back' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();

    // 01:30 on 29 March 2026 never happened.
    await noteAt(page, 'In the skipped hour', '2026-03-29T01:30');
    await page.getByText('That time did not happen: the clocks went forward an hour then').waitFor();
    await page.getByLabel('Time (required)').fill('2026-03-29T02:30');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();

    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    const token = await apiToken(server.url, user, 'check-L100');
    const { revisions } = await (await fetch(`${server.url}/api/v1/revisions`, {
      headers: { authorization: `Bearer ${token}` },
    })).json();
    const at = (note) => revisions.find((r) => r.revision.record.note?.text === note)?.revision.occurred_at;
    assert.match(at('Summer, typed in winter') ?? '', /^2026-07-15T09:00:00(\.0+)?Z$/);
    assert.match(at('In the doubled hour') ?? '', /^2026-10-25T01:30:00(\.0+)?Z$/);
    assert.match(at('In the skipped hour') ?? '', /^2026-03-29T01:30:00(\.0+)?Z$/);
  } finally {
    await browser.close();
  }
});
