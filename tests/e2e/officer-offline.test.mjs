// Issue 2, end to end: an officer loads the app once online, then records a
// whole shift with the network off, reloads, and finds everything in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, seriousA11yViolations, watchErrors, createUser, signInAndSetPin, unlock, recordFillers } from './harness.mjs';

let server;
let browser;
let officer;

before(async () => {
  server = await startServer();
  officer = createUser(server.dbPath, { officerId: 'PC4821', name: 'PC Amira Shah' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertAccessible(page, screen) {
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], `accessibility violations on ${screen}: ${JSON.stringify(violations, null, 2)}`);
}

/** The timeline's entries, newest first, as "Kind|summary|marks". */
async function timeline(page) {
  const items = page.getByRole('list', { name: 'Entries, newest first' }).getByRole('listitem');
  return items.allInnerTexts();
}

test('record a whole shift offline, reload, and correct an entry', async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);

  // First run, online: sign in and choose a PIN.
  await page.getByRole('heading', { name: 'Sign in to Beatbook' }).waitFor();
  await assertAccessible(page, 'sign in');
  await signInAndSetPin(page, officer);
  await assertAccessible(page, 'start shift');

  // The app shell must be cached before the network goes.
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active.state;
  });

  await browser.context.setOffline(true);
  await page.reload();
  await unlock(page);
  await page.getByRole('heading', { name: 'Start shift' }).waitFor({ timeout: 15_000 });
  await assert.doesNotReject(page.getByText('Offline').first().waitFor());

  // Start the shift.
  await page.getByLabel('Patrolling as').selectOption({ label: 'Police officer' });
  await page.getByLabel('Callsign').fill('BX21');
  await page.getByLabel('Team').fill('Central NPT');
  await page.getByRole('button', { name: 'Start shift' }).click();
  await page.getByRole('heading', { name: 'On shift' }).waitFor();
  await assertAccessible(page, 'on shift');

  // Start a patrol at a hotspot.
  await page.getByRole('button', { name: 'Start patrol' }).click();
  await page.getByLabel(/^Location/).fill('Market Square');
  await page.getByLabel('Mode').selectOption({ label: 'Foot' });
  await page.getByRole('button', { name: 'Start patrol' }).click();
  await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
  await page.getByRole('timer', { name: 'Time on this patrol' }).waitFor();

  // Stop and search: an empty save shows specific errors and keeps the form.
  await page.getByRole('button', { name: 'Stop and search', exact: true }).click();
  await page.getByRole('heading', { name: 'Stop and search' }).waitFor();
  await page.getByLabel('Place first detained').fill('Market Square, by the fountain');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Choose the self-defined ethnicity (NS if not stated)').waitFor();
  await page.getByText('Enter the grounds for the search').waitFor();
  assert.equal(await page.getByLabel('Place first detained').inputValue(), 'Market Square, by the fountain');
  await assertAccessible(page, 'stop and search form with errors');

  await page.getByLabel('Self-defined ethnicity').selectOption('W1');
  await page.getByLabel('Object of search').selectOption({ label: 'Controlled drugs' });
  await page.getByLabel('Legal power').selectOption({ label: 's23 Misuse of Drugs Act 1971' });
  await page.getByLabel('Grounds for the search').fill('Strong smell of cannabis, seen passing a package');
  await page.getByLabel('Outcome (required)').selectOption({ label: 'Arrest' });
  await page.getByRole('group', { name: /Outcome linked to the object/ }).getByLabel('Yes').check();
  await page.getByRole('group', { name: /injury or damage/ }).getByLabel('No').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'On shift' }).waitFor();
  await page.getByText('Saved', { exact: true }).waitFor();

  // Arrest linked to that stop.
  await page.getByRole('button', { name: 'Arrest', exact: true }).click();
  await page.getByLabel('Offence (required)').fill('Possession with intent to supply');
  await page.getByLabel('Place of arrest').fill('Market Square');
  await page.getByLabel('Grounds for suspicion').fill('Wraps of cannabis found in the search');
  await page.getByLabel('To allow prompt and effective investigation').check();
  await page.getByLabel('Why, for a prompt investigation').fill('The wraps must be tested and the phone seized');
  const now = await page.evaluate(() => {
    const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  });
  await page.getByLabel('Caution given at').fill(now);
  await page.getByLabel('Custody suite').fill('Central custody');
  const stopOption = page.getByLabel('Followed stop and search').locator('option', { hasText: 'Controlled drugs' });
  await page.getByLabel('Followed stop and search').selectOption(await stopOption.getAttribute('value'));
  await assertAccessible(page, 'arrest form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'On shift' }).waitFor();

  // ASB intervention: a dispersal direction shows its own fields (the
  // harness's filler, shared with the crash test).
  await recordFillers.find((f) => f.kind === 'ASB intervention').fill(page);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'On shift' }).waitFor();

  // Immediate Justice referral.
  await page.getByRole('button', { name: 'Immediate Justice referral', exact: true }).click();
  await page.getByLabel('Person referred').fill('Ref JX-2231');
  await page.getByLabel('Disposal it followed').selectOption({ label: 'Community resolution' });
  await page.getByLabel('Referral date').fill(now.slice(0, 10));
  await page.getByRole('group', { name: 'Victim consulted?' }).getByLabel('Yes').check();
  await page.getByLabel('Hours ordered').fill('6');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'On shift' }).waitFor();

  const expected = [
    /^\d\d:\d\d\s+Immediate Justice referral\s+Ref JX-2231 after Community resolution, 6 h/,
    /^\d\d:\d\d\s+ASB intervention\s+s35 dispersal direction at Bus station \(4 persons\)/,
    /^\d\d:\d\d\s+Arrest\s+Possession with intent to supply at Market Square/,
    /^\d\d:\d\d\s+Stop and search\s+Controlled drugs at Market Square, by the fountain: Arrest/,
    /^\d\d:\d\d\s+Patrol · running\s+Foot patrol: Market Square/,
  ];
  const check = async () => {
    const items = await timeline(page);
    assert.equal(items.length, expected.length, items.join('\n---\n'));
    items.forEach((text, i) => {
      assert.match(text, expected[i]);
      assert.match(text, /Not synced/);
    });
  };
  await check();

  // Reload with the network still off: everything is still there, in order.
  await page.reload();
  await assertAccessible(page, 'lock screen');
  await unlock(page);
  await page.getByRole('heading', { name: 'On shift' }).waitFor({ timeout: 15_000 });
  await check();
  await page.getByRole('timer', { name: 'Time on this patrol' }).waitFor();

  // Correct the stop and search: the original stays in the history.
  await page.getByRole('button', { name: /Stop and search/ }).last().click();
  await page.getByRole('heading', { name: 'Stop and search' }).waitFor();
  await page.getByText(/Record reference BB-[0-9A-F]{4}-[0-9A-F]{4}/).waitFor();
  await assertAccessible(page, 'entry detail');
  await page.getByRole('button', { name: 'Correct this entry' }).click();
  await page.getByLabel('Place first detained').fill('Market Square, north side');
  await page.getByRole('button', { name: 'Save correction' }).click();
  await page.getByText('Give the reason for the correction').waitFor();
  await page.getByLabel('Reason for correction').fill('Wrote the wrong side of the square');
  await page.getByRole('button', { name: 'Save correction' }).click();
  await page.getByText('Market Square, north side').first().waitFor();
  await page.getByText('History (2 revisions)').click();
  await page.getByText('Corrected: Wrote the wrong side of the square').waitFor();
  await page.getByText('Place first detained: Market Square, by the fountain → Market Square, north side').waitFor();
  await page.getByText('Recorded', { exact: false }).first().waitFor();

  // The timeline shows the latest revision, marked as corrected.
  await page.getByRole('button', { name: 'Back' }).click();
  const items = await timeline(page);
  assert.match(items[3], /Market Square, north side/);
  assert.match(items[3], /Corrected/);

  // Only the failed requests of a phone with no signal are expected (a
  // loose /sync/i here would also have let any "async" error through).
  assert.deepEqual(errors.filter((e) => !/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED$|^TypeError: Failed to fetch$/.test(e)), []);
  await page.close();
});
