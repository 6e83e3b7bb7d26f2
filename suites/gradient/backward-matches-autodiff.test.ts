import { describe, expect, it } from 'vitest';
import { CustomLayer, type BackwardResult } from '../../harness/custom-layer.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { evidenceOf } from '../../harness/evidence/index.ts';
import { backwardMatchesAutodiff } from './backward-matches-autodiff.ts';
import { BROKEN, BROKEN_AWAY_FROM_START, CORRECT, runCheck, SEEDS } from '../../test-support/gradient-fixtures.ts';

/** A correct layer whose forward TensorFlow.js cannot differentiate (a comparison has no gradient). */
class StepForward extends CustomLayer {
  static override className = 'TestStepForward';
  predict(X: Tensor): Tensor {
    return tf.tidy(() => tf.mul(X, tf.cast(tf.greater(X, 0), 'float32')));
  }
  override backward(X: Tensor, _Z: Tensor, dLdZ: Tensor): BackwardResult {
    return { dLdX: tf.tidy(() => tf.mul(dLdZ, tf.step(X, 0))) };
  }
}

/** Form B without backward. */
class NoBackward extends CustomLayer {
  static override className = 'TestNoBackward';
  predict(X: Tensor): Tensor {
    return tf.tidy(() => tf.tanh(X));
  }
}

describe('backwardMatchesAutodiff', () => {
  it('fails every broken hand-written backward (20 seeds for the 2% error and the swap, 3 for the others)', async () => {
    for (const l of BROKEN) {
      const seeds = l.name.includes('2%') || l.name.includes('swapped') ? SEEDS : SEEDS.slice(0, 3);
      for (const seed of seeds) {
        const r = await runCheck(backwardMatchesAutodiff, l, seed);
        expect(r.status, `${l.name}, seed ${seed}: ${r.message}`).toBe('failed');
        expect(r.message).toMatch(
          l.throws
            ? /^backwardMatchesAutodiff threw: /
            : /^backward differs from autodiff of forward for .*: at .* autodiff gives .*, backward .* \(tolerance .*\)(; finite differences .* of the \d+ elements checked)?$/,
        );
      }
    }
  });

  it('compares again with the learnables moved, and says so when only there the two differ', async () => {
    for (const l of BROKEN_AWAY_FROM_START) {
      const r = await runCheck(backwardMatchesAutodiff, l, 1);
      expect(r.status).toBe('failed');
      expect(r.message).toMatch(/ with the learnables moved \((beta|bias) = \[.*\] \(initially \[(1|0), /);
    }
  });

  it("passes a right backward where TensorFlow.js's own gradient is wrong (resizeNearestNeighbor on cpu, batch 2), with a warning naming the backend and the ops", async () => {
    const resize = CORRECT.find((l) => l.name.startsWith('2x nearest upsampling'))!;
    for (const seed of SEEDS.slice(0, 5)) {
      const r = await runCheck(backwardMatchesAutodiff, resize, seed);
      expect(r.status, `seed ${seed}: ${r.message}`).toBe('passed');
      expect(r.message).toMatch(
        /^backward equals finite differences where autodiff of forward differs \(\d+ of input elements; \d+ checked\): TensorFlow\.js's own gradient is wrong there, not the backward$/,
      );
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings![0]).toMatch(
        /^TensorFlow\.js's gradient of forward on the cpu backend disagrees with finite differences at \d+ of input elements, where the backward agrees with them: a TensorFlow\.js bug in the gradient of .*ResizeNearestNeighbor/,
      );
      const arbiter = evidenceOf(r, 'autodiffComparison').arbiter!;
      expect(arbiter.backend).toBe('cpu');
      expect(arbiter.forwardOps).toContain('ResizeNearestNeighbor');
      // Only the second observation is wrong in TensorFlow.js 4.22.
      for (const e of arbiter.parameters[0]!.elements) {
        expect(e.verdict).toBe('backward');
        expect(e.position[0]).toBe(1);
      }
    }
  });

  it('still fails a wrong backward there, saying which side finite differences take', async () => {
    const broken = BROKEN.find((l) => l.name.startsWith('2x nearest upsampling'))!;
    for (const seed of SEEDS.slice(0, 5)) {
      const r = await runCheck(backwardMatchesAutodiff, broken, seed);
      expect(r.status, `seed ${seed}`).toBe('failed');
      expect(r.message).toMatch(/; finite differences side with autodiff at \d+.* of the \d+ elements checked$/);
      expect(r.warnings ?? []).toEqual([]);
    }
  });

  it('passes the correct Form B layers with a backward, for each of 20 seeds', async () => {
    for (const l of CORRECT) {
      for (const seed of SEEDS) {
        const r = await runCheck(backwardMatchesAutodiff, l, seed);
        expect(['passed', 'skipped'], `${l.name}, seed ${seed}: ${r.message}`).toContain(r.status);
        if (l.name.includes('own backward') || l.name === 'reference ELU' || l.name === '3x3 convolution')
          expect(r.status).toBe('passed');
      }
    }
  });

  it('is skipped, with the reason, for Form A, for Form B without backward, and when forward is not differentiable', async () => {
    const formA = await runCheck(
      backwardMatchesAutodiff,
      { name: 'relu', make: () => tf.layers.reLU(), inputSize: [2, 2, 3] },
      1,
    );
    expect(formA.status).toBe('skipped');
    expect(formA.message).toMatch(/^Form A layer/);
    const none = await runCheck(
      backwardMatchesAutodiff,
      { name: 'tanh', make: () => new NoBackward(), inputSize: [2, 2, 3] },
      1,
    );
    expect(none.status).toBe('skipped');
    expect(none.message).toMatch(/^no backward/);
    const step = await runCheck(
      backwardMatchesAutodiff,
      { name: 'step', make: () => new StepForward(), inputSize: [2, 2, 3] },
      1,
    );
    expect(step.status).toBe('skipped');
    expect(step.message).toMatch(
      /^forward is not differentiable by automatic differentiation \(.*gradient function not found.*\)/i,
    );
  });
});
