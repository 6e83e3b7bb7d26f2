/**
 * Benchmark: several layer files in one `check-layer` run, one file at a time (`--jobs 1`) and two
 * at a time (`--jobs 2`): wall time of each run, the speed-up, and each check process's peak
 * resident memory as the CLI reports it (target: under 600 MB a process). The default suites
 * (shape, gradient, stability, backend) on cpu, each layer at its own input size. The machine's
 * load average and the CPU time the run got (`coresUsed`: CPU seconds of the CLI and its check
 * processes, sampled from /proc, over wall seconds) are printed beside the figures: on a shared machine the speed-up
 * says as much about the other processes as about check-layer. Each extra check process also
 * pays its own start (Node, tsx, TensorFlow.js), in CPU seconds.
 * Run: npx tsx bench/check-layer-jobs.ts [--jobs 1,2] [--suites LIST]   (or npm run bench check-layer-jobs)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleTree } from './process-tree.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILES = [
  'reference-layers/elu-layer.ts',
  'reference-layers/conv2d-layer.ts',
  'reference-layers/batch-norm-layer.ts',
  'fixtures/gradient/correct/conv2d-layer.ts',
  'fixtures/gradient/correct/scale-shift-layer.ts',
  'fixtures/gradient/correct/clip-kinks-layer.ts',
];
const RSS_TARGET_MB = 600;
const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const jobsList = arg('--jobs', '1,2').split(',').map(Number);
const suites = arg('--suites', 'shape,gradient,stability,backend');

const results: Record<string, unknown>[] = [];
let failed = false;
for (const jobs of jobsList) {
  const reports = mkdtempSync(path.join(tmpdir(), 'bench-jobs-'));
  const load = loadavg()[0]!;
  const started = performance.now();
  const cli = spawn(
    process.execPath,
    ['bin/check-layer.mjs', ...FILES, '--suites', suites, '--jobs', String(jobs), '--report-dir', reports],
    { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // CPU time from /proc: the check processes are killed at the end, not waited for, so GNU time misses them.
  const tree = sampleTree(cli.pid!);
  let stdout = '';
  cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  cli.stderr.resume();
  const code = await new Promise<number | null>((resolve) => cli.on('exit', (c) => resolve(c)));
  const wall = (performance.now() - started) / 1000;
  const figures = tree.stop();
  rmSync(reports, { recursive: true, force: true });
  const cpuSeconds = figures.cpuSeconds;
  const line = /^Check processes: .*$/m.exec(stdout)?.[0] ?? '';
  const peaks = [...(/peak resident (.*?);/.exec(line)?.[1] ?? '').matchAll(/(\d+) MB/g)].map((m) => Number(m[1]));
  const met = peaks.length > 0 && peaks.every((p) => p < RSS_TARGET_MB);
  failed ||= !met || code !== 0;
  results.push({
    bench: `check-layer-jobs-${jobs}`,
    files: FILES.length,
    suites,
    jobs,
    seconds: Number(wall.toFixed(1)),
    // CPU seconds of the CLI and its check processes (per process: the CLI first), and the cores' worth the run got (CPU s / wall s).
    cpuSeconds,
    coresUsed: Number((cpuSeconds / wall).toFixed(2)),
    cpuSecondsPerProcess: figures.processes.map((p) => p.cpuSeconds),
    peakRssPerProcessMB: peaks,
    rssTargetMB: RSS_TARGET_MB,
    rssMet: met,
    exitCode: code,
    summary: /^All \d+ layers: .*$/m.exec(stdout)?.[0] ?? '',
    loadAverageAtStart: Number(load.toFixed(1)),
    loadAverageAtEnd: Number(loadavg()[0]!.toFixed(1)),
    machine: `${cpus().length} cores, ${cpus()[0]?.model ?? ''}`,
  });
}
const one = results.find((x) => x['jobs'] === 1)?.['seconds'] as number | undefined;
for (const x of results)
  console.log(
    JSON.stringify(
      one && x['jobs'] !== 1 ? { ...x, speedupOverJobs1: Number((one / (x['seconds'] as number)).toFixed(2)) } : x,
    ),
  );
process.exit(failed ? 1 : 0);
