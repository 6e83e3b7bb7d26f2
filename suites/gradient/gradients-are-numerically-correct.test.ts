import { describe, expect, it } from 'vitest';
import { tf } from '../../harness/tf.ts';
import { ClipKinks } from '../../fixtures/gradient/correct/clip-kinks-layer.ts';
import { evidenceOf } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';
import { gradientChecks } from './index.ts';
import { CORRECT, OTHER_REFERENCE, runCheck, SEEDS } from '../../test-support/gradient-fixtures.ts';

const gradientEvidence = (r: CheckResult) => evidenceOf(r, 'gradientCheck');

describe('gradientsAreNumericallyCorrect passes correct layers', () => {
  for (const l of CORRECT) {
    it(`${l.name}, for each of ${SEEDS.length} seeds`, async () => {
      for (const seed of SEEDS) {
        const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
        expect(r.status, `seed ${seed}: ${r.message}`).toBe('passed');
      }
    });
  }
});

describe('the whole gradient suite passes the other reference layers', () => {
  for (const l of OTHER_REFERENCE) {
    it(`${l.name}, for each of 5 seeds`, async () => {
      for (const seed of SEEDS.slice(0, 5)) {
        for (const check of gradientChecks) {
          const r = await runCheck(check, l, seed);
          expect(r.status, `${check.id}, seed ${seed}: ${r.message}`).toBe('passed');
        }
      }
    });
  }
});

describe('gradientsAreNumericallyCorrect evidence', () => {
  const clip = CORRECT.find((l) => l.name.startsWith('clip') && l.name.includes('own backward'))!;

  it('recognises the kinks the drawn inputs hit exactly, and counts them', async () => {
    let kinks = 0;
    for (const seed of SEEDS) {
      const ev = gradientEvidence(await runCheck(gradientsAreNumericallyCorrect, clip, seed));
      expect(ev.kinks).toBe(ev.parameters.reduce((s, p) => s + p.kinks, 0));
      kinks += ev.kinks;
    }
    expect(kinks).toBeGreaterThan(SEEDS.length);
  });

  it('reports every parameter on its own, with errors, the worst probe, pairs and the forward passes', async () => {
    const conv = CORRECT.find((l) => l.name === '3x3 convolution')!;
    const r = await runCheck(gradientsAreNumericallyCorrect, conv, 5);
    const ev = gradientEvidence(r);
    // At the initial learnables, then with them moved.
    expect(ev.parameters.map((p) => `${p.parameter} ${p.learnablesAt}`)).toEqual([
      'input initial',
      'weights initial',
      'bias initial',
      'input moved',
      'weights moved',
      'bias moved',
    ]);
    expect(ev.movedLearnables!.learnables.map((l) => l.parameter)).toEqual(['weights', 'bias']);
    expect(ev.batch).toBe(2);
    expect(ev.inputShape).toEqual([2, 5, 5, 2]);
    for (const p of ev.parameters) {
      expect(p.passed).toBe(true);
      expect(p.pairs.length).toBe(Math.min(200, p.coordinates + p.directions));
      expect(p.worst!.tolerance).toBeGreaterThan(0);
      expect(p.maxAbsError).toBeLessThanOrEqual(p.worst!.tolerance * 1e3);
      expect(p.forwardPasses).toBeGreaterThanOrEqual(4 * (p.coordinates + p.directions));
    }
    // The 36 filter taps and 2 biases are all probed; the 100 input elements are sampled (50, plus
    // elements of the scales the sample missed).
    expect(ev.parameters[1]!.coordinates).toBe(36);
    expect(ev.parameters[2]!.coordinates).toBe(2);
    expect(ev.parameters[0]!.coordinates).toBeGreaterThanOrEqual(50);
    // At the moved learnables, a lighter sample of the input (16 elements, 2 directions); the learnables in full.
    expect(ev.parameters[3]!.coordinates).toBeLessThanOrEqual(16);
    expect(ev.parameters[3]!.directions).toBe(2);
    expect(ev.parameters[4]!.coordinates).toBe(36);
    expect(ev.parameters[0]!.coordinates).toBeLessThanOrEqual(50 + 4 * 5);
    // One unperturbed pass per point.
    expect(ev.forwardPasses).toBe(2 + ev.parameters.reduce((s, p) => s + p.forwardPasses, 0));
    expect(r.message).toMatch(
      /^derivatives of input, weights, bias match finite differences at the initial and at moved learnables at \d+ probes \(\d+ kinks?, \d+ forward passes\)$/,
    );
  });

  it('probes every element with the exhaustive option', async () => {
    const elu = CORRECT[0]!;
    const ev = gradientEvidence(await runCheck(gradientsAreNumericallyCorrect, elu, 3, { exhaustive: true }));
    expect(ev.parameters[0]!.coordinates).toBe(2 * 4 * 4 * 3);
    expect(ev.exhaustive).toBe(true);
  });

  it('gives the same result for the same seed and leaves the layer as it was', async () => {
    const l = { name: 'clip', make: () => new ClipKinks(), inputSize: [4, 4, 3] };
    const a = await runCheck(gradientsAreNumericallyCorrect, l, 9);
    const b = await runCheck(gradientsAreNumericallyCorrect, l, 9);
    expect(gradientEvidence(a)).toEqual(gradientEvidence(b));
    const before = tf.memory().numTensors;
    await runCheck(gradientsAreNumericallyCorrect, CORRECT[0]!, 9);
    // The layer's own weights stay (a fresh layer per run); nothing else is left behind.
    expect(tf.memory().numTensors - before).toBe(1);
  });

  it('skips, with the reason, a layer whose forward at training time is random (dropout)', async () => {
    const dropout = { name: 'dropout', make: () => tf.layers.dropout({ rate: 0.5 }), inputSize: [3, 3, 2] };
    for (const check of gradientChecks) {
      const r = await runCheck(check, dropout, 1);
      expect(r.status, check.id).toBe('skipped');
      if (check.id === 'backwardMatchesAutodiff') continue; // skipped first as Form A
      expect(r.message).toMatch(
        /^forward at training time is random \(two calls on the same input differ at output element \d+: .* then .*\), so derivatives cannot be checked numerically$/,
      );
    }
  });
});
