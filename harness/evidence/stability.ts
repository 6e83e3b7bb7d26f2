/**
 * The stability grid: input class (several inputs: x the input that gets it) x {output, dLdX, one
 * column per learnable; several outputs or inputs: one column each}, as the stability
 * checks put it in their evidence and the HTML report draws it. Plain JSON-able data; no
 * TensorFlow.js here. Numbers that JSON cannot hold (NaN, Infinity, -0) are strings.
 *
 * `predictIsFiniteForLargeInputs` fills the `output` column, `gradientsAreFiniteForLargeInputs`
 * the `input` column (dLdX) and one per learnable; `mergeStabilityGrids` joins the two.
 */

/** The families of input classes (suites/stability/input-classes.ts). */
export type InputFamily = 'moderate' | 'expOverflow' | 'large' | 'zero' | 'subnormal' | 'tinyNormal' | 'kink' | 'mixed';

/**
 * finite: every element finite. nan: some element is NaN that is not honest overflow (a
 * failure). inf: some element is ±Infinity that is not honest overflow (a failure). warning: every
 * non-finite element is honest overflow (see HonestReason; reported, not failed).
 */
export type StabilityCellState = 'finite' | 'nan' | 'inf' | 'warning';

/**
 * Why a non-finite value counts as honest overflow (judge-cell.ts): `magnitude`, its exact value,
 * estimated from the layer's own values at smaller inputs along the same direction
 * (exact-magnitude.ts), is past the float32 maximum (within a stated margin); `sqrtFloat32Max`
 * (class `mixed`), it goes away when the inputs past sqrt(float32 max) = 1.8e19, whose squares and
 * products pass the float32 maximum, are set to 0; `sumBound`, a learnable's derivative whose
 * bound max|X| * sum|dLdZ| passes the float32 maximum. (`float32Max`: reports of schema 2, where
 * an Infinity that went away with the ±3.4e38 inputs set to 0 was honest.)
 */
export type HonestReason = 'magnitude' | 'float32Max' | 'sqrtFloat32Max' | 'sumBound';

export interface OffendingElement {
  /** Flat index into the tensor (the output, dLdX or the learnable's derivative). */
  index: number;
  /** The same index, per axis. */
  position: number[];
  /** The input element at that index, when there is one (`-0`, `88.73`, `3.4e+38`). */
  input?: string;
  /** What was seen there. */
  seen: 'NaN' | 'Infinity' | '-Infinity';
}

export interface StabilityCell {
  state: StabilityCellState;
  /** Elements of the tensor. */
  size: number;
  /** Elements that are NaN or ±Infinity, honest or not. */
  nonFinite: number;
  /** The first element (in flat order) that decided the state; absent when finite. */
  first?: OffendingElement;
  /** For a `warning`: why its non-finite values are honest overflow. */
  honest?: HonestReason;
  /**
   * The estimated exact magnitude at the `first` element, where it is ±Infinity and was estimated
   * (exact-magnitude.ts): past the float32 maximum for honest overflow, below it for a defect.
   */
  estimate?: number;
  /**
   * Set when an extreme input class (1e10 and up, `mixed`) would fail (`nan` or `inf`): the cell is
   * then a `warning`, unless the strict stability option asks for failures.
   */
  finding?: 'nan' | 'inf';
}

/**
 * A column: `output`, `input` (dLdX) or a learnable's name, as in `FailureLocation.parameter`;
 * several outputs: `output 1`, `output 2`; several inputs: `input 1` (dLdX1), `input 2` (dLdX2).
 */
export interface StabilityColumn {
  key: string;
  /** `output`, `dLdX`, `dLdalpha`; `output 2`, `dLdX2`. */
  label: string;
}

export interface StabilityRow {
  /** `expOverflow+88.73`, `zero-0`, `mixed`. */
  inputClass: string;
  /**
   * A layer with several inputs: which input got the class (`input 2`, the others holding ordinary
   * values: seeded standard normal), or `all inputs`. Absent for a one-input layer.
   */
  input?: string;
  family: InputFamily;
  /** The values the input holds (one, or all of them for `mixed`). */
  values: string[];
  /** Shape of the input tensor (several inputs: of the input that got the class, the first of them for `all inputs`). */
  inputShape: number[];
  /** Set when the layer threw on this class; the cells are then absent. */
  error?: string;
  /**
   * `reachable`: inputs a network can reach (up to 1e4 in magnitude, zeros, subnormals, kinks, and
   * a mixed tensor of those): NaN and dishonest Infinity fail. `extreme` (1e10 and up, and the
   * mixed tensor holding them): the same findings are warnings unless the strict option is set.
   */
  severity: 'reachable' | 'extreme';
  /** One cell per column key. */
  cells: Record<string, StabilityCell>;
}

export interface StabilityGrid {
  /** The backend the values were computed on. */
  backend: string;
  columns: StabilityColumn[];
  rows: StabilityRow[];
}

/** `predictIsFiniteForLargeInputs`, `gradientsAreFiniteForLargeInputs`. */
export interface StabilityGridEvidence {
  kind: 'stabilityGrid';
  grid: StabilityGrid;
  /** gradients: how dLdZ was drawn. */
  upstreamGradient?: string;
}

/** How a row is told apart from the others: its input class, and the input that got it when there are several. */
export function stabilityRowKey(row: Pick<StabilityRow, 'inputClass' | 'input'>): string {
  return row.input === undefined ? row.inputClass : `${row.inputClass} (${row.input})`;
}

/** Joins grids of the same run (rows matched by input class and input; columns appended in order). */
export function mergeStabilityGrids(a: StabilityGrid, b: StabilityGrid): StabilityGrid {
  const columns = [...a.columns, ...b.columns.filter((c) => !a.columns.some((x) => x.key === c.key))];
  const key = stabilityRowKey;
  const ids = [...a.rows.map(key), ...b.rows.map(key).filter((id) => !a.rows.some((r) => key(r) === id))];
  const rows = ids.map((id) => {
    const ra = a.rows.find((r) => key(r) === id);
    const rb = b.rows.find((r) => key(r) === id);
    const base = (ra ?? rb)!;
    const error = [ra?.error, rb?.error].filter(Boolean).join('; ');
    return { ...base, ...(error ? { error } : {}), cells: { ...(ra?.cells ?? {}), ...(rb?.cells ?? {}) } };
  });
  return { backend: a.backend, columns, rows };
}
