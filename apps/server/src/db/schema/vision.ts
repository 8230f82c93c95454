import { doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** What the vision module read on a snapshot, and how it compares with the declaration and the arrival notice. */
export const visionReadings = pgTable('vision_readings', {
  id: text('id').primaryKey(),
  snapshotId: text('snapshot_id').notNull().unique(),
  sessionId: text('session_id'),
  orderId: text('order_id'),
  status: text('status').$type<'read' | 'failed'>().notNull(),
  /** The reading (fields, lines with boxes, barcodes) or the error. */
  result: jsonb('result').notNull(),
  /** {matches, findings} from compareWithDeclaration. */
  comparison: jsonb('comparison'),
  width: integer('width'),
  height: integer('height'),
  model: text('model'),
  ms: doublePrecision('ms').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [index('vision_readings_order_idx').on(t.orderId), index('vision_readings_session_idx').on(t.sessionId)]);
