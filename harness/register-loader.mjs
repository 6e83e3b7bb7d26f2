// Makes layer files loadable without a build step: TypeScript through tsx, and their imports of
// `@tensorflow/tfjs` and `check-layer` resolved to this package wherever the file lives (ESM
// hooks for `import`, a resolver patch for CommonJS `require`, which tsx uses for .ts files
// outside an ESM package). Importing this module installs both, once per thread.
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsxEsm } from 'tsx/esm/api';
import { register as registerTsxCjs } from 'tsx/cjs/api';
import { isShared } from './resolve-hooks.mjs';

registerTsxEsm();
registerTsxCjs();

// Dawn's EGL (Mesa's software WebGPU) reads this from the real environment, which a worker
// thread cannot change: set it here, in the main thread, before any worker starts.
process.env.EGL_PLATFORM ??= 'surfaceless';

const rootUrl = new URL('../package.json', import.meta.url).href;
register('./resolve-hooks.mjs', import.meta.url, { data: { root: rootUrl } });

const rootModule = new Module(fileURLToPath(rootUrl));
rootModule.filename = fileURLToPath(rootUrl);
rootModule.paths = Module._nodeModulePaths(fileURLToPath(new URL('.', rootUrl)));

const original = Module._resolveFilename;
if (!original.__checkLayer) {
  const patched = function (request, parent, isMain, options) {
    if (typeof request === 'string' && isShared(request)) {
      try {
        return original.call(this, request, rootModule, isMain, options);
      } catch {
        // fall through to Node's own resolution and its error
      }
    }
    return original.call(this, request, parent, isMain, options);
  };
  patched.__checkLayer = true;
  Module._resolveFilename = patched;
}
