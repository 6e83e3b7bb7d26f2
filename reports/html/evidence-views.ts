/**
 * A check's evidence as pictures where its kind has a view (gradients, stability grid,
 * training), and everything else as a key/value table. The view is chosen by `kind`, never by
 * the evidence's shape. Malformed evidence (a JSON report written by hand, an older version)
 * never throws: a view that cannot read its data falls back to the table.
 */
import type { Evidence, StabilityGrid } from '../../harness/evidence/index.ts';
import { evidenceFields } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { renderEvidenceTable } from './evidence-table.ts';
import { renderGradientEvidence } from './gradient-view.ts';
import { escapeHtml } from './escape.ts';
import { isRecord } from './format.ts';
import { renderStabilityGrid } from './stability-grid.ts';
import { renderTrainingEvidence } from './training-view.ts';

interface View {
  /** The evidence keys it draws (left out of the generic table). */
  keys: string[];
  html: string;
}

export interface EvidenceOptions {
  /** Evidence keys drawn elsewhere on the page (the stability grid, merged at the top of its suite). */
  drawnElsewhere?: { keys: string[]; note: string };
}

export function renderEvidence(check: CheckResult, o: EvidenceOptions = {}): string {
  const evidence = check.evidence;
  if (!isRecord(evidence)) return `<h4>Evidence</h4>${renderEvidenceTable(evidence)}`;
  const fields = evidenceFields(evidence);
  const shown: string[] = [];
  const used = new Set<string>();
  const elsewhere = o.drawnElsewhere?.keys.filter((k) => k in fields) ?? [];
  if (o.drawnElsewhere && elsewhere.length) {
    shown.push(`<p class="muted">${o.drawnElsewhere.note}</p>`);
    elsewhere.forEach((k) => used.add(k));
  }
  const view = safely(() => viewOf(evidence, used));
  if (view) {
    shown.push(view.html);
    view.keys.forEach((k) => used.add(k));
  }
  const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => !used.has(k)));
  const table = Object.keys(rest).length ? `<h4>Evidence</h4>${renderEvidenceTable(rest)}` : '';
  return shown.join('\n') + table;
}

/** The picture for this kind of evidence, if it has one (null: the table shows it all). */
function viewOf(e: Evidence, drawnElsewhere: ReadonlySet<string>): View | null {
  switch (e.kind) {
    case 'gradientCheck':
      return renderGradientEvidence(e);
    case 'stabilityGrid':
      return drawnElsewhere.has('grid') ? null : stabilityView(e.grid);
    case 'training':
      return renderTrainingEvidence(e);
    default:
      return null;
  }
}

function safely(make: () => View | null): View | null {
  try {
    return make();
  } catch {
    return null;
  }
}

function stabilityView(grid: StabilityGrid): View | null {
  const html = renderStabilityGridSection(grid);
  return html ? { keys: ['grid'], html } : null;
}

/** A stability grid with its heading; null when the grid cannot be read. */
export function renderStabilityGridSection(grid: StabilityGrid, heading = 'Stability grid'): string | null {
  const html = renderStabilityGrid(grid);
  if (!html) return null;
  const backend = typeof grid.backend === 'string' ? ` on ${grid.backend}` : '';
  return `<h4>${escapeHtml(`${heading}${backend}: input class by output and gradients`)}</h4><p class="muted">finite: every element finite; NaN or Infinity: some element is (a failure); warning: Infinity only from inputs at the float32 maximum (honest overflow). Hover a cell for its first non-finite element.</p>${html}`;
}
