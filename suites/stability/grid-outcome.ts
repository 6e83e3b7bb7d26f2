/**
 * Turns a stability grid into a check outcome: failed when any cell is `nan` or `inf` or the
 * layer threw on a class; each failing cell one detail line, each honest overflow one warning.
 */
import type { CheckOutcome } from '../../harness/check.ts';
import type { StabilityGridEvidence } from '../../harness/evidence/index.ts';
import { cellFails, type HonestReason, type StabilityCell, type StabilityColumn } from './grid.ts';
import type { ClassRun } from './run-input-classes.ts';
import { HONEST_MARGIN } from './exact-magnitude.ts';
import { formatNumber } from '../../harness/format-number.ts';

interface Failure {
  row: string;
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
    if (row.error) failures.push({ row: row.inputClass, error: row.error });
    for (const col of grid.columns) {
      const cell = row.cells[col.key];
      if (!cell) continue;
      if (cellFails(cell)) failures.push({ row: row.inputClass, col, cell });
      else if (cell.state === 'warning' && cell.finding)
        warnings.push(
          `${row.inputClass}: ${seenAt(col, cell)}${estimated(cell)}: at an extreme input (1e10 and up, or the mixed tensor holding them) a finding is a warning; --strict makes it fail`,
        );
      else if (cell.state === 'warning') warnings.push(`${row.inputClass}: ${seenAt(col, cell)}: ${honestText(cell)}`);
    }
  }
  return { failures, warnings };
}

export function gridOutcome(
  run: ClassRun,
  what: string,
  extra: Omit<StabilityGridEvidence, 'kind' | 'grid'> = {},
): CheckOutcome {
  const { grid } = run;
  const { failures, warnings } = findings(run);
  const failingClasses = [...new Set(failures.map((f) => f.row))];
  const base = {
    warnings: warnings.length ? warnings : undefined,
    evidence: { kind: 'stabilityGrid', grid, ...extra } satisfies StabilityGridEvidence,
  };
  if (failures.length === 0) {
    return {
      status: 'passed',
      message:
        `${what} finite for all ${grid.rows.length} input classes on ${grid.backend}` +
        (warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''),
      ...base,
    };
  }
  const f = failures[0]!;
  const sameError = f.error !== undefined && failures.every((x) => x.error === f.error);
  const seen = f.error ? `the layer threw "${f.error}"` : `saw ${seenAt(f.col!, f.cell!)}`;
  if (sameError && failingClasses.length > 1)
    return {
      status: 'failed',
      message: `expected ${what} finite for every input class; the layer threw "${f.error}" for ${failingClasses.length === grid.rows.length ? 'all' : `${failingClasses.length} of`} ${grid.rows.length} input classes on ${grid.backend}`,
      details: [`input classes: ${failingClasses.join(', ')}`],
      where: { inputClass: f.row },
      ...base,
    };
  const list = failingClasses.length > 6 ? `${failingClasses.slice(0, 6).join(', ')}, ...` : failingClasses.join(', ');
  return {
    status: 'failed',
    message: `expected ${what} finite for every input class; ${seen} for input class ${f.row} on ${grid.backend} (${failingClasses.length} of ${grid.rows.length} classes fail: ${list})`,
    details: [
      // One line per distinct error (a layer that throws the same way for every class: one line, not 33).
      ...[...groupErrors(failures)].map(([error, rows]) =>
        rows.length === 1
          ? `${rows[0]}: threw ${error}`
          : `threw ${error} for ${rows.length} input classes: ${rows.join(', ')}`,
      ),
      ...failures
        .filter((x) => !x.error)
        .map(
          (x) =>
            `${x.row}: ${seenAt(x.col!, x.cell!)}${estimated(x.cell!)}, ${x.cell!.nonFinite} of ${x.cell!.size} elements not finite`,
        ),
    ],
    where: {
      inputClass: f.row,
      ...(f.col ? { parameter: f.col.key } : {}),
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
