/**
 * Layers with several inputs and outputs through the core: CustomLayer's call (tf.customGrad with
 * the outputs packed), LayerUnderTest's list methods, the backward contract's counts, the sizes'
 * parsing. Derivatives are compared with tf.grads of the same function written plainly.
 */
import { describe, expect, it } from 'vitest';
import { CustomLayer, type MultiBackwardResult } from './custom-layer.ts';
import { LayerUnderTest } from './layer-under-test.ts';
import { parseInputSize } from './options.ts';
import { checkInputSize } from './load-layer.ts';
import { tf, type Shape, type Tensor } from './tf.ts';

/** Z1 = A * w + B, Z2 = A * B (w learnable per channel), with its own backward, right or with dLdB of Z2 missing. */
class TwoByTwo extends CustomLayer {
  static override className = 'CoreTestTwoByTwo';
  constructor(private readonly forgetB = false) {
    super();
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = (inputShape as Shape[])[0]!;
    this.addLearnable('w', [s[s.length - 1]!], { uniform: [0.5, 1.5] });
    this.built = true;
  }
  predict(A: Tensor, B: Tensor): Tensor[] {
    const w = this.learnables['w']!;
    return [tf.add(tf.mul(A, w), B), tf.mul(A, B)];
  }
  override backward(Xs: Tensor[], _Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    const [A, B] = Xs as [Tensor, Tensor];
    const [d1, d2] = dLdZs as [Tensor, Tensor];
    const w = this.learnables['w']!;
    const dA = tf.add(tf.mul(d1, w), tf.mul(d2, B));
    const dB = this.forgetB ? d1 : tf.add(d1, tf.mul(d2, A));
    return { dLdX: [dA, dB], dLdLearnables: { w: tf.sum(tf.mul(d1, A), [0, 1]) } };
  }
}

/** Returns one input derivative for two inputs. */
class TooFewDerivatives extends TwoByTwo {
  static override className = 'CoreTestTooFewDerivatives';
  override backward(Xs: Tensor[], Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    const r = super.backward(Xs, Zs, dLdZs);
    return { dLdX: [r.dLdX[0]!], dLdLearnables: r.dLdLearnables };
  }
}

/** Form A: concatenates its two inputs on the channel axis. */
class Concat extends tf.layers.Layer {
  static className = 'CoreTestConcat';
  override call(inputs: Tensor | Tensor[]): Tensor {
    const [a, b] = inputs as Tensor[];
    return tf.concat([a!, b!], -1);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const [a, b] = s as Shape[];
    return [...a!.slice(0, -1), a![a!.length - 1]! + b![b!.length - 1]!];
  }
}

const sizes = [
  [3, 2],
  [3, 2],
];

function inputs(): Tensor[] {
  return [tf.randomNormal([2, 3, 2], 0, 1, 'float32', 1), tf.randomNormal([2, 3, 2], 0, 1, 'float32', 2)];
}

async function values(ts: Tensor[]): Promise<number[][]> {
  return Promise.all(ts.map(async (t) => Array.from(await t.data())));
}

