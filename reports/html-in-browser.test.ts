/**
 * The HTML reports and the index page in a real browser: headless Chromium (Debian's package,
 * driven by playwright-core) opens what the CLI wrote for a passing layer, two failing ones and
 * a layer whose names are HTML, and checks what a reader sees: the verdict and summary, the
 * check table, the plots, failures open with their replay; no console errors, no requests
 * beyond the file itself, no script run. Screenshots go to <tmp>/check-layer-browser-test/.
 * The JUnit files are parsed with the browser's XML parser.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvidenceOf } from '../harness/evidence/index.ts';
import type { RunResult } from '../harness/result.ts';
import { SCRIPT_NAME } from '../fixtures/reports/script-in-names.ts';
import { anchor } from './html.ts';
import { ROOT } from '../test-support/real-runs.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(tmpdir(), 'check-layer-browser-test');

/** Layer files, the report stem the CLI gives each, and what the run must say. */
const LAYERS = [
  { file: 'reference-layers/elu-layer.ts', stem: 'elu-layer', verdict: 'PASSED' },
  { file: 'entry/vitest-fixture/broken-elu.ts', stem: 'broken-elu', verdict: 'FAILED' },
  { file: 'fixtures/stability/naive-mask-elu.ts', stem: 'naive-mask-elu', verdict: 'FAILED' },
  { file: 'fixtures/reports/script-in-names.ts', stem: 'script-in-names', verdict: 'PASSED' },
];

interface PageLog {
  errors: string[];
  requests: string[];
  dialogs: string[];
}

