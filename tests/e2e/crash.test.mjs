// Issue 13: "Saved" means on disk. Each record type is saved offline, the
// whole browser is SIGKILLed the moment "Saved" shows (a crash, a phone's
// low-memory killer, a flat battery), Chromium is started again on the same
// profile with the network still off, and after unlock the entry is there,
// not synced; when the network returns everything reaches the server once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchKillableBrowser, createUser, signInAndSetPin, unlock, serverStats, recordFillers,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** Opens the app offline on a freshly started browser and unlocks it. */
async function reopenOffline(userDataDir) {
  const phone = await launchKillableBrowser(userDataDir);
  const page = await phone.newPage();
  await phone.context.setOffline(true);
  await page.goto(server.url);
  try {
    await unlock(page);
  } catch (e) {
    throw new Error(`${e.message}\nthe page said: ${await page.locator('body').innerText().catch(() => '?')}`);
  }
  return { phone, page };
}

test('every record type saved offline survives the whole browser killed at once, then syncs exactly once', async () => {
  const user = createUser(server.dbPath, { officerId: 'K100' });
  let phone = await launchKillableBrowser();
  const profile = phone.userDataDir;
  try {
    let page = await phone.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await phone.context.setOffline(true);

    // A shift, killed the moment it is started.
    await page.getByLabel('Patrolling as').selectOption({ label: 'PCSO' });
    await page.getByLabel('Callsign').fill('KX1');
    await page.getByLabel('Team').fill('North');
    await page.getByRole('button', { name: 'Start shift' }).click();
    await page.getByText('Shift started', { exact: true }).waitFor();
    await phone.kill();
    ({ phone, page } = await reopenOffline(profile));
    await page.getByRole('heading', { name: 'On shift' }).waitFor();

    // A patrol, the same way.
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await page.getByLabel(/^Location/).fill('Park Road shops');
    await page.getByLabel('Mode').selectOption({ label: 'Foot' });
    await page.getByRole('button', { name: 'Start patrol' }).click();
    await page.getByText('Patrol started', { exact: true }).waitFor();
    await phone.kill();
    ({ phone, page } = await reopenOffline(profile));
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();

    let saved = 2;
    for (const filler of recordFillers) {
      await filler.fill(page);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(filler.toast, { exact: true }).waitFor();
      saved += 1;
      await phone.kill();
      ({ phone, page } = await reopenOffline(profile));
      const item = page.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem').filter({ hasText: filler.summary });
      await item.waitFor({ timeout: 15_000 });
      assert.equal(await item.getByText('Not synced', { exact: true }).count(), 1, `${filler.kind} not marked unsynced`);
      await page.getByText(`${saved} changes waiting`).waitFor();
    }
    assert.deepEqual(await serverStats(server.url, user), { revisions: 0, entries: 0, conflicts: 0 });

    await phone.context.setOffline(false);
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    assert.deepEqual(await serverStats(server.url, user), { revisions: saved, entries: saved, conflicts: 0 });
    // And a resend after another kill changes nothing on the server.
    await phone.kill();
    phone = await launchKillableBrowser(profile);
    page = await phone.newPage();
    await page.goto(server.url);
    await unlock(page);
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    assert.deepEqual(await serverStats(server.url, user), { revisions: saved, entries: saved, conflicts: 0 });
  } finally {
    await phone.close();
  }
});
