/**
 * Stress run (`npm run stress`, not part of `npm test`): 40 layer files in ONE `check-layer` run,
 * a quarter of them hostile: they hang (at import, in predict, in backward), leak memory (kept
 * tensors, a growing JavaScript heap), end their process (process.exit at import and in backward)
 * or throw (at import, in the factory with a non-Error, in predict). The files are written into a
 * temporary folder from the templates below; the 30 correct ones are Form A and Form B layers
 * with their own constants and input sizes.
 *
 * Checks: every file gets a report with the verdict its kind calls for (correct: exit code 0;
 * hostile: the failure or load error naming what it did), no process of the run is left once the
 * CLI has exited, and prints the wall time and the peak resident memory of the whole process tree
 * (the CLI and its check processes, summed, sampled every 50 ms from /proc: Linux only).
 *
 * Options: --timeout S (default 5), --memory-limit MB (default 1024), --suites LIST (default shape).
 * Prints one JSON line at the end; exit code 1 if any expectation failed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../harness/result.ts';
import { descendants, readProcs } from './process-tree.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const timeoutS = Number(arg('--timeout', '5'));
const memoryLimitMb = Number(arg('--memory-limit', '1024'));
const suites = arg('--suites', 'shape');

type Kind =
  | 'correct'
  | 'hang-import'
  | 'hang-predict'
  | 'hang-backward'
  | 'leak-tensors'
  | 'leak-heap'
  | 'exit-import'
  | 'exit-backward'
  | 'throw-import'
  | 'throw-factory'
  | 'throw-predict';

const HOSTILE: Kind[] = [
  'hang-import',
  'hang-predict',
  'hang-backward',
  'leak-tensors',
  'leak-heap',
  'exit-import',
  'exit-backward',
  'throw-import',
  'throw-factory',
  'throw-predict',
];

/** What a hostile file's report must say (its load error, or one of its failed checks). */
const EXPECTED: Record<Exclude<Kind, 'correct'>, RegExp> = {
  'hang-import': new RegExp(`loading the layer did not finish within ${timeoutS} s`),
  'hang-predict': new RegExp(`did not finish within ${timeoutS} s`),
  'hang-backward': new RegExp(`did not finish within ${timeoutS} s`),
  'leak-tensors': new RegExp(`used more than ${memoryLimitMb} MB`),
  'leak-heap': /used more than \d+ MB|heap/,
  'exit-import': /the layer called process\.exit\(0\) while the file was loading/,
  'exit-backward': /the layer called process\.exit\(3\) during this check/,
  'throw-import': /cannot initialise this module/,
  'throw-factory': /\{ code: 42 \} \(thrown, not an Error\)/,
  'throw-predict': /threw .*predict broke on purpose/,
};

/** A layer file's text. `n` varies the constants and input size of the correct ones. */
function source(kind: Kind, n: number): string {
  const cls = `Stress${n}`;
  const size = `[${2 + (n % 3)}, ${2 + (n % 2)}, ${1 + (n % 4)}]`;
  const head = `import { CustomLayer, type BackwardResult } from 'check-layer';\nimport * as tf from '@tensorflow/tfjs';\n`;
  const tail = `tf.serialization.registerClass(${cls});\nexport const inputSize = ${size};\nexport default () => new ${cls}();\n`;
  // Form B: a leaky ReLU with slope a = 0.0n, predict and its hand-written backward.
  const formB = (predictExtra = '', backwardExtra = '', factory = '') =>
    `${head}${factory}
export class ${cls} extends CustomLayer {
  static override className = '${cls}';
  predict(X: tf.Tensor): tf.Tensor {
    ${predictExtra}
    return tf.tidy(() => tf.add(tf.relu(X), tf.mul(${(n % 7) / 100 + 0.01}, tf.neg(tf.relu(tf.neg(X))))));
  }
  override backward(X: tf.Tensor, _Z: tf.Tensor, dLdZ: tf.Tensor): BackwardResult {
    ${backwardExtra}
    const slope = tf.tidy(() => tf.add(tf.step(X), tf.mul(${(n % 7) / 100 + 0.01}, tf.sub(1, tf.step(X)))));
    const dLdX = tf.mul(dLdZ, slope);
    slope.dispose();
    return { dLdX, dLdLearnables: {} };
  }
}
${tail}`;
  // A small batch: the checks' own calls, not the ones made while the layer is built and described.
  const inChecks = 'const n = X.shape[0]; if (n > 1 && n < 100)';
  switch (kind) {
    case 'correct':
      if (n % 2 === 0) return formB();
      // Form A: a tfjs layer scaling a tanh, differentiated automatically.
      return `import * as tf from '@tensorflow/tfjs';
export class ${cls} extends tf.layers.Layer {
  static className = '${cls}';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(${1 + (n % 5) / 4}, tf.tanh(Array.isArray(inputs) ? inputs[0]! : inputs)));
  }
}
${tail}`;
    case 'hang-import':
      return formB('', '', 'for (;;) {\n  /* never returns */\n}\n');
    case 'hang-predict':
      return formB(`${inChecks} for (;;) { /* never returns */ }`);
    case 'hang-backward':
      return formB('', 'for (;;) { /* never returns */ }');
    case 'leak-tensors':
      return formB(`${inChecks} for (let i = 0; i < 10; i++) tf.keep(tf.zeros([32 * 1024 * 1024]));`);
    case 'leak-heap':
      return formB(
        `${inChecks} for (let i = 0; i < 4_000_000; i++) kept.push({ i });`,
        '',
        'const kept: object[] = [];\n',
      );
    case 'exit-import':
      return formB('', '', 'process.exit(0);\n');
    case 'exit-backward':
      return formB('', 'process.exit(3);');
    case 'throw-import':
      return formB('', '', "throw new Error('cannot initialise this module');\n");
    case 'throw-factory':
      return formB().replace(`export default () => new ${cls}();`, 'export default () => {\n  throw { code: 42 };\n};');
    case 'throw-predict':
      return formB(`${inChecks} throw new Error('predict broke on purpose');`);
  }
}

