import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  BookBody, ConnectionTestInput, DeviceInput, DeviceList, IdParams, InspectionOrder, MissedCheckResult, ReasonBody, RegisterRemoteBody, ScheduleVisitBody,
  SlotList, SlotsQuery,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { systemActor } from '../../platform/actor.ts';
import { errors } from '../orders/orders.http.ts';
import {
  bookSlot, checkMissedAppointments, listDevices, listFreeSlots, recordConnectionTest, recordOperatorJoined, registerDevice, registerRemote,
  requestReschedule, scheduleVisit,
} from './booking.service.ts';

const tags = ['booking'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;
const Created = Type.Object({ id: Type.String() });

/** Every minute: missed appointments and reminders (the same check a supervisor can run on demand). */
export function installMissedAppointmentSweep(app: FastifyInstance, ctx: AppContext, everyMs = 60_000) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    checkMissedAppointments(ctx.db, systemActor('missed-appointments'), {})
      .catch((err) => app.log.error({ err }, 'missed-appointment sweep failed'))
      .finally(() => { running = false; });
  }, everyMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

export function bookingRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/orders/:id/register-remote', {
    // the service also requires the inspector assigned to the order
    config: { access: { action: 'order.schedule', scope: 'record' } },
    schema: { tags, summary: 'Assigned inspector: register the remote inspection; free slots are offered to the enterprise', params: IdParams, body: RegisterRemoteBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => registerRemote(ctx.db, actorOf(req), id(req), (req.body ?? {}) as RegisterRemoteBody));

  app.get('/api/orders/:id/slots', {
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'Free slots of the order\'s inspector (and of the named operator) in the office\'s working hours', params: IdParams, querystring: SlotsQuery, response: { 200: SlotList, ...errors } },
  }, async (req) => listFreeSlots(ctx.db, actorOf(req), id(req), req.query as SlotsQuery));

  app.post('/api/orders/:id/booking', {
    // the service also refuses non-enterprise callers (403)
    config: { access: { action: 'order.book', scope: 'record' } },
    schema: { tags, summary: 'Enterprise: accept an offered slot or propose another (checked), naming the on-site operator', params: IdParams, body: BookBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => bookSlot(ctx.db, actorOf(req), id(req), req.body as BookBody));

  app.post('/api/orders/:id/reschedule', {
    // the weakest common action: the service requires order.book for the enterprise, order.schedule (and being assigned) for customs
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'Enterprise or assigned inspector: move a booked appointment (new slots are offered)', params: IdParams, body: ReasonBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => requestReschedule(ctx.db, actorOf(req), id(req), (req.body as ReasonBody).reason));

  app.post('/api/orders/:id/visit', {
    // the service also requires the inspector assigned to the order
    config: { access: { action: 'order.schedule', scope: 'record' } },
    schema: { tags, summary: 'Assigned inspector: schedule an on-site visit', params: IdParams, body: ScheduleVisitBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => scheduleVisit(ctx.db, actorOf(req), id(req), req.body as ScheduleVisitBody));

  app.post('/api/appointments/:id/join', {
    // the service also requires a user of the order's enterprise (403)
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'Enterprise operator: record joining the remote appointment', params: IdParams, response: { 200: Type.Object({ joinedAt: Type.String() }), ...errors } },
  }, async (req) => recordOperatorJoined(ctx.db, actorOf(req), id(req)));

  app.post('/api/appointments/check-missed', {
    config: { access: { action: 'order.plan' } },
    schema: { tags, summary: 'Supervisor: detect missed appointments now and send due reminders (also runs every minute)', response: { 200: MissedCheckResult, ...errors } },
  }, async (req) => checkMissedAppointments(ctx.db, actorOf(req), {}));

  app.get('/api/devices', {
    // the service then refuses non-enterprise callers (403)
    config: { access: { action: 'device.use' } },
    schema: { tags, summary: 'Enterprise: registered camera devices with their last connection test', response: { 200: DeviceList, ...errors } },
  }, async (req) => listDevices(ctx.db, actorOf(req)));

  app.post('/api/devices', {
    // the service then refuses non-enterprise callers (403)
    config: { access: { action: 'order.book' } },
    schema: { tags, summary: 'Enterprise: register a camera device (phone, AR glasses...)', body: DeviceInput, response: { 201: Created, ...errors } },
  }, async (req, reply) => reply.status(201).send(await registerDevice(ctx.db, actorOf(req), req.body as DeviceInput)));

  app.post('/api/devices/:id/connection-tests', {
    // service: requireRole(order.read), then 404 unless a device of the caller's enterprise
    config: { access: { action: 'device.use', scope: 'record' } },
    schema: { tags, summary: 'Enterprise: record a connection test from its site', params: IdParams, body: ConnectionTestInput, response: { 201: Created, ...errors } },
  }, async (req, reply) => reply.status(201).send(await recordConnectionTest(ctx.db, actorOf(req), id(req), req.body as ConnectionTestInput)));
}
