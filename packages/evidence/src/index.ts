export * from './canonical.ts';
export * from './audit-chain.ts';
