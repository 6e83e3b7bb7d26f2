/**
 * The HTML report, read as text: on real runs (a passing ELU, a failing fixture through the CLI's
 * worker path, a layer whose names are HTML, a file that could not run) and on evidence nobody
 * planned for. What a browser makes of it is html-in-browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { evidenceOf, type Evidence } from '../harness/evidence/index.ts';
import type { CheckResult, RunResult } from '../harness/result.ts';
import { DESCRIPTION, IMG_TYPE, SCRIPT_NAME } from '../fixtures/reports/script-in-names.ts';
import { anchor, renderHtml } from './html.ts';
import { escapeHtml } from './html/escape.ts';
import {
  failingRun,
  multiIoRun,
  notALayerRun,
  passingRun,
  scriptRun,
  trainingRun,
  twoOutputsRun,
} from '../test-support/real-runs.ts';

/**
 * Everything in the page's markup that could load or run something: elements that fetch or run,
 * event-handler and source attributes, links that leave the page, url() and @import in styles.
 * Escaped text holds no '<', so every '<' starts real markup. (The SVG namespace URI is a name, not a request.)
 */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    const name = /^<([a-zA-Z0-9-]+)/.exec(tag)![1]!.toLowerCase();
    if (
      [
        'script',
        'iframe',
        'object',
        'embed',
        'link',
        'img',
        'image',
        'audio',
        'video',
        'source',
        'base',
        'form',
        'use',
      ].includes(name)
    )
      found.push(tag);
    for (const m of tag.matchAll(/\s([a-zA-Z:-]+)\s*=\s*"([^"]*)"/g)) {
      const attr = m[1]!.toLowerCase();
      if (attr.startsWith('on') || ['src', 'srcset', 'action', 'formaction', 'poster', 'xlink:href'].includes(attr))
        found.push(tag);
      if (attr === 'href' && !m[2]!.startsWith('#')) found.push(tag);
      if (attr === 'style' && /url\(|expression\(/i.test(m[2]!)) found.push(tag);
      if (attr === 'http-equiv' && /refresh/i.test(m[2]!)) found.push(tag);
    }
  }
  for (const style of html.match(/<style>[\s\S]*?<\/style>/g) ?? [])
    if (/url\(|@import/i.test(style)) found.push('<style> with url() or @import');
  return found;
}

const checkRows = (html: string) => [...html.matchAll(/<td class="id"><a href="#([^"]+)">/g)].map((m) => m[1]);

describe('HTML report of a passing run (reference ELU)', () => {
  it('shows the verdict, the summary counts and every check in the table, each linked to its details', async () => {
    const run = await passingRun();
    const html = renderHtml(run);
    expect(run.exitCode).toBe(0);
    expect(html).toContain('<span class="verdict passed">PASSED</span>');
    const s = run.summary;
    expect(html).toContain(`${s.passed} passed, ${s.failed} failed, ${s.incomplete} incomplete, ${s.skipped} skipped`);
    expect(checkRows(html)).toEqual(run.checks.map(anchor));
    for (const c of run.checks) expect(html).toContain(`<details class="check ${c.status}" id="${anchor(c)}">`);
  });

  it('describes the layer and the environment: name, form, learnables and shapes, backend, versions, seed', async () => {
    const run = await passingRun();
    const html = renderHtml(run);
    for (const text of [
      run.layer.name,
      run.layer.className,
      'B: a CustomLayer',
      run.environment!.backend,
      run.environment!.tfjsVersion,
      run.environment!.nodeVersion,
    ]) {
      expect(html).toContain(escapeHtml(text));
    }
    for (const l of run.layer.learnables)
      expect(html).toContain(`<code>${escapeHtml(l.name)}</code> [${l.shape.join(', ')}]`);
    expect(html).toMatch(new RegExp(`<th scope="row">seed</th><td><code>${run.seed}</code>`));
  });

  it('plots the response over [-10, 3] beside ELU, Leaky ReLU and ReLU, and numeric against analytic derivatives per parameter', async () => {
    const run = await passingRun();
    const html = renderHtml(run);
    expect(run.layer.response?.x.length).toBeGreaterThan(10);
    expect(html).toContain('aria-label="Activation response"');
    for (const name of ['ELU', 'Leaky ReLU (0.1)', 'ReLU']) expect(html).toContain(`>${escapeHtml(name)}</text>`);
    const gradient = run.checks.find((c) => c.id === 'gradientsAreNumericallyCorrect')!;
    const params = evidenceOf(gradient, 'gradientCheck').parameters.map((p) => p.parameter);
    expect(params.length).toBeGreaterThan(1);
    for (const p of params) expect(html).toContain(`aria-label="dL/d${escapeHtml(p)}: numeric against analytic"`);
    expect(html.match(/class="identity"/g)?.length).toBe(params.length);
  });

  it('is self-contained: no scripts, no external resources, a policy that forbids both', async () => {
    const html = renderHtml(await passingRun());
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
  });

  it('leaves passing checks closed', async () => {
    const html = renderHtml(await passingRun());
    expect(html).not.toMatch(/<details class="check passed"[^>]* open>/);
  });
});

