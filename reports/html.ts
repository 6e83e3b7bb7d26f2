/**
 * The HTML conformance report: one self-contained page (inline CSS and SVG, no scripts, no
 * network) for someone who has never seen the tool: the layer, the environment and seed, the
 * verdict, every check by suite, and for failures their evidence and the command that replays
 * them. Reads only the JSON-able run result; everything from the layer is escaped, and the
 * page's Content-Security-Policy forbids scripts as a second guard.
 */
import { isEvidenceOf } from '../harness/evidence/index.ts';
import {
  formText,
  isTrainingOnly,
  layerTitle,
  SEED_NETWORK_INPUT,
  SEED_NETWORK_LAYER_INPUT,
  type CheckResult,
  type RunResult,
  type SuiteId,
} from '../harness/result.ts';
import { htmlDocument } from './html/document.ts';
import { escapeHtml } from './html/escape.ts';
import { renderEvidence, renderStabilityGridSection, type EvidenceOptions } from './html/evidence-views.ts';
import { formatDuration, formatShape, formatValue, isRecord } from './html/format.ts';
import { renderResponsePlot } from './html/response-plot.ts';
import { ioSizes, whereEntries } from './io-text.ts';
import { mergeGrids } from './html/stability-grid.ts';
import type { ReportWriter } from './writer.ts';

/** What the page says about each suite, in the order they run. */
const SUITE_TITLES: Record<SuiteId, string> = {
  shape: 'Shape and contract',
  gradient: 'Gradients',
  stability: 'Numerical stability',
  training: 'Training on handwritten digits',
  backend: 'Backend agreement',
};

export function renderHtml(run: Readonly<RunResult>): string {
  const layerName = layerTitle(run.layer);
  const v = verdict(run);
  return htmlDocument(
    `${v.label}: ${layerName} (check-layer report)`,
    `${renderHeader(run, layerName, v)}
${run.loadError ? renderLoadError(run.loadError) : renderProblems(run.checks ?? [])}
${renderCheckTable(run.checks ?? [])}
${renderLayer(run)}
${renderResponse(run)}
${renderDetails(run.checks ?? [])}
${renderRun(run)}
<footer>Written by ${escapeHtml(run.tool?.name ?? 'check-layer')} ${escapeHtml(run.tool?.version ?? '')}, report schema ${escapeHtml(run.schemaVersion)}. This page is self-contained: it loads nothing and runs no scripts.</footer>`,
  );
}

export const htmlWriter: ReportWriter = { format: 'html', extension: '.html', render: renderHtml };

interface Verdict {
  label: string;
  cls: 'passed' | 'failed' | 'error';
}

export function verdict(run: Readonly<RunResult>): Verdict {
  if (run.loadError || run.exitCode === 2) return { label: 'COULD NOT RUN', cls: 'error' };
  const s = run.summary;
  if (run.exitCode === 1 || (s && s.failed + s.incomplete > 0)) return { label: 'FAILED', cls: 'failed' };
  return { label: 'PASSED', cls: 'passed' };
}

function renderHeader(run: Readonly<RunResult>, layerName: string, v: Verdict): string {
  const s = run.summary;
  const line = s
    ? `${s.passed} passed, ${s.failed} failed, ${s.incomplete} incomplete, ${s.skipped} skipped in ${formatDuration(s.durationMs)}`
    : 'no summary';
  return `<header>
<h1>check-layer report: ${escapeHtml(layerName)}</h1>
<p class="summary" id="summary"><span class="verdict ${v.cls}">${v.label}</span>${escapeHtml(line)}</p>
<p class="muted">${escapeHtml(run.layer?.file ?? '')}${run.layer?.exportName && run.layer.exportName !== 'default' ? ` (export ${escapeHtml(run.layer.exportName)})` : ''} · seed ${escapeHtml(run.seed)} · ${escapeHtml(whereItRan(run))} · ${escapeHtml(run.startedAt ?? '')}</p>
</header>`;
}

/** The training evidence of a run of the training suite alone, if it has one. */
function trainingOnlyEvidence(run: Readonly<RunResult>) {
  if (!isTrainingOnly(run.checks ?? [])) return null;
  const e = run.checks.find((c) => isEvidenceOf(c.evidence, 'training'))?.evidence;
  return isEvidenceOf(e, 'training') ? e : null;
}

/** The backend the run's checks ran on; for the training suite alone, where the network trained. */
function whereItRan(run: Readonly<RunResult>): string {
  const training = trainingOnlyEvidence(run);
  if (training) return `trained on ${training.subject.backend} (${training.subject.device})`;
  return run.environment?.backend ?? 'no backend';
}

