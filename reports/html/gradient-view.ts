/**
 * The gradient check's evidence as a reader wants it: per parameter (the input and each
 * learnable) the errors, kinks and a one-line diagnosis; numeric against analytic derivatives on
 * a scatter with the y = x line (failing probes red, kinks orange, the worst ringed); the worst
 * probe of each parameter; the shrunk counterexample. Shape: suites/gradient/gradient-evidence.ts.
 */
import { escapeHtml } from './escape.ts';
import { formatNumber, formatShape, isRecord } from './format.ts';
import { renderScatter, type ScatterPoint } from './scatter-plot.ts';

const num = (v: unknown): string =>
  typeof v === 'number' ? formatNumber(v) : v === null || v === undefined ? '' : String(v);

/** Null when the evidence has no per-parameter list. */
export function renderGradientEvidence(e: Record<string, unknown>): { keys: string[]; html: string } | null {
  const params = e['parameters'];
  if (!Array.isArray(params) || params.length === 0 || !params.every(isRecord)) return null;
  const ps = params;
  // gradientsAreNumericallyCorrect's shape: probes per parameter. Other checks' parameter lists go to the table.
  if (!ps.some((p) => Array.isArray(p['pairs']) || typeof p['coordinates'] === 'number')) return null;
  const out: string[] = [];
  const lead: string[] = [];
  if (typeof e['method'] === 'string') lead.push(e['method']);
  if (Array.isArray(e['inputShape'])) lead.push(`input ${formatShape(e['inputShape'])}`);
  if (typeof e['kinks'] === 'number') lead.push(`${e['kinks']} kink${e['kinks'] === 1 ? '' : 's'} recognised`);
  if (typeof e['forwardPasses'] === 'number') lead.push(`${e['forwardPasses']} forward passes`);
  if (lead.length) out.push(`<p class="muted">${escapeHtml(lead.join(' · '))}</p>`);

  out.push(
    `<h4>Per parameter</h4><table class="kv params"><thead><tr><th scope="col">parameter</th><th scope="col">shape</th><th scope="col">verdict</th><th scope="col">probes</th><th scope="col">outside tolerance</th><th scope="col">kinks</th><th scope="col">max |error|</th><th scope="col">max relative error</th><th scope="col">diagnosis</th></tr></thead><tbody>${ps
      .map((p) => {
        const probes = [
          typeof p['coordinates'] === 'number' ? `${p['coordinates']} elements` : '',
          typeof p['directions'] === 'number' && p['directions'] ? `${p['directions']} directions` : '',
        ]
          .filter(Boolean)
          .join(', ');
        const verdict =
          p['passed'] === true
            ? '<span class="status passed">passed</span>'
            : p['passed'] === false
              ? '<span class="status failed">failed</span>'
              : '';
        return `<tr><th scope="row"><code>${escapeHtml(p['parameter'] ?? p['name'] ?? '?')}</code></th><td>${escapeHtml(formatShape(p['shape']))}</td><td>${verdict}</td><td>${escapeHtml(probes)}</td><td>${escapeHtml(num(p['failures']))}</td><td>${escapeHtml(num(p['kinks']))}</td><td>${escapeHtml(num(p['maxAbsError']))}</td><td>${escapeHtml(num(p['maxRelError']))}</td><td>${escapeHtml(p['diagnosis'] ?? '')}</td></tr>`;
      })
      .join('')}</tbody></table>`,
  );

  const plots = ps
    .map((p) => {
      const name = String(p['parameter'] ?? p['name'] ?? '?');
      const pairs = Array.isArray(p['pairs']) ? (p['pairs'] as unknown[]).filter(isRecord) : [];
      if (pairs.length === 0) return '';
      const points: ScatterPoint[] = pairs.map((q) => ({
        x: Number(q['numeric']),
        y: Number(q['analytic']),
        kind: q['passed'] === false ? 'fail' : q['kink'] === true ? 'kink' : 'pass',
      }));
      const w = isRecord(p['worst']) ? p['worst'] : null;
      const mark =
        w && typeof w['numeric'] === 'number' && typeof w['analytic'] === 'number'
          ? { x: w['numeric'], y: w['analytic'], label: `worst probe of ${name}` }
          : undefined;
      const svg = renderScatter(points, {
        title: `dL/d${name}: numeric against analytic`,
        xLabel: 'numeric (finite differences)',
        yLabel: 'analytic (the layer)',
        mark,
      });
      const failing = points.filter((x) => x.kind === 'fail').length;
      return `<figure>${svg}<figcaption><code>${escapeHtml(name)}</code>: ${pairs.length} probes${failing ? `, ${failing} outside tolerance (red)` : ''}; on the dashed y = x line when right.</figcaption></figure>`;
    })
    .filter(Boolean);
  if (plots.length) {
    out.push(
      `<h4>Numeric against analytic</h4><p class="muted">Each point is one probe: an element, or the whole tensor along a random direction.<span class="legend-key" style="background:#1f77b4"></span>within tolerance<span class="legend-key" style="background:#d62728"></span>outside tolerance<span class="legend-key" style="background:#ff7f0e"></span>at a kink<span class="legend-key" style="border:2px solid #d62728"></span>worst</p><div class="plots">${plots.join('')}</div>`,
    );
  }

  const worstRows = ps
    .filter((p) => isRecord(p['worst']))
    .map((p) => {
      const w = p['worst'] as Record<string, unknown>;
      const where = Array.isArray(w['position'])
        ? formatShape(w['position'])
        : w['direction'] !== null && w['direction'] !== undefined
          ? `random direction ${String(w['direction'])}`
          : num(w['index']);
      const diff =
        typeof w['numeric'] === 'number' && typeof w['analytic'] === 'number'
          ? Math.abs(w['analytic'] - w['numeric'])
          : NaN;
      return `<tr><th scope="row"><code>${escapeHtml(p['parameter'] ?? '?')}</code></th><td><code>${escapeHtml(where)}</code></td><td>${escapeHtml(num(w['numeric']))}</td><td>${escapeHtml(num(w['analytic']))}</td><td>${escapeHtml(num(diff))}</td><td>${escapeHtml(num(w['tolerance']))}</td><td>${escapeHtml(num(w['step']))}</td><td>${escapeHtml(num(w['errorEstimate']))}</td><td>${escapeHtml(w['rule'] ?? '')}${w['kink'] === true ? ' (kink)' : ''}</td></tr>`;
    });
  if (worstRows.length) {
    out.push(
      `<h4>Worst probe per parameter</h4><table class="kv worst"><thead><tr><th scope="col">parameter</th><th scope="col">element</th><th scope="col">numeric</th><th scope="col">analytic</th><th scope="col">|difference|</th><th scope="col">tolerance</th><th scope="col">step</th><th scope="col">error estimate</th><th scope="col">rule</th></tr></thead><tbody>${worstRows.join('')}</tbody></table>`,
    );
  }

  const ce = e['counterexample'];
  if (isRecord(ce)) {
    const at = Array.isArray(ce['position'])
      ? formatShape(ce['position'])
      : ce['direction'] !== null && ce['direction'] !== undefined
        ? `random direction ${String(ce['direction'])}`
        : '';
    out.push(
      `<h4>Smallest failing case</h4><p>${escapeHtml(`${String(ce['parameter'] ?? '')}${at ? ` at ${at}` : ''}: numeric ${num(ce['numeric'])}, analytic ${num(ce['analytic'])}, tolerance ${num(ce['tolerance'])}; input ${formatShape(ce['inputShape'])} after ${num(ce['shrinks'])} shrinking steps`)}</p>${typeof ce['description'] === 'string' ? `<pre>${escapeHtml(ce['description'])}</pre>` : ''}`,
    );
  }
  return { keys: ['parameters', 'counterexample', 'method', 'kinks', 'forwardPasses'], html: out.join('\n') };
}
