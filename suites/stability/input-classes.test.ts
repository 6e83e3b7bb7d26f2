import { describe, expect, it } from 'vitest';
import {
  AT_FLOAT32_MAX,
  classData,
  declaredKinks,
  FLOAT32_MAX,
  formatValue,
  inputClasses,
  labelOf,
  SQRT_FLOAT32_MAX,
  withoutHuge,
} from './input-classes.ts';

const ids = (size: number[], kinks: number[] = []) => inputClasses(size, kinks).map((c) => c.id);

describe('input classes', () => {
  it('hold every value the issue lists, both signs, each its own class, then mixed', () => {
    expect(ids([2, 2, 3])).toEqual([
      'moderate+10',
      'moderate+30',
      'moderate-10',
      'moderate-30',
      'expOverflow+88',
      'expOverflow+88.72',
      'expOverflow+88.73',
      'expOverflow+89',
      'expOverflow+100',
      'expOverflow-88',
      'expOverflow-88.72',
      'expOverflow-88.73',
      'expOverflow-89',
      'expOverflow-100',
      'large+1e4',
      'large+1e10',
      'large+1e30',
      'large+3.4e38',
      'large-1e4',
      'large-1e10',
      'large-1e30',
      'large-3.4e38',
      'zero+0',
      'zero-0',
      'subnormal+1e-38',
      'subnormal+1e-40',
      'subnormal+1.4e-45',
      'subnormal-1e-38',
      'subnormal-1e-40',
      'subnormal-1.4e-45',
      'tinyNormal+1.18e-38',
      'tinyNormal-1.18e-38',
      'mixedReachable',
      'mixed',
    ]);
  });

  it('are extreme from 1e10 up and for mixed, reachable otherwise; mixedReachable holds the reachable values', () => {
    const classes = inputClasses([2, 2, 3]);
    const extreme = classes.filter((c) => c.severity === 'extreme').map((c) => c.id);
    expect(extreme).toEqual([
      'large+1e10',
      'large+1e30',
      'large+3.4e38',
      'large-1e10',
      'large-1e30',
      'large-3.4e38',
      'mixed',
    ]);
    const reachable = classes.find((c) => c.id === 'mixedReachable')!;
    expect(reachable.severity).toBe('reachable');
    expect(Math.max(...reachable.values.map(Math.abs))).toBe(1e4);
    expect(reachable.values.length).toBe(classes.length - extreme.length - 1);
  });

  it('straddle float32 exp overflow and stay finite in float32 at the float32 maximum', () => {
    const value = (id: string) => inputClasses([1]).find((c) => c.id === id)!.values[0]!;
    // Math.exp in float64 of the float32 inputs, rounded to float32: 88.72 fits, 88.73 does not.
    expect(Math.fround(Math.exp(value('expOverflow+88.72')))).toBeLessThan(FLOAT32_MAX);
    expect(Math.fround(Math.exp(value('expOverflow+88.73')))).toBe(Infinity);
    expect(value('large+3.4e38')).toBeLessThanOrEqual(FLOAT32_MAX);
    expect(value('large+3.4e38')).toBe(AT_FLOAT32_MAX);
    const smallestNormal = 2 ** -126;
    expect(value('subnormal+1.4e-45')).toBe(2 ** -149);
    expect(value('subnormal+1e-38')).toBeLessThan(smallestNormal);
    expect(value('subnormal+1e-40')).toBeLessThan(smallestNormal);
    expect(value('tinyNormal+1.18e-38')).toBeGreaterThanOrEqual(smallestNormal);
    expect(Object.is(value('zero-0'), -0)).toBe(true);
  });

  it('add the declared kinks that are not already a class (0 always is)', () => {
    expect(ids([2], [0, 6, -1.5, 10]).filter((id) => id.startsWith('kink'))).toEqual(['kink+6', 'kink-1.5']);
  });

  it('reads kinks from the layer, and says why when the property is not usable', () => {
    expect(declaredKinks({ kinks: [0, 6] })).toEqual({ kinks: [0, 6] });
    expect(declaredKinks({})).toEqual({ kinks: [] });
    const bad = declaredKinks({ kinks: [0, NaN] });
    expect(bad.kinks).toEqual([]);
    expect(bad.problem).toMatch(/kinks property was ignored: expected an array of finite numbers/);
  });

  it('fill a whole tensor per value; mixed holds every value at least once, seeded', () => {
    const size = [2, 2, 3];
    const classes = inputClasses(size, [6]);
    const one = classes.find((c) => c.id === 'large-1e30')!;
    const data = classData(one, size, 1);
    expect(data.length).toBe(one.batch * 12);
    expect(classes.every((c) => c.batch === 3)).toBe(true);
    expect([...data].every((v) => v === Math.fround(-1e30))).toBe(true);
    const mixed = classes.at(-1)!;
    expect(mixed.values.length).toBe(classes.length - 2);
    expect(mixed.batch * 12).toBeGreaterThanOrEqual(mixed.values.length);
    const m = classData(mixed, size, 7);
    for (const v of mixed.values) expect([...m].some((x) => Object.is(x, v))).toBe(true);
    expect([...classData(mixed, size, 7)]).toEqual([...m]);
    expect([...classData(mixed, size, 8)]).not.toEqual([...m]);
  });

  it('mixed is judged against values past sqrt(float32 max); one-value classes against the float32 maximum', () => {
    const classes = inputClasses([3]);
    expect(classes.at(-1)!.honest).toEqual({ from: SQRT_FLOAT32_MAX, nan: true });
    expect(classes[0]!.honest).toEqual({ from: AT_FLOAT32_MAX, nan: false });
    expect([...withoutHuge(new Float32Array([1e30, -3.4e38, 1e10, -0]), SQRT_FLOAT32_MAX)]).toEqual([
      0,
      0,
      Math.fround(1e10),
      -0,
    ]);
  });

  it('write values as their labels, -0 included', () => {
    const c = inputClasses([1]).find((x) => x.id === 'zero-0')!;
    expect(labelOf(c, -0)).toBe('-0');
    expect(formatValue(Math.fround(88.73))).toBe('88.73');
    expect(formatValue(-0)).toBe('-0');
    expect(formatValue(Math.fround(3.4e38))).toBe('3.4e+38');
  });
});
