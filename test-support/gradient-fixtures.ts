/**
 * For the gradient suite's tests: the layers each check must catch or pass, listed explicitly,
 * and a helper that runs one check on a fresh layer for a seed, in process.
 */
import { DEFAULT_CHECK_OPTIONS, type Check, type CheckOptions } from '../harness/check.ts';
import { LayerUnderTest } from '../harness/layer-under-test.ts';
import type { CheckResult } from '../harness/result.ts';
import { runChecks } from '../harness/run-checks.ts';
import * as convFlipped from '../fixtures/gradient/conv-filter-flipped.ts';
import * as convTransposed from '../fixtures/gradient/conv-filter-transposed.ts';
import * as conv from '../fixtures/gradient/correct/conv2d-layer.ts';
import { BUILTIN_LAYERS } from '../fixtures/gradient/correct/builtin-layers.ts';
import * as clipKinks from '../fixtures/gradient/correct/clip-kinks-layer.ts';
import * as scaleShift from '../fixtures/gradient/correct/scale-shift-layer.ts';
import * as siluBeta from '../fixtures/gradient/correct/silu-beta-layer.ts';
import * as hardSwish from '../fixtures/gradient/correct/hard-swish-layer.ts';
import * as resizeNearest from '../fixtures/gradient/correct/resize-nearest-layer.ts';
import * as resizeOnePixel from '../fixtures/gradient/resize-nearest-one-pixel.ts';
import * as clipSix from '../fixtures/gradient/correct/clip-six-layer.ts';
import * as hardSwishAbove3 from '../fixtures/gradient/hard-swish-wrong-above-3.ts';
import * as clipPastUpper from '../fixtures/gradient/clip-wrong-past-upper-bound.ts';
import * as softplusBias from '../fixtures/gradient/correct/softplus-bias-layer.ts';
import * as siluForgetsBeta from '../fixtures/gradient/silu-forgets-beta.ts';
import * as softplusBiasAtZero from '../fixtures/gradient/softplus-bias-only-at-zero.ts';
import * as alphaFirst from '../fixtures/gradient/elu-alpha-first-observation.ts';
import * as alphaMean from '../fixtures/gradient/elu-alpha-mean.ts';
import * as alphaTwoPercent from '../fixtures/gradient/elu-alpha-two-percent.ts';
import * as ignoresUpstream from '../fixtures/gradient/elu-ignores-upstream.ts';
import * as layerForAlpha from '../fixtures/gradient/elu-layer-for-alpha.ts';
import * as negativeSign from '../fixtures/gradient/elu-negative-sign.ts';
import * as onePlusZ from '../fixtures/gradient/elu-one-plus-z.ts';
import * as swapped from '../fixtures/gradient/swapped-learnables.ts';
import * as offsetSmallSlope from '../fixtures/gradient/correct/offset-small-slope-layer.ts';
import * as offsetSmallSlopeWrong from '../fixtures/gradient/offset-small-slope-five-percent.ts';
import * as logMeanExpPool from '../fixtures/gradient/correct/log-mean-exp-pool-layer.ts';
import * as averagePool from '../fixtures/gradient/correct/average-pool-layer.ts';
import * as averagePoolForgetsQuarter from '../fixtures/gradient/average-pool-forgets-quarter.ts';
import * as referenceBatchNorm from '../reference-layers/batch-norm-layer.ts';
import * as referenceConv from '../reference-layers/conv2d-layer.ts';
import * as referenceElu from '../reference-layers/elu-layer.ts';
import * as attention from '../fixtures/multi-io/attention.ts';
import * as attentionWrongSoftmax from '../fixtures/multi-io/attention-wrong-softmax-jacobian.ts';
import * as concat from '../fixtures/multi-io/concat.ts';
import * as contextGate from '../fixtures/multi-io/context-gate.ts';
import * as gatedResidual from '../fixtures/multi-io/gated-residual.ts';
import * as gatedResidualWrongA from '../fixtures/multi-io/gated-residual-wrong-dA.ts';
import * as gluWithGate from '../fixtures/multi-io/glu-with-gate.ts';
import * as gluIgnoresDLdZ2 from '../fixtures/multi-io/glu-with-gate-ignores-dLdZ2.ts';
import * as split from '../fixtures/multi-io/split.ts';
import * as weightedSum from '../fixtures/multi-io/weighted-sum.ts';
import type { InputSize } from '../harness/options.ts';
import * as additiveAttention from '../fixtures/multi-io-more/additive-attention.ts';
import * as bilinearPool from '../fixtures/multi-io-more/bilinear-pool.ts';
import * as channelMoments from '../fixtures/multi-io-more/channel-moments.ts';
import * as complexMultiply from '../fixtures/multi-io-more/complex-multiply.ts';
import * as crossAttention from '../fixtures/multi-io-more/cross-attention.ts';
import * as film from '../fixtures/multi-io-more/film.ts';
import * as gluBias from '../fixtures/multi-io-more/glu-bias.ts';
import * as highway from '../fixtures/multi-io-more/highway.ts';
import * as maxOfTwo from '../fixtures/multi-io-more/max-of-two.ts';
import * as residualScalars from '../fixtures/multi-io-more/residual-scalars.ts';
import * as softplusGate from '../fixtures/multi-io-more/softplus-gate.ts';
import * as tanhGate from '../fixtures/multi-io-more/tanh-gate.ts';
import * as complexDaiTwoPercent from '../fixtures/multi-io-more/complex-multiply-dai-two-percent.ts';
import * as gluFlatPast3 from '../fixtures/multi-io-more/glu-bias-flat-gate-past-3.ts';
import * as highwayDWTransposed from '../fixtures/multi-io-more/highway-dw-transposed.ts';
import * as tanhGateForgets from '../fixtures/multi-io-more/tanh-gate-forgets-tanh-slope.ts';
import * as complexIgnoresDLdZ2 from '../fixtures/multi-io-more/complex-multiply-ignores-dldz2.ts';
import * as complexSwapped from '../fixtures/multi-io-more/complex-multiply-swapped-db.ts';
import * as crossAttentionWrongDx from '../fixtures/multi-io-more/cross-attention-wrong-dx.ts';
import * as gluBiasMean from '../fixtures/multi-io-more/glu-bias-mean-over-batch.ts';
import * as highwayForgets from '../fixtures/multi-io-more/highway-forgets-gate-path-dx.ts';

