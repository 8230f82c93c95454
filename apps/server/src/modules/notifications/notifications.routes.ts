import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBody, NotificationList, type ClientToServer } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { WsHub } from '../../platform/ws-hub.ts';
import { listNotifications, markRead } from './notifications.service.ts';

export function notificationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/notifications', {
    config: { access: { authenticated: true } },
    schema: { tags: ['notifications'], summary: 'Your notifications, newest first, with the unread count', response: { 200: NotificationList, 401: ErrorBody } },
  }, async (req) => listNotifications(ctx.db, actorOf(req)));

  app.post('/api/notifications/read', {
    config: { access: { authenticated: true } },
    schema: {
      tags: ['notifications'], summary: 'Mark notifications read (ids, or all)',
      body: Type.Object({ ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 })), all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 204: Type.Null(), 401: ErrorBody },
    },
  }, async (req, reply) => {
    const b = req.body as { ids?: string[]; all?: boolean };
    await markRead(ctx.db, actorOf(req), b.all ? 'all' : (b.ids ?? []));
    return reply.status(204).send();
  });

  // Live channel: invalidations and notifications for the logged-in user (authenticated by the session cookie like every /api route).
  app.get('/api/ws', { websocket: true, config: { access: { authenticated: true } }, schema: { hide: true } }, (socket, req) => {
    const actor = actorOf(req);
    const rooms = WsHub.roomsFor(actor);
    ctx.hub.join(socket, rooms);
    socket.send(JSON.stringify({ type: 'hello', userId: actor.userId!, rooms }));
    socket.on('message', (raw) => {
      let msg: ClientToServer;
      try { msg = JSON.parse(String(raw)); } catch { return; }
      if (msg?.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else ctx.wsHandlers.get(msg?.type)?.(actor, msg, socket);
    });
  });
}
