/** The index page of a run over several layer files, on real runs: one row per file, its verdict, counts and a link. */
import { describe, expect, it } from 'vitest';
import { escapeHtml } from './html/escape.ts';
import { notALayerRun, passingRun, predictThrowsRun } from '../test-support/real-runs.ts';
import { renderIndex, safeHref } from './index-page.ts';

describe('index page', () => {
  it('lists every layer file with its verdict, counts, first problem and a link to its report', async () => {
    const runs = [await passingRun(), await predictThrowsRun(), await notALayerRun()];
    const entries = runs.map((run, i) => ({ file: run.layer.file, reportHref: `layer-${i}.html`, run }));
    const html = renderIndex(entries);
    const rows = [
      ...html.matchAll(/<tr><td><span class="verdict (\w+)">[^<]*<\/span><\/td><td><a href="([^"]+)">/g),
    ].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ['passed', 'layer-0.html'],
      ['failed', 'layer-1.html'],
      ['error', 'layer-2.html'],
    ]);
    expect(html).toContain('<span class="verdict failed">FAILED</span>1 passed, 2 failed or could not run');
    expect(html).toContain(escapeHtml(runs[1]!.checks.find((c) => c.status === 'failed')!.message));
    expect(html).toContain(escapeHtml(runs[2]!.loadError!.message));
    for (const run of runs) expect(html).toContain(`<code>${escapeHtml(run.layer.file)}</code>`);
  });

  it('says PASSED only when every layer passed', async () => {
    const run = await passingRun();
    expect(
      renderIndex([
        { file: 'a.ts', reportHref: 'a.html', run },
        { file: 'b.ts', reportHref: 'b.html', run },
      ]),
    ).toContain('<span class="verdict passed">PASSED</span>2 passed, 0 failed');
  });

  it('escapes file names and keeps links relative: no javascript: or other schemes, odd characters encoded', async () => {
    const run = await passingRun();
    const html = renderIndex([
      { file: '<script>alert(1)</script>.ts', reportHref: 'javascript:alert(1)', run },
      { file: 'folder with spaces/l.ts', reportHref: 'folder with spaces/l "x".html', run },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml('<script>alert(1)</script>.ts'));
    expect(html).toContain('href="#"');
    expect(html).toContain('href="folder%20with%20spaces/l%20%22x%22.html"');
    expect(safeHref('//evil.example/x')).toBe('#');
    expect(safeHref('elu-layer.html')).toBe('elu-layer.html');
  });
});
