import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import {
  EnterpriseCostFigure, ErrorBody, FIGURES, FiguresQuery, HitRateFigure, InspectorThroughputFigure, LiveAlerts, LiveQueues, LiveSessions,
  ReleaseTimeFigure, RemoteShareFigure, type FigureName, type FiguresQuery as FiguresQ,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { figureCsv, getFigure } from './dashboard.figures.ts';
import { liveAlerts, liveQueues, liveSessions } from './dashboard.live.ts';
import { installFigureRefresh } from './dashboard.jobs.ts';

const tags = ['dashboard'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const FIGURE_DOCS: Record<FigureName, { schema: TSchema; summary: string }> = {
  'release-time': { schema: ReleaseTimeFigure, summary: 'Time from application (or selection) to release: median, mean and distribution, remote vs on-site' },
  'inspector-throughput': { schema: InspectorThroughputFigure, summary: 'Inspections per inspector per day, remote vs on-site, and the efficiency ratio' },
  'remote-share': { schema: RemoteShareFigure, summary: 'Share of inspections done remotely, and the eligibility reasons the others were not' },
  'hit-rate': { schema: HitRateFigure, summary: 'Targeting hit rate (fraud found ÷ inspected): risk-selected vs randomly selected, per channel' },
  'enterprise-cost': { schema: EnterpriseCostFigure, summary: 'Enterprise cost proxies: trips avoided (remote inspections), waiting hours from arrival to release' },
};

/** Figures (supervisor, administrator, auditor of an office) and the live operations wall. */
export function dashboardRoutes(app: FastifyInstance, ctx: AppContext) {
  for (const name of FIGURES) {
    const doc = FIGURE_DOCS[name];
    app.get(`/api/dashboard/figures/${name}`, {
      // the service also answers 404 for another office than the caller's own
      config: { access: { action: 'dashboard.read' } },
      schema: {
        tags, summary: doc.summary,
        description: 'Filter by office (your own), period (office-local inspection days, default the last 28), channel and mode. `format=csv` downloads the figure\'s table.',
        querystring: FiguresQuery, response: { 200: doc.schema, ...errors },
      },
    }, async (req, reply) => {
      const q = req.query as FiguresQ;
      const fig = await getFigure(ctx.db, actorOf(req), name, q);
      if (q.format !== 'csv') return fig;
      const f = fig.filter;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}_${f.from}_${f.to}.csv"`)
        .send(figureCsv(fig));
    });
  }

  app.get('/api/dashboard/live/sessions', {
    config: { access: { action: 'dashboard.read' } },
    schema: { tags, summary: 'Live sessions of your office as wall tiles (enterprise, goods, inspector, duration, network quality, latest snapshot)', response: { 200: LiveSessions, ...errors } },
  }, async (req) => liveSessions(ctx.db, actorOf(req)));

  app.get('/api/dashboard/live/queues', {
    config: { access: { action: 'dashboard.read' } },
    schema: { tags, summary: 'Work queues of your office by state: selected, awaiting dispatch, awaiting booking, booked today, in progress, awaiting approval', response: { 200: LiveQueues, ...errors } },
  }, async (req) => liveQueues(ctx.db, actorOf(req)));

  app.get('/api/dashboard/live/alerts', {
    config: { access: { action: 'dashboard.read' } },
    schema: { tags, summary: 'Alerts: a session with bad network for over a minute, a missed appointment, an order waiting past its target time', response: { 200: LiveAlerts, ...errors } },
  }, async (req) => liveAlerts(ctx.db, actorOf(req)));

  installFigureRefresh(app, ctx);
}
