/**
 * describeLayer on layer files (the safe form): the reference ELU by its named export, and a
 * layer whose backward never returns, under a 5-second timeout, which must end with the
 * timeout's message instead of hanging vitest. Each run is saved when CHECK_LAYER_FIXTURE_OUT
 * names a folder.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeLayer } from 'check-layer/vitest';
import type { RunResult } from 'check-layer';

const out = process.env['CHECK_LAYER_FIXTURE_OUT'];
const save = (file: string) => (run: RunResult) => {
  if (out) writeFileSync(path.join(out, file), JSON.stringify(run));
};

describeLayer('ELU from its file', new URL('../../reference-layers/elu-layer.ts', import.meta.url), {
  exportName: 'EluLayer',
  inputSize: [4, 4, 3],
  suites: ['shape'],
  onRun: save('elu-file.json'),
});
describeLayer('endless backward', 'fixtures/reliability/endless-backward.ts', {
  suites: ['shape'],
  timeout: 5000,
  onRun: save('endless-backward.json'),
});
