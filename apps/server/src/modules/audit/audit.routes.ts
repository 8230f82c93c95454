import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AuditEntryView, AuditVerifyResult, ErrorBody } from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import { requireRole } from '../../platform/policy.ts';
import { listAudit, verifyAuditLog } from './audit.service.ts';

export function auditRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/audit/verify', {
    schema: { tags: ['audit'], summary: 'Walk the hash chain and name the first broken entry (auditor, administrator)', response: { 200: AuditVerifyResult, 401: ErrorBody, 403: ErrorBody } },
  }, async (req) => {
    requireRole(actorOf(req), 'audit.verify');
    return verifyAuditLog(ctx.db);
  });

  app.get('/api/audit', {
    schema: {
      tags: ['audit'], summary: 'Latest audit entries, newest first (customs supervisors, auditors, administrators)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditEntryView) }), 401: ErrorBody, 403: ErrorBody },
    },
  }, async (req) => {
    requireRole(actorOf(req), 'audit.read');
    const q = req.query as { limit?: number; beforeSeq?: number };
    return { items: await listAudit(ctx.db, { limit: q.limit ?? 100, beforeSeq: q.beforeSeq }) };
  });
}
