// Entry of the worker thread that runs one layer file's checks: installs the layer-file loader
// (tsx and the shared-TensorFlow.js resolution) in this thread, then runs the worker.
await import('../harness/register-loader.mjs');
await import('./worker.ts');
