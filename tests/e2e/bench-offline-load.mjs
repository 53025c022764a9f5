// Benchmark (not a test): offline reload to a usable screen, median of 10,
// in headless Chromium with the network off. Run by
// scripts/bench-offline-load.sh. Since the log is encrypted, the first usable
// screen after a reload is the lock screen; the time to unlock (PBKDF2 with
// 600,000 iterations, then decrypting the log) is measured too, with the
// log a year of use leaves on the phone: retention keeps only the shifts
// that ended in the last 7 days, about 5 shifts of 30 revisions (the shift,
// 28 notes, its end; tests/year_bench.rs measures the year itself), so that
// many are recorded through the app, online and synced, before the reloads.
// SEED_SHIFTS=0 measures an empty log.
import { startServer, launchBrowser, createUser, signInAndSetPin, PIN } from './harness.mjs';

const runs = Number(process.env.RUNS || 10);
const seedShifts = Number(process.env.SEED_SHIFTS ?? 5);
const notesPerShift = 28;
const texts = [
  'Spoke with the manager of the Co-op on High Street about the recent shoplifting. Two males, late teens, dark tracksuits, seen on CCTV most evenings around 7 pm. Advised on keeping the footage and reporting each incident.',
  'Reassurance visit to 14 Elm Close following the burglary reported on Monday. Occupant lives alone and is anxious. Checked the rear door and window locks, suggested a door chain and a timer switch for the lights.',
  'Grey Ford Focus, partial index seen, parked on the corner of Mill Lane and Station Road for about forty minutes with two occupants. Left towards the ring road when we approached. Passed to the intelligence unit.',
  'Group of six youths gathered by the shop entrance on Market Square, moved on without issue. Names taken for two who were known to us; both polite. Spoke to the shopkeeper, who was content with the outcome.',
];
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
  page.on('dialog', (d) => d.accept()); // "End this shift?"
  const seedStart = Date.now();
  for (let k = 0; k < seedShifts; k++) {
    await page.getByLabel('Patrolling as').selectOption({ label: 'PCSO' });
    await page.getByLabel('Callsign').fill('PC-BENCH1');
    await page.getByLabel('Team').fill('North');
    await page.getByRole('button', { name: 'Start shift' }).click();
    await page.getByRole('heading', { name: 'On shift' }).waitFor();
    for (let i = 0; i < notesPerShift; i++) {
      await page.getByRole('button', { name: 'Note or engagement', exact: true }).click();
      await page.getByLabel('Kind').selectOption({ label: 'Community engagement' });
      await page.getByLabel('Note (required)').fill(`${texts[i % texts.length]} (shift ${k + 1}, note ${i + 1})`);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'On shift' }).waitFor();
    }
    await page.getByRole('button', { name: 'End shift' }).click();
    await page.getByRole('heading', { name: 'Start shift' }).waitFor();
  }
  if (seedShifts > 0) {
    await page.getByText(/^All synced/).first().waitFor({ timeout: 60_000 });
    const stored = await page.evaluate(() => new Promise((ok, fail) => {
      const open = indexedDB.open('beatbook');
      open.onerror = () => fail(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction(['revisions', 'answers'], 'readonly');
        const revs = tx.objectStore('revisions').count();
        const answers = tx.objectStore('answers').count();
        tx.oncomplete = () => { open.result.close(); ok({ revisions: revs.result, answers: answers.result }); };
      };
    }));
    console.log(`seeded shifts=${seedShifts} revisions=${stored.revisions} answers=${stored.answers} in_ms=${Date.now() - seedStart}`);
  }
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
  console.log(`unlock_to_start_shift_ms runs=${runs} median=${median(toUnlocked)} all=${toUnlocked.join(',')} seeded_shifts=${seedShifts}`);
  // Issue 13's budgets: reload to the lock screen 150 ms, unlock 300 ms.
  for (const [what, ms, limit] of [['offline reload to lock screen', median(toLock), 150], ['unlock to a usable screen', median(toUnlocked), 300]]) {
    console.log(`${ms <= limit ? 'within' : 'over'} budget: ${what} median ${ms} ms ${ms <= limit ? '<=' : '>'} ${limit} ms`);
    if (ms > limit) process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.stop();
}
