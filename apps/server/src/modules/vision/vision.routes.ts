import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { getSnapshotReading } from './vision.service.ts';

const SnapshotParams = Type.Object({ snapshotId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });
const Reading = Type.Object({
  snapshotId: Type.String(),
  status: Type.Union([Type.Literal('read'), Type.Literal('failed'), Type.Literal('pending')]),
  /** containerNumbers, sealNumbers, origin, quantity, netWeightKg, hsCode, barcodes, lines [{text, confidence, box}], fields with evidence boxes */
  reading: Type.Any(),
  /** {matches: [...] (green), findings: [...] (red, also stored as suggested findings)} */
  comparison: Type.Any(),
  ms: Type.Union([Type.Number(), Type.Null()]),
});

export function visionRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/snapshots/:snapshotId/reading', {
    // the service then answers 404 unless the snapshot's session belongs to the caller's customs office
    config: { access: { action: 'session.observe' } },
    schema: {
      tags: ['vision'], summary: "AI label recognition of a snapshot: readings with boxes, matches and mismatches with the declaration (customs staff of the office)",
      params: SnapshotParams, response: { 200: Reading, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
  }, async (req) => getSnapshotReading(ctx.db, actorOf(req), (req.params as { snapshotId: string }).snapshotId));
}
