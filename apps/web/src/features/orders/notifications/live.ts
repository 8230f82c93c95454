import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ServerToClient } from '@rvi/contracts';
import { notificationKeys } from './api.ts';

export type LiveStatus = 'connecting' | 'open' | 'closed';

/**
 * One authenticated WebSocket per tab (/api/ws, session cookie): invalidation messages refetch the named query
 * prefixes, notification messages refresh the notification centre. Reconnects with a growing delay (1 s … 30 s).
 */
export function useLiveUpdates(userId: string | undefined): LiveStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    if (!userId) return;
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      setStatus('connecting');
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        setStatus('open');
      };
      socket.onmessage = (ev) => {
        let msg: ServerToClient;
        try {
          msg = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        if (msg.type === 'invalidate') for (const key of msg.keys) void qc.invalidateQueries({ queryKey: key });
        else if (msg.type === 'notification') void qc.invalidateQueries({ queryKey: notificationKeys.all });
      };
      socket.onclose = () => {
        setStatus('closed');
        if (stopped) return;
        const delay = Math.min(30_000, 1000 * 2 ** attempt++);
        timer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [userId, qc]);
  return status;
}
