/**
 * The training check's evidence: loss and accuracy per iteration for the layer and the
 * reference, final accuracies, the confusion matrix and sample test digits with the predicted
 * labels. Shape: harness/evidence/training.ts (one TrainingEvidence per network, the layer's
 * first; one run when the layer under test is the reference itself).
 */
import type { TrainingEvidence, TrainsToAccuracyEvidence } from '../../harness/evidence/index.ts';
import { renderConfusionMatrix } from './confusion-matrix.ts';
import { renderDigit } from './digit-image.ts';
import { escapeHtml } from './escape.ts';
import { formatNumber, numberArray } from './format.ts';
import { renderLineChart, type Series } from './line-chart.ts';

interface NamedRun {
  label: string;
  run: TrainingEvidence;
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];

/** The runs to show, the layer's first; the reference once when it is the layer under test. */
function namedRuns(e: TrainsToAccuracyEvidence): NamedRun[] {
  const subject = e.subject.layer || 'subject';
  if (e.subjectIsReference) return [{ label: `${subject}, which is the reference`, run: e.subject }];
  const name = e.reference.layer;
  const reference = name && /ref/i.test(name) ? name : `reference${name ? ` (${name})` : ''}`;
  return [
    { label: subject, run: e.subject },
    { label: reference, run: e.reference },
  ];
}

const pct = (v: number | null | undefined): string =>
  typeof v === 'number' && Number.isFinite(v)
    ? `${(v * 100).toFixed(2)}%`
    : v === null || v === undefined
      ? ''
      : String(v);

export function renderTrainingEvidence(e: TrainsToAccuracyEvidence): { keys: string[]; html: string } {
  const runs = namedRuns(e);
  const out = [resultTable(runs), verdictLine(e), settingsLine(runs), curves(runs), confusion(runs), digits(runs)];
  return {
    keys: ['subject', 'reference', 'floor', 'margin', 'setting', 'subjectIsReference'],
    html: out.filter(Boolean).join('\n'),
  };
}

/** Final figures, one row per run. */
function resultTable(runs: readonly NamedRun[]): string {
  const rows = runs.map(({ label, run }) => {
    const data = `${formatNumber(run.data.trainSize)} train, ${formatNumber(run.data.testSize)} test`;
    const stopped = typeof run.stopped === 'string' ? ` (stopped: ${run.stopped})` : '';
    return `<tr><th scope="row">${escapeHtml(label)}</th><td><strong>${escapeHtml(pct(run.testAccuracy))}</strong></td><td>${escapeHtml(formatNumber(run.testLoss ?? 'not finite'))}</td><td>${escapeHtml(`${formatNumber(run.iterations)}${stopped}`)}</td><td>${escapeHtml(formatNumber(run.imagesPerSecond))}</td><td>${escapeHtml(run.device)}</td><td>${escapeHtml(data)}</td></tr>`;
  });
  return `<h4>Result</h4><table class="kv training"><thead><tr><th scope="col">network with</th><th scope="col">test accuracy</th><th scope="col">test loss</th><th scope="col">iterations</th><th scope="col">images / s</th><th scope="col">device</th><th scope="col">data</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function verdictLine(e: TrainsToAccuracyEvidence): string {
  const judged = [
    `accuracy floor ${pct(e.floor)}`,
    `at most ${formatNumber(e.margin * 100)} points below the reference`,
    `${e.setting} setting`,
  ];
  return `<p>${escapeHtml(`Passes with: ${judged.join(', ')}.`)}</p>`;
}

function settingsLine(runs: readonly NamedRun[]): string {
  const settings = runs[0]?.run.settings;
  if (!settings) return '';
  const parts = [
    `${formatNumber(settings.epochs)} epoch${settings.epochs === 1 ? '' : 's'}`,
    `mini-batch ${formatNumber(settings.miniBatchSize)}`,
    `learning rate ${formatNumber(settings.learningRate)}`,
    `momentum ${formatNumber(settings.momentum)}`,
    `L2 ${formatNumber(settings.l2Regularization)}`,
  ];
  return `<p class="muted">SGD with momentum: ${escapeHtml(parts.join(', '))}; same seed and data for every network.</p>`;
}

/** Loss and accuracy per iteration, one line per run (the reference dashed). */
function curves(runs: readonly NamedRun[]): string {
  const lossSeries: Series[] = [];
  const accSeries: Series[] = [];
  runs.forEach(({ label, run }, i) => {
    const color = COLORS[i % COLORS.length];
    const loss = numberArray(run.curve.loss);
    const acc = numberArray(run.curve.accuracy);
    if (loss?.length) lossSeries.push({ name: label, y: loss, color, dashed: i > 0 });
    if (acc?.length) accSeries.push({ name: label, y: acc.map((a) => a * 100), color, dashed: i > 0 });
  });
  const charts: string[] = [];
  if (accSeries.length)
    charts.push(
      `<figure>${renderLineChart(accSeries, { title: 'Mini-batch accuracy per iteration', xLabel: 'iteration', yLabel: 'accuracy (%)', yRange: [0, 100], width: 460 })}</figure>`,
    );
  if (lossSeries.length)
    charts.push(
      `<figure>${renderLineChart(lossSeries, { title: 'Mini-batch loss per iteration', xLabel: 'iteration', yLabel: 'cross-entropy loss', width: 460 })}</figure>`,
    );
  return charts.length ? `<h4>Training progress</h4><div class="plots">${charts.join('')}</div>` : '';
}

/** Confusion matrices on the test set. */
function confusion(runs: readonly NamedRun[]): string {
  const matrices = runs
    .map(({ label, run }) => {
      const svg = renderConfusionMatrix(run.confusion, { title: `Confusion matrix: ${label}` });
      return svg
        ? `<figure>${svg}<figcaption>${escapeHtml(label)}: rows are the true digit, columns the predicted one.</figcaption></figure>`
        : '';
    })
    .filter(Boolean);
  return matrices.length ? `<h4>Confusion on the test set</h4><div class="plots">${matrices.join('')}</div>` : '';
}

/** Sample digits of the first run that has them, with the predicted and true labels. */
function digits(runs: readonly NamedRun[]): string {
  const withSamples = runs.find(({ run }) => run.samples.length > 0);
  if (!withSamples) return '';
  const images = withSamples.run.samples
    .slice(0, 40)
    .map((s) => renderDigit(s.pixels, { predicted: s.predicted, actual: s.label }))
    .filter((d): d is string => d !== null);
  if (images.length === 0) return '';
  return `<h4>Test digits and the predictions of the network with ${escapeHtml(withSamples.label)}</h4><div class="digits">${images.join('')}</div>`;
}
