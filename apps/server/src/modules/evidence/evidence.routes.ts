import { createReadStream, promises as fs } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  CaseList, CaseStory, DeletionResult, IdParams, KeyList, RetentionParams, RetentionPeriodBody, RetentionPolicyList, RetentionRecordParams,
  type RetentionRecordType,
} from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import { getCaseStory, listCases } from './case-story.service.ts';
import { exportCaseToTemp } from './evidence.service.ts';
import { listKeys, rotateKey } from './keys.service.ts';
import { openCaseMedia } from './media.service.ts';
import { deleteRecord, listRetention, setRetention } from './retention.service.ts';

const tags = ['evidence'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function evidenceRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/keys', {
    schema: { tags, summary: "The server's Ed25519 public keys with their validity periods (public: verify signed records and evidence packages)", security: [], response: { 200: KeyList } },
  }, async () => listKeys(ctx.keys));

  app.post('/api/keys/rotate', {
    schema: { tags, summary: 'Make a new signing key; the previous one is retired and stays published (administrator, audited)', response: { 200: KeyList, ...errors } },
  }, async (req) => rotateKey(ctx, actorOf(req)));

  app.get('/api/cases', {
    schema: {
      tags, summary: "The office's inspections (started or decided), newest first (supervisors, auditors, administrators)",
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: { 200: CaseList, ...errors },
    },
  }, async (req) => listCases(ctx.db, actorOf(req), (req.query as { limit?: number }).limit ?? 100));

  app.get('/api/orders/:id/case', {
    schema: { tags, summary: 'The complete story of one inspection in workflow order, with every audit entry of its records', params: IdParams, response: { 200: CaseStory, ...errors } },
  }, async (req) => getCaseStory(ctx, actorOf(req), id(req)));

  app.get('/api/orders/:id/evidence.zip', {
    schema: {
      tags, summary: 'Download the evidence package (zip: manifest.json, manifest.sig, audit.jsonl, media/); verify with `rvi evidence verify`',
      params: IdParams, response: { 200: { description: 'application/zip', type: 'string', format: 'binary' }, ...errors },
    },
  }, async (req, reply) => {
    const r = await exportCaseToTemp(ctx, actorOf(req), id(req));
    const stream = createReadStream(r.path);
    // The temporary zip goes as soon as the download ends, whether it completed or the client went away.
    stream.once('close', () => void fs.rm(r.path, { force: true }));
    const name = `evidence-${id(req)}.zip`;
    return reply
      .header('content-type', 'application/zip')
      .header('content-length', String(r.bytes))
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-manifest-sha256', r.manifestSha256)
      .header('x-signing-key-id', r.keyId)
      .send(stream);
  });

  app.get('/api/media/:id', {
    schema: { tags, summary: 'A recording or snapshot of a case (byte ranges supported, for the player)', params: IdParams, response: { 200: { type: 'string', format: 'binary' }, 206: { type: 'string', format: 'binary' }, ...errors } },
  }, async (req, reply) => {
    const m = await openCaseMedia(ctx.db, ctx.config.dataDir, actorOf(req), id(req));
    const type = m.file.contentType ?? (m.file.kind === 'recording' ? 'video/webm' : 'image/jpeg');
    reply.header('accept-ranges', 'bytes').header('content-type', type).header('cache-control', 'private, no-store');
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range && (range[1] || range[2])) {
      let start = range[1] ? Number(range[1]) : Math.max(0, m.size - Number(range[2]));
      let end = range[1] && range[2] ? Math.min(Number(range[2]), m.size - 1) : m.size - 1;
      if (!range[1]) end = m.size - 1;
      if (start >= m.size || start > end) {
        return reply.status(416).header('content-range', `bytes */${m.size}`).send({ error: { code: 'range_not_satisfiable', message: `The file has ${m.size} bytes` } });
      }
      start = Math.max(0, start);
      return reply.status(206).header('content-range', `bytes ${start}-${end}/${m.size}`).header('content-length', String(end - start + 1))
        .send(createReadStream(m.path, { start, end }));
    }
    return reply.header('content-length', String(m.size)).send(createReadStream(m.path));
  });

  app.get('/api/retention', {
    schema: { tags, summary: 'Retention period per record type (administrators, auditors, supervisors)', response: { 200: RetentionPolicyList, ...errors } },
  }, async (req) => listRetention(ctx.db, actorOf(req)));

  app.put('/api/retention/:recordType', {
    schema: { tags, summary: 'Set the retention period of a record type: ISO 8601 duration or "forever" (administrator, audited)', params: RetentionParams, body: RetentionPeriodBody, response: { 200: RetentionPolicyList, ...errors } },
  }, async (req) => setRetention(ctx.db, actorOf(req), (req.params as { recordType: RetentionRecordType }).recordType, (req.body as { period: string }).period));

  app.delete('/api/retention/records/:recordType/:id', {
    schema: {
      tags, summary: 'Delete one record after its retention period (administrator, audited); under retention: 409 with the date it expires',
      params: RetentionRecordParams, response: { 200: DeletionResult, ...errors },
    },
  }, async (req) => {
    const p = req.params as { recordType: RetentionRecordType; id: string };
    return deleteRecord(ctx.db, ctx.config.dataDir, actorOf(req), p.recordType, p.id);
  });
}
