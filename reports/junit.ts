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
import { layerTitle, type CheckResult, type RunResult } from '../harness/result.ts';
import { escapeXml, escapeXmlAttr } from './html/escape.ts';
import { checkAsText } from './html/evidence-text.ts';
import { ioSizes } from './io-text.ts';
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

/** A run's <testsuite> blocks and every testcase counted in them; `label` goes after each suite's name. */
function runBlocks(run: Readonly<RunResult>, label = ''): { blocks: string[]; all: CheckResult[] } {
  const file = run.layer?.file ?? '';
  const io = ioSizes(run.layer, (s) => `[${s.join(',')}]`);
  const props = [
    ['layer', layerNameOf(run)],
    ['file', file],
    ['seed', run.seed],
    ['backend', run.environment?.backend ?? ''],
    ['device', run.environment?.device ?? ''],
    ['tfjs', run.environment?.tfjsVersion ?? ''],
    // A layer with several inputs or outputs: each one's size, named as failures name it.
    ...(io?.inputs ? [['input sizes', io.inputs]] : []),
    ...(io?.outputs ? [['output sizes', io.outputs]] : []),
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
      `  <testsuite name="${attr(`check-layer.${suite}${label}`)}" ${countAttrs(count(checks))}${run.startedAt ? ` timestamp="${attr(run.startedAt)}"` : ''}>\n    <properties>\n${props}\n    </properties>\n${checks.map((c) => testcase(c, file)).join('\n')}\n  </testsuite>`,
    );
  }
  if (run.loadError) {
    const text = [run.loadError.message, run.loadError.hint ?? ''].filter(Boolean).join('\n');
    const k: Counts = { tests: 1, failures: 0, errors: 1, skipped: 0, ms: 0 };
    all.push({ id: 'loadLayer', suite: 'shape', status: 'incomplete', message: run.loadError.message, durationMs: 0 });
    blocks.unshift(
      `  <testsuite name="${attr(`check-layer.load${label}`)}" ${countAttrs(k)}>\n    <properties>\n${props}\n    </properties>\n    <testcase name="loadLayer" classname="check-layer.load" time="0.000"${file ? ` file="${attr(file)}"` : ''}>\n      <error message="${attr(run.loadError.message)}" type="loadError">${escapeXml(text)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  return { blocks, all };
}

const layerNameOf = (run: Readonly<RunResult>): string => layerTitle(run.layer);

const document = (name: string, counts: Counts, blocks: string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(name)}" ${countAttrs(counts)}>\n${blocks.join('\n')}\n</testsuites>\n`;

export function renderJunit(run: Readonly<RunResult>): string {
  const { blocks, all } = runBlocks(run);
  const total = count(all);
  return document(`check-layer: ${layerNameOf(run)}`, { ...total, ms: run.summary?.durationMs ?? total.ms }, blocks);
}

/**
 * One JUnit file for several layer files (merge-reports): each file's suites in turn, named
 * `check-layer.<suite> (<file>)` so that the same check of two layers stays apart in a CI's test
 * view; testcases as in a single file's report (classname `check-layer.<suite>`, `file` set).
 */
export function renderJunitMerged(runs: readonly Readonly<RunResult>[]): string {
  const parts = runs.map((run) => runBlocks(run, ` (${run.layer?.file ?? ''})`));
  const total = count(parts.flatMap((p) => p.all));
  const ms = runs.reduce((a, r) => a + (Number.isFinite(r.summary?.durationMs) ? r.summary.durationMs : 0), 0);
  return document(
    `check-layer: ${runs.length} layer file${runs.length === 1 ? '' : 's'}`,
    { ...total, ms },
    parts.flatMap((p) => p.blocks),
  );
}

export const junitWriter: ReportWriter = { format: 'junit', extension: '.junit.xml', render: renderJunit };
