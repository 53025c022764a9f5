// Benchmark (not a test): offline reload to a usable screen, median of 10,
// in headless Chromium with the network off. Run by
// scripts/bench-offline-load.sh. Since the log is encrypted, the first usable
// screen after a reload is the lock screen; the time to unlock (PBKDF2 with
// 600,000 iterations, then decrypting the log) is measured too.
import { startServer, launchBrowser, createUser, signInAndSetPin, PIN } from './harness.mjs';

const runs = Number(process.env.RUNS || 10);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
const server = await startServer();
const browser = await launchBrowser();
try {
  const user = createUser(server.dbPath, { officerId: 'BENCH1' });
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await signInAndSetPin(page, user);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await browser.context.setOffline(true);
  const toLock = [];
  const toUnlocked = [];
  for (let i = 0; i < runs; i++) {
    const start = Date.now();
    await page.reload({ waitUntil: 'commit' });
    // Usable: the PIN field is drawn and can take input.
    const pin = page.getByLabel('PIN', { exact: true });
    await pin.waitFor({ state: 'visible' });
    toLock.push(Date.now() - start);
    const unlockStart = Date.now();
    await pin.fill(PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByLabel('Patrolling as').waitFor({ state: 'visible' });
    toUnlocked.push(Date.now() - unlockStart);
  }
  console.log(`offline_reload_to_lock_screen_ms runs=${runs} median=${median(toLock)} all=${toLock.join(',')}`);
  console.log(`unlock_to_start_shift_ms runs=${runs} median=${median(toUnlocked)} all=${toUnlocked.join(',')}`);
} finally {
  await browser.close();
  await server.stop();
}