/** Links to the failed and incomplete checks, right under the verdict. */
function renderProblems(checks: readonly CheckResult[]): string {
  const bad = checks.filter((c) => c.status === 'failed' || c.status === 'incomplete');
  if (bad.length === 0) return '';
  return `<section class="box" id="problems"><strong>${bad.length} check${bad.length === 1 ? '' : 's'} did not pass:</strong><ul class="lines">${bad
    .map(
      (c) =>
        `<li>${statusBadge(c.status)} <a href="#${anchor(c)}"><code>${escapeHtml(c.id)}</code></a>${ioOf(c)}: <span class="message">${escapeHtml(c.message)}</span></li>`,
    )
    .join('')}</ul></section>`;
}

/** ` (input 2, output 1)` after a check's id, for a failure located at one input or output of several. */
function ioOf(c: CheckResult): string {
  const io = whereEntries(c.where).filter(([k]) => k === 'input' || k === 'output');
  return io.length ? ` <span class="muted">(${escapeHtml(io.map(([, v]) => formatValue(v)).join(', '))})</span>` : '';
}

function renderLoadError(e: { message: string; hint?: string }): string {
  return `<section class="box" id="load-error"><strong>The layer could not be run.</strong><p class="message">${escapeHtml(e.message)}</p>${e.hint ? `<p>${escapeHtml(e.hint)}</p>` : ''}</section>`;
}

function bySuite(checks: readonly CheckResult[]): [string, CheckResult[]][] {
  const groups = new Map<string, CheckResult[]>();
  for (const c of checks) {
    const k = String(c.suite ?? 'other');
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(c);
  }
  return [...groups];
}

function suiteTitle(suite: string): string {
  return (SUITE_TITLES as Record<string, string>)[suite] ?? suite;
}

