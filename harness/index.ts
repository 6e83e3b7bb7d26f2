/** The check-layer package: what a layer file or a user's own code imports from 'check-layer'. */
export { CustomLayer, ContractError, seedInitializers } from './custom-layer.ts';
export type {
  BackwardResult,
  MultiBackwardResult,
  ForwardResult,
  InitialValue,
  CustomLayerArgs,
} from './custom-layer.ts';
export { tf } from './tf.ts';