describe('HTML report of a failing run (naive-mask ELU through the CLI path)', () => {
  it('says FAILED, lists the failures under the verdict and opens them with their evidence and replay command', async () => {
    const run = await failingRun();
    const html = renderHtml(run);
    const bad = run.checks.filter((c) => c.status === 'failed' || c.status === 'incomplete');
    expect(bad.map((c) => c.id)).toEqual(['predictIsFiniteForLargeInputs', 'gradientsAreFiniteForLargeInputs']);
    expect(html).toContain('<span class="verdict failed">FAILED</span>');
    const problems = html.slice(
      html.indexOf('id="problems"'),
      html.indexOf('</section>', html.indexOf('id="problems"')),
    );
    for (const c of bad) {
      expect(problems).toContain(`href="#${anchor(c)}"`);
      const details = detailsOf(html, c);
      expect(details).toMatch(/^<details class="check failed" id="[^"]+" open>/);
      expect(c.replay).toMatch(/^npx check-layer fixtures\/stability\/naive-mask-elu\.ts --checks /);
      expect(details).toContain(`<pre><code>${escapeHtml(c.replay)}</code></pre>`);
      for (const line of c.details ?? []) expect(details).toContain(escapeHtml(line));
    }
  });

  it('draws one stability grid for the suite (input class by output, dLdX and each learnable) with NaN marked where the checks saw it', async () => {
    const run = await failingRun();
    const html = renderHtml(run);
    const section = html.slice(
      html.indexOf('<section class="suite" id="suite-stability">'),
      html.indexOf('<details', html.indexOf('<section class="suite" id="suite-stability">')),
    );
    const header = [...section.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]);
    const grids = run.checks.filter((c) => c.suite === 'stability').map((c) => evidenceOf(c, 'stabilityGrid').grid);
    const columns = grids.flatMap((g) => g.columns);
    expect(header).toEqual(['input class', ...columns.map((c) => c.label)]);
    const rows = [...section.matchAll(/<tr><th scope="row" class="mono">([^<]+)<\/th>(.*?)<\/tr>/g)].map((m) => ({
      cls: m[1],
      cells: m[2]!,
    }));
    expect(rows.map((r) => r.cls)).toEqual(grids[0]!.rows.map((r) => escapeHtml(r.inputClass)));
    rows.forEach((row, i) => {
      const states = [...row.cells.matchAll(/class="state (\w+)"/g)].map((m) => m[1]);
      expect(states).toEqual(grids.flatMap((g) => g.columns.map((c) => g.rows[i]!.cells[c.key]!.state)));
    });
    expect(rows.find((r) => r.cls === 'expOverflow+88.73')!.cells).toContain('>NaN</td>');
  });
});

describe("HTML report of a layer with two inputs (through the CLI path, its file's input sizes)", () => {
  it('draws the stability grid with a row per input class and input (each input in turn, then all together)', async () => {
    const run = await multiIoRun();
    const html = renderHtml(run);
    const start = html.indexOf('<section class="suite" id="suite-stability">');
    const section = html.slice(start, html.indexOf('<details', start));
    const rows = [...section.matchAll(/<tr><th scope="row" class="mono">([^<]+)<\/th>(.*?)<\/tr>/g)].map((m) => ({
      row: m[1]!,
      cells: m[2]!,
    }));
    const grid = evidenceOf(
      run.checks.find((c) => c.suite === 'stability')!,
      'stabilityGrid',
    ).grid;
    expect(rows.map((r) => r.row)).toEqual(grid.rows.map((r) => escapeHtml(`${r.inputClass} (${r.input!})`)));
    expect(new Set(rows.map((r) => r.row)).size).toBe(rows.length);
    const cells = (row: string) => rows.find((r) => r.row === row)!.cells;
    expect(cells('expOverflow+88.73 (input 1)')).toContain('>NaN</td>');
    expect(cells('expOverflow+88.73 (all inputs)')).toContain('>NaN</td>');
    expect(cells('expOverflow+88.73 (input 2)')).not.toContain('>NaN</td>');
  });

  it('shows the size of each input and output, and names the input of each failure in the list and its details', async () => {
    const run = await multiIoRun();
    const html = renderHtml(run);
    expect(html).toContain(
      '<tr><th scope="row">input sizes (one observation each)</th><td>input 1 [4, 4, 3], input 2 [4, 4, 3]</td></tr>',
    );
    expect(html).toContain('<tr><th scope="row">output sizes</th><td>output [4, 4, 3]</td></tr>');
    expect(html).not.toContain('input size (one observation)');
    const failed = run.checks.filter((c) => c.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const c of failed) {
      const input = c.where!.input!;
      expect(input).toMatch(/^(input 1|all inputs)$/);
      expect(html).toContain(
        `<a href="#${anchor(c)}"><code>${c.id}</code></a> <span class="muted">(${input})</span>: <span class="message">`,
      );
      const details = new RegExp(`id="${anchor(c)}"[\\s\\S]*?</details>`).exec(html)![0];
      expect(details).toContain(
        `<h4>Where</h4><table class="kv"><tr><th scope="row">input</th><td><code>${input}</code></td></tr>`,
      );
    }
  });
});

