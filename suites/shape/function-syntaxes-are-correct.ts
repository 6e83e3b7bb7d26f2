/**
 * functionSyntaxesAreCorrect: the layer's methods take the inputs the harness passes and hand on
 * what the contract says, as MATLAB's check of the number of inputs and outputs.
 *
 * Form B: predict(X) and forward(X) take one argument per input (predict(X1, X2) for two; where
 * predict.length tells, a count other than the inputs' is named) and backward(X, Z, dLdZ, memory),
 * or (Xs, Zs, dLdZs, memory) with several inputs or outputs, at most four (parameters past those
 * would be undefined); forward's memory is a Tensor or an array of Tensors (it is saved through
 * tf.customGrad); backward returns { dLdX, dLdLearnables } with a derivative per input (an array
 * of them with several inputs: too few is named with both counts) and one per learnable, named as
 * the learnable (naming them dLdAlpha, after MATLAB's output names, is the classic slip).
 * Form A: call(inputs, kwargs) takes at most two, computeOutputShape(inputShape) one.
 * Not judged here: whether predict and forward return one Tensor (predictDoesNotError and
 * forwardDoesNotError say), and a method that throws (the *DoesNotError checks report it); when
 * forward or backward throws, what it hands on cannot be judged and the check is incomplete.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import type { SyntaxEvidence } from '../../harness/evidence/index.ts';
import { isCustomLayerCall, type CustomLayer } from '../../harness/custom-layer.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { describeReturned, errorText } from './describe-value.ts';
import { gradientTensors } from './gradient-path.ts';
import { randomInputs, randomNormal } from './random-input.ts';

type Method = (...args: unknown[]) => unknown;

/** A method of the layer read as a value (for its declared parameter count), or undefined. */
function methodOf(o: object, name: string): Method | undefined {
  const v: unknown = (o as Record<string, unknown>)[name];
  return typeof v === 'function' ? (v as Method) : undefined;
}

/** What the check found: contract problems (fail), warnings, and what it could not judge (incomplete). */
interface Findings {
  problems: string[];
  warnings: string[];
  notJudged: string[];
}

export const functionSyntaxesAreCorrect: Check = {
  ...catalogEntry('functionSyntaxesAreCorrect'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const cls = safeClassName(subject.layer);
    const found: Findings = { problems: [], warnings: [], notJudged: [] };
    const evidence: SyntaxEvidence = { kind: 'syntax', form: subject.form };
    const Xs = randomInputs(ctx);
    try {
      const custom = subject.custom;
      if (custom) {
        evidence.parameters = judgeCustomLayerParameters(custom, cls, found, [subject.numInputs, subject.numOutputs]);
        if (found.problems.length === 0) judgeWhatIsHandedOn(ctx, custom, Xs, cls, found);
      } else {
        evidence.parameters = judgeLayerParameters(subject.layer, cls, found);
      }
    } finally {
      tf.dispose(Xs);
    }
    return outcome(ctx, cls, found, evidence);
  },
};

/** How Form B's methods are called, for a layer with `nIn` inputs and `nOut` outputs. */
export function customLayerCalls(nIn: number, nOut: number): { predict: string; forward: string; backward: string } {
  const xs = nIn === 1 ? 'X' : Array.from({ length: nIn }, (_, i) => `X${i + 1}`).join(', ');
  return {
    predict: `predict(${xs})`,
    forward: `forward(${xs})`,
    backward: nIn === 1 && nOut === 1 ? 'backward(X, Z, dLdZ, memory)' : 'backward(Xs, Zs, dLdZs, memory)',
  };
}

/**
 * Form B: predict and forward take one argument per input (one input: predict(X)), and backward
 * (X, Z, dLdZ, memory), or (Xs, Zs, dLdZs, memory) with several inputs or outputs. A method that
 * declares fewer parameters than there are inputs (but some) ignores the last ones: with several
 * inputs, `predict(inputs)` written for an array is the usual slip. None declared (rest
 * parameters, `...Xs`) cannot be judged by its count.
 */
function judgeCustomLayerParameters(
  custom: CustomLayer,
  cls: string,
  found: Findings,
  [nIn, nOut]: [number, number],
): SyntaxEvidence['parameters'] {
  const { problems, warnings } = found;
  const calls = customLayerCalls(nIn, nOut);
  const predict = methodOf(custom, 'predict');
  const forward = methodOf(custom, 'forward');
  const backward = methodOf(custom, 'backward');
  const perInput = nIn === 1 ? '' : ', one argument per input';
  const tooFew = (method: string, f: Method) =>
    `${cls}.${method} declares ${f.length} parameter${f.length === 1 ? '' : 's'} for ${nIn} inputs; it is called as ${method === 'predict' ? calls.predict : calls.forward}${perInput}, so it never sees the others (an array of inputs is not passed: take one parameter per input, or ...Xs)`;
  if (typeof predict !== 'function')
    problems.push(`${cls} has no ${calls.predict} method; a CustomLayer must define predict`);
  else if (predict.length > nIn)
    problems.push(
      `${cls}.predict declares ${predict.length} parameters; it is called as ${calls.predict}${perInput}, so the others are undefined (learnables are this.learnables.name)${nIn === 1 ? `; if the layer takes ${predict.length} inputs, give ${predict.length} input sizes (--input-size once per input, or export inputSize = [[...], [...]])` : ''}`,
    );
  else if (predict.length > 0 && predict.length < nIn) problems.push(tooFew('predict', predict));
  if (forward !== undefined && typeof forward !== 'function')
    problems.push(`${cls}.forward is ${describeReturned(forward)}, not a method`);
  else if (forward && forward.length > nIn)
    problems.push(`${cls}.forward declares ${forward.length} parameters; it is called as ${calls.forward}${perInput}`);
  else if (forward && forward.length > 0 && forward.length < nIn) problems.push(tooFew('forward', forward));
  if (backward !== undefined && typeof backward !== 'function')
    problems.push(`${cls}.backward is ${describeReturned(backward)}, not a method`);
  else if (backward && backward.length > 4)
    problems.push(`${cls}.backward declares ${backward.length} parameters; it is called as ${calls.backward}`);
  if (!isCustomLayerCall(methodOf(custom, 'call'))) {
    warnings.push(`${cls} overrides call: predict, forward and backward are only used if it calls super.call`);
  }
  return {
    predict: predict?.length ?? null,
    forward: forward?.length ?? null,
    backward: backward?.length ?? null,
  };
}

