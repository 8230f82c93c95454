// All tables, one file per domain area under ./schema/ (drizzle-kit reads that folder).
export * from './schema/core.ts';
export * from './schema/notifications.ts';
export * from './schema/risk.ts';
export * from './schema/orders.ts';
export * from './schema/findings.ts';
export * from './schema/sessions.ts';
export * from './schema/dashboard.ts';
export * from './schema/vision.ts';
export * from './schema/identity.ts';
export * from './schema/outbox.ts';