export function anchor(c: CheckResult): string {
  return `check-${String(c.suite)}-${String(c.id)}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function statusBadge(status: unknown): string {
  const s = String(status);
  const cls = ['passed', 'failed', 'skipped', 'incomplete'].includes(s) ? s : 'incomplete';
  return `<span class="status ${cls}">${escapeHtml(s)}</span>`;
}

function renderCheckTable(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return `<h2 id="checks">Checks</h2><p class="muted">No checks ran.</p>`;
  const rows = bySuite(checks).flatMap(([suite, list]) => [
    `<tr class="suite"><th colspan="4" scope="colgroup">${escapeHtml(suite)} · ${escapeHtml(suiteTitle(suite))}</th></tr>`,
    ...list.map(
      (c) =>
        `<tr class="${escapeHtml(c.status)}"><td>${statusBadge(c.status)}</td><td class="id"><a href="#${anchor(c)}">${escapeHtml(c.id)}</a></td><td class="message">${escapeHtml(c.message)}</td><td class="time">${formatDuration(c.durationMs)}</td></tr>`,
    ),
  ]);
  return `<h2 id="checks">Checks</h2>
<table class="checks" id="check-table"><thead><tr><th scope="col">status</th><th scope="col">check</th><th scope="col">message</th><th scope="col">time</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderLayer(run: Readonly<RunResult>): string {
  const l = run.layer;
  if (!l) return '';
  const learnables =
    Array.isArray(l.learnables) && l.learnables.length
      ? l.learnables.map((p) => `<code>${escapeHtml(p.name)}</code> ${escapeHtml(formatShape(p.shape))}`).join('<br>')
      : '<span class="muted">none</span>';
  const io = ioSizes(l, formatShape);
  const rows: [string, string][] = [
    ['name', escapeHtml(l.name)],
    ['type', escapeHtml(l.type)],
    ['description', escapeHtml(l.description)],
    ['class', `<code>${escapeHtml(l.className)}</code>`],
    [
      'file',
      `<code>${escapeHtml(l.file)}</code>${l.exportName ? ` · export <code>${escapeHtml(l.exportName)}</code>` : ''}`,
    ],
    ['form', escapeHtml(formText(l))],
  ];
  if (isTrainingOnly(run.checks ?? []))
    rows.push([
      'network input (one observation)',
      escapeHtml(
        `${SEED_NETWORK_INPUT.join('x')} handwritten digits; the layer gets ${SEED_NETWORK_LAYER_INPUT.join('x')} in the network`,
      ),
    ]);
  else if (io?.inputs) rows.push(['input sizes (one observation each)', escapeHtml(io.inputs)]);
  else rows.push(['input size (one observation)', escapeHtml(l.inputSize ? formatShape(l.inputSize) : 'unknown')]);
  if (io?.outputs) rows.push(['output sizes', escapeHtml(io.outputs)]);
  else if (l.outputSize !== undefined)
    rows.push(['output size', escapeHtml(l.outputSize ? formatShape(l.outputSize) : 'unknown')]);
  rows.push(['learnables', learnables]);
  if (l.hasBackward !== undefined) rows.push(['own backward', l.hasBackward ? 'yes' : 'no']);
  if (l.elementwise !== undefined) rows.push(['elementwise', l.elementwise ? 'yes' : 'no']);
  return `<h2 id="layer">Layer</h2><table class="kv">${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function renderResponse(run: Readonly<RunResult>): string {
  const response = (run.layer as { response?: unknown } | undefined)?.response;
  if (!response) return '';
  const plot = renderResponsePlot(response, run.layer.className || 'layer under test');
  if (!plot) return '';
  return `<h2 id="response">Activation response</h2>
<div class="plots"><figure>${plot}<figcaption>The layer's output over x in [-10, 3] (first channel, with its current learnables), beside ELU (alpha 1), Leaky ReLU (slope 0.1) and ReLU.</figcaption></figure></div>`;
}

function renderDetails(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return '';
  return `<h2 id="details">Details by suite</h2>${bySuite(checks)
    .map(([suite, list]) => {
      // The stability checks each fill some columns of one grid: draw it once, whole, above them.
      const grids = list.flatMap((c) => (isEvidenceOf(c.evidence, 'stabilityGrid') ? [c.evidence.grid] : []));
      const all = grids.length > 1 ? mergeGrids(grids) : null;
      const merged = all ? renderStabilityGridSection(all, 'Stability grid of this run') : null;
      const options = merged
        ? {
            drawnElsewhere: {
              keys: ['grid'],
              note: `This check's columns are in the stability grid at <a href="#suite-${escapeHtml(suite)}">the top of this suite</a>.`,
            },
          }
        : {};
      // The only check of a run is what the reader came for: its section is open.
      const only = checks.length === 1;
      return `<section class="suite" id="suite-${escapeHtml(suite)}"><h3>${escapeHtml(suiteTitle(suite))} <span class="muted">(${escapeHtml(suite)})</span></h3>${merged ? `<div class="merged-grid">${merged}</div>` : ''}${list.map((c) => renderCheck(c, options, only)).join('\n')}</section>`;
    })
    .join('\n')}`;
}

export function renderCheck(c: CheckResult, evidenceOptions: EvidenceOptions = {}, forceOpen = false): string {
  const open = forceOpen || c.status === 'failed' || c.status === 'incomplete' ? ' open' : '';
  const title = (c as { title?: unknown }).title;
  const parts: string[] = [];
  if (typeof title === 'string' && title) parts.push(`<p class="muted">${escapeHtml(title)}</p>`);
  if (Array.isArray(c.details) && c.details.length)
    parts.push(`<ul class="lines">${c.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>`);
  if (Array.isArray(c.warnings) && c.warnings.length)
    parts.push(
      `<h4>Warnings</h4><ul class="lines warnings">${c.warnings.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>`,
    );
  const where = isRecord(c.where) ? whereEntries(c.where) : [];
  if (where.length) {
    const rows = where.map(
      ([k, v]) =>
        `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(Array.isArray(v) ? formatShape(v) : formatValue(v))}</code></td></tr>`,
    );
    parts.push(`<h4>Where</h4><table class="kv">${rows.join('')}</table>`);
  }
  if (c.evidence !== undefined && c.evidence !== null) parts.push(renderEvidence(c, evidenceOptions));
  if (c.replay) parts.push(`<div class="replay"><h4>Replay</h4><pre><code>${escapeHtml(c.replay)}</code></pre></div>`);
  return `<details class="check ${escapeHtml(c.status)}" id="${anchor(c)}"${open}><summary>${statusBadge(c.status)} <code>${escapeHtml(c.id)}</code> <span class="muted">${formatDuration(c.durationMs)}</span> · <span class="message">${escapeHtml(c.message)}</span></summary>${parts.join('\n')}</details>`;
}

function renderRun(run: Readonly<RunResult>): string {
  const e = run.environment;
  const rows: [string, string][] = [
    ['seed', `<code>${escapeHtml(run.seed)}</code>`],
    ['started', escapeHtml(run.startedAt)],
    ['backend', escapeHtml(e?.backend ?? 'none')],
    ['device', escapeHtml(e?.device ?? '')],
    ['TensorFlow.js', escapeHtml(e?.tfjsVersion ?? '')],
    ['Node.js', escapeHtml(e?.nodeVersion ?? '')],
    ['platform', escapeHtml(e?.platform ?? '')],
    ['check-layer', escapeHtml(e?.toolVersion ?? run.tool?.version ?? '')],
    ['exit code', escapeHtml(run.exitCode)],
  ];
  const options =
    isRecord(run.options) && Object.keys(run.options).length
      ? `<h3>Options</h3><table class="kv">${Object.entries(run.options)
          .map(
            ([k, v]) =>
              `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(formatValue(v))}</code></td></tr>`,
          )
          .join('')}</table>`
      : '';
  return `<h2 id="environment">Run and environment</h2><table class="kv">${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>${options}`;
}
