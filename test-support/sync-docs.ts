/**
 * README's check table and the JSON Schema's list of check ids, made from the catalog
 * (`harness/catalog.ts`). `npm run sync-docs` rewrites both; `sync-docs.test.ts` fails when either
 * has drifted from the catalog and says to run it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { CATALOG, type CatalogEntry } from '../harness/catalog.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const README_PATH = path.join(ROOT, 'README.md');
export const SCHEMA_PATH = path.join(ROOT, 'reports', 'report.schema.json');

const TABLE_HEADER = '| suite | check | what it verifies |';

/** README's check table, one row per check in catalog order. */
export function checkTable(catalog: readonly CatalogEntry[] = CATALOG): string[] {
  return [TABLE_HEADER, '|---|---|---|', ...catalog.map((c) => `| \`${c.suite}\` | \`${c.id}\` | ${c.title} |`)];
}

/** README with its check table (the header line and every table line after it) replaced. */
export function readmeWithCheckTable(readme: string, catalog: readonly CatalogEntry[] = CATALOG): string {
  const lines = readme.split('\n');
  const start = lines.indexOf(TABLE_HEADER);
  if (start < 0) throw new Error(`README.md has no check table (a line "${TABLE_HEADER}")`);
  let end = start;
  while (end < lines.length && lines[end]?.startsWith('|')) end++;
  return [...lines.slice(0, start), ...checkTable(catalog), ...lines.slice(end)].join('\n');
}

interface SchemaWithCheckIds {
  definitions: { check: { properties: { id: { enum?: string[] } } } };
}

/** The check ids the schema allows. */
export function schemaCheckIds(schemaText: string): string[] {
  return (JSON.parse(schemaText) as SchemaWithCheckIds).definitions.check.properties.id.enum ?? [];
}

/**
 * The schema with its check-id list set to the catalog's ids. Only the `id` entry of the check
 * definition is replaced, as text, so the rest of the file keeps its layout.
 */
export async function schemaWithCheckIds(
  schemaText: string,
  catalog: readonly CatalogEntry[] = CATALOG,
): Promise<string> {
  const { start, end } = checkIdSpan(schemaText);
  const id = { type: 'string', enum: catalog.map((c) => c.id) };
  const text = `${schemaText.slice(0, start)}${JSON.stringify(id)}${schemaText.slice(end)}`;
  const config = (await resolveConfig(SCHEMA_PATH)) ?? {};
  return format(text, { ...config, parser: 'json' });
}

/** Where the value of `definitions.check.properties.id` lies in the schema's text. */
function checkIdSpan(text: string): { start: number; end: number } {
  const check = text.indexOf('"check": {', text.indexOf('"definitions"'));
  const key = text.indexOf('"id":', text.indexOf('"properties"', check));
  if (check < 0 || key < 0) throw new Error('report.schema.json: no definitions.check.properties.id');
  const start = text.indexOf('{', key);
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return { start, end: i + 1 };
  }
  throw new Error('report.schema.json: the check id entry is not closed');
}

async function main(): Promise<void> {
  const readme = readFileSync(README_PATH, 'utf8');
  const newReadme = readmeWithCheckTable(readme);
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const newSchema = await schemaWithCheckIds(schema);
  for (const [file, before, after] of [
    [README_PATH, readme, newReadme],
    [SCHEMA_PATH, schema, newSchema],
  ] as const) {
    if (before === after) {
      console.log(`${path.relative(ROOT, file)}: in sync with the catalog`);
    } else {
      writeFileSync(file, after);
      console.log(`${path.relative(ROOT, file)}: rewritten from the catalog`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
