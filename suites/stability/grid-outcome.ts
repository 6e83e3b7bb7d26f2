/**
 * Turns a stability grid into a check outcome: failed when any cell is `nan` or `inf` or the
 * layer threw on a class; each failing cell one detail line, each honest overflow one warning.
 */
import type { CheckOutcome } from '../../harness/check.ts';
import type { StabilityGridEvidence } from '../../harness/evidence/index.ts';
import type { FailureLocation } from '../../harness/result.ts';
import { cellFails, stabilityRowKey, type HonestReason, type StabilityCell, type StabilityColumn } from './grid.ts';
import type { ClassRun } from './run-input-classes.ts';
import { HONEST_MARGIN } from './exact-magnitude.ts';
import { formatNumber } from '../../harness/format-number.ts';

interface Failure {
  /** The row's name: its input class, and (several inputs) which input got it: `zero+0 (input 2)`. */
  row: string;
  inputClass: string;
  /** Several inputs: the input that got the class (`input 2`, `all inputs`). */
  input?: string;
  col?: StabilityColumn;
  cell?: StabilityCell;
  error?: string;
}

/** Every failing cell or class that threw, and the warnings (honest Infinity, findings at extreme inputs). */
function findings(run: ClassRun): { failures: Failure[]; warnings: string[] } {
  const { grid } = run;
  const failures: Failure[] = [];
  const warnings = [...run.notes];
  for (const row of grid.rows) {
    const name = stabilityRowKey(row);
    const at = { row: name, inputClass: row.inputClass, ...(row.input !== undefined ? { input: row.input } : {}) };
    if (row.error) failures.push({ ...at, error: row.error });
    for (const col of grid.columns) {
      const cell = row.cells[col.key];
      if (!cell) continue;
      if (cellFails(cell)) failures.push({ ...at, col, cell });
      else if (cell.state === 'warning' && cell.finding)
        warnings.push(
          `${name}: ${seenAt(col, cell)}${estimated(cell)}: at an extreme input (1e10 and up, or the mixed tensor holding them) a finding is a warning; --strict makes it fail`,
        );
      else if (cell.state === 'warning') warnings.push(`${name}: ${seenAt(col, cell)}: ${honestText(cell)}`);
    }
  }
  return { failures, warnings };
}

/**
 * `columnWhere`: more of the failure's location from its column (several outputs: which output
 * went non-finite).
 */
