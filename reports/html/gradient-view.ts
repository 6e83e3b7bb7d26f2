/**
 * The gradient check's evidence as a reader wants it: per parameter (the input and each
 * learnable) the errors, kinks and a one-line diagnosis; numeric against analytic derivatives on
 * a scatter with the y = x line (failing probes red, kinks orange, the worst ringed); the worst
 * probe of each parameter; the shrunk counterexample. Shape: harness/evidence/gradient.ts.
 */
import type {
  CounterexampleEvidence,
  GradientCheckEvidence,
  ParameterGradientEvidence,
  WorstProbe,
} from '../../harness/evidence/index.ts';
import { escapeHtml } from './escape.ts';
import { formatNumber, formatShape } from './format.ts';
import { renderScatter, type ScatterPoint } from './scatter-plot.ts';

/** A number as the tables show it; empty when absent (JSON writes NaN as null). */
const num = (v: number | string | null | undefined): string =>
  typeof v === 'number' ? formatNumber(v) : v === null || v === undefined ? '' : v;

/** Null when the evidence has no parameters. */
export function renderGradientEvidence(e: GradientCheckEvidence): { keys: string[]; html: string } | null {
  const ps = e.parameters;
  if (ps.length === 0) return null;
  const out = [leadLine(e), parameterTable(ps), scatterPlots(ps), worstTable(ps), counterexample(e.counterexample)];
  return {
    keys: ['parameters', 'counterexample', 'method', 'kinks', 'forwardPasses', 'movedLearnables'],
    html: out.filter(Boolean).join('\n'),
  };
}

function leadLine(e: GradientCheckEvidence): string {
  // A layer with several inputs or outputs: each one's shape, named as its parameters are (`input 2`).
  const shapes = (list: number[][] | undefined, what: 'input' | 'output') =>
    list && list.length > 1 ? list.map((s, i) => `${what} ${i + 1} ${formatShape(s)}`) : [];
  const lead = [
    e.method,
    ...(e.inputShapes && e.inputShapes.length > 1
      ? shapes(e.inputShapes, 'input')
      : [`input ${formatShape(e.inputShape)}`]),
    ...shapes(e.outputShapes, 'output'),
    `${e.kinks} kink${e.kinks === 1 ? '' : 's'} recognised`,
    `${e.forwardPasses} forward passes`,
  ];
  const moved = e.movedLearnables
    ? `<p>Checked at the initial learnables and again with every learnable moved: ${e.movedLearnables.learnables
        .map(
          (l) =>
            `<code>${escapeHtml(l.parameter)}</code> = ${escapeHtml(l.moved)} (initially ${escapeHtml(l.initial)})`,
        )
        .join('; ')}.</p>`
    : '';
  return `<p class="muted">${escapeHtml(lead.join(' · '))}</p>${moved}`;
}

