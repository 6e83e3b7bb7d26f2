import { describe, expect, it } from 'vitest';
import { evidenceOf } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import type { BackwardResult } from '../../harness/custom-layer.ts';
import { AveragePoolForgetsQuarter } from '../../fixtures/gradient/average-pool-forgets-quarter.ts';
import {
  BROKEN,
  BROKEN_AWAY_FROM_START,
  BROKEN_BEYOND_3,
  runCheck,
  SEEDS,
} from '../../test-support/gradient-fixtures.ts';

const gradientEvidence = (r: CheckResult) => evidenceOf(r, 'gradientCheck');

describe('gradientsAreNumericallyCorrect catches broken gradients', () => {
  for (const l of BROKEN) {
    it(`${l.name}, for each of ${SEEDS.length} seeds${l.diagnosis ? ', with its diagnosis' : ''}`, async () => {
      for (const seed of SEEDS) {
        const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
        expect(r.status, `seed ${seed}: ${r.message}`).toBe('failed');
        if (l.throws) {
          expect(r.message).toMatch(/^gradientsAreNumericallyCorrect threw: /);
          continue;
        }
        const ev = gradientEvidence(r);
        expect(r.where?.parameter).toBeDefined();
        if (l.diagnosis) {
          const p = ev.parameters.find((q) => q.parameter === l.diagnosis!.parameter)!;
          expect(p.passed).toBe(false);
          expect(p.diagnosis ?? '', `seed ${seed}`).toMatch(l.diagnosis.pattern);
          expect(r.message).toContain(p.diagnosis!);
        }
      }
    });
  }
});

/** 2x2 average pooling forgetting the 1/4, whose backward gives NaN for an empty output (a 1x1 input). */
class NanOnEmpty extends AveragePoolForgetsQuarter {
  static override className = 'TestAveragePoolNanOnEmpty';
  override backward(X: Tensor, Z: Tensor, dLdZ: Tensor): BackwardResult {
    if (dLdZ.size === 0) return { dLdX: tf.fill(X.shape, NaN) };
    return super.backward(X, Z, dLdZ);
  }
}

/** 2x2 average pooling whose backward is 4x too large for a batch of 2, and of the wrong sign for one observation. */
class FailsOtherwiseWhenAlone extends AveragePoolForgetsQuarter {
  static override className = 'TestAveragePoolOtherwiseAlone';
  override backward(X: Tensor, Z: Tensor, dLdZ: Tensor): BackwardResult {
    const r = super.backward(X, Z, dLdZ);
    if (X.shape[0] !== 1) return r;
    const flipped = tf.mul(r.dLdX, -0.25);
    r.dLdX.dispose();
    return { dLdX: flipped };
  }
}

describe('counterexamples', () => {
  const pool = (name: string, make: () => unknown) => ({ name, make, inputSize: [4, 4, 3] });

  it('never shrink below the size the layer needs: the output stays non-empty', async () => {
    for (const l of [
      pool('forgets 1/4', () => new AveragePoolForgetsQuarter()),
      pool('NaN on an empty output', () => new NanOnEmpty()),
    ]) {
      for (const seed of [1, 2, 3, 4]) {
        const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
        expect(r.status).toBe('failed');
        const cx = gradientEvidence(r).counterexample;
        const shown = r.details!.join('\n');
        expect(shown, `${l.name}, seed ${seed}`).not.toMatch(/dLdZ \S*x0x|= \[\]|analytic NaN/);
        if (cx) {
          expect(cx.inputShape[1]).toBeGreaterThanOrEqual(2);
          expect(cx.inputShape[2]).toBeGreaterThanOrEqual(2);
          expect(Number.isFinite(cx.analytic)).toBe(true);
        }
      }
    }
  });

  it('show a shrunk case only when it fails for the same parameter with the same diagnosis, else the drawn case', async () => {
    const l = pool('4x for a batch, sign flipped alone', () => new FailsOtherwiseWhenAlone());
    for (const seed of [1, 2, 3]) {
      const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
      expect(r.status).toBe('failed');
      const ev = gradientEvidence(r);
      expect(ev.parameters[0]!.diagnosis).toMatch(/^off by a constant factor: analytic = 4 x numeric/);
      const cx = ev.counterexample;
      // A case of one observation fails too, but for another reason (sign flipped): never shown.
      if (cx) expect(cx.inputShape[0]).toBe(2);
      else expect(r.details!.join('\n')).toMatch(/case: X 2x4x4x3 = /);
    }
  });
});

