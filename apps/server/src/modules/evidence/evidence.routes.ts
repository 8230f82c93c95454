import { createReadStream, promises as fs } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  CaseList, CaseMediaView, CaseStory, DeletionApproval, DeletionRejectBody, DeletionRequestBody, DeletionRequestList, DeletionRequestView, ErrorBody, IdParams, KeyList,
  RetentionParams, RetentionPeriodBody, RetentionPolicyList, type RetentionRecordType,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import { getCaseStory, listCases } from './case-story.service.ts';
import { caseReport, exportCaseToTemp } from './evidence.service.ts';
import { listKeys, rotateKey } from './keys.service.ts';
import { listCaseSnapshots, openCaseMedia, readMedia } from './media.service.ts';
import {
  approveDeletion, listDeletionRequests, listRetention, rejectDeletion, requestDeletion, setRetention, sweepRetention,
} from './retention.service.ts';
import { systemActor } from '../../platform/actor.ts';

const tags = ['evidence'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function evidenceRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/keys', {
    config: { access: { public: 'the public signing keys: anyone verifies signed records and evidence packages' } },
    schema: { tags, summary: "The server's Ed25519 public keys with their validity periods (public: verify signed records and evidence packages)", security: [], response: { 200: KeyList } },
  }, async () => listKeys(ctx.keys));

  app.post('/api/keys/rotate', {
    config: { access: { action: 'admin.manage' }, stepUp: true },
    schema: { tags, summary: 'Make a new signing key; the previous one is retired and stays published (administrator, audited)', response: { 200: KeyList, ...errors } },
  }, async (req) => rotateKey(ctx, actorOf(req)));

  app.get('/api/cases', {
    // the service lists the caller's office only
    config: { access: { action: 'audit.read' } },
    schema: {
      tags, summary: "The office's inspections (started or decided), newest first (supervisors, auditors, administrators)",
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: { 200: CaseList, ...errors },
    },
  }, async (req) => listCases(ctx.db, actorOf(req), (req.query as { limit?: number }).limit ?? 100));

  app.get('/api/orders/:id/case', {
    config: { access: { action: 'audit.read', scope: 'record' } },
    schema: { tags, summary: 'The complete story of one inspection in workflow order, with every audit entry of its records', params: IdParams, response: { 200: CaseStory, ...errors } },
  }, async (req) => getCaseStory(ctx, actorOf(req), id(req)));

  app.get('/api/orders/:id/evidence.zip', {
    config: { access: { action: 'evidence.export', scope: 'record' } },
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

  app.get('/api/orders/:id/report.pdf', {
    // order.read on the order (404); then customs need audit.read (403), the enterprise gets its edition once decided (else 404)
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: {
      tags, summary: 'The case report for people (PDF; the importer gets its own edition without customs-only data once decided): declaration, selection, timeline, findings with snapshots, decision and approvals, media hashes, key fingerprints, how to verify',
      params: IdParams, querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh-CN')])) }, { additionalProperties: false }),
      response: { 200: { description: 'application/pdf', type: 'string', format: 'binary' }, ...errors },
    },
  }, async (req, reply) => {
    const lang = (req.query as { lang?: 'en' | 'zh-CN' }).lang ?? 'en';
    const r = await caseReport(ctx, actorOf(req), id(req), lang);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="case-report-${r.orderNo}.pdf"`)
      .send(r.pdf);
  });

  app.get('/api/orders/:id/snapshots', {
    // order.read on the order (404); then audit.read, finding.record or session.observe in its office (else 404)
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'The snapshots of a case (to pick a finding\'s evidence from thumbnails; each opens at /api/media/:id)', params: IdParams, response: { 200: Type.Object({ items: Type.Array(CaseMediaView) }), ...errors } },
  }, async (req) => ({ items: await listCaseSnapshots(ctx.db, ctx.config.dataDir, actorOf(req), id(req)) }));

  app.get('/api/media/:id', {
    // order.read on the order (404), then the service also needs audit.read, finding.record or session.observe on it (else 404)
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'A recording or snapshot of a case (byte ranges supported, for the player)', params: IdParams, response: { 200: { type: 'string', format: 'binary' }, 206: { type: 'string', format: 'binary' }, 416: ErrorBody, ...errors } },
  }, async (req, reply) => {
    const m = await openCaseMedia(ctx.db, ctx.config.dataDir, actorOf(req), id(req), ctx.store);
    const type = m.file.contentType ?? (m.file.kind === 'recording' ? 'video/webm' : 'image/jpeg');
    reply.header('accept-ranges', 'bytes').header('content-type', type).header('cache-control', 'private, no-store');
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range && (range[1] || range[2])) {
      let start = range[1] ? Number(range[1]) : Math.max(0, m.size - Number(range[2]));
      let end = range[1] && range[2] ? Math.min(Number(range[2]), m.size - 1) : m.size - 1;
      if (!range[1]) end = m.size - 1;
      if (start >= m.size || start > end) {
        // the error is JSON (the media type set above would make it an unserialisable video body: a 500)
        return reply.status(416).header('content-type', 'application/json; charset=utf-8').header('content-range', `bytes */${m.size}`).send({ error: { code: 'range_not_satisfiable', message: `The file has ${m.size} bytes` } });
      }
      start = Math.max(0, start);
      return reply.status(206).header('content-range', `bytes ${start}-${end}/${m.size}`).header('content-length', String(end - start + 1))
        .send(await readMedia(ctx.store, m.file, { start, end }));
    }
    return reply.header('content-length', String(m.size)).send(await readMedia(ctx.store, m.file));
  });

  app.get('/api/retention', {
    config: { access: { action: 'audit.read' } },
    schema: { tags, summary: 'Retention period and legal minimum per record type (administrators, auditors, supervisors)', response: { 200: RetentionPolicyList, ...errors } },
  }, async (req) => listRetention(ctx, actorOf(req)));

  app.put('/api/retention/:recordType', {
    config: { access: { action: 'admin.manage' } },
    schema: {
      tags, summary: 'Set the retention period of a record type: ISO 8601 duration or "forever", never below its legal minimum (400 below_legal_minimum; administrator, audited)',
      params: RetentionParams, body: RetentionPeriodBody, response: { 200: RetentionPolicyList, ...errors },
    },
  }, async (req) => setRetention(ctx, actorOf(req), (req.params as { recordType: RetentionRecordType }).recordType, (req.body as { period: string }).period));

  // Deleting a record takes two administrators (four eyes): one asks, another approves; see retention.service.ts.
  app.get('/api/retention/deletion-requests', {
    config: { access: { action: 'audit.read' } },
    schema: { tags, summary: "The office's deletion requests, newest first (administrators, auditors, supervisors)", response: { 200: DeletionRequestList, ...errors } },
  }, async (req) => listDeletionRequests(ctx, actorOf(req)));

  app.post('/api/retention/deletion-requests', {
    config: { access: { action: 'admin.manage' } },
    schema: {
      tags, summary: 'Ask for the deletion of one record after its retention (administrator); 409 under_retention / case_open / case_on_hold / deletion_pending; another administrator must approve',
      body: DeletionRequestBody, response: { 201: DeletionRequestView, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body as { recordType: RetentionRecordType; recordId: string; reason: string };
    return reply.status(201).send(await requestDeletion(ctx, actorOf(req), b));
  });

  app.post('/api/retention/deletion-requests/:id/approve', {
    config: { access: { action: 'admin.manage' }, stepUp: true },
    schema: {
      tags, summary: 'Approve a deletion request (a different administrator of the office; 403 four_eyes for the requester): the record is deleted and a signed tombstone goes into the audit log',
      params: IdParams, body: Type.Object({}, { additionalProperties: false }), response: { 200: DeletionApproval, ...errors },
    },
  }, async (req) => approveDeletion(ctx, actorOf(req), id(req)));

  app.post('/api/retention/deletion-requests/:id/reject', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Turn a pending deletion request down (or withdraw your own), with a reason (administrator, audited)', params: IdParams, body: DeletionRejectBody, response: { 200: DeletionRequestView, ...errors } },
  }, async (req) => rejectDeletion(ctx, actorOf(req), id(req), (req.body as { reason: string }).reason));

  // The automatic sweep (RVI_RETENTION_SWEEP_MINUTES; off by default): the same rules, tombstones with basis `policy`.
  const minutes = ctx.config.retention.sweepMinutes;
  if (minutes > 0) {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      sweepRetention(ctx, systemActor('retention-sweep'))
        .then((r) => { if (r.deleted.length) app.log.info({ deleted: r.deleted.length, kept: r.kept }, 'retention sweep'); })
        .catch((err) => app.log.error({ err }, 'retention sweep failed'))
        .finally(() => { running = false; });
    }, minutes * 60_000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
}
