// Inspection orders: the single writer of `inspection_orders` (its state machine is orders.state.ts), the plan,
// inspectors and rosters; dispatch, eligibility and booking are modules of their own that call its service.
import type { Module } from '../../platform/context.ts';
import { systemActor } from '../../platform/actor.ts';
import { orderRoutes } from './orders.routes.ts';
import { createOrdersForSelection } from './orders.service.ts';

export const ordersModule: Module = {
  name: 'orders',
  routes: orderRoutes,
  jobs(ctx) {
    // Selected goods become inspection orders (one per declaration; a declaration that already has one is skipped, so
    // a repeated delivery is harmless).
    ctx.outbox.on('risk.selected', 'orders.create-for-selection', (p) =>
      createOrdersForSelection(ctx.db, systemActor('risk.select'), { runId: p.runId, selected: p.selected }));
  },
};
