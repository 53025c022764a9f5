// Benchmark (not a test): offline reload to a usable "Start shift" screen,
// median of 10, in headless Chromium with the network off. Run by
// scripts/bench-offline-load.sh.
import { startServer, launchBrowser } from './harness.mjs';

const runs = Number(process.env.RUNS || 10);
const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.getByLabel('Your officer ID').fill('PC1');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Start shift' }).waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await browser.context.setOffline(true);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = Date.now();
    await page.reload({ waitUntil: 'commit' });
    // Usable: the form is drawn and its first control can take input.
    await page.getByLabel('Patrolling as').waitFor({ state: 'visible' });
    times.push(Date.now() - start);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = (sorted[(runs - 1) >> 1] + sorted[runs >> 1]) / 2;
  console.log(`offline_reload_ms runs=${runs} median=${median} min=${sorted[0]} max=${sorted[runs - 1]} all=${times.join(',')}`);
} finally {
  await browser.close();
  await server.stop();
}
