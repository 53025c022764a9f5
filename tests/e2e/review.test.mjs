// Issue 5, end to end: a supervisor at a desk filters to one officer's shift,
// sends it back with a comment; the officer sees the comment on the phone and
// corrects an entry; the supervisor approves; the return's CSV export holds
// exactly the rows on the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, unlock, startShiftAndPatrol, addNote,
  seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const COMMENT = 'The engagement note needs the name of the shop. Please correct it.';

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') { quoted = false; } else { cell += c; }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell); cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** The cells of a table's body rows, as text. */
async function tableRows(table) {
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
}

async function assertAccessible(page, what) {
  const violations = await seriousA11yViolations(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 1)}`);
}

/** Downloads through the page's export form and returns the file's text. */
async function download(page, form, reason, button) {
  await form.getByLabel('Reason for this export (recorded)').fill(reason);
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    form.getByRole('button', { name: button }).click(),
  ]);
  return readFileSync(await file.path(), 'utf8');
}

test('a supervisor sends a shift back, the officer corrects it, the supervisor approves and exports', async () => {
  const cara = createUser(server.dbPath, { officerId: 'PC2001', name: 'PC Cara Doyle', team: 'North' });
  const dev = createUser(server.dbPath, { officerId: 'PC2002', name: 'PC Dev Patel', team: 'North' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT201', name: 'Sgt Lee Hart', role: 'supervisor', team: 'North' });
  const phoneCara = await launchBrowser();
  const phoneDev = await launchBrowser();
  const desk = await launchBrowser({ desktop: true });
  try {
    // Two officers of the team log a shift each, online (entries sync as they are saved).
    const cPage = await phoneCara.context.newPage();
    await cPage.goto(server.url);
    await signInAndSetPin(cPage, cara);
    await startShiftAndPatrol(cPage, 'PC2001');
    await addNote(cPage, 'Spoke to the shopkeeper about bikes');
    await cPage.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    const dPage = await phoneDev.context.newPage();
    await dPage.goto(server.url);
    await signInAndSetPin(dPage, dev);
    await startShiftAndPatrol(dPage, 'PC2002');
    await dPage.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // The supervisor, at a desk: the review screens load on demand.
    const page = await desk.context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, sarge);
    await page.getByRole('button', { name: 'Review shifts and programme return' }).click();
    const list = page.getByRole('table', { name: /Shifts/ });
    await list.waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /^Open shift BB-/ }).nth(1).waitFor();
    await assertAccessible(page, 'shift list');

    // Filter to Cara's shifts: one row.
    await page.getByLabel('Officer').fill('PC2001');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const open = page.getByRole('button', { name: /^Open shift BB-/ });
    await page.waitForFunction(
      () => [...document.querySelectorAll('table tbody tr')].length === 1
        && document.querySelector('table tbody').textContent.includes('PC2001'),
      null,
      { timeout: 15_000 },
    );
    assert.equal(await open.count(), 1);
    await open.click();

    // The shift's record: device and server times, and the note.
    await page.getByRole('heading', { name: /^Shift BB-/ }).waitFor();
    await page.getByText('Spoke to the shopkeeper about bikes').first().waitFor();
    await assertAccessible(page, 'shift record');

    // A comment is required to send it back.
    await page.getByRole('group', { name: 'Decision' }).getByLabel('Has issues').check();
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByRole('alert').filter({ hasText: /comment/i }).first().waitFor();
    await page.getByLabel('Comment to the officer').fill(COMMENT);
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByText('Decision recorded: Has issues').waitFor();

    // On the phone: the comment, and the shift it is about.
    await cPage.reload();
    await unlock(cPage);
    const sentBack = cPage.getByRole('region', { name: 'Sent back by your supervisor' });
    await sentBack.getByText(COMMENT).waitFor({ timeout: 30_000 });
    await sentBack.getByRole('button', { name: 'Open shift' }).click();
    await cPage.getByText(COMMENT).first().waitFor();

    // The officer corrects the note.
    await cPage.getByRole('button', { name: /Spoke to the shopkeeper/ }).first().click();
    await cPage.getByRole('button', { name: 'Correct this entry' }).click();
    await cPage.getByLabel('Note (required)').fill('Spoke to the owner of Park Road Cycles about bikes');
    await cPage.getByLabel('Reason for correction').fill('Added the shop, as asked');
    await cPage.getByRole('button', { name: 'Save correction' }).click();
    await cPage.getByText('Spoke to the owner of Park Road Cycles about bikes').first().waitFor();
    await cPage.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // The supervisor sees the correction with its reason, and approves.
    await page.getByRole('button', { name: 'Back to shifts' }).click();
    await page.getByRole('button', { name: /^Open shift BB-/ }).click();
    await page.getByRole('heading', { name: /^Shift BB-/ }).waitFor();
    await page.getByText('Spoke to the owner of Park Road Cycles about bikes').first().waitFor();
    await page.getByText('Added the shop, as asked').first().waitFor();
    await page.getByRole('group', { name: 'Decision' }).getByLabel('Approve').check();
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByText('Decision recorded: Approved').waitFor();
    const shiftRef = (await page.getByRole('heading', { name: /^Shift BB-/ }).textContent()).replace('Shift ', '').trim();
    // The shift, its patrol and the note, each once.
    const onRecord = [...new Set([shiftRef, ...(await page.locator('dd.reference').allTextContents()).map((r) => r.trim())])];
    assert.equal(onRecord.length, 3, JSON.stringify(onRecord));

    // The raw entries of that officer's day: the rows of the shift on screen.
    await page.getByRole('button', { name: 'Back to shifts' }).click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('button', { name: `Open shift ${shiftRef}` }).waitFor();
    const entries = parseCsv(await download(page, page.locator('form.export'), 'Checking a shift sent back', 'Download entries (CSV)'));
    const refColumn = entries[0].indexOf('reference');
    assert.ok(refColumn >= 0, JSON.stringify(entries[0]));
    assert.deepEqual(entries.slice(1).map((r) => r[refColumn]).sort(), onRecord.sort());

    // The phone no longer shows it as sent back, once it has asked again.
    const asked = cPage.waitForResponse((r) => r.url().includes('/api/v1/shifts?') && r.ok(), { timeout: 60_000 });
    await cPage.reload();
    await unlock(cPage);
    await cPage.getByRole('heading', { name: 'On shift' }).waitFor();
    await asked;
    await cPage.waitForTimeout(500);
    assert.equal(await cPage.getByRole('region', { name: 'Sent back by your supervisor' }).count(), 0);

    // The programme return for today, and its export: the same rows as on screen.
    await page.getByRole('button', { name: 'Programme return' }).click();
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Show return' }).click();
    const rowsTable = page.getByRole('table', { name: 'Return rows (as exported)' });
    await rowsTable.waitFor({ timeout: 15_000 });
    await page.getByRole('img').first().waitFor();
    await assertAccessible(page, 'programme return');
    const onScreen = await tableRows(rowsTable);
    assert.ok(onScreen.some((r) => r[0] === 'total' && r[2] === 'patrols' && r[3] === '2'), JSON.stringify(onScreen));
    const form = page.locator('form.export');
    const csv = parseCsv(await download(page, form, 'Monthly return to the programme lead', 'Download the return (CSV)'));
    assert.deepEqual(csv[0], ['group', 'name', 'metric', 'value']);
    assert.deepEqual(csv.slice(1), onScreen);

    // A period never submitted is a 404 from /returns/submitted (its
    // documented answer), which the browser logs.
    assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), []);
  } finally {
    await Promise.all([phoneCara.close(), phoneDev.close(), desk.close()]);
  }
});
