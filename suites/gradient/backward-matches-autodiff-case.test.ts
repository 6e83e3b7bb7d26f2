/**
 * backwardMatchesAutodiff does not shrink: its JSON evidence keeps the whole case it compared (X and
 * dLdZ, exact float32 values), so a failure replays from the report alone.
 */
import { describe, expect, it } from 'vitest';
import { evidenceOf } from '../../harness/evidence/index.ts';
import { f32 } from '../../harness/numerics/float32.ts';
import { BROKEN, runCheck } from '../../test-support/gradient-fixtures.ts';
import { backwardMatchesAutodiff } from './backward-matches-autodiff.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('backwardMatchesAutodiff evidence', () => {
  it('holds the whole case: X and dLdZ, each value a float32 decimal, and replaying it gives the same difference', async () => {
    const l = BROKEN.find((b) => b.name.includes('4 + 1.05e-5'))!;
    const r = await runCheck(backwardMatchesAutodiff, l, 3);
    expect(r.status).toBe('failed');
    const ev = evidenceOf(JSON.parse(JSON.stringify(r)) as typeof r, 'autodiffComparison');
    expect(ev.case.x).toHaveLength(size(ev.inputShape));
    expect(ev.case.dLdZ).toHaveLength(size(ev.case.outputShape));
    // Replayed from the JSON alone: autodiff of Z = 4 + 1.05e-5 X gives 1.05e-5 dLdZ, the backward 1e-5 dLdZ.
    const w = ev.parameters.find((p) => !p.passed)!;
    const g = f32(ev.case.dLdZ[w.worstIndex]!);
    expect(w.expected).toBeCloseTo(f32(1.05e-5) * g, 9);
    expect(w.actual).toBeCloseTo(1e-5 * g, 9);
  });
});
