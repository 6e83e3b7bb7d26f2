/**
 * `--shard i/n`: one CI machine's share of the layer files. The files are sorted by their path
 * relative to the current folder (with `/`, compared by code unit, so the order is the same on
 * every machine whatever the shell's glob order or locale), and shard i takes every n-th file
 * from the i-th (round-robin): shares differ by at most one file, and a folder of slow layers is
 * spread over the machines rather than landing on one. Every file falls in exactly one shard.
 */
import path from 'node:path';
import type { Shard } from '../harness/options.ts';

/** The sort key of a layer file: its path from `cwd`, with forward slashes. */
export function shardKey(file: string, cwd = process.cwd()): string {
  return path.relative(cwd, path.resolve(cwd, file)).split(path.sep).join('/');
}

/** The files sorted as shards see them (code-unit order of `shardKey`, ties in the given order). */
export function sortedForShards(files: readonly string[], cwd = process.cwd()): string[] {
  return files
    .map((file, i) => ({ file, i, key: shardKey(file, cwd) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map((x) => x.file);
}

/** Shard `shard.index` of `shard.total`: the sorted files at positions index-1, index-1+total, ... */
export function shardFiles(files: readonly string[], shard: Shard, cwd = process.cwd()): string[] {
  return sortedForShards(files, cwd).filter((_f, k) => k % shard.total === shard.index - 1);
}
