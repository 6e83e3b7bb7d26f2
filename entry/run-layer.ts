/**
 * The pieces of one layer's run that both the CLI's worker and the programmatic API use: make
 * the layer under test, describe the environment, sample an elementwise layer's response curve,
 * and assemble the RunResult.
 */
import { inputSizesOf, type InputSize } from '../harness/options.ts';
import { useBackend, type BackendStatus } from '../harness/backends.ts';
import { LayerLoadError } from '../harness/errors.ts';
import { LayerUnderTest, NotALayerError, type LayerSource } from '../harness/layer-under-test.ts';
import type { RunOptions } from '../harness/options.ts';
import type { EnvironmentInfo, LayerInfo } from '../harness/result.ts';
import { tf } from '../harness/tf.ts';
import { TOOL_VERSION } from '../harness/version.ts';
import { errorText } from '../harness/error-text.ts';

export async function enterBackend(
  choice: RunOptions['backend'],
): Promise<{ status: BackendStatus; environment: EnvironmentInfo }> {
  const status = await useBackend(choice);
  return { status, environment: environmentInfo(status) };
}

export function environmentInfo(status: BackendStatus): EnvironmentInfo {
  return {
    backend: status.name,
    device: status.device ?? status.name,
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
    toolVersion: TOOL_VERSION,
  };
}

/** Makes and builds the layer; a constructor or build that throws is a load error (exit 2). */
export function makeSubject(
  source: LayerSource,
  inputSize: InputSize,
  seed: number,
  file: string,
  exportName: string,
): LayerUnderTest {
  let subject: LayerUnderTest;
  try {
    subject = LayerUnderTest.create(source, inputSize, seed, file, exportName);
  } catch (e) {
    if (e instanceof NotALayerError)
      throw new LayerLoadError(
        `${file}: ${exportName === 'default' ? 'the default export' : `export "${exportName}"`} ${e.message}; return a layer from it`,
      );
    const msg = errorText(e);
    const stage = source.kind === 'instance' ? 'building the layer' : 'constructing or building the layer';
    const sizes = inputSizesOf(inputSize);
    const shown = sizes.map((s) => `[${s.join(',')}]`).join(' and ');
    const hint =
      sizes.length === 1 && /undefined|null/.test(msg)
        ? '; if the layer takes several inputs, give one size per input (--input-size once per input, or export inputSize = [[...], [...]])'
        : '';
    throw new LayerLoadError(
      `${file}: ${stage} for input size${sizes.length > 1 ? 's' : ''} ${shown} threw: ${msg}${hint}`,
    );
  }
  const mismatch = subject.inputCountMismatch();
  if (mismatch)
    throw new LayerLoadError(
      `${file}: ${mismatch} (--input-size once per input, or export inputSize = [[...], [...]])`,
    );
  return subject;
}

/**
 * For a layer that acts elementwise, its response over [-10, 3] (first channel), for the
 * report's plot beside ELU, Leaky ReLU and ReLU. Null when the layer is not elementwise.
 */
export function elementwiseResponse(subject: LayerUnderTest): { x: number[]; y: number[] } | null {
  try {
    return tf.tidy((() => {
      const size = subject.inputSize;
      const n = size.reduce((a, b) => a * b, 1);
      const base = tf.randomUniform([1, ...size], -1, 1, 'float32', 11);
      const z0 = subject.predict(base);
      if (z0.shape.join() !== base.shape.join()) return null;
      // Changing one element must change that output element only.
      const k = Math.min(n - 1, Math.floor(n / 2));
      const bump = tf.oneHot([k], n).reshape(base.shape).mul(0.5);
      const d = tf
        .sub(subject.predict(base.add(bump)), z0)
        .abs()
        .reshape([n])
        .dataSync();
      for (let i = 0; i < n; i++) if (i !== k && d[i]! > 1e-6) return null;
      if (!(d[k]! > 0)) return null;
      const xs = Array.from({ length: 131 }, (_, i) => -10 + i * 0.1);
      const X = tf
        .tensor1d(xs)
        .reshape([xs.length, ...size.map(() => 1)])
        .tile([1, ...size]);
      const Z = subject.predict(X).reshape([xs.length, n]).slice([0, 0], [xs.length, 1]).dataSync();
      return { x: xs.map((v) => Number(v.toFixed(2))), y: Array.from(Z) };
    }) as unknown as () => tf.TensorContainer) as unknown as { x: number[]; y: number[] } | null;
  } catch {
    return null;
  }
}

export function describeLayer(subject: LayerUnderTest): LayerInfo {
  const info = subject.describe();
  const response = elementwiseResponse(subject);
  return { ...info, elementwise: response !== null, ...(response ? { response } : {}) };
}
