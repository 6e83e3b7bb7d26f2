/**
 * Layers broken the ways a new user breaks them (issue 2, "Bad input"), each reported by the
 * check named for it with a one-line message that says what was expected and what was seen.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../harness/check.ts';
import { CustomLayer, type BackwardResult } from '../../harness/custom-layer.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { shapeChecks } from './index.ts';

async function run(factory: () => unknown, inputSize = [4, 4, 3]): Promise<Map<string, CheckResult>> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: factory }, inputSize, 7);
  const results = await runChecks({ subject, checks: shapeChecks, seed: 7, options: DEFAULT_CHECK_OPTIONS });
  return new Map(results.map((r) => [r.id, r]));
}

function failed(results: Map<string, CheckResult>): string[] {
  return [...results.values()].filter((r) => r.status === 'failed').map((r) => r.id);
}

/** predict returns forward's shape, { Z }, where a Tensor is expected. */
class ReturnsObject extends CustomLayer {
  static override className = 'ReturnsObjectShapeTest';
  predict(X: Tensor): Tensor {
    return { Z: tf.relu(X) } as unknown as Tensor;
  }
}

class ReturnsInt32 extends CustomLayer {
  static override className = 'ReturnsInt32ShapeTest';
  predict(X: Tensor): Tensor {
    return tf.cast(tf.round(X), 'int32');
  }
}

/** Each prediction is one element longer than the last (a cache that grows). */
class GrowingOutput extends CustomLayer {
  static override className = 'GrowingOutputShapeTest';
  private calls = 0;
  predict(X: Tensor): Tensor {
    this.calls++;
    return tf.tidy(() =>
      tf.pad(X, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, this.calls % 2],
      ]),
    );
  }
}

/** MATLAB habit: [dLdX, dLdAlpha] = backward(...), ported as an array. */
class BackwardReturnsArray extends CustomLayer {
  static override className = 'BackwardReturnsArrayShapeTest';
  override build(s: tf.Shape | tf.Shape[]): void {
    this.addLearnable('alpha', [(s as tf.Shape)[3]!], 0.5);
    this.built = true;
  }
  predict(X: Tensor): Tensor {
    return tf.mul(X, this.learnables['alpha']!);
  }
  override backward(X: Tensor, _Z: Tensor, dLdZ: Tensor): BackwardResult {
    return [tf.mul(dLdZ, this.learnables['alpha']!), tf.sum(tf.mul(dLdZ, X), [0, 1, 2])] as unknown as BackwardResult;
  }
}

/** predict(X, training): a second parameter the harness never passes. */
class PredictTwoParameters extends CustomLayer {
  static override className = 'PredictTwoParametersShapeTest';
  // @ts-expect-error -- the mistake under test: TypeScript rejects a second parameter that is not a Tensor
  predict(X: Tensor, training?: boolean): Tensor {
    return training ? tf.relu(X) : tf.elu(X);
  }
}

/** Form A whose getConfig forgets its constructor argument. */
class ForgetfulScale extends tf.layers.Layer {
  static className = 'ForgetfulScaleShapeTest';
  readonly factor: number;
  constructor(args: { factor?: number; name?: string } = {}) {
    super(args);
    this.factor = args.factor ?? 1;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, this.factor);
  }
}
tf.serialization.registerClass(ForgetfulScale);

/** A subclass of a built-in that keeps the parent's className: loading gives back a plain Dense. */
const DenseClass = tf.layers.dense({ units: 1 }).constructor as unknown as new (args: {
  units: number;
}) => tf.layers.Layer;
class MyDense extends DenseClass {
  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return tf.tidy(() => tf.relu(super.call(inputs, kwargs) as Tensor));
  }
}
for (const cls of [ReturnsObject, ReturnsInt32, GrowingOutput, BackwardReturnsArray, PredictTwoParameters])
  tf.serialization.registerClass(cls);

describe('shape suite on bad input', () => {
  it('a predict that returns an object: predictDoesNotError says so', async () => {
    const r = await run(() => new ReturnsObject());
    expect(r.get('predictDoesNotError')!.status).toBe('failed');
    expect(r.get('predictDoesNotError')!.message).toBe(
      'predict returned an object (Object) with keys [Z] for an input of shape [2,4,4,3]; expected one Tensor',
    );
    expect(r.get('outputShapeMatchesComputeOutputShape')!.status).toBe('incomplete');
  });

  it('a predict that returns int32: predictIsConsistentInType says so, and only it', async () => {
    const r = await run(() => new ReturnsInt32());
    expect(r.get('predictIsConsistentInType')!.message).toBe(
      'predict returned int32 for a float32 input; expected float32',
    );
    expect(failed(r)).toContain('predictIsConsistentInType');
  });

  it('a predict whose shape changes each call: predictIsDeterministic names both shapes', async () => {
    const r = await run(() => new GrowingOutput());
    const d = r.get('predictIsDeterministic')!;
    expect(d.status).toBe('failed');
    expect(d.message).toMatch(
      /^predict returned shape \[2,4,4,\d\] on the first call and \[2,4,4,\d\] on the second, for the same input \[2,4,4,3\]$/,
    );
  });

  it('a MATLAB-style backward returning [dLdX, dLdAlpha]: functionSyntaxesAreCorrect', async () => {
    const r = await run(() => new BackwardReturnsArray());
    expect(r.get('functionSyntaxesAreCorrect')!.status).toBe('failed');
    expect(r.get('functionSyntaxesAreCorrect')!.message).toMatch(/backward must return \{ dLdX: Tensor, dLdLearnables/);
    expect(failed(r)).toEqual(['functionSyntaxesAreCorrect']);
  });

  it('predict(X, training): functionSyntaxesAreCorrect names the arity', async () => {
    const r = await run(() => new PredictTwoParameters());
    expect(r.get('functionSyntaxesAreCorrect')!.message).toMatch(
      /PredictTwoParameters\.predict declares 2 parameters; it is called as predict\(X\)/,
    );
  });

  it('getConfig that forgets a constructor argument: configRoundTrips compares the predictions', async () => {
    const r = await run(() => new ForgetfulScale({ factor: 3 }));
    const c = r.get('configRoundTrips')!;
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(
      /rebuilt from getConfig\(\) with the same weights predicts .* getConfig misses a setting \(getConfig returns only tf\.layers\.Layer's fields/,
    );
    expect(c.where?.parameter).toBe('output');
    expect(failed(r)).toEqual(['configRoundTrips']);
  });

  it('a subclass of Dense keeping the className "Dense": configRoundTrips', async () => {
    const r = await run(() => new MyDense({ units: 2 }));
    const c = r.get('configRoundTrips')!;
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(/^MyDense has no static className of its own \(it inherits 'Dense'\)/);
  });
});
