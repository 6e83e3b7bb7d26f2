/**
 * Benchmark: wall time of `check-layer <layer> --suites training` at the seed's full setting (30
 * epochs of 5,000), as a user runs it (bin/check-layer.mjs, a process of its own), with a cold
 * reference cache (an empty CHECK_LAYER_CACHE_DIR) and then warm (the same folder). Target: 90 s
 * or less cold for the reference ELU on this project's 2-core machine. The reference ELU trains
 * one network (it is its own reference); `--layer FILE` times another layer, whose network trains
 * beside the reference's when cold. Peak resident memory of the run (target under 1.5 GB).
 * JSON lines.
 *
 *   npx tsx bench/check-layer-training.ts [--layer reference-layers/elu-layer.ts] [--epochs 30]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const layer = arg('layer', 'reference-layers/elu-layer.ts');
const epochs = arg('epochs', '30');
const cache = mkdtempSync(path.join(tmpdir(), 'bench-cache-'));
const reports = mkdtempSync(path.join(tmpdir(), 'bench-reports-'));
const TARGET = 90;

for (const state of ['cold', 'warm']) {
  const started = performance.now();
  // /usr/bin/time reports the peak resident memory of the run (all its threads).
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'maxrss=%M',
      process.execPath,
      'bin/check-layer.mjs',
      layer,
      '--suites',
      'training',
      '--epochs',
      epochs,
      '--report-dir',
      reports,
    ],
    { env: { ...process.env, CHECK_LAYER_CACHE_DIR: cache, CI: '1' }, encoding: 'utf8' },
  );
  const seconds = (performance.now() - started) / 1000;
  const rss = /maxrss=(\d+)/.exec(r.stderr ?? '');
  const summary = (r.stdout ?? '').split('\n').find((l) => /Passed, .* Failed/.test(l)) ?? '';
  console.log(
    JSON.stringify({
      bench: `check-layer-training-${state}`,
      layer,
      epochs: Number(epochs),
      trainSize: 5000,
      seconds: Number(seconds.toFixed(1)),
      ...(state === 'cold' ? { target: TARGET, met: seconds <= TARGET } : {}),
      peakRssMB: rss ? Math.round(Number(rss[1]) / 1024) : null,
      exitCode: r.status,
      summary,
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? ''}`,
    }),
  );
}
rmSync(cache, { recursive: true, force: true });
rmSync(reports, { recursive: true, force: true });
