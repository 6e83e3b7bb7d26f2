#!/usr/bin/env node
// check-layer's command: installs the layer-file loader (TypeScript without a build step, one
// shared TensorFlow.js), then runs the CLI. Exit codes: 0 passed, 1 a check failed, 2 could not run.
let code = 2;
try {
  await import('../harness/register-loader.mjs');
  const { main } = await import('../entry/cli.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  const verbose = process.argv.includes('--verbose');
  process.stderr.write(
    `check-layer: internal error while starting: ${String(e?.message ?? e).split('\n')[0]}${verbose ? `\n${e?.stack ?? ''}` : ' (run with --verbose for the stack trace)'}\n`,
  );
}
// Flush before exiting: Dawn (webgpu) can keep the process alive after the work is done.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