export interface TestLayer {
  name: string;
  make: () => unknown;
  /** One size, or one per input. */
  inputSize: InputSize;
}

export interface BrokenLayer extends TestLayer {
  /** The diagnosis each seed must give for the named parameter (null: none expected). */
  diagnosis: { parameter: string; pattern: RegExp } | null;
  /** Its backward throws (the check fails with the error) instead of returning wrong values. */
  throws?: boolean;
}

const layer = (name: string, m: { default: () => unknown; inputSize: InputSize }): TestLayer => ({
  name,
  make: m.default,
  inputSize: m.inputSize,
});

/** Must fail gradientsAreNumericallyCorrect for every seed. */
export const BROKEN: BrokenLayer[] = [
  { ...layer('typo (1 + Z) for (alpha + Z)', onePlusZ), diagnosis: null },
  { ...layer('typo (layer + Z) for (alpha + Z)', layerForAlpha), diagnosis: null, throws: true },
  {
    ...layer('backward ignores dLdZ', ignoresUpstream),
    diagnosis: { parameter: 'input', pattern: /^upstream gradient not applied/ },
  },
  {
    ...layer('dLdAlpha 2% too large', alphaTwoPercent),
    diagnosis: { parameter: 'alpha', pattern: /^off by a constant factor: analytic = 1\.020?\d* x numeric/ },
  },
  {
    ...layer('sign error on the negative side', negativeSign),
    diagnosis: { parameter: 'input', pattern: /^sign flipped at the \d+ failing elements/ },
  },
  { ...layer('filter gradient flipped', convFlipped), diagnosis: null },
  { ...layer('filter gradient transposed', convTransposed), diagnosis: null },
  {
    ...layer('derivatives of two learnables swapped', swapped),
    diagnosis: { parameter: 'scale', pattern: /^derivatives of scale and shift swapped/ },
  },
  {
    ...layer('dLdAlpha of the first observation only', alphaFirst),
    diagnosis: {
      parameter: 'alpha',
      pattern: /^sum over observations missing: the derivative is that of the first observation alone/,
    },
  },
  {
    ...layer('dLdAlpha a mean over observations', alphaMean),
    diagnosis: { parameter: 'alpha', pattern: /^sum over observations missing: analytic = numeric \/ 2/ },
  },
  { ...layer('SiLU whose dZ/dX forgets beta (right at its initial 1)', siluForgetsBeta), diagnosis: null },
  { ...layer('softplus whose slope forgets the bias (right at its initial 0)', softplusBiasAtZero), diagnosis: null },
  { ...layer('hard-swish whose backward is wrong above 3', hardSwishAbove3), diagnosis: null },
  { ...layer('clip(X, 0, 6) whose backward is wrong past 6', clipPastUpper), diagnosis: null },
  {
    ...layer('Z = 4 + 1.05e-5 X with a backward of 1e-5 (a slope below the output resolution)', offsetSmallSlopeWrong),
    diagnosis: null,
  },
  {
    ...layer('2x2 average pooling whose backward forgets to divide by 4', averagePoolForgetsQuarter),
    diagnosis: { parameter: 'input', pattern: /^off by a constant factor: analytic = 4 x numeric/ },
  },
  { ...layer('2x nearest upsampling whose backward takes one pixel per block', resizeOnePixel), diagnosis: null },
];

