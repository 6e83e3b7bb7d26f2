/**
 * How much float32 rounding moves the layer's own analytic derivatives: measured, not modelled.
 *
 * A backward computed in float32 can cancel internally far more than its result shows: a softmax
 * near one-hot computes P * (dLdP - rowsum(P * dLdP)), where the two terms agree to 1 - P, and the
 * sum G C that follows cancels again (the Jacobian's rows sum to zero). Rounding then moves the
 * result by hundreds of EPS32 (5e-4 relative was seen in a correct cross-attention), which the
 * model of the analytic side's rounding (EPS32 times the size of its final terms) misses, and a
 * correct layer fails.
 *
 * So the analytic derivatives are computed again at points jittered by a tiny relative amount
 * (2^-16, random signs; inputs on special values or near declared kinks held), in symmetric
 * pairs: half the sum of a pair minus the derivative at the point cancels the jitter's linear
 * effect exactly and leaves its quadratic effect (about 2^-32 relative) and the rounding, which
 * is drawn afresh at every point. Two pairs; per derivative element, the root mean square of
 * those residuals over 1.5 (their noise variance in units of one derivative's) is its rounding
 * noise, one standard deviation. The probes add SAFETY times it to their tolerance.
 */
import type { LayerUnderTest } from '../layer-under-test.ts';
import { deriveSeed, makeRng } from '../random.ts';
import { tf, type Tensor } from '../tf.ts';

/** Relative size of the jitter. */
export const JITTER = 2 ** -16;
/** Symmetric pairs of jittered points. */
export const JITTER_PAIRS = 2;

export interface AnalyticNoiseArgs {
  subject: LayerUnderTest;
  xs: readonly Float32Array[];
  xShapes: readonly number[][];
  dLdZs: readonly Tensor[];
  /** The derivatives at the point, by parameter name. */
  analytic: Record<string, Float32Array>;
  /** Computes the derivatives (by parameter name) for the given inputs with the learnables as they are. */
  gradients: (Xs: Tensor[], dLdZs: Tensor[]) => Promise<Record<string, Float32Array>>;
  /** Input values that stay put (special values, near declared kinks). */
  hold: (v: number) => boolean;
  seed: number;
}

/** Per parameter name, per element: the rounding noise (one standard deviation) of the analytic derivative. */
export async function analyticNoise(args: AnalyticNoiseArgs): Promise<Record<string, Float64Array>> {
  const { subject, analytic } = args;
  const names = subject.learnableNames();
  const variables = names.map((n) => subject.learnableVariable(n));
  const learnables = await Promise.all(variables.map(async (v) => Float32Array.from(await v.data())));
  const sums: Record<string, Float64Array> = {};
  for (const [name, g] of Object.entries(analytic)) sums[name] = new Float64Array(g.length);
  const random = makeRng(deriveSeed(args.seed, 'analytic-noise'));
  const put = (values: Float32Array[]) =>
    variables.forEach((v, i) => {
      const t = tf.tensor(values[i]!, v.shape, 'float32');
      v.assign(t);
      t.dispose();
    });
  try {
    for (let pair = 0; pair < JITTER_PAIRS; pair++) {
      const signs = (n: number) => Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1));
      const xSigns = args.xs.map((x) => signs(x.length));
      const wSigns = learnables.map((w) => signs(w.length));
      const at = async (side: 1 | -1) => {
        const move = (v: Float32Array, s: Float64Array, hold: (v: number) => boolean) =>
          Float32Array.from(v, (x, i) => (hold(x) ? x : x + side * s[i]! * Math.abs(x) * JITTER));
        put(learnables.map((w, i) => move(w, wSigns[i]!, () => false)));
        const Xs = args.xs.map((x, i) => tf.tensor(move(x, xSigns[i]!, args.hold), args.xShapes[i], 'float32'));
        try {
          return await args.gradients(Xs, [...args.dLdZs]);
        } finally {
          tf.dispose(Xs);
        }
      };
      const plus = await at(1);
      const minus = await at(-1);
      for (const [name, sum] of Object.entries(sums)) {
        const g0 = analytic[name]!;
        const gp = plus[name];
        const gm = minus[name];
        if (!gp || !gm || gp.length !== g0.length || gm.length !== g0.length) continue;
        for (let i = 0; i < g0.length; i++) {
          const e = (gp[i]! + gm[i]!) / 2 - g0[i]!;
          // A non-finite residual says nothing about rounding (a derivative at an overflow).
          if (Number.isFinite(e)) sum[i]! += e * e;
        }
      }
    }
  } finally {
    put(learnables);
  }
  const out: Record<string, Float64Array> = {};
  for (const [name, sum] of Object.entries(sums)) out[name] = sum.map((s) => Math.sqrt(s / (1.5 * JITTER_PAIRS)));
  return out;
}
