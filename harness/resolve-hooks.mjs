// Module resolution hooks (run in Node's hooks thread): a layer file's imports of TensorFlow.js
// and of check-layer resolve to the harness's own packages, wherever the file lives, so the
// harness and the layer share one TensorFlow.js (one kernel registry, one Layer class). From the
// sources (a clone), `check-layer` resolves to the sources through this export condition.
export const SOURCE_CONDITION = 'check-layer-source';

let root;
let fromSource = false;

export function initialize(data) {
  root = data.root;
  fromSource = data.fromSource === true;
}

export function isShared(specifier) {
  return (
    specifier === 'check-layer' ||
    specifier.startsWith('check-layer/') ||
    specifier === '@tensorflow/tfjs' ||
    specifier.startsWith('@tensorflow/tfjs-') ||
    specifier.startsWith('@tensorflow/tfjs/')
  );
}

export async function resolve(specifier, context, nextResolve) {
  if (root && isShared(specifier)) {
    const conditions = fromSource ? [SOURCE_CONDITION, ...(context.conditions ?? [])] : context.conditions;
    return nextResolve(specifier, { ...context, parentURL: root, conditions });
  }
  return nextResolve(specifier, context);
}
