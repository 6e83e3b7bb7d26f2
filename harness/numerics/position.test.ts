import { describe, expect, it } from 'vitest';
import { positionOf } from './position.ts';

describe('positionOf', () => {
  it('turns a flat index into a row-major position', () => {
    expect(positionOf(0, [2, 3, 4])).toEqual([0, 0, 0]);
    expect(positionOf(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(positionOf(13, [2, 3, 4])).toEqual([1, 0, 1]);
    expect(positionOf(7, [2, 3, 4])).toEqual([0, 1, 3]);
    expect(positionOf(5, [2, 3])).toEqual([1, 2]);
  });
  it('gives an empty position for a scalar and 0 on a zero-sized axis', () => {
    expect(positionOf(0, [])).toEqual([]);
    expect(positionOf(0, [2, 0])).toEqual([0, 0]);
  });
});
