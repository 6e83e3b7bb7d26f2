/**
 * Probe targets for one parameter (the input or a learnable): move one coordinate, or all of them
 * along a direction, and return the forward output. `evaluateWith` runs forward with the
 * parameter replaced by the given float32 values (and puts the original back).
 */
import { f32, ulp32 } from './float32.ts';
import type { NoiseFloor } from './loss-difference.ts';
import type { ProbeTarget } from './probe.ts';
import { DIRECTION_STEP, coordinateStep } from './step.ts';

export type EvaluateWith = (values: Float32Array) => Promise<Float32Array>;

export function coordinateTarget(
  values: Float32Array,
  analytic: Float32Array,
  /** Rounding noise of each analytic element (analytic-noise.ts). */
  analyticNoise: Float64Array,
  index: number,
  scale: number,
  evaluateWith: EvaluateWith,
  floor: NoiseFloor,
): ProbeTarget {
  const x = values[index]!;
  return {
    analytic: analytic[index]!,
    analyticNoise: analyticNoise[index] ?? 0,
    perturbationRounding: 0,
    step: coordinateStep(x, scale),
    floor,
    async evaluate(t) {
      const moved = values.slice();
      moved[index] = f32(x + t);
      // Both are float32 values: their float64 difference is exact.
      const offset = moved[index] - x;
      return { offset, z: await evaluateWith(moved) };
    },
  };
}

/**
 * Along a direction: every element j moves by t * v_j * max(|value_j|, scale), so each element's
 * move follows its magnitude as a coordinate step would. The analytic value is the dot product
 * with the analytic gradient (float64); rounding the moved values to float32 perturbs each by at
 * most half an ulp, which the tolerance carries through `perturbationRounding`.
 *
 * Elements for which `hold` is true stay put. The input's values drawn exactly at likely kinks
 * (0, -1, 1...) are held: with several such elements a direction crosses several kinks at once,
 * each from its own side, and the analytic value (one subgradient per element) need not lie
 * between the direction's two one-sided slopes. Element probes check those values one by one.
 */
export function directionTarget(
  values: Float32Array,
  analytic: Float32Array,
  analyticNoise: Float64Array,
  direction: Float64Array,
  scale: number,
  evaluateWith: EvaluateWith,
  floor: NoiseFloor,
  /** Elements the direction leaves still (values sitting exactly on likely kinks). */
  hold: (value: number) => boolean = () => false,
): ProbeTarget {
  const n = values.length;
  const v = new Float64Array(n);
  let dot = 0;
  let noise = 0;
  for (let j = 0; j < n; j++) {
    v[j] = hold(values[j]!) ? 0 : direction[j]! * Math.max(Math.abs(values[j]!), scale);
    dot += analytic[j]! * v[j]!;
    noise += ((analyticNoise[j] ?? 0) * v[j]!) ** 2;
  }
  /** Rounding of the moved values for offsets up to 3 steps of size `step`. */
  const roundingAt = (step: number) => {
    let rounding = 0;
    for (let j = 0; j < n; j++)
      rounding += (Math.abs(analytic[j]!) * ulp32(Math.abs(values[j]!) + 3 * step * Math.abs(v[j]!))) / 2;
    return rounding;
  };
  return {
    analytic: dot,
    // The elements' rounding is drawn independently: it adds in quadrature along the direction.
    analyticNoise: Math.sqrt(noise),
    perturbationRounding: roundingAt(DIRECTION_STEP),
    perturbationRoundingAt: roundingAt,
    step: DIRECTION_STEP,
    floor,
    async evaluate(t) {
      const moved = new Float32Array(n);
      for (let j = 0; j < n; j++) moved[j] = values[j]! + t * v[j]!;
      return { offset: t, z: await evaluateWith(moved) };
    },
  };
}
