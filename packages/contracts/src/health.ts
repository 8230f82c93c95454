import { Type, type Static } from '@sinclair/typebox';
export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
  migrationsApplied: Type.Integer(),
  migrationsExpected: Type.Integer(),
});
export type Health = Static<typeof Health>;
