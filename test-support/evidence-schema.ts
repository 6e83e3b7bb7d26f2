/**
 * Validates one check's evidence against its entry in the report's JSON Schema
 * (`definitions.evidence` of reports/report.schema.json), as the JSON report will carry it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(path.join(here, '..', 'reports', 'report.schema.json'), 'utf8')) as {
  $id: string;
};
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its function is the module's default property.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ??
  formatsPlugin) as unknown as (a: Ajv) => void;
addFormats(ajv);
ajv.addSchema(schema);
const validate = ajv.compile({ $ref: `${schema.$id}#/definitions/evidence` });

/** '' when the evidence (after a JSON round trip) fits the schema; else ajv's errors. */
export function evidenceSchemaProblems(evidence: unknown): string {
  return validate(JSON.parse(JSON.stringify(evidence))) ? '' : ajv.errorsText(validate.errors);
}
