/**
 * Where a layer says it is not smooth: an optional `kinks: number[]` property on the layer
 * instance (relu6: `kinks = [0, 6]`). The stability suite makes each an input class; the gradient
 * suite draws input elements a few steps from each.
 */

export interface DeclaredKinks {
  kinks: number[];
  /** Set when the layer has a `kinks` property that is not an array of finite numbers. */
  problem?: string;
}

/** The kinks a layer declares through its `kinks` property, if any. */
export function declaredKinks(layer: unknown): DeclaredKinks {
  const k = (layer as { kinks?: unknown } | null)?.kinks;
  if (k === undefined || k === null) return { kinks: [] };
  if (!Array.isArray(k) || !k.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return {
      kinks: [],
      problem: `the layer's kinks property was ignored: expected an array of finite numbers, got ${describe(k)}`,
    };
  }
  return { kinks: k as number[] };
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 60) ?? String(v);
  } catch {
    return String(v);
  }
}
