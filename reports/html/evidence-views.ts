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

export function renderEvidence(check: CheckResult): string {
  const evidence = check.evidence;
  if (!isRecord(evidence)) return `<h4>Evidence</h4>${renderEvidenceTable(evidence)}`;
  const shown: string[] = [];
  const used = new Set<string>();
  for (const make of VIEWS) {
    let view: View | null = null;
    try {
      view = make(evidence, check);
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
  const html = renderStabilityGrid(e['grid']);
  if (!html) return null;
  const backend = isRecord(e['grid']) && typeof e['grid']['backend'] === 'string' ? ` on ${e['grid']['backend']}` : '';
  return { keys: ['grid'], html: `<h4>${escapeHtml(`Stability grid${backend}: input class by output and gradients (hover a cell for its first non-finite element)`)}</h4>${html}` };
}
