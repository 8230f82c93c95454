// Decisions (four eyes where needed) and their outcomes; the release notice sent after a release takes effect.
import type { Module } from '../../platform/context.ts';
import { decisionRoutes } from './decisions.routes.ts';
import { sendReleaseNotice } from './release-notice.ts';

export const decisionsModule: Module = {
  name: 'decisions',
  routes: decisionRoutes,
  jobs(ctx) {
    // Released goods: the enterprise's users get the release notice by e-mail with the PDF (once per decision).
    ctx.outbox.on('decision.effective', 'decisions.release-notice', async (p) => {
      if (p.released) await sendReleaseNotice(ctx, p.decisionId);
    });
  },
};
