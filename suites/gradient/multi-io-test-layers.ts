/**
 * Small layers with several inputs or outputs for the gradient suite's own tests (the issue's
 * fixtures live in fixtures/multi-io/): each correct one with its derivative written out, and each
 * broken one with the one term it gets wrong. Ground truth is checked against tf.grads of the plain
 * functions in multi-io.test.ts.
 */
import { CustomLayer, type MultiBackwardResult } from '../../harness/custom-layer.ts';
import { tf, type Tensor } from '../../harness/tf.ts';

/**
 * Z = A + sigmoid(A) * B.
 *   dZ/dA = 1 + sigmoid(A) (1 - sigmoid(A)) B     dZ/dB = sigmoid(A)
 */
export class TestGatedResidual extends CustomLayer {
  static override className = 'TestGatedResidual';

  predict(A: Tensor, B: Tensor): Tensor {
    return tf.tidy(() => tf.add(A, tf.mul(tf.sigmoid(A), B)));
  }

  /** dZ/dA, from the gate s = sigmoid(A). */
  protected dZdA(s: Tensor, B: Tensor): Tensor {
    return tf.add(1, tf.mul(tf.mul(s, tf.sub(1, s)), B));
  }

  override backward(Xs: Tensor[], _Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    return tf.tidy(() => {
      const [A, B] = Xs as [Tensor, Tensor];
      const dLdZ = dLdZs[0]!;
      const s = tf.sigmoid(A);
      return { dLdX: [tf.mul(dLdZ, this.dZdA(s, B)), tf.mul(dLdZ, s)] };
    });
  }
}

/** Broken: dZ/dA forgets the factor B of the gate's term, 1 + s (1 - s). */
export class TestGatedResidualWrongA extends TestGatedResidual {
  static override className = 'TestGatedResidualWrongA';
  protected override dZdA(s: Tensor): Tensor {
    return tf.add(1, tf.mul(s, tf.sub(1, s)));
  }
}

/**
 * Scaled dot-product attention over Q [q, d], K [k, d], V [k, dv] per observation:
 *   S = Q K^T / sqrt(d), P = softmax(S) by rows, Z = P V.
 *   dLdV = P^T dLdZ; dLdP = dLdZ V^T; dLdS = P * (dLdP - rowsum(P * dLdP));
 *   dLdQ = dLdS K / sqrt(d); dLdK = dLdS^T Q / sqrt(d).
 */
export class TestAttention extends CustomLayer {
  static override className = 'TestAttention';

  protected attentionWeights(Q: Tensor, K: Tensor): Tensor {
    return tf.softmax(tf.mul(tf.matMul(Q, K, false, true), 1 / Math.sqrt(Q.shape.at(-1)!)));
  }

  predict(Q: Tensor, K: Tensor, V: Tensor): Tensor {
    return tf.tidy(() => tf.matMul(this.attentionWeights(Q, K), V));
  }

  /** dLdS from dLdP through the row softmax (its Jacobian diag(P) - P P^T, row by row). */
  protected softmaxBackward(P: Tensor, dLdP: Tensor): Tensor {
    return tf.mul(P, tf.sub(dLdP, tf.sum(tf.mul(P, dLdP), -1, true)));
  }

  override backward(Xs: Tensor[], _Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    return tf.tidy(() => {
      const [Q, K, V] = Xs as [Tensor, Tensor, Tensor];
      const dLdZ = dLdZs[0]!;
      const P = this.attentionWeights(Q, K);
      const scale = 1 / Math.sqrt(Q.shape.at(-1)!);
      const dLdS = this.softmaxBackward(P, tf.matMul(dLdZ, V, false, true));
      return {
        dLdX: [
          tf.mul(tf.matMul(dLdS, K), scale),
          tf.mul(tf.matMul(dLdS, Q, true, false), scale),
          tf.matMul(P, dLdZ, true, false),
        ],
      };
    });
  }
}

/** Broken: only the diagonal of the softmax Jacobian, P (1 - P) dLdP (wrong for Q and K, right for V). */
export class TestAttentionWrongSoftmax extends TestAttention {
  static override className = 'TestAttentionWrongSoftmax';
  protected override softmaxBackward(P: Tensor, dLdP: Tensor): Tensor {
    return tf.mul(tf.mul(P, tf.sub(1, P)), dLdP);
  }
}

/**
 * One input, two outputs, a learnable per channel: Z1 = tanh(X) * w, Z2 = X^2.
 *   dLdX = dLdZ1 * w * (1 - tanh(X)^2) + dLdZ2 * 2X;  dLdw = sum over all but channels of dLdZ1 * tanh(X).
 */
export class TestTanhAndSquare extends CustomLayer {
  static override className = 'TestTanhAndSquare';

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    this.addLearnable('w', [shape.at(-1)!], { uniform: [0.5, 1.5] });
    this.built = true;
  }

  predict(X: Tensor): Tensor[] {
    const { w } = this.learnables;
    return tf.tidy(() => [tf.mul(tf.tanh(X), w!), tf.square(X)]);
  }

  /** The part of dLdX from output 2: dLdZ2 * 2X. */
  protected fromSquare(X: Tensor, dLdZ2: Tensor): Tensor {
    return tf.mul(dLdZ2, tf.mul(2, X));
  }

  override backward(Xs: Tensor[], _Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    return tf.tidy(() => {
      const X = Xs[0]!;
      const [dLdZ1, dLdZ2] = dLdZs as [Tensor, Tensor];
      const { w } = this.learnables;
      const t = tf.tanh(X);
      const fromTanh = tf.mul(tf.mul(dLdZ1, w!), tf.sub(1, tf.square(t)));
      const axes = Array.from({ length: X.rank - 1 }, (_, i) => i);
      return {
        dLdX: [tf.add(fromTanh, this.fromSquare(X, dLdZ2))],
        dLdLearnables: { w: tf.sum(tf.mul(dLdZ1, t), axes) },
      };
    });
  }
}

/** Broken: output 2's part of dLdX forgets the factor 2 (dLdZ2 * X). */
export class TestTanhAndSquareWrongOutput2 extends TestTanhAndSquare {
  static override className = 'TestTanhAndSquareWrongOutput2';
  protected override fromSquare(X: Tensor, dLdZ2: Tensor): Tensor {
    return tf.mul(dLdZ2, X);
  }
}

/** Broken: output 2's part of dLdX is 2X, without dLdZ2 (not linear in the upstream gradient). */
export class TestTanhAndSquareIgnoresDLdZ2 extends TestTanhAndSquare {
  static override className = 'TestTanhAndSquareIgnoresDLdZ2';
  protected override fromSquare(X: Tensor): Tensor {
    return tf.mul(2, X);
  }
}

/** Form A, two inputs, autodiff: Z = A * tanh(B) + B. */
export class TestFormAProduct extends tf.layers.Layer {
  static className = 'TestFormAProduct';
  override call(inputs: Tensor | Tensor[]): Tensor {
    const [A, B] = inputs as Tensor[];
    return tf.tidy(() => tf.add(tf.mul(A!, tf.tanh(B!)), B!));
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0]!;
  }
}
