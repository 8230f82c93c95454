// What vision compares a reading with (issue 18): the declaration's containers and seals, goods lines (HS code,
// quantity and Rec. 20 unit, net mass, origin), package count, net and gross mass, and the arrival notices'
// containers; weights within the office's tolerance. One builder for snapshots and live reading alike.
import { asc, eq } from 'drizzle-orm';
import type { ArrivalNoticeForComparison, ComparisonOptions, DeclarationForComparison, DeclaredItem } from '@rvi/vision';
import { arrivalNotices, declarations, inspectionOrders } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { loadOrderSettings } from '../orders/orders.settings.ts';

type DeclarationRow = typeof declarations.$inferSelect;
type NoticeRow = typeof arrivalNotices.$inferSelect;

export type ComparisonInput = ReturnType<typeof comparisonInputOf>;

/**
 * What an order's readings are compared with, loaded: its declaration, the arrival notices' containers and the
 * office's weight tolerance (default 5 %). Null when the order does not exist.
 */
export async function loadComparisonInput(db: Db, orderId: string): Promise<(ComparisonInput & { declarationId: string }) | null> {
  const [order] = await db.select({ d: declarations, officeId: inspectionOrders.officeId }).from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId)).where(eq(inspectionOrders.id, orderId));
  if (!order) return null;
  const notices = await db.select({ containerNumbers: arrivalNotices.containerNumbers }).from(arrivalNotices)
    .where(eq(arrivalNotices.declarationId, order.d.id)).orderBy(asc(arrivalNotices.createdAt));
  const settings = await loadOrderSettings(db, order.officeId);
  return { ...comparisonInputOf(order.d, notices, settings.weightTolerancePct ?? 5), declarationId: order.d.id };
}

export function comparisonInputOf(d: DeclarationRow, notices: Pick<NoticeRow, 'containerNumbers'>[], weightTolerancePct: number): {
  declaration: DeclarationForComparison; notice: ArrivalNoticeForComparison; options: ComparisonOptions;
} {
  const lines = d.goodsLines ?? [];
  const single = lines.length <= 1;
  const items: DeclaredItem[] = lines.length
    ? lines.map((g) => ({
      hsCode: g.hsCode, originCountry: g.countryOfOrigin ?? d.countryOfOrigin, quantity: { value: g.quantity, unit: g.unit },
      netMassKg: g.netMassKg ?? (single ? d.netMassKg : null),
      // The package count and gross mass are declared for the whole consignment: they belong to a line only when it is the only one.
      ...(single ? { grossMassKg: d.grossMassKg, packages: d.packageCount } : {}),
    }))
    : [{ hsCode: d.hs6, originCountry: d.countryOfOrigin, netMassKg: d.netMassKg, grossMassKg: d.grossMassKg, packages: d.packageCount }];
  const containers = [...new Set([...notices.flatMap((n) => n.containerNumbers), ...(d.containers ?? []).map((c) => c.number)])];
  return {
    declaration: { countryOfOrigin: d.countryOfOrigin, items, sealNumbers: (d.containers ?? []).flatMap((c) => c.seals) },
    notice: { containerNumbers: containers },
    options: { weightTolerance: weightTolerancePct / 100 },
  };
}