/**
 * Form B: forward's memory is Tensors, backward's result keeps the contract (a derivative per
 * input, one per learnable by name). Each runs in a tidy.
 */
function judgeWhatIsHandedOn(ctx: CheckContext, custom: CustomLayer, Xs: Tensor[], cls: string, found: Findings): void {
  const { subject } = ctx;
  const f = tryRun(() =>
    tf.tidy(() => {
      const memory = subject.forwardAll(Xs).memory as unknown;
      const ok =
        memory === undefined ||
        memory instanceof tf.Tensor ||
        (Array.isArray(memory) && memory.every((m) => m instanceof tf.Tensor));
      return ok ? '' : describeReturned(memory);
    }),
  );
  if (f.threw || f.contract) found.notJudged.push(`forward threw (${f.threw ?? f.contract})`);
  else if (f.value)
    found.problems.push(
      `${cls}.forward returned a memory that is ${f.value}; expected a Tensor or an array of Tensors (it is saved for backward)`,
    );
  if (!methodOf(custom, 'backward') || f.threw || f.contract) return;
  const b = tryRun(() =>
    tf.tidy(() => {
      const dLdZs = subject.forwardAll(Xs).Zs.map((Z) => randomNormal(ctx.random, Z.shape));
      tf.dispose(gradientTensors(subject.backwardAll(Xs, dLdZs)));
      return '';
    }),
  );
  if (b.contract) found.problems.push(b.contract);
  else if (b.threw) found.notJudged.push(`backward threw (${b.threw})`);
}

/** Form A: call(inputs, kwargs) and computeOutputShape(inputShape). */
function judgeLayerParameters(layer: tf.layers.Layer, cls: string, found: Findings): SyntaxEvidence['parameters'] {
  const call = methodOf(layer, 'call') ?? (() => undefined);
  const computeOutputShape = methodOf(layer, 'computeOutputShape') ?? (() => undefined);
  if (call === (tf.layers.Layer.prototype.call as unknown as Method))
    found.warnings.push(`${cls} does not override call: the layer is the identity`);
  if (call.length > 2)
    found.problems.push(
      `${cls}.call declares ${call.length} parameters; TensorFlow.js calls it as call(inputs, kwargs)`,
    );
  if (computeOutputShape.length > 1)
    found.problems.push(
      `${cls}.computeOutputShape declares ${computeOutputShape.length} parameters; it is called as computeOutputShape(inputShape)`,
    );
  return { call: call.length, computeOutputShape: computeOutputShape.length };
}

function outcome(ctx: CheckContext, cls: string, found: Findings, evidence: SyntaxEvidence): CheckOutcome {
  const { problems, warnings, notJudged } = found;
  const { subject } = ctx;
  if (notJudged.length) evidence.notJudged = notJudged;
  if (problems.length) {
    return {
      status: 'failed',
      message: problems[0]!,
      details: [...problems.slice(1), ...notJudged.map((n) => `not judged: ${n}`)],
      warnings,
      evidence: { ...evidence, problems },
    };
  }
  const custom = subject.custom;
  const calls = customLayerCalls(subject.numInputs, subject.numOutputs);
  const judged = custom
    ? [calls.predict, ...(custom.forward ? [calls.forward] : []), ...(subject.hasBackward ? [calls.backward] : [])]
    : ['call(inputs, kwargs)', 'computeOutputShape(inputShape)'];
  const names = subject.learnableNames();
  const dLdX = subject.numInputs === 1 ? 'dLdX' : `a dLdX for each of the ${subject.numInputs} inputs`;
  const derivatives = subject.hasBackward
    ? `; backward returns ${dLdX} and ${names.length ? `a derivative for each learnable [${names.join(', ')}]` : 'no learnable derivatives (none declared)'}`
    : '';
  const takes = `${judged.join(', ')} take${judged.length === 1 ? 's' : ''} the inputs the harness passes`;
  if (notJudged.length) {
    // The parameters were judged, what forward and backward hand on was not: no verdict, not a pass.
    return {
      status: 'incomplete',
      message: `not judged: ${notJudged.join('; ')}, so what it returns could not be checked (forwardDoesNotError and backwardDoesNotError report the error); ${cls}: ${takes}`,
      warnings,
      evidence,
    };
  }
  return { status: 'passed', message: `${cls}: ${takes}${derivatives}`, warnings, evidence };
}

interface Tried {
  value?: string;
  /** A contract error's message. */
  contract?: string;
  /** Any other error's first line. */
  threw?: string;
}

function tryRun(f: () => string): Tried {
  try {
    return { value: f() };
  } catch (e) {
    // By name: a layer file may reach a second copy of custom-layer.ts (see isCustomLayer).
    if ((e as Error)?.name === 'ContractError') return { contract: errorText(e) };
    return { threw: errorText(e) };
  }
}

function safeClassName(layer: tf.layers.Layer): string {
  try {
    const own = (layer.constructor as { name?: string }).name;
    return own || layer.getClassName();
  } catch {
    return 'the layer';
  }
}
