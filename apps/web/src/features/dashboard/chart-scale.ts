// Pure chart arithmetic (tested without a browser).

/** Axis ticks at a "nice" step (1, 2 or 5 × 10^k), at most about five of them; whole numbers only when `integer`. */
export function niceTicks(maxValue: number, integer: boolean): number[] {
  const raw = Math.max(maxValue, integer ? 1 : Number.EPSILON) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  if (integer) step = Math.max(1, Math.round(step));
  const top = Math.max(step, Math.ceil(maxValue / step - 1e-9) * step);
  const n = Math.round(top / step);
  // i × step rounded to the step's decimals, so 3 × 0.2 is 0.6 and not 0.6000000000000001
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(decimals)));
}
