import { Type, type Static } from '@sinclair/typebox';

/**
 * Messages pushed by the server over the authenticated WebSocket (/api/ws). They are invalidations, not data:
 * the client refetches through the authorised API. `keys` name TanStack Query key prefixes, e.g. ['declarations'].
 */
export type ServerToClient =
  | { type: 'hello'; userId: string; rooms: string[] }
  | { type: 'invalidate'; keys: string[][] }
  | { type: 'notification'; notification: Notification }
  | { type: 'pong' }
  | { type: 'signal'; sessionId: string; payload: unknown };

export type ClientToServer =
  | { type: 'ping' }
  | { type: 'signal'; sessionId: string; payload: unknown };

export const Notification = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'e.g. order.assigned, booking.proposed; the client translates notifications.<kind>' }),
  payload: Type.Record(Type.String(), Type.Any()),
  readAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
export type Notification = Static<typeof Notification>;
export const NotificationList = Type.Object({ items: Type.Array(Notification), unread: Type.Integer() });
export type NotificationList = Static<typeof NotificationList>;
