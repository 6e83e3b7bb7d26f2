/**
 * Judges one tensor's values (one cell of the stability grid). Pure: plain arrays in, a cell out.
 *
 * The rule, honest overflow against a defect:
 * - ±Infinity is honest overflow (`warning`) when the exact value is past the float32 maximum:
 *   (a) its exact magnitude, estimated from the layer's own values at smaller inputs along the
 *       same direction (exact-magnitude.ts, `magnitudes`), is at least FLOAT32_MAX / 2 (reason
 *       `magnitude`; `exp(100)`, `x^2` at 1e30, `selu(3.4e38)`); an Infinity whose estimate is
 *       below that is a defect (`log(1 + exp(x))` at 100 is about 100: an intermediate overflowed);
 *   (a') in `mixed` (no single direction to scale along), the same element is finite when the
 *       inputs past sqrt(float32 max) are set to 0 (`counterfactual`, reason `sqrtFloat32Max`); or
 *   (b) `honestBound` is true for the whole tensor (the caller's bound on the exact value reaches
 *       the float32 maximum; used for learnables' derivatives, see gradients-are-finite...ts),
 *       reason `sumBound`.
 *   Any other ±Infinity is a failure (`inf`).
 * - NaN is a failure (`nan`), with one exception, `nanMayBeHonest` (the `mixed` class only): a
 *   NaN that goes away when the values past sqrt(float32 max) = 1.8e19 are set to 0. A batch
 *   that holds 1e30 next to 10 has a variance near 1e59: no float32 normalization (tf.moments,
 *   tfjs's batchNormalization, the reference batch normalization) can hold it, and it returns
 *   NaN. That is the float32 range, not the layer; the one-value classes still test 1e30 and
 *   3.4e38, and a NaN in `mixed` that moderate or overflow-range values cause is still found.
 * - Severity: in an `extreme` class (1e10 and up, `mixed`), a failure is reported as a `warning`
 *   cell with `finding` set to what it would be, unless the caller asks for strictness.
 */
import type { HonestReason, OffendingElement, StabilityCell } from './grid.ts';
import { positionOf } from '../../harness/numerics/position.ts';
import { isHonestMagnitude } from './exact-magnitude.ts';

export interface CellInput {
  values: ArrayLike<number>;
  shape: readonly number[];
  /** The same tensor computed with the input's float32-maximum values set to 0, if that was run. */
  counterfactual?: ArrayLike<number>;
  /** Why an element finite in the counterfactual is honest: `float32Max` or `sqrtFloat32Max`. */
  counterfactualReason?: HonestReason;
  /** Whether a NaN that the counterfactual removes is honest too (the `mixed` class). */
  nanMayBeHonest?: boolean;
  /** True when the exact values may honestly exceed the float32 maximum anywhere in this tensor. */
  honestBound?: boolean;
  /** The input value that belongs to an element, when there is one. */
  inputAt?: (index: number) => string | undefined;
  /** Estimated exact magnitudes of the ±Infinity elements (exact-magnitude.ts), by flat index. */
  magnitudes?: ReadonlyMap<number, number>;
  /** An extreme input class: failures become warnings with `finding` set (unless `strict`). */
  extreme?: boolean;
  strict?: boolean;
}

export function judgeCell(c: CellInput): StabilityCell {
  let nonFinite = 0;
  let firstNaN = -1;
  let firstInf = -1;
  let firstHonest = -1;
  let reason: HonestReason | undefined;
  const n = c.values.length;
  for (let i = 0; i < n; i++) {
    const v = c.values[i]!;
    if (Number.isFinite(v)) continue;
    nonFinite++;
    const removed = c.counterfactual !== undefined && Number.isFinite(c.counterfactual[i]!);
    const nan = Number.isNaN(v);
    let honest: HonestReason | undefined;
    const estimate = c.magnitudes?.get(i);
    if (nan) honest = c.nanMayBeHonest && removed ? (c.counterfactualReason ?? 'float32Max') : undefined;
    else if (estimate !== undefined && isHonestMagnitude(estimate)) honest = 'magnitude';
    else honest = removed ? (c.counterfactualReason ?? 'float32Max') : c.honestBound ? 'sumBound' : undefined;
    if (honest) {
      if (firstHonest < 0) [firstHonest, reason] = [i, honest];
    } else if (nan) {
      if (firstNaN < 0) firstNaN = i;
    } else if (firstInf < 0) {
      firstInf = i;
    }
  }
  const cell: StabilityCell = { state: 'finite', size: n, nonFinite };
  const decide = (state: StabilityCell['state'], i: number) => {
    cell.state = state;
    cell.first = element(i, c);
    const estimate = c.magnitudes?.get(i);
    if (estimate !== undefined && !Number.isNaN(estimate)) cell.estimate = estimate;
  };
  if (firstNaN >= 0) decide('nan', firstNaN);
  else if (firstInf >= 0) decide('inf', firstInf);
  else if (firstHonest >= 0) {
    decide('warning', firstHonest);
    cell.honest = reason;
  }
  if ((cell.state === 'nan' || cell.state === 'inf') && c.extreme && !c.strict) {
    cell.finding = cell.state;
    cell.state = 'warning';
  }
  return cell;
}

/** True when any element is NaN or ±Infinity (a counterfactual run may then tell honest from not). */
export function hasNonFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return true;
  return false;
}

function element(i: number, c: CellInput): OffendingElement {
  const v = c.values[i]!;
  const input = c.inputAt?.(i);
  return {
    index: i,
    position: positionOf(i, c.shape),
    ...(input !== undefined ? { input } : {}),
    seen: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity',
  };
}
