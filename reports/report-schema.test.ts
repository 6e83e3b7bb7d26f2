/**
 * The JSON Schema against the evidence union and against real runs: one `oneOf` entry per
 * evidence kind (the same list as harness/evidence/), and real results of every suite validate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { checkLayer } from '../entry/api.ts';
import { EVIDENCE_KINDS } from '../harness/evidence/index.ts';
import { REPORT_SCHEMA_VERSION, type RunResult } from '../harness/result.ts';
import { EluLayer } from '../reference-layers/elu-layer.ts';
import {
  failingRun,
  INPUT_SIZE,
  multiIoRun,
  passingRun,
  predictThrowsRun,
  trainingRun,
  twoOutputsRun,
} from '../test-support/real-runs.ts';

interface KindEntry {
  properties: { kind: { const: string } };
}
interface Schema {
  properties: { schemaVersion: { const: number } };
  definitions: { evidence: { oneOf: KindEntry[] } };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(path.join(here, 'report.schema.json'), 'utf8')) as Schema;
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its function is the module's default property.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ??
  formatsPlugin) as unknown as (a: Ajv) => void;
addFormats(ajv);
const validate = ajv.compile(schema);

function problemsOf(run: RunResult): string {
  return validate(JSON.parse(JSON.stringify(run))) ? '' : ajv.errorsText(validate.errors);
}

const backendRun = () =>
  checkLayer(() => new EluLayer(), { inputSize: INPUT_SIZE, checks: ['backendsAgree'], name: 'elu-layer.ts' });

describe('report.schema.json', () => {
  it('has one evidence entry per kind of the evidence union, and the current schema version', () => {
    const kinds = schema.definitions.evidence.oneOf.map((k) => k.properties.kind.const);
    expect(kinds).toEqual(Object.keys(EVIDENCE_KINDS));
    expect(schema.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION);
  });

  it('rejects evidence without a kind, of an unknown kind, or with a field its kind does not have', async () => {
    const run = structuredClone(await passingRun());
    const check = run.checks[0]!;
    for (const evidence of [{ tolerance: 1 }, { kind: 'guess' }, { ...check.evidence, extra: 1 }]) {
      const odd = { ...run, checks: [{ ...check, evidence }] } as unknown as RunResult;
      expect(problemsOf(odd), JSON.stringify(evidence).slice(0, 60)).not.toBe('');
    }
  });

  it.each([
    ['a passing run (shape, gradient, stability)', passingRun],
    ['a failing run through the CLI worker', failingRun],
    ['a run whose predict throws', predictThrowsRun],
    ['a training run', trainingRun],
    ['a backend run', backendRun],
    ['a run of a layer with two inputs (input sizes, output sizes, failures at an input)', multiIoRun],
    ['a run of a layer with two outputs (a failure at an output)', twoOutputsRun],
  ])('validates %s', async (_what, make) => {
    const run = await make();
    expect(run.checks.length).toBeGreaterThan(0);
    expect(problemsOf(run)).toBe('');
  });

  it('sees every kind but noBackends in those runs', async () => {
    const runs = await Promise.all([passingRun(), failingRun(), predictThrowsRun(), trainingRun(), backendRun()]);
    const seen = new Set(runs.flatMap((r) => r.checks.flatMap((c) => (c.evidence ? [c.evidence.kind] : []))));
    expect(Object.keys(EVIDENCE_KINDS).filter((k) => !seen.has(k as never))).toEqual(['noBackends']);
  });
});
