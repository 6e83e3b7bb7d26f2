/**
 * Writes the reports of a saved run (argv[2], a JSON report) into a folder (argv[3]) as
 * check-layer does, and sends this process SIGTERM from inside the writing (while the HTML writer
 * reads the layer's name): the set must still be complete, with no staging folder left, and the
 * process must then end by that signal. Run by bin/report-set.test.ts in a child process.
 */
import { readFileSync } from 'node:fs';
import type { RunResult } from '../harness/result.ts';
import { writeReports } from '../reports/write-reports.ts';

const run = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as RunResult;
const name = run.layer.name;
let sent = false;
Object.defineProperty(run.layer, 'name', {
  enumerable: true,
  get() {
    if (!sent) {
      sent = true;
      process.kill(process.pid, 'SIGTERM');
    }
    return name;
  },
});
await writeReports([run], process.argv[3]!, ['html', 'json', 'junit']);
process.stdout.write('written, and no signal ended the process\n');
