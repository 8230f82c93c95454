// TURN credentials for one peer of one live session, in the "TURN REST API" scheme coturn implements with
// `use-auth-secret` / `static-auth-secret`: username = "<expiry unix seconds>:<user>", credential =
// base64(HMAC-SHA1(secret, username)). The TURN server checks them without asking us; they stop working at the expiry,
// so a link or a log line that leaks one is worth little, and no password is shared with the clients.
import { createHmac } from 'node:crypto';
import type { IceServer } from '@rvi/media';

export interface TurnConfig {
  urls: string[];
  secret: string;
  ttlSeconds: number;
}

export function turnServerFor(turn: TurnConfig, sessionId: string, role: 'device' | 'viewer', now = Date.now()): IceServer {
  const expiry = Math.floor(now / 1000) + turn.ttlSeconds;
  const username = `${expiry}:rvi-${role}-${sessionId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return { urls: turn.urls, username, credential };
}
