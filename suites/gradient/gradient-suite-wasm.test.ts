/** The gradient suite on the wasm backend (float32 as well): same verdicts as on cpu, for a few seeds. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from '../../harness/backends.ts';
import { tf } from '../../harness/tf.ts';
import { gradientChecks } from './index.ts';
import { BROKEN, CORRECT, runCheck } from '../../test-support/gradient-fixtures.ts';

const SEEDS = [1, 2, 3, 4, 5];

describe('gradient suite on wasm', async () => {
  const wasm = await prepareBackend('wasm');
  let previous = 'cpu';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (wasm.available) await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it.skipIf(!wasm.available)(
    'passes the reference ELU and the kink layer, and catches the 2% and the sign errors',
    async () => {
      expect(tf.getBackend()).toBe('wasm');
      const pass = [
        CORRECT.find((l) => l.name === 'reference ELU')!,
        CORRECT.find((l) => l.name.startsWith('clip') && l.name.includes('own'))!,
      ];
      const fail = [BROKEN.find((l) => l.name.includes('2%'))!, BROKEN.find((l) => l.name.includes('sign error'))!];
      for (const seed of SEEDS) {
        for (const l of pass)
          for (const check of gradientChecks)
            expect((await runCheck(check, l, seed)).status, `${l.name} ${check.id} seed ${seed}`).toBe('passed');
        for (const l of fail)
          expect((await runCheck(gradientChecks[0]!, l, seed)).status, `${l.name} seed ${seed}`).toBe('failed');
      }
    },
  );
});
