import { describe, expect, it } from 'vitest';
import { EPS32, f32, shortestFloat32, ulp32 } from './float32.ts';

describe('float32 helpers', () => {
  it('ulp32 is the spacing of float32 numbers at a value', () => {
    expect(ulp32(1)).toBe(EPS32);
    expect(ulp32(1.9999999)).toBe(EPS32);
    expect(ulp32(f32(0.9999999))).toBe(EPS32 / 2);
    expect(ulp32(-1024)).toBe(1024 * EPS32);
    for (const x of [0.3, 1e-5, 12345.678, 3e30]) {
      const v = f32(x);
      expect(f32(v + ulp32(v)) > v).toBe(true);
      expect(f32(v + ulp32(v) / 4)).toBe(v);
    }
  });

  it('shortestFloat32 reads back as the same float32 and is short', () => {
    expect(shortestFloat32(f32(0.1))).toBe(0.1);
    expect(shortestFloat32(f32(-2.5))).toBe(-2.5);
    for (const x of [Math.PI, -1 / 3, 1e-7, 123456.789]) expect(f32(shortestFloat32(f32(x)))).toBe(f32(x));
  });
});
