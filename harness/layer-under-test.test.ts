import { describe, expect, it } from 'vitest';
import { CustomLayer, type BackwardResult } from './custom-layer.ts';
import { LayerUnderTest } from './layer-under-test.ts';
import { tf, type Shape, type Tensor } from './tf.ts';

/** Scales by a learnable read into JavaScript: automatic differentiation cannot reach it. */
class TapeBreakingScale extends CustomLayer {
  static override className = 'TapeBreakingScale';
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    this.addLearnable('scale', [s[s.length - 1]!], 'ones');
    this.built = true;
  }
  predict(X: Tensor): Tensor {
    const scale = Array.from(this.learnables['scale']!.dataSync());
    return tf.tidy(() => tf.mul(X, tf.tensor1d(scale)));
  }
  override backward(X: Tensor, _Z: Tensor, dLdZ: Tensor): BackwardResult {
    return tf.tidy(() => ({
      dLdX: tf.mul(dLdZ, this.learnables['scale']!),
      dLdLearnables: { scale: tf.sum(tf.mul(dLdZ, X), [0, 1, 2]) },
    }));
  }
}

describe('LayerUnderTest', () => {
  it('recognises both forms', () => {
    const b = LayerUnderTest.create({ kind: 'factory', value: () => new TapeBreakingScale() }, [2, 2, 3], 1);
    expect(b.form).toBe('B');
    const a = LayerUnderTest.create({ kind: 'factory', value: () => tf.layers.reLU() }, [2, 2, 3], 1);
    expect(a.form).toBe('A');
  });

  it('says which parameter automatic differentiation of forward does not reach, instead of a silent zero', () => {
    const subject = LayerUnderTest.create({ kind: 'factory', value: () => new TapeBreakingScale() }, [2, 2, 3], 1);
    const X = tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 3);
    const dLdZ = tf.onesLike(X);
    expect(() => subject.autodiffGradients(X, dLdZ)).toThrow(/does not reach scale/);
    // The layer's own path (its backward) still gives every derivative.
    const g = subject.gradients(X, dLdZ);
    expect(Object.keys(g.dLdLearnables)).toEqual(['scale']);
  });
});
