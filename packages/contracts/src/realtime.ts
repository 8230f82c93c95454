import { Type, type Static } from '@sinclair/typebox';

/**
 * The one vocabulary of live refreshes: the query-key prefixes the server may tell open pages to refetch. The server's
 * unit of work accepts only these (`uow.invalidate(rooms, [liveKeys.orders()])`), and the web app builds its TanStack
 * Query keys from the same functions (features/<f>/api.ts), so a refresh can never name a key no page uses.
 * A prefix refreshes every query below it: liveKeys.orders() → ['orders', 'list', …], ['orders', 'detail', id], ….
 */
export const liveKeys = {
  orders: () => ['orders'] as const,
  notifications: () => ['notifications'] as const,
  declarations: () => ['declarations'] as const,
  risk: () => ['risk'] as const,
  eligibility: () => ['eligibility'] as const,
  dispatch: () => ['dispatch'] as const,
  dashboard: () => ['dashboard'] as const,
  outcomes: () => ['outcomes'] as const,
  decisions: () => ['decisions'] as const,
  /** everything the findings page of one inspection shows */
  findings: (orderId: string) => ['findings', orderId] as const,
  sessions: () => ['sessions'] as const,
  session: (sessionId: string) => ['sessions', 'detail', sessionId] as const,
  /** the readings of one snapshot */
  vision: (snapshotId: string) => ['vision', snapshotId] as const,
};
export type LiveKey = ReturnType<(typeof liveKeys)[keyof typeof liveKeys]>;

/**
 * Messages pushed by the server over the authenticated WebSocket (/api/ws). They are invalidations, not data:
 * the client refetches through the authorised API. `keys` are live keys (above).
 */
export type ServerToClient =
  | { type: 'hello'; userId: string; rooms: string[] }
  | { type: 'invalidate'; keys: LiveKey[] }
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
