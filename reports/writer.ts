/** A report writer: the read-only run result in, the file's text out. Writers never import TensorFlow.js. */
import type { RunResult } from '../harness/result.ts';

export interface ReportWriter {
  format: 'html' | 'json' | 'junit';
  /** File extension, with the dot: `.json`, `.html`, `.junit.xml`. */
  extension: string;
  render(run: Readonly<RunResult>): string;
}
