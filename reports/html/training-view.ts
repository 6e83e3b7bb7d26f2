/**
 * The training check's evidence: loss and accuracy per iteration for the layer and the
 * reference, final accuracies, the confusion matrix and sample test digits with the predicted
 * labels. A training run's evidence is reference-layers/training/evaluate.ts's TrainingEvidence
 * (`curve`, `testAccuracy`, `confusion`, `samples`...); the check may hold one at the top or
 * several under keys (`layer`, `reference`...). Anything that does not fit is left to the table.
 */
import { renderConfusionMatrix } from './confusion-matrix.ts';
import { renderDigit } from './digit-image.ts';
import { escapeHtml } from './escape.ts';
import { formatNumber, isRecord, numberArray } from './format.ts';
import { renderLineChart, type Series } from './line-chart.ts';

interface NamedRun {
  key: string;
  label: string;
  run: Record<string, unknown>;
}

const isTrainingRun = (v: unknown): v is Record<string, unknown> =>
  isRecord(v) && (isRecord(v['curve']) || typeof v['testAccuracy'] === 'number' || Array.isArray(v['confusion']));

/** The runs in the evidence: the top level itself, or its values that look like runs (the layer's first). */
function findRuns(e: Record<string, unknown>): NamedRun[] {
  if (isTrainingRun(e)) return [{ key: '', label: String(e['layer'] ?? 'layer under test'), run: e }];
  const runs = Object.entries(e)
    .filter(([, v]) => isTrainingRun(v))
    .map(([k, v]) => ({ key: k, label: labelFor(k, v as Record<string, unknown>), run: v as Record<string, unknown> }))
    .sort((a, b) => rank(a.key) - rank(b.key));
  // The layer under test may be the reference itself (one run serves both): show it once.
  const seen = new Map<string, NamedRun>();
  const unique: NamedRun[] = [];
  for (const r of runs) {
    const same = seen.get(JSON.stringify(r.run));
    if (same) {
      same.label = `${same.label}, which is the reference`;
      same.key = `${same.key}+${r.key}`;
      continue;
    }
    seen.set(JSON.stringify(r.run), r);
    unique.push(r);
  }
  return unique;
}

function rank(key: string): number {
  return /ref/i.test(key) ? 1 : 0;
}

function labelFor(key: string, run: Record<string, unknown>): string {
  const name = typeof run['layer'] === 'string' ? run['layer'] : '';
  if (/ref/i.test(key)) return name && /ref/i.test(name) ? name : `reference${name ? ` (${name})` : ''}`;
  return name || key;
}

const pct = (v: unknown): string =>
  typeof v === 'number' && Number.isFinite(v)
    ? `${(v * 100).toFixed(2)}%`
    : v === null || v === undefined
      ? ''
      : String(v);

