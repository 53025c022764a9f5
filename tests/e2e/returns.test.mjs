// Issue 11, item 6, end to end: a supervisor submits today's return; an
// officer's entry made offline syncs afterwards and another is withdrawn on
// the phone; the supervisor's return still shows the submitted figures and
// lists both under "Changed since submitted"; a revision is submitted; the
// CSV of the submitted period holds exactly the rows on the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, startShiftAndPatrol, addNote,
  seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** RFC 4180 rows (no quoted line breaks in a return). */
function parseCsv(text) {
  return text.split('\r\n').filter(Boolean).map((line) => {
    const cells = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') { quoted = false; } else { cell += c; }
      } else if (c === '"') { quoted = true; } else if (c === ',') { cells.push(cell); cell = ''; } else { cell += c; }
    }
    cells.push(cell);
    return cells;
  });
}

async function tableRows(table) {
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
}

const value = (rows, group, metric) => rows.find((r) => r[0] === group && r[2] === metric)?.[3];

test('a submitted return stays as submitted and lists a late sync and a withdrawal', async () => {
  const pc = createUser(server.dbPath, { officerId: 'PC3001', name: 'PC Ana Silva', team: 'North' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT301', name: 'Sgt Ola Berg', role: 'supervisor', team: 'North' });
  const phone = await launchBrowser();
  const desk = await launchBrowser({ desktop: true });
  try {
    const p = await phone.context.newPage();
    await p.goto(server.url);
    await signInAndSetPin(p, pc);
    await startShiftAndPatrol(p, 'PC3001');
    await addNote(p, 'Spoke to the market traders');
    await p.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // The supervisor submits today's return.
    const page = await desk.context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, sarge);
    await page.getByRole('button', { name: 'Review shifts and programme return' }).click();
    await page.getByRole('button', { name: 'Programme return' }).click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Show return' }).click();
    await page.getByRole('heading', { name: 'Not submitted' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Submit return' }).click();
    const submission = page.getByText(/^Submitted by SGT301 at .+ \(revision 1, sha256 [0-9a-f]{64}\)$/);
    await submission.waitFor({ timeout: 15_000 });
    await page.getByText('Nothing has changed since it was submitted.').waitFor();
    const rowsTable = page.getByRole('table', { name: 'Return rows (as exported)' });
    const frozen = await tableRows(rowsTable);
    assert.equal(value(frozen, 'submission', 'revision'), '1');
    assert.equal(value(frozen, 'total', 'patrols'), '1', JSON.stringify(frozen));

    // On the phone: a patrol started offline syncs late; the first note is withdrawn.
    await phone.context.setOffline(true);
    await p.getByRole('button', { name: 'End patrol' }).click();
    await p.getByRole('button', { name: 'Start patrol' }).click();
    await p.getByLabel(/^Location/).fill('Bus station');
    await p.getByLabel('Mode').selectOption({ label: 'Foot' });
    await p.getByRole('button', { name: 'Start patrol' }).click();
    await p.getByRole('heading', { name: 'Patrol running' }).waitFor();
    await phone.context.setOffline(false);
    await p.getByRole('button', { name: /Spoke to the market traders/ }).first().click();
    const withdraw = p.getByRole('button', { name: 'Withdraw entry' });
    const box = await withdraw.boundingBox();
    assert.ok(box && box.height >= 48, `the button is at least 48 px high: ${JSON.stringify(box)}`);
    await withdraw.click();
    await p.getByLabel('Why withdraw it? (required)').fill('Entered on the wrong shift');
    await p.getByRole('button', { name: 'Confirm withdrawal' }).click();
    await p.getByText('Withdrawn: left out of the counts').waitFor();
    assert.equal(await p.getByRole('button', { name: 'Withdraw entry' }).count(), 0, 'nothing follows a withdrawal');
    const violations = await seriousA11yViolations(p);
    assert.deepEqual(violations, [], JSON.stringify(violations));
    await p.getByRole('button', { name: 'Back' }).click();
    await p.getByText(/All synced at \d\d:\d\d/).waitFor({ timeout: 60_000 });

    // The supervisor's return: the submitted figures, and what changed.
    await page.getByRole('button', { name: 'Show return' }).click();
    const changes = page.getByRole('list', { name: 'Changed since submitted' });
    await changes.waitFor({ timeout: 15_000 });
    await changes.getByRole('listitem').filter({ hasText: /^Arrived after submission: patrol BB-/ }).waitFor();
    await changes.getByRole('listitem').filter({ hasText: /^Withdrawn: note BB-.* Entered on the wrong shift$/ }).waitFor();
    await submission.waitFor();
    assert.deepEqual(await tableRows(rowsTable), frozen, 'the submitted figures are unchanged');
    const a11y = await seriousA11yViolations(page);
    assert.deepEqual(a11y, [], JSON.stringify(a11y));

    // A revision: today's figures, nothing changed since it.
    await page.getByRole('button', { name: 'Submit revision' }).click();
    await page.getByText(/^Submitted by SGT301 at .+ \(revision 2, sha256 [0-9a-f]{64}\)$/).waitFor({ timeout: 15_000 });
    await page.getByText('Nothing has changed since it was submitted.').waitFor();
    const revised = await tableRows(rowsTable);
    assert.equal(value(revised, 'submission', 'revision'), '2');
    assert.equal(value(revised, 'total', 'patrols'), '2', JSON.stringify(revised));
    assert.equal(value(revised, 'period', 'withdrawn'), '0', 'a note is not among the counted kinds');

    // The CSV of the submitted period: exactly the rows on the screen.
    const form = page.locator('form.export');
    await form.getByLabel('Reason for this export (recorded)').fill('Monthly return to the programme lead');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      form.getByRole('button', { name: 'Download the return (CSV)' }).click(),
    ]);
    const csv = parseCsv(readFileSync(await file.path(), 'utf8'));
    assert.deepEqual(csv[0], ['group', 'name', 'metric', 'value']);
    assert.deepEqual(csv.slice(1), revised);
    // A period never submitted is a 404 from /returns/submitted, which the
    // browser logs: expected, and the only errors allowed.
    assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), []);
  } finally {
    await Promise.all([phone.close(), desk.close()]);
  }
});
