/**
 * Every learnable of the seed network, its velocity and batch norm's running statistics, packed
 * into one flat float32 tensor on the device, so that one program updates them all:
 *
 *   [0, P)            the parameters, in `SeedNetwork.learnables()` order (conv weights as [25, 20])
 *   [P, 2P)           their velocities, same order
 *   [2P, 2P + 20)     batch norm's running mean, then [2P + 20, 2P + 40) its running variance
 *
 * The layer under test's own variables stay what its own ops read: after each update they are
 * assigned their slices of the new state (one slice per learnable). The network's other variables
 * get their values back when training ends (`unpack`).
 */
import { tf, type Tensor } from '../../../harness/tf.ts';
import type { Learnable, SeedNetwork } from '../seed-network.ts';
import type { PackedOffsets } from './programs.ts';

export interface PackedSegment {
  learnable: Learnable;
  offset: number;
  size: number;
}

export interface PackedLayout {
  offsets: PackedOffsets;
  segments: PackedSegment[];
  /** The layer under test's learnables, in order. */
  layerSegments: PackedSegment[];
  /** Length of the state tensor: 2P + 40. */
  length: number;
}

const FIXED = ['conv.weights', 'conv.bias', 'bn.scale', 'bn.offset'];

export function packedLayout(net: SeedNetwork): PackedLayout {
  const learnables = net.learnables();
  const segments: PackedSegment[] = [];
  let offset = 0;
  for (const l of learnables) {
    segments.push({ learnable: l, offset, size: l.variable.size });
    offset += l.variable.size;
  }
  const at = (name: string) => {
    const s = segments.find((x) => x.learnable.name === name);
    if (!s) throw new Error(`packedLayout: the seed network has no learnable ${name}`);
    return s.offset;
  };
  const names = learnables.map((l) => l.name);
  const last = names.slice(-2);
  if (FIXED.some((n, i) => names[i] !== n) || last[0] !== 'fc.weights' || last[1] !== 'fc.bias')
    throw new Error(`packedLayout: unexpected learnable order ${names.join(', ')}`);
  const layerSegments = segments.slice(FIXED.length, -2);
  return {
    offsets: {
      P: offset,
      convWeights: at('conv.weights'),
      convBias: at('conv.bias'),
      bnScale: at('bn.scale'),
      bnOffset: at('bn.offset'),
      fcWeights: at('fc.weights'),
      fcBias: at('fc.bias'),
      layer: layerSegments.map((s) => ({ offset: s.offset, size: s.size })),
    },
    segments,
    layerSegments,
    length: 2 * offset + 2 * net.bnMean.size,
  };
}

/** The state tensor for the network's current values, velocities zero. */
export function pack(net: SeedNetwork, layout: PackedLayout): Tensor {
  return tf.tidy(() =>
    tf.concat([
      ...layout.segments.map((s) => tf.reshape(s.learnable.variable, [s.size])),
      tf.zeros([layout.offsets.P]),
      tf.reshape(net.bnMean, [-1]),
      tf.reshape(net.bnVariance, [-1]),
    ]),
  );
}

/** A slice of the state, in the shape of `like`. */
function part(state: Tensor, offset: number, like: Tensor): Tensor {
  return tf.reshape(tf.slice(state, [offset], [like.size]), like.shape);
}

/** Assigns the layer under test's learnables their values in `state` (one slice each). */
export function assignLayerLearnables(state: Tensor, layout: PackedLayout): void {
  tf.tidy(() => {
    for (const s of layout.layerSegments) s.learnable.variable.assign(part(state, s.offset, s.learnable.variable));
  });
}

/** Writes every parameter and the running statistics back into the network's variables. */
export function unpack(state: Tensor, net: SeedNetwork, layout: PackedLayout): void {
  tf.tidy(() => {
    for (const s of layout.segments) s.learnable.variable.assign(part(state, s.offset, s.learnable.variable));
    const P = layout.offsets.P;
    net.bnMean.assign(part(state, 2 * P, net.bnMean));
    net.bnVariance.assign(part(state, 2 * P + net.bnMean.size, net.bnVariance));
  });
}
