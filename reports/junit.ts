/**
 * JUnit XML, for CI systems: one <testsuite> per suite, one <testcase> per check (its id as the
 * name, classname `check-layer.<suite>`), time in seconds.
 *
 *   failed      <failure message="..." type="failed">message, details, evidence, replay</failure>
 *   skipped     <skipped message="why"/>
 *   incomplete  <error message="not judged: ..." type="incomplete">: JUnit's "error" means the
 *               test could not run to a verdict, which is what incomplete is (a check it depends
 *               on failed); CI systems count it as red, like a failure, but keep it apart.
 *   load error  one testsuite `check-layer.load` with an erroring testcase `loadLayer`, so a layer
 *               that cannot even be made turns CI red instead of showing zero tests.
 */
import type { CheckResult, RunResult } from '../harness/result.ts';
import { escapeXml, escapeXmlAttr } from './html/escape.ts';
import { checkAsText } from './html/evidence-text.ts';
import type { ReportWriter } from './writer.ts';
import { asText } from '../harness/as-text.ts';

const seconds = (ms: unknown): string =>
  typeof ms === 'number' && Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '0.000';

/** Attribute values are one line of reasonable length; the full text goes in the element body. */
const attr = (s: unknown, max = 1000): string => {
  const one = asText(s ?? '').replace(/\s*\n\s*/g, ' ');
  return escapeXmlAttr(one.length > max ? `${one.slice(0, max)}…` : one);
};

function testcase(c: CheckResult, file: string): string {
  const open = `<testcase name="${attr(c.id)}" classname="check-layer.${attr(c.suite)}" time="${seconds(c.durationMs)}"${file ? ` file="${attr(file)}"` : ''}`;
  switch (c.status) {
    case 'passed':
      return `    ${open}/>`;
    case 'skipped':
      return `    ${open}>\n      <skipped message="${attr(c.message)}"/>\n    </testcase>`;
    case 'failed':
      return `    ${open}>\n      <failure message="${attr(c.message)}" type="failed">${escapeXml(checkAsText(c))}</failure>\n    </testcase>`;
    default:
      return `    ${open}>\n      <error message="${attr(c.message)}" type="${attr(c.status)}">${escapeXml(checkAsText(c))}</error>\n    </testcase>`;
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function count(checks: readonly CheckResult[]): Counts {
  return {
    tests: checks.length,
    failures: checks.filter((c) => c.status === 'failed').length,
    errors: checks.filter((c) => c.status !== 'failed' && c.status !== 'passed' && c.status !== 'skipped').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
    ms: checks.reduce((a, c) => a + (Number.isFinite(c.durationMs) ? c.durationMs : 0), 0),
  };
}

const countAttrs = (k: Counts): string =>
  `tests="${k.tests}" failures="${k.failures}" errors="${k.errors}" skipped="${k.skipped}" time="${seconds(k.ms)}"`;

export function renderJunit(run: Readonly<RunResult>): string {
  const file = run.layer?.file ?? '';
  const layerName = run.layer?.name || run.layer?.className || file || 'layer';
  const props = [
    ['layer', layerName],
    ['file', file],
    ['seed', run.seed],
    ['backend', run.environment?.backend ?? ''],
    ['device', run.environment?.device ?? ''],
    ['tfjs', run.environment?.tfjsVersion ?? ''],
  ]
    .map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`)
    .join('\n');
  const suites = new Map<string, CheckResult[]>();
  for (const c of run.checks ?? []) {
    const k = String(c.suite);
    if (!suites.has(k)) suites.set(k, []);
    suites.get(k)!.push(c);
  }
  const blocks: string[] = [];
  const all: CheckResult[] = [];
  for (const [suite, checks] of suites) {
    all.push(...checks);
    blocks.push(
      `  <testsuite name="check-layer.${attr(suite)}" ${countAttrs(count(checks))}${run.startedAt ? ` timestamp="${attr(run.startedAt)}"` : ''}>\n    <properties>\n${props}\n    </properties>\n${checks.map((c) => testcase(c, file)).join('\n')}\n  </testsuite>`,
    );
  }
  if (run.loadError) {
    const text = [run.loadError.message, run.loadError.hint ?? ''].filter(Boolean).join('\n');
    const k: Counts = { tests: 1, failures: 0, errors: 1, skipped: 0, ms: 0 };
    all.push({ id: 'loadLayer', suite: 'shape', status: 'incomplete', message: run.loadError.message, durationMs: 0 });
    blocks.unshift(
      `  <testsuite name="check-layer.load" ${countAttrs(k)}>\n    <properties>\n${props}\n    </properties>\n    <testcase name="loadLayer" classname="check-layer.load" time="0.000"${file ? ` file="${attr(file)}"` : ''}>\n      <error message="${attr(run.loadError.message)}" type="loadError">${escapeXml(text)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  const total = count(all);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(`check-layer: ${layerName}${file ? ` (${file})` : ''}`)}" ${countAttrs({ ...total, ms: run.summary?.durationMs ?? total.ms })}>\n${blocks.join('\n')}\n</testsuites>\n`;
}

export const junitWriter: ReportWriter = { format: 'junit', extension: '.junit.xml', render: renderJunit };
