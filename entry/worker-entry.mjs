// Entry of the child process that runs layer files' checks. Before anything of the layer can
// run, it makes the ways a process can end observable to the parent: process.exit and an
// uncaught error each write one marker line on stderr (synchronously, so it arrives even though
// the process ends at once), which the parent turns into "the layer called process.exit(0)
// while loading". Then it installs the layer-file loader (tsx, one shared TensorFlow.js) and
// runs the worker.
import { writeSync } from 'node:fs';
import { inspect } from 'node:util';

const MARK = '\u0000check-layer:';
const realExit = process.exit.bind(process);
process.exit = (code) => {
  try {
    writeSync(2, `${MARK}exit ${JSON.stringify(code ?? process.exitCode ?? 0)}\n`);
  } catch {
    // stderr gone: the parent still sees the exit code
  }
  realExit(code);
};
const uncaught = (e) => {
  const message = e instanceof Error ? e.message : inspect(e, { breakLength: Infinity, depth: 2 });
  try {
    writeSync(2, `${MARK}uncaught ${JSON.stringify(message.split('\n')[0])}\n`);
  } catch {
    // as above
  }
  realExit(70);
};
process.on('uncaughtException', uncaught);
process.on('unhandledRejection', uncaught);

await import('../harness/register-loader.mjs');
await import('./worker.ts');
