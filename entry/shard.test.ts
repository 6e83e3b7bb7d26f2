/**
 * `--shard i/n`: every file in exactly one shard, the same shares whatever order the files are
 * given in (shell globs differ by locale), round-robin over the sorted paths; bad values rejected
 * with a message naming the option. `--jobs` defaults.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/errors.ts';
import { defaultJobs, effectiveJobs, parseShard, resolveRunOptions } from '../harness/options.ts';
import { shardFiles, sortedForShards } from './shard.ts';
import { missingShards } from './merge-reports.ts';
import type { ReadReport } from './read-reports.ts';
import type { RunResult } from '../harness/result.ts';

const FILES = [
  'layers/Zeta.ts',
  'layers/alpha.ts',
  './layers/beta.ts',
  'layers/sub/gamma.mts',
  'other/delta.js',
  'layers/alpha-2.ts',
  'layers/é-accent.ts',
];

describe('shardFiles', () => {
  it('puts every file in exactly one shard, for 1 to 9 shards', () => {
    for (let total = 1; total <= 9; total++) {
      const shares = Array.from({ length: total }, (_x, i) => shardFiles(FILES, { index: i + 1, total }, '/p'));
      expect(shares.flat().sort()).toEqual([...FILES].sort());
      const sizes = shares.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same shares whatever order the files come in', () => {
    const reversed = [...FILES].reverse();
    for (let index = 1; index <= 3; index++)
      expect(shardFiles(reversed, { index, total: 3 }, '/p')).toEqual(shardFiles(FILES, { index, total: 3 }, '/p'));
  });

  it('sorts by the path from the current folder (code-unit order) and deals the files round-robin', () => {
    // 'layers/Zeta.ts' sorts before lower-case names: code units, not the locale.
    expect(sortedForShards(FILES, '/p').map((f) => f.replace(/^\.\//, ''))).toEqual([
      'layers/Zeta.ts',
      'layers/alpha-2.ts',
      'layers/alpha.ts',
      'layers/beta.ts',
      'layers/sub/gamma.mts',
      'layers/é-accent.ts',
      'other/delta.js',
    ]);
    expect(shardFiles(FILES, { index: 2, total: 3 }, '/p')).toEqual(['layers/alpha-2.ts', 'layers/sub/gamma.mts']);
    // The same file written two ways sorts by where it is: an absolute path and a relative one agree.
    expect(shardFiles(['/p/b.ts', 'a.ts', 'c.ts'], { index: 1, total: 2 }, '/p')).toEqual(['a.ts', 'c.ts']);
  });

  it('leaves a shard empty when there are more shards than files', () => {
    expect(shardFiles(['a.ts', 'b.ts'], { index: 3, total: 3 })).toEqual([]);
  });
});

describe('missingShards (merge-reports)', () => {
  /** The reports the shards of a run over `count` files would write: only what missingShards reads. */
  const reportsOf = (count: number, total: number): ReadReport[] => {
    const files = Array.from({ length: count }, (_x, i) => `layer-${i}.ts`);
    return Array.from({ length: total }, (_x, i) => i + 1).flatMap((index) =>
      shardFiles(files, { index, total }).map((file) => ({
        path: `shard-${index}/${file}.json`,
        run: { layer: { file }, options: { shard: { index, total, files: count } } } as unknown as RunResult,
      })),
    );
  };

  it('finds every shard complete when all reports are there, empty shards included', () => {
    for (let count = 1; count <= 7; count++)
      for (let total = 1; total <= 5; total++) expect(missingShards(reportsOf(count, total))).toEqual([]);
  });

  it('names a shard whose reports are missing, with how many it owes', () => {
    const all = reportsOf(7, 3);
    const withoutShard2 = all.filter((r) => !r.path.startsWith('shard-2/'));
    expect(missingShards(withoutShard2)).toEqual([
      'shard 2/3 should have 2 reports (7 layer files over 3 shards), found 0: give its folder too, or rerun it',
    ]);
    expect(missingShards(all.slice(1))).toHaveLength(1);
  });

  it('ignores reports of unsharded runs', () => {
    const run = { layer: { file: 'a.ts' }, options: { shard: null } } as unknown as RunResult;
    expect(missingShards([{ path: 'a.json', run }])).toEqual([]);
  });
});

describe('--shard values', () => {
  it('takes i/n with 1 <= i <= n', () => {
    expect(parseShard('1/1')).toEqual({ index: 1, total: 1 });
    expect(parseShard('3/4')).toEqual({ index: 3, total: 4 });
    expect(parseShard(' 2 / 5 ')).toEqual({ index: 2, total: 5 });
    expect(resolveRunOptions({ shard: '2/3' }).shard).toEqual({ index: 2, total: 3 });
    expect(resolveRunOptions({}).shard).toBeNull();
  });

  it.each(['0/2', '3/2', '2', '1/0', '-1/2', 'a/b', '1/2/3', '1.5/2', '', '1/1001'])('rejects "%s"', (v) => {
    const e = (() => {
      try {
        parseShard(v);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(/^--shard: /);
    expect((e as Error).message).toMatch(/1 <= i <= n|give i\/n/);
    expect((e as Error).message).not.toMatch(/\n/);
  });
});

describe('--jobs', () => {
  it('defaults to half the cores, one with the training suite, never more than the files', () => {
    const o = resolveRunOptions({});
    expect(defaultJobs(o, 16)).toBe(8);
    expect(defaultJobs(o, 2)).toBe(1);
    expect(defaultJobs(o, 1)).toBe(1);
    expect(defaultJobs(resolveRunOptions({ suites: 'all' }), 16)).toBe(1);
    expect(defaultJobs(resolveRunOptions({ checks: 'trainsToAccuracy' }), 16)).toBe(1);
    expect(effectiveJobs(resolveRunOptions({ jobs: '4' }), 3)).toBe(3);
    expect(effectiveJobs(resolveRunOptions({ jobs: '4' }), 10)).toBe(4);
  });

  it.each(['0', '33', 'two', ''])('rejects --jobs "%s"', (v) => {
    expect(() => resolveRunOptions({ jobs: v })).toThrow(/^--jobs: .*whole number from 1 to 32/);
  });
});
