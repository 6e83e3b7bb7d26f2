/**
 * For the stability tests: one describe block per backend, cpu and wasm always (both must load
 * here), webgpu where `prepareBackend('webgpu')` finds an adapter (tests skip with its reason
 * otherwise). Also runs the two stability checks on a layer made from a factory.
 */
import { beforeAll, describe, expect, type TestContext } from 'vitest';
import { prepareBackend, type BackendName, type BackendStatus } from '../harness/backends.ts';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../harness/check.ts';
import { LayerUnderTest } from '../harness/layer-under-test.ts';
import type { InputSize } from '../harness/options.ts';
import type { CheckResult } from '../harness/result.ts';
import { runChecks } from '../harness/run-checks.ts';
import { tf } from '../harness/tf.ts';
import { evidenceOf, type StabilityGrid } from '../harness/evidence/index.ts';
import { stabilityChecks } from '../suites/stability/index.ts';

export const TEST_BACKENDS: BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** Runs `body` in a describe block per backend; `ready(ctx)` skips where the backend is missing (webgpu only). */
export function eachBackend(body: (name: BackendName, ready: (ctx: TestContext) => void) => void): void {
  for (const name of TEST_BACKENDS) {
    describe(`on ${name}`, () => {
      let status: BackendStatus = { name, available: false, reason: 'not prepared' };
      beforeAll(async () => {
        status = await prepareBackend(name);
        if (status.available) {
          await tf.setBackend(name);
          await tf.ready();
        }
      });
      const ready = (ctx: TestContext) => {
        if (name !== 'webgpu') expect(status.available, `${name} must load here: ${status.reason}`).toBe(true);
        else if (!status.available) ctx.skip(`webgpu unavailable: ${status.reason}`);
      };
      body(name, ready);
    });
  }
}

export interface StabilityRun {
  predict: CheckResult;
  gradients: CheckResult;
  subject: LayerUnderTest;
}

export async function runStability(
  make: () => unknown,
  inputSize: InputSize,
  seed = 1,
  options: Partial<CheckOptions> = {},
): Promise<StabilityRun> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: make }, inputSize, seed);
  const [predict, gradients] = await runChecks({
    subject,
    checks: stabilityChecks,
    seed,
    options: { ...DEFAULT_CHECK_OPTIONS, ...options },
  });
  return { predict: predict!, gradients: gradients!, subject };
}

export function gridOf(r: CheckResult): StabilityGrid {
  return evidenceOf(r, 'stabilityGrid').grid;
}

/** Input classes whose row has a failing cell (nan or inf) or an error. */
export function failingClasses(r: CheckResult): string[] {
  return gridOf(r)
    .rows.filter((row) => row.error || Object.values(row.cells).some((c) => c.state === 'nan' || c.state === 'inf'))
    .map((row) => row.inputClass);
}

/** Classes whose cells hold a finding reported as a warning (an extreme class, not strict). */
export function warnedFindings(r: CheckResult): string[] {
  return gridOf(r)
    .rows.filter((row) => Object.values(row.cells).some((c) => c.finding !== undefined))
    .map((row) => row.inputClass);
}
