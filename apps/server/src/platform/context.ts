import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { ClientToServer } from '@rvi/contracts';
import type { KeyRing } from '@rvi/evidence';
import type { Mailer } from '../adapters/mail.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { SmsSender } from '../adapters/sms.ts';
import type { Actor } from './actor.ts';
import type { Config } from './config.ts';
import type { Database, Db } from './db.ts';
import type { Outbox } from './outbox.ts';
import type { JobQueue } from './queue.ts';
import type { SecretBox } from './secret-box.ts';
import type { WsFanout } from './ws-fanout.ts';
import type { NodeBus } from './node-bus.ts';
import type { WsHub } from './ws-hub.ts';

/**
 * The shared services every module receives (the composition root, app.ts, builds them). This file imports no
 * module: a service that belongs to one module (the session store of auth, the model cache of risk, ...) is added to
 * this interface by that module's `index.ts` through declaration merging, the way Fastify plugins declare their
 * decorators:
 *
 *   declare module '../../platform/context.ts' {
 *     interface AppContext { models: ModelCache }
 *   }
 *
 * so the type stays complete while the import arrows point one way only (modules → platform).
 */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  /** Seals secrets the server reads back (TOTP seeds) at rest (RVI_SECRETS_KEY or DATA_DIR/keys/secrets.key). */
  secrets: SecretBox;
  /**
   * Reactions after a commit: modules register handlers (`ctx.outbox.on(event, name, fn)`) for the events their
   * units of work emit (platform/unit-of-work.ts); delivered at least once, also after a crash.
   */
  outbox: Outbox;
  hub: WsHub;
  /** Set when the process is stopping: /api/health answers 503 so the load balancer stops sending requests here. */
  draining: boolean;
  /** Room messages across API nodes (Postgres LISTEN/NOTIFY); null on PGlite, where one process holds every socket. */
  fanout: WsFanout | null;
  /** Messages between this process and the other API and media nodes (Postgres LISTEN/NOTIFY); null on PGlite. */
  bus: NodeBus | null;
  /** Handlers for client WebSocket messages by type (e.g. 'signal' for live sessions). */
  wsHandlers: Map<string, (actor: Actor, msg: ClientToServer, socket: WebSocket) => void>;
  /** Background jobs; null until started (serve starts it; tests that need jobs start it). */
  queue: JobQueue | null;
  /** The server's Ed25519 signing keys (DATA_DIR/keys): findings, decisions and evidence packages are signed with them. */
  keys: KeyRing;
  /** E-mail (SMTP, RVI_SMTP_URL); null when not configured. */
  mail: Mailer | null;
  /** SMS (generic JSON webhook, RVI_SMS_WEBHOOK_URL); null when not configured. */
  sms: SmsSender | null;
  /** Evidence files (recording segments, snapshots): DATA_DIR/media or an S3 bucket (config.objectStore). */
  store: ObjectStore;
}

/**
 * What a module offers the composition root (each module's `index.ts` exports one). app.ts lists them; nothing else
 * mounts another module's routes.
 */
export interface Module {
  /** The module's folder name (modules/<name>). */
  name: string;
  /** Its HTTP and WebSocket routes, with the hooks and timers that live as long as the HTTP server (API nodes). */
  routes?(app: FastifyInstance, ctx: AppContext): void;
  /** Its outbox handlers and job-queue workers (nodes with the worker role; tests that need the workflow). */
  jobs?(ctx: AppContext): void;
}
