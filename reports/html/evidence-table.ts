/**
 * Generic evidence as a readable key/value table: what any check's evidence looks like when no
 * special view knows it. Nested objects become nested tables; long arrays are summarised.
 */
import { escapeHtml } from './escape.ts';
import { formatValue, isRecord } from './format.ts';

export function renderEvidenceTable(evidence: unknown, depth = 0): string {
  if (!isRecord(evidence)) return `<code>${escapeHtml(formatValue(evidence))}</code>`;
  const keys = Object.keys(evidence);
  if (keys.length === 0) return '';
  const rows = keys.map((k) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${renderValue(evidence[k], depth)}</td></tr>`);
  return `<table class="kv">${rows.join('')}</table>`;
}

function renderValue(v: unknown, depth: number): string {
  if (isRecord(v) && depth < 2 && Object.keys(v).length <= 20) return renderEvidenceTable(v, depth + 1);
  if (Array.isArray(v) && v.length > 0 && v.length <= 12 && depth < 2 && v.every(isRecord)) {
    return v.map((item) => renderEvidenceTable(item, depth + 1)).join('');
  }
  if (Array.isArray(v) && v.length > 16 && v.every((x) => typeof x === 'number' || x === null)) {
    return `<code>${escapeHtml(formatValue(v.slice(0, 16), 400))}</code> <span class="muted">(${v.length} values)</span>`;
  }
  return `<code>${escapeHtml(formatValue(v))}</code>`;
}
