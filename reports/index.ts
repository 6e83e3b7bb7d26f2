/** Every report writer, by format name. No discovery: a new writer is added here. */
import type { ReportFormat } from '../harness/options.ts';
import { htmlWriter } from './html.ts';
import { jsonWriter } from './json.ts';
import { junitWriter } from './junit.ts';
import type { ReportWriter } from './writer.ts';

export const WRITERS: Record<ReportFormat, ReportWriter> = {
  html: htmlWriter,
  json: jsonWriter,
  junit: junitWriter,
};

export { renderIndex } from './index-page.ts';
export type { ReportWriter } from './writer.ts';
