import { Type, type Static } from '@sinclair/typebox';

export const Channel = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
const Metrics = Type.Record(Type.String(), Type.Any());

export const RiskView = Type.Object({
  declarationId: Type.String(),
  score: Type.Number(),
  channel: Channel,
  modelId: Type.String(),
  modelVersion: Type.Integer(),
  scoredAt: Type.String(),
  /** { score, baseScore, up: [{label, input, contribution, features}], down: [...] } */
  explanation: Type.Any(),
  selection: Type.Union([
    Type.Object({ runId: Type.String(), reason: Type.Union([Type.Literal('risk'), Type.Literal('random')]), rank: Type.Union([Type.Integer(), Type.Null()]), seed: Type.String(), algorithm: Type.String() }),
    Type.Null(),
  ]),
});
export type RiskView = Static<typeof RiskView>;

export const RiskModelView = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  trainedFrom: Type.String(),
  trainedTo: Type.String(),
  trainingRows: Type.Integer(),
  trainSeconds: Type.Number(),
  metrics: Metrics,
  curve: Type.Array(Type.Object({ share: Type.Number(), precision: Type.Number(), recall: Type.Number() })),
  importances: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), gain: Type.Number(), share: Type.Number(), splits: Type.Number() })),
  source: Type.String(),
  createdAt: Type.String(),
  activatedAt: Type.Union([Type.String(), Type.Null()]),
});
export type RiskModelView = Static<typeof RiskModelView>;

export const TargetingSettings = Type.Object({
  inspectionRate: Type.Number({ minimum: 0, maximum: 1, description: 'share of declarations to inspect, e.g. 0.05' }),
  randomShare: Type.Number({ minimum: 0, maximum: 1, description: 'share of the quota drawn at random, e.g. 0.1' }),
}, { additionalProperties: false });
export type TargetingSettings = Static<typeof TargetingSettings>;

export const SelectionOutcome = Type.Object({
  runId: Type.Union([Type.String(), Type.Null()]),
  seed: Type.Union([Type.String(), Type.Null()]),
  selected: Type.Array(Type.Object({ declarationId: Type.String(), reason: Type.Union([Type.Literal('risk'), Type.Literal('random')]) })),
});
export const ReplayResult = Type.Object({ same: Type.Boolean(), runId: Type.String(), seed: Type.String(), detail: Type.Optional(Type.String()) });
