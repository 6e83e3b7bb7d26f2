/**
 * A check's evidence as pictures where a view knows its shape (gradients, stability grid,
 * training), and everything else as a key/value table. Unknown or malformed evidence never
 * throws: a view that cannot read its data falls back to the table.
 */
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

type ViewMaker = (evidence: Record<string, unknown>, check: CheckResult) => View | null;

const VIEWS: ViewMaker[] = [(e) => renderGradientEvidence(e), stabilityView, (e) => renderTrainingEvidence(e)];

export interface EvidenceOptions {
  /** Evidence keys drawn elsewhere on the page (the stability grid, merged at the top of its suite). */
  drawnElsewhere?: { keys: string[]; note: string };
}

export function renderEvidence(check: CheckResult, o: EvidenceOptions = {}): string {
  const evidence = check.evidence;
  if (!isRecord(evidence)) return `<h4>Evidence</h4>${renderEvidenceTable(evidence)}`;
  const shown: string[] = [];
  const used = new Set<string>();
  const elsewhere = o.drawnElsewhere?.keys.filter((k) => k in evidence) ?? [];
  if (elsewhere.length) {
    shown.push(`<p class="muted">${o.drawnElsewhere!.note}</p>`);
    elsewhere.forEach((k) => used.add(k));
  }
  const rest0 = Object.fromEntries(Object.entries(evidence).filter(([k]) => !used.has(k)));
  for (const make of VIEWS) {
    let view: View | null = null;
    try {
      view = make(rest0, check);
    } catch {
      view = null;
    }
    if (!view) continue;
    shown.push(view.html);
    view.keys.forEach((k) => used.add(k));
  }
  const rest = Object.fromEntries(Object.entries(evidence).filter(([k]) => !used.has(k)));
  const table = Object.keys(rest).length ? `<h4>Evidence</h4>${renderEvidenceTable(rest)}` : '';
  return shown.join('\n') + table;
}

function stabilityView(e: Record<string, unknown>): View | null {
  if (!('grid' in e)) return null;
  const html = renderStabilityGridSection(e['grid']);
  return html ? { keys: ['grid'], html } : null;
}

/** A stability grid with its heading; null when the grid cannot be read. */
export function renderStabilityGridSection(grid: unknown, heading = 'Stability grid'): string | null {
  const html = renderStabilityGrid(grid);
  if (!html) return null;
  const backend = isRecord(grid) && typeof grid['backend'] === 'string' ? ` on ${grid['backend']}` : '';
  return `<h4>${escapeHtml(`${heading}${backend}: input class by output and gradients`)}</h4><p class="muted">finite: every element finite; NaN or Infinity: some element is (a failure); warning: Infinity only from inputs at the float32 maximum (honest overflow). Hover a cell for its first non-finite element.</p>${html}`;
}
