/**
 * For vitest inside the repository: `check-layer` and `check-layer/vitest` resolve to the
 * TypeScript sources (what the package's `check-layer-source` export condition names), not to
 * the build in dist/, which a clone does not have until `npm run build`.
 */
import { fileURLToPath } from 'node:url';

const source = (rel: string) => fileURLToPath(new URL(`../${rel}`, import.meta.url));

export const SOURCE_ALIASES = [
  { find: /^check-layer$/, replacement: source('entry/index.ts') },
  { find: /^check-layer\/vitest$/, replacement: source('entry/vitest.ts') },
];