/** Broken only for inputs outside [-3, 3]: must fail there, saying at which scale. */
export const BROKEN_BEYOND_3 = BROKEN.filter((l) => l.name.includes('wrong above 3') || l.name.includes('past 6'));

/** Broken only away from the learnables' initial values: must fail there, saying so. */
export const BROKEN_AWAY_FROM_START = BROKEN.filter((l) => l.name.includes('right at its initial'));

/** Must pass the whole gradient suite for every seed. */
export const CORRECT: TestLayer[] = [
  { ...layer('reference ELU', referenceElu), inputSize: [4, 4, 3] },
  ...BUILTIN_LAYERS.map((b) => ({ name: `tf.layers ${b.name}`, make: b.make, inputSize: [4, 4, 3] })),
  layer('clip with kinks at -1, 0, 1 (own backward)', clipKinks),
  {
    name: 'clip with kinks at -1, 0, 1 (autodiff)',
    make: () => new clipKinks.ClipKinksAutodiff({}),
    inputSize: clipKinks.inputSize,
  },
  layer('3x3 convolution', conv),
  layer('scale and shift', scaleShift),
  layer('SiLU with a learnable beta from ones', siluBeta),
  layer('softplus with a learnable bias from zeros', softplusBias),
  layer('hard-swish (kinks declared at -3, 3)', hardSwish),
  layer('clip(X, 0, 6)', clipSix),
  layer('Z = 4 + 1e-5 X (a slope below the output resolution at the nominal step)', offsetSmallSlope),
  layer('2x2 log-mean-exp pooling (small slopes away from the window maximum)', logMeanExpPool),
  layer('2x2 average pooling (own backward)', averagePool),
  layer('2x nearest upsampling (tf.image.resizeNearestNeighbor, own backward)', resizeNearest),
];

/** The other reference layers (batch statistics couple the observations; a 5x5 convolution). */
export const OTHER_REFERENCE: TestLayer[] = [
  layer('reference batch normalization', referenceBatchNorm),
  layer('reference 5x5 convolution', referenceConv),
];

export const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

