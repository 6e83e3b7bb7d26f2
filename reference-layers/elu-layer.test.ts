import { describe, expect, it } from 'vitest';
import { tf } from '../harness/tf.ts';
import { EluLayer } from './elu-layer.ts';

function built(channels: number, alpha: number[]): EluLayer {
  const layer = new EluLayer({ numChannels: channels });
  tf.tidy(() => {
    layer.apply(tf.zeros([1, 2, 2, channels]));
  });
  layer.learnableVariable('alpha').write(tf.keep(tf.tensor1d(alpha)));
  return layer;
}

describe('reference ELU', () => {
  it('equals tf.elu when alpha = 1', () => {
    const layer = built(3, [1, 1, 1]);
    const X = tf.randomNormal([4, 5, 5, 3], 0, 3, 'float32', 7);
    const diff = tf.max(tf.abs(tf.sub(layer.apply(X) as tf.Tensor, tf.elu(X)))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-6);
  });

  it('equals alpha * (exp(x) - 1) on the negative side for other alphas, x on the positive side', () => {
    const alpha = [0.25, 0.5, 0.9];
    const layer = built(3, alpha);
    const x = [-3, -0.5, 0, 0.5, 2, 100];
    const X = tf.tensor(
      x.flatMap((v) => [v, v, v]),
      [1, 1, x.length, 3],
    );
    const Z = (layer.apply(X) as tf.Tensor).dataSync();
    x.forEach((v, i) =>
      alpha.forEach((a, c) => {
        const expected = v > 0 ? v : a * (Math.exp(v) - 1);
        expect(Z[i * 3 + c]).toBeCloseTo(expected, 5);
      }),
    );
  });

  it('describes itself as in the seed', () => {
    const layer = built(20, new Array<number>(20).fill(0.5));
    expect(layer.type).toBe('Exponential Linear Unit');
    expect(layer.description).toBe('Exponential linear unit with 20 channels');
  });
});