function parameterTable(ps: readonly ParameterGradientEvidence[]): string {
  const rows = ps.map((p) => {
    const probes = [`${p.coordinates} elements`, p.directions ? `${p.directions} directions` : '']
      .filter(Boolean)
      .join(', ');
    const verdict = p.passed
      ? '<span class="status passed">passed</span>'
      : '<span class="status failed">failed</span>';
    const at = p.learnablesAt === 'moved' ? ' <span class="muted">(learnables moved)</span>' : '';
    return `<tr><th scope="row"><code>${escapeHtml(p.parameter)}</code>${at}</th><td>${escapeHtml(formatShape(p.shape))}</td><td>${verdict}</td><td>${escapeHtml(probes)}</td><td>${escapeHtml(num(p.failures))}</td><td>${escapeHtml(num(p.kinks))}</td><td>${escapeHtml(num(p.maxAbsError))}</td><td>${escapeHtml(num(p.maxRelError))}</td><td>${escapeHtml(p.diagnosis ?? '')}</td></tr>`;
  });
  return `<h4>Per parameter</h4><table class="kv params"><thead><tr><th scope="col">parameter</th><th scope="col">shape</th><th scope="col">verdict</th><th scope="col">probes</th><th scope="col">outside tolerance</th><th scope="col">kinks</th><th scope="col">max |error|</th><th scope="col">max relative error</th><th scope="col">diagnosis</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function scatterPlot(p: ParameterGradientEvidence): string {
  const name = p.parameter;
  if (p.pairs.length === 0) return '';
  const points: ScatterPoint[] = p.pairs.map((q) => ({
    x: Number(q.numeric),
    y: Number(q.analytic),
    kind: !q.passed ? 'fail' : q.kink ? 'kink' : 'pass',
  }));
  const w = p.worst;
  const mark =
    w && typeof w.numeric === 'number' && typeof w.analytic === 'number'
      ? { x: w.numeric, y: w.analytic, label: `worst probe of ${name}` }
      : undefined;
  const svg = renderScatter(points, {
    title: `dL/d${name}: numeric against analytic`,
    xLabel: 'numeric (finite differences)',
    yLabel: 'analytic (the layer)',
    mark,
  });
  const failing = points.filter((x) => x.kind === 'fail').length;
  return `<figure>${svg}<figcaption><code>${escapeHtml(name)}</code>${p.learnablesAt === 'moved' ? ' (learnables moved)' : ''}: ${p.pairs.length} probes${failing ? `, ${failing} outside tolerance (red)` : ''}; on the dashed y = x line when right.</figcaption></figure>`;
}

function scatterPlots(ps: readonly ParameterGradientEvidence[]): string {
  const plots = ps.map(scatterPlot).filter(Boolean);
  if (plots.length === 0) return '';
  return `<h4>Numeric against analytic</h4><p class="muted">Each point is one probe: an element, or the whole tensor along a random direction.<span class="legend-key" style="background:#1f77b4"></span>within tolerance<span class="legend-key" style="background:#d62728"></span>outside tolerance<span class="legend-key" style="background:#ff7f0e"></span>at a kink<span class="legend-key" style="border:2px solid #d62728"></span>worst</p><div class="plots">${plots.join('')}</div>`;
}

/** `[0, 1, 2, 3]`, `random direction 2`, or the flat index. */
function probeAt(w: Pick<WorstProbe, 'position' | 'direction' | 'index'>): string {
  if (Array.isArray(w.position)) return formatShape(w.position);
  if (w.direction !== null && w.direction !== undefined) return `random direction ${w.direction}`;
  return num(w.index);
}

function worstTable(ps: readonly ParameterGradientEvidence[]): string {
  const rows = ps.flatMap((p) => {
    const w = p.worst;
    if (!w) return [];
    const diff =
      typeof w.numeric === 'number' && typeof w.analytic === 'number' ? Math.abs(w.analytic - w.numeric) : NaN;
    return [
      `<tr><th scope="row"><code>${escapeHtml(p.parameter)}</code></th><td><code>${escapeHtml(probeAt(w))}</code></td><td>${escapeHtml(num(w.numeric))}</td><td>${escapeHtml(num(w.analytic))}</td><td>${escapeHtml(num(diff))}</td><td>${escapeHtml(num(w.tolerance))}</td><td>${escapeHtml(num(w.step))}</td><td>${escapeHtml(num(w.errorEstimate))}</td><td>${escapeHtml(w.rule)}${w.kink ? ' (kink)' : ''}</td></tr>`,
    ];
  });
  if (rows.length === 0) return '';
  return `<h4>Worst probe per parameter</h4><table class="kv worst"><thead><tr><th scope="col">parameter</th><th scope="col">element</th><th scope="col">numeric</th><th scope="col">analytic</th><th scope="col">|difference|</th><th scope="col">tolerance</th><th scope="col">step</th><th scope="col">error estimate</th><th scope="col">rule</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function counterexample(ce: CounterexampleEvidence | null): string {
  if (!ce) return '';
  const at = Array.isArray(ce.position)
    ? formatShape(ce.position)
    : ce.direction !== null && ce.direction !== undefined
      ? `random direction ${ce.direction}`
      : '';
  return `<h4>Smallest failing case</h4><p>${escapeHtml(`${ce.parameter}${at ? ` at ${at}` : ''}: numeric ${num(ce.numeric)}, analytic ${num(ce.analytic)}, tolerance ${num(ce.tolerance)}; input ${formatShape(ce.inputShape)} after ${num(ce.shrinks)} shrinking steps`)}</p><pre>${escapeHtml(ce.description)}</pre>`;
}
