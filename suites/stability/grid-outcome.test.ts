/** gridOutcome: a layer that throws the same error for every input class is one failure line, not one per class. */
import { describe, expect, it } from 'vitest';
import type { StabilityRow } from '../../harness/evidence/index.ts';
import { gridOutcome } from './grid-outcome.ts';

const row = (inputClass: string, error: string): StabilityRow => ({
  inputClass,
  family: 'moderate',
  severity: 'reachable',
  values: ['10'],
  inputShape: [2, 2, 2, 1],
  error,
  cells: {},
});

const run = (rows: StabilityRow[]) => ({ grid: { backend: 'cpu', columns: [], rows }, notes: [] });

describe('gridOutcome', () => {
  it('says once that the layer threw the same error for every class', () => {
    const classes = ['moderate+10', 'moderate-10', 'zero+0', 'mixed'];
    const o = gridOutcome(run(classes.map((c) => row(c, 'shapes do not match'))), 'output');
    expect(o.status).toBe('failed');
    expect(o.message).toBe(
      'expected output finite for every input class; the layer threw "shapes do not match" for all 4 input classes on cpu',
    );
    expect(o.details).toEqual([`input classes: ${classes.join(', ')}`]);
  });

  it('groups the classes by error when the errors differ', () => {
    const o = gridOutcome(run([row('a', 'x'), row('b', 'y'), row('c', 'x')]), 'output');
    expect(o.details).toEqual(['threw x for 2 input classes: a, c', 'b: threw y']);
  });
});
