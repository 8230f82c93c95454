import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  AcceptApplicationBody, ConflictInput, CreateOrderBody, Id, IdParams, InspectionOrder, InspectorProfileInput, InspectorView,
  OrderDetail, OrderList, OrderListQuery, OrderSettings, PersonList, Plan, PlanQuery, ReasonBody, RosterInput,
  type AcceptApplicationBody as AcceptBody, type CreateOrderBody as CreateBody, type OrderListQuery as ListQuery, type PlanQuery as PlanQ,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from './orders.http.ts';
import {
  acceptApplication, cancelOrder, confirmArrival, createManualOrder, getOrder, listOperators, listPendingApplications, startInspection,
} from './orders.service.ts';
import { getPlan, listOrders } from './orders.list.ts';
import { declareConflict, listInspectors, saveInspectorProfile, saveRoster, withdrawConflict } from './inspectors.service.ts';
import { getOrderSettings, saveOrderSettings } from './orders.settings.ts';

const tags = ['orders'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

/** Inspection orders: lists, the plan, manual orders, arrival, start, cancellation; inspectors and rosters. */
export function orderRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/orders', {
    config: { access: { action: 'order.read' } },
    schema: { tags, summary: 'Inspection orders you may see (enterprise: its own; customs: the office\'s), queue order', querystring: OrderListQuery, response: { 200: OrderList, ...errors } },
  }, async (req) => listOrders(ctx.db, actorOf(req), req.query as ListQuery));

  app.post('/api/orders', {
    config: { access: { action: 'order.plan' } },
    schema: { tags, summary: 'Supervisor: create an inspection order for a declaration by hand (selection "manual")', body: CreateOrderBody, response: { 201: InspectionOrder, ...errors } },
  }, async (req, reply) => reply.status(201).send(await createManualOrder(ctx.db, actorOf(req), req.body as CreateBody)));

  app.get('/api/orders/plan', {
    config: { access: { action: 'order.plan' } },
    schema: { tags, summary: 'Supervisor: the office\'s plan for a day or week (by state, mode, inspector)', querystring: PlanQuery, response: { 200: Plan, ...errors } },
  }, async (req) => getPlan(ctx.db, actorOf(req), req.query as PlanQ));

  app.get('/api/orders/operators', {
    // the service then refuses non-enterprise callers (403)
    config: { access: { action: 'order.book' } },
    schema: { tags, summary: 'Enterprise: users who can be named as on-site operator', response: { 200: PersonList, ...errors } },
  }, async (req) => listOperators(ctx.db, actorOf(req)));

  app.get('/api/orders/:id', {
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'One inspection order (customs also see history, risk and the eligibility decision)', params: IdParams, response: { 200: OrderDetail, ...errors } },
  }, async (req) => getOrder(ctx.db, actorOf(req), id(req)));

  app.post('/api/orders/:id/cancel', {
    config: { access: { action: 'order.plan', scope: 'record' } },
    schema: { tags, summary: 'Supervisor: cancel an order before the inspection starts', params: IdParams, body: ReasonBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => cancelOrder(ctx.db, actorOf(req), id(req), (req.body as ReasonBody).reason));

  app.post('/api/orders/:id/start', {
    // the service also requires the inspector assigned to the order
    config: { access: { action: 'order.schedule', scope: 'record' } },
    schema: { tags, summary: 'Assigned inspector: start the inspection (booked or on-site scheduled → in progress)', params: IdParams, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => startInspection(ctx.db, actorOf(req), id(req)));

  app.get('/api/inspection-applications', {
    config: { access: { action: 'order.plan' } },
    schema: { tags, summary: 'Supervisor: enterprises\' inspection applications waiting for a decision', response: { 200: Type.Object({ items: Type.Array(Type.Any()) }), ...errors } },
  }, async (req) => listPendingApplications(ctx.db, actorOf(req)));

  app.post('/api/inspection-applications/:id/accept', {
    config: { access: { action: 'order.plan', scope: 'record' } },
    schema: { tags, summary: 'Supervisor: accept an application; it becomes an inspection order', params: IdParams, body: AcceptApplicationBody, response: { 201: InspectionOrder, ...errors } },
  }, async (req, reply) => reply.status(201).send(await acceptApplication(ctx.db, actorOf(req), id(req), req.body as AcceptBody)));

  app.post('/api/arrival-notices/:id/confirm', {
    // 404 unless the caller sees the declaration; then the enterprise needs arrival_notice.create, customs order.plan or order.schedule (403)
    config: { access: { action: 'declaration.read', scope: 'record' } },
    schema: {
      tags, summary: 'Confirm that the goods of an arrival notice arrived (inspect-on-arrival orders jump the queue)', params: IdParams,
      response: { 200: Type.Object({ confirmedAt: Type.String(), orders: Type.Array(InspectionOrder) }), ...errors },
    },
  }, async (req) => confirmArrival(ctx.db, actorOf(req), id(req)));

  app.get('/api/inspectors', {
    // the service then refuses non-customs callers (403)
    config: { access: { action: 'office.read' } },
    schema: { tags, summary: 'Inspectors of your office: qualifications, capacity, roster (next 14 days), conflicts', response: { 200: Type.Object({ items: Type.Array(InspectorView) }), ...errors } },
  }, async (req) => listInspectors(ctx.db, actorOf(req)));

  app.put('/api/inspectors/:id/profile', {
    // user.read: shared by supervisor and administrator; the service requires order.plan or admin.manage (403) and an inspector of the caller's office (404)
    config: { access: { action: 'user.read', scope: 'record' } },
    schema: { tags, summary: 'Set an inspector\'s qualifications and daily capacity', params: IdParams, body: InspectorProfileInput, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await saveInspectorProfile(ctx.db, actorOf(req), id(req), req.body as InspectorProfileInput); return reply.status(204).send(); });

  app.put('/api/inspectors/:id/roster', {
    // user.read: shared by supervisor and administrator; the service requires order.plan or admin.manage (403) and an inspector of the caller's office (404)
    config: { access: { action: 'user.read', scope: 'record' } },
    schema: { tags, summary: 'Set duty days of an inspector (on duty / off, per office-local date)', params: IdParams, body: RosterInput, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await saveRoster(ctx.db, actorOf(req), id(req), req.body as RosterInput); return reply.status(204).send(); });

  app.post('/api/inspectors/:id/conflicts', {
    // user.read: shared by supervisor and administrator; the service requires order.plan or admin.manage (403) and an inspector of the caller's office (404)
    config: { access: { action: 'user.read', scope: 'record' } },
    schema: { tags, summary: 'Declare a conflict of interest between an inspector and an enterprise', params: IdParams, body: ConflictInput, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => { await declareConflict(ctx.db, actorOf(req), id(req), req.body as ConflictInput); return reply.status(204).send(); });

  app.post('/api/inspectors/:id/conflicts/:enterpriseId/withdraw', {
    // user.read: shared by supervisor and administrator; the service requires order.plan or admin.manage (403) and an inspector of the caller's office (404)
    config: { access: { action: 'user.read', scope: 'record' } },
    schema: {
      tags, summary: 'Withdraw a declared conflict of interest', params: Type.Object({ id: Id, enterpriseId: Id }, { additionalProperties: false }), body: ReasonBody,
      response: { 204: Type.Null(), ...errors },
    },
  }, async (req, reply) => {
    const p = req.params as { id: string; enterpriseId: string };
    await withdrawConflict(ctx.db, actorOf(req), p.id, p.enterpriseId, (req.body as ReasonBody).reason);
    return reply.status(204).send();
  });

  app.get('/api/order-settings', {
    // the service then answers 404 to non-customs callers
    config: { access: { action: 'order.read' } },
    schema: { tags, summary: 'Your office\'s working hours, time zone and booking/dispatch settings', response: { 200: OrderSettings, ...errors } },
  }, async (req) => getOrderSettings(ctx.db, actorOf(req)));

  app.put('/api/order-settings', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Administrator: change working hours and booking/dispatch settings (effective at once)', body: OrderSettings, response: { 200: OrderSettings, ...errors } },
  }, async (req) => saveOrderSettings(ctx.db, actorOf(req), req.body as OrderSettings));
}
