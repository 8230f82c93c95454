import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { realtime, type LiveStatus } from '../../../shared/realtime/index.ts';
import { notificationKeys } from './api.ts';

export type { LiveStatus };

/**
 * Holds the tab's WebSocket (shared/realtime) while a user is signed in: invalidation messages refetch the named query
 * prefixes, notification messages refresh the notification centre.
 */
export function useLiveUpdates(userId: string | undefined): LiveStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>(realtime.status);
  useEffect(() => {
    if (!userId) return;
    const offs = [
      realtime.onStatus(setStatus),
      realtime.onMessage((msg) => {
        if (msg.type === 'invalidate') for (const key of msg.keys) void qc.invalidateQueries({ queryKey: key });
        else if (msg.type === 'notification') void qc.invalidateQueries({ queryKey: notificationKeys.all });
      }),
    ];
    realtime.signedIn(userId);
    const release = realtime.acquire();
    setStatus(realtime.status);
    return () => {
      offs.forEach((off) => off());
      release();
    };
  }, [userId, qc]);
  return status;
}
