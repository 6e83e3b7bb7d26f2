/**
 * The index page of a run over several layer files: one row per layer with its verdict, the
 * counts and a link to its own report. Self-contained like the reports; everything escaped.
 */
import type { RunResult } from '../harness/result.ts';
import { verdict } from './html.ts';
import { htmlDocument } from './html/document.ts';
import { escapeHtml } from './html/escape.ts';
import { formatDuration } from './html/format.ts';

export interface IndexEntry {
  /** The layer file as given on the command line. */
  file: string;
  /** Link to its report, relative to the index page. */
  reportHref: string;
  run: Readonly<RunResult>;
}

/** A relative link that stays a link: no `javascript:` or other scheme, each path segment percent-encoded. */
export function safeHref(href: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return '#';
  return href
    .split('/')
    .map((seg) => encodeURIComponent(decodeSafely(seg)))
    .join('/');
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function renderIndex(entries: IndexEntry[]): string {
  const verdicts = entries.map((e) => verdict(e.run));
  const failing = verdicts.filter((v) => v.cls !== 'passed').length;
  const overall =
    entries.length === 0
      ? { label: 'NOTHING RAN', cls: 'error' }
      : failing
        ? { label: 'FAILED', cls: 'failed' }
        : { label: 'PASSED', cls: 'passed' };
  const rows = entries.map((e, i) => {
    const v = verdicts[i]!;
    const s = e.run.summary;
    // The file is in the same cell: the class names the layer (not TensorFlow.js's generated name).
    const name = e.run.layer?.className || '';
    const first =
      e.run.loadError?.message ??
      e.run.checks?.find((c) => c.status === 'failed' || c.status === 'incomplete')?.message ??
      '';
    return `<tr><td><span class="verdict ${v.cls}">${v.label}</span></td><td><a href="${escapeHtml(safeHref(e.reportHref))}"><code>${escapeHtml(e.file)}</code></a>${name ? ` <span class="muted layer-name">${escapeHtml(name)}</span>` : ''}${first ? `<div class="message first-problem">${escapeHtml(first)}</div>` : ''}</td><td class="num">${s?.passed ?? ''}</td><td class="num">${s?.failed ?? ''}</td><td class="num">${s?.incomplete ?? ''}</td><td class="num">${s?.skipped ?? ''}</td><td class="num">${formatDuration(s?.durationMs)}</td></tr>`;
  });
  const seeds = [...new Set(entries.map((e) => e.run.seed))];
  return htmlDocument(
    `${overall.label}: ${entries.length} layer${entries.length === 1 ? '' : 's'} (check-layer)`,
    `<h1>check-layer: ${entries.length} layer file${entries.length === 1 ? '' : 's'}</h1>
<p class="summary" id="summary"><span class="verdict ${overall.cls}">${overall.label}</span>${entries.length - failing} passed, ${failing} failed or could not run${seeds.length === 1 ? ` · seed ${escapeHtml(seeds[0])}` : ''}</p>
<table class="checks index" id="layer-table"><thead><tr><th scope="col">verdict</th><th scope="col">layer file, layer, first problem</th><th scope="col">passed</th><th scope="col">failed</th><th scope="col">incomplete</th><th scope="col">skipped</th><th scope="col">time</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<footer>Each layer's own report has its checks, evidence and replay commands. This page is self-contained: it loads nothing and runs no scripts.</footer>`,
  );
}
