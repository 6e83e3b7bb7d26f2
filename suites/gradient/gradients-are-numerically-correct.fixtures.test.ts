import { describe, expect, it } from 'vitest';
import { evidenceOf } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';
import { BROKEN, runCheck, SEEDS } from '../../test-support/gradient-fixtures.ts';

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
