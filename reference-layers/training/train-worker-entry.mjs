// Entry of a training worker thread (a data-parallel helper, or a whole training run beside
// another): installs the layer-file loader (tsx and the shared-TensorFlow.js resolution) in this
// thread, then runs the worker.
await import('../../harness/register-loader.mjs');
await import('./train-worker.ts');
