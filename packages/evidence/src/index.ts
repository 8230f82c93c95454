export * from './canonical.ts';
export * from './audit-chain.ts';
export * from './keys.ts';
export * from './signing.ts';
export * from './package-format.ts';
export * from './package-export.ts';
export * from './package-verify.ts';
export * from './retention.ts';
export { runEvidenceVerifyCli, type CliIo } from './cli.ts';