export async function runCheck(
  check: Check,
  l: TestLayer,
  seed: number,
  options: Partial<CheckOptions> = {},
): Promise<CheckResult> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: l.make }, l.inputSize, seed);
  const [result] = await runChecks({
    subject,
    checks: [check],
    seed,
    options: { ...DEFAULT_CHECK_OPTIONS, ...options },
  });
  return result!;
}

/** Layers with several inputs or outputs (fixtures/multi-io/, fixtures/multi-io-more/) whose derivatives are right: must pass the gradient suite for every seed. */
export const MULTI_IO_CORRECT: TestLayer[] = [
  layer('gated residual A + sigmoid(A) * B (two inputs, own backward)', gatedResidual),
  layer('scaled dot-product attention over Q, K, V (three inputs, own backward)', attention),
  layer('gated linear unit with its gate as output 2 (two outputs, learnables, own backward)', gluWithGate),
  layer('learned weighted sum of two inputs (own backward)', weightedSum),
  layer('concatenation of two inputs (Form A)', concat),
  layer('context gate (two inputs, Form A)', contextGate),
  layer('split into two outputs (Form A)', split),
  layer('additive attention (query and keys of different ranks, two outputs, learnables, Form A)', additiveAttention),
  layer('bilinear pooling of two feature maps (Form A)', bilinearPool),
  layer('channel mean and variance (one input, two outputs, Form A)', channelMoments),
  layer('complex multiply (four inputs, two outputs, own backward)', complexMultiply),
  layer('cross-attention with a learnable query projection (own backward)', crossAttention),
  layer('FiLM (three inputs of different sizes, Form A)', film),
  layer('gated linear unit with a learnable bias (own backward)', gluBias),
  layer('highway layer (own backward)', highway),
  layer('elementwise max of two inputs (kinks, own backward)', maxOfTwo),
  layer('residual with learnable scalars (own backward)', residualScalars),
  layer('softplus gate (Form A)', softplusGate),
  layer('tanh gate (Form A, tf.customGrad inside call)', tanhGate),
];

/** Layers with several inputs or outputs whose backward is wrong: must fail gradientsAreNumericallyCorrect for every seed. */
export const MULTI_IO_BROKEN: BrokenLayer[] = [
  { ...layer('gated residual with a wrong dZ/dA', gatedResidualWrongA), diagnosis: null },
  { ...layer('attention with the softmax Jacobian diagonal only', attentionWrongSoftmax), diagnosis: null },
  {
    ...layer('gated linear unit whose backward ignores dLdZ of output 2', gluIgnoresDLdZ2),
    diagnosis: { parameter: 'input', pattern: /^wrong through output 2/ },
  },
  {
    ...layer('complex multiply whose backward ignores dLdZ of output 2', complexIgnoresDLdZ2),
    diagnosis: { parameter: 'input 1', pattern: /^wrong through output 2/ },
  },
  {
    ...layer('complex multiply with the derivatives of inputs 3 and 4 swapped', complexSwapped),
    diagnosis: { parameter: 'input 3', pattern: /^derivatives of input 3 and input 4 swapped/ },
  },
  { ...layer('cross-attention whose dLdX forgets to transpose Wq', crossAttentionWrongDx), diagnosis: null },
  {
    ...layer('gated linear unit whose bias derivative is a mean over observations', gluBiasMean),
    diagnosis: { parameter: 'b', pattern: /^sum over observations missing: analytic = numeric \/ 2/ },
  },
  { ...layer('highway layer whose dLdX forgets the gate path', highwayForgets), diagnosis: null },
  {
    ...layer('tanh gate (Form A, tf.customGrad) whose dLdB forgets the slope of tanh', tanhGateForgets),
    diagnosis: null,
  },
  { ...layer('complex multiply whose dLdai is 2% too large', complexDaiTwoPercent), diagnosis: null },
  { ...layer('gated linear unit whose gate slope is 0 past |3|', gluFlatPast3), diagnosis: null },
  { ...layer('highway layer whose dLdW is transposed', highwayDWTransposed), diagnosis: null },
];