describe('a failure', () => {
  const twoPercent = BROKEN.find((l) => l.name.includes('2%'))!;

  it('names what was expected, what was seen and where, in one line', async () => {
    const r = await runCheck(gradientsAreNumericallyCorrect, twoPercent, 4);
    expect(r.message).not.toContain('\n');
    expect(r.message).toMatch(
      /^wrong derivative for alpha \(\d+\/\d+ probes; off by a constant factor.*\): at alpha\[\d\] expected -?[\d.e-]+ \+\/- [\d.e-]+ \(finite differences\), got -?[\d.e-]+$/,
    );
    expect(r.where).toMatchObject({ parameter: 'alpha' });
    // The input is right and says so, on its own.
    const ev = gradientEvidence(r);
    expect(ev.parameters.find((p) => p.parameter === 'input')!.passed).toBe(true);
  });

  it('is shrunk to a small counterexample, printed in the details, the same for the same seed', async () => {
    const sign = BROKEN.find((l) => l.name.includes('sign error'))!;
    const r = await runCheck(gradientsAreNumericallyCorrect, sign, 6);
    const cx = gradientEvidence(r).counterexample!;
    expect(cx.shrinks).toBeGreaterThan(0);
    // One observation of one pixel: the layer accepts any spatial size.
    expect(cx.inputShape).toEqual([1, 1, 1, 3]);
    expect(cx.description).toMatch(/^X 1x1x1x3 = \[-?[\d.]+, -?[\d.]+, -?[\d.]+\]; dLdZ 1x1x1x3 = \[.*\]$/);
    expect(r.details!.join('\n')).toContain(cx.description);
    expect(r.details!.join('\n')).toContain('--seed 6');
    const again = await runCheck(gradientsAreNumericallyCorrect, sign, 6);
    expect(gradientEvidence(again).counterexample).toEqual(cx);
  });
});

describe('learnables away from where they start', () => {
  it('a backward right only at the initial learnables fails with them moved, saying at which values, and replays', async () => {
    for (const l of BROKEN_AWAY_FROM_START) {
      const r = await runCheck(gradientsAreNumericallyCorrect, l, 3);
      const ev = gradientEvidence(r);
      // Right where they start: the initial point passes; the moved one fails.
      expect(
        ev.parameters.filter((p) => p.learnablesAt === 'initial').every((p) => p.passed),
        l.name,
      ).toBe(true);
      expect(ev.movedLearnables?.passed).toBe(false);
      expect(r.message).toMatch(
        / with the learnables moved from their initial values \((beta|bias) = \[.*\] \(initially \[.*\]\)\) expected /,
      );
      expect(ev.counterexample?.learnablesAt ?? 'moved').toBe('moved');
      expect(r.details!.join('\n')).toContain('--seed 3: the same --seed replays them');
      const again = await runCheck(gradientsAreNumericallyCorrect, l, 3);
      expect(gradientEvidence(again)).toEqual(ev);
    }
  });

  it('moves Form A weights too (prelu alpha)', async () => {
    const prelu = {
      name: 'prelu',
      make: () => tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }) }),
      inputSize: [2, 2, 3],
    };
    const r = await runCheck(gradientsAreNumericallyCorrect, prelu, 2);
    expect(r.status, r.message).toBe('passed');
    const moved = gradientEvidence(r).movedLearnables!;
    expect(moved.learnables.map((l) => l.parameter)).toEqual(['alpha']);
    expect(moved.learnables[0]!.initial).toMatch(/^\[0\.25, 0\.25/);
    expect(moved.learnables[0]!.moved).not.toContain('0.25,');
    expect(r.message).toContain('at the initial and at moved learnables');
  });
});

describe('inputs at several scales', () => {
  it('a backward wrong only outside [-3, 3] fails, and the evidence says at which scale', async () => {
    for (const l of BROKEN_BEYOND_3) {
      for (const seed of SEEDS.slice(0, 5)) {
        const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
        const input = gradientEvidence(r).parameters.find((p) => p.parameter === 'input')!;
        const failing = input.scales.filter((s) => s.failures > 0).map((s) => s.scale);
        // Wrong above 3 (hard-swish) or past 6 (the clip): only the positive large scales fail (and just above hard-swish's kink at 3).
        expect(failing.length, `${l.name}, seed ${seed}`).toBeGreaterThan(0);
        for (const s of failing) expect(['about +10', 'about +30', 'near kink 3']).toContain(s);
        expect(input.scales.find((s) => s.scale === 'about 1')?.failures ?? 0).toBe(0);
        expect(r.message).toMatch(/failing at inputs (about \+(10|30)|near kink 3) \(\d+ of \d+ elements\)/);
      }
    }
  });

  it('probes elements of magnitude about 1, 10 and 30 of both signs, and a few steps from each declared kink', async () => {
    const hardSwish = { name: 'hard-swish', make: BROKEN_BEYOND_3[0]!.make, inputSize: [4, 4, 3] };
    const seen = new Set<string>();
    for (const seed of SEEDS.slice(0, 3)) {
      const ev = gradientEvidence(await runCheck(gradientsAreNumericallyCorrect, hardSwish, seed));
      for (const s of ev.parameters[0]!.scales) seen.add(s.scale);
    }
    for (const s of ['about 1', 'about -10', 'about +10', 'about -30', 'about +30', 'near kink -3', 'near kink 3'])
      expect(seen).toContain(s);
  });
});
