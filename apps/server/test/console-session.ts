// The inspector's first steps in a browser journey: log in to the console as inspector1 and start the live session of
// a booked order from the sessions page. Shared by the browser tests and benches that need a live session.
import type { Page } from 'playwright-core';
import { TEST_PASSWORD } from './harness.ts';

/** Logs `inspector` in and starts the session of `orderNo`; returns the session id (the page is on its console). */
export async function inspectorStartsSession(inspector: Page, base: string, orderNo: string): Promise<string> {
  await inspector.goto(`${base}/login`);
  await inspector.getByTestId('login-username').fill('inspector1');
  await inspector.getByTestId('login-password').fill(TEST_PASSWORD);
  await inspector.getByTestId('login-submit').click();
  await inspector.waitForURL(/\/customs\//);
  await inspector.goto(`${base}/customs/sessions`);
  await inspector.locator(`[data-testid="ready-order"][data-order-no="${orderNo}"]`).getByTestId('start-session').click();
  await inspector.waitForURL(/\/customs\/sessions\/[0-9a-f-]{36}$/);
  return inspector.url().split('/').pop()!;
}
