/**
 * A correct two-input layer the suites' multi-input tests share: Z = A + sigmoid(A) * (g B), with a
 * learnable gain g per channel, Form B with its own backward. With s = sigmoid(A):
 * dZ/dA = 1 + s (1 - s) g B, dZ/dB = s g, dZ/dg = s B (summed over every axis but the channels).
 * `wrongOffCpu`: off the cpu backend, backward drops the factor g from dZ/dB (a backend-specific
 * fast path gone wrong), for the backend suite.
 */
import { CustomLayer } from '../harness/custom-layer.ts';
import { tf, type Shape, type Tensor } from '../harness/tf.ts';

export class GatedResidualWithGain extends CustomLayer {
  static override className = 'TestGatedResidualWithGain';
  constructor(private readonly wrongOffCpu = false) {
    super({});
  }
  override build(shapes: Shape | Shape[]): void {
    const s = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as Shape;
    this.addLearnable('g', [s[s.length - 1]!], { uniform: [0.5, 1.5] });
    this.built = true;
  }
  predict(A: Tensor, B: Tensor): Tensor {
    return tf.tidy(() => tf.add(A, tf.mul(tf.sigmoid(A), tf.mul(this.learnables['g']!, B))));
  }
  override backward(Xs: Tensor | Tensor[], _Zs: Tensor | Tensor[], dLdZs: Tensor | Tensor[]) {
    const [A, B] = Xs as Tensor[];
    const dLdZ = (dLdZs as Tensor[])[0]!;
    return tf.tidy(() => {
      const g = this.learnables['g']!;
      const s = tf.sigmoid(A!);
      const dA = tf.mul(dLdZ, tf.add(1, tf.mul(tf.mul(s, tf.sub(1, s)), tf.mul(g, B!))));
      const dB = tf.mul(dLdZ, this.wrongOffCpu && tf.getBackend() !== 'cpu' ? s : tf.mul(s, g));
      const axes = [...Array(A!.rank - 1).keys()];
      return { dLdX: [dA, dB], dLdLearnables: { g: tf.sum(tf.mul(dLdZ, tf.mul(s, B!)), axes) } };
    });
  }
}
tf.serialization.registerClass(GatedResidualWithGain);
