import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { eq, or } from 'drizzle-orm';
import { ErrorBody, Org } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { isEnterprise } from '../../platform/policy.ts';
import { organisations } from '../../db/schema.ts';

export function orgRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/orgs', {
    schema: { tags: ['organisations'], summary: 'Organisations you deal with: your own, and for customs staff the enterprises your office supervises', response: { 200: Type.Object({ items: Type.Array(Org) }), 401: ErrorBody, 403: ErrorBody } },
    config: { access: { action: 'org.read' } },
  }, async (req) => {
    const actor = actorOf(req);
    const rows = isEnterprise(actor)
      ? await ctx.db.select().from(organisations).where(eq(organisations.id, actor.orgId!))
      : await ctx.db.select().from(organisations).where(or(eq(organisations.id, actor.officeId!), eq(organisations.supervisingOfficeId, actor.officeId!)));
    return { items: rows.map((o) => ({ id: o.id, name: o.name, kind: o.kind, code: o.code, supervisingOfficeId: o.supervisingOfficeId })) };
  });
}
