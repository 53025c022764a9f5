// A new version never takes over by itself: the app offers "Update now" and
// switches only when the officer taps it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, distDir } from './harness.mjs';

let server;
let dist;
before(async () => {
  // A copy of the build that the test can "deploy" a new version into.
  dist = mkdtempSync(join(tmpdir(), 'beatbook-dist-'));
  cpSync(distDir, dist, { recursive: true });
  server = await startServer({ dist });
});
after(async () => {
  await server?.stop();
  rmSync(dist, { recursive: true, force: true });
});

const swVersion = (page) => page.evaluate(() => new Promise((ok) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => ok(e.data.version);
  navigator.serviceWorker.controller.postMessage({ type: 'GET_VERSION' }, [channel.port2]);
}));

test('a new version waits for the officer to tap "Update now"', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
    const before = await swVersion(page);

    // Deploy: the service worker script changes (as every new build's does).
    const swPath = join(dist, 'sw.js');
    const sw = readFileSync(swPath, 'utf8');
    assert.ok(sw.includes(`"version": "${before}"`), 'sw.js carries its build version');
    writeFileSync(swPath, sw.replace(`"version": "${before}"`, `"version": "${before}-next"`));

    // Something typed must survive the new version arriving.
    await page.getByLabel('Officer ID').fill('PC-typing');
    // Ask for an update check until the new version is noticed: a check the
    // page itself started just before the deploy (on load, on becoming
    // visible) can still be in flight, and update() then joins it and reads
    // the old sw.js.
    const updateNow = page.getByRole('button', { name: 'Update now' });
    for (let i = 0; i < 30 && !(await updateNow.isVisible()); i++) {
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
      await updateNow.waitFor({ timeout: 2_000 }).catch(() => {});
    }
    await updateNow.waitFor({ timeout: 5_000 });
    assert.equal(await page.getByLabel('Officer ID').inputValue(), 'PC-typing', 'the page was not reloaded');
    assert.equal(await swVersion(page), before, 'the old version still serves this page');

    await Promise.all([
      page.waitForEvent('load', { timeout: 15_000 }),
      page.getByRole('button', { name: 'Update now' }).click(),
    ]);
    await page.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    assert.equal(await swVersion(page), `${before}-next`);
  } finally {
    await browser.close();
  }
});
