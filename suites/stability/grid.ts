/**
 * The stability grid (its shape: harness/evidence/stability.ts): `mergeStabilityGrids` joins the
 * grids of `predictIsFiniteForLargeInputs` and `gradientsAreFiniteForLargeInputs`.
 */
import type { StabilityCell } from '../../harness/evidence/index.ts';

export { mergeStabilityGrids, stabilityRowKey } from '../../harness/evidence/index.ts';

export type {
  HonestReason,
  OffendingElement,
  StabilityCell,
  StabilityCellState,
  StabilityColumn,
  StabilityGrid,
  StabilityRow,
} from '../../harness/evidence/index.ts';

/** Whether a cell fails the check. */
export function cellFails(c: StabilityCell): boolean {
  return c.state === 'nan' || c.state === 'inf';
}
