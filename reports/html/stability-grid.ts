/**
 * The stability grid as a table: input classes down, output and gradients across, each cell
 * finite, NaN, Infinity or a warning, marked in words and colour (not colour alone).
 *
 * The stability suite's shape (suites/stability/grid.ts):
 *   { backend, columns: [{ key, label }], rows: [{ inputClass, input?, values, error?, cells: { <key>: { state, size, nonFinite, first? } } }] }
 *   (`input`: a layer with several inputs, the one that got the class, or `all inputs`)
 * and, defensively, simpler ones (anything else returns null):
 *   { rows: string[], columns: string[], cells: Cell[][] }
 *   [{ inputClass: string, <column>: Cell, ... }, ...]
 *   { <inputClass>: { <column>: Cell } }
 * where a Cell is a state string or { state, detail? } (also `status`, `note`, `message`).
 */
import { asText } from '../../harness/as-text.ts';
import { escapeHtml } from './escape.ts';
import { mergeStabilityGrids, stabilityRowKey, type StabilityGrid } from '../../harness/evidence/index.ts';
import { isRecord } from './format.ts';

export type CellState = 'finite' | 'nan' | 'inf' | 'warning' | 'unknown';

interface Cell {
  state: CellState;
  label: string;
  detail?: string;
}

interface Grid {
  rows: string[];
  /** Per row: the layer threw on this input class. */
  errors?: (string | undefined)[];
  columns: string[];
  cells: (Cell | null)[][];
}

const ROW_KEYS = ['inputClass', 'class', 'input', 'name', 'row'];

export function normalizeState(v: unknown): Cell | null {
  if (v === undefined || v === null) return null;
  if (isRecord(v)) {
    const s = v['state'] ?? v['status'] ?? v['result'];
    const detail = v['detail'] ?? v['note'] ?? v['message'] ?? v['details'];
    const cell = normalizeState(typeof s === 'string' ? s : asText(s ?? 'unknown'));
    if (!cell) return null;
    const counted = cellCounts(v);
    if (counted) return { ...cell, detail: counted };
    return detail !== undefined
      ? { ...cell, detail: Array.isArray(detail) ? detail.join('; ') : asText(detail) }
      : cell;
  }
  const raw = asText(v);
  const s = raw.toLowerCase();
  if (s === 'finite' || s === 'ok' || s === 'passed' || s === 'pass') return { state: 'finite', label: 'finite' };
  if (s === 'nan') return { state: 'nan', label: 'NaN' };
  if (
    s === 'inf' ||
    s === 'infinity' ||
    s === '+inf' ||
    s === '-inf' ||
    s === '+infinity' ||
    s === '-infinity' ||
    s === '±inf'
  )
    return { state: 'inf', label: raw.startsWith('-') ? '−Infinity' : 'Infinity' };
  if (s === 'warning' || s === 'warn') return { state: 'warning', label: 'warning' };
  if (s === 'skipped' || s === 'n/a' || s === 'none') return { state: 'unknown', label: raw };
  return { state: 'unknown', label: raw };
}

/** `2 of 96 non-finite; first: NaN at [0, 1, 2] (input 88.73)` from the stability suite's cell. */
function cellCounts(v: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  if (typeof v['nonFinite'] === 'number' && typeof v['size'] === 'number' && v['nonFinite'] > 0)
    parts.push(`${v['nonFinite']} of ${v['size']} elements not finite`);
  const first = v['first'];
  if (isRecord(first)) {
    const at = Array.isArray(first['position'])
      ? `[${(first['position'] as unknown[]).join(', ')}]`
      : `element ${asText(first['index'] ?? '?')}`;
    parts.push(
      `first: ${asText(first['seen'] ?? 'non-finite')} at ${at}${first['input'] !== undefined ? ` (input ${asText(first['input'])})` : ''}`,
    );
  }
  return parts.length ? parts.join('; ') : undefined;
}

