import { ErrorBody } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { Effects } from './orders.effects.ts';

export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Runs a use case with an Effects collector and delivers notifications/invalidations after it committed. */
export async function withEffects<T>(ctx: AppContext, fn: (fx: Effects) => Promise<T>): Promise<T> {
  const fx = new Effects();
  const out = await fn(fx);
  fx.flush(ctx.hub);
  return out;
}
