// Browser-facing defences of every response and request (issue 13, items 6, 10, 12):
// - security headers (@fastify/helmet): a Content-Security-Policy that fits the built web app, nosniff, a referrer
//   policy, no framing, HSTS when the server is reached over HTTPS (RVI_SECURE_COOKIES);
// - cross-site requests: every state-changing request and every WebSocket upgrade must come from the public origin
//   (Origin, and Sec-Fetch-Site when the browser sends it); clients that send neither (CLI, system clients) pass;
// - a body only in the media types its route expects (415 otherwise: a text/plain form post is not JSON);
// (links are built from RVI_PUBLIC_URL, never the request's Host header: linkOrigin in modules/sessions/sessions.routes.ts)
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The media types a route accepts as its body (default: application/json). Anything else is a 415 before the
     * body is read, e.g. `config: { bodyTypes: ['text/csv', 'application/json'] }`.
     */
    bodyTypes?: string[];
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The Content-Security-Policy of every response. What the web app needs (apps/web): its own scripts only (Vite
 * bundles, no inline script); inline <style> elements and style attributes (Mantine/Emotion inject <style> tags,
 * the QR code is an inline SVG with attributes); images from the API, drawn frames as data: URLs and blob: previews;
 * WebSockets to the same host (/api/ws, /api/device/ws: 'self' covers ws/wss of the same host in CSP3 browsers; the
 * public origin's ws/wss URL is listed for older ones); media from the API and blob:. getUserMedia and WebRTC are
 * not governed by CSP. One exception, for one file: the AR anchor worker of the camera page (OpenCV.js, compiled with
 * Emscripten's embind, which builds its bindings with `new Function`) is served with a policy of its own that adds
 * 'unsafe-eval' and 'wasm-unsafe-eval' (a worker's policy comes from its own response; it has no DOM, no cookies to
 * read and connects nowhere). Every page keeps script-src 'self' without eval.
 */
export function contentSecurityPolicy(config: Config): Record<string, string[]> {
  const connect = ["'self'"];
  if (config.publicUrl) connect.push(config.publicUrl.replace(/^http/, 'ws'));
  const directives: Record<string, string[]> = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    mediaSrc: ["'self'", 'blob:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: connect,
    workerSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
  if (config.secureCookies) directives.upgradeInsecureRequests = [];
  return directives;
}

/** The anchor worker's bundle (Vite names it assets/anchor.worker-HASH.js). */
export const ANCHOR_WORKER_PATH = /^\/assets\/anchor\.worker-[\w-]+\.js$/;
export const ANCHOR_WORKER_CSP = "default-src 'none'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; connect-src 'none'";

/** Registers the security headers (call before the routes). */
export async function installSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
    // same-origin: the full URL only to this server (a foreign site learns nothing), and same-origin requests keep
    // their real Origin header (with no-referrer a browser sends `Origin: null` on POSTs)
    referrerPolicy: { policy: 'same-origin' },
    // HSTS only when the server is reached over HTTPS (then RVI_SECURE_COOKIES is on): over plain HTTP it would be
    // ignored at best, and lock out a test install at worst
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    // the camera page and the viewer need the camera and microphone of their own origin only
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (ANCHOR_WORKER_PATH.test(req.url.split('?')[0])) reply.header('content-security-policy', ANCHOR_WORKER_CSP);
    return payload;
  });
}

/** The origin a request was addressed to (scheme from the trusted proxy chain, Host header): only for comparing. */
function requestOrigin(req: FastifyRequest): string | null {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return null;
  }
}

/** The origins allowed to make state-changing requests: RVI_PUBLIC_URL (else the request's own), RVI_EXTRA_ORIGINS. */
export function allowedOrigins(config: Config, req: FastifyRequest): Set<string> {
  const own = config.publicUrl ?? requestOrigin(req);
  return new Set([...(own ? [own] : []), ...config.extraOrigins]);
}

function normalOrigin(raw: string): string | null {
  if (raw === 'null') return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

const foreign = (what: string) => new AppError('foreign_origin', 403,
  `Cross-site request refused: ${what} is not this server's origin (RVI_PUBLIC_URL; further origins: RVI_EXTRA_ORIGINS)`);

/**
 * Refuses a cross-site state-changing request or WebSocket upgrade (403 foreign_origin).
 * - `Origin` present: it must be an allowed origin. `Origin: null` (sandboxed frames, data: URLs; also a same-origin
 *   page under a no-referrer policy) passes only when the browser itself says `Sec-Fetch-Site: same-origin`.
 * - no `Origin`: `Sec-Fetch-Site`, when sent, must be same-origin or none (typed address, bookmark).
 * - neither: not a browser acting for a user (CLI, system clients, tests): allowed.
 */
export function checkOrigin(config: Config, req: FastifyRequest): void {
  const rawOrigin = req.headers.origin;
  const site = String(req.headers['sec-fetch-site'] ?? '').toLowerCase();
  if (rawOrigin !== undefined) {
    const origin = normalOrigin(String(rawOrigin));
    if (origin === null) {
      if (site === 'same-origin') return;
      throw foreign(`Origin "${String(rawOrigin).slice(0, 100)}"`);
    }
    if (!allowedOrigins(config, req).has(origin)) throw foreign(`Origin ${origin}`);
    return;
  }
  if (site && site !== 'same-origin' && site !== 'none') throw foreign(`a ${site} request without Origin`);
}

const isUpgrade = (req: FastifyRequest) => String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0].trim().toLowerCase();

/** Installs the origin check (onRequest, before authentication) and the body media-type check (preParsing). */
export function installRequestGuards(app: FastifyInstance, config: Config): void {
  app.addHook('onRequest', async (req) => {
    if (STATE_CHANGING.has(req.method) || isUpgrade(req)) checkOrigin(config, req);
  });
  app.addHook('preParsing', async (req) => {
    if (!STATE_CHANGING.has(req.method) || !hasBody(req)) return;
    const accepted = req.routeOptions.config?.bodyTypes ?? ['application/json'];
    const type = mediaType(req.headers['content-type']);
    if (!accepted.includes(type)) {
      throw new AppError('unsupported_media_type', 415, `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]} accepts ${accepted.join(' or ')}, not ${type || 'a body without Content-Type'}`,
        { field: 'headers.content-type', accepted });
    }
  });
}