// 40 files: every fourth one hostile, the ten kinds in turn.
const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-stress-'));
const files: { file: string; kind: Kind }[] = [];
for (let n = 0; n < 40; n++) {
  const kind: Kind = n % 4 === 3 ? HOSTILE[(n - 3) / 4]! : 'correct';
  const file = path.join(dir, `layer-${String(n).padStart(2, '0')}-${kind}.ts`);
  writeFileSync(file, source(kind, n));
  files.push({ file, kind });
}
const reportDir = path.join(dir, 'reports');

const loadBefore = loadavg();
const started = performance.now();
const cli = spawn(
  process.execPath,
  [
    path.join(root, 'bin', 'check-layer.mjs'),
    ...files.map((f) => f.file),
    '--suites',
    suites,
    '--timeout',
    String(timeoutS),
    '--memory-limit',
    String(memoryLimitMb),
    '--format',
    'json',
    '--report-dir',
    reportDir,
  ],
  { cwd: root, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
);
let stdout = '';
let stderr = '';
cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const seen = new Map<number, string>();
let peakTreeKb = 0;
let peakProcesses = 0;
const sampler = setInterval(() => {
  if (cli.pid === undefined) return;
  const procs = readProcs();
  const tree = descendants(procs, cli.pid);
  for (const pid of tree) seen.set(pid, procs.get(pid)!.start);
  peakTreeKb = Math.max(
    peakTreeKb,
    tree.reduce((s, pid) => s + procs.get(pid)!.rssKb, 0),
  );
  peakProcesses = Math.max(peakProcesses, tree.length);
}, 50);
const code = await new Promise<number | null>((resolve) => cli.on('exit', (c) => resolve(c)));
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const loadAfter = loadavg();

// Nothing of the run may be left: every process seen in its tree, still alive with the same start time.
// (Allowing 5 s for a process to notice its parent has gone.)
const commandOf = (pid: number) => {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
  } catch {
    return String(pid);
  }
};
let leftover: number[] = [];
let lingered: string[] = [];
let lastGoneMs = 0;
for (let waited = 0; waited <= 5000; waited += 100) {
  const now = readProcs();
  leftover = [...seen]
    .filter(([pid, start]) => now.get(pid)?.start === start && now.get(pid)?.state !== 'Z')
    .map(([pid]) => pid);
  if (!leftover.length) break;
  if (waited === 0) lingered = leftover.map(commandOf);
  lastGoneMs = waited + 100;
  await new Promise((r) => setTimeout(r, 100));
}
const leftoverCommands = leftover.map(commandOf);
for (const pid of leftover) process.kill(pid, 'SIGKILL');

const problems: string[] = [];
for (const { file, kind } of files) {
  const stem = path.basename(file, '.ts');
  let run: RunResult;
  try {
    run = JSON.parse(readFileSync(path.join(reportDir, `${stem}.json`), 'utf8')) as RunResult;
  } catch {
    problems.push(`${stem}: no report`);
    continue;
  }
  const said = [run.loadError?.message ?? '', ...run.checks.filter((c) => c.status === 'failed').map((c) => c.message)];
  if (kind === 'correct') {
    if (run.exitCode !== 0) problems.push(`${stem}: correct layer got exit code ${run.exitCode}: ${said.join(' | ')}`);
  } else if (!said.some((m) => EXPECTED[kind].test(m))) {
    problems.push(`${stem}: expected ${String(EXPECTED[kind])}, the report says: ${said.join(' | ').slice(0, 300)}`);
  }
}
if (leftover.length) problems.push(`processes left running 5 s after the CLI exited: ${leftoverCommands.join('; ')}`);
if (code !== 2) problems.push(`CLI exit code ${code}, expected 2 (files that could not load)`);
for (const p of problems) console.error(`stress: ${p}`);
if (problems.length) console.error(stderr.split('\n').slice(-20).join('\n'));

console.log(
  JSON.stringify({
    bench: 'stress',
    files: files.length,
    hostile: files.filter((f) => f.kind !== 'correct').length,
    suites,
    timeoutS,
    memoryLimitMb,
    seconds: Number(seconds.toFixed(1)),
    peakTreeRssMB: Math.round(peakTreeKb / 1024),
    peakProcesses,
    processesSeen: seen.size,
    leftover: leftover.length,
    // Processes of the run not yet ended (zombies count as ended) when the CLI had exited, and how long until the last was gone.
    lingered,
    lastGoneMs,
    verdictsRight: files.length - problems.filter((p) => /^layer-/.test(p)).length,
    exitCode: code,
    summary: stdout.split('\n').find((l) => l.startsWith('All ')) ?? '',
    loadavgBefore: loadBefore.map((x) => Number(x.toFixed(2))),
    loadavgAfter: loadAfter.map((x) => Number(x.toFixed(2))),
    machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model ?? ''}`,
    met: problems.length === 0,
  }),
);
process.exit(problems.length ? 1 : 0);
