/**
 * Step sizes. A coordinate's step follows its value's magnitude, h = STEP * max(|value|, scale),
 * where scale is the RMS of the whole parameter (1 when it is all zeros): relative to the value
 * for large values, and never so small near zero that float32 rounding of L swamps the difference.
 * STEP = 2^-8 balances truncation (|D(h) - D(2h)| ~ h^2 f''' / 2) against rounding (~ eps / h):
 * about 4e-3 relative, the cube root of float32's epsilon.
 */
export const STEP = 2 ** -8;

/** RMS of the values, or 1 when they are all zero (or not finite). */
export function parameterScale(values: ArrayLike<number>): number {
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += values[i]! * values[i]!;
  const rms = values.length ? Math.sqrt(ss / values.length) : 0;
  return rms > 0 && Number.isFinite(rms) ? rms : 1;
}

export function coordinateStep(value: number, scale: number): number {
  return STEP * Math.max(Math.abs(value), scale);
}

/**
 * Step along a random direction (every element moves by DIRECTION_STEP x v_j x max(|value_j|,
 * scale)). Smaller than STEP: a direction moves every element, so it crosses every kink near any
 * of them; rounding noise is spread over all elements and stays far below 1e-3 relative.
 */
export const DIRECTION_STEP = STEP / 8;

/**
 * The scale of the input's steps: the RMS of its elements of magnitude up to `unitRange` (the
 * unit-scale ones), so that the elements drawn at 10 and 30 do not widen the steps of the others
 * (each large element's own step follows its magnitude anyway). All elements when none is that small.
 */
export function inputScale(values: ArrayLike<number>, unitRange: number): number {
  const small = Array.from(values).filter((v) => Math.abs(v) <= unitRange);
  return parameterScale(small.length ? small : values);
}
