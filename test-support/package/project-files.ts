/**
 * The files of the fresh project that installed-package.test.ts installs check-layer into: what
 * a user writes. A Form B ELU with a learnable alpha (correct), a vitest file, a Node script, a
 * CommonJS script, and strict tsconfigs (skipLibCheck on, and off).
 */
const tsconfig = (skipLibCheck: boolean) =>
  `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck,
        types: ['node'],
      },
      include: ['src', 'test', '*.mts'],
    },
    null,
    2,
  )}\n`;

export const PROJECT_FILES: Record<string, string> = {
  'src/my-elu.ts': `import * as tf from '@tensorflow/tfjs';
import { CustomLayer, type BackwardResult } from 'check-layer';

export class MyElu extends CustomLayer {
  static override className = 'MyElu';
  override build(inputShape: number[]): void {
    const channels = inputShape[inputShape.length - 1] ?? 1;
    this.addLearnable('alpha', [channels], { uniform: [0.5, 1.5] });
    this.built = true;
  }
  predict(X: tf.Tensor): tf.Tensor {
    const alpha = this.learnables['alpha']!;
    return tf.tidy(() => tf.add(tf.relu(X), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(X, 0)), 1))));
  }
  override backward(X: tf.Tensor, Z: tf.Tensor, dLdZ: tf.Tensor): BackwardResult {
    return tf.tidy(() => {
      const alpha = this.learnables['alpha']!;
      const pos = tf.step(X, 0);
      // For X <= 0, dZ/dX = alpha * exp(X) = alpha + Z.
      const dLdX = tf.mul(dLdZ, tf.add(pos, tf.mul(tf.add(alpha, Z), tf.sub(1, pos))));
      const dLdAlpha = tf.sum(tf.mul(tf.sub(tf.exp(tf.minimum(X, 0)), 1), dLdZ), [0, 1, 2]);
      return { dLdX, dLdLearnables: { alpha: dLdAlpha } };
    });
  }
}
tf.serialization.registerClass(MyElu);

export default () => new MyElu();
export const inputSize = [4, 4, 3];
`,
  'test/my-elu.test.ts': `import { describeLayer } from 'check-layer/vitest';
import { MyElu } from '../src/my-elu.ts';

describeLayer('my ELU from its file', new URL('../src/my-elu.ts', import.meta.url), {
  checks: ['predictDoesNotError', 'gradientsAreNumericallyCorrect'],
  timeout: 120_000,
});
describeLayer('my ELU in this thread', () => new MyElu(), {
  inputSize: [4, 4, 3],
  checks: ['predictDoesNotError', 'backwardMatchesAutodiff'],
});
`,
  'check.mjs': `import { checkLayer } from 'check-layer';

const run = await checkLayer(new URL('./src/my-elu.ts', import.meta.url), {
  checks: ['predictDoesNotError', 'gradientsAreNumericallyCorrect'],
});
console.log(JSON.stringify({ exitCode: run.exitCode, checks: run.checks.map((c) => [c.id, c.status]) }));
process.exitCode = run.exitCode;
`,
  // The same, type-checked: the API's options and result as a user's TypeScript sees them.
  'check.mts': `import { checkLayer, type CheckLayerOptions, type RunResult } from 'check-layer';

const options: CheckLayerOptions = { checks: ['predictDoesNotError'], seed: 7, reportDir: 'reports', formats: ['json'] };
const run: RunResult = await checkLayer(new URL('./src/my-elu.ts', import.meta.url), options);
const failed: string[] = run.checks.filter((c) => c.status === 'failed').map((c) => c.id);
console.log(failed.length, run.summary.passed, run.layer.className);
`,
  'check.cjs': `const { checkLayer, CustomLayer, tf } = require('check-layer');
console.log(typeof checkLayer, typeof CustomLayer, typeof tf.tensor);
`,
  'tsconfig.json': tsconfig(true),
  'tsconfig.nolibcheck.json': tsconfig(false),
};
