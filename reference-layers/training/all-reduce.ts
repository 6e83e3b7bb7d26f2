/**
 * Summing one vector over the worker threads of a data-parallel training run, through shared
 * memory: every worker writes its vector into its own slot, waits at a barrier until all have,
 * then sums all slots in rank order itself. Every worker adds the same float32 values in the same
 * order, so every worker gets the same bits and makes the same update.
 *
 * Two sets of slots alternate between rounds: a worker that writes round i + 2 has passed the
 * barrier of round i + 1, which every worker reached only after reading round i. The barrier
 * counts arrivals and bumps a generation number; waiting is `Atomics.waitAsync`, so a waiting
 * thread's event loop still runs (a crashed helper's error event reaches the main one). A worker
 * that fails marks the channel failed and wakes the others, whose next `allReduce` throws.
 */

/** The shared memory of one run's reductions; structured-clones to workers as shared. */
export interface ReduceChannel {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  size: number;
  length: number;
}

/** Node 16+ has it; TypeScript's ES2022 library does not declare it. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync: (a: Int32Array, i: number, v: number, ms: number) => { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

const COUNT = 0;
const GENERATION = 1;
const FAILED = 2;

export function makeReduceChannel(size: number, length: number): ReduceChannel {
  return {
    control: new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT),
    data: new SharedArrayBuffer(2 * size * length * Float32Array.BYTES_PER_ELEMENT),
    size,
    length,
  };
}

export class ReduceFailedError extends Error {
  override name = 'ReduceFailedError';
}

export interface Reducer {
  /** The sum of `v` over every worker (all must call it, with vectors of the channel's length). */
  allReduce(v: Float32Array): Promise<Float32Array>;
  /** Marks the channel failed and wakes every waiting worker. */
  fail(): void;
}

export function reducer(channel: ReduceChannel, rank: number): Reducer {
  const { size, length } = channel;
  const control = new Int32Array(channel.control);
  const slots = [0, 1].map((parity) =>
    Array.from({ length: size }, (_, r) => new Float32Array(channel.data, (parity * size + r) * length * 4, length)),
  );
  let round = 0;
  const failed = () => Atomics.load(control, FAILED) !== 0;
  return {
    async allReduce(v) {
      if (v.length !== length) throw new Error(`allReduce: a vector of ${v.length}, the channel holds ${length}`);
      const set = slots[round++ & 1]!;
      set[rank]!.set(v);
      const generation = Atomics.load(control, GENERATION);
      if (Atomics.add(control, COUNT, 1) === size - 1) {
        Atomics.store(control, COUNT, 0);
        Atomics.add(control, GENERATION, 1);
        Atomics.notify(control, GENERATION);
      } else {
        while (Atomics.load(control, GENERATION) === generation && !failed()) {
          const w = waitAsync(control, GENERATION, generation, 1000);
          if (!w.async) continue;
          // A pending waitAsync does not keep a thread's event loop alive: a timer does.
          const alive = setTimeout(() => {}, 2000);
          await w.value;
          clearTimeout(alive);
        }
      }
      if (failed()) throw new ReduceFailedError('another training worker failed');
      const sum = Float32Array.from(set[0]!);
      for (let r = 1; r < size; r++) {
        const s = set[r]!;
        for (let k = 0; k < length; k++) sum[k]! += s[k]!;
      }
      return sum;
    },
    fail() {
      Atomics.store(control, FAILED, 1);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
    },
  };
}
