import { type UnitOfWork } from '../../platform/unit-of-work.ts';
import { liveKeys } from '@rvi/contracts';

/** The query keys an order change invalidates, for the rooms of everyone concerned (delivered through the outbox). */
export function invalidateOrder(uow: Pick<UnitOfWork, 'invalidate'>, o: { officeId: string; enterpriseId: string; inspectorId?: string | null }, extraUsers: (string | null | undefined)[] = []): void {
  uow.invalidate([`office:${o.officeId}`, `org:${o.enterpriseId}`, o.inspectorId ? `user:${o.inspectorId}` : null, ...extraUsers.map((u) => (u ? `user:${u}` : null))], [liveKeys.orders(), liveKeys.notifications()]);
}
