import { describe, expect, it } from 'vitest';
import { mergeStabilityGrids, type StabilityGrid } from './grid.ts';
import { judgeCell } from './judge-cell.ts';

describe('judgeCell', () => {
  it('is finite when every element is', () => {
    expect(judgeCell({ values: [1, -0, 3e38], shape: [3] })).toEqual({ state: 'finite', size: 3, nonFinite: 0 });
  });

  it('fails NaN and names the first one, with its position and input', () => {
    const cell = judgeCell({ values: [0, 1, NaN, NaN, 2, 3], shape: [2, 3], inputAt: (i) => `x${i}` });
    expect(cell.state).toBe('nan');
    expect(cell.nonFinite).toBe(2);
    expect(cell.first).toEqual({ index: 2, position: [0, 2], input: 'x2', seen: 'NaN' });
  });

  it('fails Infinity unless a rule makes it honest', () => {
    expect(judgeCell({ values: [1, -Infinity], shape: [2] }).state).toBe('inf');
    expect(judgeCell({ values: [1, -Infinity], shape: [2] }).first?.seen).toBe('-Infinity');
  });

  it('warns for Infinity that goes away without the huge inputs, and fails the Infinity that stays', () => {
    const honest = judgeCell({ values: [Infinity, 1], shape: [2], counterfactual: [5, 1] });
    expect(honest.state).toBe('warning');
    expect(honest.honest).toBe('float32Max');
    expect(judgeCell({ values: [Infinity, Infinity], shape: [2], counterfactual: [5, Infinity] }).state).toBe('inf');
  });

  it('keeps NaN a failure even when the counterfactual removes it, except where NaN may be honest (mixed)', () => {
    expect(judgeCell({ values: [NaN], shape: [1], counterfactual: [1] }).state).toBe('nan');
    const mixed = judgeCell({
      values: [NaN, 2],
      shape: [2],
      counterfactual: [1, 2],
      nanMayBeHonest: true,
      counterfactualReason: 'sqrtFloat32Max',
    });
    expect(mixed.state).toBe('warning');
    expect(mixed.honest).toBe('sqrtFloat32Max');
    expect(judgeCell({ values: [NaN, 2], shape: [2], counterfactual: [NaN, 2], nanMayBeHonest: true }).state).toBe(
      'nan',
    );
  });

  it('warns for Infinity under the bound rule, never for NaN', () => {
    expect(judgeCell({ values: [Infinity], shape: [1], honestBound: true })).toMatchObject({
      state: 'warning',
      honest: 'sumBound',
    });
    expect(judgeCell({ values: [Infinity, NaN], shape: [2], honestBound: true }).state).toBe('nan');
  });

  it('judges Infinity by its estimated exact magnitude: past FLOAT32_MAX / 2 honest, below it a defect', () => {
    const honest = judgeCell({ values: [Infinity], shape: [1], magnitudes: new Map([[0, 2.7e43]]) });
    expect(honest).toMatchObject({ state: 'warning', honest: 'magnitude', estimate: 2.7e43 });
    const dishonest = judgeCell({ values: [Infinity], shape: [1], magnitudes: new Map([[0, 100]]) });
    expect(dishonest).toMatchObject({ state: 'inf', estimate: 100 });
    expect(judgeCell({ values: [Infinity], shape: [1], magnitudes: new Map([[0, 1.8e38]]) }).state).toBe('warning');
    expect(judgeCell({ values: [Infinity], shape: [1], magnitudes: new Map([[0, 1.6e38]]) }).state).toBe('inf');
  });

  it('turns a failure at an extreme input into a warning with its finding, unless strict', () => {
    const cell = judgeCell({ values: [NaN], shape: [1], extreme: true });
    expect(cell).toMatchObject({ state: 'warning', finding: 'nan' });
    expect(judgeCell({ values: [NaN], shape: [1], extreme: true, strict: true }).state).toBe('nan');
    expect(judgeCell({ values: [NaN], shape: [1], extreme: false }).state).toBe('nan');
  });

  it('reports a failure before a warning in the same tensor', () => {
    const cell = judgeCell({ values: [Infinity, Infinity], shape: [2], counterfactual: [1, Infinity] });
    expect(cell.state).toBe('inf');
    expect(cell.first?.index).toBe(1);
  });
});

describe('mergeStabilityGrids', () => {
  it('joins the output column and the gradient columns row by row', () => {
    const cell = { state: 'finite' as const, size: 1, nonFinite: 0 };
    const row = (id: string, key: string) => ({
      inputClass: id,
      family: 'moderate' as const,
      values: ['10'],
      inputShape: [2, 1],
      severity: 'reachable' as const,
      cells: { [key]: cell },
    });
    const a: StabilityGrid = {
      backend: 'cpu',
      columns: [{ key: 'output', label: 'output' }],
      rows: [row('moderate+10', 'output')],
    };
    const b: StabilityGrid = {
      backend: 'cpu',
      columns: [{ key: 'input', label: 'dLdX' }],
      rows: [row('moderate+10', 'input')],
    };
    const m = mergeStabilityGrids(a, b);
    expect(m.columns.map((c) => c.key)).toEqual(['output', 'input']);
    expect(Object.keys(m.rows[0]!.cells)).toEqual(['output', 'input']);
  });
});
