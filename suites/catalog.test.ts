/**
 * The catalog (`harness/catalog.ts`) and the checks' code (`suites/index.ts`) are one-to-one, in
 * the same order, and every check takes its id, suite, title and dependencies from its entry.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../harness/catalog.ts';
import { SUITES } from '../harness/result.ts';
import { ALL_CHECKS, CHECKS_BY_SUITE } from './index.ts';

describe('check catalog', () => {
  it('lists the implemented checks, one entry per check, in the order they run', () => {
    expect(ALL_CHECKS.map((c) => c.id)).toEqual(CATALOG.map((c) => c.id));
  });

  it("gives each check its id, suite, title and dependsOn (the check's own fields are the catalog's)", () => {
    ALL_CHECKS.forEach((check, i) => {
      const { id, suite, title, dependsOn } = check;
      expect({ id, suite, title, dependsOn }).toEqual(CATALOG[i]);
    });
  });

  it('groups the checks by suite, in the order of SUITES, each under its own suite', () => {
    expect(CATALOG.map((c) => c.suite)).toEqual(SUITES.flatMap((s) => CHECKS_BY_SUITE[s].map(() => s)));
    for (const s of SUITES) for (const c of CHECKS_BY_SUITE[s]) expect(c.suite, c.id).toBe(s);
  });

  it('has unique ids, and every dependency is a check that runs earlier', () => {
    const ids = CATALOG.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    CATALOG.forEach((c, i) => {
      for (const d of c.dependsOn) expect(ids.indexOf(d), `${c.id} depends on ${d}`).toBeGreaterThanOrEqual(0);
      for (const d of c.dependsOn) expect(ids.indexOf(d), `${c.id} depends on ${d}`).toBeLessThan(i);
    });
  });
});
