/**
 * One replay builder for every printed replay: it carries each option that changes a check's
 * result, for a check that passed or failed (built in the worker), timed out or crashed (built by
 * the runner), and as an API call for runs made through checkLayer.
 */
import { describe, expect, it } from 'vitest';
import { catalogEntry } from './catalog.ts';
import { resolveRunOptions } from './options.ts';
import { apiReplay, raisedTimeout, replayCommand } from './replay.ts';
import { shellQuote } from './shell-quote.ts';

const gradient = catalogEntry('gradientsAreNumericallyCorrect');
const training = catalogEntry('trainsToAccuracy');

describe('replayCommand', () => {
  it('carries seed and backend always, and only the other options that were set', () => {
    expect(replayCommand('my.ts', gradient, resolveRunOptions({}))).toBe(
      'npx check-layer my.ts --checks gradientsAreNumericallyCorrect --seed 1 --backend cpu',
    );
  });

  it('carries input size, export, exhaustive and a raised timeout, quoting what the shell would split', () => {
    const o = resolveRunOptions({
      seed: 7,
      backend: 'wasm',
      inputSize: '5,5,2',
      exportName: 'myElu',
      exhaustive: true,
      timeoutSeconds: 60,
    });
    expect(replayCommand('my layers/elu.ts', gradient, { ...o, timeoutSeconds: raisedTimeout(o) })).toBe(
      "npx check-layer 'my layers/elu.ts' --checks gradientsAreNumericallyCorrect --seed 7 --backend wasm --timeout 240 --input-size 5,5,2 --export myElu --exhaustive",
    );
  });

  it('carries the training settings for the training check only, train backend included', () => {
    const o = resolveRunOptions({ suites: 'all', epochs: 2, trainSize: 1000, testSize: 500, trainBackend: 'cpu' });
    expect(replayCommand('l.ts', training, o)).toBe(
      'npx check-layer l.ts --checks trainsToAccuracy --seed 1 --backend cpu --epochs 2 --train-size 1000 --test-size 500 --train-backend cpu',
    );
    expect(replayCommand('l.ts', gradient, o)).toBe(
      'npx check-layer l.ts --checks gradientsAreNumericallyCorrect --seed 1 --backend cpu',
    );
  });

  it('raises a timed-out check’s timeout fourfold, never past the bound', () => {
    expect(raisedTimeout(resolveRunOptions({ timeoutSeconds: 3 }))).toBe(12);
    expect(raisedTimeout(resolveRunOptions({ timeoutSeconds: 86400 }))).toBe(86400);
  });
});

describe('apiReplay', () => {
  it('is the checkLayer call with the same options', () => {
    const o = resolveRunOptions({ seed: 3, inputSize: [4, 4, 3], exhaustive: true });
    expect(apiReplay(gradient, o)).toBe(
      "checkLayer(layer, { checks: ['gradientsAreNumericallyCorrect'], seed: 3, backend: 'cpu', inputSize: [4,4,3], exhaustive: true })",
    );
  });
});

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shellQuote('fixtures/a-b_c.ts')).toBe('fixtures/a-b_c.ts');
    expect(shellQuote('24,24,20')).toBe('24,24,20');
    expect(shellQuote('my ELU')).toBe("'my ELU'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf)')).toBe("'$(rm -rf)'");
  });
});
