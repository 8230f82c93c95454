import type { Actor } from './actor.ts';
import { AppError } from './errors.ts';

/**
 * Step-up: before the most sensitive actions (approving a decision, approving a deletion, rotating the signing keys)
 * a user who has a second factor (or whose role requires one) must have proved it within the last `minutes`.
 * An API token never may: there is no person to ask (403 step_up_required).
 */
export function assertRecentFactor(actor: Actor, minutes: number, now = Date.now()): void {
  if (actor.kind === 'system') return;
  if (actor.token) throw new AppError('step_up_required', 403, 'This action needs a signed-in person who confirms it with a second factor; an API token may not take it');
  const f = actor.factor;
  if (!f || !f.required) return;
  if (f.verifiedAt === null || now - f.verifiedAt > minutes * 60_000) {
    throw new AppError('step_up_required', 403, `Confirm with your authenticator code first (POST /api/auth/factor): this action needs a second factor given within the last ${minutes} minutes`, { withinMinutes: minutes });
  }
}
