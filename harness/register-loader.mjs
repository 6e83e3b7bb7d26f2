// Makes layer files loadable without a build step: TypeScript through tsx, and their imports of
// `@tensorflow/tfjs` and `check-layer` resolved to this package wherever the file lives (ESM
// hooks for `import`, a resolver patch for CommonJS `require`, which tsx uses for .ts files
// outside an ESM package). Importing this module installs both, once per thread.
//
// It runs from the sources (`harness/`, in a clone of the repository: check-layer itself is
// TypeScript run by tsx, and `check-layer` resolves to the sources through the package's
// `check-layer-source` export condition) or from the build (`dist/harness/`, in an installed
// package: `check-layer` resolves to the build).
import { existsSync, readFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsxEsm } from 'tsx/esm/api';
import { register as registerTsxCjs } from 'tsx/cjs/api';
import { isShared, SOURCE_CONDITION } from './resolve-hooks.mjs';

registerTsxEsm();
registerTsxCjs();

// Dawn's EGL (Mesa's software WebGPU) reads this from the real environment, which a worker
// thread cannot change: set it here, in the main thread, before any worker starts.
process.env.EGL_PLATFORM ??= 'surfaceless';

const fromSource = existsSync(new URL('../package.json', import.meta.url));
const rootUrl = new URL(fromSource ? '../package.json' : '../../package.json', import.meta.url).href;
register('./resolve-hooks.mjs', import.meta.url, { data: { root: rootUrl, fromSource } });

const rootFile = fileURLToPath(rootUrl);
const rootModule = new Module(rootFile);
rootModule.filename = rootFile;
rootModule.paths = Module._nodeModulePaths(fileURLToPath(new URL('.', rootUrl)));

/** From the sources, `require('check-layer')` goes to the file its export condition names. */
const sourceFiles = new Map();
if (fromSource) {
  const exportsMap = JSON.parse(readFileSync(rootFile, 'utf8')).exports ?? {};
  for (const [subpath, target] of Object.entries(exportsMap)) {
    const file = typeof target === 'object' && target ? target[SOURCE_CONDITION] : null;
    if (file) sourceFiles.set(`check-layer${subpath.slice(1)}`, fileURLToPath(new URL(file, rootUrl)));
  }
}

const original = Module._resolveFilename;
if (!original.__checkLayer) {
  const patched = function (request, parent, isMain, options) {
    if (typeof request === 'string' && sourceFiles.has(request)) return sourceFiles.get(request);
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