export function renderTrainingEvidence(e: Record<string, unknown>): { keys: string[]; html: string } | null {
  const runs = findRuns(e);
  if (runs.length === 0) return null;
  const out: string[] = [];
  const colors = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];

  // Final figures, one row per run.
  out.push(
    `<h4>Result</h4><table class="kv training"><thead><tr><th scope="col">network with</th><th scope="col">test accuracy</th><th scope="col">test loss</th><th scope="col">iterations</th><th scope="col">images / s</th><th scope="col">device</th><th scope="col">data</th></tr></thead><tbody>${runs
      .map(({ label, run }) => {
        const data = isRecord(run['data'])
          ? `${formatNumber(run['data']['trainSize'])} train, ${formatNumber(run['data']['testSize'])} test`
          : '';
        const stopped = typeof run['stopped'] === 'string' ? ` (stopped: ${run['stopped']})` : '';
        return `<tr><th scope="row">${escapeHtml(label)}</th><td><strong>${escapeHtml(pct(run['testAccuracy']))}</strong></td><td>${escapeHtml(formatNumber(run['testLoss'] ?? 'not finite'))}</td><td>${escapeHtml(`${formatNumber(run['iterations'] ?? '')}${stopped}`)}</td><td>${escapeHtml(formatNumber(run['imagesPerSecond'] ?? ''))}</td><td>${escapeHtml(run['device'] ?? run['backend'] ?? '')}</td><td>${escapeHtml(data)}</td></tr>`;
      })
      .join('')}</tbody></table>`,
  );

  const judged: string[] = [];
  if (typeof e['floor'] === 'number') judged.push(`accuracy floor ${pct(e['floor'])}`);
  if (typeof e['margin'] === 'number')
    judged.push(`at most ${formatNumber(e['margin'] * 100)} points below the reference`);
  if (typeof e['setting'] === 'string') judged.push(`${e['setting']} setting`);
  if (judged.length) out.push(`<p>${escapeHtml(`Passes with: ${judged.join(', ')}.`)}</p>`);

  const settings = runs.map((r) => r.run['settings']).find(isRecord);
  if (settings) {
    const parts = [
      settings['epochs'] !== undefined
        ? `${formatNumber(settings['epochs'])} epoch${settings['epochs'] === 1 ? '' : 's'}`
        : '',
      settings['miniBatchSize'] !== undefined ? `mini-batch ${formatNumber(settings['miniBatchSize'])}` : '',
      settings['learningRate'] !== undefined ? `learning rate ${formatNumber(settings['learningRate'])}` : '',
      settings['momentum'] !== undefined ? `momentum ${formatNumber(settings['momentum'])}` : '',
      settings['l2Regularization'] !== undefined ? `L2 ${formatNumber(settings['l2Regularization'])}` : '',
    ].filter(Boolean);
    if (parts.length)
      out.push(
        `<p class="muted">SGD with momentum: ${escapeHtml(parts.join(', '))}; same seed and data for every network.</p>`,
      );
  }

  // Curves.
  const curve = (r: Record<string, unknown>, k: 'loss' | 'accuracy') =>
    isRecord(r['curve']) ? numberArray(r['curve'][k]) : null;
  const lossSeries: Series[] = [];
  const accSeries: Series[] = [];
  runs.forEach(({ label, run }, i) => {
    const loss = curve(run, 'loss');
    const acc = curve(run, 'accuracy');
    if (loss?.length) lossSeries.push({ name: label, y: loss, color: colors[i % colors.length], dashed: i > 0 });
    if (acc?.length)
      accSeries.push({ name: label, y: acc.map((a) => a * 100), color: colors[i % colors.length], dashed: i > 0 });
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
  if (charts.length) out.push(`<h4>Training progress</h4><div class="plots">${charts.join('')}</div>`);

  // Confusion matrices and per-class accuracy.
  const matrices = runs
    .map(({ label, run }) => {
      const svg = renderConfusionMatrix(run['confusion'], { title: `Confusion matrix: ${label}` });
      return svg
        ? `<figure>${svg}<figcaption>${escapeHtml(label)}: rows are the true digit, columns the predicted one.</figcaption></figure>`
        : '';
    })
    .filter(Boolean);
  if (matrices.length) out.push(`<h4>Confusion on the test set</h4><div class="plots">${matrices.join('')}</div>`);

  // Sample digits of the first run that has them.
  const withSamples = runs.find(({ run }) => Array.isArray(run['samples']) && (run['samples'] as unknown[]).length > 0);
  if (withSamples) {
    const digits = (withSamples.run['samples'] as unknown[])
      .filter(isRecord)
      .slice(0, 40)
      .map((s) =>
        renderDigit(s['pixels'] ?? s['image'], { predicted: s['predicted'], actual: s['label'] ?? s['actual'] }),
      )
      .filter((d): d is string => d !== null);
    if (digits.length)
      out.push(
        `<h4>Test digits and the predictions of the network with ${escapeHtml(withSamples.label)}</h4><div class="digits">${digits.join('')}</div>`,
      );
  }
  const keys = runs.flatMap((r) => r.key.split('+')).filter(Boolean);
  if (judged.length) keys.push('floor', 'margin', 'setting', 'subjectIsReference');
  return {
    keys: keys.length
      ? keys
      : Object.keys(e).filter((k) =>
          [
            'curve',
            'confusion',
            'samples',
            'table',
            'perClassAccuracy',
            'testAccuracy',
            'testLoss',
            'iterations',
            'imagesPerSecond',
            'device',
            'backend',
            'data',
            'settings',
            'layer',
            'seconds',
            'seed',
            'stopped',
          ].includes(k),
        ),
    html: out.join('\n'),
  };
}
