import { evidenceOf } from '../../harness/evidence/index.ts';
import { describe, expect, it } from 'vitest';
import { CustomLayer, type BackwardResult } from '../../harness/custom-layer.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { backwardIsLinearInUpstreamGradient } from './backward-is-linear-in-upstream-gradient.ts';
import { BROKEN, CORRECT, runCheck, SEEDS } from '../../test-support/gradient-fixtures.ts';

/** The right tanh derivative plus a term that does not vanish with dLdZ. */
class AddsConstant extends CustomLayer {
  static override className = 'TestAddsConstant';
  predict(X: Tensor): Tensor {
    return tf.tidy(() => tf.tanh(X));
  }
  override backward(_X: Tensor, Z: Tensor, dLdZ: Tensor): BackwardResult {
    return { dLdX: tf.tidy(() => tf.add(tf.mul(dLdZ, tf.sub(1, tf.square(Z))), 1e-3)) };
  }
}

describe('backwardIsLinearInUpstreamGradient', () => {
  it('fails a backward that ignores dLdZ, for each of 20 seeds', async () => {
    const l = BROKEN.find((b) => b.name.includes('ignores dLdZ'))!;
    for (const seed of SEEDS) {
      const r = await runCheck(backwardIsLinearInUpstreamGradient, l, seed);
      expect(r.status, `seed ${seed}`).toBe('failed');
      expect(r.message).toMatch(
        /^derivative of (input|alpha) does not scale with dLdZ: with dLdZ x -2.5 expected .* at .*, got .*/,
      );
    }
  });

  it('fails a backward that adds a term without dLdZ (nonzero for dLdZ = 0)', async () => {
    const r = await runCheck(
      backwardIsLinearInUpstreamGradient,
      { name: 'adds', make: () => new AddsConstant(), inputSize: [3, 3, 2] },
      2,
    );
    expect(r.status).toBe('failed');
    const zero = evidenceOf(r, 'linearity').findings.find((f) => f.scale === 0)!;
    expect(zero.mismatches).toBe(2 * 3 * 3 * 2);
  });

  it('passes every correct layer, for each of 20 seeds', async () => {
    for (const l of CORRECT) {
      for (const seed of SEEDS) {
        const r = await runCheck(backwardIsLinearInUpstreamGradient, l, seed);
        expect(r.status, `${l.name}, seed ${seed}: ${r.message}`).toBe('passed');
      }
    }
  });

  it('passes the broken layers whose error is still linear in dLdZ (a few seeds)', async () => {
    for (const l of BROKEN.filter((b) => !b.name.includes('ignores dLdZ') && !b.throws)) {
      for (const seed of SEEDS.slice(0, 3)) {
        const r = await runCheck(backwardIsLinearInUpstreamGradient, l, seed);
        expect(r.status, `${l.name}, seed ${seed}: ${r.message}`).toBe('passed');
      }
    }
  });
});
