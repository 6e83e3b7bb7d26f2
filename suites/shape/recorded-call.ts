/** One call of the layer in worksAsModelsCallIt, as its evidence records it, with the outputs it returned. */
import type { ConventionCall } from '../../harness/evidence/index.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { readOutputs } from './outputs.ts';

export interface Called {
  record: ConventionCall;
  /** One Tensor per output, when the call returned them. */
  outputs?: Tensor[];
  threw?: string;
}

/** What a call returned, read as the layer's outputs and recorded; tensors go to `made` for disposal. */
export function recorded(record: ConventionCall, out: unknown, numOutputs: number, made: Tensor[]): Called {
  const read = readOutputs(out, numOutputs);
  if ('Zs' in read) {
    made.push(...read.Zs);
    record.outputShape = read.Zs[0]!.shape;
    if (read.Zs.length > 1) record.outputShapes = read.Zs.map((Z) => Z.shape);
    return { record, outputs: read.Zs };
  }
  record.returned = read.wrong;
  tf.dispose(out as tf.TensorContainer);
  return { record };
}
