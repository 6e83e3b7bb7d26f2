/**
 * This package's version, from its package.json: found by walking up from this file, which is
 * `harness/version.ts` in the sources and `dist/harness/version.js` in the build.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one holding check-layer's package.json). */
export const PACKAGE_ROOT: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));

export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'check-layer')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`check-layer: no package.json of check-layer above ${from}`);
  }
}
