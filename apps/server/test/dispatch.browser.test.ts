// Browser journey (issue 18): an enterprise applies for inspection; the supervisor accepts it; dispatch cannot place
// it (the only inspector is fully booked), and the plan says why in words (no identifiers); the supervisor assigns it
// by hand with a reason (overriding capacity, audited), changes the inspector's capacity and the office's dispatch
// rules from the plan — no administrator involved; the inspector is notified live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { addDays, toWallClock } from '@rvi/dispatch';
import { auditLog, declarations, inspectionOrders, inspectorProfiles, inspectorRosters, users } from '../src/db/schema.ts';
import { startJourney, type Journey } from './workflow-browser.ts';

let j: Journey;
before(async () => { j = await startJourney(); });
after(async () => j?.close());

test('the supervisor assigns an unassigned application by hand, with a reason, and adjusts capacity and rotation', { timeout: 180_000 }, async () => {
  const db = j.app.ctx.db;
  const [i1] = await db.select().from(users).where(eq(users.username, 'inspector1'));
  const [i2] = await db.select().from(users).where(eq(users.username, 'inspector2'));
  await db.update(inspectorProfiles).set({ active: false }).where(eq(inspectorProfiles.userId, i2.id));
  await db.update(inspectorProfiles).set({ dailyCapacity: 0, qualifications: ['machinery_electronics', 'general', 'textiles', 'food_agri', 'metals', 'chemicals', 'plastics_rubber', 'wood_paper', 'instruments', 'vehicles', 'minerals_fuels'] }).where(eq(inspectorProfiles.userId, i1.id));
  const today = toWallClock(Date.now(), 'Asia/Shanghai').date;
  for (let k = 0; k < 10; k++) {
    await db.insert(inspectorRosters).values({ inspectorId: i1.id, date: addDays(today, k), onDuty: true })
      .onConflictDoUpdate({ target: [inspectorRosters.inspectorId, inspectorRosters.date], set: { onDuty: true } });
  }
  const [decl] = await db.select().from(declarations).where(and(eq(declarations.orgId, j.app.orgs.alpha), eq(declarations.status, 'filed'))).limit(1);

  // Enterprise: apply for a remote inspection from the declaration page.
  const ent = await j.open('alpha.user', /\/enterprise\/declarations$/);
  await ent.goto(`${j.base}/enterprise/declarations/${decl.id}`);
  await ent.getByTestId('open-apply').click();
  await ent.getByTestId('apply-form').locator('textarea').fill('Cold-chain goods: please inspect before Friday');
  await ent.getByTestId('submit-apply').click();
  await ent.getByTestId('application').waitFor();

  // Supervisor: accept it on the plan, run dispatch: nobody can take it, and the plan says why in words.
  const sup = await j.open('supervisor', /\/customs\/declarations$/);
  await sup.getByTestId('nav-plan').click();
  await sup.waitForFunction(() => ((document.querySelector('[data-testid="plan-from"]') as HTMLInputElement | null)?.value ?? '') !== '');
  assert.equal(await sup.getByTestId('plan-from').inputValue(), today, 'the From date shows the day the plan is for');
  await sup.getByTestId('accept-application').click();
  await sup.getByTestId('plan-range').getByText('Week').click();
  const [order] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.declarationId, decl.id));
  const row = sup.locator(`[data-testid="plan-order"][data-order-id="${order.id}"]`);
  await row.waitFor();
  await sup.getByTestId('run-dispatch').click();
  await sup.getByTestId('dispatch-result').waitFor();
  const reason = row.getByTestId('unassigned-reason');
  await reason.waitFor();
  const text = await reason.innerText();
  assert.match(text, /No inspector could take it on \d{4}-\d{2}-\d{2}: 1 fully booked\. The next 5 day\(s\) were tried too\./);
  assert.doesNotMatch(await row.innerText(), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no identifiers on the plan row');

  // Assign by hand: the dialog checks the inspector against the rules; capacity needs an explicit override.
  await row.getByTestId('assign-open').click();
  const dialog = sup.getByTestId('assign-form');
  const cand = dialog.locator(`[data-testid="assign-candidate"][data-inspector-id="${i1.id}"]`);
  await cand.waitFor();
  assert.match(await dialog.getByTestId('assign-candidates').innerText(), /fully booked that day/i);
  await cand.check();
  await dialog.getByTestId('assign-override-warning').waitFor();
  await dialog.getByTestId('assign-reason').fill('Perishable goods; overtime agreed with Zhang Wei');
  assert.equal(await dialog.getByTestId('assign-submit').isDisabled(), true, 'not without the override');
  await dialog.getByTestId('assign-override').check();
  const insp = await j.open('inspector1', /\/customs\/declarations$/);
  await insp.waitForSelector('[data-testid="notification-bell"][data-live="open"]');
  const unreadBefore = Number(await insp.getByTestId('notification-bell').getAttribute('data-unread'));
  await dialog.getByTestId('assign-submit').click();
  await sup.locator(`[data-testid="plan-order"][data-order-id="${order.id}"][data-state="assigned"]`).getByTestId('assigned-by-hand').waitFor();

  // The inspector hears of it live.
  await insp.waitForFunction((n) => Number(document.querySelector('[data-testid="notification-bell"]')?.getAttribute('data-unread') ?? 0) > n, unreadBefore);

  // Capacity from the plan (no administrator): 0 → 4.
  const inspRow = sup.locator(`[data-testid="plan-inspector"][data-inspector-id="${i1.id}"]`);
  await inspRow.getByTestId('capacity-edit').click();
  await sup.getByTestId('capacity-input').fill('4');
  await sup.getByTestId('capacity-save').click();
  await sup.waitForFunction((id) => /capacity 4\/day/.test(document.querySelector(`[data-testid="plan-inspector"][data-inspector-id="${id}"]`)?.textContent ?? ''), i1.id);
  // Rotation and look-ahead of the office, with a reason.
  await sup.getByTestId('settings-rotation').fill('3');
  await sup.getByTestId('settings-lookahead').fill('2');
  await sup.getByTestId('settings-reason').fill('Short-staffed this month');
  await sup.getByTestId('settings-save').click();
  await sup.getByTestId('settings-saved').waitFor();

  const [after] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.id));
  assert.deepEqual([after.state, after.inspectorId], ['assigned', i1.id]);
  const entries = await db.select().from(auditLog).where(eq(auditLog.targetId, order.id));
  const assigned = entries.find((e) => e.action === 'order.assigned')!;
  assert.deepEqual((assigned.summary as { overridden: string[] }).overridden, ['at_capacity']);
  assert.equal((assigned.summary as { reason: string }).reason, 'Perishable goods; overtime agreed with Zhang Wei');
  const [p] = await db.select().from(inspectorProfiles).where(eq(inspectorProfiles.userId, i1.id));
  assert.equal(p.dailyCapacity, 4);
  assert.ok((await db.select().from(auditLog).where(eq(auditLog.action, 'dispatch_settings.changed'))).length === 1);
});
