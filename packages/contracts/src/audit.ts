import { Type, type Static } from '@sinclair/typebox';

export const AuditVerifyResult = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  firstBroken: Type.Union([
    Type.Object({ seq: Type.Integer(), problem: Type.String(), message: Type.String() }),
    Type.Null(),
  ]),
});
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
