import { Type, type Static } from '@sinclair/typebox';

export const CheckpointProblemView = Type.Object({
  treeSize: Type.Integer(),
  at: Type.String(),
  problem: Type.Union(['log_truncated', 'log_rewritten', 'bad_checkpoint', 'untrusted_checkpoint'].map((p) => Type.Literal(p))),
  message: Type.String(),
});

export const AuditVerifyResult = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  firstBroken: Type.Union([
    Type.Object({ seq: Type.Integer(), problem: Type.String(), message: Type.String() }),
    Type.Null(),
  ]),
  /** The log compared with signed checkpoints kept outside the database: truncation and rewrites show up here. */
  checkpointProblems: Type.Array(CheckpointProblemView),
  checkpointsChecked: Type.Integer(),
});

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A signed checkpoint of the audit log (CT-style signed tree head). */
export const SignedCheckpointView = Type.Object({
  checkpoint: Type.Object({
    format: Type.Literal('rvi-audit-checkpoint/1'),
    log: Type.String({ maxLength: 300 }),
    treeSize: Type.Integer({ minimum: 0 }),
    rootHash: Hex64,
    headHash: Hex64,
    at: Type.String({ maxLength: 40 }),
  }, { additionalProperties: false }),
  algorithm: Type.Literal('Ed25519'),
  keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  publicKey: Type.String({ maxLength: 100 }),
  signature: Type.String({ maxLength: 200 }),
}, { additionalProperties: false });
export type SignedCheckpointView = Static<typeof SignedCheckpointView>;

export const VerifyWithCheckpointsBody = Type.Object({
  checkpoints: Type.Array(SignedCheckpointView, { minItems: 1, maxItems: 10_000 }),
}, { additionalProperties: false });
export type VerifyWithCheckpointsBody = Static<typeof VerifyWithCheckpointsBody>;
export type AuditVerifyResult = Static<typeof AuditVerifyResult>;

export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  orgId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  summary: Type.Any(),
  requestId: Type.Union([Type.String(), Type.Null()]),
  prevHash: Type.String(),
  hash: Type.String(),
});
export type AuditEntryView = Static<typeof AuditEntryView>;
