/**
 * JUnit XML on real runs: a passing ELU, a failing fixture (CLI path, with replays), a fixture
 * whose predict throws (failures and incomplete checks), a file that could not load. Checked as
 * text here; html-in-browser.test.ts also parses it with the browser's XML parser.
 */
import { describe, expect, it } from 'vitest';
import type { CheckResult, RunResult } from '../harness/result.ts';
import { escapeXml, escapeXmlAttr } from './html/escape.ts';
import {
  failingRun,
  multiIoRun,
  notALayerRun,
  passingRun,
  predictThrowsRun,
  twoOutputsRun,
} from '../test-support/real-runs.ts';
import { renderJunit } from './junit.ts';

interface Case {
  name: string;
  classname: string;
  time: number;
  body: string;
}

function suitesOf(xml: string): { name: string; attrs: Record<string, string>; cases: Case[] }[] {
  return [...xml.matchAll(/<testsuite ([^>]*)>([\s\S]*?)<\/testsuite>/g)].map((m) => ({
    name: attrsOf(m[1]!)['name']!,
    attrs: attrsOf(m[1]!),
    cases: [...m[2]!.matchAll(/<testcase ([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((c) => {
      const a = attrsOf(c[1]!);
      return { name: a['name']!, classname: a['classname']!, time: Number(a['time']), body: c[2] ?? '' };
    }),
  }));
}

function attrsOf(s: string): Record<string, string> {
  return Object.fromEntries([...s.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

function expectWellFormedText(xml: string): void {
  // No raw markup characters where text or attribute values are: every & starts a reference.
  expect(xml.match(/&(?!(amp|lt|gt|quot|#39|#10|#13|#9);)/g)).toBeNull();
  for (const m of xml.matchAll(/="([^"]*)"/g)) expect(m[1]).not.toMatch(/[<\n]/);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
  expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
}

describe('JUnit XML', () => {
  it('has one testsuite per suite and one testcase per check, named by id, classname check-layer.<suite>, time in seconds', async () => {
    for (const run of [await passingRun(), await failingRun()]) {
      const xml = renderJunit(run);
      expectWellFormedText(xml);
      const suites = suitesOf(xml);
      const expected = [...new Set(run.checks.map((c) => c.suite))];
      expect(suites.map((s) => s.name)).toEqual(expected.map((s) => `check-layer.${s}`));
      for (const s of suites) {
        const checks = run.checks.filter((c) => `check-layer.${c.suite}` === s.name);
        expect(s.cases.map((c) => c.name)).toEqual(checks.map((c) => c.id));
        expect(s.cases.every((c) => c.classname === s.name)).toBe(true);
        s.cases.forEach((c, i) => expect(c.time).toBeCloseTo(checks[i]!.durationMs / 1000, 3));
        expect(Number(s.attrs['tests'])).toBe(checks.length);
      }
    }
  });

  it('writes a failure per failed check with its message, evidence and replay command', async () => {
    const run = await failingRun();
    const xml = renderJunit(run);
    const failed = run.checks.filter((c) => c.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    const cases = suitesOf(xml).flatMap((s) => s.cases);
    for (const c of failed) {
      const body = cases.find((x) => x.name === c.id)!.body;
      expect(body).toContain(`<failure message="${escapeXmlAttr(c.message)}" type="failed">`);
      expect(body).toContain(escapeXml(`replay: ${c.replay}`));
      expect(body).toContain('evidence:');
      expect(body).toContain(escapeXml(c.details![0]!));
    }
    expect(xml).toMatch(new RegExp(`<testsuites [^>]*failures="${failed.length}"`));
  });

  it('writes incomplete checks as errors of type incomplete, saying which check they depended on', async () => {
    const run = await predictThrowsRun();
    const incomplete = run.checks.filter((c) => c.status === 'incomplete');
    expect(incomplete.length).toBeGreaterThan(0);
    const xml = renderJunit(run);
    expectWellFormedText(xml);
    const cases = suitesOf(xml).flatMap((s) => s.cases);
    for (const c of incomplete)
      expect(cases.find((x) => x.name === c.id)!.body).toContain(
        `<error message="${escapeXmlAttr(c.message)}" type="incomplete">`,
      );
    expect(xml).toMatch(
      new RegExp(
        `<testsuite name="check-layer.shape" tests="${run.checks.length}" failures="${run.summary.failed}" errors="${run.summary.incomplete}" skipped="${run.summary.skipped}"`,
      ),
    );
  });

  it('writes skipped checks as <skipped> with the reason', async () => {
    // No check skips for these layers on this machine; the writer's mapping is tested on a real run with one status changed.
    const run: RunResult = structuredClone(await passingRun());
    const c: CheckResult = { ...run.checks[1]!, status: 'skipped', message: 'no learnables: nothing to differentiate' };
    run.checks[1] = c;
    const xml = renderJunit(run);
    const body = suitesOf(xml)
      .flatMap((s) => s.cases)
      .find((x) => x.name === c.id)!.body;
    expect(body.trim()).toBe('<skipped message="no learnables: nothing to differentiate"/>');
    expect(xml).toMatch(/<testsuites [^>]*skipped="1"/);
  });

  it('turns a layer that could not load into an erroring testcase, so CI does not see zero tests', async () => {
    const run = await notALayerRun();
    const xml = renderJunit(run);
    expectWellFormedText(xml);
    const suites = suitesOf(xml);
    expect(suites.map((s) => s.name)).toEqual(['check-layer.load']);
    expect(suites[0]!.cases[0]!.body).toContain(
      `<error message="${escapeXmlAttr(run.loadError!.message)}" type="loadError">`,
    );
  });

  it('escapes markup, shows control characters escaped and replaces what else XML cannot hold, in attributes and text', async () => {
    const run: RunResult = structuredClone(await failingRun());
    const evil = 'a<b>&"c\' \u0001\u0008\uFFFE\nnext line ]]> \uD800 \u001b[2J \u009b \u0000';
    const c = run.checks.find((x) => x.status === 'failed')!;
    Object.assign(c, { message: evil, details: [evil], id: `id${evil}` });
    run.layer.name = evil;
    const xml = renderJunit(run);
    expectWellFormedText(xml);
    // eslint-disable-next-line no-control-regex -- the characters XML 1.0 cannot hold
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(xml).not.toMatch(/[\u007f-\u009f]/);
    expect(xml).toContain('a&lt;b&gt;&amp;&quot;c&#39; \\x01\\x08\uFFFD');
  });

  it('names the input a failure happened at, and the size of each input and output of a layer with several', async () => {
    const run = await multiIoRun();
    const xml = renderJunit(run);
    expectWellFormedText(xml);
    expect(xml).toContain('<property name="input sizes" value="input 1 [4,4,3], input 2 [4,4,3]"/>');
    expect(xml).toContain('<property name="output sizes" value="output [4,4,3]"/>');
    const failures = suitesOf(xml)
      .flatMap((x) => x.cases)
      .filter((c) => c.body.includes('<failure '));
    expect(failures.map((c) => c.name)).toEqual(['predictIsFiniteForLargeInputs', 'gradientsAreFiniteForLargeInputs']);
    for (const f of failures)
      expect(f.body).toMatch(/\nwhere: inputClass \S+ given to (input 1|all inputs), parameter /);
    // A one-input layer's report has no such properties.
    expect(renderJunit(await passingRun())).not.toContain('input sizes');
  });

  it("names the output a failure happened at, and each output's size, for a layer with two outputs", async () => {
    const xml = renderJunit(await twoOutputsRun());
    expectWellFormedText(xml);
    expect(xml).toContain('<property name="output sizes" value="output 1 [4,4,3], output 2 [4,4,3]"/>');
    const failure = suitesOf(xml)
      .flatMap((x) => x.cases)
      .find((c) => c.name === 'gradientsAreNumericallyCorrect')!;
    expect(failure.body).toMatch(/\nwhere: input, output 2, index \d+, position /);
  });
});
