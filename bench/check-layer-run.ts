/**
 * Benchmark: the whole `check-layer` run without training on the reference ELU (input 8x8x20,
 * cpu backend): wall time (target under 10 s) and peak resident memory (target under 400 MB) of
 * this process and, apart, of the check process where the layer and TensorFlow.js run (sampled
 * from /proc every 50 ms: process.resourceUsage counts this process only).
 * Prints one JSON line. Run: npx tsx bench/check-layer-run.ts   (or npm run bench)
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import '../harness/register-loader.mjs';
import { main } from '../entry/cli.ts';
import { sampleTree } from './process-tree.ts';

const reportDir = mkdtempSync(path.join(tmpdir(), 'bench-run-'));
const lines: string[] = [];
const tree = sampleTree(process.pid, 50);
const started = performance.now();
const code = await main(['reference-layers/elu-layer.ts', '--backend', 'cpu', '--report-dir', reportDir], {
  out: (s) => lines.push(s),
  err: (s) => lines.push(s),
});
const seconds = (performance.now() - started) / 1000;
const peakMB = process.resourceUsage().maxRSS / 1024;
const checkProcesses = tree.stop().processes.slice(1);
const checkPeakMB = Math.max(0, ...checkProcesses.map((p) => p.peakRssMb));
const summary = lines.find((l) => /Passed, .* Failed/.test(l)) ?? '';
console.log(
  JSON.stringify({
    bench: 'check-layer-run',
    layer: 'reference-layers/elu-layer.ts',
    inputSize: [8, 8, 20],
    backend: 'cpu',
    seconds: Number(seconds.toFixed(2)),
    target: 10,
    met: seconds < 10,
    peakRssMB: Math.round(peakMB),
    rssTargetMB: 400,
    rssMet: peakMB < 400,
    checkProcessPeakRssMB: Math.round(checkPeakMB),
    checkProcessRssMet: checkPeakMB < 400,
    exitCode: code,
    summary,
    machine: `${cpus().length} cores, ${cpus()[0]?.model ?? ''}`,
  }),
);
process.exit(0);
