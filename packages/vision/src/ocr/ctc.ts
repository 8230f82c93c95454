/** Greedy CTC decoding of the recognition model output, keeping per-character alternatives. */

export interface DecodedChar {
  char: string;
  prob: number;
  /** Output time step where the character was emitted (its horizontal position along the line). */
  step: number;
  /** Other likely characters at that step, most likely first (blank excluded). */
  alternatives: Array<{ char: string; prob: number }>;
}

export interface DecodedLine {
  text: string;
  /** Mean probability of the emitted characters (0 when nothing was read). */
  confidence: number;
  chars: DecodedChar[];
  /** Number of time steps of the sequence (to map `step` back to a position along the line). */
  steps: number;
}

/**
 * @param probs softmax output [batch, steps, classes] flattened
 * @param dictionary class index i (≥ 1) maps to dictionary[i - 1]; index 0 is the CTC blank
 */
export function decodeCtc(probs: Float32Array, batch: number, steps: number, classes: number, dictionary: string[], maxAlternatives = 3): DecodedLine[] {
  const out: DecodedLine[] = [];
  for (let b = 0; b < batch; b++) {
    const chars: DecodedChar[] = [];
    let prevIdx = -1;
    for (let t = 0; t < steps; t++) {
      const base = (b * steps + t) * classes;
      let best = 0, bestP = probs[base];
      // Softmax output (rows sum to 1 within 2e-6): a class above 0.501 is the arg max, and most steps are a confident
      // blank. Skipping the scan of the other 6,624 classes there gives the same result (the scan was ~13 ms of an
      // image's main-thread time).
      if (bestP <= 0.501) {
        for (let c = 1; c < classes; c++) {
          const p = probs[base + c];
          if (p > bestP) { bestP = p; best = c; }
        }
      }
      if (best !== 0 && best !== prevIdx) {
        const alternatives: Array<{ char: string; prob: number }> = [];
        if (maxAlternatives > 0) {
          // Collect the next most likely non-blank classes at this step.
          const top: Array<[number, number]> = [];
          for (let c = 1; c < classes; c++) {
            if (c === best) continue;
            const p = probs[base + c];
            if (p < 0.001) continue;
            if (top.length < maxAlternatives) { top.push([c, p]); top.sort((x, y) => y[1] - x[1]); }
            else if (p > top[top.length - 1][1]) { top[top.length - 1] = [c, p]; top.sort((x, y) => y[1] - x[1]); }
          }
          for (const [c, p] of top) alternatives.push({ char: dictionary[c - 1] ?? '', prob: p });
        }
        chars.push({ char: dictionary[best - 1] ?? '', prob: bestP, step: t, alternatives });
      } else if (best === prevIdx && best !== 0 && chars.length) {
        // Same character held over several steps: keep its best probability.
        const last = chars[chars.length - 1];
        if (bestP > last.prob) last.prob = bestP;
      }
      prevIdx = best;
    }
    const text = chars.map((c) => c.char).join('');
    const confidence = chars.length ? chars.reduce((s, c) => s + c.prob, 0) / chars.length : 0;
    out.push({ text, confidence, chars, steps });
  }
  return out;
}
