/** The JSON report: the run result as it is, described by `report.schema.json`. */
import type { ReportWriter } from './writer.ts';

export const jsonWriter: ReportWriter = {
  format: 'json',
  extension: '.json',
  render: (run) => `${JSON.stringify(run, null, 2)}\n`,
};
