export * from './common.ts';
export * from './auth.ts';
export * from './declarations.ts';
export * from './audit.ts';
export * from './health.ts';
export * from './realtime.ts';
export * from './risk.ts';
export * from './orders.ts';