describe('several inputs and outputs', () => {
  it('counts inputs and outputs, and predicts one tensor per output', () => {
    const s = LayerUnderTest.create({ kind: 'factory', value: () => new TwoByTwo() }, sizes, 1);
    expect([s.numInputs, s.numOutputs, s.isMultiIO]).toEqual([2, 2, true]);
    const Zs = s.predictAll(inputs());
    expect(Zs.map((z) => z.shape)).toEqual([
      [2, 3, 2],
      [2, 3, 2],
    ]);
    expect(s.describe().outputSizes).toEqual([
      [3, 2],
      [3, 2],
    ]);
    const one = LayerUnderTest.create({ kind: 'factory', value: () => tf.layers.reLU() }, [3, 2], 1);
    expect([one.numInputs, one.numOutputs, one.isMultiIO]).toEqual([1, 1, false]);
    expect(one.describe().outputSizes).toBeUndefined();
  });

  it('training-time gradients through backward (outputs packed in tf.customGrad) equal tf.grads of the plain function', async () => {
    const s = LayerUnderTest.create({ kind: 'factory', value: () => new TwoByTwo() }, sizes, 3);
    const Xs = inputs();
    const dLdZs = [tf.randomNormal([2, 3, 2], 0, 1, 'float32', 5), tf.randomNormal([2, 3, 2], 0, 1, 'float32', 6)];
    const w = s.learnableVariable('w');
    const plain = (a: Tensor, b: Tensor, ww: Tensor) =>
      tf.add(tf.sum(tf.mul(tf.add(tf.mul(a, ww), b), dLdZs[0]!)), tf.sum(tf.mul(tf.mul(a, b), dLdZs[1]!)));
    const expected = tf.grads(plain)([Xs[0]!, Xs[1]!, w]);
    for (const g of [s.gradientsAll(Xs, dLdZs), s.backwardAll(Xs, dLdZs), s.autodiffGradientsAll(Xs, dLdZs)]) {
      const got = await values([...g.dLdXs, g.dLdLearnables['w']!]);
      const want = await values(expected);
      got.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(want[i]![j]!, 5)));
    }
  });

  it('a wrong backward shows in the training-time gradients, not in autodiff', async () => {
    const s = LayerUnderTest.create({ kind: 'factory', value: () => new TwoByTwo(true) }, sizes, 3);
    const Xs = inputs();
    const dLdZs = [tf.onesLike(Xs[0]!), tf.onesLike(Xs[0]!)];
    const [viaBackward, viaAutodiff] = [s.gradientsAll(Xs, dLdZs), s.autodiffGradientsAll(Xs, dLdZs)];
    const a = await values([viaBackward.dLdXs[1]!]);
    const b = await values([viaAutodiff.dLdXs[1]!]);
    expect(a[0]).not.toEqual(b[0]);
  });

  it('a backward returning too few input derivatives is a contract error naming both counts', () => {
    const s = LayerUnderTest.create({ kind: 'factory', value: () => new TooFewDerivatives() }, sizes, 1);
    const Xs = inputs();
    expect(() => s.backwardAll(Xs, [tf.onesLike(Xs[0]!), tf.onesLike(Xs[0]!)])).toThrow(
      /CoreTestTooFewDerivatives\.backward returned 1 input derivative in dLdX but the layer takes 2 inputs/,
    );
  });

  it('Form A with a list of inputs, called as models call it, and inside a real tf.model', async () => {
    const s = LayerUnderTest.create({ kind: 'factory', value: () => new Concat() }, sizes, 1);
    const Xs = inputs();
    const [Z] = s.predictAll(Xs);
    expect(Z!.shape).toEqual([2, 3, 4]);
    const a = tf.input({ shape: [3, 2] });
    const b = tf.input({ shape: [3, 2] });
    const model = tf.model({ inputs: [a, b], outputs: new Concat().apply([a, b]) as tf.SymbolicTensor });
    const viaModel = model.predict(Xs) as Tensor;
    expect(Array.from(await viaModel.data())).toEqual(Array.from(await Z!.data()));
  });

  it('a Form B predict that takes a different number of inputs from the sizes given is named', () => {
    const s = LayerUnderTest.create(
      { kind: 'factory', value: () => new TwoByTwo() },
      [
        [3, 2],
        [3, 2],
        [3, 2],
      ],
      1,
    );
    expect(s.inputCountMismatch()).toMatch(/3 input sizes were given but CoreTestTwoByTwo\.predict takes 2 inputs/);
    expect(LayerUnderTest.create({ kind: 'factory', value: () => new TwoByTwo() }, sizes, 1).inputCountMismatch()).toBe(
      null,
    );
  });

  it('sizes: one, repeated flags, ";" and lists of lists', () => {
    expect(parseInputSize('4,4,3')).toEqual([4, 4, 3]);
    expect(parseInputSize(['4,4,3', '6,8'])).toEqual([
      [4, 4, 3],
      [6, 8],
    ]);
    expect(parseInputSize('4,4,3;6,8')).toEqual([
      [4, 4, 3],
      [6, 8],
    ]);
    expect(parseInputSize([[4, 4, 3], [2]])).toEqual([[4, 4, 3], [2]]);
    expect(parseInputSize([4, 4, 3])).toEqual([4, 4, 3]);
    expect(() => parseInputSize(['4,4,3', '6,x'])).toThrow(/--input-size \(size 2 of 2\): "6,x" is not a size/);
    expect(checkInputSize([[4, 4, 3], [2]], 'f.ts: export inputSize')).toEqual([[4, 4, 3], [2]]);
    expect(() => checkInputSize([[4, 4, 3], [0]], 'f.ts: export inputSize')).toThrow(
      /f\.ts: export inputSize \(size 2 of 2\): input size must be positive whole numbers/,
    );
  });
});

tf.serialization.registerClass(TwoByTwo);
tf.serialization.registerClass(TooFewDerivatives);
tf.serialization.registerClass(Concat);
