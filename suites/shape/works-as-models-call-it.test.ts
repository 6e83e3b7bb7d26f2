/**
 * worksAsModelsCallIt against its oracle, real TensorFlow.js models: what each model path hands
 * `call` (the convention `applyAsModels` copies), and for each fixture of fixtures/calling/ (and
 * fixtures/shape/works-as-models-call-it.ts) whether it runs in a tf.sequential (predict, fit) and a
 * tf.model, and whether the check's verdict agrees.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../harness/check.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { shapeChecks } from './index.ts';

const SEED = 7;

/** Records, per call, whether `call` received an array. */
class Spy extends tf.layers.Layer {
  static className = 'CallConventionSpy';
  readonly seen: boolean[] = [];
  override call(inputs: Tensor | Tensor[]): Tensor {
    this.seen.push(Array.isArray(inputs));
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2));
  }
}
tf.serialization.registerClass(Spy);

/** input, the layer, and (for fit, which needs a trainable weight) a dense head of one unit. */
function sequentialWith(layer: tf.layers.Layer, inputSize: number[], head = true): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: inputSize }));
  model.add(layer);
  if (head) model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return model;
}

describe('what TensorFlow.js 4.22 models hand call', () => {
  it('tf.sequential predict, fit, evaluate and apply, and tf.model predict, all pass [x]', async () => {
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 1);
    const spy = new Spy();
    const seq = sequentialWith(spy, [3, 3, 2]);
    spy.seen.length = 0;
    tf.dispose(seq.predict(x));
    expect(spy.seen).toEqual([true]);
    const y = tf.zeros([2, 3, 3, 1]);
    await seq.fit(x, y, { epochs: 1, verbose: 0 });
    tf.dispose(seq.evaluate(x, y));
    tf.dispose(seq.apply(x) as Tensor);
    const spy2 = new Spy();
    const input = tf.input({ shape: [3, 3, 2] });
    const functional = tf.model({ inputs: input, outputs: spy2.apply(input) as tf.SymbolicTensor });
    tf.dispose(functional.predict(x));
    expect(spy.seen.length).toBeGreaterThanOrEqual(4);
    expect([...spy.seen, ...spy2.seen].every((a) => a)).toBe(true);
    // Only a direct call hands it a bare tensor.
    tf.dispose(spy.apply(x) as Tensor);
    expect(spy.seen[spy.seen.length - 1]).toBe(false);
    x.dispose();
  });
});

type Module = { default: () => tf.layers.Layer; inputSize: number[] };

interface Fixture {
  file: string;
  load: () => Promise<Module>;
  worksInModels: boolean;
  /** Runs in a model, but computes something else there than called directly. */
  differs?: boolean;
}

const FIXTURES: Fixture[] = [
  {
    file: 'calling/sine-reads-inputs-0',
    load: () => import('../../fixtures/calling/sine-reads-inputs-0.ts'),
    worksInModels: true,
  },
  {
    file: 'shape/works-as-models-call-it',
    load: () => import('../../fixtures/shape/works-as-models-call-it.ts'),
    worksInModels: false,
  },
  {
    file: 'calling/rms-norm-square-method',
    load: () => import('../../fixtures/calling/rms-norm-square-method.ts'),
    worksInModels: false,
  },
  {
    file: 'calling/channel-mean-reads-inputs-shape',
    load: () => import('../../fixtures/calling/channel-mean-reads-inputs-shape.ts'),
    worksInModels: false,
  },
  {
    file: 'calling/optional-gate-differs',
    load: () => import('../../fixtures/calling/optional-gate-differs.ts'),
    worksInModels: true,
    differs: true,
  },
];

/** Whether the layer runs in a real tf.sequential (predict and one fit step) and a real tf.model. */
async function runsInModels(factory: () => tf.layers.Layer, inputSize: number[]): Promise<boolean> {
  const x = tf.randomNormal([2, ...inputSize], 0, 1, 'float32', 3);
  try {
    const seq = sequentialWith(factory(), inputSize);
    const y = seq.predict(x) as Tensor;
    await seq.fit(x, tf.zerosLike(y), { epochs: 1, verbose: 0 });
    y.dispose();
    const input = tf.input({ shape: inputSize });
    const functional = tf.model({ inputs: input, outputs: factory().apply(input) as tf.SymbolicTensor });
    tf.dispose(functional.predict(x));
    return true;
  } catch {
    return false;
  } finally {
    x.dispose();
  }
}

const summary = (results: CheckResult[]) => results.map((r) => `${r.id}: ${r.status} ${r.message}`).join('\n');

describe('worksAsModelsCallIt: the verdict follows what real models do', () => {
  it.each(FIXTURES)('$file', async ({ load, worksInModels, differs }) => {
    const { default: factory, inputSize } = await load();
    // Ground truth first, from real models.
    expect(await runsInModels(factory, inputSize)).toBe(worksInModels);
    if (differs) {
      const x = tf.randomNormal([2, ...inputSize], 0, 1, 'float32', 3);
      const layer = factory();
      const seq = sequentialWith(layer, inputSize, false);
      const inModel = seq.predict(x) as Tensor;
      const direct = layer.apply(x) as Tensor;
      expect(tf.max(tf.abs(tf.sub(inModel, direct))).dataSync()[0]).toBeGreaterThan(0.01);
      tf.dispose([x, inModel, direct]);
    }

    const subject = LayerUnderTest.create({ kind: 'factory', value: factory }, inputSize, SEED);
    const results = await runChecks({ subject, checks: shapeChecks, seed: SEED, options: DEFAULT_CHECK_OPTIONS });
    const own = results.find((r) => r.id === 'worksAsModelsCallIt')!;
    const failedOthers = results.filter((r) => r.id !== 'worksAsModelsCallIt' && r.status === 'failed');
    expect(failedOthers, summary(results)).toEqual([]);
    if (worksInModels && !differs) {
      expect(own.status, summary(results)).toBe('passed');
      expect(own.warnings?.join(' ')).toMatch(/direct layer\.apply\(x\) with a bare tensor throws/);
      // Every other check judged it, as a model runs it.
      expect(results.filter((r) => r.status !== 'passed').map((r) => r.id)).toEqual([]);
    } else {
      expect(own.status, summary(results)).toBe('failed');
      expect(own.message).toMatch(differs ? /computes something else in a model/ : /breaks in every model/);
      expect(own.message).toContain('call([x]), as tf.sequential and tf.model call it');
      expect(own.message).not.toContain('\n');
      if (!differs) {
        // One cause, one failure: the checks that call the layer point here.
        const predict = results.find((r) => r.id === 'predictDoesNotError')!;
        expect(predict.status).toBe('incomplete');
        expect(predict.message).toMatch(/^not judged: worksAsModelsCallIt failed/);
      }
    }
  });
});
