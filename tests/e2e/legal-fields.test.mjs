// Issue 11 item 8, end to end: the fields the law names that were missing.
// An officer records them on the phone, each refused until it is right;
// the supervisor sees what the server accepts but a person must look at.
//   - "Not stated" by the person: the officer-perceived ethnicity is asked for.
//   - s60: the authorisation's period, and a search outside it refused.
//   - Code G: a reason for each necessity criterion; the caution not before
//     the arrest; street bail instead of a custody suite.
//   - A Community Protection Notice linked to the warning recorded on an
//     earlier shift (picked from the phone, offline-capable), with its deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol,
  seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** A local `datetime-local` value, `minutes` from now, in the page's zone. */
function localTime(page, minutes) {
  return page.evaluate((m) => {
    const d = new Date(Date.now() + m * 60000);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }, minutes);
}

async function save(page) {
  await page.getByRole('button', { name: 'Save' }).click();
}

async function savedBackOnShift(page) {
  await save(page);
  await page.getByRole('heading', { name: 'Patrol running' }).waitFor();
}

test('an officer records the legal fields and the supervisor sees what to check', async () => {
  const pc = createUser(server.dbPath, { officerId: 'PC3001', name: 'PC Ana Silva', team: 'North' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT301', name: 'Sgt Ola Berg', role: 'supervisor', team: 'North' });
  const phone = await launchBrowser();
  const desk = await launchBrowser({ desktop: true });
  try {
    const page = await phone.context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, pc);
    await startShiftAndPatrol(page, 'PC3001');

    // ---- Stop and search under s60, the person declining their ethnicity.
    await page.getByRole('button', { name: 'Stop and search', exact: true }).click();
    await page.getByLabel('Place first detained').fill('Bus station forecourt');
    await page.getByLabel('Self-defined ethnicity').selectOption('NS');
    // Now required, and said so.
    await page.getByText('Not stated by the person: record the ethnicity you perceive.').waitFor();
    await page.getByLabel('Object of search').selectOption({ label: 'Offensive weapon or bladed article' });
    await page.getByLabel('Legal power').selectOption({ label: 's60 Criminal Justice and Public Order Act 1994' });
    assert.equal(await page.getByLabel('Grounds for the search').isVisible(), false, 'no grounds under s60');
    await page.getByLabel('Authorisation reference').fill('S60/2026/031 Supt Rahman');
    await page.getByLabel('Authorisation starts').fill(await localTime(page, -180));
    // An authorisation that ended an hour ago.
    await page.getByLabel('Authorisation ends').fill(await localTime(page, -60));
    await page.getByLabel('Outcome (required)').selectOption({ label: 'No further action' });
    await page.getByRole('group', { name: /Outcome linked to the object/ }).getByLabel('No').check();
    await page.getByRole('group', { name: /injury or damage/ }).getByLabel('No').check();
    await save(page);
    // The field has two forms (optional, and required when not stated):
    // the one on screen is the visible one.
    await page.getByText('Choose the ethnicity you perceive (the person did not state theirs)').filter({ visible: true }).waitFor();
    await page.getByLabel(/Officer-perceived ethnicity/).filter({ visible: true }).selectOption('B1');
    await save(page);
    await page.getByText("The search time is outside the authorisation's period").waitFor();
    await page.getByLabel('Authorisation ends').fill(await localTime(page, 600));
    await savedBackOnShift(page);

    // ---- Arrest: a reason per criterion, the caution, street bail.
    await page.getByRole('button', { name: 'Arrest', exact: true }).click();
    await page.getByLabel('Offence (required)').fill('Criminal damage');
    await page.getByLabel('Place of arrest').fill('Bus station');
    await page.getByLabel('Grounds for suspicion').fill('Seen kicking the shelter glass');
    assert.equal(await page.getByLabel('Why the name is needed').isVisible(), false);
    await page.getByLabel("To find the person's name").check();
    await page.getByLabel('Why the name is needed').waitFor();
    await page.getByLabel('Caution given at').fill(await localTime(page, -30));
    await page.getByLabel('Not taken to custody because').selectOption({ label: 'Street bail (s30A PACE)' });
    assert.equal(await page.getByLabel('Custody suite').isVisible(), false, 'no custody suite on street bail');
    await save(page);
    await page.getByText('Enter why this criterion applies').waitFor();
    await page.getByText('Enter what happened instead (bail date, why de-arrested)').waitFor();
    await page.getByLabel('Why the name is needed').fill('Refused to give a name; no documents');
    await page.getByLabel('What happened instead').fill('Street bail to Central custody, Monday 10:00');
    // The record's own fields right, the times are checked against each other.
    await save(page);
    await page.getByText('The caution cannot come before the arrest').waitFor();
    await page.getByLabel('Caution given at').fill(await localTime(page, 0));
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
    await savedBackOnShift(page);

    // ---- A Community Protection Warning, then the shift ends.
    const today = (await localTime(page, 0)).slice(0, 10);
    await page.getByRole('button', { name: 'ASB intervention', exact: true }).click();
    await page.getByLabel('Power or tool used').selectOption({ label: 'Community Protection Warning' });
    await page.getByLabel('Number of persons').fill('1');
    await page.getByLabel('Place (required)').fill('Playing field');
    await page.getByLabel('Behaviour (required)').fill('Riding an off-road bike across the field');
    await page.getByLabel('What must change').fill('Stop riding on the field');
    await page.getByLabel('Must change by').fill(today);
    await page.getByLabel('Consequence of not complying').fill('A Community Protection Notice');
    await savedBackOnShift(page);
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'End shift' }).click();
    await page.getByRole('heading', { name: 'Start shift' }).waitFor();

    // ---- Next shift: the notice names the warning of the shift before.
    await startShiftAndPatrol(page, 'PC3001');
    await page.getByRole('button', { name: 'ASB intervention', exact: true }).click();
    await page.getByLabel('Power or tool used').selectOption({ label: 'Community Protection Notice' });
    await page.getByLabel('Number of persons').fill('1');
    await page.getByLabel('Place (required)').fill('Playing field');
    await page.getByLabel('Behaviour (required)').fill('Still riding on the field');
    await page.getByLabel('What must change').fill('Do not ride any motor vehicle on the field');
    await page.getByLabel('Person is 16 or over').check();
    await page.getByLabel("The warning's deadline").fill(today);
    await save(page);
    await page.getByText('Link the warning this notice follows, or give its reference').waitFor();
    const warning = page.getByLabel('Warning this notice follows').locator('option', { hasText: 'Community Protection Warning' });
    await page.getByLabel('Warning this notice follows').selectOption(await warning.getAttribute('value'));
    await savedBackOnShift(page);
    await page.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });
    assert.deepEqual(errors, []);

    // ---- The supervisor: what the server accepted, and what to look at.
    const deskPage = await desk.context.newPage();
    await deskPage.goto(server.url);
    await signInAndSetPin(deskPage, sarge);
    await deskPage.getByRole('button', { name: 'Review shifts and programme return' }).click();
    await deskPage.getByRole('table', { name: /Shifts/ }).waitFor({ timeout: 30_000 });
    const open = deskPage.getByRole('button', { name: /^Open shift BB-/ });
    await open.nth(1).waitFor();
    const flagsOf = async (n) => {
      await deskPage.getByRole('button', { name: /^Open shift BB-/ }).nth(n).click();
      await deskPage.getByRole('heading', { name: /^Shift BB-/ }).waitFor();
      await deskPage.locator('.flags-section').waitFor();
      const text = await deskPage.locator('.flags-section').textContent();
      await deskPage.getByRole('button', { name: 'Back to shifts' }).click();
      return text;
    };
    const shifts = [await flagsOf(0), await flagsOf(1)].join('\n');
    assert.match(shifts, /Search without suspicion \(s60 or s47A\): check the authorisation/);
    assert.match(shifts, /Arrested but not taken to custody/);
    // The warning's deadline is today: the notice came too soon.
    assert.match(shifts, /Notice issued before the warning's deadline had passed/);
    assert.doesNotMatch(shifts, /warning not recorded in Beatbook/, 'the notice is linked');
  } finally {
    await Promise.all([phone.close(), desk.close()]);
  }
});
