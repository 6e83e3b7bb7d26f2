/**
 * predictIsConsistentInType and forwardIsConsistentInType, one judgement: for float32 inputs, every
 * output is float32 (TensorFlow.js trains in float32 only; a bool or int32 output breaks the next
 * layer's arithmetic or its gradient).
 */
import type { CheckOutcome } from '../../harness/check.ts';
import type { DtypeEvidence } from '../../harness/evidence/index.ts';
import { atOutput, outputWhere } from './io-text.ts';

/** `name` returned these dtypes (one per output) for float32 inputs (`inputs` of them). */
export function judgeOutputDtypes(name: string, dtypes: string[], inputs: number): CheckOutcome {
  const n = dtypes.length;
  const evidence: DtypeEvidence = {
    kind: 'dtype',
    inputDtype: 'float32',
    outputDtype: dtypes.find((d) => d !== 'float32') ?? dtypes[0]!,
    ...(n > 1 ? { outputDtypes: dtypes } : {}),
  };
  const given = inputs === 1 ? 'a float32 input' : 'float32 inputs';
  const k = dtypes.findIndex((d) => d !== 'float32');
  if (k >= 0) {
    const more = dtypes.flatMap((d, i) =>
      i > k && d !== 'float32' ? [`${d}${atOutput(i, n)}, expected float32`] : [],
    );
    return {
      status: 'failed',
      message: `${name} returned ${dtypes[k]}${atOutput(k, n)} for ${given}; expected float32`,
      ...(more.length ? { details: more } : {}),
      where: outputWhere(k, n),
      evidence,
    };
  }
  return {
    status: 'passed',
    message: `${name} returns float32${n > 1 ? ` at each of its ${n} outputs` : ''} for ${given}`,
    evidence,
  };
}
