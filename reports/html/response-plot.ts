/**
 * The activation response plot of the seed: the layer's output over x in [-10, 3] beside ELU
 * (alpha 1), Leaky ReLU (slope 0.1) and ReLU, computed here on the same x values.
 */
import { numberArray } from './format.ts';
import { renderLineChart } from './line-chart.ts';

export const elu = (x: number): number => (x > 0 ? x : Math.expm1(x));
export const leakyRelu = (x: number): number => (x > 0 ? x : 0.1 * x);
export const relu = (x: number): number => Math.max(0, x);

/** Null when the response is missing or malformed. */
export function renderResponsePlot(response: unknown, layerLabel: string): string | null {
  if (typeof response !== 'object' || response === null) return null;
  const r = response as { x?: unknown; y?: unknown };
  const x = numberArray(r.x);
  const y = numberArray(r.y);
  if (!x || !y || x.length === 0 || x.length !== y.length) return null;
  return renderLineChart(
    [
      { name: 'ELU', x, y: x.map(elu), color: '#1f77b4', dashed: true },
      { name: 'Leaky ReLU (0.1)', x, y: x.map(leakyRelu), color: '#2ca02c', dashed: true },
      { name: 'ReLU', x, y: x.map(relu), color: '#7f7f7f', dashed: true },
      // Last, so it is drawn on top of the references.
      { name: layerLabel || 'layer under test', x, y, color: '#d62728' },
    ],
    {
      title: 'Activation response',
      xLabel: 'input x',
      yLabel: 'output',
      width: 520,
      height: 300,
      xRange: [Math.min(...x.filter(Number.isFinite)), Math.max(...x.filter(Number.isFinite))],
    },
  );
}
