// Signed webhooks (issue 19.4): organisations subscribe endpoints to integration events; the fan-out reads the audit
// chain (webhooks.feed.ts), the worker sends the deliveries, signed, retried, in order per declaration.
import type { Module } from '../../platform/context.ts';
import { webhookRoutes } from './webhooks.routes.ts';
import { WebhookWorker } from './webhooks.worker.ts';
import { parseNetworks } from '../../platform/egress.ts';

declare module '../../platform/context.ts' {
  interface AppContext {
    /** The webhook fan-out and sender; set on nodes that run jobs (worker role), null elsewhere. */
    webhooks?: WebhookWorker | null;
  }
}

export const webhooksModule: Module = {
  name: 'webhooks',
  routes: webhookRoutes,
  jobs(ctx) {
    const worker = new WebhookWorker(ctx.database, ctx.secrets, {
      log: (m) => { if (ctx.config.logLevel !== 'silent') console.error(m); }, allowNetworks: parseNetworks(ctx.config.webhookAllowNetworks),
    });
    ctx.webhooks = worker;
    void worker.start();
  },
};
