/**
 * A check's failure as plain text: message, details, warnings, where, the replay command and the
 * evidence (as indented key: value lines, long arrays summarised, cut at a line limit). Used
 * by the JUnit writer and the vitest helper, where there is no room for pictures.
 */
import { evidenceFields } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { formatValue, isRecord } from './format.ts';
import { whereText } from '../io-text.ts';

export function evidenceLines(v: unknown, indent = '', depth = 0, out: string[] = [], maxLines = 60): string[] {
  if (!isRecord(v)) {
    out.push(`${indent}${formatValue(v, 200)}`);
    return out;
  }
  for (const [k, x] of Object.entries(v)) {
    if (out.length >= maxLines) {
      out.push(`${indent}…`);
      break;
    }
    if (isRecord(x) && depth < 3) {
      out.push(`${indent}${k}:`);
      evidenceLines(x, `${indent}  `, depth + 1, out, maxLines);
    } else if (Array.isArray(x) && x.length > 0 && x.length <= 20 && x.every(isRecord) && depth < 3) {
      out.push(`${indent}${k}:`);
      x.forEach((item, i) => {
        if (out.length >= maxLines) return;
        out.push(`${indent}  [${i}]`);
        evidenceLines(item, `${indent}    `, depth + 1, out, maxLines);
      });
    } else if (
      Array.isArray(x) &&
      x.length > 12 &&
      x.every((n) => typeof n === 'number' || n === null || typeof n === 'string')
    ) {
      out.push(`${indent}${k}: ${formatValue(x.slice(0, 12), 200)} … (${x.length} values)`);
    } else {
      out.push(`${indent}${k}: ${formatValue(x, 200)}`);
    }
  }
  return out.slice(0, maxLines + 1);
}

/** Everything a reader needs about one check's result, as lines of text. */
export function checkAsText(
  c: CheckResult,
  o: { evidence?: boolean; maxEvidenceLines?: number; replay?: string } = {},
): string {
  const lines: string[] = [`${c.id} (${c.suite}) ${c.status}: ${c.message}`];
  if (Array.isArray(c.details)) lines.push(...c.details.map((d) => `  ${d}`));
  if (Array.isArray(c.warnings) && c.warnings.length) lines.push('warnings:', ...c.warnings.map((w) => `  ${w}`));
  const where = isRecord(c.where) ? whereText(c.where, (v) => formatValue(v)) : '';
  if (where) lines.push(`where: ${where}`);
  // The replay before the evidence, so a reader who stops early still has it.
  const replay = c.replay ?? o.replay;
  if (replay) lines.push(`replay: ${replay}`);
  if ((o.evidence ?? true) && isRecord(c.evidence))
    lines.push('evidence:', ...evidenceLines(evidenceFields(c.evidence), '  ', 0, [], o.maxEvidenceLines ?? 60));
  return lines.join('\n');
}
