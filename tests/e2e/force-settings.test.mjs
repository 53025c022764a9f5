// Issue 11: the force's settings reach the phone and hold offline. An admin
// sets a one-minute lock and switches stop and account off; the officer's
// app, after one sync, no longer offers stop and account, even reloaded
// with no signal, and locks after a minute idle rather than ten.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, serverBinary,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('an admin\'s settings are followed by the officer\'s app, offline too', async () => {
  const user = createUser(server.dbPath, { officerId: 'F100' });
  const set = spawnSync(serverBinary, ['force', 'set', '--db', server.dbPath,
    '--lock-minutes', '1', '--stop-and-account', 'off'], { encoding: 'utf8' });
  assert.equal(set.status, 0, set.stderr);

  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await signInAndSetPin(page, user);
    await startShiftAndPatrol(page, 'F100');
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 30_000 });
    // Heard and kept for offline use.
    await page.waitForFunction(() => localStorage.getItem('bb:force') !== null, null, { timeout: 30_000 });

    await browser.context.setOffline(true);
    await page.reload();
    await unlock(page);
    await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await page.getByRole('button', { name: 'Stop and search', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stop and account', exact: true }).count(), 0);

    // Two minutes idle: past the force's one minute, short of the default ten.
    await page.clock.setSystemTime(new Date(Date.now() + 2 * 60 * 1000));
    await page.getByRole('heading', { name: 'Beatbook is locked' }).waitFor({ timeout: 30_000 });
  } finally {
    await browser.close();
  }
});
