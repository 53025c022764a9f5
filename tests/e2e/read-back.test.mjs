// Issue 13: what the phone no longer holds (retention let it go, or a new
// phone) is read back from the server, seen and corrected as usual.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, addNote, serverStats,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('a shift the phone does not hold is read back from the server and corrected', async () => {
  const user = createUser(server.dbPath, { officerId: 'R100' });
  const oldPhone = await launchBrowser();
  const newPhone = await launchBrowser();
  try {
    const a = await oldPhone.context.newPage();
    a.on('dialog', (d) => d.accept());
    await a.goto(server.url);
    await signInAndSetPin(a, user);
    await startShiftAndPatrol(a, 'R100');
    await addNote(a, 'Note from the old phone');
    await a.getByRole('button', { name: 'End shift' }).click();
    await a.getByRole('heading', { name: 'Start shift' }).waitFor();
    await a.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });
    const before = await serverStats(server.url, user);

    const b = await newPhone.context.newPage();
    await b.goto(server.url);
    await signInAndSetPin(b, user);
    assert.equal(await b.getByText('Note from the old phone').count(), 0);
    await b.getByRole('button', { name: 'Earlier shifts on the server' }).click();
    const earlier = b.getByRole('button', { name: /\(on the server\)$/ });
    await earlier.first().waitFor();
    assert.equal(await earlier.count(), 1);
    await earlier.first().click();
    const note = b.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem').filter({ hasText: 'Note from the old phone' });
    await note.getByText('Synced', { exact: true }).waitFor();

    await note.getByRole('button').click();
    await b.getByRole('button', { name: 'Correct this entry' }).click();
    await b.getByLabel('Note (required)').fill('Note from the old phone, corrected on the new one');
    await b.getByLabel('Reason for correction').fill('Wrong street');
    await b.getByRole('button', { name: 'Save correction' }).click();
    // "All synced" may still be on screen from before the correction: wait
    // for the server to hold it instead.
    const want = { ...before, revisions: before.revisions + 1 };
    for (let i = 0; i < 60; i++) {
      if (JSON.stringify(await serverStats(server.url, user)) === JSON.stringify(want)) break;
      await b.waitForTimeout(500);
    }
    assert.deepEqual(await serverStats(server.url, user), want);
    await b.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });
  } finally {
    await oldPhone.close();
    await newPhone.close();
  }
});
