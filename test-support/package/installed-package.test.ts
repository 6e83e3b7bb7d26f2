/**
 * check-layer the way users get it: `npm pack` (which builds first), the tarball installed into a
 * fresh project in a temporary folder (from the npm cache that the repository's `npm ci` filled,
 * with no registry asked: see project-lock.ts), and there, as a user would: the command on a
 * layer file of that project, a vitest file with describeLayer (file form and factory form), a
 * plain Node ES module calling checkLayer, CommonJS require, and strict tsc (NodeNext) with
 * skipLibCheck on and off. One pack, one install, reused by every test.
 *
 * Not part of `npm test` (it packs and installs: minutes); `npm run test:package`, run by .ci/run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectLock } from './project-lock.ts';
import { PROJECT_FILES } from './project-files.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NPM_TIMEOUT_MS = 600_000;

/** The environment of a user's shell: nothing of this vitest run or of the npm script around it. */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !k.startsWith('VITEST') && !k.startsWith('npm_') && k !== 'NODE_OPTIONS' && k !== 'TEST',
  ),
) as Record<string, string>;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      // No reference-network cache: each training run trains both networks.
      {
        cwd,
        env: { ...userEnv, NO_COLOR: '1', CHECK_LAYER_CACHE_DIR: 'off' },
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
const show = (r: Ran) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

describe('the packed package, installed in a fresh project', () => {
  let tmp: string;
  let project: string;
  let tarball: string;
  let files: string[];
  const bin = (name: string) => path.join(project, 'node_modules', '.bin', name);

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'check-layer-package-'));
    const packed = await run('npm', ['pack', '--pack-destination', tmp, '--json'], ROOT, NPM_TIMEOUT_MS);
    if (packed.code !== 0) throw new Error(`npm pack failed: ${show(packed)}`);
    const info = (
      JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    )[0]!;
    files = info.files.map((f) => f.path);
    project = path.join(tmp, 'project');
    mkdirSync(project);
    tarball = path.join(project, info.filename);
    copyFileSync(path.join(tmp, info.filename), tarball);
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    const repoPkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const dependencies = {
      'check-layer': `file:${info.filename}`,
      '@tensorflow/tfjs': repoPkg.dependencies['@tensorflow/tfjs']!,
    };
    const devDependencies = Object.fromEntries(
      ['vitest', 'typescript', '@types/node'].map((n) => [n, repoPkg.devDependencies[n]!]),
    );
    const pkg = { name: 'my-layers', version: '1.0.0', private: true, type: 'module', dependencies, devDependencies };
    writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const lock = projectLock({
      repoLock: path.join(ROOT, 'package-lock.json'),
      name: pkg.name,
      dependencies,
      devDependencies,
      tarball: { file: tarball, spec: `file:${info.filename}`, manifest },
    });
    writeFileSync(path.join(project, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const installed = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project, NPM_TIMEOUT_MS);
    if (installed.code !== 0) throw new Error(`npm ci --offline in the project failed: ${show(installed)}`);
    for (const [file, text] of Object.entries(PROJECT_FILES)) {
      mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      writeFileSync(path.join(project, file), text);
    }
  }, 2 * NPM_TIMEOUT_MS);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ships the build, the command, README and the schema; no sources, tests, fixtures or test helpers', () => {
    expect(files).toContain('dist/entry/index.js');
    expect(files).toContain('dist/entry/index.d.ts');
    expect(files).toContain('dist/entry/vitest.js');
    expect(files).toContain('dist/harness/register-loader.mjs');
    expect(files).toContain('dist/reference-layers/elu-layer.js');
    expect(files).toContain('bin/check-layer.mjs');
    expect(files).toContain('reports/report.schema.json');
    expect(files).toContain('README.md');
    const stray = files.filter(
      (f) => /\.test\.|fixture|test-support|^bench\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(stray).toEqual([]);
  });

  it('runs the command on a TypeScript layer file of the project', async () => {
    const r = await run(
      bin('check-layer'),
      ['src/my-elu.ts', '--suites', 'shape,gradient', '--format', 'json,junit'],
      project,
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/\b[1-9]\d* Passed, 0 Failed, 0 Incomplete/);
    const report = JSON.parse(readFileSync(path.join(project, 'check-layer-report/my-elu.json'), 'utf8')) as {
      exitCode: number;
      layer: { className: string };
    };
    expect(report.exitCode).toBe(0);
    expect(report.layer.className).toBe('MyElu');
    expect(existsSync(path.join(project, 'check-layer-report/my-elu.junit.xml'))).toBe(true);
  });

  it('trains the seed network with the layer from the build (worker threads from dist/)', async () => {
    const r = await run(
      bin('check-layer'),
      ['src/my-elu.ts', '--suites', 'training', '--epochs', '1', '--train-size', '512', '--test-size', '100'],
      project,
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('network input [28,28,1] (handwritten digits; the layer gets [24,24,20])');
    expect(r.stdout).toMatch(/PASS\s+training\/trainsToAccuracy/);
    const html = readFileSync(path.join(project, 'check-layer-report/my-elu.html'), 'utf8');
    expect(html).toContain('<h1>check-layer report: MyElu (my-elu.ts)</h1>');
    expect(html).toMatch(/trained on (wasm|webgpu) \(/);
  });

  it('runs a vitest file with describeLayer on the layer file and on a factory', async () => {
    const r = await run(bin('vitest'), ['run', '--reporter=verbose'], project);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+4 passed \(4\)/);
    expect(r.stdout).toContain('my ELU from its file > gradientsAreNumericallyCorrect');
    expect(r.stdout).toContain('my ELU in this thread > backwardMatchesAutodiff');
  });

  it('runs checkLayer from a plain Node ES module', async () => {
    const r = await run(process.execPath, ['check.mjs'], project);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      exitCode: 0,
      checks: [
        ['predictDoesNotError', 'passed'],
        ['gradientsAreNumericallyCorrect', 'passed'],
      ],
    });
  });

  it('loads with CommonJS require', async () => {
    const r = await run(process.execPath, ['check.cjs'], project);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('type-checks in a strict NodeNext project', async () => {
    const r = await run(process.execPath, [bin('tsc'), '-p', 'tsconfig.json'], project);
    expect(r.code, show(r)).toBe(0);
  });

  it("with skipLibCheck off, finds errors only in TensorFlow.js's own declarations, none in check-layer's", async () => {
    const r = await run(process.execPath, [bin('tsc'), '-p', 'tsconfig.nolibcheck.json'], project);
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    const notTfjs = errors.filter((l) => !l.startsWith('node_modules/@tensorflow/'));
    expect(notTfjs).toEqual([]);
  });
});