export function gridOutcome(
  run: ClassRun,
  what: string,
  extra: Omit<StabilityGridEvidence, 'kind' | 'grid'> = {},
  columnWhere?: (col: StabilityColumn) => FailureLocation,
): CheckOutcome {
  const { grid } = run;
  const { failures, warnings } = findings(run);
  const failingClasses = [...new Set(failures.map((f) => f.row))];
  // A layer with several inputs has a row per input class and input that gets it.
  const targets = new Set(grid.rows.map((r) => r.input)).size;
  const classCount = grid.rows.length / targets;
  const allRows =
    targets > 1
      ? `all ${classCount} input classes, given to each of the ${targets - 1} inputs and to all together (${grid.rows.length} runs)`
      : `all ${grid.rows.length} input classes`;
  const rowsWord = targets > 1 ? 'runs' : 'input classes';
  const base = {
    warnings: warnings.length ? warnings : undefined,
    evidence: { kind: 'stabilityGrid', grid, ...extra } satisfies StabilityGridEvidence,
  };
  if (failures.length === 0) {
    return {
      status: 'passed',
      message:
        `${what} finite for ${allRows} on ${grid.backend}` +
        (warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''),
      ...base,
    };
  }
  const f = failures[0]!;
  const sameError = f.error !== undefined && failures.every((x) => x.error === f.error);
  const seen = f.error ? `the layer threw "${f.error}"` : `saw ${seenAt(f.col!, f.cell!)}`;
  const given = f.input !== undefined ? ` given to ${f.input}` : '';
  const location = { inputClass: f.inputClass, ...(f.input !== undefined ? { input: f.input } : {}) };
  if (sameError && failingClasses.length > 1)
    return {
      status: 'failed',
      message: `expected ${what} finite for every input class; the layer threw "${f.error}" for ${failingClasses.length === grid.rows.length ? 'all' : `${failingClasses.length} of`} ${grid.rows.length} ${rowsWord} on ${grid.backend}`,
      details: [`${rowsWord}: ${failingClasses.join(', ')}`],
      where: location,
      ...base,
    };
  const list = failingClasses.length > 6 ? `${failingClasses.slice(0, 6).join(', ')}, ...` : failingClasses.join(', ');
  return {
    status: 'failed',
    message: `expected ${what} finite for every input class; ${seen} for input class ${f.inputClass}${given} on ${grid.backend} (${failingClasses.length} of ${grid.rows.length} ${targets > 1 ? 'runs' : 'classes'} fail: ${list})`,
    details: [
      // One line per distinct error (a layer that throws the same way for every class: one line, not 33).
      ...[...groupErrors(failures)].map(([error, rows]) =>
        rows.length === 1
          ? `${rows[0]}: threw ${error}`
          : `threw ${error} for ${rows.length} ${rowsWord}: ${rows.join(', ')}`,
      ),
      ...failures
        .filter((x) => !x.error)
        .map(
          (x) =>
            `${x.row}: ${seenAt(x.col!, x.cell!)}${estimated(x.cell!)}, ${x.cell!.nonFinite} of ${x.cell!.size} elements not finite`,
        ),
    ],
    where: {
      ...location,
      ...(f.col ? { parameter: f.col.key } : {}),
      ...(f.col && columnWhere ? columnWhere(f.col) : {}),
      ...(f.cell?.first ? { index: f.cell.first.index, position: f.cell.first.position } : {}),
    },
    ...base,
  };
}

/** `; its exact value is about 100 (estimated ...)` for an Infinity judged by magnitude and found representable. */
function estimated(cell: StabilityCell): string {
  if (cell.estimate === undefined || cell.first?.seen === 'NaN') return '';
  return `; its exact value is about ${formatNumber(cell.estimate, 2)} (estimated from smaller inputs along the same direction), within float32: an intermediate overflowed`;
}

function honestText(cell: StabilityCell): string {
  if (cell.honest === 'magnitude' && cell.estimate !== undefined)
    return `honest overflow: the exact value is about ${formatNumber(cell.estimate, 2)} (estimated from smaller inputs along the same direction), past the float32 maximum 3.4e38`;
  return HONEST[cell.honest ?? 'float32Max'];
}

const HONEST: Record<HonestReason, string> = {
  magnitude: `honest overflow: the exact value, estimated from smaller inputs along the same direction, is past the float32 maximum (within a factor ${HONEST_MARGIN})`,
  float32Max: 'honest overflow: finite once the inputs at the float32 maximum are set to 0',
  sqrtFloat32Max:
    'honest overflow: finite once the inputs past 1.8e19 (whose squares and products pass the float32 maximum) are set to 0',
  sumBound: 'honest overflow: max|X| * sum|dLdZ| passes the float32 maximum',
};

/** `NaN in dLdalpha at element 2 [2]` / `Infinity in output at element 0 [0,0,0,0] (input 88.73)`. */
function seenAt(col: StabilityColumn, cell: StabilityCell): string {
  const e = cell.first;
  if (!e) return `non-finite ${col.label}`;
  return `${e.seen} in ${col.label} at element ${e.index} [${e.position.join(',')}]${e.input !== undefined ? ` (input ${e.input})` : ''}`;
}

/** Input classes by the error the layer threw for them, in order. */
function groupErrors(failures: readonly { row: string; error?: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of failures) if (f.error !== undefined) out.set(f.error, [...(out.get(f.error) ?? []), f.row]);
  return out;
}