describe('HTML report of a layer with two outputs', () => {
  it('shows the size of each output and names the output of a failure', async () => {
    const run = await twoOutputsRun();
    const html = renderHtml(run);
    expect(html).toContain('<tr><th scope="row">output sizes</th><td>output 1 [4, 4, 3], output 2 [4, 4, 3]</td></tr>');
    const e = evidenceOf(
      run.checks.find((x) => x.id === 'gradientsAreNumericallyCorrect')!,
      'gradientCheck',
    );
    const shape = (x: number[]) => `[${x.join(', ')}]`;
    const [o1, o2] = e.outputShapes!.map(shape);
    expect(html).toContain(` · input ${shape(e.inputShape)} · output 1 ${o1!} · output 2 ${o2!} · `);
    const c = run.checks.find((x) => x.id === 'gradientsAreNumericallyCorrect')!;
    expect(html).toContain(`<code>${c.id}</code></a> <span class="muted">(input, output 2)</span>: `);
    const details = new RegExp(`id="${anchor(c)}"[\\s\\S]*?</details>`).exec(html)![0];
    expect(details).toContain(
      '<h4>Where</h4><table class="kv"><tr><th scope="row">input</th><td><code>input</code></td></tr><tr><th scope="row">output</th><td><code>output 2</code></td></tr><tr><th scope="row">index</th>',
    );
  });
});

describe('HTML report of a training run (dead layer, one epoch of 128 digits)', () => {
  it("shows both networks' accuracy, the loss and accuracy curves, the confusion matrices and the test digits with their predictions", async () => {
    const run = await trainingRun();
    const c = run.checks.find((x) => x.id === 'trainsToAccuracy')!;
    expect(c.status).toBe('failed');
    const e = evidenceOf(c, 'training');
    const details = detailsOf(renderHtml(run), c);
    for (const r of [e.subject, e.reference])
      expect(details).toContain(`<strong>${(r.testAccuracy * 100).toFixed(2)}%</strong>`);
    expect(details).toContain('aria-label="Mini-batch accuracy per iteration"');
    expect(details).toContain('aria-label="Mini-batch loss per iteration"');
    expect(details.match(/<path class="series"/g)).toHaveLength(4);
    for (const r of [e.subject, e.reference])
      expect(details).toContain(`aria-label="Confusion matrix: ${escapeHtml(r.layer)}`);
    const digits = [
      ...details.matchAll(
        /<figure class="digit">.*?<figcaption[^>]*>predicted (\d), true (\d)<\/figcaption><\/figure>/g,
      ),
    ].map((m) => [Number(m[1]), Number(m[2])]);
    expect(digits).toEqual(e.subject.samples.map((s) => [s.predicted, s.label]));
    // Every pixel that is not blank is drawn.
    const first = details.slice(
      details.indexOf('<figure class="digit">'),
      details.indexOf('</figure>', details.indexOf('<figure class="digit">')),
    );
    expect(first.match(/<rect x=/g)).toHaveLength(e.subject.samples[0]!.pixels.filter((v) => v > 0).length);
  });
});

describe('escaping: a layer whose name, type and description are HTML', () => {
  it('shows them as text and carries no markup of theirs', async () => {
    const run = await scriptRun();
    expect(run.layer.name).toBe(SCRIPT_NAME);
    const html = renderHtml(run);
    expect(html).toContain(`<tr><th scope="row">name</th><td>${escapeHtml(SCRIPT_NAME)}</td></tr>`);
    expect(html).toContain(escapeHtml(IMG_TYPE));
    expect(html).toContain(escapeHtml(DESCRIPTION));
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toContain(SCRIPT_NAME);
    expect(html).not.toContain('<img');
  });

  it('escapes messages, details, warnings, where, evidence keys and values, and the replay', async () => {
    const run = structuredClone(await failingRun());
    const evil = '<script>alert("x")</script>&amp;';
    const c = run.checks.find((x) => x.status === 'failed')!;
    Object.assign(c, {
      message: evil,
      details: [evil],
      warnings: [evil],
      where: { parameter: evil },
      replay: evil,
      evidence: { ...c.evidence, [evil]: evil, nested: { [evil]: [evil] } },
    });
    run.layer.learnables = [{ name: evil, shape: [1] }];
    const html = renderHtml(run);
    expect(html).not.toContain('<script');
    expect(html).toContain(escapeHtml(evil));
    expect(externalReferences(html)).toEqual([]);
  });
});

