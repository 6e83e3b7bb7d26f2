/**
 * How reports name and describe the layer (issue 12's rough edges), on real runs: titles from the
 * class and the file (not TensorFlow.js's generated layer name), the form line true to what the
 * layer defines, a run of the training suite alone showing the network's input and where it
 * trained, and the only check's section open.
 */
import { describe, expect, it } from 'vitest';
import {
  formText,
  layerTitle,
  SEED_NETWORK_INPUT,
  SEED_NETWORK_LAYER_INPUT,
  type LayerInfo,
} from '../harness/result.ts';
import { LAYER_INPUT_SIZE } from '../reference-layers/training/seed-network.ts';
import { formatHeader } from './console.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { passingRun, trainingRun } from '../test-support/real-runs.ts';

describe('the layer in reports', () => {
  it('titles the reports with the class and the file, not the generated layer name', async () => {
    const run = await passingRun();
    expect(run.layer.name).toMatch(/elu/i); // TensorFlow.js's generated name, e.g. elu_layer_EluLayer1
    const html = renderHtml(run);
    expect(html).toContain('<h1>check-layer report: EluLayer (elu-layer.ts)</h1>');
    expect(html).toContain('<title>PASSED: EluLayer (elu-layer.ts) (check-layer report)</title>');
    expect(renderJunit(run)).toContain('<testsuites name="check-layer: EluLayer (elu-layer.ts)"');
    expect(layerTitle({ className: '', file: 'dir/missing.ts' })).toBe('missing.ts');
  });

  it('says which methods a Form B layer defines', async () => {
    const run = await passingRun();
    expect(run.layer.hasForward).toBe(true);
    expect(run.layer.hasBackward).toBe(true);
    expect(renderHtml(run)).toContain('B: a CustomLayer with predict, forward and backward');
    const b = (hasForward: boolean, hasBackward: boolean) =>
      formText({ form: 'B', hasForward, hasBackward } satisfies Pick<LayerInfo, 'form' | 'hasForward' | 'hasBackward'>);
    expect(b(false, true)).toBe('B: a CustomLayer with predict and backward');
    expect(b(true, false)).toBe(
      'B: a CustomLayer with predict and forward; gradients by automatic differentiation of forward',
    );
    expect(b(false, false)).toBe('B: a CustomLayer with predict; gradients by automatic differentiation of predict');
  });

  it('shows a run of the training suite alone with the network input and where it trained', async () => {
    const run = await trainingRun();
    expect(run.checks.map((c) => c.id)).toEqual(['trainsToAccuracy']);
    const html = renderHtml(run);
    expect(html).toContain(
      `network input (one observation)</th><td>${SEED_NETWORK_INPUT.join('x')} handwritten digits; the layer gets ${SEED_NETWORK_LAYER_INPUT.join('x')} in the network`,
    );
    expect(html).not.toContain('input size (one observation)');
    const e = run.checks[0]!.evidence;
    if (e?.kind !== 'training') throw new Error('no training evidence');
    expect(html).toContain(`trained on ${e.subject.backend} (`);
    expect(e.subject.backend).not.toBe(run.environment?.backend);
    const header = formatHeader(run, { trainBackend: 'auto' });
    expect(header).toContain('network input [28,28,1] (handwritten digits; the layer gets [24,24,20])');
    expect(header).toContain('trains on auto (webgpu on a GPU, else wasm)');
    expect(header).not.toContain('input size');
    // The constants the reports show are the network's.
    expect([...LAYER_INPUT_SIZE]).toEqual([...SEED_NETWORK_LAYER_INPUT]);
  });

  it("opens the only check's section, and only failures among several", async () => {
    const run = await passingRun();
    const first = run.checks[0]!;
    const only = renderHtml({ ...run, checks: [first] });
    expect(only).toMatch(new RegExp(`<details class="check passed" id="check-${first.suite}-${first.id}" open>`));
    expect(renderHtml(run)).not.toMatch(/<details class="check passed"[^>]* open>/);
  });
});
