/**
 * Several layer files at once (`--jobs N`): N lanes, each with its own check process (a slot), take the
 * files in order, one at a time each, until none is left. Results come back in the files' order,
 * whatever order they finish in.
 */
import { CheckProcessSlot } from './run-file.ts';

export interface LaneFigures {
  /** Files this lane checked. */
  files: number;
  /** Highest resident size of its check processes, in bytes. */
  peakRss: number;
}

export async function runFilesInLanes<T>(
  files: readonly string[],
  jobs: number,
  runOne: (file: string, index: number, slot: CheckProcessSlot) => Promise<T>,
): Promise<{ results: T[]; lanes: LaneFigures[] }> {
  const results: T[] = new Array<T>(files.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, files.length)) }, () => ({
    slot: new CheckProcessSlot(),
    files: 0,
  }));
  try {
    await Promise.all(
      lanes.map(async (l) => {
        while (next < files.length) {
          const i = next++;
          results[i] = await runOne(files[i]!, i, l.slot);
          l.files++;
        }
      }),
    );
  } finally {
    for (const l of lanes) l.slot.retire();
  }
  return { results, lanes: lanes.map((l) => ({ files: l.files, peakRss: l.slot.peakRss })) };
}
