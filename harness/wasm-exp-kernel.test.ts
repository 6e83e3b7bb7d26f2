import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from './backends.ts';
import { tf } from './tf.ts';

/** exp on one backend, through tf.exp (so through the registered kernel). */
async function expOn(backend: string, x: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = tf.tensor1d(x);
  const y = tf.exp(t);
  const v = (await y.data()) as Float32Array;
  tf.dispose([t, y]);
  return v;
}

describe('registerWasmExpKernel: Exp on wasm', () => {
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
  });

  it('is the harness kernel once wasm is prepared', () => {
    expect((tf.getKernel('Exp', 'wasm') as { checkLayer?: boolean } | undefined)?.checkLayer).toBe(true);
  });

  it('equals cpu (Math.exp rounded to float32) on 1.5 million values across float32 range', async () => {
    const n = 1_500_000;
    const x = new Float32Array(n);
    // Evenly over [-104, 89] (overflow, underflow to subnormals and to 0), and densely near 0.
    for (let i = 0; i < n; i++) x[i] = i % 3 === 0 ? -104 + (193 * i) / n : Math.sin(i) * 3;
    const [wasm, cpu] = [await expOn('wasm', x), await expOn('cpu', x)];
    let differ = 0;
    for (let i = 0; i < n; i++) if (!Object.is(wasm[i], cpu[i])) differ++;
    expect(differ).toBe(0);
  });

  it('keeps the special values: NaN, infinities, overflow, underflow, signed zero', async () => {
    const x = Float32Array.from([
      NaN,
      Infinity,
      -Infinity,
      88.72,
      88.73,
      3e38,
      -3e38,
      -87.5,
      -103.9,
      -104.5,
      0,
      -0,
      1e-30,
    ]);
    const [wasm, cpu] = [await expOn('wasm', x), await expOn('cpu', x)];
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
    expect(wasm[1]).toBe(Infinity);
    expect(wasm[4]).toBe(Infinity);
    expect(wasm[2]).toBe(0);
    expect(Number.isNaN(wasm[0])).toBe(true);
  });
});