export function parseGrid(v: unknown): Grid | null {
  // The stability suite's own shape.
  if (
    isRecord(v) &&
    Array.isArray(v['columns']) &&
    Array.isArray(v['rows']) &&
    (v['rows'] as unknown[]).every((r) => isRecord(r) && isRecord(r['cells']))
  ) {
    const cols = (v['columns'] as unknown[]).map((c) =>
      isRecord(c)
        ? { key: asText(c['key'] ?? c['label']), label: asText(c['label'] ?? c['key']) }
        : { key: asText(c), label: asText(c) },
    );
    const rows = v['rows'] as Record<string, unknown>[];
    return {
      // A layer with several inputs has a row per input class and input: `expOverflow+89 (input 2)`.
      rows: rows.map((r, i) => {
        const cls = asText(r['inputClass'] ?? r['name'] ?? `row ${i + 1}`);
        return typeof r['input'] === 'string' ? stabilityRowKey({ inputClass: cls, input: r['input'] }) : cls;
      }),
      errors: rows.map((r) => (r['error'] ? asText(r['error']) : undefined)),
      columns: cols.map((c) => c.label),
      cells: rows.map((r) => cols.map((c) => normalizeState((r['cells'] as Record<string, unknown>)[c.key]))),
    };
  }
  if (isRecord(v) && Array.isArray(v['rows']) && Array.isArray(v['columns']) && Array.isArray(v['cells'])) {
    const rows = (v['rows'] as unknown[]).map(String);
    const columns = (v['columns'] as unknown[]).map(String);
    const cells = rows.map((_, i) =>
      columns.map((_c, j) => normalizeState(((v['cells'] as unknown[])[i] as unknown[] | undefined)?.[j])),
    );
    return { rows, columns, cells };
  }
  let entries: [string, Record<string, unknown>][] | null = null;
  if (Array.isArray(v) && v.length > 0 && v.every(isRecord)) {
    entries = v.map((r, i) => {
      const key = ROW_KEYS.find((k) => typeof r[k] === 'string');
      const rest = { ...r };
      if (key) delete rest[key];
      return [key ? asText(r[key]) : `row ${i + 1}`, rest];
    });
  } else if (isRecord(v) && Object.keys(v).length > 0 && Object.values(v).every(isRecord)) {
    entries = Object.entries(v) as [string, Record<string, unknown>][];
  }
  if (!entries) return null;
  const columns: string[] = [];
  for (const [, r] of entries)
    for (const k of Object.keys(r))
      if (!columns.includes(k) && normalizeState(r[k]) && !isNumberOnly(r[k])) columns.push(k);
  if (columns.length === 0) return null;
  return {
    rows: entries.map((e) => e[0]),
    columns,
    cells: entries.map(([, r]) => columns.map((c) => normalizeState(r[c]))),
  };
}

function isNumberOnly(v: unknown): boolean {
  return typeof v === 'number';
}

export function renderStabilityGrid(v: unknown, caption = 'Input class by output and gradients'): string | null {
  const g = parseGrid(v);
  if (!g) return null;
  const head = `<tr><th scope="col">input class</th>${g.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = g.rows.map((r, i) => {
    const error = g.errors?.[i];
    if (error)
      return `<tr><th scope="row" class="mono">${escapeHtml(r)}</th><td class="state nan" colspan="${g.columns.length}">threw: ${escapeHtml(error)}</td></tr>`;
    const tds = g.cells[i]!.map((c) => {
      if (!c) return '<td class="state unknown">–</td>';
      const title = c.detail ? ` title="${escapeHtml(c.detail)}"` : '';
      return `<td class="state ${c.state}"${title}>${escapeHtml(c.label)}</td>`;
    });
    return `<tr><th scope="row" class="mono">${escapeHtml(r)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="grid" aria-label="${escapeHtml(caption)}"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

/** The grids of one run's stability checks as one (columns joined in order, rows by input class). */
export function mergeGrids(grids: readonly StabilityGrid[]): StabilityGrid | null {
  const [first, ...rest] = grids;
  return first ? rest.reduce(mergeStabilityGrids, first) : null;
}
