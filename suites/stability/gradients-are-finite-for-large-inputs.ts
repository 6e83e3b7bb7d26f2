/**
 * `gradientsAreFiniteForLargeInputs`: the derivatives with respect to the input and to every
 * learnable hold no NaN and no Infinity for every input class of input-classes.ts, through the
 * layer's own gradient path as training sees it (`subject.gradients`), with a seeded random
 * upstream gradient dLdZ uniform in [-1, 1] (one per class, so each class replays alone).
 *
 * Honest overflow against a defect (judge-cell.ts): NaN fails (in `mixed` too, unless it goes
 * away once the inputs past sqrt(float32 max) = 1.8e19 are set to 0: a batch variance of 1e30s
 * and 10s is past float32). Infinity is a warning when (a) its exact value, estimated from the
 * derivatives at smaller inputs along the same direction (exact-magnitude.ts), is past the float32
 * maximum (in `mixed`: it goes away once the inputs past 1.8e19 are set to 0),
 * or (b) for a learnable's derivative, when
 * max|X| * sum|dLdZ| reaches the float32 maximum: a learnable's derivative is a sum over the batch
 * and positions, and for the usual ones (a convolution's filter, dense weights, a per-channel
 * scale) each term is an input element times an upstream-gradient element, so that product is a
 * bound on the exact value. With |dLdZ| <= 1 and inputs of at most 1e30, the bound passes
 * 3.4e38 only for more than 3.4e8 terms: a filter gradient that is Infinity for 1e30 inputs here
 * is an intermediate overflow (a square, an exp), a defect. ELU's dLdalpha for X = -1e30 is
 * sum((exp(-1e30) - 1) * dLdZ), finite. A layer whose exact gradient grows faster than its input
 * (a learnable multiplying X squared) is reported failing at 1e30, which is what it does in float32.
 *
 * Findings at the extreme classes (1e10 and up, `mixed`) are warnings unless `strictStability`.
 *
 * Several inputs and outputs: the derivative with respect to every input (columns `dLdX1`,
 * `dLdX2`, keys `input 1`, `input 2`) and every learnable, with an upstream gradient on every
 * output; each class goes to each input in turn and to all inputs together (run-input-classes.ts).
 * The bound of (b) is then max|X| over every input times sum|dLdZ| over every output.
 *
 * Training-time calls may update state (batch normalization's running statistics); every weight
 * of the layer is restored afterwards, so extreme inputs leave no trace for later checks.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext } from '../../harness/check.ts';
import { inputLabel, outputLabel } from '../../harness/io-labels.ts';
import { deriveSeed, makeRng } from '../../harness/random.ts';
import type { Tensor } from '../../harness/tf.ts';
import type { StabilityColumn } from './grid.ts';
import { gridOutcome } from './grid-outcome.ts';
import { FLOAT32_MAX, type InputClass } from './input-classes.ts';
import { runInputClasses } from './run-input-classes.ts';

export const gradientsAreFiniteForLargeInputs: Check = {
  ...catalogEntry('gradientsAreFiniteForLargeInputs'),
  async run(ctx) {
    const { subject, tf } = ctx;
    const names = subject.learnableNames();
    const nIn = subject.numInputs;
    const nOut = subject.numOutputs;
    const inputKeys = Array.from({ length: nIn }, (_, i) => inputLabel(i, nIn));
    const columns: StabilityColumn[] = [
      ...inputKeys.map((key, i) => ({ key, label: nIn === 1 ? 'dLdX' : `dLdX${i + 1}` })),
      ...names.map((n) => ({ key: n, label: `dLd${n}` })),
    ];
    // One upstream gradient per output, drawn once per input class (the same for every input it goes to).
    const upstream = new Map<string, { data: Float32Array; shape: number[] }[]>();
    const dLdZsFor = (Xs: Tensor[], c: InputClass) => {
      let u = upstream.get(c.id);
      if (!u) {
        const shapes = tf.tidy(() => subject.predictAll(Xs.map((X) => tf.zerosLike(X))).map((Z) => Z.shape));
        u = shapes.map((shape, k) =>
          uniformUpstream(
            shape,
            deriveSeed(
              ctx.seed,
              `gradientsAreFiniteForLargeInputs:dLdZ:${c.id}${nOut === 1 ? '' : `:${outputLabel(k, nOut)}`}`,
            ),
          ),
        );
        upstream.set(c.id, u);
      }
      return u.map((x) => tf.tensor(x.data, x.shape, 'float32'));
    };
    const run = await withWeightsRestored(ctx, () =>
      runInputClasses(ctx, {
        columns,
        run: (Xs, c) => {
          const g = subject.gradientsAll(Xs, dLdZsFor(Xs, c));
          return { ...Object.fromEntries(g.dLdXs.map((d, i) => [inputKeys[i]!, d])), ...g.dLdLearnables };
        },
        honestBound: (key, Xs, c) =>
          !inputKeys.includes(key) && Math.max(...Xs.map(maxAbs)) * sumAbs(upstream.get(c.id) ?? []) >= FLOAT32_MAX,
      }),
    );
    return gridOutcome(run, 'derivatives', {
      upstreamGradient: `uniform in [-1, 1], seeded per input class${nOut > 1 ? ', on every output' : ''}`,
    });
  },
};

function uniformUpstream(shape: number[], seed: number) {
  const random = makeRng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = 2 * random() - 1;
  return { data, shape };
}

/** sum|dLdZ| over every output's upstream gradient. */
function sumAbs(us: readonly { data: Float32Array }[]): number {
  let s = 0;
  for (const u of us) for (const v of u.data) s += Math.abs(v);
  return s;
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

/** Runs `fn`, then puts every weight of the layer (learnables and state) back as it was. */
async function withWeightsRestored<T>(ctx: CheckContext, fn: () => Promise<T>): Promise<T> {
  const weights = ctx.subject.layer.weights;
  const saved = weights.map((w) => ctx.tf.keep(w.read().clone()));
  try {
    return await fn();
  } finally {
    weights.forEach((w, i) => w.write(saved[i]!));
    saved.forEach((t) => t.dispose());
  }
}
