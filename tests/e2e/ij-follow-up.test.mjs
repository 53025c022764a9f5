// Issue 11, item 7, end to end: an officer's Immediate Justice referral
// reaches the server; their supervisor, at a desk, opens the shift, records
// the reparation's follow-up under the referral (started within 48 hours,
// every hour done, completed today) and the return counts it; the form
// works at 360 px too, with 48 px targets, and is found by its labels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, launchBrowser, createUser, signInAndSetPin, apiToken,
  seriousA11yViolations, watchErrors,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** The cells of a table's body rows, as text. */
async function tableRows(table) {
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
}

const value = (rows, group, metric) => rows.find((r) => r[0] === group && r[2] === metric)?.[3];

/** A revision the app would push: a creation, captured when it happened. */
function created(officer, at, record, shiftId) {
  return {
    id: randomUUID(), entry_id: randomUUID(), seq: 1, officer_id: officer,
    captured_at: at.toISOString(), occurred_at: at.toISOString(),
    shift_id: shiftId ?? null, patrol_id: null, location: null, notes: '',
    change: { type: 'created' }, record,
  };
}

/** `YYYY-MM-DDTHH:MM` in the browser's (here the machine's) local time. */
function localInput(t) {
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}`;
}

test('a supervisor records a referral\'s follow-up in the review screen and the return counts it', async () => {
  const pc = createUser(server.dbPath, { officerId: 'PC7001', name: 'PC Mo Reid', team: 'North' });
  const sarge = createUser(server.dbPath, { officerId: 'SGT701', name: 'Sgt Kim Lowe', role: 'supervisor', team: 'North' });
  // The officer's shift and referral, 20 minutes ago, as the phone pushes them.
  const referredAt = new Date(Date.now() - 20 * 60_000);
  referredAt.setSeconds(0, 0);
  const shift = created('PC7001', new Date(referredAt.getTime() - 60_000),
    { shift: { role: 'police', callsign: 'Bravo 7', team: 'North' } });
  const today = localInput(new Date()).slice(0, 10);
  const referral = created('PC7001', referredAt, {
    ij_referral: {
      person: 'Ref P-7001', disposal: 'community_resolution', referral_date: localInput(referredAt).slice(0, 10),
      victim_consulted: true, hours_ordered: 3, hours_completed: 0, result: 'in_progress',
    },
  }, shift.entry_id);
  const token = await apiToken(server.url, pc, 'pc-phone');
  const pushed = await fetch(`${server.url}/api/v1/sync/push`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ protocol: 1, device_id: 'pc-phone', changes: [shift, referral] }),
  });
  const answers = await pushed.json();
  assert.deepEqual(answers.results.map((r) => r.outcome), ['stored', 'stored'], JSON.stringify(answers));

  const desk = await launchBrowser({ desktop: true });
  try {
    const page = await desk.context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await signInAndSetPin(page, sarge);
    await page.getByRole('button', { name: 'Review shifts and programme return' }).click();
    await page.getByRole('button', { name: /^Open shift BB-/ }).click({ timeout: 30_000 });
    await page.getByRole('heading', { name: /^Shift BB-/ }).waitFor();
    await page.locator('tr.kind-ij_referral + tr summary').click();
    const followUps = page.getByRole('region', { name: 'Immediate Justice follow-ups' });
    await followUps.getByText('No follow-up recorded yet.').waitFor({ timeout: 15_000 });

    // Narrow: the form fits a 360 px screen and its targets are 48 px high.
    await page.setViewportSize({ width: 360, height: 800 });
    const form = page.getByRole('form', { name: 'Record follow-up' });
    for (const label of ['Reparation started', 'Hours completed', 'Result', 'Day it ended',
      'Who is recording this and how you know']) {
      const box = await form.getByLabel(label, { exact: true }).boundingBox();
      assert.ok(box && box.height >= 48 && box.x >= 0 && box.x + box.width <= 360, `${label}: ${JSON.stringify(box)}`);
    }
    const record = form.getByRole('button', { name: 'Record follow-up' });
    const button = await record.boundingBox();
    assert.ok(button && button.height >= 48 && button.x + button.width <= 360, JSON.stringify(button));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 360, `no sideways scrolling at 360 px: ${overflow}`);

    // Core's rules, in the browser: "completed" needs every ordered hour.
    const started = new Date(referredAt.getTime() + 5 * 60_000);
    await form.getByLabel('Reparation started', { exact: true }).fill(localInput(started));
    await form.getByLabel('Hours completed', { exact: true }).fill('2');
    await form.getByLabel('Result', { exact: true }).selectOption({ label: 'Completed' });
    await form.getByLabel('Day it ended', { exact: true }).fill(today);
    await form.getByLabel('Who is recording this and how you know', { exact: true })
      .fill('Sgt Lowe: the IJ provider confirmed the hours by phone');
    await record.click();
    await form.getByRole('alert').filter({ hasText: 'Completed means every ordered hour is done' }).waitFor();
    await form.getByLabel('Hours completed', { exact: true }).fill('3');
    await record.click();
    await form.getByRole('status').filter({ hasText: 'Follow-up recorded' }).waitFor({ timeout: 15_000 });
    await followUps.getByRole('listitem').filter({ hasText: /Completed · 3 h done/ })
      .filter({ hasText: 'Recorded by SGT701' }).waitFor();
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations));

    // The return for today counts the referral, its start within 48 hours
    // and its completion today.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Programme return' }).click();
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Show return' }).click();
    const rowsTable = page.getByRole('table', { name: 'Return rows (as exported)' });
    await rowsTable.waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => document.body.textContent.includes('ij_completed'), null, { timeout: 15_000 });
    const rows = await tableRows(rowsTable);
    assert.equal(value(rows, 'total', 'ij_referrals'), '1', JSON.stringify(rows));
    assert.equal(value(rows, 'total', 'ij_started_within_48h'), '1');
    assert.equal(value(rows, 'total', 'ij_completed'), '1');
    // The only errors allowed: the 404 of a period never submitted.
    assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), []);
  } finally {
    await desk.close();
  }
});
