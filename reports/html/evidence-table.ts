/**
 * Generic evidence as a readable key/value table: what any check's evidence looks like when no
 * special view knows it. Nested objects become nested tables, lists of flat records become
 * tables with a column per key, long arrays are summarised.
 */
import { escapeHtml } from './escape.ts';
import { formatValue, isRecord } from './format.ts';

export function renderEvidenceTable(evidence: unknown, depth = 0): string {
  if (!isRecord(evidence)) return `<code>${escapeHtml(formatValue(evidence))}</code>`;
  const keys = Object.keys(evidence);
  if (keys.length === 0) return '';
  // At the top, lists of records get their own full-width, scrollable table under the others.
  const lists = depth === 0 ? keys.filter((k) => isRecordList(evidence[k])) : [];
  const rows = keys
    .filter((k) => !lists.includes(k))
    .map((k) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${renderValue(evidence[k], depth)}</td></tr>`);
  const table = rows.length ? `<table class="kv">${rows.join('')}</table>` : '';
  return (
    table +
    lists
      .map(
        (k) =>
          `<h5>${escapeHtml(k)}</h5><div class="scroll">${renderRecordList(evidence[k] as Record<string, unknown>[])}</div>`,
      )
      .join('')
  );
}

function isRecordList(v: unknown): boolean {
  return (
    Array.isArray(v) && v.length > 0 && v.length <= 200 && v.every((r) => isRecord(r) && Object.values(r).every(isFlat))
  );
}

function renderValue(v: unknown, depth: number): string {
  if (isRecord(v) && depth < 2 && Object.keys(v).length <= 20) return renderEvidenceTable(v, depth + 1);
  if (isRecordList(v)) return `<div class="scroll">${renderRecordList(v as Record<string, unknown>[])}</div>`;
  if (Array.isArray(v) && v.length > 0 && v.length <= 12 && depth < 2 && v.every(isRecord)) {
    return v.map((item) => renderEvidenceTable(item, depth + 1)).join('');
  }
  if (Array.isArray(v) && v.length > 16 && v.every((x) => typeof x === 'number' || x === null)) {
    return `<code>${escapeHtml(formatValue(v.slice(0, 16), 400))}</code> <span class="muted">(${v.length} values)</span>`;
  }
  return `<code>${escapeHtml(formatValue(v))}</code>`;
}

/** A number, string, boolean, null or a short array of those: fits in one table cell. */
function isFlat(v: unknown): boolean {
  if (v === null || ['number', 'string', 'boolean', 'undefined'].includes(typeof v)) return true;
  return Array.isArray(v) && v.length <= 8 && v.every((x) => x === null || typeof x !== 'object');
}

/** Records that share keys, as one table: a row per record, a column per key (in first-seen order). */
function renderRecordList(rows: Record<string, unknown>[]): string {
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const head = `<tr>${keys.map((k) => `<th scope="col">${escapeHtml(k)}</th>`).join('')}</tr>`;
  const body = rows.map(
    (r) => `<tr>${keys.map((k) => `<td>${k in r ? escapeHtml(formatValue(r[k], 120)) : ''}</td>`).join('')}</tr>`,
  );
  return `<table class="kv records"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}