describe.skipIf(!HAVE_CHROMIUM)(
  `HTML report in headless Chromium${HAVE_CHROMIUM ? '' : ` (skipped: no browser at ${CHROMIUM}; install Debian's chromium: apt-get install chromium)`}`,
  () => {
    let out: string;
    let browser: Browser;
    let cliExit: number | null;
    const runs: Record<string, RunResult> = {};

    beforeAll(async () => {
      out = mkdtempSync(path.join(tmpdir(), 'check-layer-html-'));
      mkdirSync(SCREENSHOTS, { recursive: true });
      const args = [
        path.join(ROOT, 'bin/check-layer.mjs'),
        ...LAYERS.map((l) => l.file),
        '--input-size',
        '4,4,3',
        '--suites',
        'shape,gradient,stability',
        '--format',
        'html,json,junit',
        '--report-dir',
        out,
      ];
      cliExit = await new Promise<number | null>((resolve) =>
        execFile(
          process.execPath,
          args,
          { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 32 << 20 },
          (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
        ),
      );
      for (const l of LAYERS)
        runs[l.stem] = JSON.parse(readFileSync(path.join(out, `${l.stem}.json`), 'utf8')) as RunResult;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    // One page for every test (a new page costs about a second here); each open starts a fresh log.
    let page: Page;
    let log: PageLog = { errors: [], requests: [], dialogs: [] };

    async function open(file: string): Promise<{ page: Page; log: PageLog }> {
      if (!page) {
        page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
        page.on('request', (r) => log.requests.push(r.url()));
        page.on('dialog', (d) => {
          log.dialogs.push(d.message());
          void d.dismiss();
        });
      }
      log = { errors: [], requests: [], dialogs: [] };
      await page.goto(pathToFileURL(file).href);
      await page.waitForLoadState('load');
      return { page, log };
    }

    it('the CLI wrote every report and the index page, and exited 1 for the failing layers', () => {
      expect(cliExit).toBe(1);
      for (const l of LAYERS)
        for (const ext of ['.html', '.json', '.junit.xml'])
          expect(existsSync(path.join(out, `${l.stem}${ext}`)), `${l.stem}${ext}`).toBe(true);
      expect(existsSync(path.join(out, 'index.html'))).toBe(true);
    });

    it('the index page lists every layer file, links reports that exist, and loads nothing else', async () => {
      const { page, log } = await open(path.join(out, 'index.html'));
      const rows = await page.$$eval('#layer-table tbody tr', (trs) =>
        trs.map((tr) => ({
          verdict: tr.querySelector('.verdict')?.textContent,
          href: tr.querySelector<HTMLAnchorElement>('a')?.href,
          file: tr.querySelector('code')?.textContent,
        })),
      );
      expect(rows.map((r) => [r.file, r.verdict])).toEqual(LAYERS.map((l) => [l.file, l.verdict]));
      for (const [i, r] of rows.entries())
        expect(r.href).toBe(pathToFileURL(path.join(out, `${LAYERS[i]!.stem}.html`)).href);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'index.png'), fullPage: true });
      expect(log).toEqual({ errors: [], requests: [pathToFileURL(path.join(out, 'index.html')).href], dialogs: [] });
    });

    for (const l of LAYERS) {
      it(`${l.stem}: summary, check table, plots and open failures are there; no errors, no requests, no scripts`, async () => {
        const run = runs[l.stem]!;
        const file = path.join(out, `${l.stem}.html`);
        const { page, log } = await open(file);
        const s = run.summary;
        expect(await page.textContent('#summary')).toMatch(
          new RegExp(
            `^${l.verdict}${s.passed} passed, ${s.failed} failed, ${s.incomplete} incomplete, ${s.skipped} skipped in [0-9.]+ (ms|s)$`,
          ),
        );

        const table = await page.$$eval('#check-table tbody tr:not(.suite)', (trs) =>
          trs.map((tr) => [tr.querySelector('.status')!.textContent, tr.querySelector('.id')!.textContent]),
        );
        expect(table).toEqual(run.checks.map((c) => [c.status, c.id]));

        const opened = await page.$$eval('details.check[open]', (ds) => ds.map((d) => d.id));
        const bad = run.checks.filter((c) => c.status === 'failed' || c.status === 'incomplete');
        expect(opened).toEqual(bad.map(anchor));
        for (const c of bad) expect(await page.textContent(`#${anchor(c)} .replay pre`)).toBe(c.replay);

        // One response plot (elementwise layers) and one scatter per differentiated parameter, each drawn with a size.
        const gradient = run.checks.find((c) => c.id === 'gradientsAreNumericallyCorrect');
        const params = (isEvidenceOf(gradient?.evidence, 'gradientCheck') ? gradient.evidence.parameters : []).filter(
          (p) => p.pairs.length > 0,
        );
        const plots = await page.$$eval('svg.plot', (svgs) =>
          svgs.map((svg) => ({
            label: svg.getAttribute('aria-label'),
            box: svg.getBoundingClientRect().width * svg.getBoundingClientRect().height,
          })),
        );
        expect(plots.map((p) => p.label)).toEqual([
          ...(run.layer.response ? ['Activation response'] : []),
          ...params.map((p) => `dL/d${p.parameter}: numeric against analytic`),
        ]);
        expect(plots.length).toBeGreaterThan(0);
        expect(plots.every((p) => p.box > 100 * 100)).toBe(true);

        // The stability grid: one row per input class, a column per checked quantity, states as the checks saw them.
        const grids = run.checks.flatMap((c) => (isEvidenceOf(c.evidence, 'stabilityGrid') ? [c.evidence.grid] : []));
        if (grids.length) {
          const cells = await page.$$eval('#suite-stability table.grid tbody tr', (trs) =>
            trs.map((tr) =>
              Array.from(tr.querySelectorAll('td.state')).map((td) => td.className.replace('state ', '')),
            ),
          );
          expect(cells).toEqual(
            grids[0]!.rows.map((_, i) => grids.flatMap((g) => g.columns.map((c) => g.rows[i]!.cells[c.key]!.state))),
          );
        }

        expect(await page.$$eval('script, img, iframe, object, embed', (els) => els.length)).toBe(0);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${l.stem}.png`), fullPage: true });
        expect(log).toEqual({ errors: [], requests: [pathToFileURL(file).href], dialogs: [] });
      });
    }

    it('shows a layer named <script>alert(1)</script> as text and runs nothing', async () => {
      const { page, log } = await open(path.join(out, 'script-in-names.html'));
      // Titled by class and file; the layer's own name is shown, as text, in the layer table.
      expect(await page.textContent('h1')).toBe('check-layer report: ScriptNamedElu (script-in-names.ts)');
      expect(await page.textContent('#layer + table.kv')).toContain(SCRIPT_NAME);
      expect(await page.$$eval('script', (s) => s.length)).toBe(0);
      expect(log.dialogs).toEqual([]);
    });

    it('marks NaN in the stability grid of the naive-mask ELU', async () => {
      const { page } = await open(path.join(out, 'naive-mask-elu.html'));
      const nan = await page.$$eval('table.grid tr', (trs) =>
        trs.filter((tr) => tr.querySelector('td.state.nan')).map((tr) => tr.querySelector('th')!.textContent),
      );
      expect(nan).toContain('expOverflow+88.73');
    });

    it('the JUnit files are well-formed XML with one testcase per check and a failure per failed check', async () => {
      const { page } = await open(path.join(out, 'index.html'));
      for (const l of LAYERS) {
        const run = runs[l.stem]!;
        const xml = readFileSync(path.join(out, `${l.stem}.junit.xml`), 'utf8');
        const parsed = await page.evaluate((text) => {
          const doc = new DOMParser().parseFromString(text, 'application/xml');
          const err = doc.querySelector('parsererror');
          return {
            error: err ? err.textContent : null,
            cases: Array.from(doc.querySelectorAll('testcase')).map(
              (t) => `${t.getAttribute('classname')}/${t.getAttribute('name')}`,
            ),
            failures: Array.from(doc.querySelectorAll('testcase > failure')).map((f) => f.getAttribute('message')),
          };
        }, xml);
        expect(parsed.error).toBeNull();
        expect(parsed.cases).toEqual(run.checks.map((c) => `check-layer.${c.suite}/${c.id}`));
        expect(parsed.failures).toEqual(run.checks.filter((c) => c.status === 'failed').map((c) => c.message));
      }
    });
  },
);
