/**
 * README's check table and the JSON Schema's check-id list come from the catalog: this fails when
 * either has drifted (run `npm run sync-docs` to rewrite them).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../harness/catalog.ts';
import { README_PATH, SCHEMA_PATH, readmeWithCheckTable, schemaCheckIds, schemaWithCheckIds } from './sync-docs.ts';

const FIX = 'README or the schema drifted from harness/catalog.ts: run `npm run sync-docs`';

describe('docs made from the check catalog', () => {
  it("README's check table lists every check of the catalog, in order, with its suite and title", () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme, FIX).toBe(readmeWithCheckTable(readme));
  });

  it("the JSON Schema's check-id list is the catalog's", async () => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8');
    expect(schemaCheckIds(schema), FIX).toEqual(CHECK_IDS);
    expect(schema, FIX).toBe(await schemaWithCheckIds(schema));
  });

  it('rewrites a drifted table: a missing row comes back, a stale one goes', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    const drifted = readme
      .replace(/^\| `shape` \| `noTensorLeaks` \|.*\n/m, '')
      .replace(/^(\| `backend` \| `backendsAgree` \|.*\n)/m, '$1| `shape` | `oldCheck` | gone. |\n');
    expect(drifted).not.toBe(readme);
    expect(readmeWithCheckTable(drifted)).toBe(readme);
  });
});
