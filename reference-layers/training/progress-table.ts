/**
 * The seed's training progress table (MATLAB's verbose output of trainNetwork), one row every
 * 50 iterations and at the first and last:
 *
 *   |  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Mini-batch  |  Base Learning  |
 *   |         |             |   (hh:mm:ss)   |     Loss     |   Accuracy   |      Rate       |
 *   |       1 |           1 |       00:00:00 |       2.6920 |        8.59% |          0.0100 |
 */
export interface TableRow {
  epoch: number;
  iteration: number;
  /** Seconds since training started. */
  seconds: number;
  loss: number;
  /** Fraction of the mini-batch classified right. */
  accuracy: number;
  learningRate: number;
}

const RULE = `|${'='.repeat(88)}|`;

export function formatTableHeader(): string[] {
  return [
    RULE,
    '|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Mini-batch  |  Base Learning  |',
    '|         |             |   (hh:mm:ss)   |     Loss     |   Accuracy   |      Rate       |',
    RULE,
  ];
}

export function formatTableRow(r: TableRow): string {
  const cell = (s: string, width: number) => ` ${s.padStart(width - 2)} |`;
  return (
    '|' +
    cell(String(r.epoch), 9) +
    cell(String(r.iteration), 13) +
    cell(hhmmss(r.seconds), 16) +
    cell(r.loss.toFixed(4), 14) +
    cell(`${(r.accuracy * 100).toFixed(2)}%`, 14) +
    cell(r.learningRate.toFixed(4), 17)
  );
}

export function formatTableFooter(): string {
  return RULE;
}

export function hhmmss(seconds: number): string {
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}
