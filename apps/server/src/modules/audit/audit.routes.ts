import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AuditEntryView, AuditVerifyResult, ErrorBody, SignedCheckpointView, VerifyWithCheckpointsBody } from '@rvi/contracts';
import type { SignedCheckpoint } from '@rvi/evidence';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { auditScopeOf, listAudit, verifyAuditLog } from './audit.service.ts';

export function auditRoutes(app: FastifyInstance, ctx: AppContext) {
  const verify = async (given: readonly SignedCheckpoint[] = []) =>
    verifyAuditLog(ctx.db, { checkpoints: [...(await ctx.checkpoints.all()), ...given], trustedKeys: await ctx.keys.listPublicKeys() });

  app.get('/api/audit/verify', {
    schema: {
      tags: ['audit'], summary: "Walk the hash chain, name the first broken entry, and compare the log with every checkpoint this server signed (auditor, administrator)",
      response: { 200: AuditVerifyResult, 401: ErrorBody, 403: ErrorBody },
    },
    config: { access: { action: 'audit.verify' } },
  }, async () => {
    return verify();
  });

  app.post('/api/audit/verify', {
    schema: {
      tags: ['audit'], summary: 'As GET, and also compare the log with the checkpoints you send (kept outside the server: a witness, an evidence package, your own copy)',
      body: VerifyWithCheckpointsBody, response: { 200: AuditVerifyResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
    },
    config: { access: { action: 'audit.verify' } },
  }, async (req) => {
    return verify((req.body as VerifyWithCheckpointsBody).checkpoints as SignedCheckpoint[]);
  });

  app.get('/api/audit/checkpoint', {
    schema: {
      tags: ['audit'], summary: 'The latest signed checkpoint of the audit log (entry count, Merkle root, head hash, time); keep copies outside the server',
      response: { 200: SignedCheckpointView, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
    },
    config: { access: { action: 'audit.read' } },
  }, async () => {
    return (await ctx.checkpoints.latest()) ?? ctx.checkpoints.create();
  });

  app.post('/api/audit/checkpoints', {
    schema: {
      tags: ['audit'], summary: 'Sign a checkpoint of the log now (after checking it against the previous one); refused with 409 audit_log_broken when the log does not verify',
      response: { 201: SignedCheckpointView, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
    },
    config: { access: { action: 'audit.verify' } },
  }, async (req, reply) => {
    return reply.status(201).send(await ctx.checkpoints.create());
  });

  // Periodic checkpoints (only when the log grew), one at start and one at shutdown.
  const minutes = ctx.config.auditCheckpointMinutes;
  const tick = () => ctx.checkpoints.create({ ifGrown: true }).catch((err) => app.log.error({ err }, 'audit checkpoint failed'));
  const timer = minutes > 0 ? setInterval(tick, minutes * 60_000) : null;
  timer?.unref();
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });

  app.get('/api/audit', {
    schema: {
      tags: ['audit'], summary: 'Latest audit entries, newest first (customs supervisors, auditors, administrators)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditEntryView) }), 401: ErrorBody, 403: ErrorBody },
    },
    config: { access: { action: 'audit.read' } },
  }, async (req) => {
    const actor = actorOf(req);
    const q = req.query as { limit?: number; beforeSeq?: number };
    return { items: await listAudit(ctx.db, { limit: q.limit ?? 100, beforeSeq: q.beforeSeq, officeId: auditScopeOf(actor, ctx.config.nationalAuditors) }) };
  });
}
