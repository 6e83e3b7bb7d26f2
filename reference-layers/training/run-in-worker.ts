/**
 * A whole training run (training and evaluation) in a worker thread of its own, so that the
 * reference network trains at the same time as the layer's network in this thread.
 */
import { Worker } from 'node:worker_threads';
import type { TrainingEvidence } from './evaluate.ts';
import type { RunJob, TrainWorkerMessage } from './train-worker.ts';

const WORKER_URL = new URL('./train-worker-entry.mjs', import.meta.url);

export function runTrainingInWorker(
  job: Omit<RunJob, 'type'>,
  out?: (line: string) => void,
): Promise<TrainingEvidence> {
  return new Promise<TrainingEvidence>((resolve, reject) => {
    const w = new Worker(WORKER_URL);
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      void w.terminate();
    };
    w.on('message', (m: TrainWorkerMessage) => {
      if (m.type === 'line') out?.(m.line);
      else if (m.type === 'evidence') finish(() => resolve(m.evidence as TrainingEvidence));
      else if (m.type === 'error') finish(() => reject(new Error(m.message)));
    });
    w.on('error', (e) => finish(() => reject(e)));
    w.on('exit', (code) => finish(() => reject(new Error(`the training worker exited with code ${code}`))));
    w.postMessage({ type: 'run', ...job } satisfies RunJob);
  });
}
