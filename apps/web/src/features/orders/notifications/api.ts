import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { NotificationList } from '@rvi/contracts';
import { api } from '../../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

export const notificationKeys = { all: liveKeys.notifications() };

/** The user's notifications with the unread count; refreshed live (WebSocket) and, as a fallback, every minute. */
export function useNotifications() {
  return useQuery({
    queryKey: notificationKeys.all,
    queryFn: ({ signal }) => api<NotificationList>('/api/notifications', { signal }),
    refetchInterval: 60_000,
  });
}

export function useMarkRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[] | 'all') => api<void>('/api/notifications/read', { json: ids === 'all' ? { all: true } : { ids } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

/** Translation key of a notification kind: `order.assigned` → `notifications.kind.order_assigned`. */
export function notificationKey(kind: string): string {
  return `notifications.kind.${kind.replace(/[^a-z0-9]+/gi, '_')}`;
}
