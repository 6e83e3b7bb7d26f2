/** Report file names in a set: one per layer file, never the name of the set's own index page or merged JUnit file. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { passingRun, predictThrowsRun } from '../test-support/real-runs.ts';
import { reportStems, writeReports } from './write-reports.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('report names', () => {
  it('are the layer files’ names, numbered where two are alike or the set holds that name', () => {
    expect(reportStems(['a/elu.ts', 'b/elu.ts', 'index.ts'])).toEqual(['elu', 'elu-2', 'index']);
    expect(reportStems(['a/index.ts', 'junit.mts'], ['index', 'junit'])).toEqual(['index-2', 'junit-2']);
  });

  it('keep a layer file called index.ts apart from the index page of a run over several files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-names-'));
    dirs.push(dir);
    const index = { ...(await passingRun()), layer: { ...(await passingRun()).layer, file: 'layers/index.ts' } };
    const other = await predictThrowsRun();
    const written = await writeReports([index, other], dir, ['html', 'json']);
    expect(readdirSync(dir).sort()).toEqual(
      [
        'index-2.html',
        'index-2.json',
        'index.html',
        `${path.basename(other.layer.file, '.ts')}.html`,
        `${path.basename(other.layer.file, '.ts')}.json`,
      ].sort(),
    );
    expect(written.index).toBe(path.join(dir, 'index.html'));
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(page).toContain('href="index-2.html"');
    expect(page).toContain('check-layer: 2 layer files');
  });
});
