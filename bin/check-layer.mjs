#!/usr/bin/env node
// check-layer's command: installs the layer-file loader (TypeScript without a build step, one
// shared TensorFlow.js), then runs the CLI. In a clone of the repository (the sources are there)
// it runs the sources through tsx; in an installed package, the build in dist/.
// Exit codes: 0 passed, 1 a check failed, 2 could not run.
import { existsSync } from 'node:fs';

const fromSource = existsSync(new URL('../entry/cli.ts', import.meta.url));
const base = fromSource ? '../' : '../dist/';
let code = 2;
// `check-layer ... | head`: once the reader has gone, writing to it fails with EPIPE. Stop writing
// there quietly; the run goes on, writes its reports and exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e?.code !== 'EPIPE') throw e;
  });
}
try {
  await import(`${base}harness/register-loader.mjs`);
  const { main } = await import(fromSource ? '../entry/cli.ts' : '../dist/entry/cli.js');
  code = await main(process.argv.slice(2));
} catch (e) {
  const verbose = process.argv.includes('--verbose');
  process.stderr.write(
    `check-layer: internal error while starting: ${String(e?.message ?? e).split('\n')[0]}${verbose ? `\n${e?.stack ?? ''}` : ' (run with --verbose for the stack trace)'}\n`,
  );
}
// Flush before exiting: Dawn (webgpu) can keep the process alive after the work is done.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