describe('defensive rendering', () => {
  it('renders a run that could not load (no checks, no environment) with its error', async () => {
    const run = await notALayerRun();
    expect(run.exitCode).toBe(2);
    const html = renderHtml(run);
    expect(html).toContain('<span class="verdict error">COULD NOT RUN</span>');
    expect(html).toContain(escapeHtml(run.loadError!.message));
    expect(html).toContain('No checks ran.');
  });

  it('does not throw on evidence of unexpected shapes, and shows it as a table', async () => {
    const base = await failingRun();
    const odd: unknown[] = [
      null,
      42,
      'text',
      [1, 2, 3],
      { grid: 'not a grid' },
      { grid: { columns: [{ key: 'output' }], rows: [{ inputClass: 'x', cells: { output: 'weird-state' } }] } },
      { grid: { columns: 7, rows: null } },
      {
        parameters: [
          {},
          { pairs: 'no' },
          { parameter: 'p', pairs: [{ numeric: 'NaN', analytic: null }], worst: { numeric: Infinity } },
        ],
      },
      { parameters: [1, 2] },
      {
        curve: { loss: [null, 1, 'x'], accuracy: 'no' },
        confusion: [[1, 2], [3]],
        samples: [{ pixels: [1, 2, 3] }, null],
      },
      { layer: { curve: {} }, reference: { testAccuracy: NaN, confusion: [[5]] } },
      { deep: { a: { b: { c: { d: { e: 1 } } } } }, long: Array.from({ length: 5000 }, (_, i) => i) },
    ];
    for (const evidence of odd) {
      const run: RunResult = structuredClone(base);
      run.checks = run.checks.map((c) => ({ ...c, evidence: evidence as CheckResult['evidence'] }));
      expect(() => renderHtml(run), JSON.stringify(evidence)?.slice(0, 80)).not.toThrow();
    }
    const run: RunResult = structuredClone(base);
    run.checks[0] = { ...run.checks[0]!, evidence: { tolerance: 0.001, seen: 'NaN' } as unknown as Evidence };
    expect(renderHtml(run)).toContain('<tr><th scope="row">tolerance</th><td><code>0.001</code></td></tr>');
    // A list of flat records (per-parameter findings) is a table with a column per key.
    run.checks[0] = {
      ...run.checks[0],
      evidence: {
        findings: [
          { parameter: 'input', mismatches: 0 },
          { parameter: 'alpha', mismatches: 3, worst: [1, 2] },
        ],
      } as unknown as Evidence,
    };
    expect(renderHtml(run)).toContain(
      '<h5>findings</h5><div class="scroll"><table class="kv records"><thead><tr><th scope="col">parameter</th><th scope="col">mismatches</th><th scope="col">worst</th></tr></thead><tbody><tr><td>input</td><td>0</td><td></td></tr><tr><td>alpha</td><td>3</td><td>[1,2]</td></tr></tbody></table></div>',
    );
  });

  it('does not throw when optional parts of the run are missing', async () => {
    const run = structuredClone(await passingRun()) as unknown as Record<string, unknown>;
    for (const k of ['environment', 'options', 'summary', 'startedAt']) delete run[k];
    delete (run['layer'] as Record<string, unknown>)['response'];
    expect(() => renderHtml(run as unknown as RunResult)).not.toThrow();
  });
});

describe("the test's own detector of external references", () => {
  it('finds scripts, images, handlers, outside links and url() when they are there', () => {
    const page =
      '<p><script>x</script><img src="a.png"><a href="https://example.org">x</a><a href="#ok">ok</a><b onclick="x()">b</b><i style="background:url(a.png)">i</i></p>';
    expect(externalReferences(page)).toEqual([
      '<script>',
      '<img src="a.png">',
      '<img src="a.png">',
      '<a href="https://example.org">',
      '<b onclick="x()">',
      '<i style="background:url(a.png)">',
    ]);
    expect(externalReferences('<p>&lt;img src=x&gt;</p>')).toEqual([]);
  });
});

function detailsOf(html: string, c: CheckResult): string {
  const start = html.indexOf(`<details class="check ${c.status}" id="${anchor(c)}"`);
  return html.slice(start, html.indexOf('</details>', start));
}
