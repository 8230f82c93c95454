// Which second-factor state a login starts in: read by the session store (auth.service.ts) and the factor routes.
import { eq } from 'drizzle-orm';
import type { Role } from '@rvi/contracts';
import { totpFactors, webauthnCredentials } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';

/** Roles that must have a second factor when RVI_REQUIRE_2FA is on: they approve releases and deletions, rotate keys. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ['supervisor', 'administrator'];
export type FactorState = 'ok' | 'pending' | 'enrol';

/** The second-factor state a new login session starts in. */
export async function loginFactorState(db: Db, userId: string, role: Role, requireSecondFactor: boolean): Promise<FactorState> {
  const [t] = await db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
  if (t?.confirmedAt) return 'pending';
  const [k] = await db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).limit(1);
  if (k) return 'pending';
  if (requireSecondFactor && SECOND_FACTOR_ROLES.includes(role)) return 'enrol';
  return 'ok';
}
