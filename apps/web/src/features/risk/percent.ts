import { formatNumber } from '../../shared/format.ts';
import { scoreDisplay } from './figures.ts';

/** A share (0.053) as a percentage in the interface language ("5.3 %"). */
export const pct = (v: number, digits = 1) => `${formatNumber(v * 100, digits)} %`;

/** A figure that may be missing (e.g. no critical case in the window). */
export const pctOrDash = (v: number | null | undefined, dash: string, digits = 1) => (v == null ? dash : pct(v, digits));

/** A probability as a percentage that never reads as certain when it is not (see `scoreDisplay`). */
export function scorePct(v: number): string {
  const s = scoreDisplay(v);
  return `${s.prefix ? `${s.prefix} ` : ''}${pct(s.value, s.digits)}`;
}
